//! One task with its history and the report form.

use super::{TaskRow, change_text, page_error, reader, task_row};
use crate::AppState;
use crate::auth::{AuthUser, PageUser};
use crate::pages::{Chrome, PageError, render};
use crate::programme::local;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::AppError;
use motcua_app::programme::TaskDetail;
use motcua_domain::programme::TaskStatus;
use serde::Deserialize;

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

fn task_page(
    chrome: Chrome,
    detail: TaskDetail,
    form: Option<ReportForm>,
    saved: bool,
    error: Option<String>,
) -> TaskPage {
    let today = crate::today_vn();
    let TaskDetail {
        task,
        updates,
        group,
        can_update,
    } = detail;
    let group_title = group.map_or_else(String::new, |g| format!("{}. {}", g.position, g.title));
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
    TaskPage {
        chrome,
        can_update,
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
    }
}

/// The task, or the page that says why not (not found, or not a reader).
async fn task_or_page(
    state: &AppState,
    user: &AuthUser,
    chrome: Chrome,
    id: &str,
) -> Result<(Chrome, TaskDetail), PageError> {
    match motcua_app::programme::task(&state.app, &user.principal(), id).await {
        Ok(detail) => Ok((chrome, detail)),
        Err(err) => Err(PageError::app(chrome, err)),
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
    let (chrome, detail) = task_or_page(&state, &user, chrome, &id).await?;
    let page = task_page(chrome, detail, None, q.saved.is_some(), None);
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
    let (chrome, detail) = task_or_page(&state, &user, chrome, &id).await?;
    if !detail.can_update {
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
                &detail.task,
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
        Ok(_) => Ok(
            Redirect::to(&format!("/programme/tasks/{}?saved=1", detail.task.id)).into_response(),
        ),
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
                chrome,
                detail,
                Some(form),
                false,
                Some(err.detail().into_owned()),
            );
            Ok(render(status, &page))
        }
        Err(err) => Err(PageError::app(chrome, err)),
    }
}
