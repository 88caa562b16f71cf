-- Documents (issue 7): digitisation, content-addressed blobs, agency signing keys and
-- signatures, the applicant's document store (wallet) and its reuse, retention, archive
-- packages and destruction lists.
-- Keep in step with ../postgres/0008_documents.sql (a test compares the two schemas).

-- What a dossier document is: `component` (thành phần hồ sơ), `result` (kết quả) or
-- `receipt` (giấy tiếp nhận, form 01); where it came from: `upload`, `wallet` (reused
-- from the applicant's store) or `issued` (made by the system); who marked it digitised
-- and when (Circular 01/2023/TT-VPCP); when its bytes were destroyed after approval.
ALTER TABLE dossier_documents ADD COLUMN kind TEXT NOT NULL DEFAULT 'component';
ALTER TABLE dossier_documents ADD COLUMN origin TEXT NOT NULL DEFAULT 'upload';
ALTER TABLE dossier_documents ADD COLUMN component TEXT;
ALTER TABLE dossier_documents ADD COLUMN digitised_by TEXT;
ALTER TABLE dossier_documents ADD COLUMN digitised_at TEXT;
ALTER TABLE dossier_documents ADD COLUMN destroyed_at TEXT;
CREATE INDEX dossier_documents_digitised ON dossier_documents (digitised_at);

-- One row per stored content (the object store key is `sha256/<ab>/<sha256>`). Rows are
-- written in the transaction that first refers to the content and deleted, together with
-- the object, only when nothing refers to it any more. A read or `documents verify` that
-- finds other bytes sets `corrupt_at`.
CREATE TABLE document_blobs (
    sha256       TEXT NOT NULL PRIMARY KEY,
    size_bytes   BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    stored_at    TEXT NOT NULL,
    verified_at  TEXT,
    corrupt_at   TEXT
);
INSERT INTO document_blobs (sha256, size_bytes, content_type, stored_at)
    SELECT sha256, MAX(size_bytes), MIN(content_type), MIN(uploaded_at)
    FROM dossier_documents GROUP BY sha256;

-- Each agency's Ed25519 key; the private half sealed (ChaCha20-Poly1305) under the master key.
CREATE TABLE signing_keys (
    agency_code        TEXT NOT NULL PRIMARY KEY REFERENCES agencies (code),
    public_key         TEXT NOT NULL,
    sealed_private_key TEXT NOT NULL,
    created_at         TEXT NOT NULL
);

-- A signed statement {agency_code, dossier_code, kind, sha256, signed_at, version} as
-- canonical JSON, and the agency's signature over exactly those bytes.
CREATE TABLE document_signatures (
    id           BLOB NOT NULL PRIMARY KEY,
    sha256       TEXT NOT NULL,
    kind         TEXT NOT NULL,
    dossier_code TEXT NOT NULL REFERENCES dossiers (code),
    document_id  BLOB NOT NULL REFERENCES dossier_documents (id),
    agency_code  TEXT NOT NULL REFERENCES agencies (code),
    signed_at    TEXT NOT NULL,
    statement    TEXT NOT NULL,
    signature    TEXT NOT NULL
);
CREATE INDEX document_signatures_sha256 ON document_signatures (sha256);
CREATE INDEX document_signatures_dossier ON document_signatures (dossier_code);
CREATE UNIQUE INDEX document_signatures_document ON document_signatures (document_id);

-- The applicant's document store (kho dữ liệu điện tử), keyed by citizen ID or tax code.
CREATE TABLE wallet_items (
    id              BLOB NOT NULL PRIMARY KEY,
    holder_id       TEXT NOT NULL,
    sha256          TEXT NOT NULL,
    kind            TEXT NOT NULL,
    name            TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size_bytes      BIGINT NOT NULL,
    source_dossier  TEXT NOT NULL REFERENCES dossiers (code),
    source_document BLOB NOT NULL REFERENCES dossier_documents (id),
    added_at        TEXT NOT NULL
);
CREATE UNIQUE INDEX wallet_items_holder_sha256 ON wallet_items (holder_id, sha256);
CREATE INDEX wallet_items_sha256 ON wallet_items (sha256);

-- A wallet item attached to a later dossier instead of being supplied again (766 indicator).
CREATE TABLE document_reuses (
    id               BLOB NOT NULL PRIMARY KEY,
    wallet_item_id   BLOB NOT NULL REFERENCES wallet_items (id),
    dossier_code     TEXT NOT NULL REFERENCES dossiers (code),
    document_id      BLOB NOT NULL REFERENCES dossier_documents (id),
    receiving_agency TEXT NOT NULL,
    reused_by        TEXT NOT NULL,
    reused_at        TEXT NOT NULL
);
CREATE INDEX document_reuses_agency ON document_reuses (receiving_agency, reused_at);
CREATE INDEX document_reuses_dossier ON document_reuses (dossier_code);

-- Citizen accounts bound to the identity numbers whose store they may see.
CREATE TABLE account_identities (
    user_id   BLOB NOT NULL REFERENCES users (id),
    holder_id TEXT NOT NULL,
    linked_at TEXT NOT NULL,
    PRIMARY KEY (user_id, holder_id)
);
CREATE INDEX account_identities_holder ON account_identities (holder_id);

-- Retention of a closed dossier: `archive_after` = the day it closed + the longest
-- retention of the procedure's result types; NULL when one is permanent (never destroyed).
CREATE TABLE dossier_retention (
    dossier_code        TEXT NOT NULL PRIMARY KEY REFERENCES dossiers (code),
    closed_on           TEXT NOT NULL,
    retention_years     BIGINT,
    archive_after       TEXT,
    archived_at         TEXT,
    package_id          BLOB,
    destroyed_at        TEXT,
    destruction_list_id BLOB
);
CREATE INDEX dossier_retention_archived ON dossier_retention (archived_at, closed_on);
CREATE INDEX dossier_retention_expiry ON dossier_retention (archive_after);

-- Archive packages written by `motcua archive export`.
CREATE TABLE archive_packages (
    id              BLOB NOT NULL PRIMARY KEY,
    before_date     TEXT NOT NULL,
    location        TEXT NOT NULL,
    dossiers        BIGINT NOT NULL,
    documents       BIGINT NOT NULL,
    bytes           BIGINT NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL
);

-- Destruction lists: proposed → approved (province administrator) or rejected → executed.
CREATE TABLE destruction_lists (
    id          BLOB NOT NULL PRIMARY KEY,
    before_date TEXT NOT NULL,
    state       TEXT NOT NULL,
    dossiers    BIGINT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at TEXT NOT NULL,
    decided_by  TEXT,
    decided_at  TEXT,
    note        TEXT,
    executed_at   TEXT,
    blobs_deleted BIGINT
);
CREATE INDEX destruction_lists_state ON destruction_lists (state, proposed_at);

CREATE TABLE destruction_list_items (
    list_id      BLOB NOT NULL REFERENCES destruction_lists (id),
    dossier_code TEXT NOT NULL REFERENCES dossiers (code),
    PRIMARY KEY (list_id, dossier_code)
);
CREATE INDEX destruction_list_items_dossier ON destruction_list_items (dossier_code);
