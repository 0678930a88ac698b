-- The outbox (SPEC §4): every record a kiosk creates, written in the same
-- transaction as the local state it belongs to. seq is the per-kiosk sequence,
-- assigned as max+1 inside the immediate transaction, so it has no gaps; rows
-- are never deleted (purging only drops the sealed data), so it never repeats.
CREATE TABLE outbox (
    seq      INTEGER PRIMARY KEY,
    id       TEXT    NOT NULL UNIQUE,
    kind     TEXT    NOT NULL,
    schema   INTEGER NOT NULL,
    created  TEXT    NOT NULL,
    sealed   BLOB,              -- AES-GCM sealed JSON data; NULL once purged
    size     INTEGER NOT NULL,  -- bytes of the plain data, for batch budgets
    state    TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'rejected')),
    error    TEXT    NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    acked_at TEXT
);
CREATE INDEX outbox_state ON outbox (state, seq);

-- Content pulled from officed's change feed other than guides (units, grid,
-- config, bills, tickets), newest state per key.
CREATE TABLE content (
    class TEXT NOT NULL,
    key   TEXT NOT NULL,
    data  TEXT NOT NULL,
    PRIMARY KEY (class, key)
);
