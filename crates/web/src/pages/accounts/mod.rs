//! `/admin/users`: accounts for province administrators (every account) and unit
//! administrators (the officers of their agency): disable, enable, change role or agency,
//! end sessions and tokens. The rules and the audit are the application's, as for
//! `motcua user …`.

use crate::AppState;
use crate::auth::PageUser;
use crate::pages::dossier_common::{agency_names, name_of};
use crate::pages::{Chrome, PageError, error_page_with, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::AppError;
use motcua_app::accounts::{self, AccountChange};
use motcua_app::identity::admin;
use motcua_domain::account::Role;
use motcua_store::UserFilter;
use serde::Deserialize;

/// The roles an administrator may hand out from this page.
const ROLES: [Role; 7] = [
    Role::Citizen,
    Role::Receiver,
    Role::Specialist,
    Role::Leader,
    Role::UnitAdmin,
    Role::ProvinceAdmin,
    Role::Auditor,
];

struct Row {
    username: String,
    display_name: String,
    role: String,
    role_label: &'static str,
    agency: String,
    agency_code: String,
    active: bool,
    /// The subject bound at the organisation's provider (single sign-on), if any.
    sso_subject: String,
}

struct RoleOption {
    value: &'static str,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct AccountsPage {
    chrome: Chrome,
    rows: Vec<Row>,
    roles: Vec<RoleOption>,
    province: bool,
    filter_agency: String,
    filter_role: String,
    filter_status: String,
    notice: Option<String>,
    error: Option<String>,
    /// Whether officers may sign in through an organisation's provider here.
    sso: bool,
    /// The agency shown, and whether its staff may use single sign-on.
    sso_agency: Option<(String, bool)>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AccountsQuery {
    agency: Option<String>,
    role: Option<String>,
    /// `active` (default), `disabled` or `all`.
    status: Option<String>,
    done: Option<String>,
}

fn administers(role: Role) -> bool {
    matches!(role, Role::ProvinceAdmin | Role::UnitAdmin)
}

fn forbidden(chrome: Chrome) -> Response {
    error_page_with(
        chrome,
        StatusCode::FORBIDDEN,
        "Trang này dành cho quản trị cấp tỉnh và quản trị đơn vị.",
    )
}

pub(crate) async fn list(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Query(q): Query<AccountsQuery>,
) -> Result<Response, PageError> {
    if !administers(user.role) {
        return Ok(forbidden(chrome));
    }
    let notice = q
        .done
        .as_deref()
        .map(|u| format!("Đã cập nhật tài khoản {u}."));
    page(&state, chrome, &user, q, notice, None, StatusCode::OK).await
}

async fn page(
    state: &AppState,
    chrome: Chrome,
    user: &crate::auth::AuthUser,
    q: AccountsQuery,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let fail = |chrome: &Chrome, e: AppError| PageError::app(chrome.clone(), e);
    let text = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or_default().to_owned();
    let (filter_agency, filter_role) = (text(&q.agency), text(&q.role));
    let filter_status = match text(&q.status).as_str() {
        "disabled" | "all" => text(&q.status),
        _ => "active".to_owned(),
    };
    let role = match filter_role.as_str() {
        "" => None,
        r => Some(
            r.parse::<Role>()
                .map_err(|e| fail(&chrome, AppError::malformed("invalid_query", e.to_string())))?,
        ),
    };
    let filter = UserFilter {
        agency_code: (!filter_agency.is_empty()).then(|| filter_agency.clone()),
        role,
        active: match filter_status.as_str() {
            "all" => None,
            "disabled" => Some(false),
            _ => Some(true),
        },
    };
    let who = user.principal();
    let users = accounts::list_accounts(&state.app, Some(&who), filter)
        .await
        .map_err(|e| fail(&chrome, e))?;
    let names = agency_names(state).await.map_err(|e| fail(&chrome, e))?;
    let sso = state.app.identity_providers().staff_key().is_some();
    let mut subjects = match sso {
        true => admin::staff_subjects(&state.app)
            .await
            .map_err(|e| fail(&chrome, e))?,
        false => Default::default(),
    };
    let shown_agency = match user.role {
        Role::UnitAdmin => user.agency_code.clone(),
        _ => (!filter_agency.is_empty()).then(|| filter_agency.clone()),
    };
    let sso_agency = match shown_agency.filter(|_| sso) {
        Some(code) => {
            let allowed = admin::agency_sso_allowed(&state.app, &code)
                .await
                .map_err(|e| fail(&chrome, e))?;
            Some((code, allowed))
        }
        None => None,
    };
    let rows = users
        .into_iter()
        .map(|u| Row {
            sso_subject: subjects.remove(&u.id).unwrap_or_default(),
            agency: u
                .agency_code
                .as_deref()
                .map(|a| name_of(&names, a))
                .unwrap_or_default(),
            agency_code: u.agency_code.unwrap_or_default(),
            role: u.role.as_str().to_owned(),
            role_label: u.role.label_vi(),
            username: u.username,
            display_name: u.display_name,
            active: u.active,
        })
        .collect();
    let province = user.role == Role::ProvinceAdmin;
    let roles = ROLES
        .into_iter()
        .filter(|r| province || matches!(r, Role::Receiver | Role::Specialist | Role::Leader))
        .map(|r| RoleOption {
            value: r.as_str(),
            label: r.label_vi(),
        })
        .collect();
    let page = AccountsPage {
        chrome,
        rows,
        roles,
        province,
        filter_agency,
        filter_role,
        filter_status,
        notice,
        error,
        sso,
        sso_agency,
    };
    Ok(render(status, &page))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ChangeForm {
    /// `disable`, `enable`, `revoke`, `role`, `agency`, `sso_bind` or `sso_unbind`.
    action: String,
    role: Option<String>,
    agency: Option<String>,
    /// The subject at the organisation's provider (`sso_bind`, `sso_unbind`).
    subject: Option<String>,
}

/// `POST /admin/users/{username}`: one change, then back to the list.
pub(crate) async fn change(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(username): Path<String>,
    Form(form): Form<ChangeForm>,
) -> Result<Response, PageError> {
    if !administers(user.role) {
        return Ok(forbidden(chrome));
    }
    let agency = form
        .agency
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned);
    let what = match form.action.as_str() {
        "disable" => Some(AccountChange::Disable),
        "enable" => Some(AccountChange::Enable),
        "revoke" => Some(AccountChange::RevokeTokens),
        "role" => Some(AccountChange::SetRole {
            role: form.role.clone().unwrap_or_default(),
            agency,
        }),
        "agency" => agency.map(|agency| AccountChange::SetAgency { agency }),
        _ => None,
    };
    let who = user.principal();
    let subject = form.subject.as_deref().unwrap_or_default();
    let result = match (form.action.as_str(), what) {
        (bind @ ("sso_bind" | "sso_unbind"), _) => admin::bind_staff_subject(
            &state.app,
            Some(&who),
            &username,
            subject,
            bind == "sso_bind",
        )
        .await
        .map(|_| ()),
        (_, Some(what)) => {
            accounts::change_account(&state.app, Some(&user.principal()), &username, what)
                .await
                .map(|_| ())
        }
        (_, None) => Err(AppError::invalid(
            "invalid_change",
            "Chọn một thao tác, và cơ quan khi chuyển cơ quan.",
        )),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "/admin/users?{}",
            serde_urlencoded::to_string([("done", username.as_str())]).unwrap_or_default()
        ))
        .into_response()),
        Err(AppError::Internal(e)) => Err(PageError::app(chrome, AppError::Internal(e))),
        Err(err) => {
            let status = crate::error::status_of(&err);
            let message = format!("Tài khoản {username}: {}", err.detail());
            page(
                &state,
                chrome,
                &user,
                AccountsQuery::default(),
                None,
                Some(message),
                status,
            )
            .await
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct SsoForm {
    /// `1` allows, anything else stops.
    allowed: String,
}

/// `POST /admin/sso/{agency}`: lets the agency's staff sign in through the organisation's
/// provider, or stops it.
pub(crate) async fn agency_sso(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(agency): Path<String>,
    Form(form): Form<SsoForm>,
) -> Result<Response, PageError> {
    if !administers(user.role) {
        return Ok(forbidden(chrome));
    }
    let allowed = form.allowed == "1";
    admin::set_agency_sso(&state.app, Some(&user.principal()), &agency, allowed)
        .await
        .map_err(|e| PageError::app(chrome, e))?;
    let query = serde_urlencoded::to_string([("agency", agency.as_str())]).unwrap_or_default();
    Ok(Redirect::to(&format!("/admin/users?{query}")).into_response())
}
