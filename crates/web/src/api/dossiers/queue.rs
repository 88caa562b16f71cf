//! The officers' queue and its counts per agency.

use super::vn_utc;
use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::{ApiUser, AuthUser};

use crate::error::{ApiResult, Problem};
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, FixedOffset};
use motcua_app::dossiers as app_dossiers;
use motcua_app::dossiers::queue::{QueueItem, QueuePage, QueueQuestion as QueueQuery};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SummaryView {
    pub code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub applicant_name: String,
    pub state: String,
    pub state_label: String,
    pub national_status: i64,
    pub channel: String,
    pub receiving_agency: String,
    pub handling_agency: String,
    pub desk_agency: String,
    pub step: i64,
    pub assignee: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub submitted_at: DateTime<FixedOffset>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub received_at: Option<DateTime<FixedOffset>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<DateTime<FixedOffset>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<DateTime<FixedOffset>>,
    /// `on_time`, `due_soon` or `overdue`, while in flight.
    pub due_state: Option<String>,
    /// It waits for a supplement, and the applicant has sent documents since the request.
    pub supplement_arrived: bool,
    pub version: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct QueueView {
    pub items: Vec<SummaryView>,
    /// Matching dossiers, counted up to 10 000: when `total_exact` is false, more than
    /// `total` match and the number of pages is unknown.
    pub total: i64,
    /// Whether `total` is the exact count rather than the cap.
    pub total_exact: bool,
    /// The page's number, or null when it was read with `after` or `before`.
    pub page: Option<i64>,
    pub per_page: i64,
    /// Pass as `after` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// Pass as `before` for the previous page; null on the first page.
    pub prev_cursor: Option<String>,
}

pub(crate) fn summary_view(item: QueueItem) -> SummaryView {
    let QueueItem {
        summary: s,
        state,
        due_state,
        supplement_arrived,
    } = item;
    SummaryView {
        state_label: state.map(|s| s.label_vi()).unwrap_or_default().into(),
        code: s.code,
        procedure_code: s.procedure_code,
        procedure_name: s.procedure_name,
        applicant_name: s.applicant_name,
        state: s.state,
        national_status: s.national_status,
        channel: s.channel,
        receiving_agency: s.receiving_agency,
        handling_agency: s.handling_agency,
        desk_agency: s.desk_agency,
        step: s.step_no,
        assignee: s.assignee,
        submitted_at: vn_utc(s.submitted_at),
        received_at: s.received_at.map(vn_utc),
        due_at: s.due_at.map(vn_utc),
        finished_at: s.finished_at.map(vn_utc),
        due_state: due_state.map(|d| d.as_str().to_owned()),
        supplement_arrived,
        version: s.version,
    }
}

fn queue_view(page: QueuePage) -> QueueView {
    QueueView {
        items: page.items.into_iter().map(summary_view).collect(),
        total: page.total,
        total_exact: page.total_exact,
        page: page.page,
        per_page: page.per_page,
        next_cursor: page.next_cursor,
        prev_cursor: page.prev_cursor,
    }
}

/// The queue: a citizen's own dossiers, an officer's agency's, or all for province
/// administrators and auditors; most urgent first.
#[utoipa::path(
    get, path = "/api/v1/dossiers", tag = "dossiers", params(QueueQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the queue", body = QueueView),
        (status = 400, description = "`invalid_query`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> ApiResult<Json<QueueView>> {
    Ok(Json(queue_for(&state, &user, q).await?))
}

/// One page of the queue as `user` may see it.
pub(crate) async fn queue_for(
    state: &AppState,
    user: &AuthUser,
    q: QueueQuery,
) -> ApiResult<QueueView> {
    let page = app_dossiers::queue::queue(&state.app, &user.principal(), q).await?;
    Ok(queue_view(page))
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CountView {
    pub agency_code: String,
    pub open: i64,
    pub due_soon: i64,
    pub overdue: i64,
}

/// Open dossiers per agency (at whose desk they are), with how many are due soon or overdue.
#[utoipa::path(
    get, path = "/api/v1/dossiers/counts", tag = "dossiers",
    security(("bearer" = [])),
    responses((status = 200, description = "Counts per agency", body = Vec<CountView>))
)]
pub(crate) async fn counts(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<CountView>>> {
    Ok(Json(counts_for(&state, &user).await?))
}

/// Open dossiers per desk agency among those `user` may see.
pub(crate) async fn counts_for(state: &AppState, user: &AuthUser) -> ApiResult<Vec<CountView>> {
    let rows = app_dossiers::queue::counts(&state.app, &user.principal()).await?;
    Ok(rows
        .into_iter()
        .map(|c| CountView {
            agency_code: c.agency_code,
            open: c.open,
            due_soon: c.due_soon,
            overdue: c.overdue,
        })
        .collect())
}
