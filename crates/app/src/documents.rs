//! The content-addressed document store: blobs in an object store (local disk by default,
//! S3-compatible with the `s3` feature) under `sha256/<ab>/<sha256>`.
//!
//! Uploads stream: the body goes to a spool file while it is hashed (SHA-256) and counted,
//! its type is sniffed from the first bytes, and only after the row committed does the
//! file take its content address (or go, when that content is stored already). A failed
//! or abandoned upload leaves nothing behind: the spool file is removed on drop.
//! Downloads stream too, and are re-hashed on the way out: other bytes than the address
//! says abort the response and flag the blob.
//!
//! A crash must not leave a row without its bytes: a spool file is `tmp/<random>.part`
//! while it is written, and once complete, synced and hashed it is renamed (durably)
//! to `tmp/<sha256>-<random>.staged` before its row commits. [`BlobStore::recover_spool`]
//! (at start and hourly) puts a staged file whose row exists into place and clears the rest.

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{GetResultPayload, ObjectStore, ObjectStoreExt, WriteMultipart};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::io::AsyncReadExt;

/// Largest document accepted unless configured otherwise (`--max-document-mib`).
pub const MAX_DOCUMENT_BYTES: usize = 20 * 1024 * 1024;
/// Chunks read from disk when streaming a blob out.
const READ_CHUNK: usize = 1024 * 1024;
/// The spool writer's buffer.
const WRITE_BUFFER: usize = 1024 * 1024;
/// Batches in flight between the request body and the spool writer.
const SPOOL_QUEUE: usize = 8;
/// Bytes gathered from the body before they go to the spool writer.
const BATCH_BYTES: usize = 256 * 1024;
/// Parts of a multipart upload to a remote object store.
const PART_BYTES: usize = 8 * 1024 * 1024;
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

/// Why a document was refused, with a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentRejection {
    Empty,
    TooLarge,
    UnsupportedType,
    /// The content does not have the SHA-256 the client announced.
    HashMismatch,
}

impl DocumentRejection {
    pub fn code(self) -> &'static str {
        match self {
            DocumentRejection::Empty => "empty_document",
            DocumentRejection::TooLarge => "document_too_large",
            DocumentRejection::UnsupportedType => "unsupported_document_type",
            DocumentRejection::HashMismatch => "hash_mismatch",
        }
    }
}

/// The type of a document from its first bytes: PDF, PNG or JPEG only. (The size limit
/// is enforced while streaming; see [`BlobStore::receive`].)
pub fn sniff(bytes: &[u8]) -> Result<&'static str, DocumentRejection> {
    if bytes.is_empty() {
        return Err(DocumentRejection::Empty);
    }
    if bytes.starts_with(b"%PDF-") {
        Ok("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok("image/jpeg")
    } else {
        Err(DocumentRejection::UnsupportedType)
    }
}

/// Bytes needed to decide a type.
const SNIFF_BYTES: usize = 8;

/// Where documents live and how large they may be.
#[derive(Debug, Clone)]
pub struct DocumentsConfig {
    /// None: `DATA_DIR/documents` on local disk. Otherwise `file:///path`, a plain path,
    /// `s3://bucket[/prefix]` (with the `s3` feature; credentials from the standard AWS
    /// environment variables) or `memory://` (tests only).
    pub url: Option<String>,
    pub max_bytes: u64,
}

impl Default for DocumentsConfig {
    fn default() -> Self {
        DocumentsConfig {
            url: None,
            max_bytes: MAX_DOCUMENT_BYTES as u64,
        }
    }
}

/// Why an upload failed.
#[derive(Debug)]
pub enum UploadError {
    Rejected(DocumentRejection),
    /// The client's body broke off (disconnect, bad chunking).
    Body(String),
    Io(std::io::Error),
}

impl From<std::io::Error> for UploadError {
    fn from(e: std::io::Error) -> Self {
        UploadError::Io(e)
    }
}

/// Why a blob could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("the blob is missing")]
    Missing,
    #[error("the blob has {found} bytes, not {expected}")]
    WrongSize { expected: u64, found: u64 },
    #[error("{0}")]
    Store(#[from] object_store::Error),
}

/// A spool file that is removed when dropped, unless it was moved into place.
struct SpoolFile(Option<PathBuf>);

impl SpoolFile {
    fn path(&self) -> &Path {
        self.0.as_deref().unwrap_or(Path::new(""))
    }
    fn disarm(&mut self) {
        self.0 = None;
    }
    /// Renames the complete, synced file to `to` (its hash in the name) and syncs the
    /// folder, so after a crash the name is there if the row is.
    async fn seal(&mut self, to: PathBuf) -> std::io::Result<()> {
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

/// Content received and hashed, waiting for its row to commit.
pub struct Staged {
    pub sha256: String,
    pub size: u64,
    pub content_type: &'static str,
    spool: SpoolFile,
}

/// A stream of a blob's bytes that fails at the end if they do not hash to the address.
pub type BlobStream = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

/// What re-hashing one blob found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobCheck {
    Intact,
    /// The bytes hash to this instead.
    Corrupt(String),
    Unreadable(String),
}

pub struct BlobStore {
    objects: Arc<dyn ObjectStore>,
    /// The folder behind a local object store: spool files are renamed into place.
    local_root: Option<PathBuf>,
    spool: PathBuf,
    max_bytes: u64,
    description: String,
}

fn object_path(sha256: &str) -> ObjectPath {
    ObjectPath::from(format!("sha256/{}/{}", &sha256[..2], sha256))
}

fn io_error(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

impl BlobStore {
    /// Local disk under `dir` (spool files in `dir/tmp`).
    pub fn local(dir: &Path, max_bytes: u64) -> std::io::Result<BlobStore> {
        std::fs::create_dir_all(dir)?;
        let dir = dir.canonicalize()?;
        let objects =
            object_store::local::LocalFileSystem::new_with_prefix(&dir).map_err(io_error)?;
        Ok(BlobStore {
            objects: Arc::new(objects),
            spool: dir.join("tmp"),
            description: format!("file://{}", dir.display()),
            local_root: Some(dir),
            max_bytes,
        })
    }

    /// Any object store, with spool files in `spool` on local disk.
    pub fn remote(
        objects: Arc<dyn ObjectStore>,
        spool: &Path,
        max_bytes: u64,
        description: String,
    ) -> BlobStore {
        BlobStore {
            objects,
            local_root: None,
            spool: spool.to_path_buf(),
            max_bytes,
            description,
        }
    }

    /// Opens the store the configuration names; `data_dir` holds the default local store
    /// and the spool for remote ones.
    pub fn from_config(data_dir: &Path, config: &DocumentsConfig) -> Result<BlobStore, String> {
        let default_dir = data_dir.join("documents");
        let spool = default_dir.join("tmp");
        let url = config.url.as_deref().map(str::trim).unwrap_or("");
        if url.is_empty() {
            return BlobStore::local(&default_dir, config.max_bytes).map_err(|e| e.to_string());
        }
        if let Some(path) = url.strip_prefix("file://") {
            return BlobStore::local(Path::new(path), config.max_bytes).map_err(|e| e.to_string());
        }
        if url == "memory://" {
            return Ok(BlobStore::remote(
                Arc::new(object_store::memory::InMemory::new()),
                &spool,
                config.max_bytes,
                "memory://".into(),
            ));
        }
        if let Some(rest) = url.strip_prefix("s3://") {
            return open_s3(rest, &spool, config.max_bytes);
        }
        if url.contains("://") {
            return Err(format!(
                "unknown documents URL {url}: use a path, file:///path or s3://bucket/prefix"
            ));
        }
        BlobStore::local(Path::new(url), config.max_bytes).map_err(|e| e.to_string())
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// Where the blobs are, for logs.
    pub fn describe(&self) -> &str {
        &self.description
    }

    fn new_spool_path(&self) -> PathBuf {
        self.spool.join(format!("{}.part", uuid::Uuid::now_v7()))
    }

    /// Unique even when two uploads of the same content are staged at once.
    fn staged_path(&self, sha256: &str) -> PathBuf {
        self.spool
            .join(format!("{sha256}-{}.staged", uuid::Uuid::now_v7()))
    }

    /// Streams a body into a spool file while hashing and counting it. Refuses, leaving
    /// nothing behind: an empty body, one over the size limit (as soon as it gets there),
    /// a type other than PDF/PNG/JPEG (from the first bytes), and content whose SHA-256
    /// is not `expected` when given.
    pub async fn receive<S, E>(
        &self,
        body: S,
        expected: Option<&str>,
    ) -> Result<Staged, UploadError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        tokio::fs::create_dir_all(&self.spool).await?;
        let path = self.new_spool_path();
        let spool = SpoolFile(Some(path.clone()));
        let (sender, mut chunks) = tokio::sync::mpsc::channel::<Bytes>(SPOOL_QUEUE);
        let writer = tokio::task::spawn_blocking(move || -> std::io::Result<String> {
            use std::io::Write;
            let file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)?;
            let mut out = std::io::BufWriter::with_capacity(WRITE_BUFFER, file);
            let mut hasher = Sha256::new();
            while let Some(chunk) = chunks.blocking_recv() {
                hasher.update(&chunk);
                out.write_all(&chunk)?;
            }
            let file = out.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
            Ok(hex::encode(hasher.finalize()))
        });
        let mut body = std::pin::pin!(body);
        let mut size: u64 = 0;
        let mut head: Vec<u8> = Vec::with_capacity(SNIFF_BYTES);
        let mut content_type: Option<&'static str> = None;
        let mut pending = bytes::BytesMut::with_capacity(BATCH_BYTES);
        let outcome: Result<(), UploadError> = async {
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| UploadError::Body(e.to_string()))?;
                if chunk.is_empty() {
                    continue;
                }
                size += chunk.len() as u64;
                if size > self.max_bytes {
                    return Err(UploadError::Rejected(DocumentRejection::TooLarge));
                }
                if content_type.is_none() {
                    let take = (SNIFF_BYTES - head.len()).min(chunk.len());
                    head.extend_from_slice(&chunk[..take]);
                    if head.len() >= SNIFF_BYTES {
                        content_type = Some(sniff(&head).map_err(UploadError::Rejected)?);
                    }
                }
                // Small network chunks are gathered, so the writer wakes once per batch.
                pending.extend_from_slice(&chunk);
                if pending.len() >= BATCH_BYTES
                    && sender.send(pending.split().freeze()).await.is_err()
                {
                    break;
                }
            }
            if !pending.is_empty() {
                let _ = sender.send(pending.split().freeze()).await;
            }
            Ok(())
        }
        .await;
        drop(sender);
        let written = writer.await.map_err(io_error)?;
        outcome?;
        let sha256 = written?;
        let content_type = match content_type {
            Some(t) => t,
            None => sniff(&head).map_err(UploadError::Rejected)?,
        };
        if let Some(expected) = expected
            && !expected.eq_ignore_ascii_case(&sha256)
        {
            return Err(UploadError::Rejected(DocumentRejection::HashMismatch));
        }
        let mut spool = spool;
        spool.seal(self.staged_path(&sha256)).await?;
        Ok(Staged {
            sha256,
            size,
            content_type,
            spool,
        })
    }

    /// Stages bytes the system made itself (a receipt), with their own type.
    pub async fn stage_bytes(
        &self,
        bytes: Vec<u8>,
        content_type: &'static str,
    ) -> std::io::Result<Staged> {
        tokio::fs::create_dir_all(&self.spool).await?;
        let path = self.new_spool_path();
        let mut spool = SpoolFile(Some(path.clone()));
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let size = bytes.len() as u64;
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            use std::io::Write;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)?;
            file.write_all(&bytes)?;
            file.sync_all()
        })
        .await
        .map_err(io_error)??;
        spool.seal(self.staged_path(&sha256)).await?;
        Ok(Staged {
            sha256,
            size,
            content_type,
            spool,
        })
    }

    /// Hashes a body without keeping it (verification by file), within the size limit.
    pub async fn hash_stream<S, E>(&self, body: S) -> Result<(String, u64), UploadError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        let mut body = std::pin::pin!(body);
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| UploadError::Body(e.to_string()))?;
            size += chunk.len() as u64;
            if size > self.max_bytes {
                return Err(UploadError::Rejected(DocumentRejection::TooLarge));
            }
            hasher.update(&chunk);
        }
        if size == 0 {
            return Err(UploadError::Rejected(DocumentRejection::Empty));
        }
        Ok((hex::encode(hasher.finalize()), size))
    }

    /// After the row committed: the spool file takes its content address, or goes when
    /// that content is stored already (the same address is the same bytes). When that
    /// fails the staged file stays, for [`BlobStore::recover_spool`] to retry.
    pub async fn keep(&self, mut staged: Staged) -> Result<(), object_store::Error> {
        let stored = self.store_file(&staged.sha256, staged.spool.path()).await;
        if stored.is_err() {
            staged.spool.disarm();
        }
        stored
    }

    /// Puts `file` (content `sha256`) at its address unless something is there already:
    /// renamed on local disk, copied elsewhere (the caller removes the file then).
    async fn store_file(&self, sha256: &str, file: &Path) -> Result<(), object_store::Error> {
        let target = object_path(sha256);
        if self.objects.head(&target).await.is_ok() {
            return Ok(());
        }
        match &self.local_root {
            Some(root) => {
                let dest = root.join("sha256").join(&sha256[..2]).join(sha256);
                let moved = async {
                    if let Some(parent) = dest.parent() {
                        tokio::fs::create_dir_all(parent).await?;
                    }
                    tokio::fs::rename(file, &dest).await
                }
                .await;
                match moved {
                    Ok(()) => Ok(()),
                    // Another pass put the same content there meanwhile.
                    Err(_) if tokio::fs::try_exists(&dest).await.unwrap_or(false) => Ok(()),
                    Err(e) => Err(object_store::Error::Generic {
                        store: "local",
                        source: Box::new(e),
                    }),
                }
            }
            None => {
                let upload = self.objects.put_multipart(&target).await?;
                let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
                let copied: Result<(), object_store::Error> = async {
                    let mut file = tokio::fs::File::open(file).await.map_err(generic)?;
                    let mut buffer = vec![0u8; READ_CHUNK];
                    loop {
                        let n = file.read(&mut buffer).await.map_err(generic)?;
                        if n == 0 {
                            break;
                        }
                        writer.wait_for_capacity(2).await?;
                        writer.write(&buffer[..n]);
                    }
                    Ok(())
                }
                .await;
                match copied {
                    Ok(()) => writer.finish().await.map(|_| ()),
                    Err(e) => {
                        let _ = writer.abort().await;
                        Err(e)
                    }
                }
            }
        }
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

    /// The row did not commit: the spool file goes.
    pub async fn discard(&self, staged: Staged) {
        drop(staged);
    }

    pub async fn exists(&self, sha256: &str) -> bool {
        self.objects.head(&object_path(sha256)).await.is_ok()
    }

    /// Streams a blob, re-hashing it: if the bytes are not what the address says, the
    /// stream ends with an error (so the response is cut short) and `on_corrupt` runs.
    pub async fn open(
        &self,
        sha256: &str,
        expected_size: Option<u64>,
        on_corrupt: impl FnOnce(String) + Send + 'static,
    ) -> Result<(u64, BlobStream), ReadError> {
        let got = match self.objects.get(&object_path(sha256)).await {
            Ok(got) => got,
            Err(object_store::Error::NotFound { .. }) => return Err(ReadError::Missing),
            Err(e) => return Err(ReadError::Store(e)),
        };
        let size = got.meta.size;
        if let Some(expected) = expected_size
            && expected != size
        {
            on_corrupt(format!("size {size}, expected {expected}"));
            return Err(ReadError::WrongSize {
                expected,
                found: size,
            });
        }
        let raw: BlobStream = match got.payload {
            GetResultPayload::File(file, _) => {
                Box::pin(tokio_util::io::ReaderStream::with_capacity(
                    tokio::fs::File::from_std(file),
                    READ_CHUNK,
                ))
            }
            GetResultPayload::Stream(s) => Box::pin(s.map(|r| r.map_err(io_error))),
        };
        Ok((size, verifying(raw, sha256.to_owned(), on_corrupt)))
    }

    /// Re-hashes one blob.
    pub async fn check(&self, sha256: &str) -> BlobCheck {
        let found = Arc::new(std::sync::Mutex::new(None::<String>));
        let seen = found.clone();
        let opened = self
            .open(sha256, None, move |f| {
                if let Ok(mut slot) = seen.lock() {
                    *slot = Some(f);
                }
            })
            .await;
        let (_, mut stream) = match opened {
            Ok(s) => s,
            Err(e) => return BlobCheck::Unreadable(e.to_string()),
        };
        while let Some(chunk) = stream.next().await {
            if let Err(e) = chunk {
                // The verifying stream reports a mismatch as its last item.
                return match found.lock().ok().and_then(|f| f.clone()) {
                    Some(other) => BlobCheck::Corrupt(other),
                    None => BlobCheck::Unreadable(e.to_string()),
                };
            }
        }
        BlobCheck::Intact
    }

    /// Every content address in the store.
    pub async fn list(&self) -> Result<Vec<String>, object_store::Error> {
        let prefix = ObjectPath::from("sha256");
        let mut listing = self.objects.list(Some(&prefix));
        let mut out = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta?;
            if let Some(name) = meta.location.filename() {
                out.push(name.to_owned());
            }
        }
        out.sort();
        Ok(out)
    }

    /// Deletes a blob (already gone is fine).
    pub async fn delete(&self, sha256: &str) -> Result<(), object_store::Error> {
        match self.objects.delete(&object_path(sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Spool files left over (there should be none once uploads finish).
    pub fn spool_files(&self) -> usize {
        std::fs::read_dir(&self.spool).map_or(0, |d| d.count())
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

fn generic(e: std::io::Error) -> object_store::Error {
    object_store::Error::Generic {
        store: "spool",
        source: Box::new(e),
    }
}

/// Wraps a stream so it is hashed as it goes. The last chunk is held back until the
/// whole content has hashed right: on a mismatch an error goes instead, so a client never
/// receives a complete copy of corrupt content (its length comes up short).
fn verifying(
    inner: BlobStream,
    sha256: String,
    on_corrupt: impl FnOnce(String) + Send + 'static,
) -> BlobStream {
    struct State {
        inner: BlobStream,
        hasher: Option<Sha256>,
        held: Option<Bytes>,
        sha256: String,
        on_corrupt: Option<Box<dyn FnOnce(String) + Send>>,
    }
    let state = State {
        inner,
        hasher: Some(Sha256::new()),
        held: None,
        sha256,
        on_corrupt: Some(Box::new(on_corrupt)),
    };
    Box::pin(futures_util::stream::unfold(state, |mut st| async move {
        loop {
            let hasher = st.hasher.as_mut()?;
            match st.inner.next().await {
                Some(Ok(chunk)) => {
                    if chunk.is_empty() {
                        continue;
                    }
                    hasher.update(&chunk);
                    match st.held.replace(chunk) {
                        Some(previous) => return Some((Ok(previous), st)),
                        None => continue,
                    }
                }
                Some(Err(e)) => {
                    st.hasher = None;
                    return Some((Err(e), st));
                }
                None => {
                    let found = hex::encode(st.hasher.take()?.finalize());
                    if found == st.sha256 {
                        return st.held.take().map(|last| (Ok(last), st));
                    }
                    tracing::error!(sha256 = %st.sha256, found = %found, "a stored document does not match its hash");
                    if let Some(hook) = st.on_corrupt.take() {
                        hook(found.clone());
                    }
                    st.held = None;
                    return Some((
                        Err(std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            format!("document {} is corrupt", st.sha256),
                        )),
                        st,
                    ));
                }
            }
        }
    }))
}

#[cfg(feature = "s3")]
fn open_s3(rest: &str, spool: &Path, max_bytes: u64) -> Result<BlobStore, String> {
    let (bucket, prefix) = match rest.split_once('/') {
        Some((b, p)) => (b, p.trim_matches('/')),
        None => (rest, ""),
    };
    if bucket.is_empty() {
        return Err("s3:// needs a bucket: s3://bucket/prefix".into());
    }
    let s3 = object_store::aws::AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .build()
        .map_err(|e| e.to_string())?;
    let objects: Arc<dyn ObjectStore> = if prefix.is_empty() {
        Arc::new(s3)
    } else {
        Arc::new(object_store::prefix::PrefixStore::new(s3, prefix))
    };
    Ok(BlobStore::remote(
        objects,
        spool,
        max_bytes,
        format!("s3://{bucket}/{prefix}"),
    ))
}

#[cfg(not(feature = "s3"))]
fn open_s3(_: &str, _: &Path, _: u64) -> Result<BlobStore, String> {
    Err("this motcua was built without S3 support: build it with `--features s3`".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_sniffed_by_their_first_bytes() {
        assert_eq!(sniff(b"%PDF-1.7 ..."), Ok("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Ok("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Ok("image/jpeg"));
        assert_eq!(sniff(b""), Err(DocumentRejection::Empty));
        assert_eq!(
            sniff(b"MZ\x90\x00"),
            Err(DocumentRejection::UnsupportedType)
        );
    }

    fn chunks(data: Vec<u8>, size: usize) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
        let parts: Vec<Result<Bytes, std::io::Error>> = data
            .chunks(size)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        futures_util::stream::iter(parts)
    }

    fn pdf(len: usize) -> Vec<u8> {
        let mut v = b"%PDF-1.7\n".to_vec();
        v.extend((0..len).map(|i| (i % 251) as u8));
        v
    }

    async fn read_all(store: &BlobStore, sha: &str) -> Result<Vec<u8>, std::io::Error> {
        let (_, mut s) = store.open(sha, None, |_| {}).await.unwrap();
        let mut out = Vec::new();
        while let Some(c) = s.next().await {
            out.extend_from_slice(&c?);
        }
        Ok(out)
    }

    /// The same behaviour on local disk and on a generic object store (in memory here,
    /// standing in for S3: the code path is the one S3 takes).
    async fn round_trip(store: BlobStore, spool: &Path) {
        let data = pdf(3 * READ_CHUNK + 17);
        let staged = store
            .receive(chunks(data.clone(), 7919), None)
            .await
            .unwrap();
        assert_eq!(staged.content_type, "application/pdf");
        assert_eq!(staged.size, data.len() as u64);
        let sha = staged.sha256.clone();
        assert_eq!(sha, hex::encode(Sha256::digest(&data)));
        assert!(!store.exists(&sha).await);
        store.keep(staged).await.unwrap();
        assert!(store.exists(&sha).await);
        assert_eq!(read_all(&store, &sha).await.unwrap(), data);
        // Again: deduplicated, the spool file goes.
        let again = store
            .receive(chunks(data.clone(), 4096), None)
            .await
            .unwrap();
        store.keep(again).await.unwrap();
        assert_eq!(store.list().await.unwrap(), vec![sha.clone()]);
        assert_eq!(store.check(&sha).await, BlobCheck::Intact);
        // Every refusal leaves no spool file.
        let refused = [
            (Vec::new(), None, DocumentRejection::Empty),
            (
                b"MZ\x90\x00\x03\x00\x00\x00\x04".to_vec(),
                None,
                DocumentRejection::UnsupportedType,
            ),
            (
                pdf(store.max_bytes() as usize),
                None,
                DocumentRejection::TooLarge,
            ),
            (
                pdf(10),
                Some("00".repeat(32)),
                DocumentRejection::HashMismatch,
            ),
        ];
        for (bytes, expected, why) in refused {
            match store
                .receive(chunks(bytes, 1000), expected.as_deref())
                .await
            {
                Err(UploadError::Rejected(r)) => assert_eq!(r, why),
                Err(e) => panic!("{e:?}"),
                Ok(_) => panic!("accepted {why:?}"),
            }
        }
        // A short PDF (fewer bytes than the sniffer wants) is still a PDF.
        let tiny = store
            .receive(chunks(b"%PDF-".to_vec(), 2), None)
            .await
            .unwrap();
        assert_eq!(tiny.content_type, "application/pdf");
        store.discard(tiny).await;
        // A body that breaks off.
        let broken = futures_util::stream::iter(vec![
            Ok(Bytes::from_static(b"%PDF-1.7 and then")),
            Err(std::io::Error::other("reset")),
        ]);
        assert!(matches!(
            store.receive(broken, None).await,
            Err(UploadError::Body(_))
        ));
        assert_eq!(std::fs::read_dir(spool).map_or(0, |d| d.count()), 0);
        store.delete(&sha).await.unwrap();
        assert!(!store.exists(&sha).await);
        store.delete(&sha).await.unwrap();
    }

    /// A generic object store (in memory, standing in for S3) with its spool in `dir/tmp`.
    fn memory_store(dir: &Path) -> BlobStore {
        BlobStore::remote(
            Arc::new(object_store::memory::InMemory::new()),
            &dir.join("tmp"),
            1 << 24,
            "memory://".into(),
        )
    }

    #[tokio::test]
    async fn local_disk_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::local(dir.path(), 1 << 24).unwrap();
        round_trip(store, &dir.path().join("tmp")).await;
    }

    #[tokio::test]
    async fn object_store_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = memory_store(dir.path());
        round_trip(store, &dir.path().join("tmp")).await;
    }

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
    async fn object_store_recovery() {
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

    #[tokio::test]
    async fn corrupt_blobs_fail_on_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::local(dir.path(), 1 << 24).unwrap();
        let data = pdf(READ_CHUNK * 2);
        let staged = store
            .receive(chunks(data.clone(), 65536), None)
            .await
            .unwrap();
        let sha = staged.sha256.clone();
        store.keep(staged).await.unwrap();
        let file = dir.path().join("sha256").join(&sha[..2]).join(&sha);
        let mut bad = data.clone();
        bad[READ_CHUNK + 3] ^= 0xFF;
        std::fs::write(&file, &bad).unwrap();
        let flagged = Arc::new(std::sync::Mutex::new(None));
        let seen = flagged.clone();
        let (_, mut s) = store
            .open(&sha, Some(data.len() as u64), move |found| {
                *seen.lock().unwrap() = Some(found);
            })
            .await
            .unwrap();
        let mut got = 0;
        let mut failed = false;
        while let Some(c) = s.next().await {
            match c {
                Ok(c) => got += c.len(),
                Err(e) => {
                    assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
                    failed = true;
                }
            }
        }
        assert!(failed);
        assert!(got < data.len(), "the last chunk is held back");
        assert!(flagged.lock().unwrap().is_some());
        assert!(matches!(store.check(&sha).await, BlobCheck::Corrupt(_)));
        // A truncated blob is caught before streaming.
        std::fs::write(&file, &data[..10]).unwrap();
        assert!(matches!(
            store.open(&sha, Some(data.len() as u64), |_| {}).await,
            Err(ReadError::WrongSize { .. })
        ));
    }
}
