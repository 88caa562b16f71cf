//! What online payment keeps: each agency's receiving account and the orders sent to the
//! payment platform.

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

/// An order sent to the payment platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentOrder {
    pub id: String,
    pub dossier_code: String,
    pub amount_vnd: i64,
    /// `pending`, `paid`, `failed` or `expired` (pending past its time reads as expired).
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

type OrderRow = (String, String, i64, String, DateTime<Utc>, DateTime<Utc>);

fn order_from(r: OrderRow) -> PaymentOrder {
    PaymentOrder {
        id: r.0,
        dossier_code: r.1,
        amount_vnd: r.2,
        status: r.3,
        created_at: r.4,
        expires_at: r.5,
    }
}

const SELECT_ORDER: &str =
    "SELECT id, dossier_code, amount_vnd, status, created_at, expires_at FROM payment_orders";

impl Store {
    /// Records an order before the citizen is sent to the platform, with its audit event.
    pub async fn create_payment_order(
        &self,
        order: &PaymentOrder,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        on_tx!(&mut tx, |conn| {
            sqlx::query(
                "INSERT INTO payment_orders (id, dossier_code, amount_vnd, status, created_at, \
                 expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&order.id)
            .bind(&order.dossier_code)
            .bind(order.amount_vnd)
            .bind(&order.status)
            .bind(order.created_at)
            .bind(order.expires_at)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        append(&mut tx, audit).await?;
        tx.commit().await
    }

    pub async fn payment_order(&self, id: &str) -> Result<Option<PaymentOrder>, StoreError> {
        let sql = format!("{SELECT_ORDER} WHERE id = $1");
        let row: Option<OrderRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(order_from))
    }

    /// A pending order for this dossier and amount still valid at `now`, to send the citizen
    /// back to rather than making another.
    pub async fn live_payment_order(
        &self,
        dossier_code: &str,
        amount_vnd: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<PaymentOrder>, StoreError> {
        let sql = format!(
            "{SELECT_ORDER} WHERE dossier_code = $1 AND amount_vnd = $2 AND status = 'pending' \
             AND expires_at > $3 ORDER BY created_at DESC LIMIT 1"
        );
        let row: Option<OrderRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(dossier_code)
                .bind(amount_vnd)
                .bind(now)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(order_from))
    }

    /// Marks an order failed (the platform said the payment did not go through).
    pub async fn fail_payment_order(
        &self,
        id: &str,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        self.set_order_status_in_tx(&mut tx, id, "failed", at)
            .await?;
        append(&mut tx, audit).await?;
        tx.commit().await
    }

    pub(crate) async fn set_order_status_in_tx(
        &self,
        tx: &mut crate::tx::Tx,
        id: &str,
        status: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on_tx!(tx, |conn| {
            sqlx::query(
                "UPDATE payment_orders SET status = $1, settled_at = $2 \
                 WHERE id = $3 AND status = 'pending'",
            )
            .bind(status)
            .bind(at)
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        Ok(())
    }
}
