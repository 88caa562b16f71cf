//! CSRF protection by double submission: every browser gets a random token in an
//! HttpOnly, SameSite=Strict cookie; every unsafe page request must carry the same
//! token in its form (`csrf_token`), its query string or an `X-CSRF-Token` header.
//! API calls authenticated by the session cookie need the header; bearer calls need nothing.

use crate::auth::SESSION_COOKIE;
use crate::{AppState, BODY_LIMIT_BYTES, pages};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use subtle::ConstantTimeEq;

pub const CSRF_COOKIE: &str = "motcua_csrf";
pub const CSRF_FIELD: &str = "csrf_token";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The token for forms on this response's page.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

pub fn csrf_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((CSRF_COOKIE, token))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .build()
}

fn matches(expected: &str, submitted: Option<&str>) -> bool {
    submitted.is_some_and(|s| {
        !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(s.as_bytes()))
    })
}

fn query_token(req: &Request) -> Option<String> {
    let query = req.uri().query()?;
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find_map(|(k, v)| (k == CSRF_FIELD).then_some(v))
}

fn is_form(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

pub async fn protect(
    State(state): State<AppState>,
    jar: CookieJar,
    req: Request,
    next: Next,
) -> Response {
    let existing = jar
        .get(CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 43);
    let token = existing.clone().unwrap_or_else(crate::auth::random_token);
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let mut req = req;
    if unsafe_method {
        let expected = existing.as_deref().unwrap_or("");
        let header_token = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if req.uri().path().starts_with("/api/") {
            let cookie_auth = jar.get(SESSION_COOKIE).is_some()
                && !req.headers().contains_key(header::AUTHORIZATION);
            if cookie_auth && !matches(expected, header_token.as_deref()) {
                return crate::error::ApiError::new(
                    StatusCode::FORBIDDEN,
                    "csrf_token_invalid",
                    "Yêu cầu dùng phiên đăng nhập phải kèm tiêu đề X-CSRF-Token hợp lệ.",
                )
                .into_response();
            }
        } else {
            let mut submitted = header_token.or_else(|| query_token(&req));
            if submitted.is_none() && is_form(&req) {
                let (parts, body) = req.into_parts();
                let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT_BYTES).await else {
                    return pages::error_page(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "Dữ liệu gửi lên quá lớn.",
                    )
                    .into_response();
                };
                submitted = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                    .ok()
                    .and_then(|fields| {
                        fields
                            .into_iter()
                            .find_map(|(k, v)| (k == CSRF_FIELD).then_some(v))
                    });
                req = Request::from_parts(parts, Body::from(bytes));
            }
            if !matches(expected, submitted.as_deref()) {
                let mut response = pages::error_page(
                    StatusCode::FORBIDDEN,
                    "Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang và gửi lại.",
                )
                .into_response();
                set_cookie_if_new(
                    &mut response,
                    existing.is_none(),
                    &token,
                    state.config.cookie_secure,
                );
                return response;
            }
        }
    }
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(req).await;
    set_cookie_if_new(
        &mut response,
        existing.is_none(),
        &token,
        state.config.cookie_secure,
    );
    response
}

fn set_cookie_if_new(response: &mut Response, is_new: bool, token: &str, secure: bool) {
    if is_new
        && let Ok(value) = HeaderValue::from_str(&csrf_cookie(token.to_owned(), secure).to_string())
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}
