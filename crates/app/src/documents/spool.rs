//! The spool: where an upload is written and hashed before its row commits, and what a
//! crash left there, settled at start and hourly ([`BlobStore::recover_spool`]).

use super::BlobStore;
use super::blobs::io_error;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Spool files younger than this are not removed by [`BlobStore::recover_spool`] (nor
/// touched at all by a periodic pass): an upload in flight, here or on another node
/// sharing the folder, may still be writing one or about to commit its row.
pub const SPOOL_GRACE: Duration = Duration::from_secs(3600);

/// When [`BlobStore::recover_spool`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpoolPass {
    /// Before serving: no upload of this process is in flight, so content whose row
    /// committed is put in place whatever its age.
    Start,
    /// While serving: only files older than [`SPOOL_GRACE`] (a `keep` that failed).
    Periodic,
}

/// A spool file that is removed when dropped, unless it was moved into place.
pub(super) struct SpoolFile(pub(super) Option<PathBuf>);

impl SpoolFile {
    pub(super) fn path(&self) -> &Path {
        self.0.as_deref().unwrap_or(Path::new(""))
    }
    pub(super) fn disarm(&mut self) {
        self.0 = None;
    }
    /// Renames the complete, synced file to `to` (its hash in the name) and syncs the
    /// folder, so after a crash the name is there if the row is.
    pub(super) async fn seal(&mut self, to: PathBuf) -> std::io::Result<()> {
        tokio::fs::rename(self.path(), &to).await?;
        self.0 = Some(to.clone());
        tokio::task::spawn_blocking(move || sync_parent(&to))
            .await
            .map_err(io_error)?
    }
}

/// Makes a rename in the file's folder durable (a no-op where folders cannot be synced).
fn sync_parent(file: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    if let Some(dir) = file.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// What a file in the spool folder is, by its name.
#[derive(Debug, PartialEq, Eq)]
enum SpoolName {
    /// Still being written (or abandoned mid-way).
    Part,
    /// Complete, with this SHA-256.
    Staged(String),
    Other,
}

fn spool_name(name: &str) -> SpoolName {
    if name.ends_with(".part") {
        return SpoolName::Part;
    }
    let hash = name
        .strip_suffix(".staged")
        .and_then(|stem| stem.split_once('-'))
        .map(|(hash, _)| hash);
    match hash {
        Some(h) if h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) => {
            SpoolName::Staged(h.to_owned())
        }
        _ => SpoolName::Other,
    }
}

/// What [`BlobStore::recover_spool`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpoolRecovery {
    /// Staged content whose row exists, now in place.
    pub recovered: Vec<String>,
    /// Staged content with no row, or stored already.
    pub removed_staged: usize,
    /// Unfinished uploads.
    pub removed_parts: usize,
    /// Younger than the grace period, left for a later pass.
    pub left: usize,
    /// Could not be decided or moved (logged), left for a later pass.
    pub failed: usize,
}

fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    Ok(hex::encode(hasher.finalize()))
}

impl Drop for SpoolFile {
    fn drop(&mut self) {
        if let Some(path) = self.0.take()
            && let Err(err) = std::fs::remove_file(&path)
            && err.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(error = %err, path = %path.display(), "cannot remove a spool file");
        }
    }
}

impl BlobStore {
    /// Keeps staged content in the spool for a later request instead of dropping it (a
    /// form refused for another field keeps its files); the spool's grace period sweeps it
    /// if it is never claimed. Returns its file name there.
    pub fn hold(&self, mut staged: super::Staged) -> Option<String> {
        let name = staged.spool.path().file_name()?.to_str()?.to_owned();
        staged.spool.disarm();
        Some(name)
    }

    /// Held content again, while its file is still in the spool with its size. `name` must
    /// be a staged file of that hash in the spool folder, never a path.
    pub async fn reclaim(
        &self,
        name: &str,
        sha256: &str,
        size: u64,
        content_type: &'static str,
    ) -> Option<super::Staged> {
        let ours = matches!(spool_name(name), SpoolName::Staged(h) if h == sha256);
        if !ours || name.contains(['/', '\\']) {
            return None;
        }
        let path = self.spool.join(name);
        let found = tokio::fs::metadata(&path).await.ok()?;
        (found.is_file() && found.len() == size).then(|| super::Staged {
            sha256: sha256.to_owned(),
            size,
            content_type,
            spool: SpoolFile(Some(path)),
        })
    }

    /// Settles what a crash (or a failed [`keep`](Self::keep)) left in the spool folder:
    /// a staged file whose content has a row (`has_row`) but no blob is checked against
    /// its hash and put in place; the other staged files and unfinished uploads are
    /// removed once older than [`SPOOL_GRACE`] at `now`; other names are not touched.
    /// One log line per file and a summary.
    pub async fn recover_spool<F, Fut>(
        &self,
        has_row: F,
        now: SystemTime,
        pass: SpoolPass,
    ) -> SpoolRecovery
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = Result<bool, String>>,
    {
        let mut report = SpoolRecovery::default();
        let entries = match std::fs::read_dir(&self.spool) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return report,
            Err(e) => {
                tracing::warn!(error = %e, spool = %self.spool.display(), "cannot read the spool folder");
                report.failed += 1;
                return report;
            }
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t + SPOOL_GRACE < now);
            let remove = |what: &'static str| {
                let path = path.clone();
                async move {
                    match tokio::fs::remove_file(&path).await {
                        Ok(()) => {
                            tracing::info!(file = %path.display(), "removed {what} from the spool");
                            true
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, file = %path.display(), "cannot remove {what} from the spool");
                            false
                        }
                    }
                }
            };
            let sha256 = match spool_name(&name) {
                SpoolName::Other => continue,
                SpoolName::Part if !old => {
                    report.left += 1;
                    continue;
                }
                SpoolName::Part => {
                    match remove("an unfinished upload").await {
                        true => report.removed_parts += 1,
                        false => report.failed += 1,
                    }
                    continue;
                }
                SpoolName::Staged(_) if !old && pass == SpoolPass::Periodic => {
                    report.left += 1;
                    continue;
                }
                SpoolName::Staged(sha256) => sha256,
            };
            let wanted = match has_row(sha256.clone()).await {
                Ok(row) => row && !self.exists(&sha256).await,
                Err(e) => {
                    tracing::warn!(error = %e, sha256 = %sha256, "cannot tell whether staged content has a row");
                    report.failed += 1;
                    continue;
                }
            };
            if !wanted {
                if !old {
                    report.left += 1;
                } else if remove("staged content without a row (or stored already)").await {
                    report.removed_staged += 1;
                } else {
                    report.failed += 1;
                }
                continue;
            }
            let hashed = {
                let path = path.clone();
                tokio::task::spawn_blocking(move || hash_file(&path)).await
            };
            match hashed {
                Ok(Ok(found)) if found == sha256 => {}
                Ok(Ok(found)) => {
                    tracing::error!(sha256 = %sha256, found = %found, "staged content does not match its name");
                    match remove("corrupt staged content").await {
                        true => report.removed_staged += 1,
                        false => report.failed += 1,
                    }
                    continue;
                }
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, file = %path.display(), "cannot read staged content");
                    report.failed += 1;
                    continue;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot hash staged content");
                    report.failed += 1;
                    continue;
                }
            }
            match self.store_file(&sha256, &path).await {
                Ok(()) => {
                    // A copy to a remote store leaves the file; a rename did not.
                    if let Err(e) = tokio::fs::remove_file(&path).await
                        && e.kind() != std::io::ErrorKind::NotFound
                    {
                        tracing::warn!(error = %e, file = %path.display(), "cannot remove a spool file");
                    }
                    tracing::info!(sha256 = %sha256, "recovered a document whose row committed before its blob was stored");
                    report.recovered.push(sha256);
                }
                Err(e) => {
                    tracing::error!(error = %e, sha256 = %sha256, "cannot put staged content in place");
                    report.failed += 1;
                }
            }
        }
        if report != SpoolRecovery::default() {
            tracing::info!(
                recovered = report.recovered.len(),
                removed_staged = report.removed_staged,
                removed_parts = report.removed_parts,
                left = report.left,
                failed = report.failed,
                "spool recovery"
            );
        }
        report
    }
}

/// [`BlobStore::recover_spool`] against the store's blob rows (every row that refers to
/// content has one, written in the same transaction).
pub async fn recover_spool(
    blobs: &BlobStore,
    store: &motcua_store::Store,
    pass: SpoolPass,
) -> SpoolRecovery {
    blobs
        .recover_spool(
            |sha256| async move {
                store
                    .blob(&sha256)
                    .await
                    .map(|row| row.is_some())
                    .map_err(|e| e.to_string())
            },
            SystemTime::now(),
            pass,
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::blobs::READ_CHUNK;
    use crate::documents::testing::{chunks, memory_store, pdf, read_all};

    #[test]
    fn spool_files_are_known_by_their_names() {
        let sha = "ab".repeat(32);
        assert_eq!(spool_name("0190-aa.part"), SpoolName::Part);
        assert_eq!(
            spool_name(&format!("{sha}-0190e4c1-7b2a.staged")),
            SpoolName::Staged(sha.clone())
        );
        for other in [
            format!("{sha}.staged"),
            format!("{}-x.staged", "AB".repeat(32)),
            format!("{}-x.staged", "ab".repeat(31)),
            format!("{sha}-x.stage"),
            "notes.txt".into(),
        ] {
            assert_eq!(spool_name(&other), SpoolName::Other, "{other}");
        }
    }

    fn spool_names(spool: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(spool)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// When every file here is past the grace period.
    fn later() -> SystemTime {
        SystemTime::now() + 2 * SPOOL_GRACE
    }

    /// What a crash leaves, settled the same way on local disk and a generic object store.
    async fn recovery(store: BlobStore, spool: &Path) {
        // A complete upload is staged under its hash before its row would commit.
        let committed = pdf(READ_CHUNK + 5);
        let staged = store
            .receive(chunks(committed.clone(), 4096), None)
            .await
            .unwrap();
        let sha = staged.sha256.clone();
        assert_eq!(
            spool_names(spool)
                .iter()
                .map(|n| spool_name(n))
                .collect::<Vec<_>>(),
            vec![SpoolName::Staged(sha.clone())]
        );
        // The process dies after the row committed, before `keep`.
        std::mem::forget(staged);
        // Bytes the system made, staged and then abandoned with no row.
        let orphan = store
            .stage_bytes(b"{\"receipt\": 1}".to_vec(), "application/json")
            .await
            .unwrap();
        let orphan_sha = orphan.sha256.clone();
        std::mem::forget(orphan);
        // Content that is stored already, staged again.
        let dup = pdf(10);
        let first = store.receive(chunks(dup.clone(), 3), None).await.unwrap();
        let dup_sha = first.sha256.clone();
        store.keep(first).await.unwrap();
        std::mem::forget(store.receive(chunks(dup.clone(), 3), None).await.unwrap());
        // A staged file whose bytes are not what its name says.
        let bad_sha = hex::encode(Sha256::digest(b"other"));
        std::fs::write(spool.join(format!("{bad_sha}-x.staged")), b"%PDF-1.7 bad").unwrap();
        // An upload cut off mid-way, and someone else's file.
        std::fs::write(spool.join("0190-half.part"), b"%PDF-1.7 half").unwrap();
        std::fs::write(spool.join("notes.txt"), b"keep me").unwrap();
        let rows = [sha.clone(), dup_sha.clone(), bad_sha.clone()];
        let has_row = |s: String| {
            let found = rows.contains(&s);
            async move { Ok::<_, String>(found) }
        };

        // While serving, young files may be a live upload's: none is touched.
        let live = store
            .recover_spool(has_row, SystemTime::now(), SpoolPass::Periodic)
            .await;
        assert_eq!(
            live,
            SpoolRecovery {
                left: 5,
                ..SpoolRecovery::default()
            }
        );
        assert!(!store.exists(&sha).await);
        // At start, within the grace period, only what has a row is put in place.
        let young = store
            .recover_spool(has_row, SystemTime::now(), SpoolPass::Start)
            .await;
        assert_eq!(young.recovered, vec![sha.clone()]);
        assert_eq!(young.removed_staged, 1, "the corrupt one: {young:?}");
        assert_eq!((young.removed_parts, young.left, young.failed), (0, 3, 0));
        assert_eq!(read_all(&store, &sha).await.unwrap(), committed);
        assert!(!store.exists(&bad_sha).await);
        assert_eq!(spool_names(spool).len(), 4);

        // When the store cannot answer, nothing staged is touched.
        let unsure = store
            .recover_spool(
                |_| async { Err::<bool, _>("down".to_string()) },
                later(),
                SpoolPass::Start,
            )
            .await;
        assert_eq!((unsure.failed, unsure.removed_parts), (2, 1));
        assert_eq!(spool_names(spool).len(), 3);

        // Past it the rest goes; other names stay.
        let old = store
            .recover_spool(has_row, later(), SpoolPass::Periodic)
            .await;
        assert_eq!(
            old,
            SpoolRecovery {
                removed_staged: 2,
                ..SpoolRecovery::default()
            }
        );
        assert_eq!(spool_names(spool), vec!["notes.txt".to_string()]);
        assert!(!store.exists(&orphan_sha).await);
        assert_eq!(read_all(&store, &dup_sha).await.unwrap(), dup);
        let mut listed = vec![sha, dup_sha];
        listed.sort();
        assert_eq!(store.list().await.unwrap(), listed);
    }

    #[tokio::test]
    async fn local_disk_recovery() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::local(dir.path(), 1 << 24).unwrap();
        recovery(store, &dir.path().join("tmp")).await;
    }

    #[tokio::test]
    async fn memory_recovery() {
        let dir = tempfile::tempdir().unwrap();
        let store = memory_store(dir.path());
        recovery(store, &dir.path().join("tmp")).await;
    }

    #[tokio::test]
    async fn a_failed_keep_leaves_the_staged_file_for_recovery() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::local(dir.path(), 1 << 24).unwrap();
        // A file where the address folders go makes the move fail.
        std::fs::write(dir.path().join("sha256"), b"").unwrap();
        let data = pdf(100);
        let staged = store.receive(chunks(data.clone(), 64), None).await.unwrap();
        let sha = staged.sha256.clone();
        assert!(store.keep(staged).await.is_err());
        assert_eq!(spool_names(&dir.path().join("tmp")).len(), 1);
        std::fs::remove_file(dir.path().join("sha256")).unwrap();
        // The hourly pass retries it once past the grace period.
        let has_row = |_| async { Ok::<_, String>(true) };
        let young = store
            .recover_spool(has_row, SystemTime::now(), SpoolPass::Periodic)
            .await;
        assert_eq!(young.left, 1);
        let report = store
            .recover_spool(has_row, later(), SpoolPass::Periodic)
            .await;
        assert_eq!(report.recovered, vec![sha.clone()]);
        assert_eq!(read_all(&store, &sha).await.unwrap(), data);
        assert_eq!(store.spool_files(), 0);
    }
}
