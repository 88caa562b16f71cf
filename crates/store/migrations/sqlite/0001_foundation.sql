-- Foundation: units, agencies, accounts, sessions, throttling, audit trail, settings.
-- Keep in step with ../postgres/0001_foundation.sql (a test compares the two schemas).

CREATE TABLE admin_units (
    code        TEXT NOT NULL,
    valid_from  TEXT NOT NULL,
    valid_to    TEXT,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    parent_code TEXT,
    PRIMARY KEY (code, valid_from)
);
CREATE INDEX admin_units_parent ON admin_units (parent_code);

CREATE TABLE unit_successions (
    old_code    TEXT NOT NULL,
    new_code    TEXT NOT NULL,
    link        TEXT NOT NULL,
    effective   TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    PRIMARY KEY (old_code, new_code, effective)
);
CREATE INDEX unit_successions_new ON unit_successions (new_code);

CREATE TABLE agencies (
    code        TEXT NOT NULL PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    unit_code   TEXT NOT NULL,
    parent_code TEXT REFERENCES agencies (code),
    created_at  TEXT NOT NULL
);
CREATE INDEX agencies_unit ON agencies (unit_code);

CREATE TABLE users (
    id            BLOB NOT NULL PRIMARY KEY,
    username      TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    agency_code   TEXT REFERENCES agencies (code),
    active        BOOLEAN NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX users_username ON users (username);
CREATE INDEX users_agency ON users (agency_code);

CREATE TABLE sessions (
    id_hash      TEXT NOT NULL PRIMARY KEY,
    user_id      BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    token_hash TEXT NOT NULL PRIMARY KEY,
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE login_throttle (
    throttle_key TEXT NOT NULL PRIMARY KEY,
    failures     BIGINT NOT NULL,
    window_start TEXT NOT NULL,
    locked_until TEXT
);

CREATE TABLE audit_events (
    seq         BIGINT NOT NULL PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    actor_role  TEXT,
    agency_code TEXT,
    action      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    detail      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_events_subject ON audit_events (subject);

-- One row: the chain's head. Updating it first serialises appenders on every backend.
CREATE TABLE audit_head (
    id   BIGINT NOT NULL PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE settings (
    key   TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
