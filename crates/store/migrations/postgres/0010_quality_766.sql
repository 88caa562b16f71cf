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
