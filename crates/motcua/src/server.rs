//! Binding and running the HTTP server, with graceful shutdown.

use motcua_app::jobs::reminders::ReminderSettings;
use motcua_app::jobs::{self, IDEMPOTENCY_RETENTION_DAYS, JobSettings};
use motcua_store::Store;
use motcua_web::{AppState, DemoAccount, WebConfig};
use std::net::SocketAddr;
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
    state
        .app
        .prepare()
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    jobs::recover_at_start(&state.app).await;
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let jobs = jobs::spawn(
        &state.app,
        JobSettings {
            idempotency_retention,
            reminders,
        },
    );
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

/// Ctrl-C, or SIGTERM on Unix.
pub async fn shutdown_signal() {
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
