-- Connectors (issue 16): every outbound message, to the national portal, a mail server or an
-- SMS provider, waits in the outbox. Messages sharing an ordering key (one dossier's, on one
-- connector) go out one at a time, oldest first; a message that runs out of tries becomes a
-- dead letter, which holds back the later messages of its key until retried or dropped.
-- Keep in step with ../sqlite/0015_connectors.sql.
ALTER TABLE outbox ADD COLUMN ordering_key TEXT;
-- What a machine connector sends (JSON), besides the subject and body people read.
ALTER TABLE outbox ADD COLUMN payload TEXT;
ALTER TABLE outbox ADD COLUMN last_attempt_at TIMESTAMPTZ;
ALTER TABLE outbox ADD COLUMN dead_at TIMESTAMPTZ;
-- "failed" meant what is now a dead letter.
UPDATE outbox SET status = 'dead' WHERE status = 'failed';
CREATE INDEX outbox_ordering ON outbox (ordering_key, created_at) WHERE ordering_key IS NOT NULL;

-- Per connector, when it last delivered (kept here, not scanned for, since sent messages pile up).
CREATE TABLE connector_status (
    connector       TEXT NOT NULL PRIMARY KEY,
    last_success_at TIMESTAMPTZ,
    last_failure_at TIMESTAMPTZ,
    last_error      TEXT
);
