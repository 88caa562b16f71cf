//! Documents as HTTP downloads, for the API and the pages alike: the bytes come from the
//! application (re-hashed on the way), the headers from here.

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use motcua_app::{App, AppResult};
use motcua_store::DossierRecord;

/// `attachment; filename*=UTF-8''…` with the name percent-encoded.
fn disposition(name: &str) -> String {
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename*=UTF-8''{encoded}")
}

/// A stored blob as a download: other bytes than its address cut the response short, and
/// the blob is flagged corrupt.
pub(crate) async fn blob(
    app: &App,
    sha256: &str,
    size: i64,
    content_type: &str,
    name: &str,
) -> AppResult<Response> {
    let (length, stream) = motcua_app::dossiers::attach::open_blob(app, sha256, size).await?;
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    if let Ok(v) = HeaderValue::from_str(&disposition(name)) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(sha256) {
        headers.insert(STORED_DOCUMENT_HEADER, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(crate::headers::DOWNLOAD_POLICY),
    );
    Ok(response)
}

/// The header every stored document's download carries: its SHA-256.
pub(crate) const STORED_DOCUMENT_HEADER: &str = "x-content-sha256";

/// Compress anything but a stored document.
#[derive(Clone, Copy)]
pub(crate) struct NotStoredDocument;

impl tower_http::compression::predicate::Predicate for NotStoredDocument {
    fn should_compress<B: axum::body::HttpBody>(&self, response: &axum::http::Response<B>) -> bool {
        !response.headers().contains_key(STORED_DOCUMENT_HEADER)
    }
}

/// A document of a dossier already checked visible, as a download.
pub(crate) async fn dossier_document(
    app: &App,
    record: &DossierRecord,
    id: &str,
) -> AppResult<Response> {
    let doc = motcua_app::dossiers::attach::document_of(app, record, id).await?;
    blob(
        app,
        &doc.sha256,
        doc.size_bytes,
        &doc.content_type,
        &doc.name,
    )
    .await
}

/// The published catalogue as a download (`/procedures.xlsx` and the export API).
pub(crate) async fn catalogue(app: &App, format: motcua_exchange::Format) -> AppResult<Response> {
    let file = motcua_app::catalogue::export::published(app, format).await?;
    let disposition = format!("attachment; filename=\"{}\"", file.filename());
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        file.bytes,
    )
        .into_response())
}

/// A PDF made for this request (a printed form, a declaration): shown in the browser, and
/// never cached, since it carries personal data.
pub(crate) fn pdf(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                disposition(name).replacen("attachment", "inline", 1),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// A table made for this request (an export of citizens' data): saved as a file, never
/// cached.
pub(crate) fn table(bytes: Vec<u8>, format: motcua_exchange::Format, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (header::CONTENT_DISPOSITION, disposition(name)),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}
