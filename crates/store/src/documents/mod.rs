//! Documents attached to a dossier, and what hangs off them: the content-addressed blobs
//! (one row per SHA-256), digitisation marks, agency signing keys and signatures, the
//! applicant's document store (wallet) and its reuse at a later submission, and the
//! digitisation counts of the 766 indicator.
//!
//! The bytes live in an object store by content address; rows and their audit events
//! commit together, and the web layer moves a staged blob into place only after that.

mod blobs;
mod indicators;
pub(crate) mod signing;
pub(crate) mod wallet;

pub use blobs::BlobRecord;
use blobs::upsert_blob;
pub use indicators::DocumentIndicatorCounts;
use signing::insert_signature;
pub use signing::{NewSignature, SignatureRecord, SigningKeyRecord};
use wallet::add_to_wallet;
pub use wallet::{WalletAttachment, WalletItemRecord};
pub(crate) use wallet::{attach_wallet_items_in_tx, check_wallet_items_in_tx};

use crate::audit::append;
use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use motcua_domain::audit::AuditEntry;
use motcua_domain::document::{DocumentKind, DocumentOrigin};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct NewDocument {
    /// Chosen by the caller (a signature may name it in the same transaction).
    pub id: Uuid,
    pub dossier_code: String,
    pub sha256: String,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub kind: DocumentKind,
    pub origin: DocumentOrigin,
    /// The procedure component it supplies, by name.
    pub component: Option<String>,
    /// Mark it digitised at once (an officer scanning a paper component at receipt).
    pub digitised: bool,
    pub at: DateTime<Utc>,
    /// For a result made from data: what it certifies (JSON), kept beside it.
    pub certifies: Option<String>,
}

impl NewDocument {
    /// An uploaded component with a fresh id.
    pub fn upload(
        dossier_code: &str,
        sha256: &str,
        name: &str,
        content_type: &str,
        size_bytes: i64,
        at: DateTime<Utc>,
    ) -> NewDocument {
        NewDocument {
            id: Uuid::now_v7(),
            dossier_code: dossier_code.to_owned(),
            sha256: sha256.to_owned(),
            name: name.to_owned(),
            content_type: content_type.to_owned(),
            size_bytes,
            kind: DocumentKind::Component,
            origin: DocumentOrigin::Upload,
            component: None,
            digitised: false,
            at,
            certifies: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DocumentRecord {
    pub id: Uuid,
    pub dossier_code: String,
    pub sha256: String,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
    /// `component`, `result` or `receipt`.
    pub kind: String,
    /// `upload`, `wallet` or `issued`.
    pub origin: String,
    pub component: Option<String>,
    pub digitised_by: Option<String>,
    pub digitised_at: Option<DateTime<Utc>>,
    /// The bytes were destroyed under an approved destruction list.
    pub destroyed_at: Option<DateTime<Utc>>,
}

pub(crate) const DOCUMENT_COLUMNS: &str = "id, dossier_code, sha256, name, content_type, size_bytes, \
    uploaded_by, uploaded_at, kind, origin, component, digitised_by, digitised_at, destroyed_at";

/// What [`Store::settle_documents`] is asked to add: the receipt (form 01) with its
/// signature, signatures for result documents, and whether signed results are now the
/// applicant's (the dossier is finished).
#[derive(Debug, Clone)]
pub struct Settlement {
    pub dossier_code: String,
    pub receipt: Option<(NewDocument, NewSignature)>,
    pub results: Vec<NewSignature>,
    pub deliver: bool,
    pub at: DateTime<Utc>,
}

/// What a settlement changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettleOutcome {
    /// False when another request had already issued the receipt: drop the staged blob.
    pub receipt_added: bool,
    pub results_signed: usize,
    pub wallet_added: usize,
}

/// The digitisation side of the 766 indicator, for one agency (or all) over `[from, to)`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DigitisationCounts {
    /// Dossiers received in the period (`received_at`), at the agency as receiving agency.
    pub received: i64,
    /// Of those, dossiers with at least one component and every component digitised.
    pub digitised: i64,
    /// Of those, dossiers where at least one component was reused from the applicant's store.
    pub with_reuse: i64,
    /// Components of those dossiers, and how many are digitised.
    pub components: i64,
    pub components_digitised: i64,
    /// Components reused from the store in those dossiers.
    pub reuses: i64,
    /// Dossiers finished with a result in the period (`finished_at`) at the agency as
    /// handling agency, and how many of those have a signed electronic or digitised result.
    pub results_issued: i64,
    pub results_digitised: i64,
}

/// Serialises work on one dossier's documents across app nodes (PostgreSQL row lock;
/// SQLite has one writer anyway). Returns the applicant's identity number and the state.
async fn lock_dossier(
    tx: &mut Tx,
    code: &str,
) -> Result<Option<(Option<String>, String, String)>, StoreError> {
    let sql = match tx {
        Tx::Sqlite(_) => {
            "SELECT applicant_id, state, receiving_agency FROM dossiers WHERE code = $1"
        }
        Tx::Postgres(_) => {
            "SELECT applicant_id, state, receiving_agency FROM dossiers WHERE code = $1 FOR UPDATE"
        }
    };
    Ok(on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?))
}

pub(crate) async fn insert_document(
    tx: &mut Tx,
    doc: &NewDocument,
    by: &str,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO dossier_documents (id, dossier_code, sha256, name, content_type, \
        size_bytes, uploaded_by, uploaded_at, kind, origin, component, digitised_by, digitised_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
    let digitised_by = doc.digitised.then(|| by.to_owned());
    let digitised_at = doc.digitised.then_some(doc.at);
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(doc.id)
        .bind(&doc.dossier_code)
        .bind(&doc.sha256)
        .bind(&doc.name)
        .bind(&doc.content_type)
        .bind(doc.size_bytes)
        .bind(by)
        .bind(doc.at)
        .bind(doc.kind.as_str())
        .bind(doc.origin.as_str())
        .bind(&doc.component)
        .bind(&digitised_by)
        .bind(digitised_at)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    upsert_blob(tx, &doc.sha256, doc.size_bytes, &doc.content_type, doc.at).await
}

pub(crate) async fn document_in_tx(
    tx: &mut Tx,
    id: Uuid,
) -> Result<Option<DocumentRecord>, StoreError> {
    let sql = format!("SELECT {DOCUMENT_COLUMNS} FROM dossier_documents WHERE id = $1");
    Ok(on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?))
}

/// A dossier's signed result documents that are still kept, oldest first.
async fn signed_results_in_tx(tx: &mut Tx, code: &str) -> Result<Vec<DocumentRecord>, StoreError> {
    let sql = format!(
        "SELECT {DOCUMENT_COLUMNS} FROM dossier_documents WHERE dossier_code = $1 \
         AND kind = 'result' AND destroyed_at IS NULL \
         AND id IN (SELECT document_id FROM document_signatures WHERE dossier_code = $1) \
         ORDER BY uploaded_at, id"
    );
    Ok(on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(code)
    .fetch_all(&mut *conn)
    .await?))
}

pub(super) fn dossier_entry(
    audit: &AuditEntry,
    code: &str,
    kind: &str,
    data: serde_json::Value,
) -> AuditEntry {
    AuditEntry {
        action: format!("dossier.{kind}"),
        subject: format!("dossier:{code}"),
        detail: serde_json::json!({ "data": data }).to_string(),
        ..audit.clone()
    }
}

impl Store {
    /// Records a document whose bytes are staged, with its audit event. A document marked
    /// digitised at once also goes into the applicant's store.
    pub async fn add_document(
        &self,
        doc: &NewDocument,
        audit: AuditEntry,
    ) -> Result<DocumentRecord, StoreError> {
        self.add_document_telling(doc, audit, &[]).await
    }

    /// [`Store::add_document`], with messages enqueued in the same transaction (an
    /// applicant's supplement tells the desk it arrived).
    pub async fn add_document_telling(
        &self,
        doc: &NewDocument,
        audit: AuditEntry,
        messages: &[crate::NewMessage],
    ) -> Result<DocumentRecord, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some((holder, _, _)) = lock_dossier(&mut tx, &doc.dossier_code).await? else {
            return Err(StoreError::NotFound(format!("hồ sơ {}", doc.dossier_code)));
        };
        insert_document(&mut tx, doc, &audit.actor).await?;
        if let Some(contents) = &doc.certifies {
            crate::forms::insert_certified_in_tx(&mut tx, doc.id, contents).await?;
        }
        let record = document_in_tx(&mut tx, doc.id)
            .await?
            .ok_or_else(|| StoreError::NotFound("tài liệu".into()))?;
        if doc.digitised
            && let Some(holder) = &holder
        {
            add_to_wallet(&mut tx, holder, &record, doc.at).await?;
        }
        let entry = dossier_entry(
            &audit,
            &doc.dossier_code,
            "document_added",
            serde_json::json!({
                "document": doc.id, "sha256": doc.sha256, "name": doc.name,
                "content_type": doc.content_type, "size_bytes": doc.size_bytes,
                "kind": doc.kind.as_str(), "component": doc.component, "digitised": doc.digitised,
            }),
        );
        append(&mut tx, entry).await?;
        crate::outbox::insert_messages(&mut tx, messages, doc.at).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// A dossier's documents, oldest first.
    pub async fn documents(&self, dossier_code: &str) -> Result<Vec<DocumentRecord>, StoreError> {
        let sql = format!(
            "SELECT {DOCUMENT_COLUMNS} FROM dossier_documents WHERE dossier_code = $1 \
             ORDER BY uploaded_at, id"
        );
        Ok(on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
            sql.clone()
        ))
        .bind(dossier_code)
        .fetch_all(pool)
        .await?))
    }

    pub async fn document(&self, id: Uuid) -> Result<Option<DocumentRecord>, StoreError> {
        let sql = format!("SELECT {DOCUMENT_COLUMNS} FROM dossier_documents WHERE id = $1");
        Ok(on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
            sql.clone()
        ))
        .bind(id)
        .fetch_optional(pool)
        .await?))
    }

    /// Whether any live record (a dossier document not destroyed, or a wallet item)
    /// refers to this content.
    pub async fn document_hash_in_use(&self, sha256: &str) -> Result<bool, StoreError> {
        let n: i64 = on_pool!(self, |pool| {
            sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM dossier_documents WHERE sha256 = $1 AND destroyed_at IS NULL) \
             + (SELECT COUNT(*) FROM wallet_items WHERE sha256 = $1)"
        )
        .bind(sha256)
        .fetch_one(pool)
        .await?
        });
        Ok(n > 0)
    }

    /// An officer withdraws a draft result (one not signed yet): it leaves the dossier, and
    /// approval will not sign it. The row stays, marked gone, with its event; the content
    /// goes only with an approved destruction list.
    pub async fn withdraw_draft_result(
        &self,
        dossier_code: &str,
        document_id: Uuid,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<DocumentRecord, StoreError> {
        let mut tx = self.begin_write().await?;
        if lock_dossier(&mut tx, dossier_code).await?.is_none() {
            return Err(StoreError::NotFound(format!("hồ sơ {dossier_code}")));
        }
        let doc = document_in_tx(&mut tx, document_id)
            .await?
            .filter(|d| d.dossier_code == dossier_code && d.destroyed_at.is_none())
            .ok_or_else(|| StoreError::NotFound("tài liệu".into()))?;
        let signed: Option<i32> = on_tx!(&mut tx, |conn| sqlx::query_scalar(
            "SELECT 1 FROM document_signatures WHERE document_id = $1"
        )
        .bind(document_id)
        .fetch_optional(&mut *conn)
        .await?);
        if doc.kind != DocumentKind::Result.as_str() || signed.is_some() {
            return Err(StoreError::Conflict {
                code: "not_a_draft",
                detail: "Chỉ rút được dự thảo kết quả chưa ký số.".into(),
            });
        }
        on_tx!(&mut tx, |conn| sqlx::query(
            "UPDATE dossier_documents SET destroyed_at = $2 WHERE id = $1"
        )
        .bind(document_id)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected());
        let entry = dossier_entry(
            &audit,
            dossier_code,
            "result_draft_withdrawn",
            serde_json::json!({ "document": doc.id, "sha256": doc.sha256, "name": doc.name }),
        );
        append(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(DocumentRecord {
            destroyed_at: Some(at),
            ..doc
        })
    }

    /// An officer marks a component (or a paper result) digitised: who and when. The
    /// document goes into the applicant's store. Marking again changes nothing.
    pub async fn mark_digitised(
        &self,
        dossier_code: &str,
        document_id: Uuid,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<DocumentRecord, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some((holder, _, _)) = lock_dossier(&mut tx, dossier_code).await? else {
            return Err(StoreError::NotFound(format!("hồ sơ {dossier_code}")));
        };
        let doc = document_in_tx(&mut tx, document_id)
            .await?
            .filter(|d| d.dossier_code == dossier_code)
            .ok_or_else(|| StoreError::NotFound("tài liệu".into()))?;
        if doc.kind == DocumentKind::Receipt.as_str() {
            return Err(StoreError::Conflict {
                code: "receipt_is_electronic",
                detail: "Giấy tiếp nhận do hệ thống lập, không cần số hóa.".into(),
            });
        }
        if doc.destroyed_at.is_some() {
            return Err(StoreError::Conflict {
                code: "document_destroyed",
                detail: "Tài liệu đã bị tiêu hủy theo danh sách được phê duyệt.".into(),
            });
        }
        if doc.digitised_at.is_some() {
            return Ok(doc);
        }
        on_tx!(&mut tx, |conn| sqlx::query(
            "UPDATE dossier_documents SET digitised_by = $2, digitised_at = $3 WHERE id = $1"
        )
        .bind(document_id)
        .bind(&audit.actor)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected());
        let doc = DocumentRecord {
            digitised_by: Some(audit.actor.clone()),
            digitised_at: Some(at),
            ..doc
        };
        let walleted = match &holder {
            Some(h) => add_to_wallet(&mut tx, h, &doc, at).await?,
            None => false,
        };
        let entry = dossier_entry(
            &audit,
            dossier_code,
            "document_digitised",
            serde_json::json!({
                "document": doc.id, "sha256": doc.sha256, "name": doc.name, "wallet": walleted,
            }),
        );
        append(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(doc)
    }

    /// Adds what a dossier's state calls for and is not there yet: the signed receipt, and
    /// signatures on its result documents (which then count as digitised and go into the
    /// applicant's store). Idempotent, and serialised per dossier, so any node may call it
    /// after any change.
    pub async fn settle_documents(
        &self,
        s: &Settlement,
        audit: AuditEntry,
    ) -> Result<SettleOutcome, StoreError> {
        let mut outcome = SettleOutcome::default();
        let mut tx = self.begin_write().await?;
        let Some((holder, _, _)) = lock_dossier(&mut tx, &s.dossier_code).await? else {
            return Err(StoreError::NotFound(format!("hồ sơ {}", s.dossier_code)));
        };
        if let Some((doc, signature)) = &s.receipt {
            let existing: Option<i32> = on_tx!(&mut tx, |conn| sqlx::query_scalar(
                "SELECT 1 FROM dossier_documents WHERE dossier_code = $1 AND kind = 'receipt'"
            )
            .bind(&s.dossier_code)
            .fetch_optional(&mut *conn)
            .await?);
            if existing.is_none() {
                insert_document(&mut tx, doc, &audit.actor).await?;
                insert_signature(&mut tx, signature).await?;
                outcome.receipt_added = true;
                let entry = dossier_entry(
                    &audit,
                    &s.dossier_code,
                    "receipt_issued",
                    serde_json::json!({
                        "document": doc.id, "sha256": doc.sha256,
                        "agency": signature.agency_code, "signed_at": signature.signed_at,
                    }),
                );
                append(&mut tx, entry).await?;
            }
        }
        for signature in &s.results {
            let Some(doc) = document_in_tx(&mut tx, signature.document_id).await? else {
                continue;
            };
            if doc.dossier_code != s.dossier_code
                || doc.kind != DocumentKind::Result.as_str()
                || doc.sha256 != signature.sha256
                || doc.destroyed_at.is_some()
            {
                continue;
            }
            if !insert_signature(&mut tx, signature).await? {
                continue;
            }
            outcome.results_signed += 1;
            let doc = if doc.digitised_at.is_none() {
                on_tx!(&mut tx, |conn| {
                    sqlx::query(
                    "UPDATE dossier_documents SET digitised_by = $2, digitised_at = $3 WHERE id = $1"
                )
                .bind(doc.id)
                .bind(&audit.actor)
                .bind(s.at)
                .execute(&mut *conn)
                .await?
                .rows_affected()
                });
                DocumentRecord {
                    digitised_by: Some(audit.actor.clone()),
                    digitised_at: Some(s.at),
                    ..doc
                }
            } else {
                doc
            };
            let entry = dossier_entry(
                &audit,
                &s.dossier_code,
                "result_signed",
                serde_json::json!({
                    "document": doc.id, "sha256": doc.sha256, "name": doc.name,
                    "agency": signature.agency_code, "signed_at": signature.signed_at,
                }),
            );
            append(&mut tx, entry).await?;
        }
        if let (true, Some(holder)) = (s.deliver, &holder) {
            for doc in signed_results_in_tx(&mut tx, &s.dossier_code).await? {
                if !add_to_wallet(&mut tx, holder, &doc, s.at).await? {
                    continue;
                }
                outcome.wallet_added += 1;
                let entry = dossier_entry(
                    &audit,
                    &s.dossier_code,
                    "result_delivered",
                    serde_json::json!({
                        "document": doc.id, "sha256": doc.sha256, "name": doc.name,
                    }),
                );
                append(&mut tx, entry).await?;
            }
        }
        tx.commit().await?;
        Ok(outcome)
    }

    // ------------------------------------------------------------------------ counts

    /// The digitisation side of the 766 indicator for `agency` (None: the whole province)
    /// over `[from, to)`. See [`DigitisationCounts`] for what each number counts; the
    /// rates are `digitised / received`, `with_reuse / received` and
    /// `results_digitised / results_issued`.
    pub async fn digitisation_counts(
        &self,
        agency: Option<&str>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<DigitisationCounts, StoreError> {
        let received_scope = if agency.is_some() {
            "d.received_at >= $1 AND d.received_at < $2 AND d.receiving_agency = $3"
        } else {
            "d.received_at >= $1 AND d.received_at < $2 AND $3 IS NULL"
        };
        let finished_scope = if agency.is_some() {
            "d.finished_at >= $1 AND d.finished_at < $2 AND d.handling_agency = $3"
        } else {
            "d.finished_at >= $1 AND d.finished_at < $2 AND $3 IS NULL"
        };
        let sql = format!(
            "SELECT \
             (SELECT COUNT(*) FROM dossiers d WHERE {received_scope}) AS received, \
             (SELECT COUNT(*) FROM dossiers d WHERE {received_scope} \
                AND EXISTS (SELECT 1 FROM dossier_documents x WHERE x.dossier_code = d.code AND x.kind = 'component') \
                AND NOT EXISTS (SELECT 1 FROM dossier_documents x WHERE x.dossier_code = d.code \
                    AND x.kind = 'component' AND x.digitised_at IS NULL)) AS digitised, \
             (SELECT COUNT(*) FROM dossiers d WHERE {received_scope} \
                AND EXISTS (SELECT 1 FROM document_reuses r WHERE r.dossier_code = d.code)) AS with_reuse, \
             (SELECT COUNT(*) FROM dossier_documents x JOIN dossiers d ON d.code = x.dossier_code \
                WHERE {received_scope} AND x.kind = 'component') AS components, \
             (SELECT COUNT(*) FROM dossier_documents x JOIN dossiers d ON d.code = x.dossier_code \
                WHERE {received_scope} AND x.kind = 'component' AND x.digitised_at IS NOT NULL) AS components_digitised, \
             (SELECT COUNT(*) FROM document_reuses r JOIN dossiers d ON d.code = r.dossier_code \
                WHERE {received_scope}) AS reuses, \
             (SELECT COUNT(*) FROM dossiers d WHERE {finished_scope} \
                AND d.state IN ('finished', 'returned') AND d.body LIKE '%\"result\":{{%') AS results_issued, \
             (SELECT COUNT(*) FROM dossiers d WHERE {finished_scope} \
                AND d.state IN ('finished', 'returned') \
                AND EXISTS (SELECT 1 FROM document_signatures s WHERE s.dossier_code = d.code \
                    AND s.kind = 'result')) AS results_digitised"
        );
        let row: (i64, i64, i64, i64, i64, i64, i64, i64) = on_pool!(self, |pool| sqlx::query_as(
            sqlx::AssertSqlSafe(sql.clone())
        )
        .bind(from)
        .bind(to)
        .bind(agency)
        .fetch_one(pool)
        .await?);
        Ok(DigitisationCounts {
            received: row.0,
            digitised: row.1,
            with_reuse: row.2,
            components: row.3,
            components_digitised: row.4,
            reuses: row.5,
            results_issued: row.6,
            results_digitised: row.7,
        })
    }
}
