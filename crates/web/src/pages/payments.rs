//! `/payments/statements` (a bank statement reconciled against what dossiers owe) and
//! `/payments/refunds` (payments due back, proposed and decided), over
//! `motcua_app::payments`.

use super::{Chrome, PageError, render};
use crate::AppState;
use crate::auth::PageUser;
use crate::pages::catalogue::vnd;
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::AppError;
use motcua_app::payments::refunds::{self, RefundInput};
use motcua_app::payments::statements::{self, StatementInput, StatementOutcome, StatementReport};
use motcua_domain::account::Role;
use motcua_exchange::statement::StatementColumns;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "payment_statements.html")]
struct StatementsPage {
    chrome: Chrome,
    /// The agencies this officer may import for: (code, name).
    agencies: Vec<(String, String)>,
    agency: String,
    columns: String,
    defaults: String,
    error: Option<String>,
    /// Every broken row: "Trang tính, dòng, cột: lý do".
    issues: Vec<String>,
    report: Option<StatementReport>,
}

impl StatementsPage {
    fn money(&self, amount: &i64) -> String {
        vnd(*amount)
    }
}

async fn agencies_for(state: &AppState, who: &motcua_app::Principal) -> Vec<(String, String)> {
    let names = crate::pages::dossier_common::agency_names(state)
        .await
        .unwrap_or_default();
    let mut list: Vec<(String, String)> = match (who.role, &who.agency_code) {
        (Role::ProvinceAdmin, _) => names.into_iter().collect(),
        (_, Some(own)) => vec![(
            own.clone(),
            crate::pages::dossier_common::name_of(&names, own),
        )],
        _ => Vec::new(),
    };
    list.sort();
    list
}

fn defaults_text() -> String {
    let d = StatementColumns::default();
    format!(
        "reference={},booked_at={},amount={},description={}",
        d.reference, d.booked_at, d.amount, d.description
    )
}

fn may_reconcile(role: Role) -> bool {
    matches!(role, Role::Receiver | Role::UnitAdmin | Role::ProvinceAdmin)
}

/// `GET /payments/statements`: the import form.
pub(crate) async fn statements_form(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    if !may_reconcile(user.role) {
        return Err(PageError::app(chrome, AppError::forbidden()));
    }
    let who = user.principal();
    let agencies = agencies_for(&state, &who).await;
    let page = StatementsPage {
        agency: who.agency_code.clone().unwrap_or_default(),
        agencies,
        columns: String::new(),
        defaults: defaults_text(),
        error: None,
        issues: Vec::new(),
        report: None,
        chrome,
    };
    Ok(render(StatusCode::OK, &page))
}

/// `POST /payments/statements`: a multipart form (`agency`, `columns`, `dry_run`, `file`).
pub(crate) async fn statements_import(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    mut form: Multipart,
) -> Result<Response, PageError> {
    let who = user.principal();
    let (mut agency, mut columns, mut dry_run) = (String::new(), String::new(), false);
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut error = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                if name == "file" {
                    let file_name = field.file_name().unwrap_or("sao-ke").to_owned();
                    match field.bytes().await {
                        Ok(bytes) if !bytes.is_empty() => file = Some((file_name, bytes.to_vec())),
                        Ok(_) => {}
                        Err(e) => error = Some(crate::error::multipart_said(&e)),
                    }
                    continue;
                }
                let text = field.text().await.unwrap_or_default();
                match name.as_str() {
                    "agency" => agency = text.trim().to_owned(),
                    "columns" => columns = text.trim().to_owned(),
                    "dry_run" => dry_run = !text.is_empty(),
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(e) => {
                error = Some(crate::error::multipart_said(&e));
                break;
            }
        }
    }
    let mut page = StatementsPage {
        agencies: agencies_for(&state, &who).await,
        agency: agency.clone(),
        columns: columns.clone(),
        defaults: defaults_text(),
        error,
        issues: Vec::new(),
        report: None,
        chrome: chrome.clone(),
    };
    let status = match (&page.error, file) {
        (Some(_), _) => StatusCode::BAD_REQUEST,
        (None, None) => {
            page.error = Some("Chưa chọn tệp sao kê (CSV hoặc XLSX).".into());
            StatusCode::UNPROCESSABLE_ENTITY
        }
        (None, Some((file_name, bytes))) => {
            let input = StatementInput {
                agency: &agency,
                file_name: &file_name,
                bytes: &bytes,
                columns: &columns,
                dry_run,
            };
            match statements::import(&state.app, &who, &input).await {
                Ok(StatementOutcome::Read(report)) => {
                    page.report = Some(report);
                    StatusCode::OK
                }
                Ok(StatementOutcome::Rejected(issues)) => {
                    page.error = Some(format!(
                        "Bảng kê có {} dòng lỗi; không ghi nhận khoản nào. Sửa các dòng dưới đây rồi nhập lại.",
                        issues.len()
                    ));
                    page.issues = (issues.into_iter())
                        .map(|i| match i.column {
                            Some(c) => {
                                format!("{}, dòng {}, cột {c}: {}", i.sheet, i.row, i.message)
                            }
                            None => format!("{}, dòng {}: {}", i.sheet, i.row, i.message),
                        })
                        .collect();
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                Err(AppError::Forbidden { .. }) => {
                    return Err(PageError::app(chrome, AppError::forbidden()));
                }
                Err(e) => {
                    let status = crate::error::status_of(&e);
                    page.error = Some(e.to_string());
                    status
                }
            }
        }
    };
    Ok(render(status, &page))
}

struct RefundRow {
    transaction_id: String,
    dossier_code: String,
    channel: &'static str,
    amount: String,
    due: String,
    why: String,
    recorded: String,
    status: String,
    /// The proposal: amount and reason.
    proposal: Option<String>,
    may_propose: bool,
    may_decide: bool,
}

#[derive(Template)]
#[template(path = "payment_refunds.html")]
struct RefundsPage {
    chrome: Chrome,
    rows: Vec<RefundRow>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct RefundsQuery {
    notice: Option<String>,
}

async fn refunds_page(
    state: &AppState,
    chrome: Chrome,
    who: &motcua_app::Principal,
    notice: Option<String>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, PageError> {
    let due = refunds::due(&state.app, who)
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?;
    let proposer = matches!(
        who.role,
        Role::Receiver | Role::UnitAdmin | Role::ProvinceAdmin
    );
    let rows = (due.into_iter())
        .map(|r| {
            let open = matches!(r.refund_status.as_deref(), None | Some("rejected"));
            RefundRow {
                channel: motcua_domain::receipt::channel_label(&r.channel),
                amount: vnd(r.amount_vnd),
                due: vnd(r.refund_due_vnd),
                why: match r.refund_due_vnd {
                    0 => format!(
                        "Hồ sơ {}",
                        motcua_domain::dossier::DossierState::parse(&r.dossier_state)
                            .map_or(r.dossier_state.clone(), |s| s.label_vi().to_lowercase())
                    ),
                    _ => "Nộp thừa hoặc nộp trùng".into(),
                },
                recorded: crate::pages::dossier_common::when_utc(&r.recorded_at),
                status: match r.refund_status.as_deref() {
                    None => "Chưa đề nghị".into(),
                    Some("proposed") => "Chờ lãnh đạo duyệt".into(),
                    Some("approved") => "Đã duyệt hoàn trả".into(),
                    Some("rejected") => "Không duyệt".into(),
                    Some(other) => other.to_owned(),
                },
                proposal: (r.refund_amount_vnd.zip(r.refund_reason.clone()))
                    .map(|(a, reason)| format!("{}: {reason}", vnd(a))),
                may_propose: proposer && open,
                may_decide: who.role == Role::Leader
                    && r.refund_status.as_deref() == Some("proposed"),
                transaction_id: r.transaction_id,
                dossier_code: r.dossier_code,
            }
        })
        .collect();
    let (status, error) = match error {
        Some((status, message)) => (status, Some(message)),
        None => (StatusCode::OK, None),
    };
    Ok(render(
        status,
        &RefundsPage {
            chrome,
            rows,
            notice,
            error,
        },
    ))
}

/// `GET /payments/refunds`: payments that may be due back.
pub(crate) async fn refunds_list(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Query(q): Query<RefundsQuery>,
) -> Result<Response, PageError> {
    let notice = match q.notice.as_deref() {
        Some("proposed") => Some("Đã gửi đề nghị hoàn trả; chờ lãnh đạo duyệt.".to_owned()),
        Some("approved") => Some("Đã duyệt hoàn trả.".to_owned()),
        Some("rejected") => Some("Đã không duyệt đề nghị hoàn trả.".to_owned()),
        _ => None,
    };
    refunds_page(&state, chrome, &user.principal(), notice, None).await
}

#[derive(Deserialize)]
pub(crate) struct ProposeForm {
    transaction_id: String,
    #[serde(default)]
    amount_vnd: String,
    #[serde(default)]
    reason: String,
}

/// `POST /payments/refunds/propose`.
pub(crate) async fn refunds_propose(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Form(form): Form<ProposeForm>,
) -> Result<Response, PageError> {
    let who = user.principal();
    let amount = form.amount_vnd.replace(['.', ',', ' '], "");
    let amount_vnd = match amount.as_str() {
        "" => None,
        a => match a.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                let message = "Số tiền hoàn trả phải là số đồng, ví dụ 50000.".to_owned();
                let error = Some((StatusCode::UNPROCESSABLE_ENTITY, message));
                return refunds_page(&state, chrome, &who, None, error).await;
            }
        },
    };
    let input = RefundInput {
        amount_vnd,
        reason: form.reason,
    };
    match refunds::propose(&state.app, &who, &form.transaction_id, &input).await {
        Ok(_) => Ok(Redirect::to("/payments/refunds?notice=proposed").into_response()),
        Err(e) => {
            let error = Some((crate::error::status_of(&e), e.to_string()));
            refunds_page(&state, chrome, &who, None, error).await
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct DecideForm {
    transaction_id: String,
    decision: String,
    #[serde(default)]
    note: String,
}

/// `POST /payments/refunds/decide`.
pub(crate) async fn refunds_decide(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Form(form): Form<DecideForm>,
) -> Result<Response, PageError> {
    let who = user.principal();
    let approve = form.decision == "approve";
    let note = Some(form.note.as_str());
    match refunds::decide(&state.app, &who, &form.transaction_id, approve, note).await {
        Ok(r) => {
            Ok(Redirect::to(&format!("/payments/refunds?notice={}", r.status)).into_response())
        }
        Err(e) => {
            let error = Some((crate::error::status_of(&e), e.to_string()));
            refunds_page(&state, chrome, &who, None, error).await
        }
    }
}
