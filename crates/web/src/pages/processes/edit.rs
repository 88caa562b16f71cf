//! Drafting, saving and approving a process from its page.

use super::form::{Draft, draft_error, form_context, process_page};
use super::{can_draft, staff_page};
use crate::AppState;
use crate::auth::{AuthUser, PageUser};
use crate::error::{logged, status_of};
use crate::pages::{Chrome, PageError, error_page_with, render};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::AppError;
use motcua_app::processes::{self, parse_id};
use motcua_domain::account::Role;
use motcua_store::ProcessRecord;
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct NewQuery {
    procedure: Option<String>,
    scope: Option<String>,
    from: Option<String>,
}

/// `GET /processes/new[?procedure=&scope=][?from=ID]`: a blank draft, a suggestion from
/// the legal time, or a copy of an approved process to adjust.
pub(crate) async fn new_form(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    if let Some(denied) = staff_page(&chrome, &user) {
        return Ok(denied);
    }
    if !can_draft(&user) {
        return Ok(error_page_with(
            chrome,
            StatusCode::FORBIDDEN,
            "Chỉ quản trị cấp tỉnh, lãnh đạo hoặc quản trị đơn vị được soạn quy trình.",
        ));
    }
    let own_scope = user.agency_code.as_ref().map(|a| format!("agency:{a}"));
    let mut draft = Draft::default();
    let copied = match q.from.as_deref().and_then(|f| Uuid::parse_str(f).ok()) {
        Some(from) => match processes::one(&state.app, &user.principal(), from).await {
            Ok(p) => Some(p),
            Err(AppError::NotFound { .. }) => None,
            Err(err) => return Err(PageError::app(chrome, err)),
        },
        None => None,
    };
    if let Some(p) = copied {
        draft = Draft::from_steps(&p.procedure_code, &p.scope, &p.steps, &p.note);
    } else if let Some(code) = q.procedure.as_deref().filter(|c| !c.is_empty()) {
        let scope = match user.role {
            Role::ProvinceAdmin => q.scope.clone().unwrap_or_else(|| "level:commune".into()),
            _ => own_scope.clone().unwrap_or_default(),
        };
        if let Some(steps) = processes::suggestion(&state.app, code, &scope).await? {
            draft = Draft::from_steps(
                code,
                &scope,
                &steps,
                "Gợi ý theo thời hạn giải quyết: tiếp nhận 10%, thẩm định 60%, phê duyệt 20%.",
            );
        }
    }
    if draft.scope.is_empty()
        && let Some(own) = own_scope
    {
        draft.scope = own;
    }
    let page = process_page(&state, chrome, &user, None, draft, None, None).await?;
    Ok(render(StatusCode::OK, &page))
}

async fn save_draft(
    state: &AppState,
    chrome: Chrome,
    user: &AuthUser,
    existing: Option<&ProcessRecord>,
    draft: Draft,
) -> Result<Response, PageError> {
    let body = match draft.body() {
        Ok(body) => body,
        Err(message) => {
            let page =
                process_page(state, chrome, user, existing, draft, Some(message), None).await?;
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    match processes::draft(&state.app, &user.principal(), body).await {
        Ok(record) => {
            Ok(Redirect::to(&format!("/processes/{}?saved=1", record.id)).into_response())
        }
        Err(err) => {
            let err = logged(err);
            let ctx = form_context(state, user).await?;
            let message = draft_error(&err, &draft, &ctx);
            let page =
                process_page(state, chrome, user, existing, draft, Some(message), None).await?;
            Ok(render(status_of(&err), &page))
        }
    }
}

/// `POST /processes/new`.
pub(crate) async fn create(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    if let Some(denied) = staff_page(&chrome, &user) {
        return Ok(denied);
    }
    save_draft(&state, chrome, &user, None, Draft::from_form(&form)).await
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DetailQuery {
    saved: Option<String>,
    approved: Option<String>,
}

async fn load(
    state: &AppState,
    chrome: &Chrome,
    user: &AuthUser,
    id: &str,
) -> Result<ProcessRecord, Response> {
    let not_found = || {
        error_page_with(
            chrome.clone(),
            StatusCode::NOT_FOUND,
            "Không tìm thấy quy trình.",
        )
    };
    let id = parse_id(id).map_err(|_| not_found())?;
    match processes::one(&state.app, &user.principal(), id).await {
        Ok(p) => Ok(p),
        Err(AppError::NotFound { .. }) => Err(not_found()),
        Err(e) => Err(PageError::app(chrome.clone(), e).into_response()),
    }
}

/// `GET /processes/{id}`: the process; a draft is edited here and approved from here.
pub(crate) async fn detail(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, PageError> {
    if let Some(denied) = staff_page(&chrome, &user) {
        return Ok(denied);
    }
    let process = match load(&state, &chrome, &user, &id).await {
        Ok(p) => p,
        Err(response) => return Ok(response),
    };
    let notice = if q.approved.is_some() {
        Some("Đã phê duyệt: hồ sơ mới của thủ tục này sẽ theo quy trình này.".to_owned())
    } else if q.saved.is_some() {
        Some("Đã lưu dự thảo.".to_owned())
    } else {
        None
    };
    let draft = Draft::from_steps(
        &process.procedure_code,
        &process.scope,
        &process.steps,
        &process.note,
    );
    let page = process_page(&state, chrome, &user, Some(&process), draft, None, notice).await?;
    Ok(render(StatusCode::OK, &page))
}

/// `POST /processes/{id}`: saves the draft (same procedure and scope).
pub(crate) async fn save(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    if let Some(denied) = staff_page(&chrome, &user) {
        return Ok(denied);
    }
    let process = match load(&state, &chrome, &user, &id).await {
        Ok(p) => p,
        Err(response) => return Ok(response),
    };
    let mut draft = Draft::from_form(&form);
    draft.procedure = process.procedure_code.clone();
    draft.scope = process.scope.clone();
    save_draft(&state, chrome, &user, Some(&process), draft).await
}

/// `POST /processes/{id}/approve`.
pub(crate) async fn approve(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    if let Some(denied) = staff_page(&chrome, &user) {
        return Ok(denied);
    }
    let process = match load(&state, &chrome, &user, &id).await {
        Ok(p) => p,
        Err(response) => return Ok(response),
    };
    match processes::approve(&state.app, &user.principal(), process.id).await {
        Ok(p) => Ok(Redirect::to(&format!("/processes/{}?approved=1", p.id)).into_response()),
        Err(err) => {
            let draft = Draft::from_steps(
                &process.procedure_code,
                &process.scope,
                &process.steps,
                &process.note,
            );
            let err = logged(err);
            let status = status_of(&err);
            let page = process_page(
                &state,
                chrome,
                &user,
                Some(&process),
                draft,
                Some(format!("Chưa phê duyệt được: {}", err.detail())),
                None,
            )
            .await?;
            Ok(render(status, &page))
        }
    }
}
