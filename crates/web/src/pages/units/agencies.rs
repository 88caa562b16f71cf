//! Agency administration: the agencies an administrator manages, creating one, and
//! editing one (a unit administrator only its name).

use super::AgencyRow;
use crate::AppState;
use crate::auth::{AuthUser, PageUser};
use crate::pages::{Chrome, PageError, error_page_with, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use motcua_app::AppError;
use motcua_app::units::{self, AgencyInput, may_edit_agency};
use motcua_domain::account::Role;
use motcua_domain::agency::{Agency, AgencyKind};
use serde::Deserialize;

/// The form's fields, kept to show again with an error.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct AgencyForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    unit_code: String,
    #[serde(default)]
    parent_code: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_to: String,
}

impl AgencyForm {
    fn of(a: &Agency) -> AgencyForm {
        AgencyForm {
            code: a.code.to_string(),
            name: a.name.clone(),
            kind: a.kind.as_str().to_owned(),
            unit_code: a.unit_code.clone(),
            parent_code: a
                .parent_code
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            valid_from: a.valid_from.map(|d| d.to_string()).unwrap_or_default(),
            valid_to: a.valid_to.map(|d| d.to_string()).unwrap_or_default(),
        }
    }

    fn input(&self) -> Result<AgencyInput, String> {
        let date = |raw: &str, label: &str| -> Result<Option<NaiveDate>, String> {
            match raw.trim() {
                "" => Ok(None),
                s => motcua_domain::calendar::parse_iso_date(s)
                    .map(Some)
                    .ok_or_else(|| format!("{label} không hợp lệ (dạng 2025-07-01)")),
            }
        };
        Ok(AgencyInput {
            code: Some(self.code.clone()),
            name: self.name.clone(),
            kind: self.kind.clone(),
            unit_code: self.unit_code.clone(),
            parent_code: Some(self.parent_code.clone()),
            valid_from: date(&self.valid_from, "Ngày bắt đầu")?,
            valid_to: date(&self.valid_to, "Ngày kết thúc")?,
        })
    }
}

pub(crate) struct KindOption {
    pub value: &'static str,
    pub label: &'static str,
}

fn kind_options() -> Vec<KindOption> {
    AgencyKind::ALL
        .iter()
        .map(|k| KindOption {
            value: k.as_str(),
            label: k.label_vi(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "agencies.html")]
struct AgenciesPage {
    chrome: Chrome,
    agencies: Vec<AgencyRow>,
    can_create: bool,
    form: AgencyForm,
    kinds: Vec<KindOption>,
    error: Option<String>,
    notice: Option<String>,
}

fn forbidden(chrome: Chrome) -> Response {
    error_page_with(
        chrome,
        StatusCode::FORBIDDEN,
        "Tài khoản của bạn không có quyền quản trị cơ quan.",
    )
}

#[derive(Deserialize)]
pub(crate) struct Notice {
    saved: Option<String>,
}

async fn agencies_page(
    state: &AppState,
    chrome: Chrome,
    user: &AuthUser,
    form: AgencyForm,
    error: Option<String>,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let who = user.principal();
    let mut agencies: Vec<AgencyRow> = units::administered_agencies(&state.app, &who)
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?
        .iter()
        .map(Into::into)
        .collect();
    for a in &mut agencies {
        a.editable = may_edit_agency(&who, &a.code);
    }
    let page = AgenciesPage {
        chrome,
        agencies,
        can_create: user.role == Role::ProvinceAdmin,
        form,
        kinds: kind_options(),
        error,
        notice,
    };
    Ok(render(status, &page))
}

/// `/admin/agencies`: the agencies an administrator may manage, and a form for a new one.
pub(crate) async fn agencies(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Query(notice): Query<Notice>,
) -> Result<Response, PageError> {
    if !matches!(user.role, Role::ProvinceAdmin | Role::UnitAdmin) {
        return Ok(forbidden(chrome));
    }
    let notice = notice.saved.map(|code| format!("Đã lưu cơ quan {code}."));
    let form = AgencyForm {
        kind: AgencyKind::CommuneCommittee.as_str().into(),
        ..AgencyForm::default()
    };
    agencies_page(&state, chrome, &user, form, None, notice, StatusCode::OK).await
}

/// What a refused change says next to the form; failures of the system are pages of their own.
fn refusal(chrome: &Chrome, err: AppError) -> Result<String, PageError> {
    match err {
        AppError::Internal(_) | AppError::Unavailable { .. } | AppError::Broken { .. } => {
            Err(PageError::app(chrome.clone(), err))
        }
        other => Ok(other.detail().into_owned()),
    }
}

pub(crate) async fn create_agency(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Form(form): Form<AgencyForm>,
) -> Result<Response, PageError> {
    if user.role != Role::ProvinceAdmin {
        return Ok(forbidden(chrome));
    }
    let result = match form.input() {
        Ok(input) => units::create_agency(&state.app, &user.principal(), &input)
            .await
            .map_err(|e| refusal(&chrome, e)),
        Err(message) => Err(Ok(message)),
    };
    match result {
        Ok(agency) => {
            Ok(Redirect::to(&format!("/admin/agencies?saved={}", agency.code)).into_response())
        }
        Err(message) => {
            agencies_page(
                &state,
                chrome,
                &user,
                form,
                Some(message?),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "agency_edit.html")]
struct AgencyEditPage {
    chrome: Chrome,
    code: String,
    form: AgencyForm,
    kinds: Vec<KindOption>,
    only_name: bool,
    error: Option<String>,
    successor_code: String,
    /// The account fees are transferred to: BIN, number, holder (as entered, or as typed
    /// when refused).
    account: (String, String, String),
    account_error: Option<String>,
    account_saved: bool,
}

impl AgencyEditPage {
    /// The page for an agency as stored, with its receiving account.
    fn of(
        chrome: Chrome,
        agency: &Agency,
        only_name: bool,
        account: (String, String, String),
    ) -> Self {
        AgencyEditPage {
            chrome,
            code: agency.code.to_string(),
            form: AgencyForm::of(agency),
            kinds: kind_options(),
            only_name,
            error: None,
            successor_code: (agency.successor_code.as_ref())
                .map(ToString::to_string)
                .unwrap_or_default(),
            account,
            account_error: None,
            account_saved: false,
        }
    }
}

/// The agency to edit, or the status and message that refuse it.
async fn load_editable(
    state: &AppState,
    chrome: &Chrome,
    user: &AuthUser,
    code: &str,
) -> Result<Result<Agency, (StatusCode, &'static str)>, PageError> {
    match units::editable_agency(&state.app, &user.principal(), code).await {
        Ok(agency) => Ok(Ok(agency)),
        Err(AppError::NotFound { .. }) => Ok(Err((StatusCode::NOT_FOUND, "Không có cơ quan này."))),
        Err(AppError::Forbidden { .. }) => Ok(Err((
            StatusCode::FORBIDDEN,
            "Bạn chỉ được quản trị cơ quan của mình.",
        ))),
        Err(err) => Err(PageError::app(chrome.clone(), err)),
    }
}

/// `/admin/agencies/{code}`: the edit form.
pub(crate) async fn edit_agency(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Query(q): Query<EditQuery>,
) -> Result<Response, PageError> {
    let agency = match load_editable(&state, &chrome, &user, &code).await? {
        Ok(a) => a,
        Err((status, message)) => return Ok(error_page_with(chrome, status, message)),
    };
    let account = motcua_app::payments::account(&state.app, &user.principal(), &code)
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?
        .map(|a| (a.bank_bin, a.account_no, a.account_name))
        .unwrap_or_default();
    let mut page = AgencyEditPage::of(chrome, &agency, user.role != Role::ProvinceAdmin, account);
    page.account_saved = q.account.as_deref() == Some("saved");
    Ok(render(StatusCode::OK, &page))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct EditQuery {
    /// `saved` after the payment account was saved.
    account: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AccountForm {
    bank_bin: String,
    account_no: String,
    account_name: String,
}

/// `POST /admin/agencies/{code}/payment-account`: the account fees are transferred to.
pub(crate) async fn save_payment_account(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Form(form): Form<AccountForm>,
) -> Result<Response, PageError> {
    let typed = (
        form.bank_bin.as_str(),
        form.account_no.as_str(),
        form.account_name.as_str(),
    );
    match motcua_app::payments::set_account(&state.app, &user.principal(), &code, typed).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/agencies/{code}?account=saved")).into_response()),
        Err(err @ AppError::Invalid { .. }) => {
            let agency = match load_editable(&state, &chrome, &user, &code).await? {
                Ok(a) => a,
                Err((status, message)) => return Ok(error_page_with(chrome, status, message)),
            };
            let typed = (form.bank_bin, form.account_no, form.account_name);
            let mut page =
                AgencyEditPage::of(chrome, &agency, user.role != Role::ProvinceAdmin, typed);
            page.account_error = Some(err.detail().into_owned());
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(err) => Err(PageError::app(chrome, err)),
    }
}

pub(crate) async fn save_agency(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Form(mut form): Form<AgencyForm>,
) -> Result<Response, PageError> {
    let current = match load_editable(&state, &chrome, &user, &code).await? {
        Ok(a) => a,
        Err((status, message)) => return Ok(error_page_with(chrome, status, message)),
    };
    let only_name = user.role != Role::ProvinceAdmin;
    if only_name {
        let name = form.name.clone();
        form = AgencyForm {
            name,
            ..AgencyForm::of(&current)
        };
    }
    form.code = current.code.to_string();
    let result = match form.input() {
        Ok(input) => units::update_agency(&state.app, &user.principal(), &form.code, &input)
            .await
            .map_err(|e| refusal(&chrome, e)),
        Err(message) => Err(Ok(message)),
    };
    match result {
        Ok(agency) => {
            Ok(Redirect::to(&format!("/admin/agencies?saved={}", agency.code)).into_response())
        }
        Err(message) => {
            let account = motcua_app::payments::account(&state.app, &user.principal(), &code)
                .await
                .ok()
                .flatten()
                .map(|a| (a.bank_bin, a.account_no, a.account_name))
                .unwrap_or_default();
            let page = AgencyEditPage {
                chrome: chrome.clone(),
                code: current.code.to_string(),
                form,
                kinds: kind_options(),
                only_name,
                error: Some(message?),
                successor_code: current
                    .successor_code
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                account,
                account_error: None,
                account_saved: false,
            };
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}
