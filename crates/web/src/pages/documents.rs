//! Document pages: a dossier's documents (upload, scan, mark digitised, what is signed),
//! verifying a document by file or hash (with a QR code for printed results), the
//! citizen's document store, and the archive for administrators.

use super::dossier_common::{agency_names, date_line, name_of, public_base, qr_svg};
use super::{Chrome, PageError, render};
use crate::AppState;
use crate::api::documents::{
    DestructionListView, DigitisationView, DocumentView, PackageView, RetentionView,
    SignatureCheckView, UploadParams, WalletItemView, check_view, document_views, list_view,
    package_view, prepare_upload, retention_view, store_upload, upload_error, wallet_holders,
    wallet_item_view,
};
use crate::auth::PageUser;
use crate::documents::DocumentRejection;
use crate::error::ApiError;
use crate::signing::{check_hash, key_id, signed_at_vn};
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::dossiers::load_visible;
use motcua_domain::account::Role;
use motcua_domain::document::parse_sha256;
use serde::Deserialize;

fn human_size(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    if b >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2} GiB", b / 1024.0 / 1024.0 / 1024.0)
    } else if b >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", b / 1024.0 / 1024.0)
    } else if b >= 1024.0 {
        format!("{:.0} KiB", b / 1024.0)
    } else {
        format!("{b} B")
    }
}

fn when(t: chrono::DateTime<chrono::FixedOffset>) -> String {
    t.format("%H:%M %d/%m/%Y").to_string()
}

fn kind_label(kind: &str) -> &'static str {
    motcua_domain::document::DocumentKind::parse(kind).map_or("", |k| k.label_vi())
}

// ------------------------------------------------------------------ dossier documents

struct DocRow {
    view: DocumentView,
    kind_label: &'static str,
    size: String,
    uploaded: String,
    digitised: Option<String>,
    can_digitise: bool,
}

#[derive(Template)]
#[template(path = "dossier_documents.html")]
struct DossierDocumentsPage {
    chrome: Chrome,
    code: String,
    procedure_name: String,
    state_label: String,
    rows: Vec<DocRow>,
    digitisation: DigitisationView,
    /// A signed result to print with its QR code.
    printable_result: bool,
    can_upload: bool,
    is_staff: bool,
    max_mib: u64,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct NoticeQuery {
    notice: Option<String>,
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
    let record = match load_visible(&state.app, &user.principal(), code).await {
        Ok(r) => r,
        Err(e) => return Err(PageError::api(chrome, e)),
    };
    let (views, digitisation) = match document_views(state, &record).await {
        Ok(v) => v,
        Err(e) => return Err(PageError::api(chrome, e)),
    };
    let staff = matches!(user.role, Role::Receiver | Role::Specialist | Role::Leader);
    let at_agency = user.principal().agency().is_some_and(|a| {
        a == record.dossier.receiving_agency || a == record.dossier.handling_agency
    });
    let printable_result = views.iter().any(DocumentView::printable_result);
    let rows = views
        .into_iter()
        .map(|v| DocRow {
            kind_label: kind_label(&v.kind),
            size: human_size(v.size_bytes),
            uploaded: when(v.uploaded_at),
            digitised: v.digitised_at.map(|t| {
                format!(
                    "{} bởi {}",
                    when(t),
                    v.digitised_by.clone().unwrap_or_default()
                )
            }),
            can_digitise: staff
                && at_agency
                && v.digitised_at.is_none()
                && v.kind != "receipt"
                && v.destroyed_at.is_none()
                && !record.dossier.state.is_closed(),
            view: v,
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
        digitisation,
        printable_result,
        can_upload,
        is_staff: staff,
        max_mib: state
            .documents
            .as_ref()
            .map_or(0, |d| d.max_bytes() / 1024 / 1024),
        notice,
        error: error.map(|(_, m)| m),
        chrome,
    };
    Ok(render(status, &page))
}

pub(super) async fn dossier_documents(
    State(state): State<AppState>,
    PageUser(_): PageUser,
    chrome: Chrome,
    Path(code): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let notice = q.notice.map(|n| match n.as_str() {
        "uploaded" => "Đã thêm tài liệu.".to_owned(),
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

/// The multipart form: `kind`, `component` and `digitised` come before `file`, so every
/// check is made before the file streams in.
pub(super) async fn dossier_upload(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Path(code): Path<String>,
    mut form: Multipart,
) -> Result<Response, PageError> {
    let mut params = UploadParams::default();
    let fail = |status: StatusCode, message: String| (status, message);
    let outcome: Result<(), (StatusCode, String)> = async {
        loop {
            let field = match form.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => {
                    return Err(fail(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "Chưa chọn tệp để tải lên.".into(),
                    ));
                }
                Err(e) => return Err(fail(StatusCode::BAD_REQUEST, e.body_text())),
            };
            match field.name().unwrap_or_default() {
                "file" => {
                    params.name = field
                        .file_name()
                        .map(str::to_owned)
                        .filter(|n| !n.trim().is_empty());
                    let (record, prepared) = prepare_upload(&state, &user, &code, &params)
                        .await
                        .map_err(|e| (e.status, e.detail))?;
                    store_upload(&state, &user, &record, prepared, field)
                        .await
                        .map_err(|e| (e.status, e.detail))?;
                    return Ok(());
                }
                other => {
                    let name = other.to_owned();
                    let text = field
                        .text()
                        .await
                        .map_err(|e| fail(StatusCode::BAD_REQUEST, e.body_text()))?;
                    match name.as_str() {
                        "kind" => params.kind = Some(text),
                        "component" => params.component = Some(text),
                        "digitised" => params.digitised = !text.is_empty(),
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

pub(super) async fn dossier_digitise(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let record = load_visible(&state.app, &user.principal(), &code)
        .await
        .map_err(|e| PageError::api(chrome.clone(), e))?;
    let at_agency = user.principal().agency().is_some_and(|a| {
        a == record.dossier.receiving_agency || a == record.dossier.handling_agency
    });
    if !matches!(user.role, Role::Receiver | Role::Specialist | Role::Leader) || !at_agency {
        return Err(PageError::api(chrome, ApiError::forbidden()));
    }
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return Err(PageError::api(
            chrome,
            ApiError::not_found("Không tìm thấy tài liệu."),
        ));
    };
    let audit = user.audit(
        "dossier.document_digitised",
        "dossier",
        serde_json::json!({}),
    );
    match state
        .store
        .mark_digitised(record.code(), id, crate::now(), audit)
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/dossiers/{code}/documents?notice=digitised")).into_response(),
        ),
        Err(e) => Err(PageError::api(chrome, e)),
    }
}

// ------------------------------------------------------------------------------ verify

struct SignatureRow {
    check: SignatureCheckView,
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
pub(super) struct VerifyQuery {
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
        .documents
        .as_ref()
        .map_or(0, |d| d.max_bytes() / 1024 / 1024);
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
                let checks = check_hash(&state.store, &sha).await?;
                page.checked = true;
                page.sha256 = sha.clone();
                if checks.is_empty() {
                    status = StatusCode::NOT_FOUND;
                } else {
                    page.signatures = checks
                        .into_iter()
                        .map(check_view)
                        .map(|check| SignatureRow {
                            signed_at: check.signed_at.format("%H:%M:%S %d/%m/%Y").to_string(),
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

pub(super) async fn verify(
    State(state): State<AppState>,
    chrome: Chrome,
    headers: HeaderMap,
    Query(q): Query<VerifyQuery>,
) -> Result<Response, PageError> {
    verify_page(&state, chrome, &headers, q.sha256, None, None).await
}

/// A file to check: hashed as it streams in, never kept.
pub(super) async fn verify_upload(
    State(state): State<AppState>,
    chrome: Chrome,
    headers: HeaderMap,
    mut form: Multipart,
) -> Result<Response, PageError> {
    let Some(blobs) = state.documents.clone() else {
        return verify_page(
            &state,
            chrome,
            &headers,
            None,
            None,
            Some((
                StatusCode::SERVICE_UNAVAILABLE,
                "Kho tài liệu đang không sử dụng được.".into(),
            )),
        )
        .await;
    };
    let max = blobs.max_bytes();
    let hashed = loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                break blobs
                    .hash_stream(field)
                    .await
                    .map_err(|e| upload_error(e, max));
            }
            Ok(Some(_)) => continue,
            Ok(None) => {
                break Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    DocumentRejection::Empty.code(),
                    "Chưa chọn tệp cần kiểm tra.",
                ));
            }
            Err(e) => {
                break Err(ApiError::bad_request("upload_interrupted", e.body_text()));
            }
        }
    };
    match hashed {
        Ok((sha, size)) => verify_page(&state, chrome, &headers, Some(sha), Some(size), None).await,
        Err(e) => {
            verify_page(
                &state,
                chrome,
                &headers,
                None,
                None,
                Some((e.status, e.detail)),
            )
            .await
        }
    }
}

// ------------------------------------------------------------------------------ wallet

struct WalletRow {
    item: WalletItemView,
    kind_label: &'static str,
    size: String,
    added: String,
}

#[derive(Template)]
#[template(path = "wallet.html")]
struct WalletPage {
    chrome: Chrome,
    holders: Vec<String>,
    rows: Vec<WalletRow>,
    is_staff: bool,
    holder: String,
}

#[derive(Deserialize, Default)]
pub(super) struct WalletQuery {
    holder: Option<String>,
}

pub(super) async fn wallet(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Query(q): Query<WalletQuery>,
) -> Result<Response, PageError> {
    let is_staff = matches!(user.role, Role::Receiver | Role::Specialist | Role::Leader);
    let holder = q.holder.clone().unwrap_or_default();
    if is_staff && holder.trim().is_empty() {
        let page = WalletPage {
            chrome,
            holders: Vec::new(),
            rows: Vec::new(),
            is_staff,
            holder,
        };
        return Ok(render(StatusCode::OK, &page));
    }
    let holders = wallet_holders(&state, &user, q.holder.as_deref())
        .await
        .map_err(|e| PageError::api(chrome.clone(), e))?;
    let rows = state
        .store
        .wallet(&holders)
        .await?
        .into_iter()
        .map(wallet_item_view)
        .map(|item| WalletRow {
            kind_label: kind_label(&item.kind),
            size: human_size(item.size_bytes),
            added: when(item.added_at),
            item,
        })
        .collect();
    let page = WalletPage {
        chrome,
        holders,
        rows,
        is_staff,
        holder,
    };
    Ok(render(StatusCode::OK, &page))
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
pub(super) async fn result_print(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let record = load_visible(&state.app, &user.principal(), &code)
        .await
        .map_err(|e| PageError::api(chrome.clone(), e))?;
    let names = agency_names(&state)
        .await
        .map_err(|e| PageError::api(chrome.clone(), e))?;
    let place = chrome
        .province_name
        .trim_start_matches("Tỉnh ")
        .trim_start_matches("Thành phố ")
        .to_owned();
    let mut sheets = Vec::new();
    for doc in state.store.documents(record.code()).await? {
        if doc.kind != motcua_domain::document::DocumentKind::Result.as_str()
            || doc.destroyed_at.is_some()
        {
            continue;
        }
        let checks = check_hash(&state.store, &doc.sha256).await?;
        let Some(check) = checks.into_iter().find(|c| c.record.document_id == doc.id) else {
            continue;
        };
        let agency_name = name_of(&names, &check.record.agency_code);
        let signed_vn = check
            .record
            .signed_at
            .with_timezone(&motcua_domain::calendar::VN_OFFSET);
        let link = verify_url(&state, &headers, &doc.sha256);
        sheets.push(ResultSheet {
            id: doc.id.to_string(),
            kind_label: kind_label(&doc.kind),
            agency: format!("{agency_name} ({})", check.record.agency_code),
            agency_heading: agency_name.to_uppercase(),
            key_id: check
                .public_key
                .as_deref()
                .and_then(key_id)
                .unwrap_or_else(|| "(không có khóa công khai)".into()),
            signed_at: signed_at_vn(check.record.signed_at),
            place_date: format!("{place}, {}", date_line(&signed_vn)),
            valid: check.valid(),
            detail: check.problem.map_or("Hợp lệ", |p| p.detail_vi()).to_owned(),
            qr: qr_svg(&link, &format!("Mã QR kiểm tra {}", doc.name)),
            link,
            sha256: doc.sha256,
            name: doc.name,
        });
    }
    if sheets.is_empty() {
        return Err(PageError::api(
            chrome,
            ApiError::not_found(format!(
                "Hồ sơ {} chưa có kết quả đã ký số để in.",
                record.code()
            )),
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

// ----------------------------------------------------------------------------- archive

struct RetentionRow {
    code: String,
    procedure_name: String,
    applicant_name: String,
    closed_on: String,
    retention: String,
    archive_after: String,
}

fn retention_row(r: RetentionView) -> RetentionRow {
    RetentionRow {
        retention: retention_text(&r.retention_years),
        archive_after: r.archive_after.map_or_else(
            || "Không tiêu hủy".to_owned(),
            |d| d.format("%d/%m/%Y").to_string(),
        ),
        closed_on: r.closed_on.format("%d/%m/%Y").to_string(),
        code: r.dossier_code,
        procedure_name: r.procedure_name,
        applicant_name: r.applicant_name,
    }
}

struct PackageRow {
    id: String,
    before: String,
    location: String,
    dossiers: i64,
    documents: i64,
    size: String,
    manifest: String,
    created: String,
    created_by: String,
}

fn package_row(p: PackageView) -> PackageRow {
    PackageRow {
        id: p.id.to_string(),
        before: p.before_date.format("%d/%m/%Y").to_string(),
        location: p.location,
        dossiers: p.dossiers,
        documents: p.documents,
        size: human_size(p.bytes),
        manifest: p.manifest_sha256,
        created: when(p.created_at),
        created_by: p.created_by,
    }
}

struct ListRow {
    id: String,
    before: String,
    state: String,
    state_label: &'static str,
    dossiers: i64,
    proposed: String,
    decided: String,
    note: String,
    executed: String,
    items: Vec<RetentionRow>,
}

fn list_row(l: DestructionListView) -> ListRow {
    ListRow {
        id: l.id.to_string(),
        before: l.before_date.format("%d/%m/%Y").to_string(),
        state_label: list_state_label(&l.state),
        state: l.state,
        dossiers: l.dossiers,
        proposed: format!("{} bởi {}", when(l.proposed_at), l.proposed_by),
        decided: match (l.decided_at, l.decided_by) {
            (Some(t), Some(by)) => format!("{} bởi {}", when(t), by),
            _ => String::new(),
        },
        note: l.note.unwrap_or_default(),
        executed: match l.executed_at {
            Some(t) => format!(
                "{} ({} nội dung đã xóa)",
                when(t),
                l.blobs_deleted.unwrap_or_default()
            ),
            None => String::new(),
        },
        items: l
            .items
            .unwrap_or_default()
            .into_iter()
            .map(retention_row)
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "archive.html")]
struct ArchivePage {
    chrome: Chrome,
    archivable: Vec<RetentionRow>,
    packages: Vec<PackageRow>,
    lists: Vec<ListRow>,
    can_decide: bool,
    notice: Option<String>,
}

fn retention_text(years: &Option<i64>) -> String {
    match years {
        Some(n) => format!("{n} năm"),
        None => "Vĩnh viễn".into(),
    }
}

fn list_state_label(state: &str) -> &'static str {
    match state {
        "proposed" => "Chờ phê duyệt",
        "approved" => "Đã phê duyệt, chờ tiêu hủy",
        "rejected" => "Không phê duyệt",
        "executed" => "Đã tiêu hủy",
        _ => "",
    }
}

pub(super) async fn archive(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    if !matches!(user.role, Role::ProvinceAdmin | Role::Auditor) {
        return Err(PageError::api(chrome, ApiError::forbidden()));
    }
    let tomorrow = crate::today_vn().succ_opt().unwrap_or_default();
    let archivable = state.store.archivable(tomorrow, 200).await?;
    let packages = state.store.archive_packages().await?;
    let mut lists = Vec::new();
    for l in state.store.destruction_lists().await? {
        let items = if l.state == "proposed" || l.state == "approved" {
            Some(state.store.destruction_items(l.id).await?)
        } else {
            None
        };
        lists.push(list_row(list_view(l, items)));
    }
    let notice = q.notice.and_then(|n| match n.as_str() {
        "approved" => Some("Đã phê duyệt danh sách tiêu hủy. Tiêu hủy bằng lệnh `motcua archive destroy --list ID`.".to_owned()),
        "rejected" => Some("Đã không phê duyệt danh sách tiêu hủy.".to_owned()),
        _ => None,
    });
    let page = ArchivePage {
        chrome,
        archivable: archivable
            .into_iter()
            .map(retention_view)
            .map(retention_row)
            .collect(),
        packages: packages
            .into_iter()
            .map(package_view)
            .map(package_row)
            .collect(),
        lists,
        can_decide: user.role == Role::ProvinceAdmin,
        notice,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub(super) struct DecisionForm {
    decision: String,
    note: Option<String>,
}

pub(super) async fn archive_decide(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, PageError> {
    if user.role != Role::ProvinceAdmin {
        return Err(PageError::api(chrome, ApiError::forbidden()));
    }
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return Err(PageError::api(
            chrome,
            ApiError::not_found("Không có danh sách tiêu hủy này."),
        ));
    };
    let approve = form.decision == "approve";
    let note = form
        .note
        .map(|n| n.trim().chars().take(2000).collect::<String>())
        .filter(|n| !n.is_empty());
    let audit = user.audit(
        "archive.destruction_decided",
        "archive",
        serde_json::json!({}),
    );
    match state
        .store
        .decide_destruction(id, approve, note.as_deref(), crate::now(), audit)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/admin/archive?notice={}",
            if approve { "approved" } else { "rejected" }
        ))
        .into_response()),
        Err(e) => Err(PageError::api(chrome, e)),
    }
}
