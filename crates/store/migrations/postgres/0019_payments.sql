-- Online payment of fees (issue 18). Keep in step with ../sqlite/0019_payments.sql.

-- The account each agency receives fees in, as an administrator entered it: the bank's BIN
-- (the State Bank's 6-digit identification number), the account number and its holder's name.
-- VietQR codes ask for transfers to it.
CREATE TABLE agency_payment_accounts (
    agency_code  TEXT NOT NULL PRIMARY KEY REFERENCES agencies (code),
    bank_bin     TEXT NOT NULL,
    account_no   TEXT NOT NULL,
    account_name TEXT NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

-- An order the citizen was sent to the payment platform with: one dossier, a fixed amount,
-- signed, valid until `expires_at`. `status`: pending, paid, failed or expired.
CREATE TABLE payment_orders (
    id            TEXT NOT NULL PRIMARY KEY,
    dossier_code  TEXT NOT NULL REFERENCES dossiers (code),
    amount_vnd    BIGINT NOT NULL,
    status        TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    settled_at    TIMESTAMPTZ
);
CREATE INDEX payment_orders_dossier ON payment_orders (dossier_code, created_at);

-- Each payment a platform confirmed, once per transaction id (a notification repeated changes
-- nothing). `refund_due` marks money taken for a dossier that no longer owed it.
CREATE TABLE payment_transactions (
    transaction_id TEXT NOT NULL PRIMARY KEY,
    order_id       TEXT NOT NULL REFERENCES payment_orders (id),
    dossier_code   TEXT NOT NULL,
    amount_vnd     BIGINT NOT NULL,
    paid_at        TIMESTAMPTZ NOT NULL,
    recorded_at    TIMESTAMPTZ NOT NULL,
    refund_due     BOOLEAN NOT NULL
);
CREATE INDEX payment_transactions_dossier ON payment_transactions (dossier_code);
