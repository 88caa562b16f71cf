-- Decision 766, group 5: the satisfaction rate subtracts each decided dossier that was late
-- or disliked once. Forgetting that the aggregates were built makes the next start recount
-- them (Store::backfill_quality), which fills the new column for existing dossiers.
-- Keep in step with ../sqlite/0010_quality_766.sql.

ALTER TABLE quality_monthly ADD COLUMN dissatisfied BIGINT NOT NULL DEFAULT 0;
DELETE FROM settings WHERE key = 'quality.aggregates_built';

-- Digitisation and reuse are read from the documents (Store::document_indicator_counts).
ALTER TABLE quality_monthly DROP COLUMN digitised;
ALTER TABLE quality_monthly DROP COLUMN reused;
-- An electronic result is a signed result document (Store::document_indicator_counts),
-- not the flag an officer ticks.
ALTER TABLE quality_monthly DROP COLUMN electronic_result;

-- The index's timeliness (portal method 2.1): every dossier received, under the handling
-- agency and the month of receipt; an open one turns late at `late_after`, which the
-- reader compares with the clock.
ALTER TABLE quality_monthly ADD COLUMN timed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE quality_monthly ADD COLUMN timed_late BIGINT NOT NULL DEFAULT 0;
ALTER TABLE quality_monthly ADD COLUMN timed_open BIGINT NOT NULL DEFAULT 0;
ALTER TABLE quality_facts ADD COLUMN late_after TIMESTAMPTZ;
-- Only open dossiers that can run late have one: the reader finds them without a scan.
CREATE INDEX quality_facts_open ON quality_facts (late_after) WHERE late_after IS NOT NULL;
