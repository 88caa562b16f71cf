//! The audit chain: checking that no event was changed, deleted or inserted, and anchoring
//! its head outside the database with signed checkpoints.
//!
//! The chain alone cannot show a cut-off tail (the head moved back) or a chain rewritten and
//! re-sealed from some event on: both leave a valid chain. So the server writes, every few
//! minutes, a checkpoint (place, hash, time) signed with a key derived from the master key,
//! as one JSON line appended to a file in a folder of its own, which can be on other storage.
//! `verify` checks the chain against every checkpoint it finds there.

use crate::{App, AppError, AppResult, Principal};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer as _, Verifier as _};
use motcua_domain::account::Role;
use motcua_domain::audit::{ChainBreak, Checkpoint};
use motcua_store::AuditVerification;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The folder under the data folder where checkpoints go by default.
pub const CHECKPOINT_FOLDER: &str = "audit-checkpoints";
/// The file the server appends to; `verify` reads every `*.jsonl` file in the folder.
const CHECKPOINT_FILE: &str = "checkpoints.jsonl";

/// Where checkpoints are written, and the last place written (so an idle chain adds none).
pub struct CheckpointLog {
    folder: PathBuf,
    last_seq: tokio::sync::Mutex<Option<i64>>,
}

impl CheckpointLog {
    pub fn new(folder: PathBuf) -> CheckpointLog {
        CheckpointLog {
            folder,
            last_seq: tokio::sync::Mutex::new(None),
        }
    }
}

/// Re-hashes the whole chain and checks it against the signed checkpoints (province
/// administrators, auditors and the operator).
pub async fn verify_chain(app: &App, who: &Principal) -> Result<AuditVerification, AppError> {
    who.require(&[Role::ProvinceAdmin, Role::Auditor])?;
    verify_chain_at(app, &app.checkpoints.folder).await
}

/// Like [`verify_chain`], with the checkpoints of `folder` (the operator's command line).
pub async fn verify_chain_at(app: &App, folder: &Path) -> Result<AuditVerification, AppError> {
    let found = read_checkpoints(folder).map_err(AppError::internal)?;
    let mut valid = Vec::with_capacity(found.len());
    let mut forged = Vec::new();
    if !found.is_empty() {
        let key = checkpoint_key(app)?.verifying_key();
        for (file, line, parsed) in found {
            let holds = parsed.as_ref().is_some_and(|c| {
                B64.decode(&c.signature)
                    .ok()
                    .and_then(|bytes| Signature::from_slice(&bytes).ok())
                    .is_some_and(|sig| key.verify(&c.signed_bytes(), &sig).is_ok())
                    && c.province == app.province.code
            });
            match parsed {
                Some(checkpoint) if holds => valid.push(checkpoint),
                _ => forged.push(ChainBreak::ForgedCheckpoint { file, line }),
            }
        }
    }
    let mut report = app.store.verify_audit_chain_against(&valid).await?;
    report.breaks.extend(forged);
    Ok(report)
}

/// Appends a signed checkpoint of the chain's head, unless the head has not moved since the
/// last one; returns it. Synced to disk before it returns.
pub async fn write_checkpoint(app: &App) -> AppResult<Option<Checkpoint>> {
    let log = &app.checkpoints;
    let mut last_seq = log.last_seq.lock().await;
    if last_seq.is_none() {
        *last_seq = read_checkpoints(&log.folder)
            .map_err(AppError::internal)?
            .into_iter()
            .filter_map(|(_, _, c)| c.map(|c| c.seq))
            .max();
    }
    let (seq, hash) = app.store.audit_head().await?;
    if seq == 0 || last_seq.is_some_and(|last| last >= seq) {
        return Ok(None);
    }
    let mut checkpoint = Checkpoint {
        seq,
        hash,
        at: crate::now(),
        province: app.province.code.clone(),
        signature: String::new(),
    };
    let key = checkpoint_key(app)?;
    checkpoint.signature = B64.encode(key.sign(&checkpoint.signed_bytes()).to_bytes());
    let line = serde_json::to_string(&checkpoint).map_err(AppError::internal)? + "\n";
    let folder = log.folder.clone();
    tokio::task::spawn_blocking(move || append_synced(&folder, line.as_bytes()))
        .await
        .map_err(AppError::internal)?
        .map_err(|e| {
            if motcua_store::is_disk_full(&e) {
                crate::error::storage_full()
            } else {
                AppError::internal(e)
            }
        })?;
    *last_seq = Some(seq);
    Ok(Some(checkpoint))
}

fn checkpoint_key(app: &App) -> AppResult<ed25519_dalek::SigningKey> {
    let signer = app.signer.as_ref().ok_or_else(|| {
        AppError::unavailable(
            "signing_unavailable",
            "Hệ thống chưa có khóa chính nên không ký được điểm neo nhật ký.",
        )
    })?;
    signer
        .checkpoint_key()
        .map_err(|e| AppError::internal(e.to_string()))
}

fn append_synced(folder: &Path, line: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(folder)?;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(folder.join(CHECKPOINT_FILE))?;
    file.write_all(line)?;
    file.sync_all()
}

/// Every line of every `*.jsonl` file in `folder`, with its file and line number; None where
/// a line is not a checkpoint. No folder: none.
fn read_checkpoints(folder: &Path) -> std::io::Result<Vec<(String, usize, Option<Checkpoint>)>> {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let mut found = Vec::new();
    for path in files {
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let text = std::fs::read_to_string(&path)?;
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            found.push((name.clone(), i + 1, serde_json::from_str(line).ok()));
        }
    }
    Ok(found)
}
