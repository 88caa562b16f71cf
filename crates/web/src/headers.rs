//! Headers every response carries: what the browser may load and run, framing, sniffing,
//! referrers and device features. Pages need nothing but our own styles, forms and inline
//! SVG, so the policy allows only those; a handler that sets its own policy (a document
//! download) keeps it.

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The policy of a page whose form may end on another origin: signing out redirects to the
/// identity provider's logout, and browsers hold a form's redirects to `form-action` too.
pub(crate) fn policy_allowing_form_to(origin: &str) -> Option<HeaderValue> {
    let policy = CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'",
        &format!("form-action 'self' {origin}"),
    );
    HeaderValue::from_str(&policy).ok()
}

/// For bytes someone uploaded: never run as a page of ours, even if opened in the browser.
pub(crate) const DOWNLOAD_POLICY: &str = "sandbox; default-src 'none'";

const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), \
    usb=(), interest-cohort=()";

/// Two years, as browsers' preload lists ask.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=63072000; includeSubDomains";

pub(crate) async fn secure(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "same-origin");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(
        HeaderName::from_static("permissions-policy"),
        PERMISSIONS_POLICY,
    );
    // Secure cookies mean the site is served over HTTPS: keep browsers on it.
    if state.config.cookie_secure {
        set(header::STRICT_TRANSPORT_SECURITY, STRICT_TRANSPORT_SECURITY);
    }
    response
}
