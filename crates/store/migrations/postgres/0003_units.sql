-- Units, agencies and the two-tier transition (issue 4).
-- Keep in step with ../sqlite/0003_units.sql (a test compares the two schemas).

-- The name with its kind word ("Phường Đông Kinh"); `name` holds the short name.
ALTER TABLE admin_units ADD COLUMN full_name TEXT NOT NULL DEFAULT '';
-- The full name folded for search: lowercase, no diacritics, đ → d. Filled in by the store.
ALTER TABLE admin_units ADD COLUMN search_name TEXT NOT NULL DEFAULT '';
UPDATE admin_units SET full_name = name WHERE full_name = '';
CREATE INDEX admin_units_search ON admin_units (search_name);
CREATE INDEX admin_units_kind ON admin_units (kind);

-- An agency's working life (inclusive; NULL: open) and who took over its work.
ALTER TABLE agencies ADD COLUMN valid_from DATE;
ALTER TABLE agencies ADD COLUMN valid_to DATE;
ALTER TABLE agencies ADD COLUMN successor_code TEXT REFERENCES agencies (code);

-- Each import that changed something: what, from which file, and what it did.
CREATE TABLE import_runs (
    id        UUID NOT NULL PRIMARY KEY,
    kind      TEXT NOT NULL,
    source    TEXT NOT NULL,
    sha256    TEXT NOT NULL,
    effective DATE NOT NULL,
    summary   TEXT NOT NULL,
    actor     TEXT NOT NULL,
    at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX import_runs_at ON import_runs (at);

-- Each item the transition moved from an abolished agency to its successor.
CREATE TABLE transition_moves (
    id          UUID NOT NULL PRIMARY KEY,
    effective   DATE NOT NULL,
    kind        TEXT NOT NULL,
    item_key    TEXT NOT NULL,
    from_agency TEXT NOT NULL,
    to_agency   TEXT NOT NULL,
    decision    TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX transition_moves_effective ON transition_moves (effective);
