//! One rule at the edge for free text: a JSON body, a form or a query string carrying a
//! control or bidirectional character anywhere is refused with the field named
//! (`invalid_characters`), and text goes on in Unicode NFC, so "ế" typed as one code point
//! or as "e" and two marks is stored one way. Multipart forms are checked field by field
//! where they are read; uploads pass untouched.

use crate::error::ApiError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use motcua_domain::text::{ForbiddenChar, check_text, nfc, nfc_if_needed};

fn refuse(api: bool, e: &ForbiddenChar) -> Response {
    if api {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string()).into_response()
    } else {
        crate::pages::error_page(StatusCode::UNPROCESSABLE_ENTITY, &e.to_string())
    }
}

/// Whether a JSON text could carry a refused character in a key or string: written as
/// it is, or as an escape that makes a control or formatting character (`\u…`, `\b`, `\f`).
/// The escapes `\"`, `\\`, `\/`, `\n`, `\r` and `\t` cannot.
fn may_hide_forbidden_char(text: &str) -> bool {
    if motcua_domain::text::forbidden_char(text).is_some() {
        return true;
    }
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        if b == b'\\' && !matches!(bytes.next(), Some(b'"' | b'\\' | b'/' | b'n' | b'r' | b't')) {
            return true;
        }
    }
    false
}

/// Every key and string of a JSON document, with its path for the message.
fn check_json(path: &str, value: &serde_json::Value) -> Result<(), ForbiddenChar> {
    match value {
        serde_json::Value::String(s) => check_text(path, s),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check_json(&format!("{path}[{i}]"), v)),
        serde_json::Value::Object(fields) => fields.iter().try_for_each(|(k, v)| {
            let at = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            check_text(&at, k)?;
            check_json(&at, v)
        }),
        _ => Ok(()),
    }
}

fn check_pairs(pairs: &[(String, String)]) -> Result<(), ForbiddenChar> {
    pairs.iter().try_for_each(|(k, v)| {
        check_text(k, k)?;
        check_text(k, v)
    })
}

fn content_type(req: &Request) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

pub(crate) async fn guard(req: Request, next: Next) -> Response {
    // A signed body must reach its handler byte for byte (the signature covers it).
    if req.uri().path().starts_with("/api/v1/national/") {
        return next.run(req).await;
    }
    let path = req.uri().path();
    let api = path == "/api" || path.starts_with("/api/");
    if let Some(query) = req.uri().query()
        && let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        && let Err(e) = check_pairs(&pairs)
    {
        return refuse(api, &e);
    }
    let kind = content_type(&req);
    let json = kind.starts_with("application/json") || kind.contains("+json");
    let form = kind.starts_with("application/x-www-form-urlencoded");
    // Only bodies that say their size and fit the ordinary limit are read here; anything
    // else (a JSON document uploaded as a file, say) goes on untouched to its handler.
    let length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if !(json || form) || length.is_none_or(|n| n > crate::BODY_LIMIT_BYTES) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, crate::BODY_LIMIT_BYTES).await {
        Ok(bytes) => bytes,
        // Too large or cut short: the handler's own extractor gives the answer.
        Err(_) => return next.run(Request::from_parts(parts, Body::empty())).await,
    };
    let body = match std::str::from_utf8(&bytes) {
        Ok(text) if json => {
            // Only a document that could hide a refused character is parsed to find where.
            if may_hide_forbidden_char(text)
                && let Ok(value) = serde_json::from_str::<serde_json::Value>(text)
                && let Err(e) = check_json("", &value)
            {
                return refuse(api, &e);
            }
            // Whole-text NFC keeps the document as written (key order, duplicates):
            // JSON's own characters are ASCII and nothing composes with them.
            match nfc_if_needed(text) {
                Some(normal) => Body::from(normal),
                None => Body::from(bytes),
            }
        }
        Ok(_) => match serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes) {
            Ok(pairs) => {
                if let Err(e) = check_pairs(&pairs) {
                    return refuse(api, &e);
                }
                // Rebuilt only when some text was not composed, as a JSON body is.
                let composed = (pairs.iter())
                    .all(|(k, v)| nfc_if_needed(k).is_none() && nfc_if_needed(v).is_none());
                if composed {
                    Body::from(bytes)
                } else {
                    let normal: Vec<(String, String)> =
                        pairs.iter().map(|(k, v)| (nfc(k), nfc(v))).collect();
                    Body::from(serde_urlencoded::to_string(&normal).unwrap_or_default())
                }
            }
            Err(_) => Body::from(bytes),
        },
        Err(_) => Body::from(bytes),
    };
    let mut parts = parts;
    parts.headers.remove(header::CONTENT_LENGTH);
    next.run(Request::from_parts(parts, body)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_paths_name_the_field() {
        let v: serde_json::Value = serde_json::json!({
            "applicant": {"name": "An\u{202E}"},
            "documents": [{"component": "ok"}]
        });
        let e = check_json("", &v).unwrap_err();
        assert_eq!(e.field, "applicant.name");
        let v = serde_json::json!({"documents": [{"component": "a\u{0}"}]});
        assert_eq!(
            check_json("", &v).unwrap_err().field,
            "documents[0].component"
        );
        assert!(check_json("", &serde_json::json!({"body": "dòng 1\ndòng 2"})).is_ok());
    }

    #[test]
    fn only_documents_that_could_hide_a_refused_character_are_parsed() {
        for plain in [
            r#"{"name": "Nguyễn Văn An", "note": "dòng 1\ndòng 2\t\"trích\" a\\b c\/d"}"#,
            r#"{"path": "C:\\u202E"}"#,
        ] {
            assert!(!may_hide_forbidden_char(plain), "{plain}");
        }
        for hiding in [
            r#"{"name": "An\u202E"}"#,
            r#"{"name": "An\u0041"}"#,
            r#"{"name": "An\b"}"#,
            r#"{"name": "An\f"}"#,
            "{\"name\": \"An\u{202E}\"}",
            "{\"name\": \"An\u{0}\"}",
            r#"{"name": "An\"#,
        ] {
            assert!(may_hide_forbidden_char(hiding), "{hiding}");
        }
    }
}
