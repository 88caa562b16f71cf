//! A dossier's documents: the list with what is digitised and signed, uploading (a
//! multipart form streamed into the store), marking digitised, and printing signed results.

use super::verify::verify_url;
use super::{NoticeQuery, human_size, kind_label, when};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::status_of;
use crate::pages::dossier_common::{agency_names, date_line, name_of, qr_svg};
use crate::pages::{Chrome, PageError, render};
use crate::signing::signed_at_vn;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::AppError;
use motcua_app::documents::upload::{self as app_upload, UploadInput};
use motcua_app::documents::views::{Digitisation, dossier_documents as documents_of};
use motcua_app::dossiers::load_visible;
use motcua_domain::account::Role;
use motcua_store::DocumentRecord;

struct DocRow {
    doc: DocumentRecord,
    signed: bool,
    /// A signed result with a printed sheet.
    printable: bool,
    kind_label: &'static str,
    size: String,
    uploaded: String,
    /// Who added it, by name (never a username).
    uploader: String,
    digitised: Option<String>,
    can_digitise: bool,
    /// A draft result (unsigned) these staff may withdraw before approval signs it.
    can_withdraw: bool,
    /// Gone from the dossier: a withdrawn draft, or destroyed under an approved list.
    gone: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "dossier_documents.html")]
struct DossierDocumentsPage {
    chrome: Chrome,
    code: String,
    procedure_name: String,
    state_label: String,
    rows: Vec<DocRow>,
    digitisation: Digitisation,
    /// A signed result to print with its QR code.
    printable_result: bool,
    can_upload: bool,
    is_staff: bool,
    max_mib: u64,
    notice: Option<String>,
    error: Option<String>,
}

async fn documents_page(
    state: &AppState,
    chrome: Chrome,
    code: &str,
    notice: Option<String>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, PageError> {
    let Some(user) = chrome.user.clone() else {
        return Ok(Redirect::to("/login").into_response());
    };
    let who = user.principal();
    let docs = match documents_of(&state.app, &who, code).await {
        Ok(d) => d,
        Err(e) => return Err(PageError::app(chrome, e)),
    };
    let record = docs.record;
    let staff = matches!(user.role, Role::Receiver | Role::Specialist | Role::Leader);
    let at_agency = who.agency().is_some_and(|a| {
        a == record.dossier.receiving_agency || a == record.dossier.handling_agency
    });
    let printable_result = docs.documents.iter().any(|d| d.printable_result());
    let mut usernames: Vec<String> = Vec::new();
    for d in &docs.documents {
        usernames.push(d.record.uploaded_by.clone());
        usernames.extend(d.record.digitised_by.clone());
    }
    let people = motcua_app::accounts::display_names(&state.app, usernames)
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?;
    // An account gone from the register is "Cán bộ".
    let person = |u: &str| {
        people
            .get(u)
            .cloned()
            .unwrap_or_else(|| "Cán bộ".to_owned())
    };
    let rows = docs
        .documents
        .into_iter()
        .map(|d| DocRow {
            printable: d.printable_result(),
            signed: d.signed,
            kind_label: kind_label(&d.record.kind),
            size: human_size(d.record.size_bytes),
            uploaded: when(d.record.uploaded_at),
            uploader: person(&d.record.uploaded_by),
            digitised: d.record.digitised_at.map(|t| {
                format!(
                    "{} bởi {}",
                    when(t),
                    person(d.record.digitised_by.as_deref().unwrap_or_default())
                )
            }),
            can_digitise: staff
                && at_agency
                && d.record.digitised_at.is_none()
                && d.record.kind != "receipt"
                && d.record.destroyed_at.is_none()
                && !record.dossier.state.is_closed(),
            can_withdraw: staff
                && d.record.kind == "result"
                && !d.signed
                && d.record.destroyed_at.is_none()
                && !record.dossier.state.is_closed(),
            gone: d.record.destroyed_at.map(|_| {
                if d.record.kind == "result" && !d.signed {
                    "Dự thảo đã rút"
                } else {
                    "Đã tiêu hủy"
                }
            }),
            doc: d.record,
        })
        .collect();
    let can_upload = !record.dossier.state.is_closed()
        && (staff || record.owner.as_deref() == Some(user.username.as_str()));
    let status = error.as_ref().map_or(StatusCode::OK, |(s, _)| *s);
    let page = DossierDocumentsPage {
        code: record.code().to_owned(),
        procedure_name: record.procedure_name.clone(),
        state_label: record.dossier.state.label_vi().into(),
        rows,
        digitisation: docs.digitisation,
        printable_result,
        can_upload,
        is_staff: staff,
        max_mib: state
            .app
            .max_document_bytes()
            .map_or(0, |max| max / 1024 / 1024),
        notice,
        error: error.map(|(_, m)| m),
        chrome,
    };
    Ok(render(status, &page))
}

pub(in crate::pages) async fn dossier_documents(
    State(state): State<AppState>,
    PageUser(_): PageUser,
    chrome: Chrome,
    Path(code): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let notice = q.notice.map(|n| match n.as_str() {
        "uploaded" => "Đã thêm tài liệu.".to_owned(),
        "withdrawn" => "Đã rút dự thảo kết quả; phê duyệt sẽ không ký dự thảo này.".to_owned(),
        "digitised" => "Đã đánh dấu tài liệu là đã số hóa.".to_owned(),
        _ => String::new(),
    });
    documents_page(
        &state,
        chrome,
        &code,
        notice.filter(|n| !n.is_empty()),
        None,
    )
    .await
}

/// A use case's refusal as the form shows it: its status and words.
fn refusal(err: AppError) -> (StatusCode, String) {
    let err = crate::error::logged(err);
    (status_of(&err), err.detail().into_owned())
}

/// The multipart form: `kind`, `component` and `digitised` come before `file`, so every
/// check is made before the file streams in.
pub(in crate::pages) async fn dossier_upload(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Path(code): Path<String>,
    mut form: Multipart,
) -> Result<Response, PageError> {
    let who = user.principal();
    let mut input = UploadInput::default();
    let outcome: Result<(), (StatusCode, String)> = async {
        loop {
            let field = match form.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => {
                    return Err((
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "Chưa chọn tệp để tải lên.".into(),
                    ));
                }
                Err(e) => return Err((StatusCode::BAD_REQUEST, crate::error::multipart_said(&e))),
            };
            match field.name().unwrap_or_default() {
                "file" => {
                    input.name = field
                        .file_name()
                        .map(str::to_owned)
                        .filter(|n| !n.trim().is_empty());
                    let prepared = app_upload::prepare(&state.app, &who, &code, &input)
                        .await
                        .map_err(refusal)?;
                    app_upload::store(&state.app, &who, prepared, field)
                        .await
                        .map_err(refusal)?;
                    return Ok(());
                }
                other => {
                    let name = other.to_owned();
                    let text = field
                        .text()
                        .await
                        .map_err(|e| (StatusCode::BAD_REQUEST, crate::error::multipart_said(&e)))?;
                    match name.as_str() {
                        "kind" => input.kind = Some(text),
                        "component" => input.component = Some(text),
                        "digitised" => input.digitised = !text.is_empty(),
                        _ => {}
                    }
                }
            }
        }
    }
    .await;
    match outcome {
        Ok(()) => Ok(
            Redirect::to(&format!("/dossiers/{code}/documents?notice=uploaded")).into_response(),
        ),
        Err((status, message)) => {
            documents_page(&state, chrome, &code, None, Some((status, message))).await
        }
    }
}

pub(in crate::pages) async fn dossier_digitise(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    match app_upload::mark_digitised(&state.app, &user.principal(), &code, &id).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/dossiers/{code}/documents?notice=digitised")).into_response(),
        ),
        Err(e) => Err(PageError::app(chrome, e)),
    }
}

// ------------------------------------------------------------------------ result sheet

/// One signed result, as printed.
struct ResultSheet {
    id: String,
    name: String,
    kind_label: &'static str,
    agency: String,
    agency_heading: String,
    key_id: String,
    signed_at: String,
    place_date: String,
    sha256: String,
    valid: bool,
    detail: String,
    link: String,
    qr: String,
}

#[derive(Template)]
#[template(path = "result_print.html")]
struct ResultPrintPage {
    chrome: Chrome,
    code: String,
    procedure_name: String,
    result_name: String,
    authority: String,
    sheets: Vec<ResultSheet>,
}

/// `GET /dossiers/{code}/results/print`: each signed result of the dossier on its own A4
/// sheet, with the signature and a QR code to its verification. Whoever may download the
/// dossier's documents may print it.
pub(in crate::pages) async fn result_print(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let record = load_visible(&state.app, &user.principal(), &code)
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?;
    result_sheets(&state, chrome, &headers, &record).await
}

/// The signed results of a dossier whose reader is already checked, one A4 sheet each.
pub(crate) async fn result_sheets(
    state: &AppState,
    chrome: Chrome,
    headers: &HeaderMap,
    record: &motcua_store::DossierRecord,
) -> Result<Response, PageError> {
    let names = agency_names(state)
        .await
        .map_err(|e| PageError::api(chrome.clone(), e))?;
    let place = chrome
        .province_name
        .trim_start_matches("Tỉnh ")
        .trim_start_matches("Thành phố ")
        .to_owned();
    let mut sheets = Vec::new();
    let results = motcua_app::documents::verify::signed_results(&state.app, record)
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?;
    for (doc, check) in results {
        let agency_name = name_of(&names, &check.agency_code);
        let signed_vn = check
            .signed_at
            .with_timezone(&motcua_domain::calendar::VN_OFFSET);
        let link = verify_url(state, headers, &doc.sha256);
        sheets.push(ResultSheet {
            id: doc.id.to_string(),
            kind_label: kind_label(&doc.kind),
            agency: format!("{agency_name} ({})", check.agency_code),
            agency_heading: agency_name.to_uppercase(),
            key_id: check
                .key_id
                .unwrap_or_else(|| "(không có khóa công khai)".into()),
            signed_at: signed_at_vn(check.signed_at),
            place_date: format!("{place}, {}", date_line(&signed_vn)),
            detail: if check.valid {
                "Hợp lệ".to_owned()
            } else {
                check.detail
            },
            valid: check.valid,
            qr: qr_svg(&link, &format!("Mã QR kiểm tra {}", doc.name)),
            link,
            sha256: doc.sha256,
            name: doc.name,
        });
    }
    if sheets.is_empty() {
        return Err(PageError::app(
            chrome,
            AppError::not_found(
                "not_found",
                format!("Hồ sơ {} chưa có kết quả đã ký số để in.", record.code()),
            ),
        ));
    }
    let page = ResultPrintPage {
        code: record.code().to_owned(),
        procedure_name: record.procedure_name.clone(),
        result_name: record
            .dossier
            .result
            .as_ref()
            .map(|r| r.name.clone())
            .unwrap_or_default(),
        authority: format!("UBND {}", chrome.province_name.to_uppercase()),
        sheets,
        chrome,
    };
    Ok(render(StatusCode::OK, &page))
}

pub(in crate::pages) async fn dossier_withdraw_draft(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    match app_upload::withdraw_draft(&state.app, &user.principal(), &code, &id).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/dossiers/{code}/documents?notice=withdrawn")).into_response(),
        ),
        Err(e) => Err(PageError::app(chrome, e)),
    }
}
