//! The applicant's document store (wallet) and its reuse at a later submission.

use super::{DocumentRecord, NewDocument, dossier_entry, insert_document};
use crate::audit::append;
use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use motcua_domain::audit::AuditEntry;
use motcua_domain::document::{DocumentKind, DocumentOrigin};
use motcua_domain::dossier::SubmissionRefused;
use serde::Serialize;
use uuid::Uuid;

/// A document in an applicant's store.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct WalletItemRecord {
    pub id: Uuid,
    /// The citizen ID or tax code it is kept under.
    pub holder_id: String,
    pub sha256: String,
    /// `result` or `component`.
    pub kind: String,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub source_dossier: String,
    pub source_document: Uuid,
    pub added_at: DateTime<Utc>,
    /// Some agency signed this content.
    pub signed: bool,
    /// The procedure component its source document supplied, if it was one.
    pub component: Option<String>,
}

const WALLET_SELECT: &str = "SELECT w.id, w.holder_id, w.sha256, w.kind, w.name, w.content_type, \
    w.size_bytes, w.source_dossier, w.source_document, w.added_at, \
    EXISTS (SELECT 1 FROM document_signatures s WHERE s.sha256 = w.sha256) AS signed, \
    (SELECT d.component FROM dossier_documents d WHERE d.id = w.source_document) AS component \
    FROM wallet_items w";

/// A wallet item to attach to a new dossier instead of an upload.
#[derive(Debug, Clone)]
pub struct WalletAttachment {
    pub wallet_item_id: Uuid,
    /// The procedure component it supplies.
    pub component: Option<String>,
}

/// Puts a document into the holder's store; nothing if the same content is there already.
pub(crate) async fn add_to_wallet(
    tx: &mut Tx,
    holder: &str,
    doc: &DocumentRecord,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let kind = match DocumentKind::parse(&doc.kind) {
        Some(DocumentKind::Result) => "result",
        Some(DocumentKind::FeeReceipt) => "fee_receipt",
        _ => "component",
    };
    let sql = "INSERT INTO wallet_items (id, holder_id, sha256, kind, name, content_type, \
        size_bytes, source_dossier, source_document, added_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (holder_id, sha256) DO NOTHING";
    let n = on_tx!(tx, |conn| sqlx::query(sql)
        .bind(Uuid::now_v7())
        .bind(holder)
        .bind(&doc.sha256)
        .bind(kind)
        .bind(&doc.name)
        .bind(&doc.content_type)
        .bind(doc.size_bytes)
        .bind(&doc.dossier_code)
        .bind(doc.id)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(n == 1)
}

/// Checks, before anything is written, that every wallet item exists and is kept under
/// this applicant's identity number. Rule failures come back as `Ok(Err(..))`.
pub(crate) async fn check_wallet_items_in_tx(
    tx: &mut Tx,
    attachments: &[WalletAttachment],
    applicant_id: Option<&str>,
) -> Result<Result<(), SubmissionRefused>, StoreError> {
    for a in attachments {
        let holder: Option<String> = on_tx!(tx, |conn| sqlx::query_scalar(
            "SELECT holder_id FROM wallet_items WHERE id = $1"
        )
        .bind(a.wallet_item_id)
        .fetch_optional(&mut *conn)
        .await?);
        match holder {
            None => {
                return Ok(Err(SubmissionRefused::WalletItemNotFound(
                    a.wallet_item_id.to_string(),
                )));
            }
            Some(h) if Some(h.as_str()) != applicant_id => {
                return Ok(Err(SubmissionRefused::WalletItemNotApplicants));
            }
            Some(_) => {}
        }
    }
    Ok(Ok(()))
}

/// Attaches checked wallet items to a dossier just inserted: a document row each (already
/// digitised, origin `wallet`) and a reuse record for the 766 indicator.
pub(crate) async fn attach_wallet_items_in_tx(
    tx: &mut Tx,
    dossier_code: &str,
    receiving_agency: &str,
    attachments: &[WalletAttachment],
    at: DateTime<Utc>,
    actor: &AuditEntry,
) -> Result<(), StoreError> {
    for a in attachments {
        let item: WalletItemRecord = on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(
            format!("{WALLET_SELECT} WHERE w.id = $1")
        ))
        .bind(a.wallet_item_id)
        .fetch_one(&mut *conn)
        .await?);
        let doc = NewDocument {
            id: Uuid::now_v7(),
            dossier_code: dossier_code.to_owned(),
            sha256: item.sha256.clone(),
            name: item.name.clone(),
            content_type: item.content_type.clone(),
            size_bytes: item.size_bytes,
            kind: DocumentKind::Component,
            origin: DocumentOrigin::Wallet,
            component: a.component.clone().or_else(|| Some(item.name.clone())),
            digitised: true,
            at,
            certifies: None,
        };
        insert_document(tx, &doc, &actor.actor).await?;
        let sql = "INSERT INTO document_reuses (id, wallet_item_id, dossier_code, document_id, \
            receiving_agency, reused_by, reused_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
        on_tx!(tx, |conn| sqlx::query(sql)
            .bind(Uuid::now_v7())
            .bind(item.id)
            .bind(dossier_code)
            .bind(doc.id)
            .bind(receiving_agency)
            .bind(&actor.actor)
            .bind(at)
            .execute(&mut *conn)
            .await?
            .rows_affected());
        let entry = dossier_entry(
            &AuditEntry {
                at,
                ..actor.clone()
            },
            dossier_code,
            "document_reused",
            serde_json::json!({
                "document": doc.id, "wallet_item": item.id, "sha256": item.sha256,
                "name": item.name, "source_dossier": item.source_dossier,
            }),
        );
        append(tx, entry).await?;
    }
    Ok(())
}

impl Store {
    /// The store of these holders, newest first.
    pub async fn wallet(&self, holders: &[String]) -> Result<Vec<WalletItemRecord>, StoreError> {
        let mut items = Vec::new();
        for holder in holders {
            let sql = format!("{WALLET_SELECT} WHERE w.holder_id = $1 ORDER BY w.added_at DESC");
            let rows: Vec<WalletItemRecord> = on_pool!(self, |pool| sqlx::query_as(
                sqlx::AssertSqlSafe(sql.clone())
            )
            .bind(holder)
            .fetch_all(pool)
            .await?);
            items.extend(rows);
        }
        items.sort_by(|a, b| b.added_at.cmp(&a.added_at).then(a.id.cmp(&b.id)));
        Ok(items)
    }

    pub async fn wallet_item(&self, id: Uuid) -> Result<Option<WalletItemRecord>, StoreError> {
        let sql = format!("{WALLET_SELECT} WHERE w.id = $1");
        Ok(on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
            sql.clone()
        ))
        .bind(id)
        .fetch_optional(pool)
        .await?))
    }

    /// How many components were reused from applicants' stores into this dossier.
    pub async fn reuses_of(&self, dossier_code: &str) -> Result<i64, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM document_reuses WHERE dossier_code = $1"
        )
        .bind(dossier_code)
        .fetch_one(pool)
        .await?))
    }
}
