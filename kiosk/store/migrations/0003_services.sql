-- Counters for public numbers (T…, A…, P…): one row per prefix, incremented in
-- the transaction that uses the number.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

-- Tickets and applications made on this kiosk, so "check progress" finds them
-- offline. No personal data here: the phone lives only in the sealed outbox.
CREATE TABLE services (
    number   TEXT PRIMARY KEY,
    kind     TEXT NOT NULL CHECK (kind IN ('ticket', 'application')),
    secret   TEXT NOT NULL,
    record   TEXT NOT NULL REFERENCES outbox (id),
    summary  TEXT NOT NULL, -- category or reason, shown on the status screen
    created  TEXT NOT NULL
);
