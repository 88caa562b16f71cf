//! Public addresses the API and the pages both print: the portal's base and a dossier's
//! lookup.

use crate::AppState;
use axum::http::HeaderMap;

/// The address the public reaches this portal at: `--public-url`, else the request's Host
/// (https when cookies are marked secure, that is, when not serving on loopback).
pub(crate) fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.config.public_url {
        return url.clone();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let scheme = if state.config.cookie_secure {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// The public lookup address of a dossier: with its lookup secret it opens the dossier at
/// once (the receipt's QR code); without, the check digits are asked for there.
pub(crate) fn lookup_url(base: &str, code: &str, secret: Option<&str>) -> String {
    let mut pairs = vec![("code", code)];
    pairs.extend(secret.map(|s| ("check", s)));
    let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
    format!("{base}/lookup?{query}")
}
