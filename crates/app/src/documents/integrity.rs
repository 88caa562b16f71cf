//! Re-hashing every stored blob (`motcua documents verify`): what is corrupt, unreadable,
//! missing or stray, recorded and audited.

use crate::AppResult;
use crate::documents::{BlobCheck, BlobStore};
use motcua_domain::audit::AuditEntry;
use motcua_store::Store;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeSet;

/// What `documents verify` found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    pub checked: usize,
    pub intact: usize,
    /// (address, what the bytes hash to).
    pub corrupt: Vec<(String, String)>,
    pub unreadable: Vec<(String, String)>,
    /// Recorded in the database but not in the object store.
    pub missing: Vec<String>,
    /// In the object store under a name that is not a SHA-256.
    pub stray: Vec<String>,
}

impl VerifyReport {
    pub fn is_clean(&self) -> bool {
        self.corrupt.is_empty() && self.unreadable.is_empty() && self.missing.is_empty()
    }
}

/// Re-hashes every blob, records the outcome (corrupt ones are flagged), audits the run.
pub async fn verify_blobs(store: &Store, blobs: &BlobStore) -> AppResult<VerifyReport> {
    let listed = blobs.list().await.map_err(crate::AppError::internal)?;
    let mut report = VerifyReport::default();
    let mut checks = Vec::new();
    let known: BTreeSet<String> = store.blobs().await?.into_iter().map(|b| b.sha256).collect();
    let listed_set: BTreeSet<&String> = listed.iter().collect();
    for sha in &listed {
        if motcua_domain::document::parse_sha256(sha).as_deref() != Ok(sha.as_str()) {
            report.stray.push(sha.clone());
            continue;
        }
        report.checked += 1;
        match blobs.check(sha).await {
            BlobCheck::Intact => {
                report.intact += 1;
                checks.push((sha.clone(), true));
            }
            BlobCheck::Corrupt(found) => {
                report.corrupt.push((sha.clone(), found));
                checks.push((sha.clone(), false));
            }
            BlobCheck::Unreadable(why) => {
                report.unreadable.push((sha.clone(), why));
                checks.push((sha.clone(), false));
            }
        }
    }
    for sha in &known {
        if !listed_set.contains(sha) {
            report.missing.push(sha.clone());
            checks.push((sha.clone(), false));
        }
    }
    let now = crate::now();
    let audit = AuditEntry::system(
        now,
        "documents.verified",
        "documents",
        json!({
            "checked": report.checked, "intact": report.intact,
            "corrupt": report.corrupt.iter().map(|c| &c.0).collect::<Vec<_>>(),
            "unreadable": report.unreadable.iter().map(|c| &c.0).collect::<Vec<_>>(),
            "missing": report.missing,
        }),
    );
    store.record_blob_checks(&checks, now, audit).await?;
    Ok(report)
}
