//! Operational endpoints: liveness, readiness, metrics.

use crate::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use std::time::Duration;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// 200 while the process lives.
async fn healthz() -> impl IntoResponse {
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        "ok\n",
    )
}

/// 200 while the database answers and takes writes, 503 when it does not.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let ping = tokio::time::timeout(Duration::from_secs(2), state.app.ping()).await;
    match ping {
        Ok(Ok(())) => (
            StatusCode::OK,
            [(header::CACHE_CONTROL, "no-store")],
            "ready\n",
        ),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness check failed");
            let why = match err {
                motcua_app::AppError::StorageFull { .. } => "storage full\n",
                _ => "database unavailable\n",
            };
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CACHE_CONTROL, "no-store")],
                why,
            )
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CACHE_CONTROL, "no-store")],
            "database timeout\n",
        ),
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    // A database that does not answer leaves the connectors' figures out, not the rest.
    let connectors = motcua_app::connectors::connector_views(&state.app)
        .await
        .unwrap_or_default();
    let body = state.metrics.render(&state.app.pool_stats(), &connectors);
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
}
