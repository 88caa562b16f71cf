-- Dossiers that came from the national public service portal (issue 16), by the portal's own
-- id, so a repeat of one is recognised for ever; and the signatures of the portal's requests
-- seen within the replay window, so a captured request cannot be played again.
-- Keep in step with ../postgres/0016_national_inbound.sql.
CREATE TABLE national_dossiers (
    national_id  TEXT NOT NULL PRIMARY KEY,
    dossier_code TEXT NOT NULL REFERENCES dossiers (code),
    client_id    TEXT NOT NULL,
    received_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX national_dossiers_code ON national_dossiers (dossier_code);

CREATE TABLE inbound_signatures (
    signature TEXT NOT NULL PRIMARY KEY,
    seen_at   TEXT NOT NULL
);
CREATE INDEX inbound_signatures_seen ON inbound_signatures (seen_at);
