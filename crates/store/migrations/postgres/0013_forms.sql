-- Electronic forms (issue 15). The form itself is part of the procedure version's body, so
-- it is versioned and published with it; here are what a dossier declared on it and the
-- code lists its choices come from.
-- Keep in step with ../sqlite/0013_forms.sql.

-- What the applicant declared, checked against the form of the dossier's procedure version
-- (JSON text), and the searchable fields' values, folded, for the officers' queue.
CREATE TABLE dossier_forms (
    dossier_code   TEXT NOT NULL PRIMARY KEY REFERENCES dossiers (code),
    data           TEXT NOT NULL,
    search_folded  TEXT NOT NULL
);

-- Code lists: official ones (ethnic groups, nationalities) and those an administrator makes.
-- A list is replaced whole by an import; an entry in force over a period answers for that period.
CREATE TABLE code_lists (
    list_key    TEXT NOT NULL PRIMARY KEY,
    name        TEXT NOT NULL,
    source      TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE code_list_entries (
    list_key    TEXT NOT NULL REFERENCES code_lists (list_key),
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    valid_from  DATE,
    valid_to    DATE,
    PRIMARY KEY (list_key, code)
);

-- What a result made from a declaration certifies (its title and rows, as set in the PDF), so
-- the verification page can say it; the PDF's hash is what the agency signs.
CREATE TABLE result_contents (
    document_id  UUID NOT NULL PRIMARY KEY REFERENCES dossier_documents (id),
    contents     TEXT NOT NULL
);
