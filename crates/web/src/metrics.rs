//! Request counts and latency histograms per route, in Prometheus text, plus one
//! structured log line per request.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::time::Instant;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutboxLabels {
    connector: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ConnectorLabels {
    connector: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    pool: String,
    state: String,
}

pub(crate) struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    pools: Family<PoolLabels, Gauge>,
    outbox: Family<OutboxLabels, Gauge>,
    oldest: Family<ConnectorLabels, Gauge>,
    last_success: Family<ConnectorLabels, Gauge>,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms to about 8 s.
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        0.0005, 2.0, 15,
    ))
}

impl Metrics {
    pub(crate) fn new() -> Metrics {
        let mut registry = Registry::with_prefix("motcua");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let pools = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            latency.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Database pool connections by state",
            pools.clone(),
        );
        let outbox = Family::<OutboxLabels, Gauge>::default();
        let oldest = Family::<ConnectorLabels, Gauge>::default();
        let last_success = Family::<ConnectorLabels, Gauge>::default();
        registry.register(
            "outbox_messages",
            "Outbound messages by connector and state (pending, in_flight, failed, dead)",
            outbox.clone(),
        );
        registry.register(
            "outbox_oldest_pending_seconds",
            "Age of the oldest message not yet delivered, by connector",
            oldest.clone(),
        );
        registry.register(
            "outbox_last_success_timestamp_seconds",
            "When the connector last delivered a message (Unix time)",
            last_success.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            pools,
            outbox,
            oldest,
            last_success,
        }
    }

    pub(crate) fn render(
        &self,
        pools: &[motcua_store::PoolStats],
        connectors: &[motcua_app::connectors::ConnectorView],
    ) -> String {
        for view in connectors {
            let connector = view.stats.channel.as_str().to_owned();
            let s = &view.stats;
            for (state, n) in [
                ("pending", s.pending),
                ("in_flight", s.in_flight),
                ("failed", s.failed),
                ("dead", s.dead),
            ] {
                self.outbox
                    .get_or_create(&OutboxLabels {
                        connector: connector.clone(),
                        state: state.to_owned(),
                    })
                    .set(n);
            }
            let labels = ConnectorLabels { connector };
            self.oldest
                .get_or_create(&labels)
                .set(view.oldest_pending_seconds.unwrap_or(0));
            self.last_success
                .get_or_create(&labels)
                .set(s.last_success_at.map_or(0, |t| t.timestamp()));
        }
        for stats in pools {
            let gauge = |state: &str| PoolLabels {
                pool: stats.name.to_owned(),
                state: state.to_owned(),
            };
            self.pools
                .get_or_create(&gauge("open"))
                .set(i64::from(stats.size));
            self.pools
                .get_or_create(&gauge("idle"))
                .set(stats.idle as i64);
            self.pools
                .get_or_create(&gauge("max"))
                .set(i64::from(stats.max));
        }
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String");
        out
    }
}

/// Times each request and records it under its route template (never the raw path,
/// which would let clients create unbounded label values).
pub(crate) async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| route_of_unmatched(&path), |m| m.as_str().to_owned());
    let response = next.run(req).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    state
        .metrics
        .requests
        .get_or_create(&RequestLabels {
            method: method.clone(),
            route: route.clone(),
            status,
        })
        .inc();
    state
        .metrics
        .latency
        .get_or_create(&RouteLabels {
            method: method.clone(),
            route: route.clone(),
        })
        .observe(elapsed.as_secs_f64());
    tracing::info!(
        target: "motcua::http",
        method,
        path,
        route,
        status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    response
}

/// The matched path is only known inside the router; outside it, group by top segment.
fn route_of_unmatched(path: &str) -> String {
    match path.split('/').nth(1) {
        Some("api") => "/api/*".to_owned(),
        Some("static") => "/static/*".to_owned(),
        _ => "other".to_owned(),
    }
}
