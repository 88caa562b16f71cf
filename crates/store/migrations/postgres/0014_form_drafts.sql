-- Drafts of electronic forms (issue 15): what a signed-in citizen typed on a submission page
-- and saved to finish later. One per citizen and procedure; gone when it expires or is used.
-- Keep in step with ../sqlite/0014_form_drafts.sql.
CREATE TABLE form_drafts (
    owner_id        UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    procedure_code  TEXT NOT NULL,
    -- The procedure version whose form the inputs were typed on.
    version_id      UUID NOT NULL,
    -- The page's inputs (name → value) as JSON text; files are not kept.
    inputs          TEXT NOT NULL,
    saved_at        TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (owner_id, procedure_code)
);
CREATE INDEX form_drafts_expires ON form_drafts (expires_at);
