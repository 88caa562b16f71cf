//! The transformation programme: tasks by group, their history, reports, and the review.

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::programme::{self as prog, Loaded, TaskFilter};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use motcua_app::programme::{AgencyRef, ReviewView, load, review_view};
use motcua_domain::programme as rules;
use motcua_store::{TaskRecord, TaskUpdateRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TaskView {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    /// Group and task number, e.g. `3.2`.
    #[schema(example = "3.2")]
    pub code: String,
    pub title: String,
    pub description: String,
    /// The responsible agency.
    pub agency: AgencyRef,
    /// The person answerable.
    pub person: String,
    pub cooperators: Vec<AgencyRef>,
    pub deadline: NaiveDate,
    /// `not_started`, `in_progress` or `done`.
    #[schema(example = "in_progress")]
    pub status: String,
    /// 0 to 100.
    pub progress: u8,
    /// Past the deadline and not done.
    pub overdue: bool,
    pub days_late: i64,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

pub(crate) fn task_view(t: &TaskRecord, today: NaiveDate) -> TaskView {
    let overdue = rules::is_overdue(t.deadline, t.status, today);
    TaskView {
        id: t.id,
        code: t.code(),
        title: t.title.clone(),
        description: t.description.clone(),
        agency: AgencyRef {
            code: t.agency_code.clone(),
            name: t.agency_name.clone(),
        },
        person: t.person.clone(),
        cooperators: t
            .cooperators
            .iter()
            .map(|(code, name)| AgencyRef {
                code: code.clone(),
                name: name.clone(),
            })
            .collect(),
        deadline: t.deadline,
        status: t.status.as_str().to_owned(),
        progress: t.progress.percent(),
        overdue,
        days_late: if overdue {
            rules::days_late(t.deadline, today)
        } else {
            0
        },
        updated_at: t.updated_at,
        updated_by: t.updated_by.clone(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct GroupView {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub position: i64,
    pub title: String,
    pub description: String,
    pub tasks: Vec<TaskView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ProgrammeView {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub agency_code: String,
    /// The date (UTC+7) overdue flags were computed for.
    pub today: NaiveDate,
    /// Groups with the tasks that pass the filters (every group is listed).
    pub groups: Vec<GroupView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ProgrammeQuery {
    /// A programme's id; the first programme by default.
    programme: Option<Uuid>,
    /// `not_started`, `in_progress` or `done`.
    #[param(value_type = Option<crate::api::contract::choices::TaskStatus>, inline)]
    status: Option<String>,
    /// An agency code: tasks it leads or cooperates on.
    #[param(value_type = Option<crate::api::contract::formats::AgencyCode>, inline)]
    agency: Option<String>,
    /// `true` for overdue tasks only.
    #[param(value_type = Option<bool>)]
    overdue: Option<String>,
    /// Compute overdue flags as of this date instead of today (UTC+7).
    #[serde(
        default,
        deserialize_with = "motcua_domain::calendar::strict_date::option"
    )]
    #[param(value_type = Option<crate::api::contract::formats::IsoDate>, inline)]
    as_of: Option<NaiveDate>,
}

fn programme_view(loaded: &Loaded, filter: &TaskFilter, today: NaiveDate) -> ProgrammeView {
    ProgrammeView {
        id: loaded.programme.id,
        title: loaded.programme.title.clone(),
        description: loaded.programme.description.clone(),
        agency_code: loaded.programme.agency_code.clone(),
        today,
        groups: loaded
            .groups
            .iter()
            .map(|g| GroupView {
                id: g.id,
                position: g.position,
                title: g.title.clone(),
                description: g.description.clone(),
                tasks: loaded
                    .tasks
                    .iter()
                    .filter(|t| t.group_id == g.id && filter.matches(t, today))
                    .map(|t| task_view(t, today))
                    .collect(),
            })
            .collect(),
    }
}

async fn loaded(state: &AppState, wanted: Option<Uuid>) -> ApiResult<Loaded> {
    load(&state.app, wanted)
        .await?
        .ok_or_else(|| ApiError::not_found("Chưa có chương trình nào."))
}

/// The programme with its groups and tasks (staff only).
#[utoipa::path(
    get, path = "/api/v1/programme", tag = "programme", params(ProgrammeQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The programme", body = ProgrammeView),
        (status = 400, description = "`invalid_task_status` or `invalid_query`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Citizens cannot read the programme", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such programme", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn programme(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<ProgrammeQuery>,
) -> ApiResult<Json<ProgrammeView>> {
    prog::require_reader(&user)?;
    let filter = TaskFilter::parse(
        q.status.as_deref(),
        q.agency.as_deref(),
        q.overdue.as_deref(),
    )?;
    let loaded = loaded(&state, q.programme).await?;
    let today = q.as_of.unwrap_or_else(crate::today_vn);
    Ok(Json(programme_view(&loaded, &filter, today)))
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct UpdateView {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// Username of who reported.
    pub actor: String,
    pub actor_name: String,
    pub old_status: String,
    pub new_status: String,
    pub old_progress: u8,
    pub new_progress: u8,
    pub note: String,
    /// Evidence links.
    pub links: Vec<String>,
}

pub(crate) fn update_view(u: &TaskUpdateRecord) -> UpdateView {
    UpdateView {
        id: u.id,
        at: u.at,
        actor: u.actor.clone(),
        actor_name: u.actor_name.clone(),
        old_status: u.old_status.as_str().to_owned(),
        new_status: u.new_status.as_str().to_owned(),
        old_progress: u.old_progress.percent(),
        new_progress: u.new_progress.percent(),
        note: u.note.clone(),
        links: u.links.clone(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TaskDetailView {
    pub task: TaskView,
    /// Every report, oldest first.
    pub history: Vec<UpdateView>,
    /// Whether the caller may report on this task.
    pub can_update: bool,
}

impl From<motcua_app::programme::TaskDetail> for TaskDetailView {
    fn from(detail: motcua_app::programme::TaskDetail) -> TaskDetailView {
        TaskDetailView {
            can_update: detail.can_update,
            task: task_view(&detail.task, crate::today_vn()),
            history: detail.updates.iter().map(update_view).collect(),
        }
    }
}

/// A task with its history of updates and evidence (staff only).
#[utoipa::path(
    get, path = "/api/v1/programme/tasks/{id}", tag = "programme",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The task's id", format = Uuid)),
    responses(
        (status = 200, description = "The task", body = TaskDetailView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Citizens cannot read the programme", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such task", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn task(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<TaskDetailView>> {
    let detail = motcua_app::programme::task(&state.app, &user.principal(), &id).await?;
    Ok(Json(detail.into()))
}

/// A report on a task.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct UpdateBody {
    /// `not_started`, `in_progress` or `done`.
    #[schema(example = "in_progress")]
    pub status: String,
    /// 0 to 100; `done` needs 100, `not_started` 0, `in_progress` below 100.
    #[schema(example = 60)]
    pub progress: i64,
    #[serde(default)]
    pub note: String,
    /// Evidence: absolute http(s) links, at most 10.
    #[serde(default)]
    pub links: Vec<String>,
}

/// Reports progress on a task: its new status and progress, a note, evidence links.
/// For a province administrator or staff of the responsible agency.
#[utoipa::path(
    post, path = "/api/v1/programme/tasks/{id}/updates", tag = "programme",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The task's id", format = Uuid)),
    request_body = UpdateBody,
    responses(
        (status = 201, description = "Recorded; the task as it is now", body = TaskDetailView),
        (status = 400, description = "`invalid_task_status`, `invalid_progress`, `status_progress_mismatch`, `invalid_evidence_link`, `too_many_evidence_links`, `note_too_long`, `nothing_changed` or `malformed_json`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not answerable for this task", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such task", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_json_fields`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn post_update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateBody>,
) -> ApiResult<(StatusCode, Json<TaskDetailView>)> {
    let who = user.principal();
    let detail = motcua_app::programme::task(&state.app, &who, &id).await?;
    let report = motcua_app::programme::TaskReport {
        status: &body.status,
        progress: body.progress,
        note: &body.note,
        links: &body.links,
    };
    motcua_app::programme::report(&state.app, &who, &user.display_name, &detail.task, report)
        .await?;
    let after = motcua_app::programme::task(&state.app, &who, &id).await?;
    Ok((StatusCode::CREATED, Json(after.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ReviewQuery {
    /// A programme's id; the first programme by default.
    programme: Option<Uuid>,
    /// Count late tasks as of this date instead of today (UTC+7).
    #[serde(
        default,
        deserialize_with = "motcua_domain::calendar::strict_date::option"
    )]
    #[param(value_type = Option<crate::api::contract::formats::IsoDate>, inline)]
    as_of: Option<NaiveDate>,
}

/// The review by group: share done, late tasks with the person and organisation
/// answerable, and what changed since the last review session.
#[utoipa::path(
    get, path = "/api/v1/programme/review", tag = "programme", params(ReviewQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The review", body = ReviewView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Citizens cannot read the programme", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such programme", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn review(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<ReviewQuery>,
) -> ApiResult<Json<ReviewView>> {
    prog::require_reader(&user)?;
    let loaded = loaded(&state, q.programme).await?;
    let today = q.as_of.unwrap_or_else(crate::today_vn);
    let review = motcua_app::programme::review(&state.app, &loaded, today).await?;
    Ok(Json(review_view(&loaded, &review, today)))
}

/// This module's routes, each with its OpenAPI path (the path comes from its `#[utoipa::path]`).
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(programme))
        .routes(routes!(review))
        .routes(routes!(task))
        .routes(routes!(post_update))
}
