-- Version 2: what ingested records are applied to (issue 5), bills, payment
-- orders and the sandbox gateway's charges. Each applied row names the record
-- it came from as (kiosk_id, record_id); tickets from the mobile form use
-- kiosk_id 'WEB'. Lists (JSON arrays and maps) are stored as JSON text.

-- Problem reports (扫码点单). secret opens the public status page; it is kept
-- as given because the record's data (records.data) holds it anyway and the
-- back office may print the status link again. callback = 1 asks staff to
-- call the resident back (a rating of level 2 or less).
CREATE TABLE tickets (
    number      TEXT PRIMARY KEY,
    kiosk_id    TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    secret      TEXT NOT NULL,
    category    TEXT NOT NULL,
    community   TEXT NOT NULL,
    building    TEXT NOT NULL,
    unit        TEXT NOT NULL,
    room        TEXT NOT NULL,
    phrases     TEXT NOT NULL,
    text        TEXT NOT NULL,
    phone       TEXT NOT NULL,
    channel     TEXT NOT NULL,
    state       TEXT NOT NULL,
    callback    INTEGER NOT NULL DEFAULT 0,
    created     TEXT NOT NULL,
    received_at TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (kiosk_id, record_id)
);
CREATE INDEX tickets_state ON tickets (state, created);
CREATE INDEX tickets_callback ON tickets (created) WHERE callback = 1;

-- Temporary resident ID card applications (临时身份证).
CREATE TABLE applications (
    number      TEXT PRIMARY KEY,
    kiosk_id    TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    secret      TEXT NOT NULL,
    id_number   TEXT NOT NULL,
    name        TEXT NOT NULL,
    source      TEXT NOT NULL,
    reason      TEXT NOT NULL,
    phone       TEXT NOT NULL,
    fee_fen     INTEGER NOT NULL,
    payment     TEXT NOT NULL, -- receipt number of the fee
    state       TEXT NOT NULL,
    created     TEXT NOT NULL,
    received_at TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (kiosk_id, record_id)
);
CREATE INDEX applications_state ON applications (state, created);

-- The timeline of each ticket and application (numbers never clash: T… and
-- A…), n counting from 1.
CREATE TABLE timeline (
    number TEXT NOT NULL,
    n      INTEGER NOT NULL,
    state  TEXT NOT NULL,
    at     TEXT NOT NULL,
    note   TEXT NOT NULL,
    PRIMARY KEY (number, n)
) WITHOUT ROWID;

-- Completed payments; a receipt number is paid once.
CREATE TABLE payments (
    receipt      TEXT PRIMARY KEY,
    kiosk_id     TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    biller       TEXT NOT NULL,
    account      TEXT NOT NULL,
    period       TEXT NOT NULL,
    due_fen      INTEGER NOT NULL,
    paid_fen     INTEGER NOT NULL,
    credit_fen   INTEGER NOT NULL,
    method       TEXT NOT NULL,
    gateway      TEXT NOT NULL,
    offline_bill INTEGER NOT NULL,
    notes        TEXT NOT NULL,
    created      TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    UNIQUE (kiosk_id, record_id)
);
CREATE INDEX payments_kiosk ON payments (kiosk_id, created);

-- Money taken for services that did not complete, to settle at a window.
CREATE TABLE incomplete_payments (
    kiosk_id    TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    seq         INTEGER NOT NULL, -- the record's, for a stable order
    receipt     TEXT NOT NULL,
    biller      TEXT NOT NULL,
    account     TEXT NOT NULL,
    paid_fen    INTEGER NOT NULL,
    method      TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created     TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (kiosk_id, record_id)
) WITHOUT ROWID;
CREATE INDEX incomplete_payments_receipt ON incomplete_payments (receipt);

-- Ratings (好差评). rated_record is the rated service's record id as the
-- kiosk gave it; subject the number of the ticket or application it names,
-- '' when officed holds none.
CREATE TABLE ratings (
    kiosk_id     TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    seq          INTEGER NOT NULL, -- the record's, for a stable order
    rated_record TEXT NOT NULL,
    service      TEXT NOT NULL,
    level        INTEGER NOT NULL,
    reasons      TEXT NOT NULL,
    subject      TEXT NOT NULL,
    created      TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    PRIMARY KEY (kiosk_id, record_id)
) WITHOUT ROWID;
CREATE INDEX ratings_subject ON ratings (subject) WHERE subject != '';

CREATE TABLE device_events (
    kiosk_id    TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    seq         INTEGER NOT NULL, -- the record's, for a stable order
    device      TEXT NOT NULL,
    event       TEXT NOT NULL,
    detail      TEXT NOT NULL,
    created     TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (kiosk_id, record_id)
) WITHOUT ROWID;
CREATE INDEX device_events_time ON device_events (kiosk_id, created);

CREATE TABLE cash_collections (
    kiosk_id    TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    seq         INTEGER NOT NULL, -- the record's, for a stable order
    notes       INTEGER NOT NULL,
    coins       INTEGER NOT NULL,
    total_fen   INTEGER NOT NULL,
    by_value    TEXT NOT NULL,
    staff       TEXT NOT NULL,
    created     TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (kiosk_id, record_id)
) WITHOUT ROWID;

-- Bills as imported (officed import-bills), holder unmasked.
CREATE TABLE bills (
    biller     TEXT NOT NULL,
    account    TEXT NOT NULL,
    holder     TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    period     TEXT NOT NULL,
    updated    TEXT NOT NULL,
    PRIMARY KEY (biller, account)
) WITHOUT ROWID;

-- Mobile payment orders. code_hash is the SHA-256 of the payment code, unique
-- so a code pays once; NULL for a code that was invalid or refused as used.
-- The code itself is never stored.
CREATE TABLE orders (
    id          TEXT PRIMARY KEY,
    kiosk_id    TEXT NOT NULL,
    biller      TEXT NOT NULL,
    account     TEXT NOT NULL,
    amount_fen  INTEGER NOT NULL,
    method      TEXT NOT NULL,
    code_hash   BLOB UNIQUE CHECK (code_hash IS NULL OR length(code_hash) = 32),
    code_tail   TEXT NOT NULL,
    status      TEXT NOT NULL,
    message     TEXT NOT NULL,
    gateway_ref TEXT NOT NULL,
    created     TEXT NOT NULL,
    updated     TEXT NOT NULL
);
CREATE INDEX orders_status ON orders (status, updated);

-- The sandbox gateway's side of each order (office/sandbox).
CREATE TABLE sandbox_charges (
    order_id   TEXT PRIMARY KEY,
    amount_fen INTEGER NOT NULL,
    outcome    INTEGER NOT NULL,
    state      TEXT NOT NULL,
    queries    INTEGER NOT NULL,
    ref        TEXT NOT NULL,
    created    TEXT NOT NULL
);

-- Named counters, e.g. the sequence of mobile-form tickets.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
