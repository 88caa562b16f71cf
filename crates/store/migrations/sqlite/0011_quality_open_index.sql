-- The open dossiers past their time are read per month of receipt: an index that holds only
-- them (late_after is set for open dossiers only), by month, covering the agency, so the
-- reader touches just those rows (measured: a year at 1 M dossiers, 0.36 s → 0.07 s).
DROP INDEX quality_facts_open;
CREATE INDEX quality_facts_open ON quality_facts (received_month, late_after, handling_agency)
    WHERE late_after IS NOT NULL;
