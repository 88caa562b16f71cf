//! Services behind the dossier API: the group-commit submitter, the due-soon bound,
//! and the content-addressed document store.

use chrono::{DateTime, Utc};
use motcua_domain::calendar::{
    HolidayCalendar, WORKING_DAY_MINUTES, WorkingHours, add_working_time, to_vn_local,
};
use motcua_store::{Store, StoreError, Submission, Submitted, utc};
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Most submissions committed in one transaction.
pub const MAX_BATCH: usize = 256;

type Reply = oneshot::Sender<Result<Submitted, StoreError>>;

/// Submissions go through one writer task per node that commits whatever has queued
/// up while the previous commit was running, in one transaction (group commit). Each
/// submission keeps its own code and audit events and is answered only after the commit.
pub struct Submitter {
    queue: mpsc::Sender<(Submission, Reply)>,
}

impl Submitter {
    /// Starts the writer task (needs a Tokio runtime).
    pub fn start(store: Store) -> Submitter {
        let (queue, mut incoming) = mpsc::channel::<(Submission, Reply)>(4 * MAX_BATCH);
        tokio::spawn(async move {
            while let Some(first) = incoming.recv().await {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match incoming.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                let (submissions, replies): (Vec<Submission>, Vec<Reply>) =
                    batch.into_iter().unzip();
                match store.submit_dossiers(&submissions).await {
                    Ok(results) => {
                        for (reply, result) in replies.into_iter().zip(results) {
                            let _ = reply.send(result);
                        }
                    }
                    Err(err) => {
                        tracing::error!(error = %err, size = submissions.len(), "submission batch failed");
                        for reply in replies {
                            let _ = reply.send(Err(StoreError::Config(err.to_string())));
                        }
                    }
                }
            }
        });
        Submitter { queue }
    }

    pub async fn submit(&self, submission: Submission) -> Result<Submitted, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((submission, reply))
            .await
            .map_err(|_| StoreError::Config("the submission writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Config("the submission writer dropped a reply".into()))?
    }
}

/// The instant one working day after `now` (default hours): the due-soon bound.
pub fn due_soon_bound(now: DateTime<Utc>, holidays: &HolidayCalendar) -> DateTime<Utc> {
    let local = to_vn_local(&now);
    utc(add_working_time(
        local,
        WORKING_DAY_MINUTES,
        &WorkingHours::default(),
        holidays,
    ))
}

/// Largest document accepted.
pub const MAX_DOCUMENT_BYTES: usize = 20 * 1024 * 1024;

/// Why a document was refused, with a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentRejection {
    Empty,
    TooLarge,
    UnsupportedType,
}

impl DocumentRejection {
    pub fn code(self) -> &'static str {
        match self {
            DocumentRejection::Empty => "empty_document",
            DocumentRejection::TooLarge => "document_too_large",
            DocumentRejection::UnsupportedType => "unsupported_document_type",
        }
    }
}

/// The type of a document from its first bytes: PDF, PNG or JPEG only.
pub fn sniff(bytes: &[u8]) -> Result<&'static str, DocumentRejection> {
    if bytes.is_empty() {
        return Err(DocumentRejection::Empty);
    }
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(DocumentRejection::TooLarge);
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

/// Documents under `DATA_DIR/documents`, addressed by SHA-256: `sha256/ab/abcdef…`.
pub struct DocumentStore {
    objects: Arc<dyn ObjectStore>,
}

/// A blob written under a temporary name, waiting for its row to commit.
pub struct PendingBlob {
    temp: ObjectPath,
    pub sha256: String,
}

impl DocumentStore {
    pub fn open(dir: &Path) -> std::io::Result<DocumentStore> {
        std::fs::create_dir_all(dir)?;
        let objects = LocalFileSystem::new_with_prefix(dir).map_err(std::io::Error::other)?;
        Ok(DocumentStore {
            objects: Arc::new(objects),
        })
    }

    fn final_path(sha256: &str) -> ObjectPath {
        ObjectPath::from(format!("sha256/{}/{}", &sha256[..2], sha256))
    }

    /// Writes the bytes under a temporary name.
    pub async fn stage(&self, bytes: Vec<u8>) -> Result<PendingBlob, object_store::Error> {
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let temp = ObjectPath::from(format!("tmp/{}", uuid::Uuid::now_v7()));
        self.objects.put(&temp, PutPayload::from(bytes)).await?;
        Ok(PendingBlob { temp, sha256 })
    }

    /// After the row committed: the blob takes its content address (the same content
    /// already there is the same bytes, so the copy just goes).
    pub async fn keep(&self, blob: PendingBlob) -> Result<(), object_store::Error> {
        let target = Self::final_path(&blob.sha256);
        match self.objects.head(&target).await {
            Ok(_) => self.objects.delete(&blob.temp).await,
            Err(_) => self.objects.rename(&blob.temp, &target).await,
        }
    }

    /// The row did not commit: no orphan blob stays behind.
    pub async fn discard(&self, blob: PendingBlob) {
        if let Err(err) = self.objects.delete(&blob.temp).await {
            tracing::warn!(error = %err, "cannot delete a staged document");
        }
    }

    pub async fn read(&self, sha256: &str) -> Result<Vec<u8>, object_store::Error> {
        let got = self.objects.get(&Self::final_path(sha256)).await?;
        Ok(got.bytes().await?.to_vec())
    }
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
        let big = vec![b'%'; MAX_DOCUMENT_BYTES + 1];
        assert_eq!(sniff(&big), Err(DocumentRejection::TooLarge));
    }
}
