//! Binding and running the HTTP server, with graceful shutdown.

use crate::reminders::ReminderSettings;
use motcua_app::documents::{BlobStore, SpoolPass, recover_spool};
use motcua_store::Store;
use motcua_web::{AppState, DemoAccount, WebConfig};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A server that is listening. Dropping it does not stop it; call `shutdown`.
pub struct RunningServer {
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
    jobs: Vec<JoinHandle<()>>,
}

impl RunningServer {
    /// Stops accepting, lets requests in flight finish, and waits.
    pub async fn shutdown(self) -> std::io::Result<()> {
        let _ = self.stop.send(());
        for job in &self.jobs {
            job.abort();
        }
        self.task
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }

    /// Runs until Ctrl-C or SIGTERM, then shuts down gracefully.
    pub async fn run_until_signal(self) -> std::io::Result<()> {
        shutdown_signal().await;
        tracing::info!("shutting down");
        self.shutdown().await
    }
}

/// How long an idempotency key is kept by default.
pub const IDEMPOTENCY_RETENTION_DAYS: u32 = 7;

/// Keys deleted per transaction, so the purge never holds the write lock for long.
pub const IDEMPOTENCY_PURGE_BATCH: i64 = 500;

/// Binds `addr` (port 0 picks a free port) and starts serving, without the reminder job.
pub async fn start(
    store: Store,
    addr: SocketAddr,
    config: WebConfig,
    demo_accounts: Vec<DemoAccount>,
) -> std::io::Result<RunningServer> {
    let retention = Some(chrono::Duration::days(IDEMPOTENCY_RETENTION_DAYS.into()));
    start_with(store, addr, config, demo_accounts, None, retention).await
}

/// Like [`start`], and runs the reminder job when given its settings; idempotency keys
/// older than `idempotency_retention` are purged (never when None).
pub async fn start_with(
    store: Store,
    addr: SocketAddr,
    config: WebConfig,
    demo_accounts: Vec<DemoAccount>,
    reminders: Option<ReminderSettings>,
    idempotency_retention: Option<chrono::Duration>,
) -> std::io::Result<RunningServer> {
    let state = AppState::new(store.clone(), config, demo_accounts);
    // Refuse to run with a master key that cannot open the stored signing keys.
    if let Some(signer) = &state.signer {
        signer
            .check(&store)
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))?;
    }
    // A document row must not point at bytes a crash left in the spool.
    if let Some(blobs) = &state.documents {
        recover_spool(blobs, &store, SpoolPass::Start).await;
    }
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let mut jobs = vec![tokio::spawn(purge_expired_periodically(store.clone()))];
    if let Some(retention) = idempotency_retention {
        jobs.push(tokio::spawn(purge_idempotency_periodically(
            store.clone(),
            retention,
        )));
    }
    if let Some(blobs) = &state.documents {
        jobs.push(tokio::spawn(recover_spool_periodically(
            store.clone(),
            blobs.clone(),
        )));
    }
    if let Some(settings) = reminders {
        jobs.push(crate::reminders::spawn(store.clone(), settings));
    }
    // The catalogue index is built before the first request.
    state.catalogue.refresh(&store).await;
    let app = motcua_web::router(state);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = stopped.await;
        })
        .await
    });
    Ok(RunningServer {
        addr,
        stop,
        task,
        jobs,
    })
}

/// Expired sessions and tokens go once an hour. Deleting is idempotent, so several
/// nodes may all do it.
async fn purge_expired_periodically(store: Store) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match store.purge_expired(motcua_app::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "purged expired sessions and tokens"),
            Err(err) => tracing::warn!(error = %err, "purging expired sessions failed"),
        }
    }
}

/// Idempotency keys older than `retention` go every ten minutes, in small batches.
async fn purge_idempotency_periodically(store: Store, retention: chrono::Duration) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        match purge_idempotency_keys(&store, motcua_app::now(), retention).await {
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
    let mut total = 0;
    loop {
        let n = store
            .purge_idempotency_keys(now - retention, IDEMPOTENCY_PURGE_BATCH)
            .await?;
        total += n;
        if n < IDEMPOTENCY_PURGE_BATCH as u64 {
            return Ok(total);
        }
        tokio::task::yield_now().await;
    }
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

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
