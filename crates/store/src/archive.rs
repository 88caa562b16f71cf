//! Retention and archiving: the retention row a dossier gets when it closes, archive
//! packages, and destruction lists that a province administrator approves before any
//! blob is deleted (and then only blobs nothing else refers to). Every step is audited.

use crate::audit::append;
use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::audit::AuditEntry;
use motcua_domain::calendar::to_vn_local;
use motcua_domain::document::{archive_after, retention_years};
use motcua_domain::procedure::Procedure;
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;
use uuid::Uuid;

/// A closed dossier's retention.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RetentionRecord {
    pub dossier_code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub applicant_name: String,
    pub state: String,
    pub closed_on: NaiveDate,
    /// None: permanent.
    pub retention_years: Option<i64>,
    /// The day after which the records may be proposed for destruction; None: never.
    pub archive_after: Option<NaiveDate>,
    pub archived_at: Option<DateTime<Utc>>,
    pub package_id: Option<Uuid>,
    pub destroyed_at: Option<DateTime<Utc>>,
    pub destruction_list_id: Option<Uuid>,
}

const RETENTION_SELECT: &str = "SELECT r.dossier_code, d.procedure_code, v.name AS procedure_name, \
    d.applicant_name, d.state, r.closed_on, r.retention_years, r.archive_after, r.archived_at, \
    r.package_id, r.destroyed_at, r.destruction_list_id \
    FROM dossier_retention r JOIN dossiers d ON d.code = r.dossier_code \
    JOIN procedure_versions v ON v.id = d.procedure_version_id";

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ArchivePackageRecord {
    pub id: Uuid,
    pub before_date: NaiveDate,
    /// Where the package was written.
    pub location: String,
    pub dossiers: i64,
    pub documents: i64,
    pub bytes: i64,
    pub manifest_sha256: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewArchivePackage {
    pub id: Uuid,
    pub before_date: NaiveDate,
    pub location: String,
    pub dossier_codes: Vec<String>,
    pub documents: i64,
    pub bytes: i64,
    pub manifest_sha256: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DestructionListRecord {
    pub id: Uuid,
    pub before_date: NaiveDate,
    /// `proposed`, `approved`, `rejected` or `executed`.
    pub state: String,
    pub dossiers: i64,
    pub proposed_by: String,
    pub proposed_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub executed_at: Option<DateTime<Utc>>,
    pub blobs_deleted: Option<i64>,
}

const LIST_SELECT: &str = "SELECT id, before_date, state, dossiers, proposed_by, proposed_at, \
    decided_by, decided_at, note, executed_at, blobs_deleted FROM destruction_lists";

/// What an executed destruction did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DestructionReport {
    pub dossiers: i64,
    pub documents: i64,
    /// Contents deleted: nothing else referred to them.
    pub blobs_deleted: Vec<String>,
    /// Contents kept because another dossier or an applicant's store still refers to them.
    pub blobs_kept: Vec<String>,
}

/// Deletes one blob from the object store (the web layer's), inside the destruction's
/// transaction, so an upload of the same content waits and then stores it again.
pub type BlobDeleter<'a> =
    &'a (dyn Fn(String) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Sync);

fn closed_day(at: DateTime<Utc>) -> NaiveDate {
    to_vn_local(&at).date()
}

/// Sets the retention of a dossier that just closed (idempotent): closed date + the
/// longest retention of its procedure version's result types, or permanent.
pub(crate) async fn retain_in_tx(
    tx: &mut Tx,
    dossier_code: &str,
    procedure_version_id: Uuid,
    closed_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let body: Option<String> = on_tx!(tx, |conn| sqlx::query_scalar(
        "SELECT body FROM procedure_versions WHERE id = $1"
    )
    .bind(procedure_version_id)
    .fetch_optional(&mut *conn)
    .await?);
    let years = body
        .and_then(|b| serde_json::from_str::<Procedure>(&b).ok())
        .and_then(|p| retention_years(&p.results));
    let closed_on = closed_day(closed_at);
    let after = archive_after(closed_on, years);
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO dossier_retention (dossier_code, closed_on, retention_years, archive_after) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (dossier_code) DO NOTHING"
    )
    .bind(dossier_code)
    .bind(closed_on)
    .bind(years.map(i64::from))
    .bind(after)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    Ok(())
}

const CLOSED: &str = "('refused_at_receipt','returned','withdrawn','stopped')";

impl Store {
    /// Closed dossiers without a retention row (closed before retention was recorded, or
    /// loaded by the generator) get one now, dated when they closed. Returns how many.
    pub async fn backfill_retention(&self) -> Result<u64, StoreError> {
        let sql = format!(
            "SELECT d.code, d.procedure_version_id, COALESCE(d.returned_at, d.finished_at, d.updated_at) \
             FROM dossiers d WHERE d.state IN {CLOSED} \
             AND NOT EXISTS (SELECT 1 FROM dossier_retention r WHERE r.dossier_code = d.code) \
             ORDER BY d.code"
        );
        let rows: Vec<(String, Uuid, DateTime<Utc>)> = on_pool!(self, |pool| sqlx::query_as(
            sqlx::AssertSqlSafe(sql.clone())
        )
        .fetch_all(pool)
        .await?);
        if rows.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin_write().await?;
        for (code, version, at) in &rows {
            retain_in_tx(&mut tx, code, *version, *at).await?;
        }
        tx.commit().await?;
        Ok(rows.len() as u64)
    }

    pub async fn retention(&self, code: &str) -> Result<Option<RetentionRecord>, StoreError> {
        let sql = format!("{RETENTION_SELECT} WHERE r.dossier_code = $1");
        Ok(on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
            sql.clone()
        ))
        .bind(code)
        .fetch_optional(pool)
        .await?))
    }

    /// Closed dossiers not archived yet that closed before `before`, oldest first.
    pub async fn archivable(
        &self,
        before: NaiveDate,
        limit: i64,
    ) -> Result<Vec<RetentionRecord>, StoreError> {
        let sql = format!(
            "{RETENTION_SELECT} WHERE r.archived_at IS NULL AND r.closed_on < $1 \
             ORDER BY r.closed_on, r.dossier_code LIMIT $2"
        );
        Ok(on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
            sql.clone()
        ))
        .bind(before)
        .bind(limit)
        .fetch_all(pool)
        .await?))
    }

    /// Records a written package and marks its dossiers archived (those not archived yet).
    pub async fn record_archive_package(
        &self,
        p: &NewArchivePackage,
        audit: AuditEntry,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        on_tx!(&mut tx, |conn| sqlx::query(
            "INSERT INTO archive_packages (id, before_date, location, dossiers, documents, bytes, \
             manifest_sha256, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        )
        .bind(p.id)
        .bind(p.before_date)
        .bind(&p.location)
        .bind(p.dossier_codes.len() as i64)
        .bind(p.documents)
        .bind(p.bytes)
        .bind(&p.manifest_sha256)
        .bind(&audit.actor)
        .bind(p.at)
        .execute(&mut *conn)
        .await?
        .rows_affected());
        let mut marked = 0;
        for code in &p.dossier_codes {
            marked += on_tx!(&mut tx, |conn| sqlx::query(
                "UPDATE dossier_retention SET archived_at = $2, package_id = $3 \
                 WHERE dossier_code = $1 AND archived_at IS NULL"
            )
            .bind(code)
            .bind(p.at)
            .bind(p.id)
            .execute(&mut *conn)
            .await?
            .rows_affected());
        }
        let entry = AuditEntry {
            action: "archive.exported".into(),
            subject: format!("archive_package:{}", p.id),
            detail: serde_json::json!({
                "before": p.before_date, "location": p.location, "dossiers": p.dossier_codes.len(),
                "documents": p.documents, "bytes": p.bytes, "manifest_sha256": p.manifest_sha256,
            })
            .to_string(),
            ..audit
        };
        append(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(marked)
    }

    pub async fn archive_packages(&self) -> Result<Vec<ArchivePackageRecord>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_as(
            "SELECT id, before_date, location, dossiers, documents, bytes, manifest_sha256, \
             created_by, created_at FROM archive_packages ORDER BY created_at DESC, id"
        )
        .fetch_all(pool)
        .await?))
    }

    /// Proposes a destruction list of archived records whose retention ended before
    /// `before`, not permanent, not destroyed, and on no open or approved list. None when
    /// there is nothing to propose.
    pub async fn propose_destruction(
        &self,
        before: NaiveDate,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<Option<DestructionListRecord>, StoreError> {
        let mut tx = self.begin_write().await?;
        let codes: Vec<String> = on_tx!(&mut tx, |conn| sqlx::query_scalar(
            "SELECT r.dossier_code FROM dossier_retention r WHERE r.archived_at IS NOT NULL \
             AND r.destroyed_at IS NULL AND r.archive_after IS NOT NULL AND r.archive_after < $1 \
             AND NOT EXISTS (SELECT 1 FROM destruction_list_items i JOIN destruction_lists l \
                 ON l.id = i.list_id WHERE i.dossier_code = r.dossier_code \
                 AND l.state IN ('proposed', 'approved')) \
             ORDER BY r.archive_after, r.dossier_code"
        )
        .bind(before)
        .fetch_all(&mut *conn)
        .await?);
        if codes.is_empty() {
            return Ok(None);
        }
        let id = Uuid::now_v7();
        on_tx!(&mut tx, |conn| {
            sqlx::query(
            "INSERT INTO destruction_lists (id, before_date, state, dossiers, proposed_by, proposed_at) \
             VALUES ($1, $2, 'proposed', $3, $4, $5)"
        )
        .bind(id)
        .bind(before)
        .bind(codes.len() as i64)
        .bind(&audit.actor)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        });
        for code in &codes {
            on_tx!(&mut tx, |conn| sqlx::query(
                "INSERT INTO destruction_list_items (list_id, dossier_code) VALUES ($1, $2)"
            )
            .bind(id)
            .bind(code)
            .execute(&mut *conn)
            .await?
            .rows_affected());
        }
        let entry = AuditEntry {
            action: "archive.destruction_proposed".into(),
            subject: format!("destruction_list:{id}"),
            detail: serde_json::json!({ "before": before, "dossiers": codes }).to_string(),
            ..audit
        };
        append(&mut tx, entry).await?;
        let list = list_in_tx(&mut tx, id).await?;
        tx.commit().await?;
        Ok(list)
    }

    pub async fn destruction_lists(&self) -> Result<Vec<DestructionListRecord>, StoreError> {
        let sql = format!("{LIST_SELECT} ORDER BY proposed_at DESC, id");
        Ok(on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
            sql.clone()
        ))
        .fetch_all(pool)
        .await?))
    }

    pub async fn destruction_list(
        &self,
        id: Uuid,
    ) -> Result<Option<DestructionListRecord>, StoreError> {
        let sql = format!("{LIST_SELECT} WHERE id = $1");
        Ok(on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
            sql.clone()
        ))
        .bind(id)
        .fetch_optional(pool)
        .await?))
    }

    /// The records on a list.
    pub async fn destruction_items(&self, id: Uuid) -> Result<Vec<RetentionRecord>, StoreError> {
        let sql = format!(
            "{RETENTION_SELECT} JOIN destruction_list_items i ON i.dossier_code = r.dossier_code \
             WHERE i.list_id = $1 ORDER BY r.archive_after, r.dossier_code"
        );
        Ok(on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
            sql.clone()
        ))
        .bind(id)
        .fetch_all(pool)
        .await?))
    }

    /// A province administrator approves (or rejects) a proposed list.
    pub async fn decide_destruction(
        &self,
        id: Uuid,
        approve: bool,
        note: Option<&str>,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<DestructionListRecord, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some(list) = list_in_tx(&mut tx, id).await? else {
            return Err(StoreError::NotFound(format!("danh sách tiêu hủy {id}")));
        };
        if list.state != "proposed" {
            return Err(StoreError::Conflict {
                code: "destruction_list_decided",
                detail: format!(
                    "Danh sách tiêu hủy này đã ở trạng thái \"{}\"; không quyết định lại được.",
                    list.state
                ),
            });
        }
        let state = if approve { "approved" } else { "rejected" };
        on_tx!(&mut tx, |conn| sqlx::query(
            "UPDATE destruction_lists SET state = $2, decided_by = $3, decided_at = $4, note = $5 \
             WHERE id = $1 AND state = 'proposed'"
        )
        .bind(id)
        .bind(state)
        .bind(&audit.actor)
        .bind(at)
        .bind(note)
        .execute(&mut *conn)
        .await?
        .rows_affected());
        let entry = AuditEntry {
            action: format!("archive.destruction_{state}"),
            subject: format!("destruction_list:{id}"),
            detail: serde_json::json!({ "note": note, "dossiers": list.dossiers }).to_string(),
            ..audit
        };
        append(&mut tx, entry).await?;
        let list = list_in_tx(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("danh sách tiêu hủy {id}")))?;
        tx.commit().await?;
        Ok(list)
    }

    /// Carries out an approved list: its documents are marked destroyed, and each content
    /// that nothing else refers to any more (another dossier's document, an applicant's
    /// store) is deleted through `delete` inside the transaction. Refused unless approved.
    pub async fn execute_destruction(
        &self,
        id: Uuid,
        at: DateTime<Utc>,
        audit: AuditEntry,
        delete: BlobDeleter<'_>,
    ) -> Result<DestructionReport, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some(list) = list_in_tx(&mut tx, id).await? else {
            return Err(StoreError::NotFound(format!("danh sách tiêu hủy {id}")));
        };
        if list.state != "approved" {
            return Err(StoreError::Conflict {
                code: "destruction_not_approved",
                detail: format!(
                    "Danh sách tiêu hủy chưa được phê duyệt (trạng thái \"{}\"): không xóa gì.",
                    list.state
                ),
            });
        }
        let codes: Vec<String> = on_tx!(&mut tx, |conn| {
            sqlx::query_scalar(
            "SELECT dossier_code FROM destruction_list_items WHERE list_id = $1 ORDER BY dossier_code"
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?
        });
        let mut report = DestructionReport {
            dossiers: codes.len() as i64,
            ..DestructionReport::default()
        };
        let mut hashes = std::collections::BTreeSet::new();
        for code in &codes {
            let rows: Vec<String> = on_tx!(&mut tx, |conn| {
                sqlx::query_scalar(
                "SELECT sha256 FROM dossier_documents WHERE dossier_code = $1 AND destroyed_at IS NULL"
            )
            .bind(code)
            .fetch_all(&mut *conn)
            .await?
            });
            report.documents += rows.len() as i64;
            hashes.extend(rows);
            on_tx!(&mut tx, |conn| {
                sqlx::query(
                "UPDATE dossier_documents SET destroyed_at = $2 WHERE dossier_code = $1 AND destroyed_at IS NULL"
            )
            .bind(code)
            .bind(at)
            .execute(&mut *conn)
            .await?
            .rows_affected()
            });
            on_tx!(&mut tx, |conn| sqlx::query(
                "UPDATE dossier_retention SET destroyed_at = $2, destruction_list_id = $3 \
                 WHERE dossier_code = $1"
            )
            .bind(code)
            .bind(at)
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected());
        }
        let lock = match &tx {
            Tx::Sqlite(_) => "SELECT sha256 FROM document_blobs WHERE sha256 = $1",
            Tx::Postgres(_) => "SELECT sha256 FROM document_blobs WHERE sha256 = $1 FOR UPDATE",
        };
        for sha in hashes {
            on_tx!(&mut tx, |conn| sqlx::query(lock)
                .bind(&sha)
                .fetch_optional(&mut *conn)
                .await?
                .is_some());
            let refs: i64 = on_tx!(&mut tx, |conn| {
                sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM dossier_documents WHERE sha256 = $1 AND destroyed_at IS NULL) \
                 + (SELECT COUNT(*) FROM wallet_items WHERE sha256 = $1)"
            )
            .bind(&sha)
            .fetch_one(&mut *conn)
            .await?
            });
            if refs > 0 {
                report.blobs_kept.push(sha);
                continue;
            }
            on_tx!(&mut tx, |conn| sqlx::query(
                "DELETE FROM document_blobs WHERE sha256 = $1"
            )
            .bind(&sha)
            .execute(&mut *conn)
            .await?
            .rows_affected());
            delete(sha.clone())
                .await
                .map_err(|e| StoreError::Config(format!("không xóa được nội dung {sha}: {e}")))?;
            report.blobs_deleted.push(sha);
        }
        on_tx!(&mut tx, |conn| sqlx::query(
            "UPDATE destruction_lists SET state = 'executed', executed_at = $2, blobs_deleted = $3 \
             WHERE id = $1"
        )
        .bind(id)
        .bind(at)
        .bind(report.blobs_deleted.len() as i64)
        .execute(&mut *conn)
        .await?
        .rows_affected());
        let entry = AuditEntry {
            action: "archive.destroyed".into(),
            subject: format!("destruction_list:{id}"),
            detail: serde_json::json!({
                "dossiers": codes, "documents": report.documents,
                "blobs_deleted": report.blobs_deleted, "blobs_kept": report.blobs_kept,
            })
            .to_string(),
            ..audit
        };
        append(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(report)
    }
}

async fn list_in_tx(tx: &mut Tx, id: Uuid) -> Result<Option<DestructionListRecord>, StoreError> {
    let sql = format!("{LIST_SELECT} WHERE id = $1");
    Ok(on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?))
}
