-- What the national portal has been told of each dossier (issue 16): the national status in
-- the last message it accepted, and when. The daily reconciliation and the Decision 766
-- indicator "dossiers synchronised" compare it with the dossier's status now.
-- Keep in step with ../sqlite/0017_national_sync.sql.
CREATE TABLE national_sync (
    dossier_code TEXT NOT NULL PRIMARY KEY REFERENCES dossiers (code),
    status       BIGINT NOT NULL,
    version      BIGINT NOT NULL,
    synced_at    TIMESTAMPTZ NOT NULL
);
