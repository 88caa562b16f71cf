//! The programme tracker's pages: the tasks by group with filters, one task with its
//! history and the report form, the review by group, and the exports.

mod export;
mod overview;
mod review;
mod task;

pub(super) use export::{export_csv, export_xlsx};
pub(super) use overview::overview;
pub(super) use review::{close_review, review};
pub(super) use task::{task, task_update};

use super::{Chrome, PageError, error_page_with};
use crate::AppState;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::programme::{Loaded, dmy};
use axum::http::StatusCode;
use chrono::NaiveDate;
use motcua_domain::programme::{self as rules, TaskStatus};
use motcua_store::TaskRecord;
use uuid::Uuid;

fn page_error(chrome: Chrome, status: StatusCode, message: &str) -> PageError {
    PageError(Box::new(error_page_with(chrome, status, message)))
}

fn from_api(chrome: Chrome, err: ApiError) -> PageError {
    if err.status.is_server_error() {
        return page_error(
            chrome,
            err.status,
            "Không đọc được dữ liệu. Vui lòng thử lại sau ít phút.",
        );
    }
    page_error(chrome, err.status, &err.detail)
}

/// Staff only: citizens see a readable 403.
fn reader(user: &AuthUser, chrome: Chrome) -> Result<Chrome, PageError> {
    if rules::may_read_programme(user.role) {
        Ok(chrome)
    } else {
        Err(page_error(
            chrome,
            StatusCode::FORBIDDEN,
            "Chương trình chuyển đổi chỉ dành cho cán bộ, công chức.",
        ))
    }
}

async fn loaded_or_page(
    state: &AppState,
    chrome: Chrome,
    wanted: Option<Uuid>,
) -> Result<(Chrome, Loaded), PageError> {
    match motcua_app::programme::load(&state.app, wanted).await {
        Ok(Some(loaded)) => Ok((chrome, loaded)),
        Ok(None) => Err(page_error(
            chrome,
            StatusCode::NOT_FOUND,
            "Chưa có chương trình chuyển đổi nào.",
        )),
        Err(err) => Err(from_api(chrome, err.into())),
    }
}

/// A task as a table row shows it.
struct TaskRow {
    id: Uuid,
    code: String,
    title: String,
    agency_name: String,
    person: String,
    cooperators: String,
    deadline: String,
    status_label: &'static str,
    status_class: &'static str,
    progress: u8,
    overdue: bool,
    days_late: i64,
}

fn task_row(t: &TaskRecord, today: NaiveDate) -> TaskRow {
    let overdue = rules::is_overdue(t.deadline, t.status, today);
    TaskRow {
        id: t.id,
        code: t.code(),
        title: t.title.clone(),
        agency_name: t.agency_name.clone(),
        person: t.person.clone(),
        cooperators: t
            .cooperators
            .iter()
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        deadline: dmy(t.deadline),
        status_label: t.status.label_vi(),
        status_class: match t.status {
            TaskStatus::NotStarted => "status-not-started",
            TaskStatus::InProgress => "status-in-progress",
            TaskStatus::Done => "status-done",
        },
        progress: t.progress.percent(),
        overdue,
        days_late: rules::days_late(t.deadline, today),
    }
}

fn programme_id(raw: Option<&str>) -> Option<Uuid> {
    raw.and_then(|p| Uuid::parse_str(p.trim()).ok())
}

fn change_text(old: (TaskStatus, rules::Progress), new: (TaskStatus, rules::Progress)) -> String {
    if old == new {
        "Bổ sung ghi chú, minh chứng".to_owned()
    } else if old.0 == new.0 {
        format!("Tiến độ {}% → {}%", old.1.percent(), new.1.percent())
    } else {
        format!(
            "{} ({}%) → {} ({}%)",
            old.0.label_vi(),
            old.1.percent(),
            new.0.label_vi(),
            new.1.percent()
        )
    }
}
