-- Dossiers: internal processes, dossiers with their daily code sequences, idempotency
-- keys for online submission, and uploaded documents. A dossier's events are audit events
-- (subject `dossier:<code>`), written in the same transaction as each change.
-- Keep in step with ../sqlite/0005_dossiers.sql (a test compares the two schemas).

-- Quy trình nội bộ: for a procedure at one agency, or the default for a level
-- (scope `agency:<code>` or `level:<level>`). Versions: draft → approved → superseded.
CREATE TABLE processes (
    id             UUID NOT NULL PRIMARY KEY,
    procedure_code TEXT NOT NULL REFERENCES procedures (code),
    scope          TEXT NOT NULL,
    agency_code    TEXT REFERENCES agencies (code),
    level          TEXT NOT NULL,
    version_no     BIGINT NOT NULL,
    state          TEXT NOT NULL,
    steps          TEXT NOT NULL,
    budget_minutes BIGINT NOT NULL,
    note           TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    approved_by    TEXT,
    approved_at    TIMESTAMPTZ,
    superseded_at  TIMESTAMPTZ
);
CREATE UNIQUE INDEX processes_scope_version ON processes (procedure_code, scope, version_no);
CREATE INDEX processes_state ON processes (state, procedure_code);

-- The last sequence number given out per receiving agency and day (Vietnamese date).
CREATE TABLE dossier_sequences (
    agency_code TEXT NOT NULL,
    day         DATE NOT NULL,
    last        BIGINT NOT NULL,
    PRIMARY KEY (agency_code, day)
);

CREATE TABLE dossiers (
    code                  TEXT NOT NULL PRIMARY KEY,
    procedure_code        TEXT NOT NULL,
    procedure_version_id  UUID NOT NULL REFERENCES procedure_versions (id),
    process_id            UUID NOT NULL REFERENCES processes (id),
    receiving_agency      TEXT NOT NULL REFERENCES agencies (code),
    handling_agency       TEXT NOT NULL REFERENCES agencies (code),
    -- The agency whose desk the dossier is on now (who must act next).
    desk_agency           TEXT NOT NULL,
    state                 TEXT NOT NULL,
    national_status       BIGINT NOT NULL,
    channel               TEXT NOT NULL,
    step_no               BIGINT NOT NULL,
    assignee              TEXT,
    applicant_kind        TEXT NOT NULL,
    applicant_name        TEXT NOT NULL,
    applicant_name_folded TEXT NOT NULL,
    applicant_id          TEXT,
    applicant             TEXT NOT NULL,
    owner                 TEXT,
    submitted_at          TIMESTAMPTZ NOT NULL,
    received_at           TIMESTAMPTZ,
    due_at                TIMESTAMPTZ,
    finished_at           TIMESTAMPTZ,
    returned_at           TIMESTAMPTZ,
    version               BIGINT NOT NULL,
    body                  TEXT NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX dossiers_desk ON dossiers (desk_agency, state, due_at, submitted_at, code);
CREATE INDEX dossiers_receiving ON dossiers (receiving_agency, state, due_at, submitted_at, code);
CREATE INDEX dossiers_handling ON dossiers (handling_agency, state, due_at, submitted_at, code);
CREATE INDEX dossiers_state_due ON dossiers (state, due_at, submitted_at, code);
CREATE INDEX dossiers_owner ON dossiers (owner, submitted_at);
CREATE INDEX dossiers_name ON dossiers (applicant_name_folded);
CREATE INDEX dossiers_applicant_id ON dossiers (applicant_id);

-- Idempotency-Key of an online submission → the dossier it created.
CREATE TABLE idempotency_keys (
    principal    TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    dossier_code TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (principal, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Documents, stored by content (SHA-256) under DATA_DIR/documents.
CREATE TABLE dossier_documents (
    id           UUID NOT NULL PRIMARY KEY,
    dossier_code TEXT NOT NULL REFERENCES dossiers (code),
    sha256       TEXT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX dossier_documents_dossier ON dossier_documents (dossier_code);
CREATE INDEX dossier_documents_sha256 ON dossier_documents (sha256);
