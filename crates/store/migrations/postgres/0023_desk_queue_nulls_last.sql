-- The desk's open dossiers in the queue's order as PostgreSQL sorts it natively: due dates
-- ascending with the undated last (NULLS LAST is the default). The index of 0021 led with the
-- expression `due_at IS NULL`, which the planner folds away from a condition, so a page deep
-- among the undated dossiers scanned up to its place (issue 19). Now both parts seek.
-- SQLite keeps 0021's index (it sorts NULLs first); ../sqlite/0023 records the step.
DROP INDEX dossiers_desk_open;
CREATE INDEX dossiers_desk_open
    ON dossiers (desk_agency, due_at, submitted_at, code, state)
    WHERE state NOT IN ('refused_at_receipt', 'returned', 'withdrawn', 'stopped');
