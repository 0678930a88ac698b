-- Service guides as shipped in assets/ or pulled from officed. doc is the whole
-- guide as JSON (the source of truth); the *_key columns are SearchKey-normalised
-- copies that search scans with instr(), which treats the query as plain text.
CREATE TABLE guides (
    id            TEXT PRIMARY KEY,
    title         TEXT NOT NULL,
    category      TEXT NOT NULL,
    doc           TEXT NOT NULL,
    title_key     TEXT NOT NULL,
    category_key  TEXT NOT NULL,
    dept_key      TEXT NOT NULL,
    materials_key TEXT NOT NULL,
    source        TEXT NOT NULL CHECK (source IN ('assets', 'office')),
    updated       TEXT NOT NULL
);
CREATE INDEX guides_category ON guides (category, title);

-- Local settings (device ports, base URL, technician PIN hash …), one JSON value
-- per key so a half-written config can never exist.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
