-- The transformation programme (tasks, their history, reviews), the outbox that carries
-- reminders, in-app notifications, and portal news with visitors' ratings.
-- Keep in step with ../sqlite/0006_programme_news.sql (a test compares the two schemas).

CREATE TABLE programmes (
    id          UUID NOT NULL PRIMARY KEY,
    title       TEXT NOT NULL,
    description TEXT NOT NULL,
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    created_at  TIMESTAMPTZ NOT NULL,
    created_by  TEXT NOT NULL
);

CREATE TABLE task_groups (
    id           UUID NOT NULL PRIMARY KEY,
    programme_id UUID NOT NULL REFERENCES programmes (id),
    position     BIGINT NOT NULL,
    title        TEXT NOT NULL,
    description  TEXT NOT NULL
);
CREATE UNIQUE INDEX task_groups_position ON task_groups (programme_id, position);

-- `person` is the person answerable by name (and role); `person_email` receives
-- e-mail reminders when SMTP is configured. Status and progress are the current
-- state; task_updates keeps how they got there.
CREATE TABLE tasks (
    id           UUID NOT NULL PRIMARY KEY,
    group_id     UUID NOT NULL REFERENCES task_groups (id),
    position     BIGINT NOT NULL,
    title        TEXT NOT NULL,
    description  TEXT NOT NULL,
    agency_code  TEXT NOT NULL REFERENCES agencies (code),
    person       TEXT NOT NULL,
    person_email TEXT,
    deadline     DATE NOT NULL,
    status       TEXT NOT NULL,
    progress     BIGINT NOT NULL CHECK (progress BETWEEN 0 AND 100),
    updated_at   TIMESTAMPTZ NOT NULL,
    updated_by   TEXT NOT NULL
);
CREATE UNIQUE INDEX tasks_position ON tasks (group_id, position);
CREATE INDEX tasks_agency ON tasks (agency_code);
CREATE INDEX tasks_deadline ON tasks (deadline);

CREATE TABLE task_cooperators (
    task_id     UUID NOT NULL REFERENCES tasks (id),
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    PRIMARY KEY (task_id, agency_code)
);

-- One row per report; `links` is a JSON array of evidence URLs.
CREATE TABLE task_updates (
    id           UUID NOT NULL PRIMARY KEY,
    task_id      UUID NOT NULL REFERENCES tasks (id),
    at           TIMESTAMPTZ NOT NULL,
    actor        TEXT NOT NULL,
    actor_name   TEXT NOT NULL,
    old_status   TEXT NOT NULL,
    new_status   TEXT NOT NULL,
    old_progress BIGINT NOT NULL,
    new_progress BIGINT NOT NULL,
    note         TEXT NOT NULL,
    links        TEXT NOT NULL
);
CREATE INDEX task_updates_task ON task_updates (task_id, at);
CREATE INDEX task_updates_at ON task_updates (at);

-- When a review session was closed: "what changed since the last review" starts there.
CREATE TABLE reviews (
    id           UUID NOT NULL PRIMARY KEY,
    programme_id UUID NOT NULL REFERENCES programmes (id),
    held_at      TIMESTAMPTZ NOT NULL,
    held_by      TEXT NOT NULL,
    note         TEXT NOT NULL
);
CREATE INDEX reviews_programme ON reviews (programme_id, held_at);

-- Messages to deliver, claimed by one node at a time: `claimed_by` names the claimer
-- and `claimed_until` ends the claim, so a crashed node's work is taken up again.
-- `dedup_key` makes enqueueing idempotent (one reminder per task, recipient and day).
-- `status`: pending, sent, skipped (a channel that is not configured) or failed.
CREATE TABLE outbox (
    id                UUID NOT NULL PRIMARY KEY,
    kind              TEXT NOT NULL,
    channel           TEXT NOT NULL,
    dedup_key         TEXT NOT NULL,
    recipient_user_id UUID REFERENCES users (id) ON DELETE CASCADE,
    recipient_email   TEXT,
    subject           TEXT NOT NULL,
    body              TEXT NOT NULL,
    link              TEXT,
    created_at        TIMESTAMPTZ NOT NULL,
    status            TEXT NOT NULL,
    claimed_by        TEXT,
    claimed_until     TIMESTAMPTZ,
    sent_at           TIMESTAMPTZ,
    attempts          BIGINT NOT NULL,
    last_error        TEXT
);
CREATE UNIQUE INDEX outbox_dedup ON outbox (dedup_key);
CREATE INDEX outbox_status ON outbox (status, claimed_until);

-- The in-app channel's inbox. One notification per outbox row at most.
CREATE TABLE notifications (
    id         UUID NOT NULL PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    outbox_id  UUID REFERENCES outbox (id) ON DELETE SET NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    link       TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    read_at    TIMESTAMPTZ
);
CREATE UNIQUE INDEX notifications_outbox ON notifications (outbox_id);
CREATE INDEX notifications_user ON notifications (user_id, read_at);

-- Portal news. The body is Markdown, rendered and sanitised when shown.
CREATE TABLE articles (
    id           UUID NOT NULL PRIMARY KEY,
    slug         TEXT NOT NULL,
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL,
    body_md      TEXT NOT NULL,
    agency_code  TEXT NOT NULL REFERENCES agencies (code),
    published_on DATE NOT NULL,
    featured     BOOLEAN NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    created_by   TEXT NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    updated_by   TEXT NOT NULL
);
CREATE UNIQUE INDEX articles_slug ON articles (slug);
CREATE INDEX articles_published ON articles (published_on);

-- One rating per visitor and article. `voter_key` is `user:<id>` for a signed-in user,
-- or `visitor:<SHA-256 of the visitor cookie>` for anyone else (never the cookie itself).
CREATE TABLE article_ratings (
    article_id UUID NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    voter_key  TEXT NOT NULL,
    stars      BIGINT NOT NULL CHECK (stars BETWEEN 1 AND 5),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (article_id, voter_key)
);
