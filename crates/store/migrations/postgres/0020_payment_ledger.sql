-- Payments from every channel, e-receipts, refunds and bank statements (issue 18). Keep in
-- step with ../sqlite/0020_payment_ledger.sql.

-- Every payment received, whatever the channel: `platform` (confirmed by the payment
-- platform's notification, with its order), `bank` (a line of an imported bank statement,
-- with the bank's reference) or `counter` (cash taken by an officer). `agency_code` collected
-- it; `refund_due_vnd` is what was taken beyond what the dossier owed. Rebuilt from 0019's
-- table, whose order was required.
CREATE TABLE payment_ledger (
    transaction_id TEXT NOT NULL PRIMARY KEY,
    order_id       TEXT REFERENCES payment_orders (id),
    dossier_code   TEXT NOT NULL REFERENCES dossiers (code),
    agency_code    TEXT NOT NULL,
    channel        TEXT NOT NULL,
    reference      TEXT,
    amount_vnd     BIGINT NOT NULL,
    refund_due_vnd BIGINT NOT NULL,
    paid_at        TIMESTAMPTZ NOT NULL,
    recorded_at    TIMESTAMPTZ NOT NULL,
    recorded_by    TEXT NOT NULL
);
INSERT INTO payment_ledger (transaction_id, order_id, dossier_code, agency_code, channel,
    reference, amount_vnd, refund_due_vnd, paid_at, recorded_at, recorded_by)
SELECT t.transaction_id, t.order_id, t.dossier_code, d.receiving_agency, 'platform', NULL,
    t.amount_vnd, CASE WHEN t.refund_due THEN t.amount_vnd ELSE 0 END, t.paid_at,
    t.recorded_at, 'payment-platform'
FROM payment_transactions t JOIN dossiers d ON d.code = t.dossier_code;
DROP TABLE payment_transactions;
CREATE INDEX payment_ledger_dossier ON payment_ledger (dossier_code);
CREATE INDEX payment_ledger_agency ON payment_ledger (agency_code, recorded_at);

-- Electronic receipts (biên lai điện tử, Decree 11/2020 art. 31; Circular 32/2025/TT-BTC):
-- one per payment, numbered without gaps in a series per agency and year (`series`, e.g.
-- `BL-2026`). `document_id` is the signed receipt document once issued.
CREATE TABLE payment_receipts (
    id             TEXT NOT NULL PRIMARY KEY,
    agency_code    TEXT NOT NULL,
    series         TEXT NOT NULL,
    number         BIGINT NOT NULL,
    transaction_id TEXT NOT NULL UNIQUE REFERENCES payment_ledger (transaction_id),
    dossier_code   TEXT NOT NULL,
    payer          TEXT NOT NULL,
    items          TEXT NOT NULL,
    amount_vnd     BIGINT NOT NULL,
    issued_at      TIMESTAMPTZ NOT NULL,
    document_id    UUID,
    UNIQUE (agency_code, series, number)
);
CREATE INDEX payment_receipts_dossier ON payment_receipts (dossier_code);

-- The last number given in each series.
CREATE TABLE receipt_series (
    agency_code TEXT NOT NULL,
    series      TEXT NOT NULL,
    last_number BIGINT NOT NULL,
    PRIMARY KEY (agency_code, series)
);

-- Refunds: proposed with a reason by an officer, approved (or rejected) by a leader of the
-- collecting agency. One per payment; a rejected one may be proposed again.
CREATE TABLE payment_refunds (
    transaction_id TEXT NOT NULL PRIMARY KEY REFERENCES payment_ledger (transaction_id),
    dossier_code   TEXT NOT NULL,
    agency_code    TEXT NOT NULL,
    amount_vnd     BIGINT NOT NULL,
    reason         TEXT NOT NULL,
    status         TEXT NOT NULL,
    proposed_by    TEXT NOT NULL,
    proposed_at    TIMESTAMPTZ NOT NULL,
    decided_by     TEXT,
    decided_at     TIMESTAMPTZ,
    decision_note  TEXT
);
CREATE INDEX payment_refunds_agency ON payment_refunds (agency_code, status);

-- Bank statements imported for reconciliation: the file's hash (a second import of the same
-- file is told so) and what the import found.
CREATE TABLE statement_imports (
    id          TEXT NOT NULL PRIMARY KEY,
    agency_code TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    report      TEXT NOT NULL
);
CREATE INDEX statement_imports_agency ON statement_imports (agency_code, sha256);
