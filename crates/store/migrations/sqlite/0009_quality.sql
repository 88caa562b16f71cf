-- The service-quality index (Decision 766/QĐ-TTg): counters per agency, month and
-- procedure, kept up to date in the transaction of every dossier change, and each
-- dossier's facts (which counters it adds to) for drilling down from a figure to its
-- dossiers. `Store::recount_quality_aggregates` rebuilds both from the dossiers.
-- Months are Vietnamese local `YYYY-MM`. Receipt-side counters are under the receiving
-- agency and the month of receipt; decision-side counters under the handling agency and
-- the month of the decision (see motcua_domain::quality).
-- Keep in step with ../postgres/0009_quality.sql (a test compares the two schemas).

CREATE TABLE quality_monthly (
    agency_code          TEXT NOT NULL,
    month                TEXT NOT NULL,
    procedure_code       TEXT NOT NULL,
    received             BIGINT NOT NULL DEFAULT 0,
    received_online      BIGINT NOT NULL DEFAULT 0,
    finished             BIGINT NOT NULL DEFAULT 0,
    on_time              BIGINT NOT NULL DEFAULT 0,
    late                 BIGINT NOT NULL DEFAULT 0,
    multi_supplement     BIGINT NOT NULL DEFAULT 0,
    with_result          BIGINT NOT NULL DEFAULT 0,
    electronic_result    BIGINT NOT NULL DEFAULT 0,
    time_used_minutes    BIGINT NOT NULL DEFAULT 0,
    time_allowed_minutes BIGINT NOT NULL DEFAULT 0,
    returned             BIGINT NOT NULL DEFAULT 0,
    rated                BIGINT NOT NULL DEFAULT 0,
    rating_milli         BIGINT NOT NULL DEFAULT 0,
    disliked             BIGINT NOT NULL DEFAULT 0,
    fee_requested        BIGINT NOT NULL DEFAULT 0,
    paid                 BIGINT NOT NULL DEFAULT 0,
    -- How a fee was paid is not recorded yet: 0 until it is.
    paid_online          BIGINT NOT NULL DEFAULT 0,
    -- Digitisation and reuse (Circular 01/2023): 0 until that data is recorded.
    digitised            BIGINT NOT NULL DEFAULT 0,
    reused               BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (agency_code, month, procedure_code)
);
CREATE INDEX quality_monthly_month ON quality_monthly (month, agency_code);

CREATE TABLE quality_facts (
    dossier_code     TEXT NOT NULL PRIMARY KEY,
    procedure_code   TEXT NOT NULL,
    receiving_agency TEXT NOT NULL,
    handling_agency  TEXT NOT NULL,
    received_month   TEXT,
    finished_month   TEXT,
    -- Bits of motcua_domain::quality::flag.
    flags            BIGINT NOT NULL
);
CREATE INDEX quality_facts_received ON quality_facts (received_month, receiving_agency, dossier_code);
CREATE INDEX quality_facts_finished ON quality_facts (finished_month, handling_agency, dossier_code);
