-- officed's schema, version 1. Times are UTC text in one fixed-width format
-- (see timeLayout), so they compare correctly as text.

-- Enrolled kiosks. heartbeat is the last wire.Heartbeat as JSON; app_version
-- and queue_depth are copied out of it for listings.
CREATE TABLE kiosks (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    public_key   BLOB NOT NULL CHECK (length(public_key) = 32),
    enrolled_at  TEXT NOT NULL,
    revoked_at   TEXT,
    heartbeat    TEXT,
    heartbeat_at TEXT,
    app_version  TEXT NOT NULL DEFAULT '',
    queue_depth  INTEGER NOT NULL DEFAULT 0
);

-- One-time enrollment codes: only the SHA-256 of the code is kept.
CREATE TABLE enroll_codes (
    hash       BLOB PRIMARY KEY CHECK (length(hash) = 32),
    kiosk_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    kiosk_id   TEXT REFERENCES kiosks (id)
);

-- Nonces of signed requests, kept for 2 × sign.Skew after their timestamp.
CREATE TABLE nonces (
    kiosk_id TEXT NOT NULL,
    nonce    TEXT NOT NULL,
    ts       INTEGER NOT NULL, -- the request's Unix seconds
    PRIMARY KEY (kiosk_id, nonce)
) WITHOUT ROWID;
CREATE INDEX nonces_ts ON nonces (ts);

-- Records pushed by kiosks, once each: the primary key is what makes a
-- re-sent record a duplicate.
CREATE TABLE records (
    kiosk_id    TEXT NOT NULL,
    id          TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    schema      INTEGER NOT NULL,
    created     TEXT NOT NULL,
    data        TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (kiosk_id, id)
) WITHOUT ROWID;
CREATE INDEX records_seq ON records (kiosk_id, seq);

-- The change feed: the newest entry of each (class, key). Publishing a key
-- again deletes its old row and inserts a new one, so the feed compacts;
-- AUTOINCREMENT keeps sequence numbers from ever being reused.
CREATE TABLE changes (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    class        TEXT NOT NULL,
    key          TEXT NOT NULL,
    op           TEXT NOT NULL CHECK (op IN ('put', 'delete')),
    data         TEXT, -- JSON; NULL for a delete
    published_at TEXT NOT NULL,
    UNIQUE (class, key)
);
CREATE INDEX changes_class ON changes (class, seq);

-- The newest reset of each class: kiosks whose cursor is below it must
-- refetch the class.
CREATE TABLE class_resets (
    class TEXT PRIMARY KEY,
    seq   INTEGER NOT NULL
);

-- Guides as served to residents' phones. doc is the guide as JSON; the *_key
-- columns are SearchKey-normalised copies that search scans with instr().
CREATE TABLE guides (
    id            TEXT PRIMARY KEY,
    title         TEXT NOT NULL,
    category      TEXT NOT NULL,
    doc           TEXT NOT NULL,
    title_key     TEXT NOT NULL,
    category_key  TEXT NOT NULL,
    dept_key      TEXT NOT NULL,
    materials_key TEXT NOT NULL,
    updated       TEXT NOT NULL
);
CREATE INDEX guides_category ON guides (category, title);

-- Facts about the store itself (e.g. that the shipped guides were seeded).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
