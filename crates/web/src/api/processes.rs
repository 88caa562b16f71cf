//! Internal processes: draft, review and approve, list, and what is still missing.

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiResult, Problem};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use motcua_app::processes;
use motcua_domain::dossier::{ProcessState, ProcessStep};
use motcua_store::{MissingProcess, ProcessRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

// The bodies are app's inputs, as they are.
pub(crate) use motcua_app::processes::ProcessInput as ProcessBody;

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct StepView {
    pub no: usize,
    pub name: String,
    pub role: String,
    pub agency_code: Option<String>,
    pub budget_minutes: u32,
    /// In working hours (8 make a working day).
    pub budget_hours: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ProcessView {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub procedure_code: String,
    /// `agency:<code>` or `level:<level>`.
    pub scope: String,
    pub agency_code: Option<String>,
    #[schema(example = "commune")]
    pub level: String,
    pub version_no: i64,
    /// `draft`, `approved` or `superseded`.
    pub state: String,
    pub state_label: String,
    pub steps: Vec<StepView>,
    pub budget_minutes: i64,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub superseded_at: Option<DateTime<Utc>>,
}

pub(crate) fn step_views(steps: &[ProcessStep]) -> Vec<StepView> {
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| StepView {
            no: i,
            name: s.name.clone(),
            role: s.role.as_str().to_owned(),
            agency_code: s.agency.as_ref().map(|a| a.to_string()),
            budget_minutes: s.budget_minutes,
            budget_hours: f64::from(s.budget_minutes) / 60.0,
        })
        .collect()
}

impl From<ProcessRecord> for ProcessView {
    fn from(p: ProcessRecord) -> ProcessView {
        ProcessView {
            id: p.id,
            procedure_code: p.procedure_code,
            scope: p.scope,
            agency_code: p.agency_code,
            level: p.level.as_str().to_owned(),
            version_no: p.version_no,
            state: p.state.as_str().to_owned(),
            state_label: p.state.label_vi().to_owned(),
            steps: step_views(&p.steps),
            budget_minutes: p.budget_minutes,
            note: p.note,
            created_by: p.created_by,
            created_at: p.created_at,
            approved_by: p.approved_by,
            approved_at: p.approved_at,
            superseded_at: p.superseded_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct MissingView {
    pub procedure_code: String,
    pub name: String,
    pub level: String,
    pub agency_code: Option<String>,
    pub agency_kind: Option<String>,
}

impl From<MissingProcess> for MissingView {
    fn from(m: MissingProcess) -> MissingView {
        MissingView {
            procedure_code: m.procedure_code,
            name: m.name,
            level: m.level.as_str().to_owned(),
            agency_code: m.agency_code,
            agency_kind: m.agency_kind.map(|k| k.as_str().to_owned()),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ProcessQuery {
    /// One procedure's processes.
    #[param(value_type = Option<crate::api::contract::formats::ProcedureCode>, inline)]
    procedure: Option<String>,
    /// One agency's processes (with the level defaults).
    #[param(value_type = Option<crate::api::contract::formats::AgencyCode>, inline)]
    agency: Option<String>,
    /// `draft`, `approved` or `superseded`.
    #[param(value_type = Option<crate::api::contract::choices::ProcessState>, inline)]
    state: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct MissingQuery {
    /// The day to look at (`YYYY-MM-DD`); today by default.
    #[param(value_type = Option<crate::api::contract::formats::CalendarDate>, inline)]
    date: Option<String>,
}

/// Processes, newest version first within each procedure and scope.
#[utoipa::path(
    get, path = "/api/v1/processes", tag = "processes", params(ProcessQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Processes", body = Vec<ProcessView>),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Citizens have no access", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<ProcessQuery>,
) -> ApiResult<Json<Vec<ProcessView>>> {
    let who = user.principal();
    processes::staff(&who)?;
    let wanted = match q.state.as_deref() {
        Some(s) => Some(ProcessState::parse(s).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_query",
                "Trạng thái quy trình: draft, approved hoặc superseded.",
            )
        })?),
        None => None,
    };
    let list = processes::list(
        &state.app,
        &who,
        q.procedure.as_deref(),
        q.agency.as_deref(),
        wanted,
    )
    .await?;
    Ok(Json(list.into_iter().map(ProcessView::from).collect()))
}

/// One process version.
#[utoipa::path(
    get, path = "/api/v1/processes/{id}", tag = "processes",
    params(("id" = String, Path, description = "The process version's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The process", body = ProcessView),
        (status = 404, description = "No such process", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn one(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<ProcessView>> {
    let who = user.principal();
    processes::staff(&who)?;
    let id = processes::parse_id(&id)?;
    Ok(Json(processes::one(&state.app, &who, id).await?.into()))
}

/// Drafts a process (or rewrites the open draft of the same procedure and scope). The
/// steps' budgets must add up to no more than the procedure's legal time.
#[utoipa::path(
    post, path = "/api/v1/processes", tag = "processes", request_body = ProcessBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The draft", body = ProcessView),
        (status = 403, description = "Only a province administrator, or the agency's leader or unit administrator for its own process", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`procedure_not_published`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`process_over_legal_time`, `process_without_steps`, `invalid_step_budget`, `invalid_step_name`, `invalid_role`, `invalid_level`, `unknown_agency`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn draft(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<ProcessBody>,
) -> ApiResult<(StatusCode, Json<ProcessView>)> {
    let record = processes::draft(&state.app, &user.principal(), body).await?;
    Ok((StatusCode::CREATED, Json(record.into())))
}

/// Approves a draft: new dossiers start on it; the approved version before it is superseded.
#[utoipa::path(
    post, path = "/api/v1/processes/{id}/approve", tag = "processes",
    params(("id" = String, Path, description = "The draft's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The approved process", body = ProcessView),
        (status = 403, description = "Only a province administrator, or the agency's leader for its own process", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such process", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`process_not_draft`, `procedure_not_published`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`process_over_legal_time` (the legal time changed since drafting)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn approve(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<ProcessView>> {
    let who = user.principal();
    processes::staff(&who)?;
    let id = processes::parse_id(&id)?;
    Ok(Json(processes::approve(&state.app, &who, id).await?.into()))
}

/// Published procedures, as assigned on the day, that no approved process covers.
#[utoipa::path(
    get, path = "/api/v1/processes/missing", tag = "processes", params(MissingQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Procedures without an approved process", body = Vec<MissingView>),
        (status = 400, description = "`invalid_date`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn missing(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<MissingQuery>,
) -> ApiResult<Json<Vec<MissingView>>> {
    let who = user.principal();
    processes::staff(&who)?;
    let date: NaiveDate = match q.date.as_deref() {
        Some(raw) => crate::calendar::parse_date(raw)?,
        None => crate::today_vn(),
    };
    let list = processes::missing(&state.app, &who, date).await?;
    Ok(Json(list.into_iter().map(MissingView::from).collect()))
}

/// This module's routes, each with its OpenAPI path (the path comes from its `#[utoipa::path]`).
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, draft))
        .routes(routes!(missing))
        .routes(routes!(one))
        .routes(routes!(approve))
}
