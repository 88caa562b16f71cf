-- The open dossiers that can run late, counted like the others: the reader then counts the
-- few still within time (a short range of quality_facts_open) instead of the backlog past it,
-- and takes the difference as late (at 1 M dossiers a year's read fell from 60–90 ms to a few).
-- Forgetting that the aggregates were built makes the next start recount them.
-- Keep in step with ../postgres/0012_quality_timed_dated.sql.

ALTER TABLE quality_monthly ADD COLUMN timed_dated BIGINT NOT NULL DEFAULT 0;
DELETE FROM settings WHERE key = 'quality.aggregates_built';
