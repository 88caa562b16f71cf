-- A desk with a large backlog (issue 19). Keep in step with ../postgres/0021_desk_queue.sql.

-- The open dossiers of each desk in the queue's order, most urgent first (no due date last),
-- with their state: a page of the default queue reads its rows from here, whatever the backlog.
-- The queue states the condition exactly so (`NOT IN` the closed states) for it to apply.
CREATE INDEX dossiers_desk_open
    ON dossiers (desk_agency, due_at IS NULL, due_at, submitted_at, code, state)
    WHERE state NOT IN ('refused_at_receipt', 'returned', 'withdrawn', 'stopped');

-- Each desk's open dossiers, kept by triggers as dossiers are added, moved and closed: the
-- queue's total without counting the backlog.
CREATE TABLE desk_open_counts (
    agency_code TEXT NOT NULL PRIMARY KEY,
    open        BIGINT NOT NULL
);
INSERT INTO desk_open_counts (agency_code, open)
SELECT desk_agency, COUNT(*) FROM dossiers
WHERE state NOT IN ('refused_at_receipt', 'returned', 'withdrawn', 'stopped')
GROUP BY desk_agency;

CREATE TRIGGER dossiers_open_added AFTER INSERT ON dossiers
WHEN new.state NOT IN ('refused_at_receipt', 'returned', 'withdrawn', 'stopped')
BEGIN
    INSERT INTO desk_open_counts (agency_code, open) VALUES (new.desk_agency, 1)
    ON CONFLICT (agency_code) DO UPDATE SET open = desk_open_counts.open + 1;
END;

CREATE TRIGGER dossiers_open_changed AFTER UPDATE OF state, desk_agency ON dossiers
WHEN old.desk_agency IS NOT new.desk_agency
    OR (old.state NOT IN ('refused_at_receipt', 'returned', 'withdrawn', 'stopped'))
       <> (new.state NOT IN ('refused_at_receipt', 'returned', 'withdrawn', 'stopped'))
BEGIN
    UPDATE desk_open_counts SET open = open - 1
    WHERE agency_code = old.desk_agency
      AND old.state NOT IN ('refused_at_receipt', 'returned', 'withdrawn', 'stopped');
    INSERT INTO desk_open_counts (agency_code, open)
    SELECT new.desk_agency, 1
    WHERE new.state NOT IN ('refused_at_receipt', 'returned', 'withdrawn', 'stopped')
    ON CONFLICT (agency_code) DO UPDATE SET open = desk_open_counts.open + 1;
END;

CREATE TRIGGER dossiers_open_removed AFTER DELETE ON dossiers
WHEN old.state NOT IN ('refused_at_receipt', 'returned', 'withdrawn', 'stopped')
BEGIN
    UPDATE desk_open_counts SET open = open - 1 WHERE agency_code = old.desk_agency;
END;
