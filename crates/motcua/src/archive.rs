//! `motcua archive …` and `motcua documents verify`, over `motcua_app::documents`: archive
//! packages, destruction lists that need a province administrator's approval, and
//! re-hashing every stored blob.

use anyhow::bail;
use chrono::NaiveDate;
use motcua_app::documents::{BlobStore, DocumentsConfig, archive, integrity};
use motcua_domain::audit::AuditEntry;
use motcua_store::{DestructionListRecord, DestructionReport, RetentionRecord, Store};
use std::path::Path;
use std::sync::Arc;

pub use archive::{MANIFEST_FORMAT, PackageSummary};
pub use integrity::VerifyReport;

/// Writes one archive package; see [`archive::export`].
pub async fn export(
    store: &Store,
    blobs: &BlobStore,
    before: NaiveDate,
    output: &Path,
    actor: &AuditEntry,
) -> anyhow::Result<Option<PackageSummary>> {
    Ok(archive::export(store, blobs, before, output, actor).await?)
}

/// Proposes a destruction list (None when nothing qualifies).
pub async fn propose(
    store: &Store,
    before: NaiveDate,
    actor: &AuditEntry,
) -> anyhow::Result<Option<(DestructionListRecord, Vec<RetentionRecord>)>> {
    Ok(archive::propose(store, before, actor).await?)
}

/// Carries out an approved list: refused (nothing deleted) unless approved.
pub async fn destroy(
    store: &Store,
    blobs: Arc<BlobStore>,
    list: uuid::Uuid,
    actor: &AuditEntry,
) -> anyhow::Result<DestructionReport> {
    Ok(archive::destroy(store, blobs, list, actor).await?)
}

/// Re-hashes every blob, records the outcome (corrupt ones are flagged), audits the run.
pub async fn verify_blobs(store: &Store, blobs: &BlobStore) -> anyhow::Result<VerifyReport> {
    Ok(integrity::verify_blobs(store, blobs).await?)
}

/// Opens the document store the way the server does.
pub fn open_blobs(
    data_dir: &Path,
    url: Option<String>,
    max_bytes: u64,
) -> anyhow::Result<Arc<BlobStore>> {
    let config = DocumentsConfig { url, max_bytes };
    match BlobStore::from_config(data_dir, &config) {
        Ok(b) => Ok(Arc::new(b)),
        Err(e) => bail!("cannot open the document store: {e}"),
    }
}
