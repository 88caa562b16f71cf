//! Checking a document by hash or by file, with the QR code a printed result carries.

use super::human_size;
use crate::AppState;
use crate::error::status_of;
use crate::pages::dossier_common::{public_base, qr_svg};
use crate::pages::{Chrome, PageError, render};
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use motcua_app::documents::verify::{CheckedSignature, hash_body, signatures_over};
use motcua_domain::calendar::VN_OFFSET;
use motcua_domain::document::parse_sha256;
use serde::Deserialize;

struct SignatureRow {
    check: CheckedSignature,
    signed_at: String,
    agency: String,
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    chrome: Chrome,
    sha256: String,
    checked: bool,
    signatures: Vec<SignatureRow>,
    valid: bool,
    file_size: Option<String>,
    error: Option<String>,
    /// Absolute link to this verification, and its QR code (SVG).
    link: String,
    qr_svg: String,
    max_mib: u64,
}

#[derive(Deserialize, Default)]
pub(in crate::pages) struct VerifyQuery {
    sha256: Option<String>,
}

/// The absolute address of the verification of `sha256`: what a printed result's QR
/// code holds.
pub(crate) fn verify_url(state: &AppState, headers: &HeaderMap, sha256: &str) -> String {
    format!("{}/verify?sha256={sha256}", public_base(state, headers))
}

async fn verify_page(
    state: &AppState,
    chrome: Chrome,
    headers: &HeaderMap,
    sha256: Option<String>,
    file_size: Option<u64>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, PageError> {
    let max_mib = state
        .app
        .max_document_bytes()
        .map_or(0, |max| max / 1024 / 1024);
    let mut page = VerifyPage {
        chrome,
        sha256: sha256.clone().unwrap_or_default(),
        checked: false,
        signatures: Vec::new(),
        valid: false,
        file_size: file_size.map(|s| human_size(s as i64)),
        error: None,
        link: String::new(),
        qr_svg: String::new(),
        max_mib,
    };
    let mut status = StatusCode::OK;
    if let Some((s, message)) = error {
        status = s;
        page.error = Some(message);
    } else if let Some(raw) = sha256.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        match parse_sha256(raw) {
            Err(e) => {
                status = StatusCode::UNPROCESSABLE_ENTITY;
                page.error = Some(e.to_string());
            }
            Ok(sha) => {
                let checks = signatures_over(&state.app, &sha).await?;
                page.checked = true;
                page.sha256 = sha.clone();
                if checks.is_empty() {
                    status = StatusCode::NOT_FOUND;
                } else {
                    page.signatures = checks
                        .into_iter()
                        .map(|check| SignatureRow {
                            signed_at: check
                                .signed_at
                                .with_timezone(&VN_OFFSET)
                                .format("%H:%M:%S %d/%m/%Y")
                                .to_string(),
                            agency: match &check.agency_name {
                                Some(name) => format!("{name} ({})", check.agency_code),
                                None => check.agency_code.clone(),
                            },
                            check,
                        })
                        .collect();
                    page.valid = page.signatures.iter().all(|s| s.check.valid);
                    page.link = verify_url(state, headers, &sha);
                    page.qr_svg = qr_svg(&page.link, "Mã QR kiểm tra giấy tờ");
                }
            }
        }
    }
    Ok(render(status, &page))
}

pub(in crate::pages) async fn verify(
    State(state): State<AppState>,
    chrome: Chrome,
    headers: HeaderMap,
    Query(q): Query<VerifyQuery>,
) -> Result<Response, PageError> {
    verify_page(&state, chrome, &headers, q.sha256, None, None).await
}

/// A file to check: hashed as it streams in, never kept.
pub(in crate::pages) async fn verify_upload(
    State(state): State<AppState>,
    chrome: Chrome,
    headers: HeaderMap,
    mut form: Multipart,
) -> Result<Response, PageError> {
    if state.app.max_document_bytes().is_none() {
        let off = (
            StatusCode::SERVICE_UNAVAILABLE,
            "Kho tài liệu đang không sử dụng được.".to_owned(),
        );
        return verify_page(&state, chrome, &headers, None, None, Some(off)).await;
    }
    let hashed = loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                break hash_body(&state.app, field).await.map_err(|e| {
                    let e = crate::error::logged(e);
                    (status_of(&e), e.detail().into_owned())
                });
            }
            Ok(Some(_)) => continue,
            Ok(None) => {
                break Err((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Chưa chọn tệp cần kiểm tra.".to_owned(),
                ));
            }
            Err(e) => break Err((StatusCode::BAD_REQUEST, crate::error::multipart_said(&e))),
        }
    };
    match hashed {
        Ok((sha, size)) => verify_page(&state, chrome, &headers, Some(sha), Some(size), None).await,
        Err(error) => verify_page(&state, chrome, &headers, None, None, Some(error)).await,
    }
}
