//! The archive: closed dossiers and their retention, packages written by
//! `motcua archive export`, and destruction lists that a province administrator must
//! approve before anything is deleted.
//!
//! Reading and deciding take the [`Principal`] who asks; exporting, proposing and
//! destroying are the operator's commands and take the audit entry they act under.

mod export;

pub use export::{MANIFEST_FORMAT, PackageSummary, export};

use crate::documents::BlobStore;
use crate::{App, AppError, AppResult, Principal};
use chrono::NaiveDate;
use motcua_domain::account::Role;
use motcua_domain::audit::AuditEntry;
use motcua_store::{
    ArchivePackageRecord, DestructionListRecord, DestructionReport, RetentionRecord, Store,
};
use std::sync::Arc;
use uuid::Uuid;

/// Province administrators and auditors read the archive.
fn reader(who: &Principal) -> AppResult<()> {
    who.require(&[Role::ProvinceAdmin, Role::Auditor])
}

fn list_not_found() -> AppError {
    AppError::not_found("not_found", "Không có danh sách tiêu hủy này.")
}

/// Closed dossiers not archived yet that closed before `before` (default: through today),
/// at most `limit`, oldest first.
pub async fn archivable(
    app: &App,
    who: &Principal,
    before: Option<NaiveDate>,
    limit: i64,
) -> AppResult<Vec<RetentionRecord>> {
    reader(who)?;
    let before = before.unwrap_or_else(|| crate::today_vn().succ_opt().unwrap_or_default());
    Ok(app.store.archivable(before, limit).await?)
}

/// Archive packages written, newest first.
pub async fn packages(app: &App, who: &Principal) -> AppResult<Vec<ArchivePackageRecord>> {
    reader(who)?;
    Ok(app.store.archive_packages().await?)
}

/// Destruction lists, newest first.
pub async fn destruction_lists(
    app: &App,
    who: &Principal,
) -> AppResult<Vec<DestructionListRecord>> {
    reader(who)?;
    Ok(app.store.destruction_lists().await?)
}

/// A destruction list with its records.
pub async fn destruction_list(
    app: &App,
    who: &Principal,
    id: &str,
) -> AppResult<(DestructionListRecord, Vec<RetentionRecord>)> {
    reader(who)?;
    let id = Uuid::parse_str(id).map_err(|_| list_not_found())?;
    let list = app
        .store
        .destruction_list(id)
        .await?
        .ok_or_else(list_not_found)?;
    let items = app.store.destruction_items(id).await?;
    Ok((list, items))
}

/// What the archive page shows: lists still open come with their records.
pub struct Overview {
    pub archivable: Vec<RetentionRecord>,
    pub packages: Vec<ArchivePackageRecord>,
    pub lists: Vec<(DestructionListRecord, Option<Vec<RetentionRecord>>)>,
}

/// Everything on the archive page, `limit` archivable dossiers at most.
pub async fn overview(app: &App, who: &Principal, limit: i64) -> AppResult<Overview> {
    let archivable = archivable(app, who, None, limit).await?;
    let packages = app.store.archive_packages().await?;
    let mut lists = Vec::new();
    for l in app.store.destruction_lists().await? {
        let items = if l.state == "proposed" || l.state == "approved" {
            Some(app.store.destruction_items(l.id).await?)
        } else {
            None
        };
        lists.push((l, items));
    }
    Ok(Overview {
        archivable,
        packages,
        lists,
    })
}

/// A province administrator approves (or rejects) a proposed destruction list; nothing is
/// deleted before approval, and then only by [`destroy`].
pub async fn decide(
    app: &App,
    who: &Principal,
    id: &str,
    approve: bool,
    note: Option<&str>,
) -> AppResult<DestructionListRecord> {
    who.require(&[Role::ProvinceAdmin])?;
    let id = Uuid::parse_str(id).map_err(|_| list_not_found())?;
    let note = note
        .map(|n| n.trim().chars().take(2000).collect::<String>())
        .filter(|n| !n.is_empty());
    let audit = who.audit(
        "archive.destruction_decided",
        "archive",
        serde_json::json!({}),
    );
    match app
        .store
        .decide_destruction(id, approve, note.as_deref(), crate::now(), audit)
        .await
    {
        Err(motcua_store::StoreError::NotFound(_)) => Err(list_not_found()),
        other => Ok(other?),
    }
}

/// Proposes a destruction list of archived records whose retention ended before `before`
/// (None when nothing qualifies).
pub async fn propose(
    store: &Store,
    before: NaiveDate,
    actor: &AuditEntry,
) -> AppResult<Option<(DestructionListRecord, Vec<RetentionRecord>)>> {
    let now = crate::now();
    let Some(list) = store
        .propose_destruction(
            before,
            now,
            AuditEntry {
                at: now,
                ..actor.clone()
            },
        )
        .await?
    else {
        return Ok(None);
    };
    let items = store.destruction_items(list.id).await?;
    Ok(Some((list, items)))
}

/// Carries out an approved list: refused (nothing deleted) unless approved.
pub async fn destroy(
    store: &Store,
    blobs: Arc<BlobStore>,
    list: Uuid,
    actor: &AuditEntry,
) -> AppResult<DestructionReport> {
    let now = crate::now();
    let deleter = move |sha: String| {
        let blobs = blobs.clone();
        Box::pin(async move { blobs.delete(&sha).await.map_err(|e| e.to_string()) })
            as std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send>>
    };
    Ok(store
        .execute_destruction(
            list,
            now,
            AuditEntry {
                at: now,
                ..actor.clone()
            },
            &deleter,
        )
        .await?)
}
