//! Background jobs a server runs beside the requests: purging what has expired,
//! recovering the document spool, the programme's reminders and the staff's digest of
//! dossiers due soon. Every job is safe to
//! run on several nodes at once.

pub mod due_soon;
pub mod reminders;

use crate::App;
use crate::documents::{BlobStore, SpoolPass, recover_spool};
use motcua_store::Store;
use reminders::ReminderSettings;
use std::sync::Arc;
use tokio::task::JoinHandle;

/// How long an idempotency key is kept by default.
pub const IDEMPOTENCY_RETENTION_DAYS: u32 = 7;

/// Keys deleted per transaction, so the purge never holds the write lock for long.
pub const IDEMPOTENCY_PURGE_BATCH: i64 = 500;

/// How long a delivered outbox message is kept (the dossier page's "Tin đã gửi" shows it
/// until then; what the national portal holds is kept apart, in `national_sync`).
pub const DELIVERED_RETENTION_DAYS: i64 = 90;

/// Which of the optional jobs run.
#[derive(Clone, Default)]
pub struct JobSettings {
    /// Idempotency keys older than this are purged; never when None.
    pub idempotency_retention: Option<chrono::Duration>,
    /// The reminder job runs only when given its settings.
    pub reminders: Option<ReminderSettings>,
    /// How often the audit chain's head is checkpointed outside the database; never when None.
    pub audit_checkpoints: Option<std::time::Duration>,
    /// The national portal's delivery loop runs only when given its client.
    pub national_portal: Option<(
        crate::connectors::NationalPortal,
        crate::connectors::DeliverySettings,
    )>,
    /// The e-mail, SMS and Zalo delivery loop runs only when given its senders.
    pub messengers: Option<(
        crate::connectors::Messengers,
        crate::connectors::DeliverySettings,
    )>,
}

/// Before the first request: a document row must not point at bytes a crash left in
/// the spool.
pub async fn recover_at_start(app: &App) {
    if let Some(blobs) = &app.documents {
        recover_spool(blobs, &app.store, SpoolPass::Start).await;
    }
}

/// Starts every background job; abort the handles to stop them.
pub fn spawn(app: &App, settings: JobSettings) -> Vec<JoinHandle<()>> {
    let store = &app.store;
    let mut jobs = vec![
        tokio::spawn(purge_expired_periodically(store.clone())),
        tokio::spawn(purge_outbox_periodically(store.clone())),
    ];
    if let Some(retention) = settings.idempotency_retention {
        jobs.push(tokio::spawn(purge_idempotency_periodically(
            store.clone(),
            retention,
        )));
    }
    if let Some(blobs) = &app.documents {
        jobs.push(tokio::spawn(recover_spool_periodically(
            store.clone(),
            blobs.clone(),
        )));
    }
    if let Some(reminders) = settings.reminders {
        jobs.push(reminders::spawn(app.clone(), reminders));
    }
    if let Some((portal, delivery)) = settings.national_portal {
        jobs.push(crate::connectors::spawn_national(
            store.clone(),
            portal,
            delivery,
        ));
        jobs.push(crate::connectors::reconcile::spawn_daily(app.clone()));
    }
    if let Some((messengers, delivery)) = settings.messengers {
        jobs.push(crate::connectors::spawn_messengers(
            store.clone(),
            messengers,
            delivery,
        ));
    }
    if let Some(every) = settings.audit_checkpoints {
        jobs.push(tokio::spawn(checkpoint_periodically(app.clone(), every)));
    }
    jobs
}

/// Checkpoints the audit chain at start and then every `every` (only when it moved).
async fn checkpoint_periodically(app: App, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match crate::audit::write_checkpoint(&app).await {
            Ok(Some(c)) => tracing::debug!(seq = c.seq, "audit checkpoint written"),
            Ok(None) => {}
            Err(err) => tracing::error!(error = %err, "could not write an audit checkpoint"),
        }
    }
}

/// Expired sessions, tokens and form drafts go once an hour. Deleting is idempotent, so several
/// nodes may all do it.
async fn purge_expired_periodically(store: Store) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match store.purge_expired(crate::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "purged expired sessions and tokens"),
            Err(err) => tracing::warn!(error = %err, "purging expired sessions failed"),
        }
        match store.purge_expired_form_drafts(crate::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "purged expired form drafts"),
            Err(err) => tracing::warn!(error = %err, "purging expired form drafts failed"),
        }
    }
}

/// Delivered outbox messages past their retention go once an hour, the first time an hour
/// after start (a start is no reason to purge, and a test's messages on an earlier clock are
/// done with by then).
async fn purge_outbox_periodically(store: Store) {
    let hour = std::time::Duration::from_secs(3600);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + hour, hour);
    loop {
        tick.tick().await;
        match purge_delivered_messages(&store, crate::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "purged delivered outbox messages"),
            Err(err) => tracing::warn!(error = %err, "purging the outbox failed"),
        }
    }
}

/// Deletes the outbox messages delivered more than [`DELIVERED_RETENTION_DAYS`] before `now`,
/// one small transaction after another; returns how many went.
pub async fn purge_delivered_messages(
    store: &Store,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<u64, motcua_store::StoreError> {
    let before = now - chrono::Duration::days(DELIVERED_RETENTION_DAYS);
    in_batches(|| store.purge_delivered_messages(before, IDEMPOTENCY_PURGE_BATCH)).await
}

/// Runs `purge` (one small transaction deleting at most a batch) until a batch comes back
/// short, letting other work in between; returns how many rows went.
async fn in_batches<F, Fut>(purge: F) -> Result<u64, motcua_store::StoreError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<u64, motcua_store::StoreError>>,
{
    let mut total = 0;
    loop {
        let n = purge().await?;
        total += n;
        if n < IDEMPOTENCY_PURGE_BATCH as u64 {
            return Ok(total);
        }
        tokio::task::yield_now().await;
    }
}

/// Idempotency keys older than `retention` go every ten minutes, in small batches.
async fn purge_idempotency_periodically(store: Store, retention: chrono::Duration) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        match purge_idempotency_keys(&store, crate::now(), retention).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "purged expired idempotency keys"),
            Err(err) => tracing::warn!(error = %err, "purging idempotency keys failed"),
        }
    }
}

/// Deletes the idempotency keys made more than `retention` before `now`, one small
/// transaction after another (so submissions interleave); returns how many went.
pub async fn purge_idempotency_keys(
    store: &Store,
    now: chrono::DateTime<chrono::Utc>,
    retention: chrono::Duration,
) -> Result<u64, motcua_store::StoreError> {
    in_batches(|| store.purge_idempotency_keys(now - retention, IDEMPOTENCY_PURGE_BATCH)).await
}

/// Hourly after the pass at start: clears what the grace period spared and retries a
/// copy that failed after its row committed (say, S3 was down).
async fn recover_spool_periodically(store: Store, blobs: Arc<BlobStore>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    tick.tick().await;
    loop {
        tick.tick().await;
        recover_spool(&blobs, &store, SpoolPass::Periodic).await;
    }
}
