//! Every payment received (online, by transfer, at the counter), its e-receipt, refunds and
//! the bank statements reconciled against them.

use crate::audit::append;
use crate::documents::signing::{NewSignature, insert_signature};
use crate::documents::wallet::add_to_wallet;
use crate::documents::{NewDocument, document_in_tx, insert_document};
use crate::tx::{Tx, on_tx};
use crate::{DossierRecord, NewMessage, Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use motcua_domain::audit::AuditEntry;
use motcua_domain::dossier::{Action, Dossier};
use serde::Serialize;
use uuid::Uuid;

/// A receipt to number and keep with a payment.
#[derive(Debug, Clone)]
pub struct NewReceipt {
    pub series: String,
    pub payer: String,
    /// The receipt's lines as JSON.
    pub items: String,
}

/// A payment to write with its effects, in one transaction.
#[derive(Debug, Clone)]
pub struct PaymentSettlement {
    pub transaction_id: String,
    pub order_id: Option<String>,
    pub dossier_code: String,
    /// The agency that collected it.
    pub agency_code: String,
    /// `platform`, `bank` or `counter`.
    pub channel: &'static str,
    pub reference: Option<String>,
    pub amount_vnd: i64,
    /// Taken beyond what the dossier owed.
    pub refund_due_vnd: i64,
    pub paid_at: DateTime<Utc>,
    pub at: DateTime<Utc>,
    pub recorded_by: String,
    /// The order's new status, for a payment through the platform.
    pub order_status: Option<&'static str>,
    /// The dossier's transition the payment brings (RecordPayment), when it owed it, and the
    /// applicant's notices about it.
    pub transition: Option<(DossierRecord, Action, Dossier)>,
    pub messages: Vec<NewMessage>,
    pub receipt: NewReceipt,
    pub audit: AuditEntry,
}

/// A payment as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct LedgerEntry {
    pub transaction_id: String,
    pub order_id: Option<String>,
    pub dossier_code: String,
    pub agency_code: String,
    pub channel: String,
    pub reference: Option<String>,
    pub amount_vnd: i64,
    pub refund_due_vnd: i64,
    pub paid_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

const LEDGER_COLUMNS: &str = "transaction_id, order_id, dossier_code, agency_code, channel, \
    reference, amount_vnd, refund_due_vnd, paid_at, recorded_at, recorded_by";

/// An e-receipt as numbered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ReceiptRecord {
    pub id: String,
    pub agency_code: String,
    pub series: String,
    pub number: i64,
    pub transaction_id: String,
    pub dossier_code: String,
    pub payer: String,
    pub items: String,
    pub amount_vnd: i64,
    pub issued_at: DateTime<Utc>,
    /// The signed document, once issued.
    pub document_id: Option<Uuid>,
}

/// A receipt with what the reader shows beside it: its payment and its signed document.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReceiptDetail {
    #[sqlx(flatten)]
    pub receipt: ReceiptRecord,
    pub channel: String,
    pub reference: Option<String>,
    pub paid_at: DateTime<Utc>,
    /// The signed document's hash, once issued.
    pub sha256: Option<String>,
}

/// A statement import to keep with the payments it recorded.
#[derive(Debug, Clone)]
pub struct StatementImport {
    pub id: String,
    pub agency_code: String,
    pub sha256: String,
    pub file_name: String,
    pub imported_by: String,
    pub at: DateTime<Utc>,
    /// What the import found, as JSON.
    pub report: String,
    pub audit: AuditEntry,
}

impl Store {
    /// Writes a payment: the ledger line (once: a repeated transaction returns false and
    /// writes nothing), the order's status, the dossier's transition, the numbered receipt and
    /// the audit event.
    pub async fn settle_payment(&self, s: &PaymentSettlement) -> Result<bool, StoreError> {
        Ok(self.settle_payments(std::slice::from_ref(s), None).await?[0])
    }

    /// Writes several payments in one transaction (a statement: all or nothing), with the
    /// import's record when there is one. Returns, per payment, whether it was new.
    pub async fn settle_payments(
        &self,
        batch: &[PaymentSettlement],
        import: Option<&StatementImport>,
    ) -> Result<Vec<bool>, StoreError> {
        let outgoing: Vec<Vec<NewMessage>> = (batch.iter())
            .map(|s| match &s.transition {
                Some((before, action, after)) => {
                    self.action_outgoing(before, action, after, s.at, &s.messages)
                }
                None => Vec::new(),
            })
            .collect();
        let mut tx = self.begin_write().await?;
        let mut written = Vec::with_capacity(batch.len());
        for (s, outgoing) in batch.iter().zip(&outgoing) {
            written.push(self.settle_in_tx(&mut tx, s, outgoing).await?);
        }
        if let Some(i) = import {
            on_tx!(&mut tx, |conn| sqlx::query(
                "INSERT INTO statement_imports (id, agency_code, sha256, file_name, imported_by, \
                 imported_at, report) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            )
            .bind(&i.id)
            .bind(&i.agency_code)
            .bind(&i.sha256)
            .bind(&i.file_name)
            .bind(&i.imported_by)
            .bind(i.at)
            .bind(&i.report)
            .execute(&mut *conn)
            .await?
            .rows_affected());
            append(&mut tx, i.audit.clone()).await?;
        }
        tx.commit().await?;
        Ok(written)
    }

    async fn settle_in_tx(
        &self,
        tx: &mut Tx,
        s: &PaymentSettlement,
        outgoing: &[NewMessage],
    ) -> Result<bool, StoreError> {
        let inserted = on_tx!(tx, |conn| {
            sqlx::query(
                "INSERT INTO payment_ledger (transaction_id, order_id, dossier_code, agency_code, \
                 channel, reference, amount_vnd, refund_due_vnd, paid_at, recorded_at, \
                 recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT (transaction_id) DO NOTHING",
            )
            .bind(&s.transaction_id)
            .bind(&s.order_id)
            .bind(&s.dossier_code)
            .bind(&s.agency_code)
            .bind(s.channel)
            .bind(&s.reference)
            .bind(s.amount_vnd)
            .bind(s.refund_due_vnd)
            .bind(s.paid_at)
            .bind(s.at)
            .bind(&s.recorded_by)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if inserted == 0 {
            return Ok(false);
        }
        if let (Some(order), Some(status)) = (&s.order_id, s.order_status) {
            self.set_order_status_in_tx(tx, order, status, s.at).await?;
        }
        if let Some((before, action, after)) = &s.transition {
            self.write_action_in_tx(tx, before, action, after, s.at, s.audit.clone(), outgoing)
                .await?;
        }
        let number: i64 = on_tx!(tx, |conn| sqlx::query_scalar(
            "INSERT INTO receipt_series (agency_code, series, last_number) VALUES ($1, $2, 1) \
             ON CONFLICT (agency_code, series) DO UPDATE SET \
             last_number = receipt_series.last_number + 1 RETURNING last_number"
        )
        .bind(&s.agency_code)
        .bind(&s.receipt.series)
        .fetch_one(&mut *conn)
        .await?);
        on_tx!(tx, |conn| sqlx::query(
            "INSERT INTO payment_receipts (id, agency_code, series, number, transaction_id, \
             dossier_code, payer, items, amount_vnd, issued_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        )
        .bind(Uuid::now_v7().simple().to_string())
        .bind(&s.agency_code)
        .bind(&s.receipt.series)
        .bind(number)
        .bind(&s.transaction_id)
        .bind(&s.dossier_code)
        .bind(&s.receipt.payer)
        .bind(&s.receipt.items)
        .bind(s.amount_vnd)
        .bind(s.at)
        .execute(&mut *conn)
        .await?
        .rows_affected());
        append(tx, s.audit.clone()).await?;
        Ok(true)
    }

    /// A dossier's payments, oldest first.
    pub async fn ledger(&self, dossier_code: &str) -> Result<Vec<LedgerEntry>, StoreError> {
        let sql = format!(
            "SELECT {LEDGER_COLUMNS} FROM payment_ledger WHERE dossier_code = $1 \
             ORDER BY recorded_at, transaction_id"
        );
        Ok(on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
            sql
        ))
        .bind(dossier_code)
        .fetch_all(pool)
        .await?))
    }

    pub async fn ledger_entry(&self, id: &str) -> Result<Option<LedgerEntry>, StoreError> {
        let sql = format!("SELECT {LEDGER_COLUMNS} FROM payment_ledger WHERE transaction_id = $1");
        Ok(on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
            sql
        ))
        .bind(id)
        .fetch_optional(pool)
        .await?))
    }

    /// A dossier's receipts with their payments and documents, in one read.
    pub async fn receipt_details(
        &self,
        dossier_code: &str,
    ) -> Result<Vec<ReceiptDetail>, StoreError> {
        let sql = "SELECT r.id, r.agency_code, r.series, r.number, r.transaction_id, \
             r.dossier_code, r.payer, r.items, r.amount_vnd, r.issued_at, r.document_id, \
             l.channel, l.reference, l.paid_at, d.sha256 \
             FROM payment_receipts r JOIN payment_ledger l ON l.transaction_id = r.transaction_id \
             LEFT JOIN dossier_documents d ON d.id = r.document_id \
             WHERE r.dossier_code = $1 ORDER BY r.issued_at, r.number";
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(dossier_code)
            .fetch_all(pool)
            .await?))
    }

    /// Keeps a receipt's signed document: the document, its signature, the copy in the
    /// payer's store and the audit event, once (false when another request did it first).
    pub async fn attach_receipt_document(
        &self,
        receipt_id: &str,
        doc: &NewDocument,
        signature: &NewSignature,
        holder: Option<&str>,
        audit: AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let claimed = on_tx!(&mut tx, |conn| sqlx::query(
            "UPDATE payment_receipts SET document_id = $1 WHERE id = $2 AND document_id IS NULL"
        )
        .bind(doc.id)
        .bind(receipt_id)
        .execute(&mut *conn)
        .await?
        .rows_affected());
        if claimed == 0 {
            return Ok(false);
        }
        insert_document(&mut tx, doc, &audit.actor).await?;
        insert_signature(&mut tx, signature).await?;
        if let Some(holder) = holder
            && let Some(record) = document_in_tx(&mut tx, doc.id).await?
        {
            add_to_wallet(&mut tx, holder, &record, doc.at).await?;
        }
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The import of this very file for this agency, if there was one: (id, when, by whom).
    pub async fn statement_imported(
        &self,
        agency: &str,
        sha256: &str,
    ) -> Result<Option<(String, DateTime<Utc>, String)>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_as(
            "SELECT id, imported_at, imported_by FROM statement_imports \
             WHERE agency_code = $1 AND sha256 = $2 ORDER BY imported_at LIMIT 1"
        )
        .bind(agency)
        .bind(sha256)
        .fetch_optional(pool)
        .await?))
    }

    /// Which of these transaction ids the ledger holds already.
    pub async fn ledger_has(&self, ids: &[String]) -> Result<Vec<String>, StoreError> {
        let mut found = Vec::new();
        for chunk in ids.chunks(500) {
            let marks = crate::rows::in_list(chunk.len(), 1);
            let sql = format!(
                "SELECT transaction_id FROM payment_ledger WHERE transaction_id IN ({marks})"
            );
            let rows: Vec<String> = on_pool!(self, |pool| {
                let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()));
                for id in chunk {
                    q = q.bind(id);
                }
                q.fetch_all(pool).await?
            });
            found.extend(rows);
        }
        Ok(found)
    }
}
