//! Documents: the content-addressed blob store, and the use cases around documents
//! (upload staging, digitisation, signature checks, the applicant's store, the archive).
//!
//! Blobs live under `sha256/<ab>/<sha256>` on a [`BlobBackend`]: local disk by default,
//! S3-compatible storage with the `s3` feature.
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

pub mod archive;
mod backend;
mod blobs;
pub mod integrity;
pub mod s3;
mod spool;
#[cfg(test)]
mod testing;
pub mod upload;
pub mod verify;
pub mod views;
pub mod wallet;

pub use backend::{BlobBackend, BlobError, LocalDisk, Memory};
pub use blobs::{
    BlobCheck, BlobStore, BlobStream, DocumentRejection, MAX_DOCUMENT_BYTES, ReadError, Staged,
    UploadError, sniff,
};
pub use spool::{SPOOL_GRACE, SpoolPass, SpoolRecovery, recover_spool};

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
