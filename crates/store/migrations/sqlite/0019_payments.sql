-- Online payment of fees (issue 18). Keep in step with ../postgres/0019_payments.sql.

-- The account each agency receives fees in, as an administrator entered it: the bank's BIN
-- (the State Bank's 6-digit identification number), the account number and its holder's name.
-- VietQR codes ask for transfers to it.
CREATE TABLE agency_payment_accounts (
    agency_code  TEXT NOT NULL PRIMARY KEY REFERENCES agencies (code),
    bank_bin     TEXT NOT NULL,
    account_no   TEXT NOT NULL,
    account_name TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
