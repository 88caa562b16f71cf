//! Refunds of fees: proposed with a reason, decided by a leader of the collecting agency.

use crate::audit::append;
use crate::tx::on_tx;
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use motcua_domain::audit::AuditEntry;
use serde::Serialize;

/// A refund of one payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RefundRecord {
    pub transaction_id: String,
    pub dossier_code: String,
    pub agency_code: String,
    pub amount_vnd: i64,
    pub reason: String,
    /// `proposed`, `approved` or `rejected`.
    pub status: String,
    pub proposed_by: String,
    pub proposed_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
}

const REFUND_COLUMNS: &str = "transaction_id, dossier_code, agency_code, amount_vnd, reason, \
    status, proposed_by, proposed_at, decided_by, decided_at, decision_note";

/// A payment that may have to be paid back: taken beyond what was owed, or for a dossier
/// refused, withdrawn or stopped; with its refund when one was proposed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RefundDue {
    pub transaction_id: String,
    pub dossier_code: String,
    pub agency_code: String,
    pub channel: String,
    pub amount_vnd: i64,
    pub refund_due_vnd: i64,
    pub recorded_at: DateTime<Utc>,
    pub dossier_state: String,
    pub refund_status: Option<String>,
    pub refund_amount_vnd: Option<i64>,
    pub refund_reason: Option<String>,
}

/// Dossier states whose fees may be paid back.
const ENDED_WITHOUT_RESULT: &str = "('refused', 'refused_at_receipt', 'withdrawn', 'stopped')";

impl Store {
    pub async fn refund(&self, transaction_id: &str) -> Result<Option<RefundRecord>, StoreError> {
        let sql = format!("SELECT {REFUND_COLUMNS} FROM payment_refunds WHERE transaction_id = $1");
        Ok(on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
            sql
        ))
        .bind(transaction_id)
        .fetch_optional(pool)
        .await?))
    }

    /// Payments that may be due back, newest first; one agency's, or all.
    pub async fn refunds_due(&self, agency: Option<&str>) -> Result<Vec<RefundDue>, StoreError> {
        let scope = match agency {
            Some(_) => "AND l.agency_code = $1",
            None => "AND $1 = ''",
        };
        let sql = format!(
            "SELECT l.transaction_id, l.dossier_code, l.agency_code, l.channel, l.amount_vnd, \
             l.refund_due_vnd, l.recorded_at, d.state AS dossier_state, \
             r.status AS refund_status, r.amount_vnd AS refund_amount_vnd, \
             r.reason AS refund_reason \
             FROM payment_ledger l JOIN dossiers d ON d.code = l.dossier_code \
             LEFT JOIN payment_refunds r ON r.transaction_id = l.transaction_id \
             WHERE (l.refund_due_vnd > 0 OR d.state IN {ENDED_WITHOUT_RESULT} \
             OR r.transaction_id IS NOT NULL) {scope} \
             ORDER BY l.recorded_at DESC LIMIT 500"
        );
        Ok(on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
            sql
        ))
        .bind(agency.unwrap_or(""))
        .fetch_all(pool)
        .await?))
    }

    /// Records a proposal (or a new one after a rejection); false when one is pending or
    /// approved already.
    pub async fn propose_refund(
        &self,
        r: &RefundRecord,
        audit: AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let n = on_tx!(&mut tx, |conn| {
            sqlx::query(
            "INSERT INTO payment_refunds (transaction_id, dossier_code, agency_code, amount_vnd, \
             reason, status, proposed_by, proposed_at) \
             VALUES ($1, $2, $3, $4, $5, 'proposed', $6, $7) \
             ON CONFLICT (transaction_id) DO UPDATE SET amount_vnd = excluded.amount_vnd, \
             reason = excluded.reason, status = 'proposed', proposed_by = excluded.proposed_by, \
             proposed_at = excluded.proposed_at, decided_by = NULL, decided_at = NULL, \
             decision_note = NULL WHERE payment_refunds.status = 'rejected'"
        )
        .bind(&r.transaction_id)
        .bind(&r.dossier_code)
        .bind(&r.agency_code)
        .bind(r.amount_vnd)
        .bind(&r.reason)
        .bind(&r.proposed_by)
        .bind(r.proposed_at)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        });
        if n == 0 {
            return Ok(false);
        }
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Approves or rejects a proposed refund; false when it was not pending.
    pub async fn decide_refund(
        &self,
        transaction_id: &str,
        approve: bool,
        (by, at, note): (&str, DateTime<Utc>, Option<&str>),
        audit: AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let n = on_tx!(&mut tx, |conn| sqlx::query(
            "UPDATE payment_refunds SET status = $1, decided_by = $2, decided_at = $3, \
             decision_note = $4 WHERE transaction_id = $5 AND status = 'proposed'"
        )
        .bind(if approve { "approved" } else { "rejected" })
        .bind(by)
        .bind(at)
        .bind(note)
        .bind(transaction_id)
        .execute(&mut *conn)
        .await?
        .rows_affected());
        if n == 0 {
            return Ok(false);
        }
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }
}
