-- A desk with a large backlog (issue 19). Keep in step with ../sqlite/0021_desk_queue.sql.

-- The open dossiers of each desk in the queue's order, most urgent first (no due date last),
-- with their state: a page of the default queue reads its rows from here, whatever the backlog.
CREATE INDEX dossiers_desk_open
    ON dossiers (desk_agency, (due_at IS NULL), due_at, submitted_at, code, state)
    WHERE state NOT IN ('refused_at_receipt', 'returned', 'withdrawn', 'stopped');

-- Each desk's open dossiers, kept by a trigger as dossiers are added, moved and closed: the
-- queue's total without counting the backlog.
CREATE TABLE desk_open_counts (
    agency_code TEXT NOT NULL PRIMARY KEY,
    open        BIGINT NOT NULL
);
INSERT INTO desk_open_counts (agency_code, open)
SELECT desk_agency, COUNT(*) FROM dossiers
WHERE state NOT IN ('refused_at_receipt', 'returned', 'withdrawn', 'stopped')
GROUP BY desk_agency;

CREATE FUNCTION desk_open_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE')
       AND OLD.state NOT IN ('refused_at_receipt', 'returned', 'withdrawn', 'stopped') THEN
        UPDATE desk_open_counts SET open = open - 1 WHERE agency_code = OLD.desk_agency;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE')
       AND NEW.state NOT IN ('refused_at_receipt', 'returned', 'withdrawn', 'stopped') THEN
        INSERT INTO desk_open_counts (agency_code, open) VALUES (NEW.desk_agency, 1)
        ON CONFLICT (agency_code) DO UPDATE SET open = desk_open_counts.open + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER dossiers_open_added AFTER INSERT OR DELETE ON dossiers
FOR EACH ROW EXECUTE FUNCTION desk_open_counted();

CREATE TRIGGER dossiers_open_changed AFTER UPDATE OF state, desk_agency ON dossiers
FOR EACH ROW
WHEN (OLD.desk_agency IS DISTINCT FROM NEW.desk_agency
      OR (OLD.state NOT IN ('refused_at_receipt', 'returned', 'withdrawn', 'stopped'))
         IS DISTINCT FROM (NEW.state NOT IN ('refused_at_receipt', 'returned', 'withdrawn', 'stopped')))
EXECUTE FUNCTION desk_open_counted();
