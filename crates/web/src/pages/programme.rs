//! The programme tracker's pages: the tasks by group with filters, one task with its
//! history and the report form, the review by group, and the exports.

use super::{Chrome, PageError, error_page_with, render};
use crate::AppState;
use crate::auth::{AuthUser, PageUser};
use crate::error::ApiError;
use crate::programme::{self as prog, Loaded, TaskFilter, dmy, local};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use motcua_domain::account::Role;
use motcua_domain::programme::{self as rules, TaskStatus};
use motcua_store::TaskRecord;
use serde::Deserialize;
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

struct GroupBlock {
    position: i64,
    title: String,
    description: String,
    rows: Vec<TaskRow>,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "programme.html")]
struct ProgrammePage {
    chrome: Chrome,
    title: String,
    description: String,
    today: String,
    groups: Vec<GroupBlock>,
    statuses: Vec<Choice>,
    agencies: Vec<Choice>,
    overdue_only: bool,
    shown: usize,
    total: usize,
    filtered: bool,
    export_query: String,
}

#[derive(Deserialize, Default)]
pub(super) struct OverviewQuery {
    programme: Option<String>,
    status: Option<String>,
    agency: Option<String>,
    overdue: Option<String>,
}

fn programme_id(raw: Option<&str>) -> Option<Uuid> {
    raw.and_then(|p| Uuid::parse_str(p.trim()).ok())
}

pub(super) async fn overview(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Query(q): Query<OverviewQuery>,
) -> Result<Response, PageError> {
    let chrome = reader(&user, chrome)?;
    let filter = match TaskFilter::parse(
        q.status.as_deref(),
        q.agency.as_deref(),
        q.overdue.as_deref(),
    ) {
        Ok(f) => f,
        Err(err) => return Err(from_api(chrome, err)),
    };
    let (chrome, loaded) =
        loaded_or_page(&state, chrome, programme_id(q.programme.as_deref())).await?;
    let today = crate::today_vn();
    let groups: Vec<GroupBlock> = loaded
        .groups
        .iter()
        .map(|g| GroupBlock {
            position: g.position,
            title: g.title.clone(),
            description: g.description.clone(),
            rows: loaded
                .tasks
                .iter()
                .filter(|t| t.group_id == g.id && filter.matches(t, today))
                .map(|t| task_row(t, today))
                .collect(),
        })
        .collect();
    let mut agencies: Vec<(String, String)> = loaded
        .tasks
        .iter()
        .flat_map(|t| {
            std::iter::once((t.agency_code.clone(), t.agency_name.clone()))
                .chain(t.cooperators.iter().cloned())
        })
        .collect();
    agencies.sort();
    agencies.dedup();
    let statuses = TaskStatus::ALL
        .into_iter()
        .map(|s| Choice {
            value: s.as_str().into(),
            label: s.label_vi().into(),
            selected: filter.status == Some(s),
        })
        .collect();
    let agencies = agencies
        .into_iter()
        .map(|(code, name)| Choice {
            selected: filter.agency.as_deref() == Some(code.as_str()),
            value: code,
            label: name,
        })
        .collect();
    let page = ProgrammePage {
        chrome,
        title: loaded.programme.title.clone(),
        description: loaded.programme.description.clone(),
        today: dmy(today),
        shown: groups.iter().map(|g| g.rows.len()).sum(),
        total: loaded.tasks.len(),
        groups,
        statuses,
        agencies,
        overdue_only: filter.overdue,
        filtered: !filter.is_empty(),
        export_query: format!("?programme={}", loaded.programme.id),
    };
    Ok(render(StatusCode::OK, &page))
}

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
pub(super) struct SavedQuery {
    saved: Option<String>,
}

pub(super) async fn task(
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
pub(super) struct ReportFields {
    #[serde(default)]
    status: String,
    #[serde(default)]
    progress: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    links: String,
}

pub(super) async fn task_update(
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
            prog::report(
                &state,
                &user,
                &task,
                &fields.status,
                progress,
                &fields.note,
                &links,
            )
            .await
        }
        Err(_) => Err(ApiError::bad_request(
            "invalid_progress",
            "Tiến độ phải là số nguyên từ 0 đến 100.",
        )),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/programme/tasks/{}?saved=1", task.id)).into_response()),
        Err(err) if err.status.is_client_error() => {
            let form = ReportForm {
                status: fields.status,
                progress: fields.progress,
                note: fields.note,
                links: fields.links,
            };
            let status = err.status;
            let page = task_page(
                &state,
                &user,
                chrome,
                task,
                Some(form),
                false,
                Some(err.detail),
            )
            .await?;
            Ok(render(status, &page))
        }
        Err(err) => Err(from_api(chrome, err)),
    }
}

struct LateRow {
    id: Uuid,
    code: String,
    title: String,
    deadline: String,
    days_late: i64,
    progress: u8,
    person: String,
    agency_name: String,
}

struct GroupReviewRow {
    position: i64,
    title: String,
    total: usize,
    done: usize,
    in_progress: usize,
    not_started: usize,
    share_done: u8,
    mean_progress: u8,
    late: Vec<LateRow>,
}

struct ChangeRow {
    id: Uuid,
    code: String,
    title: String,
    change: String,
    completed: bool,
    updates: usize,
    last_at: String,
}

#[derive(Template)]
#[template(path = "programme_review.html")]
struct ReviewPage {
    chrome: Chrome,
    title: String,
    today: String,
    total: usize,
    done: usize,
    late: usize,
    share_done: u8,
    groups: Vec<GroupReviewRow>,
    last_review: Option<String>,
    changes: Vec<ChangeRow>,
    can_close: bool,
    closed: bool,
    programme_id: Uuid,
    readiness: super::dashboard::ReadinessBlock,
}

#[derive(Deserialize, Default)]
pub(super) struct ReviewQuery {
    programme: Option<String>,
    closed: Option<String>,
}

pub(super) async fn review(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Query(q): Query<ReviewQuery>,
) -> Result<Response, PageError> {
    let chrome = reader(&user, chrome)?;
    let (chrome, loaded) =
        loaded_or_page(&state, chrome, programme_id(q.programme.as_deref())).await?;
    let today = crate::today_vn();
    let review = match motcua_app::programme::review(&state.app, &loaded, today).await {
        Ok(r) => r,
        Err(err) => return Err(from_api(chrome, err.into())),
    };
    let view = motcua_app::programme::review_view(&loaded, &review, today);
    let readiness = match crate::stats::readiness(&state.app).await {
        Ok(r) => super::dashboard::readiness_block(&r),
        Err(err) => return Err(from_api(chrome, err.into())),
    };
    let groups = view
        .groups
        .into_iter()
        .map(|g| GroupReviewRow {
            position: g.position,
            title: g.title,
            total: g.total,
            done: g.done,
            in_progress: g.in_progress,
            not_started: g.not_started,
            share_done: g.share_done,
            mean_progress: g.mean_progress,
            late: g
                .late
                .into_iter()
                .map(|l| LateRow {
                    id: l.id,
                    code: l.code,
                    title: l.title,
                    deadline: dmy(l.deadline),
                    days_late: l.days_late,
                    progress: l.progress,
                    person: l.person,
                    agency_name: l.agency.name,
                })
                .collect(),
        })
        .collect();
    let changes = review
        .changes
        .iter()
        .zip(view.changes_since_last_review)
        .map(|(c, v)| ChangeRow {
            id: v.task_id,
            code: v.code,
            title: v.title,
            change: change_text(
                (c.from_status, c.from_progress),
                (c.to_status, c.to_progress),
            ),
            completed: c.completed(),
            updates: v.updates,
            last_at: local(v.last_at),
        })
        .collect();
    let page = ReviewPage {
        can_close: user.role == Role::ProvinceAdmin,
        chrome,
        title: loaded.programme.title.clone(),
        today: dmy(today),
        total: view.total,
        done: view.done,
        late: view.late,
        share_done: view.share_done,
        groups,
        last_review: review
            .last_review
            .as_ref()
            .map(|r| format!("{} ({})", local(r.held_at), r.held_by)),
        changes,
        closed: q.closed.is_some(),
        programme_id: loaded.programme.id,
        readiness,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub(super) struct CloseFields {
    programme: Option<String>,
    #[serde(default)]
    note: String,
}

/// A province administrator closes the review session: later reports count as new.
pub(super) async fn close_review(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Form(fields): Form<CloseFields>,
) -> Result<Response, PageError> {
    if user.role != Role::ProvinceAdmin {
        return Err(page_error(
            chrome,
            StatusCode::FORBIDDEN,
            "Chỉ quản trị cấp tỉnh được kết thúc phiên rà soát.",
        ));
    }
    let (_, loaded) =
        loaded_or_page(&state, chrome, programme_id(fields.programme.as_deref())).await?;
    let note: String = fields.note.trim().chars().take(2000).collect();
    let audit = user.audit(
        "programme.reviewed",
        format!("programme:{}", loaded.programme.id),
        serde_json::json!({ "note": note }),
    );
    state
        .store
        .record_review(
            loaded.programme.id,
            crate::now(),
            &user.username,
            &note,
            audit,
        )
        .await?;
    Ok(Redirect::to(&format!(
        "/programme/review?programme={}&closed=1",
        loaded.programme.id
    ))
    .into_response())
}

#[derive(Deserialize, Default)]
pub(super) struct ExportQuery {
    programme: Option<String>,
}

fn attachment(content_type: &'static str, filename: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

fn export_failed(chrome: Chrome) -> PageError {
    page_error(
        chrome,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Không tạo được tệp xuất. Vui lòng thử lại sau.",
    )
}

pub(super) async fn export_csv(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Query(q): Query<ExportQuery>,
) -> Result<Response, PageError> {
    let chrome = reader(&user, chrome)?;
    let (chrome, loaded) =
        loaded_or_page(&state, chrome, programme_id(q.programme.as_deref())).await?;
    match prog::export_csv(&loaded, crate::today_vn()) {
        Ok(bytes) => Ok(attachment(
            "text/csv; charset=utf-8",
            "chuong-trinh-chuyen-doi.csv",
            bytes,
        )),
        Err(err) => {
            tracing::error!(error = %err, "CSV export failed");
            Err(export_failed(chrome))
        }
    }
}

pub(super) async fn export_xlsx(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Query(q): Query<ExportQuery>,
) -> Result<Response, PageError> {
    let chrome = reader(&user, chrome)?;
    let (chrome, loaded) =
        loaded_or_page(&state, chrome, programme_id(q.programme.as_deref())).await?;
    match prog::export_xlsx(&loaded, crate::today_vn()) {
        Ok(bytes) => Ok(attachment(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "chuong-trinh-chuyen-doi.xlsx",
            bytes,
        )),
        Err(err) => {
            tracing::error!(error = %err, "XLSX export failed");
            Err(export_failed(chrome))
        }
    }
}
