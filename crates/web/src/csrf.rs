//! CSRF protection: every browser gets a random secret in an HttpOnly, SameSite=Strict
//! cookie, and every unsafe page request must carry the token derived from it in its form
//! (`csrf_token`, the first field of a multipart form) or an `X-CSRF-Token` header, never in
//! the address. Once signed in, the token is bound to the session: a hash of the session
//! cookie and the secret, so a secret and token pair planted from another session fails.
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
use motcua_domain::multipart::{FirstField, first_field};
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

/// The token a browser's forms carry: the secret itself before sign-in, then bound to the
/// session (the session cookie is HttpOnly and never in a page, so no one else can make it).
fn token_for(secret: &str, session: Option<&str>) -> String {
    match session {
        None => secret.to_owned(),
        Some(session) => {
            use base64::Engine;
            use sha2::{Digest, Sha256};
            let digest = Sha256::new()
                .chain_update(b"motcua-csrf\0")
                .chain_update(session.as_bytes())
                .chain_update(b"\0")
                .chain_update(secret.as_bytes())
                .finalize();
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
        }
    }
}

fn is_multipart(req: &Request) -> Option<String> {
    let content_type = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    multer::parse_boundary(content_type).ok()
}

/// How far into a multipart body the token may be looked for.
const MULTIPART_PEEK_BYTES: usize = 16 * 1024;

/// The token from a multipart form's first field, read ahead without holding the files:
/// the request goes on with what was read put back in front of the rest of its body.
async fn multipart_token(req: Request, boundary: &str) -> (Request, Option<String>) {
    use futures_util::StreamExt;
    let (parts, body) = req.into_parts();
    let mut stream = body.into_data_stream();
    let mut head: Vec<u8> = Vec::new();
    let mut token = None;
    let mut failed = None;
    while head.len() < MULTIPART_PEEK_BYTES {
        match first_field(&head, boundary, CSRF_FIELD) {
            FirstField::Found(t) => {
                token = Some(t);
                break;
            }
            FirstField::Other => break,
            FirstField::NeedMore => {}
        }
        match stream.next().await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            Some(Err(e)) => {
                failed = Some(e);
                break;
            }
            None => break,
        }
    }
    let ahead = futures_util::stream::iter(
        std::iter::once(Ok(bytes::Bytes::from(head))).chain(failed.map(Err)),
    );
    let body = Body::from_stream(ahead.chain(stream));
    (Request::from_parts(parts, body), token)
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
    let secret = existing.clone().unwrap_or_else(crate::auth::random_token);
    let session = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned());
    let token = token_for(&secret, session.as_deref());
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let mut req = req;
    if unsafe_method {
        let expected = match &existing {
            Some(secret) => token_for(secret, session.as_deref()),
            None => String::new(),
        };
        let expected = expected.as_str();
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
            let mut submitted = header_token;
            if submitted.is_none()
                && let Some(boundary) = is_multipart(&req)
            {
                (req, submitted) = multipart_token(req, &boundary).await;
            }
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
                    &secret,
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
        &secret,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_binds_the_token() {
        let secret = crate::auth::random_token();
        assert_eq!(token_for(&secret, None), secret);
        let a = token_for(&secret, Some("session-a"));
        assert_ne!(a, secret);
        assert_ne!(a, token_for(&secret, Some("session-b")));
        assert_eq!(a, token_for(&secret, Some("session-a")));
    }
}
