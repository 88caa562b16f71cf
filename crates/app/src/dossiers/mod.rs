//! Dossiers: submission, the queue, reading one, actions, documents, and the citizens'
//! public lookup and rating. The group-commit submitter and the due-soon bound are here;
//! the content-addressed document store is in [`crate::documents`].

pub(crate) mod access;
pub mod act;
pub mod applicant;
pub mod attach;
pub mod online;
pub mod public;
pub mod queue;
pub mod read;
pub mod submit;

pub use access::{allowed_actions, load_visible, not_found};

use crate::error::AppError;
use chrono::{DateTime, Utc};
use motcua_domain::calendar::{
    HolidayCalendar, WORKING_DAY_MINUTES, WorkingHours, add_working_time, to_vn_local,
};
use motcua_store::{Store, Submission, Submitted, utc};
use tokio::sync::{mpsc, oneshot};

/// Most submissions committed in one transaction.
pub const MAX_BATCH: usize = 256;

type Reply = oneshot::Sender<Result<Submitted, AppError>>;

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
                match store.submit_batch(&submissions).await {
                    Ok(results) => {
                        for (reply, result) in replies.into_iter().zip(results) {
                            let _ = reply.send(result.map_err(AppError::from));
                        }
                    }
                    Err(err) => {
                        tracing::error!(error = %err, size = submissions.len(), "submission batch failed");
                        let (full, unavailable) = (err.is_storage_full(), err.is_unavailable());
                        for reply in replies {
                            let failed = if full {
                                crate::error::storage_full()
                            } else if unavailable {
                                crate::error::storage_unavailable()
                            } else {
                                AppError::internal(err.to_string())
                            };
                            let _ = reply.send(Err(failed));
                        }
                    }
                }
            }
        });
        Submitter { queue }
    }

    pub async fn submit(&self, submission: Submission) -> Result<Submitted, AppError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((submission, reply))
            .await
            .map_err(|_| AppError::internal("the submission writer has stopped"))?;
        answer
            .await
            .map_err(|_| AppError::internal("the submission writer dropped a reply"))?
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

pub use crate::documents::{DocumentRejection, MAX_DOCUMENT_BYTES, sniff};
