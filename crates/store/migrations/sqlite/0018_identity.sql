-- Sign-in through OpenID providers (issue 17): the national electronic identity for
-- citizens, an organisation's provider for officers.
-- Keep in step with ../postgres/0018_identity.sql.

-- A sign-in begun and not yet come back, by the hash of its state: the nonce and PKCE
-- verifier it must finish with. Used once; ten minutes.
CREATE TABLE oidc_logins (
    state_hash    TEXT NOT NULL PRIMARY KEY,
    provider      TEXT NOT NULL,
    nonce         TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    redirect_uri  TEXT NOT NULL,
    next_path     TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);
CREATE INDEX oidc_logins_expires ON oidc_logins (expires_at);

-- A provider's subject bound to an account: made at a citizen's first sign-in, or by an
-- administrator for an officer.
CREATE TABLE external_accounts (
    provider        TEXT NOT NULL,
    subject         TEXT NOT NULL,
    user_id         BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    linked_at       TEXT NOT NULL,
    last_sign_in_at TEXT,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX external_accounts_user ON external_accounts (user_id);

-- What the identity provider last vouched for about a citizen's account (a VerifiedIdentity
-- as JSON): it prefills their forms, marked as verified.
CREATE TABLE verified_profiles (
    user_id     BLOB NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    provider    TEXT NOT NULL,
    identity    TEXT NOT NULL,
    verified_at TEXT NOT NULL
);

-- A verified sign-in whose number a local account already holds, waiting for the citizen to
-- prove that account too (its password) before the two are linked. Ten minutes.
CREATE TABLE pending_links (
    token_hash TEXT NOT NULL PRIMARY KEY,
    provider   TEXT NOT NULL,
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    identity   TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

-- Agencies whose staff may sign in through the organisation's provider.
CREATE TABLE agency_sso (
    agency_code TEXT NOT NULL PRIMARY KEY REFERENCES agencies (code),
    allowed_at  TEXT NOT NULL
);

-- The provider a session was opened through, for signing out there too.
ALTER TABLE sessions ADD COLUMN provider TEXT;
