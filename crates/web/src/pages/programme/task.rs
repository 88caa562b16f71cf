//! One task with its history and the report form.

use super::{TaskRow, change_text, page_error, reader, task_row};
use crate::AppState;
use crate::auth::{AuthUser, PageUser};
use crate::pages::{Chrome, PageError, render};
use crate::programme::{self as prog, local};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::AppError;
use motcua_domain::programme::TaskStatus;
use motcua_store::TaskRecord;
use serde::Deserialize;
use uuid::Uuid;

struct HistoryRow {
    at: String,
    who: String,
    change: String,
    note: String,
    links: Vec<String>,
}

/// What the report form shows back.
struct ReportForm {
    status: String,
    progress: String,
    note: String,
    links: String,
}

#[derive(Template)]
#[template(path = "programme_task.html")]
struct TaskPage {
    chrome: Chrome,
    task: TaskRow,
    description: String,
    group_title: String,
    updated: String,
    history: Vec<HistoryRow>,
    evidence: Vec<(String, String)>,
    can_update: bool,
    statuses: Vec<(&'static str, &'static str)>,
    form: ReportForm,
    saved: bool,
    error: Option<String>,
}

async fn task_page(
    state: &AppState,
    user: &AuthUser,
    chrome: Chrome,
    task: TaskRecord,
    form: Option<ReportForm>,
    saved: bool,
    error: Option<String>,
) -> Result<TaskPage, PageError> {
    let today = crate::today_vn();
    let updates = state.store.task_updates(task.id).await?;
    let group_title = match state.store.programme_of_task(task.id).await? {
        Some(programme) => state
            .store
            .task_groups(programme)
            .await?
            .into_iter()
            .find(|g| g.id == task.group_id)
            .map_or_else(String::new, |g| format!("{}. {}", g.position, g.title)),
        None => String::new(),
    };
    let evidence = updates
        .iter()
        .flat_map(|u| u.links.iter().map(move |l| (l.clone(), local(u.at))))
        .collect();
    let history = updates
        .iter()
        .rev()
        .map(|u| HistoryRow {
            at: local(u.at),
            who: format!("{} ({})", u.actor_name, u.actor),
            change: change_text(
                (u.old_status, u.old_progress),
                (u.new_status, u.new_progress),
            ),
            note: u.note.clone(),
            links: u.links.clone(),
        })
        .collect();
    let form = form.unwrap_or_else(|| ReportForm {
        status: task.status.as_str().to_owned(),
        progress: task.progress.percent().to_string(),
        note: String::new(),
        links: String::new(),
    });
    Ok(TaskPage {
        chrome,
        can_update: prog::may_update(user, &task),
        description: task.description.clone(),
        updated: format!("{} bởi {}", local(task.updated_at), task.updated_by),
        task: task_row(&task, today),
        group_title,
        history,
        evidence,
        statuses: TaskStatus::ALL
            .into_iter()
            .map(|s| (s.as_str(), s.label_vi()))
            .collect(),
        form,
        saved,
        error,
    })
}

async fn task_or_404(
    state: &AppState,
    chrome: Chrome,
    id: &str,
) -> Result<(Chrome, TaskRecord), PageError> {
    let found = match Uuid::parse_str(id) {
        Ok(id) => state.store.task(id).await?,
        Err(_) => None,
    };
    match found {
        Some(task) => Ok((chrome, task)),
        None => Err(page_error(
            chrome,
            StatusCode::NOT_FOUND,
            "Không tìm thấy nhiệm vụ này.",
        )),
    }
}

#[derive(Deserialize)]
pub(crate) struct SavedQuery {
    saved: Option<String>,
}

pub(crate) async fn task(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, PageError> {
    let chrome = reader(&user, chrome)?;
    let (chrome, task) = task_or_404(&state, chrome, &id).await?;
    let page = task_page(&state, &user, chrome, task, None, q.saved.is_some(), None).await?;
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub(crate) struct ReportFields {
    #[serde(default)]
    status: String,
    #[serde(default)]
    progress: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    links: String,
}

pub(crate) async fn task_update(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Path(id): Path<String>,
    Form(fields): Form<ReportFields>,
) -> Result<Response, PageError> {
    let chrome = reader(&user, chrome)?;
    let (chrome, task) = task_or_404(&state, chrome, &id).await?;
    if !prog::may_update(&user, &task) {
        return Err(page_error(
            chrome,
            StatusCode::FORBIDDEN,
            "Chỉ cán bộ của cơ quan chủ trì hoặc quản trị cấp tỉnh được cập nhật nhiệm vụ này.",
        ));
    }
    let links: Vec<String> = fields.links.lines().map(str::to_owned).collect();
    let outcome = match fields.progress.trim().parse::<i64>() {
        Ok(progress) => {
            let report = motcua_app::programme::TaskReport {
                status: &fields.status,
                progress,
                note: &fields.note,
                links: &links,
            };
            motcua_app::programme::report(
                &state.app,
                &user.principal(),
                &user.display_name,
                &task,
                report,
            )
            .await
        }
        Err(_) => Err(AppError::malformed(
            "invalid_progress",
            "Tiến độ phải là số nguyên từ 0 đến 100.",
        )),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/programme/tasks/{}?saved=1", task.id)).into_response()),
        // The person's own mistake: the form again, with what they typed and why.
        Err(
            err @ (AppError::Malformed { .. }
            | AppError::Invalid { .. }
            | AppError::Conflict { .. }
            | AppError::NotFound { .. }
            | AppError::Forbidden { .. }),
        ) => {
            let form = ReportForm {
                status: fields.status,
                progress: fields.progress,
                note: fields.note,
                links: fields.links,
            };
            let status = crate::error::status_of(&err);
            let page = task_page(
                &state,
                &user,
                chrome,
                task,
                Some(form),
                false,
                Some(err.detail().into_owned()),
            )
            .await?;
            Ok(render(status, &page))
        }
        Err(err) => Err(PageError::app(chrome, err)),
    }
}
