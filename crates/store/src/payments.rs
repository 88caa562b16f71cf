//! What online payment keeps: each agency's receiving account.

use crate::audit::append;
use crate::tx::on_tx;
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use motcua_domain::audit::AuditEntry;
use motcua_domain::vietqr::Beneficiary;

impl Store {
    /// The account an agency receives fees in, if an administrator entered one.
    pub async fn payment_account(&self, agency: &str) -> Result<Option<Beneficiary>, StoreError> {
        let row: Option<(String, String, String)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT bank_bin, account_no, account_name FROM agency_payment_accounts \
                 WHERE agency_code = $1",
            )
            .bind(agency)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|(bank_bin, account_no, account_name)| Beneficiary {
            bank_bin,
            account_no,
            account_name,
        }))
    }

    /// Sets (or replaces) an agency's receiving account, with its audit event.
    pub async fn set_payment_account(
        &self,
        agency: &str,
        account: &Beneficiary,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        on_tx!(&mut tx, |conn| {
            sqlx::query(
                "INSERT INTO agency_payment_accounts \
                 (agency_code, bank_bin, account_no, account_name, updated_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (agency_code) DO UPDATE SET \
                 bank_bin = excluded.bank_bin, account_no = excluded.account_no, \
                 account_name = excluded.account_name, updated_at = excluded.updated_at",
            )
            .bind(agency)
            .bind(&account.bank_bin)
            .bind(&account.account_no)
            .bind(&account.account_name)
            .bind(at)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        append(&mut tx, audit).await?;
        tx.commit().await
    }
}
