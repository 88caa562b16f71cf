-- The per-desk counts of the dossiers an agency received or handles (the /work page, issue 19),
-- without reading the agency's own backlog: its open dossiers now at other desks, by desk,
-- read in two ranges around its own desk. Keep in step with the other backend's 0022.
CREATE INDEX dossiers_received_open
    ON dossiers (receiving_agency, desk_agency, state, due_at, code)
    WHERE state NOT IN ('refused_at_receipt', 'returned', 'withdrawn', 'stopped');
CREATE INDEX dossiers_handled_open
    ON dossiers (handling_agency, desk_agency, state, due_at, code)
    WHERE state NOT IN ('refused_at_receipt', 'returned', 'withdrawn', 'stopped');
