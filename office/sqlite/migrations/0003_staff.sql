-- Version 3: the back office (issue 6, part 1): staff accounts, sessions, the
-- audit log, and what staff record on tickets and applications, with the
-- indexes their lists and the dashboard use.

-- Back-office accounts. password_hash is argon2id (office.HashPassword).
-- unit is the member unit id of role 'unit', '' for the others.
CREATE TABLE staff_users (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    name                TEXT NOT NULL UNIQUE,
    role                TEXT NOT NULL CHECK (role IN ('admin', 'clerk', 'unit')),
    unit                TEXT NOT NULL DEFAULT '',
    password_hash       TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    password_changed_at TEXT NOT NULL,
    disabled_at         TEXT,
    CHECK ((role = 'unit') = (unit != ''))
);

-- Logged-in browsers: only the SHA-256 of the session id is stored.
CREATE TABLE staff_sessions (
    hash       BLOB PRIMARY KEY CHECK (length(hash) = 32),
    user_id    INTEGER NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ip         TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX staff_sessions_user ON staff_sessions (user_id);
CREATE INDEX staff_sessions_expires ON staff_sessions (expires_at);

-- Every staff action: who, what, when, on what, before and after. Rows are
-- only ever inserted.
CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    role    TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL,
    before  TEXT NOT NULL,
    after   TEXT NOT NULL,
    ip      TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_subject ON audit_log (subject, id);

-- What staff record on a ticket: the member unit it was dispatched to and
-- its deadline, the unit's result and when it was last resolved, the
-- resident's rating in the call-back, the ticket it duplicates.
ALTER TABLE tickets ADD COLUMN unit_id TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN deadline TEXT;
ALTER TABLE tickets ADD COLUMN result TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN resolved_at TEXT;
ALTER TABLE tickets ADD COLUMN callback_level INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN duplicate_of TEXT NOT NULL DEFAULT '';

-- The lists filter by one column and show the newest first; the dashboard
-- counts open tickets by state and category from the covering index.
CREATE INDEX tickets_created ON tickets (created);
CREATE INDEX tickets_category ON tickets (category, created);
CREATE INDEX tickets_community ON tickets (community, created);
CREATE INDEX tickets_unit ON tickets (unit_id, created) WHERE unit_id != '';
CREATE INDEX tickets_state_category ON tickets (state, category);
CREATE INDEX tickets_deadline ON tickets (deadline) WHERE state IN ('dispatched', 'reopened');
CREATE INDEX tickets_resolved ON tickets (resolved_at) WHERE resolved_at IS NOT NULL;

-- A rejected application's reason and the fee due for refund.
ALTER TABLE applications ADD COLUMN reject_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN refund_due_fen INTEGER NOT NULL DEFAULT 0;
CREATE INDEX applications_created ON applications (created);
CREATE INDEX applications_refund ON applications (created) WHERE refund_due_fen > 0;

-- Satisfaction on the dashboard counts the month's ratings.
CREATE INDEX ratings_created ON ratings (created);
