//! The blob store: content by SHA-256 on a [`BlobBackend`], received through a spool file.

use super::DocumentsConfig;
use super::backend::{BlobBackend, BlobError, LocalDisk, Memory};
use super::spool::SpoolFile;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

/// Largest document accepted unless configured otherwise (`--max-document-mib`).
pub const MAX_DOCUMENT_BYTES: usize = 20 * 1024 * 1024;
/// Chunks read from disk when streaming a blob out.
pub(super) const READ_CHUNK: usize = 1024 * 1024;
/// The spool writer's buffer.
const WRITE_BUFFER: usize = 1024 * 1024;
/// Batches in flight between the request body and the spool writer.
const SPOOL_QUEUE: usize = 8;
/// Bytes gathered from the body before they go to the spool writer.
const BATCH_BYTES: usize = 256 * 1024;

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
    Store(#[from] BlobError),
}

/// Content received and hashed, waiting for its row to commit.
pub struct Staged {
    pub sha256: String,
    pub size: u64,
    pub content_type: &'static str,
    pub(super) spool: SpoolFile,
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
    backend: Box<dyn BlobBackend>,
    pub(super) spool: PathBuf,
    max_bytes: u64,
    description: String,
}

/// Where content lives in the backend: `sha256/<ab>/<sha256>`.
fn key(sha256: &str) -> String {
    format!("sha256/{}/{}", &sha256[..2], sha256)
}

pub(super) fn io_error(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

impl BlobStore {
    /// Local disk under `dir` (spool files in `dir/tmp`).
    pub fn local(dir: &Path, max_bytes: u64) -> std::io::Result<BlobStore> {
        std::fs::create_dir_all(dir)?;
        let dir = dir.canonicalize()?;
        Ok(BlobStore {
            spool: dir.join("tmp"),
            description: format!("file://{}", dir.display()),
            backend: Box::new(LocalDisk::new(dir)),
            max_bytes,
        })
    }

    /// Any backend, with spool files in `spool` on local disk.
    pub fn with_backend(
        backend: Box<dyn BlobBackend>,
        spool: &Path,
        max_bytes: u64,
        description: String,
    ) -> BlobStore {
        BlobStore {
            backend,
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
            return Ok(BlobStore::with_backend(
                Box::new(Memory::default()),
                &spool,
                config.max_bytes,
                "memory://".into(),
            ));
        }
        if let Some(rest) = url.strip_prefix("s3://") {
            return super::s3::open(rest, &spool, config.max_bytes);
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
    pub async fn keep(&self, mut staged: Staged) -> Result<(), BlobError> {
        let stored = self.store_file(&staged.sha256, staged.spool.path()).await;
        if stored.is_err() {
            staged.spool.disarm();
        }
        stored
    }

    /// Puts `file` (content `sha256`) at its address unless something is there already:
    /// renamed on local disk, copied elsewhere (the caller removes the file then).
    pub(super) async fn store_file(&self, sha256: &str, file: &Path) -> Result<(), BlobError> {
        let key = key(sha256);
        if self.backend.exists(&key).await {
            return Ok(());
        }
        self.backend.put_file(&key, file).await
    }

    /// The row did not commit: the spool file goes.
    pub async fn discard(&self, staged: Staged) {
        drop(staged);
    }

    pub async fn exists(&self, sha256: &str) -> bool {
        self.backend.exists(&key(sha256)).await
    }

    /// Streams a blob, re-hashing it: if the bytes are not what the address says, the
    /// stream ends with an error (so the response is cut short) and `on_corrupt` runs.
    pub async fn open(
        &self,
        sha256: &str,
        expected_size: Option<u64>,
        on_corrupt: impl FnOnce(String) + Send + 'static,
    ) -> Result<(u64, BlobStream), ReadError> {
        let (size, raw) = self.backend.get(&key(sha256)).await?;
        if let Some(expected) = expected_size
            && expected != size
        {
            on_corrupt(format!("size {size}, expected {expected}"));
            return Err(ReadError::WrongSize {
                expected,
                found: size,
            });
        }
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
    pub async fn list(&self) -> Result<Vec<String>, BlobError> {
        let mut out = self.backend.list("sha256").await?;
        out.sort();
        Ok(out)
    }

    /// Deletes a blob (already gone is fine).
    pub async fn delete(&self, sha256: &str) -> Result<(), BlobError> {
        self.backend.delete(&key(sha256)).await
    }

    /// Spool files left over (there should be none once uploads finish).
    pub fn spool_files(&self) -> usize {
        std::fs::read_dir(&self.spool).map_or(0, |d| d.count())
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
    // Fused: a consumer may poll once more after the end (the compression layer did, and
    // an unfused unfold panics there, ending the download empty).
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
    })
    .fuse())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::testing::{chunks, memory_store, pdf, round_trip};

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

    #[tokio::test]
    async fn local_disk_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::local(dir.path(), 1 << 24).unwrap();
        round_trip(store, &dir.path().join("tmp")).await;
    }

    #[tokio::test]
    async fn memory_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = memory_store(dir.path());
        round_trip(store, &dir.path().join("tmp")).await;
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
