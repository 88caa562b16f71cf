//! The connectors' queues, and their dead letters.

use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiResult, Problem};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use motcua_app::connectors;
use motcua_store::{Channel, OutboxMessage};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ConnectorView {
    /// `in_app`, `email`, `sms`, `zalo` or `national_portal`.
    #[schema(example = "national_portal")]
    pub connector: String,
    #[schema(example = "Cổng Dịch vụ công quốc gia")]
    pub name: String,
    /// Whether this server is set up to deliver it.
    pub configured: bool,
    /// Waiting for their first try.
    pub pending: i64,
    /// Being sent by a node now.
    pub in_flight: i64,
    /// Tried and failed, waiting for the next try.
    pub failed: i64,
    /// Out of tries or refused for good: waiting for an administrator.
    pub dead: i64,
    /// The age of the oldest message not yet delivered, in seconds.
    pub oldest_pending_seconds: Option<i64>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_failure_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DeadLetterView {
    pub id: Uuid,
    pub connector: String,
    pub kind: String,
    pub subject: String,
    /// The key the receiver may use to recognise a repeat.
    pub idempotency_key: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub dead_at: Option<DateTime<Utc>>,
}

fn dead_view(m: OutboxMessage) -> DeadLetterView {
    DeadLetterView {
        id: m.id,
        connector: m.channel.as_str().to_owned(),
        kind: m.kind,
        subject: m.subject,
        idempotency_key: m.dedup_key,
        attempts: m.attempts,
        last_error: m.last_error,
        created_at: m.created_at,
        dead_at: m.dead_at,
    }
}

/// Every connector's queue: pending, in flight, failed and dead messages, the oldest
/// pending message's age and the last success. Province administrators and auditors.
#[utoipa::path(
    get, path = "/api/v1/integrations", tag = "integrations",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One entry per connector", body = Vec<ConnectorView>),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a province administrator or auditor", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_integrations(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<ConnectorView>>> {
    let views = connectors::overview(&state.app, &user.principal()).await?;
    Ok(Json(
        views
            .into_iter()
            .map(|v| ConnectorView {
                connector: v.stats.channel.as_str().to_owned(),
                name: crate::pages::connector_label(v.stats.channel).to_owned(),
                configured: v.configured,
                pending: v.stats.pending,
                in_flight: v.stats.in_flight,
                failed: v.stats.failed,
                dead: v.stats.dead,
                oldest_pending_seconds: v.oldest_pending_seconds,
                last_success_at: v.stats.last_success_at,
                last_failure_at: v.stats.last_failure_at,
                last_error: v.stats.last_error,
            })
            .collect(),
    ))
}

/// A connector's dead letters, oldest first.
#[utoipa::path(
    get, path = "/api/v1/integrations/{connector}/dead-letters", tag = "integrations",
    params(("connector" = String, Path, description = "`in_app`, `email`, `sms`, `zalo` or `national_portal`")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The dead letters", body = Vec<DeadLetterView>),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a province administrator or auditor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`connector_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_dead_letters(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(connector): Path<String>,
) -> ApiResult<Json<Vec<DeadLetterView>>> {
    let channel = Channel::parse(&connector).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "connector_not_found",
            "Không có kênh kết nối này.",
        )
    })?;
    let dead = connectors::dead_letters(&state.app, &user.principal(), channel).await?;
    Ok(Json(dead.into_iter().map(dead_view).collect()))
}

/// Puts a dead letter back in its queue with fresh tries (audited). Province administrators.
#[utoipa::path(
    post, path = "/api/v1/integrations/messages/{id}/retry", tag = "integrations",
    params(("id" = Uuid, Path, description = "The message")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Queued again"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a province administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`message_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`not_a_dead_letter`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn retry_dead_letter(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    connectors::settle_dead_letter(&state.app, &user.principal(), id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Drops a dead letter for good, releasing the messages of its dossier queued behind it
/// (audited). Province administrators.
#[utoipa::path(
    post, path = "/api/v1/integrations/messages/{id}/drop", tag = "integrations",
    params(("id" = Uuid, Path, description = "The message")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Dropped"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a province administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`message_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`not_a_dead_letter`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn drop_dead_letter(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    connectors::settle_dead_letter(&state.app, &user.principal(), id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ReconciliationQuery {
    /// First day submitted (default: 29 days before `to`).
    pub from: Option<NaiveDate>,
    /// Last day submitted (default: today).
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct UnsyncedView {
    pub code: String,
    pub receiving_agency: String,
    pub received_at: Option<DateTime<Utc>>,
    /// Its national status now (1–10).
    pub status: i64,
    /// The status the portal last accepted; absent when it was never told.
    pub synced_status: Option<i64>,
    pub synced_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ReconciliationView {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Dossiers submitted in the period (the reader's agency for a leader).
    pub submitted: i64,
    /// Never accepted by the portal.
    pub never_synced: i64,
    /// Accepted, but with another national status than they have now.
    pub differing: i64,
    /// Up to 200 of both, oldest first.
    pub dossiers: Vec<UnsyncedView>,
}

/// The reconciliation with the national portal: which dossiers submitted in the period it
/// has never accepted, and which it knows by an older status. Leaders (their agency),
/// province administrators and auditors. The daily job queues these again.
#[utoipa::path(
    get, path = "/api/v1/integrations/national/reconciliation", tag = "integrations",
    params(ReconciliationQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The report", body = ReconciliationView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a leader, province administrator or auditor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_period`: `from` after `to`, or over a year", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn national_reconciliation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<ReconciliationQuery>,
) -> ApiResult<Json<ReconciliationView>> {
    let to = q.to.unwrap_or_else(motcua_app::today_vn);
    let from = q.from.unwrap_or(to - chrono::Days::new(29));
    if from > to || (to - from).num_days() > 366 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_period",
            "Khoảng ngày phải có from không sau to và dài không quá một năm.",
        ));
    }
    let r =
        motcua_app::connectors::reconcile::reconciliation(&state.app, &user.principal(), from, to)
            .await?;
    Ok(Json(ReconciliationView {
        from,
        to,
        submitted: r.submitted,
        never_synced: r.never_synced,
        differing: r.differing,
        dossiers: r
            .dossiers
            .into_iter()
            .map(|d| UnsyncedView {
                code: d.code,
                receiving_agency: d.receiving_agency,
                received_at: d.received_at,
                status: d.status,
                synced_status: d.synced_status,
                synced_at: d.synced_at,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct CatalogueImportQuery {
    /// Check the list only; write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// One procedure of the list and what became of it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ImportedRowView {
    /// The item's place in the list, from 1.
    pub row: usize,
    pub code: String,
    pub name: String,
    /// `created`, `updated`, or `valid` on a dry run.
    pub outcome: String,
}

/// One bad item: where, which national field, and why (in Vietnamese).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ImportIssueView {
    pub row: usize,
    pub field: Option<String>,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CatalogueImportView {
    /// Whether the catalogue now holds the list (false on a dry run or when any item is bad).
    pub imported: bool,
    pub dry_run: bool,
    /// The decision the procedures are published under.
    pub decision: Option<String>,
    pub rows: Vec<ImportedRowView>,
    /// Every bad item; when there is any, nothing is written.
    pub issues: Vec<ImportIssueView>,
}

pub(crate) fn catalogue_import_view(
    report: motcua_app::catalogue::files::ImportReport,
) -> CatalogueImportView {
    use motcua_app::catalogue::files::ImportReport;
    match report {
        ImportReport::Rejected { issues, .. } => CatalogueImportView {
            imported: false,
            dry_run: false,
            decision: None,
            rows: Vec::new(),
            issues: issues
                .into_iter()
                .map(|i| ImportIssueView {
                    row: i.row,
                    field: i.column,
                    code: i.code.to_owned(),
                    message: i.message,
                })
                .collect(),
        },
        ImportReport::Imported {
            decision,
            rows,
            dry_run,
            ..
        } => CatalogueImportView {
            imported: !dry_run,
            dry_run,
            decision: (!dry_run).then_some(decision),
            rows: rows
                .into_iter()
                .map(|r| ImportedRowView {
                    row: r.row,
                    code: r.code,
                    name: r.name,
                    outcome: r.outcome.to_owned(),
                })
                .collect(),
            issues: Vec::new(),
        },
    }
}

/// Fetches the procedure list the national catalogue publishes for the province and imports
/// it through the catalogue's all-or-nothing import (`dry_run`: checks only). Province
/// administrators. A list with any bad item imports nothing; the answer names each one by its
/// place and national field.
#[utoipa::path(
    post, path = "/api/v1/integrations/national/catalogue-import", tag = "integrations",
    params(CatalogueImportQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The report: imported, or every bad item", body = CatalogueImportView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a province administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`national_catalogue_off`: no source is configured", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`national_catalogue_too_large`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`national_catalogue_unreadable`: not a list", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`national_catalogue_unreachable`: the portal is down or refused", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn national_catalogue_import(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<CatalogueImportQuery>,
) -> ApiResult<Json<CatalogueImportView>> {
    let report = motcua_app::connectors::catalogue::import_national_catalogue(
        &state.app,
        &user.principal(),
        q.dry_run,
    )
    .await?;
    Ok(Json(catalogue_import_view(report)))
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(national_catalogue_import))
        .routes(routes!(national_reconciliation))
        .routes(routes!(list_integrations))
        .routes(routes!(list_dead_letters))
        .routes(routes!(retry_dead_letter))
        .routes(routes!(drop_dead_letter))
}
