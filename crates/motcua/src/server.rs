//! Binding and running the HTTP server, with graceful shutdown.

use crate::reminders::ReminderSettings;
use motcua_store::Store;
use motcua_web::documents::{BlobStore, SpoolPass, recover_spool};
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

/// Binds `addr` (port 0 picks a free port) and starts serving, without the reminder job.
pub async fn start(
    store: Store,
    addr: SocketAddr,
    config: WebConfig,
    demo_accounts: Vec<DemoAccount>,
) -> std::io::Result<RunningServer> {
    start_with(store, addr, config, demo_accounts, None).await
}

/// Like [`start`], and runs the reminder job when given its settings.
pub async fn start_with(
    store: Store,
    addr: SocketAddr,
    config: WebConfig,
    demo_accounts: Vec<DemoAccount>,
    reminders: Option<ReminderSettings>,
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
        match store.purge_expired(motcua_web::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "purged expired sessions and tokens"),
            Err(err) => tracing::warn!(error = %err, "purging expired sessions failed"),
        }
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
