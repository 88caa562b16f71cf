-- Calendar data: each year's official holiday arrangement and each agency's working hours.
-- Keep in step with ../postgres/0002_calendar.sql (a test compares the two schemas).

-- One row per year. `arrangement` is the JSON of the domain's YearArrangement (the whole
-- notice); the notice's number and date are repeated as columns for listing.
CREATE TABLE holiday_arrangements (
    year          BIGINT NOT NULL PRIMARY KEY,
    notice_number TEXT NOT NULL,
    notice_date   TEXT NOT NULL,
    arrangement   TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    updated_by    TEXT NOT NULL
);

-- One row: bumped by every change to holiday_arrangements, so each node can tell cheaply
-- whether its cached holiday calendar is stale. Writers update it first, which also
-- serialises concurrent arrangement changes.
CREATE TABLE calendar_version (
    id      BIGINT NOT NULL PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO calendar_version (id, version) VALUES (1, 0);

-- `config` is the JSON of the domain's WorkingHoursConfig; agencies without a row
-- keep the default hours (Monday to Friday, 07:00–11:30 and 13:30–17:00).
CREATE TABLE agency_working_hours (
    agency_code TEXT NOT NULL PRIMARY KEY REFERENCES agencies (code),
    config      TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);
