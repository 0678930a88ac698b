-- Version 4: the back office's ledger (issue 6). Settlements of incomplete
-- payments, and the indexes the ledger, the cash checks and the exports
-- query by.

-- How staff settled an incomplete payment, once each: the primary key is the
-- payment.incomplete record's, so a second settlement cannot be stored.
CREATE TABLE settlements (
    kiosk_id   TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('refund', 'complete')),
    reason     TEXT NOT NULL,
    staff      TEXT NOT NULL,
    settled_at TEXT NOT NULL,
    ref        TEXT NOT NULL DEFAULT '', -- the provider's reference of a reversed mobile payment
    PRIMARY KEY (kiosk_id, record_id),
    FOREIGN KEY (kiosk_id, record_id) REFERENCES incomplete_payments (kiosk_id, record_id)
) WITHOUT ROWID;

-- The ledger and the payment export select by creation time first.
CREATE INDEX IF NOT EXISTS payments_created ON payments (created);
-- Cash checks walk each kiosk's collections in the kiosk's order.
CREATE INDEX IF NOT EXISTS cash_collections_seq ON cash_collections (kiosk_id, seq);
CREATE INDEX IF NOT EXISTS incomplete_payments_created ON incomplete_payments (created);
-- The fleet page lists recent codes.
CREATE INDEX IF NOT EXISTS enroll_codes_created ON enroll_codes (created_at);
