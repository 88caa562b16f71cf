//! One dossier with its history, and the actions on it.

use super::ActionBody;
use super::views::{DossierView, EventView, SheetRowView, build_view, dossier_view};
use crate::AppState;
use crate::api::ApiJson;
use crate::auth::ApiUser;

use crate::error::{ApiResult, Problem};
use axum::Json;
use axum::extract::{Path, State};
use motcua_app::dossiers as app_dossiers;
use serde::Serialize;
use utoipa::ToSchema;

/// A dossier with its history (events, control sheet form 05), documents and the actions
/// this user may take. 404 for a dossier the user may not see.
#[utoipa::path(
    get, path = "/api/v1/dossiers/{code}", tag = "dossiers",
    params(("code" = String, Path, description = "The dossier code")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The dossier", body = DossierView),
        (status = 404, description = "`dossier_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn one(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<DossierView>> {
    let detail = app_dossiers::read::detail(&state.app, &user.principal(), &code).await?;
    Ok(Json(dossier_view(detail)))
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct HistoryView {
    pub events: Vec<EventView>,
    pub control_sheet: Vec<SheetRowView>,
}

/// A dossier's events, and the processing control sheet (form 05) made from them.
#[utoipa::path(
    get, path = "/api/v1/dossiers/{code}/events", tag = "dossiers",
    params(("code" = String, Path, description = "The dossier code")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Events and control sheet", body = HistoryView),
        (status = 404, description = "`dossier_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn events(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<HistoryView>> {
    let (events, sheet) = app_dossiers::read::history(&state.app, &user.principal(), &code).await?;
    Ok(Json(HistoryView {
        events: events.into_iter().map(EventView::from).collect(),
        control_sheet: sheet.into_iter().map(SheetRowView::from).collect(),
    }))
}

/// Takes an action on a dossier. Not allowed in the current state → 409 with a stable code
/// (`action_not_allowed`, `supplement_already_requested`, …); a stale `version` → 409
/// `stale_version`; not this user's to take → 403; not visible → 404.
#[utoipa::path(
    post, path = "/api/v1/dossiers/{code}/actions", tag = "dossiers", request_body = ActionBody,
    params(("code" = String, Path, description = "The dossier code")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The dossier after the action", body = DossierView),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`dossier_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`stale_version`, `action_not_allowed`, `supplement_already_requested`, `supplement_window_passed`, `no_next_step`, `not_at_last_step`, `apology_already_given`, `apology_too_late`, `already_rated`…", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`missing_field`, `unknown_action`, `reason_required`, `invalid_amount`, `invalid_assignee`, `unknown_agency`…", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn act(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<ActionBody>,
) -> ApiResult<Json<DossierView>> {
    let after = app_dossiers::act::act(&state.app, &user.principal(), &code, &body).await?;
    Ok(Json(build_view(&state, &user, after).await?))
}

/// `GET /api/v1/dossiers/{code}/payment`: what is owed and paid, and how to pay.
#[utoipa::path(
    get, path = "/api/v1/dossiers/{code}/payment", tag = "dossiers",
    params(("code" = String, Path, description = "The dossier code")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Fees, what was asked for and paid, the agency's account and the VietQR payload for what is outstanding", body = motcua_app::payments::PaymentSummary),
        (status = 404, description = "`dossier_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn payment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<motcua_app::payments::PaymentSummary>> {
    Ok(Json(
        motcua_app::payments::summary(&state.app, &user.principal(), &code).await?,
    ))
}
