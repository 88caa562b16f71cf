//! A signed-in citizen's own dossiers.

use super::applicant::render_applicant;
use crate::AppState;
use crate::auth::{AuthUser, PageUser};
use crate::pages::dossier_common::{
    agency_names, api_error_page, name_of, queue_total, when_utc, working_time,
};
use crate::pages::{Chrome, PageError, error_page_with, render};
use motcua_app::dossiers::queue::QueueQuestion;
use motcua_app::dossiers::{self as app_dossiers, applicant};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use motcua_domain::account::Role;
use serde::Deserialize;

pub(crate) struct MyLine {
    pub code: String,
    pub procedure_name: String,
    pub agency_name: String,
    pub state_label: String,
    pub submitted_at: String,
    pub due_at: String,
    pub remaining: String,
}

#[derive(Template)]
#[template(path = "my_dossiers.html")]
struct MyDossiersPage {
    chrome: Chrome,
    lines: Vec<MyLine>,
    total: String,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
    drafts: Vec<DraftLine>,
    draft_days: i64,
    draft_deleted: bool,
}

pub(crate) struct DraftLine {
    pub code: String,
    pub procedure_name: String,
    pub saved_at: String,
    pub expires_at: String,
    pub form_changed: bool,
}

#[derive(Deserialize)]
pub(crate) struct PageQuery {
    page: Option<i64>,
    notice: Option<String>,
}

fn citizens_only(chrome: Chrome, user: &AuthUser) -> Option<Response> {
    (user.role != Role::Citizen).then(|| {
        error_page_with(
            chrome,
            StatusCode::FORBIDDEN,
            "Trang này dành cho công dân, tổ chức nộp hồ sơ. Cán bộ xem hồ sơ tại trang \"Xử lý hồ sơ\" (/work).",
        )
    })
}

/// `GET /my/dossiers`: every dossier a signed-in citizen submitted.
pub(crate) async fn my_dossiers(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    if let Some(denied) = citizens_only(chrome.clone(), &user) {
        return Ok(denied);
    }
    let query = QueueQuestion {
        page: q.page,
        per_page: Some(50),
        ..QueueQuestion::default()
    };
    let (queue, names) = match (
        app_dossiers::queue::queue(&state.app, &user.principal(), query).await,
        agency_names(&state).await,
    ) {
        (Ok(queue), Ok(names)) => (queue, names),
        (Err(err), _) => return Ok(api_error_page(chrome, err)),
        (_, Err(err)) => return Ok(api_error_page(chrome, err)),
    };
    let now = motcua_domain::calendar::to_vn_local(&crate::now());
    let hours = motcua_domain::calendar::WorkingHours::default();
    let holidays = motcua_app::calendar::holidays(&state.app).await?;
    let lines: Vec<MyLine> = queue
        .items
        .into_iter()
        .map(|item| {
            let s = item.summary;
            let remaining = match (&s.due_at, item.due_state) {
                (Some(due), Some(d)) => {
                    let minutes = motcua_domain::calendar::working_minutes_between(
                        now,
                        motcua_domain::calendar::to_vn_local(due),
                        &hours,
                        &holidays,
                    );
                    if d == motcua_domain::dossier::DueState::Overdue {
                        format!("Quá hạn {}", working_time(minutes))
                    } else {
                        format!("Còn {}", working_time(minutes))
                    }
                }
                _ => String::new(),
            };
            MyLine {
                agency_name: name_of(&names, &s.receiving_agency),
                state_label: item
                    .state
                    .map(|st| st.label_vi())
                    .unwrap_or_default()
                    .into(),
                submitted_at: when_utc(&s.submitted_at),
                due_at: s.due_at.as_ref().map(when_utc).unwrap_or_default(),
                code: s.code,
                procedure_name: s.procedure_name,
                remaining,
            }
        })
        .collect();
    let drafts = motcua_app::forms::drafts::mine(&state.app, &user.principal())
        .await?
        .into_iter()
        .map(|d| DraftLine {
            saved_at: when_utc(&d.saved_at),
            expires_at: when_utc(&d.expires_at),
            form_changed: d.form_changed,
            code: d.procedure_code,
            procedure_name: d.procedure_name,
        })
        .collect();
    let has_next = queue.next_cursor.is_some();
    let number = queue.page.unwrap_or(1);
    let page = MyDossiersPage {
        chrome,
        total: queue_total(queue.total, queue.total_exact),
        lines,
        page: number,
        prev: (number > 1).then(|| format!("/my/dossiers?page={}", number - 1)),
        next: has_next.then(|| format!("/my/dossiers?page={}", number + 1)),
        drafts,
        draft_days: motcua_app::forms::drafts::DRAFT_DAYS,
        draft_deleted: q.notice.as_deref() == Some("draft_deleted"),
    };
    Ok(render(StatusCode::OK, &page))
}

/// `GET /my/dossiers/{code}`: one of the citizen's dossiers, as its applicant sees it.
pub(crate) async fn my_dossier(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Query(q): Query<super::applicant::NoticeQuery>,
) -> Result<Response, PageError> {
    if let Some(denied) = citizens_only(chrome.clone(), &user) {
        return Ok(denied);
    }
    let access = match applicant::by_owner(&state.app, &user.principal(), &code).await {
        Ok(a) => a,
        Err(err) => return Ok(api_error_page(chrome, err)),
    };
    let notice = super::applicant::notice_text(q.notice.as_deref());
    render_applicant(&state, chrome, &access, StatusCode::OK, notice, None).await
}
