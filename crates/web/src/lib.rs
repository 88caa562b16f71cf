//! The HTTP edge of motcua: the JSON API under `/api/v1`, server-rendered pages,
//! sessions, authentication, CSRF protection, metrics and problem+json errors.
//!
//! Handlers parse input into domain types, call the store, and render; they hold no rules.

pub mod api;
pub mod auth;
pub mod charts;
mod csrf;
mod download;
mod edge;
pub mod error;
mod headers;
mod input;
mod links;
mod markdown;
mod metrics;
mod ops;
mod pages;
mod prefs;
mod programme;
mod state;
mod visitor;

// The services the handlers use, from the application layer, under short paths.
use motcua_app::{calendar, catalogue, documents, dossiers, now, signing, stats, today_vn};
/// The QR codes printed on forms and results (tests regenerate them to check what they hold).
pub use pages::qr_svg;
pub use state::{AppState, DemoAccount, Timeouts, WebConfig};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::compression::{CompressionLayer, CompressionLevel};

/// Largest request body accepted by default; routes that take uploads raise it for themselves.
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Uploads of large documents may take long on a slow line.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(3600);

/// Requests that carry a document body: they get [`UPLOAD_TIMEOUT`].
fn is_upload(req: &axum::extract::Request) -> bool {
    let path = req.uri().path();
    req.method() == axum::http::Method::POST
        && (path.ends_with("/documents") || path == "/api/v1/documents/verify" || path == "/verify")
}

/// Answers 408 when a request takes too long (uploads get longer), and abandons a body that
/// sends nothing for the configured idle time: its reader sees an error, so a stalled upload
/// is answered as interrupted and leaves nothing behind.
async fn timeout(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let idle = state.config.timeouts.body_idle;
    let req =
        req.map(|body| axum::body::Body::new(tower_http::timeout::TimeoutBody::new(idle, body)));
    let limit = if is_upload(&req) {
        UPLOAD_TIMEOUT
    } else {
        REQUEST_TIMEOUT
    };
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => axum::http::StatusCode::REQUEST_TIMEOUT.into_response(),
    }
}

/// The whole application: pages, API, and operational endpoints.
pub fn router(state: AppState) -> Router {
    let pages = pages::router()
        .fallback(pages::not_found)
        .layer(CatchPanicLayer::custom(pages::panic_page));
    let api = api::router().layer(CatchPanicLayer::custom(api::panic_problem));
    Router::new()
        .merge(ops::router())
        .merge(api)
        // Anything else under /api is an unknown API route, not a page.
        .route("/api", axum::routing::any(api::not_found))
        .route("/api/{*rest}", axum::routing::any(api::not_found))
        .merge(pages)
        .layer(middleware::from_fn(input::guard))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::identify,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), csrf::protect))
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        // Stored documents go out byte for byte, with their length and hash (a signed
        // JSON receipt once came out gzip-encoded and empty); the rest is compressed.
        .layer(
            // The fastest level, as nginx's default: the default level took 5 % of the form
            // page's CPU in a profile, to make it a tenth smaller (3.5 against 3.9 kB).
            CompressionLayer::new()
                .quality(CompressionLevel::Fastest)
                .compress_when(
                    DefaultPredicate::new()
                        .and(NotForContentType::const_new("application/pdf"))
                        .and(NotForContentType::const_new("application/octet-stream"))
                        .and(download::NotStoredDocument),
                ),
        )
        .layer(middleware::from_fn_with_state(state.clone(), timeout))
        .layer(middleware::from_fn(edge::guard))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            headers::secure,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::observe,
        ))
        .with_state(state)
}

/// Checks a public address for `--public-url`: `http://` or `https://`, a host, no query;
/// returned without a trailing slash.
pub fn check_public_url(raw: &str) -> Result<String, String> {
    let url = raw.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("phải bắt đầu bằng http:// hoặc https://")?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty()
        || url.contains(['?', '#', ' ', '"', '<', '>'])
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    {
        return Err("địa chỉ không hợp lệ".into());
    }
    Ok(url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::check_public_url;

    #[test]
    fn public_urls_are_checked() {
        assert_eq!(
            check_public_url("https://dichvucong.langson.gov.vn/").as_deref(),
            Ok("https://dichvucong.langson.gov.vn")
        );
        assert_eq!(
            check_public_url("http://127.0.0.1:8080").as_deref(),
            Ok("http://127.0.0.1:8080")
        );
        for bad in [
            "dichvucong.langson.gov.vn",
            "ftp://x",
            "https://",
            "https://a b",
            "https://x/?q=1",
            "https://x\"><script>",
        ] {
            assert!(check_public_url(bad).is_err(), "{bad}");
        }
    }
}
