//! Documents attached to a dossier, and what hangs off them: the content-addressed blobs
//! (one row per SHA-256), digitisation marks, agency signing keys and signatures, the
//! applicant's document store (wallet) and its reuse at a later submission, and the
//! digitisation counts of the 766 indicator.
//!
//! The bytes live in an object store by content address; rows and their audit events
//! commit together, and the web layer moves a staged blob into place only after that.

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

/// One stored content.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct BlobRecord {
    pub sha256: String,
    pub size_bytes: i64,
    pub content_type: String,
    pub stored_at: DateTime<Utc>,
    pub verified_at: Option<DateTime<Utc>>,
    pub corrupt_at: Option<DateTime<Utc>>,
}

/// An agency's Ed25519 key: the public half, and the private half sealed under the master key.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SigningKeyRecord {
    pub agency_code: String,
    /// Base64 of the 32-byte public key.
    pub public_key: String,
    /// Base64 of nonce ‖ ciphertext.
    pub sealed_private_key: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewSignature {
    pub document_id: Uuid,
    pub sha256: String,
    pub kind: DocumentKind,
    pub dossier_code: String,
    pub agency_code: String,
    pub signed_at: DateTime<Utc>,
    /// The canonical statement, exactly as signed.
    pub statement: String,
    /// Base64 of the 64-byte signature.
    pub signature: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SignatureRecord {
    pub id: Uuid,
    pub sha256: String,
    pub kind: String,
    pub dossier_code: String,
    pub document_id: Uuid,
    pub agency_code: String,
    pub signed_at: DateTime<Utc>,
    pub statement: String,
    pub signature: String,
}

const SIGNATURE_COLUMNS: &str =
    "id, sha256, kind, dossier_code, document_id, agency_code, signed_at, statement, signature";

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
}

const WALLET_SELECT: &str = "SELECT w.id, w.holder_id, w.sha256, w.kind, w.name, w.content_type, \
    w.size_bytes, w.source_dossier, w.source_document, w.added_at, \
    EXISTS (SELECT 1 FROM document_signatures s WHERE s.sha256 = w.sha256) AS signed \
    FROM wallet_items w";

/// A wallet item to attach to a new dossier instead of an upload.
#[derive(Debug, Clone)]
pub struct WalletAttachment {
    pub wallet_item_id: Uuid,
    /// The procedure component it supplies.
    pub component: Option<String>,
}

/// What [`Store::settle_documents`] is asked to add: the receipt (form 01) with its
/// signature, and signatures for result documents.
#[derive(Debug, Clone)]
pub struct Settlement {
    pub dossier_code: String,
    pub receipt: Option<(NewDocument, NewSignature)>,
    pub results: Vec<NewSignature>,
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

/// Upserts the blob row; on PostgreSQL the update takes the row lock, so a destruction
/// deciding about the same content waits for this transaction (and then sees its row).
async fn upsert_blob(
    tx: &mut Tx,
    sha256: &str,
    size: i64,
    content_type: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO document_blobs (sha256, size_bytes, content_type, stored_at) \
        VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO UPDATE SET size_bytes = excluded.size_bytes";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(sha256)
        .bind(size)
        .bind(content_type)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(())
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

async fn insert_document(tx: &mut Tx, doc: &NewDocument, by: &str) -> Result<(), StoreError> {
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

async fn document_in_tx(tx: &mut Tx, id: Uuid) -> Result<Option<DocumentRecord>, StoreError> {
    let sql = format!("SELECT {DOCUMENT_COLUMNS} FROM dossier_documents WHERE id = $1");
    Ok(on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?))
}

/// Puts a document into the holder's store; nothing if the same content is there already.
async fn add_to_wallet(
    tx: &mut Tx,
    holder: &str,
    doc: &DocumentRecord,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let kind = if doc.kind == DocumentKind::Result.as_str() {
        "result"
    } else {
        "component"
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

async fn insert_signature(tx: &mut Tx, s: &NewSignature) -> Result<bool, StoreError> {
    let sql = "INSERT INTO document_signatures (id, sha256, kind, dossier_code, document_id, \
        agency_code, signed_at, statement, signature) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
        ON CONFLICT (document_id) DO NOTHING";
    let n = on_tx!(tx, |conn| sqlx::query(sql)
        .bind(Uuid::now_v7())
        .bind(&s.sha256)
        .bind(s.kind.as_str())
        .bind(&s.dossier_code)
        .bind(s.document_id)
        .bind(&s.agency_code)
        .bind(s.signed_at)
        .bind(&s.statement)
        .bind(&s.signature)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(n == 1)
}

fn dossier_entry(
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

/// Checks, before anything is written, that every wallet item exists and is kept under
/// this applicant's identity number. Rule failures come back as `Ok(Err(..))`.
pub(crate) async fn check_wallet_items_in_tx(
    tx: &mut Tx,
    attachments: &[WalletAttachment],
    applicant_id: Option<&str>,
) -> Result<Result<(), StoreError>, StoreError> {
    for a in attachments {
        let holder: Option<String> = on_tx!(tx, |conn| sqlx::query_scalar(
            "SELECT holder_id FROM wallet_items WHERE id = $1"
        )
        .bind(a.wallet_item_id)
        .fetch_optional(&mut *conn)
        .await?);
        match holder {
            None => {
                return Ok(Err(StoreError::Invalid {
                    code: "wallet_item_not_found",
                    detail: format!(
                        "Không có giấy tờ {} trong kho dữ liệu của người nộp.",
                        a.wallet_item_id
                    ),
                }));
            }
            Some(h) if Some(h.as_str()) != applicant_id => {
                return Ok(Err(StoreError::Invalid {
                    code: "wallet_item_not_applicants",
                    detail: "Giấy tờ trong kho dữ liệu không thuộc người nộp hồ sơ này (số định danh hoặc mã số thuế khác).".into(),
                }));
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
    /// Records a document whose bytes are staged, with its audit event. A document marked
    /// digitised at once also goes into the applicant's store.
    pub async fn add_document(
        &self,
        doc: &NewDocument,
        audit: AuditEntry,
    ) -> Result<DocumentRecord, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some((holder, _, _)) = lock_dossier(&mut tx, &doc.dossier_code).await? else {
            return Err(StoreError::NotFound(format!("hồ sơ {}", doc.dossier_code)));
        };
        insert_document(&mut tx, doc, &audit.actor).await?;
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
            let walleted = match &holder {
                Some(h) => add_to_wallet(&mut tx, h, &doc, s.at).await?,
                None => false,
            };
            if walleted {
                outcome.wallet_added += 1;
            }
            let entry = dossier_entry(
                &audit,
                &s.dossier_code,
                "result_signed",
                serde_json::json!({
                    "document": doc.id, "sha256": doc.sha256, "name": doc.name,
                    "agency": signature.agency_code, "signed_at": signature.signed_at,
                    "wallet": walleted,
                }),
            );
            append(&mut tx, entry).await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    // ------------------------------------------------------------------------- blobs

    pub async fn blob(&self, sha256: &str) -> Result<Option<BlobRecord>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_as(
            "SELECT sha256, size_bytes, content_type, stored_at, verified_at, corrupt_at \
             FROM document_blobs WHERE sha256 = $1"
        )
        .bind(sha256)
        .fetch_optional(pool)
        .await?))
    }

    /// Every stored content, by hash.
    pub async fn blobs(&self) -> Result<Vec<BlobRecord>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_as(
            "SELECT sha256, size_bytes, content_type, stored_at, verified_at, corrupt_at \
             FROM document_blobs ORDER BY sha256"
        )
        .fetch_all(pool)
        .await?))
    }

    /// Records the outcome of re-hashing blobs: `true` = the bytes match their address.
    /// One audit event for the run.
    pub async fn record_blob_checks(
        &self,
        checks: &[(String, bool)],
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for (sha256, ok) in checks {
            let sql = if *ok {
                "UPDATE document_blobs SET verified_at = $2, corrupt_at = NULL WHERE sha256 = $1"
            } else {
                "UPDATE document_blobs SET corrupt_at = $2 WHERE sha256 = $1"
            };
            on_tx!(&mut tx, |conn| sqlx::query(sql)
                .bind(sha256)
                .bind(at)
                .execute(&mut *conn)
                .await?
                .rows_affected());
        }
        append(&mut tx, audit).await?;
        tx.commit().await
    }

    // -------------------------------------------------------------------------- keys

    pub async fn signing_key(&self, agency: &str) -> Result<Option<SigningKeyRecord>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_as(
            "SELECT agency_code, public_key, sealed_private_key, created_at \
             FROM signing_keys WHERE agency_code = $1"
        )
        .bind(agency)
        .fetch_optional(pool)
        .await?))
    }

    /// Any one stored key (to check the master key at start).
    pub async fn any_signing_key(&self) -> Result<Option<SigningKeyRecord>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_as(
            "SELECT agency_code, public_key, sealed_private_key, created_at \
             FROM signing_keys ORDER BY agency_code LIMIT 1"
        )
        .fetch_optional(pool)
        .await?))
    }

    /// Stores a new key for an agency unless one exists (another node may have made one
    /// first); returns the key in force either way.
    pub async fn insert_signing_key(
        &self,
        key: &SigningKeyRecord,
        audit: AuditEntry,
    ) -> Result<SigningKeyRecord, StoreError> {
        let mut tx = self.begin_write().await?;
        let exists: Option<i32> = on_tx!(&mut tx, |conn| sqlx::query_scalar(
            "SELECT 1 FROM agencies WHERE code = $1"
        )
        .bind(&key.agency_code)
        .fetch_optional(&mut *conn)
        .await?);
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("cơ quan {}", key.agency_code)));
        }
        let n = on_tx!(&mut tx, |conn| {
            sqlx::query(
            "INSERT INTO signing_keys (agency_code, public_key, sealed_private_key, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (agency_code) DO NOTHING"
        )
        .bind(&key.agency_code)
        .bind(&key.public_key)
        .bind(&key.sealed_private_key)
        .bind(key.created_at)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        });
        if n == 1 {
            append(&mut tx, audit).await?;
        }
        let stored: SigningKeyRecord = on_tx!(&mut tx, |conn| sqlx::query_as(
            "SELECT agency_code, public_key, sealed_private_key, created_at \
             FROM signing_keys WHERE agency_code = $1"
        )
        .bind(&key.agency_code)
        .fetch_one(&mut *conn)
        .await?);
        tx.commit().await?;
        Ok(stored)
    }

    // -------------------------------------------------------------------- signatures

    /// Every signature over this content.
    pub async fn signatures_for_hash(
        &self,
        sha256: &str,
    ) -> Result<Vec<SignatureRecord>, StoreError> {
        let sql = format!(
            "SELECT {SIGNATURE_COLUMNS} FROM document_signatures WHERE sha256 = $1 \
             ORDER BY signed_at, id"
        );
        Ok(on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
            sql.clone()
        ))
        .bind(sha256)
        .fetch_all(pool)
        .await?))
    }

    pub async fn signatures_for_dossier(
        &self,
        dossier_code: &str,
    ) -> Result<Vec<SignatureRecord>, StoreError> {
        let sql = format!(
            "SELECT {SIGNATURE_COLUMNS} FROM document_signatures WHERE dossier_code = $1 \
             ORDER BY signed_at, id"
        );
        Ok(on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
            sql.clone()
        ))
        .bind(dossier_code)
        .fetch_all(pool)
        .await?))
    }

    // ------------------------------------------------------------------------ wallet

    /// Binds a citizen account to an identity number whose store it may see (after the
    /// identity was checked, e.g. by the national identity service).
    pub async fn link_identity(
        &self,
        user_id: Uuid,
        holder_id: &str,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let n = on_tx!(&mut tx, |conn| {
            sqlx::query(
            "INSERT INTO account_identities (user_id, holder_id, linked_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, holder_id) DO NOTHING"
        )
        .bind(user_id)
        .bind(holder_id)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        });
        if n == 1 {
            append(&mut tx, audit).await?;
        }
        tx.commit().await
    }

    /// The identity numbers bound to an account.
    pub async fn identities_of(&self, user_id: Uuid) -> Result<Vec<String>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_scalar(
            "SELECT holder_id FROM account_identities WHERE user_id = $1 ORDER BY holder_id"
        )
        .bind(user_id)
        .fetch_all(pool)
        .await?))
    }

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
