//! Archive packages (`motcua archive export`): a folder with a JSON manifest, the files
//! named by their SHA-256, signatures and statements, written for every closed dossier
//! not archived yet.

use crate::documents::BlobStore;
use crate::{AppError, AppResult};
use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::audit::AuditEntry;
use motcua_store::{NewArchivePackage, Store};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

/// The manifest's format tag.
pub const MANIFEST_FORMAT: &str = "motcua-archive/1";

/// A package written by [`export`].
#[derive(Debug, Clone, Serialize)]
pub struct PackageSummary {
    pub id: uuid::Uuid,
    pub path: PathBuf,
    pub dossiers: usize,
    pub documents: usize,
    pub files: usize,
    pub bytes: u64,
    pub manifest_sha256: String,
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.with_timezone(&motcua_domain::calendar::VN_OFFSET)
        .to_rfc3339()
}

fn local(t: chrono::NaiveDateTime) -> String {
    motcua_domain::calendar::from_vn_local(t).to_rfc3339()
}

/// An internal failure, with what was being done.
fn failed(what: String) -> impl FnOnce(std::io::Error) -> AppError {
    move |e| AppError::internal(format!("{what}: {e}"))
}

fn io(e: std::io::Error) -> AppError {
    AppError::internal(e)
}

/// Copies a blob into `dest`, re-hashing it on the way; fails on other bytes.
async fn copy_blob(blobs: &BlobStore, sha256: &str, size: i64, dest: &Path) -> AppResult<u64> {
    use futures_util::StreamExt;
    let (_, mut stream) = blobs
        .open(sha256, Some(size.max(0) as u64), |_| {})
        .await
        .map_err(|e| AppError::internal(format!("cannot read document {sha256}: {e}")))?;
    let mut file = tokio::fs::File::create(dest).await.map_err(io)?;
    let mut written = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(failed(format!("document {sha256} is corrupt")))?;
        written += chunk.len() as u64;
        file.write_all(&chunk).await.map_err(io)?;
    }
    file.sync_all().await.map_err(io)?;
    Ok(written)
}

/// Writes one archive package of every closed dossier not archived yet that closed before
/// `before`, then marks them archived. Idempotent: archived dossiers are skipped, and with
/// nothing to archive nothing is written (None). The package is assembled under a hidden
/// name and renamed into place only when complete.
pub async fn export(
    store: &Store,
    blobs: &BlobStore,
    before: NaiveDate,
    output: &Path,
    actor: &AuditEntry,
) -> AppResult<Option<PackageSummary>> {
    store.backfill_retention().await?;
    let candidates = store.archivable(before, i64::MAX).await?;
    if candidates.is_empty() {
        return Ok(None);
    }
    let now = crate::now();
    let id = uuid::Uuid::now_v7();
    let name = format!("motcua-archive-{before}-{id}");
    std::fs::create_dir_all(output)
        .map_err(failed(format!("cannot create {}", output.display())))?;
    let partial = output.join(format!(".{name}.partial"));
    let files_dir = partial.join("files");
    tokio::fs::create_dir_all(&files_dir).await.map_err(io)?;
    let result = async {
        let mut copied: BTreeMap<String, u64> = BTreeMap::new();
        let mut agencies: BTreeSet<String> = BTreeSet::new();
        let mut dossiers = Vec::new();
        let mut documents = 0usize;
        for r in &candidates {
            let record = store.dossier(&r.dossier_code).await?.ok_or_else(|| {
                AppError::internal(format!("dossier {} vanished", r.dossier_code))
            })?;
            let d = &record.dossier;
            let signatures = store.signatures_for_dossier(&r.dossier_code).await?;
            let mut docs = Vec::new();
            for doc in store.documents(&r.dossier_code).await? {
                if doc.destroyed_at.is_some() {
                    continue;
                }
                if !copied.contains_key(&doc.sha256) {
                    let n = copy_blob(
                        blobs,
                        &doc.sha256,
                        doc.size_bytes,
                        &files_dir.join(&doc.sha256),
                    )
                    .await?;
                    copied.insert(doc.sha256.clone(), n);
                }
                let sigs: Vec<Value> = signatures
                    .iter()
                    .filter(|s| s.document_id == doc.id)
                    .map(|s| {
                        agencies.insert(s.agency_code.clone());
                        json!({
                            "kind": s.kind, "agency_code": s.agency_code,
                            "signed_at": rfc3339(s.signed_at), "statement": s.statement,
                            "signature": s.signature, "algorithm": "Ed25519",
                        })
                    })
                    .collect();
                documents += 1;
                docs.push(json!({
                    "id": doc.id, "name": doc.name, "kind": doc.kind, "origin": doc.origin,
                    "component": doc.component, "content_type": doc.content_type,
                    "size_bytes": doc.size_bytes, "sha256": doc.sha256,
                    "file": format!("files/{}", doc.sha256),
                    "uploaded_by": doc.uploaded_by, "uploaded_at": rfc3339(doc.uploaded_at),
                    "digitised_by": doc.digitised_by,
                    "digitised_at": doc.digitised_at.map(rfc3339),
                    "signatures": sigs,
                }));
            }
            let events: Vec<Value> = store
                .dossier_events(&r.dossier_code)
                .await?
                .into_iter()
                .map(|e| {
                    json!({
                        "seq": e.seq, "at": rfc3339(e.at), "actor": e.actor,
                        "actor_role": e.actor_role, "agency_code": e.agency_code,
                        "action": e.action, "from": e.from_state, "to": e.to_state,
                        "step": e.step, "data": e.data,
                    })
                })
                .collect();
            dossiers.push(json!({
                "code": r.dossier_code,
                "procedure_code": record.procedure_code,
                "procedure_name": record.procedure_name,
                "procedure_version": record.procedure_version_no,
                "state": d.state.as_str(),
                "national_status": u8::from(d.state.national_status()),
                "channel": d.channel.as_str(),
                "receiving_agency": d.receiving_agency.as_str(),
                "handling_agency": d.handling_agency.as_str(),
                "applicant": record.applicant,
                "submitted_at": local(d.submitted_at),
                "received_at": d.received_at.map(local),
                "due_at": d.due_at.map(local),
                "finished_at": d.finished_at.map(local),
                "returned_at": d.returned_at.map(local),
                "result": d.result,
                "closed_on": r.closed_on,
                "retention_years": r.retention_years,
                "archive_after": r.archive_after,
                "documents": docs,
                "events": events,
            }));
        }
        let mut keys = BTreeMap::new();
        for code in &agencies {
            if let Some(k) = store.signing_key(code).await? {
                keys.insert(
                    code.clone(),
                    json!({ "algorithm": "Ed25519", "public_key": k.public_key }),
                );
            }
        }
        let bytes: u64 = copied.values().sum();
        let manifest = json!({
            "format": MANIFEST_FORMAT,
            "package_id": id,
            "created_at": rfc3339(now),
            "created_by": actor.actor,
            "closed_before": before,
            "signing_keys": keys,
            "files": copied.iter().map(|(sha, size)| json!({
                "path": format!("files/{sha}"), "sha256": sha, "size_bytes": size,
            })).collect::<Vec<_>>(),
            "dossiers": dossiers,
        });
        let text = serde_json::to_vec_pretty(&manifest).map_err(AppError::internal)?;
        let manifest_sha = hex::encode(Sha256::digest(&text));
        tokio::fs::write(partial.join("manifest.json"), &text)
            .await
            .map_err(io)?;
        tokio::fs::write(
            partial.join("manifest.json.sha256"),
            format!("{manifest_sha}  manifest.json\n"),
        )
        .await
        .map_err(io)?;
        AppResult::Ok((documents, copied.len(), bytes, manifest_sha))
    }
    .await;
    let (documents, files, bytes, manifest_sha256) = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = tokio::fs::remove_dir_all(&partial).await;
            return Err(e);
        }
    };
    let path = output.join(&name);
    tokio::fs::rename(&partial, &path).await.map_err(io)?;
    let codes: Vec<String> = candidates.iter().map(|r| r.dossier_code.clone()).collect();
    let package = NewArchivePackage {
        id,
        before_date: before,
        location: path.display().to_string(),
        dossier_codes: codes.clone(),
        documents: documents as i64,
        bytes: bytes as i64,
        manifest_sha256: manifest_sha256.clone(),
        at: now,
    };
    store
        .record_archive_package(
            &package,
            AuditEntry {
                at: now,
                ..actor.clone()
            },
        )
        .await?;
    Ok(Some(PackageSummary {
        id,
        path,
        dossiers: codes.len(),
        documents,
        files,
        bytes,
        manifest_sha256,
    }))
}
