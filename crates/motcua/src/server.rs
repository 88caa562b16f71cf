//! Binding and running the HTTP server, with graceful shutdown.

use motcua_app::jobs::reminders::ReminderSettings;
use motcua_app::jobs::{self, IDEMPOTENCY_RETENTION_DAYS, JobSettings};
use motcua_store::Store;
use motcua_web::{AppState, DemoAccount, Timeouts, WebConfig};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A server that is listening. Dropping it does not stop it; call `shutdown`.
pub struct RunningServer {
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
    jobs: Vec<JoinHandle<()>>,
    app: motcua_app::App,
}

impl RunningServer {
    /// The application the server runs (for jobs a test drives itself).
    pub fn app(&self) -> &motcua_app::App {
        &self.app
    }

    /// Stops accepting, lets requests in flight finish, and waits.
    pub async fn shutdown(self) -> std::io::Result<()> {
        let _ = self.stop.send(());
        for job in &self.jobs {
            job.abort();
        }
        let served = self
            .task
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)));
        // Anchor everything done up to the stop.
        if let Err(err) = motcua_app::audit::write_checkpoint(&self.app).await {
            tracing::error!(error = %err, "could not write the audit checkpoint at shutdown");
        }
        served
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
    let national_portal = match state.config.national_portal.clone() {
        Some(config) if state.config.deliver_outbox => Some((
            motcua_app::connectors::NationalPortal::new(config).map_err(std::io::Error::other)?,
            motcua_app::connectors::DeliverySettings::default(),
        )),
        _ => None,
    };
    // In-app messages alone are the reminder job's to deliver; the loop starts with a
    // channel to the outside.
    let messengers = &state.config.messengers;
    let messengers =
        (state.config.deliver_outbox && !messengers.channels().is_empty()).then(|| {
            (
                messengers.clone(),
                motcua_app::connectors::DeliverySettings::default(),
            )
        });
    let jobs = jobs::spawn(
        &state.app,
        JobSettings {
            idempotency_retention,
            reminders,
            audit_checkpoints: state.config.audit_checkpoint_every,
            national_portal,
            messengers,
        },
    );
    let timeouts = state.config.timeouts;
    let application = state.app.clone();
    let app = motcua_web::router(state);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, app, timeouts, stopped));
    Ok(RunningServer {
        addr,
        stop,
        task,
        jobs,
        app: application,
    })
}

/// Accepts HTTP/1.1 connections until `stopped`, then lets requests in flight finish for at
/// most the shutdown deadline and cuts whatever is still open. Hand-rolled rather than
/// `axum::serve` because that offers neither a header-read timeout nor a deadline: a client
/// holding half a header kept the server from stopping for minutes.
async fn serve(
    listener: TcpListener,
    app: axum::Router,
    timeouts: Timeouts,
    stopped: oneshot::Receiver<()>,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::Service;
    let mut make_service = app.into_make_service_with_connect_info::<SocketAddr>();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(timeouts.header_read);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut connections = tokio::task::JoinSet::new();
    let mut stopped = std::pin::pin!(stopped);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (socket, remote) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors and the like: wait rather than spin.
                        tracing::warn!(error = %e, "could not accept a connection");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        continue;
                    }
                };
                let _ = socket.set_nodelay(true);
                let Ok(service) = make_service.call(remote).await;
                let connection = http.serve_connection(
                    TokioIo::new(socket),
                    hyper_util::service::TowerToHyperService::new(service),
                );
                let connection = graceful.watch(connection);
                connections.spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::debug!(error = %e, %remote, "connection ended with an error");
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = &mut stopped => break,
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(timeouts.shutdown_deadline) => {
            tracing::warn!(
                open = connections.len(),
                deadline_secs = timeouts.shutdown_deadline.as_secs_f64(),
                "shutdown deadline passed; cutting the connections still open"
            );
        }
    }
    connections.shutdown().await;
    Ok(())
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
