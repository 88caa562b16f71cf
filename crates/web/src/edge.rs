//! Answers made before or after any handler: an address too long to be a real request,
//! and the bare errors the router and the middleware produce (405, 408, 413, 415, …)
//! dressed as problem+json under `/api/`, so an API client never gets an empty body.

use crate::error::ApiError;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The longest request target served: every real address, query included, is far shorter.
pub(crate) const MAX_URI_BYTES: usize = 8 * 1024;

fn is_api(req: &Request) -> bool {
    let path = req.uri().path();
    path == "/api" || path.starts_with("/api/")
}

pub(crate) async fn guard(req: Request, next: Next) -> Response {
    let api = is_api(&req);
    let long = req
        .uri()
        .path_and_query()
        .is_some_and(|p| p.as_str().len() > MAX_URI_BYTES);
    if long {
        let detail = format!("Địa chỉ yêu cầu dài quá {MAX_URI_BYTES} byte.");
        return if api {
            ApiError::new(StatusCode::URI_TOO_LONG, "uri_too_long", detail).into_response()
        } else {
            crate::pages::error_page(StatusCode::URI_TOO_LONG, &detail)
        };
    }
    // The operational endpoints answer machines in plain text, as they are.
    let ops = matches!(req.uri().path(), "/healthz" | "/readyz" | "/metrics");
    let response = next.run(req).await;
    let status = response.status();
    if ops || !status.is_client_error() && !status.is_server_error() {
        return response;
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|t| t.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if content_type.starts_with("application/problem+json") || content_type.starts_with("text/html")
    {
        return response;
    }
    // What the framework said (in English, as plain text), if anything: told in Vietnamese.
    let (mut parts, body) = response.into_parts();
    let said = if content_type.starts_with("text/plain") {
        axum::body::to_bytes(body, 64 * 1024)
            .await
            .ok()
            .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
            .filter(|t| !t.is_empty())
            .map(|t| crate::error::in_vietnamese(&t))
    } else {
        None
    };
    let (code, detail) = bare(status);
    let detail = match said {
        Some(said) => format!("{} — {said}.", detail.trim_end_matches('.')),
        None => detail.to_owned(),
    };
    if !api {
        return crate::pages::error_page(status, &detail);
    }
    let mut problem = ApiError::new(status, code, detail).into_response();
    // Keep what the status needs (Allow on 405, Retry-After on 503).
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = parts.headers.remove(&name) {
            problem.headers_mut().insert(name, v);
        }
    }
    parts.headers = problem.headers().clone();
    Response::from_parts(parts, problem.into_body())
}

/// The stable code and the Vietnamese detail for a status no handler explained.
fn bare(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "Địa chỉ này không nhận phương thức HTTP đó (xem tiêu đề Allow).",
        ),
        StatusCode::REQUEST_TIMEOUT => (
            "request_timeout",
            "Yêu cầu xử lý quá thời gian cho phép. Vui lòng thử lại.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload_too_large",
            "Nội dung gửi lên vượt quá dung lượng cho phép.",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "Kiểu nội dung (Content-Type) không được hỗ trợ ở địa chỉ này.",
        ),
        StatusCode::NOT_FOUND => ("route_not_found", "Không có địa chỉ API này."),
        s if s.is_server_error() => (
            "internal_error",
            "Hệ thống gặp lỗi ngoài dự kiến. Vui lòng thử lại sau.",
        ),
        _ => ("bad_request", "Yêu cầu không hợp lệ."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    async fn call(uri: &str, method: &str) -> Response {
        let app = Router::new()
            .route("/api/v1/x", get(|| async { "ok" }))
            .route(
                "/readyz",
                get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n") }),
            )
            .route(
                "/form",
                get(|| async {
                    (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "Failed to deserialize form body: missing field `x`",
                    )
                }),
            )
            .layer(axum::middleware::from_fn(guard));
        let req = Request::builder()
            .uri(uri)
            .method(method)
            .body(Body::empty())
            .unwrap();
        app.oneshot(req).await.unwrap()
    }

    #[tokio::test]
    async fn bare_api_errors_become_problems_and_keep_allow() {
        let r = call("/api/v1/x", "DELETE").await;
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(
            r.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        assert!(r.headers().contains_key(header::ALLOW));
        let body = axum::body::to_bytes(r.into_body(), 4096).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["code"], "method_not_allowed");
        let long = format!("/api/v1/x?q={}", "a".repeat(MAX_URI_BYTES));
        let r = call(&long, "GET").await;
        assert_eq!(r.status(), StatusCode::URI_TOO_LONG);
        assert_eq!(
            r.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        assert_eq!(call("/api/v1/x", "GET").await.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn pages_get_readable_errors_and_probes_keep_their_plain_text() {
        let r = call("/readyz", "GET").await;
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            r.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/plain")
        );
        let r = call("/form", "GET").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let body = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        let html = String::from_utf8_lossy(&body);
        assert!(
            html.contains("thiếu trường x") && !html.contains("Failed"),
            "{html}"
        );
    }
}
