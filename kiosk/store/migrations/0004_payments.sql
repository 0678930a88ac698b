-- Payments and the cash journal (SPEC §2.6). Every credit the cash acceptor
-- reports is a row of credits, committed before the driver is told it is
-- taken, so the credits sum to exactly the bills stacked and coins accepted.
-- A credit always belongs to a payment: the open cash payment, or else one
-- opened for it on the spot (money inserted outside a payment is still the
-- resident's, and gets a voucher).
--
-- A payment is open while money may still come in (at most one at a time),
-- then paid (its payment record queued in the closing transaction),
-- incomplete (money taken, service not done: a payment.incomplete record and
-- a voucher), failed (nothing taken), or cancelling (a mobile order whose
-- outcome the kiosk never learnt: officed must cancel it before it is failed).
-- Accounts are utility account numbers, not personal data in the sense of
-- SPEC §4; what goes to officed lives sealed in the outbox.
CREATE TABLE payments (
    receipt  TEXT PRIMARY KEY,
    method   TEXT    NOT NULL CHECK (method IN ('cash', 'mobile')),
    state    TEXT    NOT NULL CHECK (state IN ('open', 'paid', 'incomplete', 'failed', 'cancelling')),
    biller   TEXT    NOT NULL,
    account  TEXT    NOT NULL,
    period   TEXT    NOT NULL DEFAULT '',
    due_fen  INTEGER NOT NULL CHECK (due_fen >= 0),
    offline  INTEGER NOT NULL DEFAULT 0,
    reason   TEXT    NOT NULL DEFAULT '',
    record   TEXT REFERENCES outbox (id), -- the payment or payment.incomplete record
    voucher  TEXT    NOT NULL DEFAULT '' CHECK (voucher IN ('', 'due', 'printed')),
    created  TEXT    NOT NULL,
    closed   TEXT
);
CREATE UNIQUE INDEX payments_one_open ON payments (state) WHERE state = 'open';
CREATE INDEX payments_pending ON payments (state, voucher);

-- device, counter and at tell one credit from every other: a credit the
-- driver offers again after a commit it did not hear of is recognised.
CREATE TABLE credits (
    id         INTEGER PRIMARY KEY,
    receipt    TEXT    NOT NULL REFERENCES payments (receipt),
    device     TEXT    NOT NULL CHECK (device IN ('bill', 'coin')),
    counter    INTEGER NOT NULL CHECK (counter BETWEEN 1 AND 255),
    type       INTEGER NOT NULL,
    amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
    at         TEXT    NOT NULL,
    UNIQUE (device, counter, at)
);
CREATE INDEX credits_receipt ON credits (receipt);

-- Emptying the cash box: the credits up to last_credit were collected.
CREATE TABLE cash_collections (
    id          INTEGER PRIMARY KEY,
    last_credit INTEGER NOT NULL,
    record      TEXT    NOT NULL REFERENCES outbox (id),
    at          TEXT    NOT NULL
);
