//! The archive on the wire: what may be archived, packages, destruction lists and the
//! decision on one.

use super::vn_utc;
use crate::AppState;
use crate::api::{ApiJson, ApiQuery};
use crate::auth::ApiUser;
use crate::error::{ApiResult, Problem};
use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, FixedOffset, NaiveDate};
use motcua_app::documents::archive as app_archive;
use motcua_store::{ArchivePackageRecord, DestructionListRecord, RetentionRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RetentionView {
    pub dossier_code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub applicant_name: String,
    pub state: String,
    pub closed_on: NaiveDate,
    /// None: kept permanently.
    pub retention_years: Option<i64>,
    /// After this day the records may be proposed for destruction; None: never.
    pub archive_after: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub archived_at: Option<DateTime<FixedOffset>>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub package_id: Option<Uuid>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub destroyed_at: Option<DateTime<FixedOffset>>,
}

pub(crate) fn retention_view(r: RetentionRecord) -> RetentionView {
    RetentionView {
        dossier_code: r.dossier_code,
        procedure_code: r.procedure_code,
        procedure_name: r.procedure_name,
        applicant_name: r.applicant_name,
        state: r.state,
        closed_on: r.closed_on,
        retention_years: r.retention_years,
        archive_after: r.archive_after,
        archived_at: r.archived_at.map(vn_utc),
        package_id: r.package_id,
        destroyed_at: r.destroyed_at.map(vn_utc),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PackageView {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub before_date: NaiveDate,
    pub location: String,
    pub dossiers: i64,
    pub documents: i64,
    pub bytes: i64,
    pub manifest_sha256: String,
    pub created_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<FixedOffset>,
}

pub(crate) fn package_view(p: ArchivePackageRecord) -> PackageView {
    PackageView {
        id: p.id,
        before_date: p.before_date,
        location: p.location,
        dossiers: p.dossiers,
        documents: p.documents,
        bytes: p.bytes,
        manifest_sha256: p.manifest_sha256,
        created_by: p.created_by,
        created_at: vn_utc(p.created_at),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DestructionListView {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub before_date: NaiveDate,
    /// `proposed`, `approved`, `rejected` or `executed`.
    pub state: String,
    pub dossiers: i64,
    pub proposed_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub proposed_at: DateTime<FixedOffset>,
    pub decided_by: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<DateTime<FixedOffset>>,
    pub note: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub executed_at: Option<DateTime<FixedOffset>>,
    pub blobs_deleted: Option<i64>,
    /// The records on the list (in the detail only).
    pub items: Option<Vec<RetentionView>>,
}

pub(crate) fn list_view(
    l: DestructionListRecord,
    items: Option<Vec<RetentionRecord>>,
) -> DestructionListView {
    DestructionListView {
        id: l.id,
        before_date: l.before_date,
        state: l.state,
        dossiers: l.dossiers,
        proposed_by: l.proposed_by,
        proposed_at: vn_utc(l.proposed_at),
        decided_by: l.decided_by,
        decided_at: l.decided_at.map(vn_utc),
        note: l.note,
        executed_at: l.executed_at.map(vn_utc),
        blobs_deleted: l.blobs_deleted,
        items: items.map(|i| i.into_iter().map(retention_view).collect()),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ArchivableQuery {
    /// Closed before this day (default: today).
    #[serde(
        default,
        deserialize_with = "motcua_domain::calendar::strict_date::option"
    )]
    #[param(value_type = Option<crate::api::contract::formats::IsoDate>, inline)]
    pub before: Option<NaiveDate>,
}

/// Closed dossiers not archived yet (at most 500), oldest first.
#[utoipa::path(
    get, path = "/api/v1/archive/archivable", tag = "archive", params(ArchivableQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Closed dossiers waiting for `motcua archive export`", body = Vec<RetentionView>),
        (status = 403, description = "Province administrators and auditors only", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn archivable(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<ArchivableQuery>,
) -> ApiResult<Json<Vec<RetentionView>>> {
    let rows = app_archive::archivable(&state.app, &user.principal(), q.before, 500).await?;
    Ok(Json(rows.into_iter().map(retention_view).collect()))
}

/// Archive packages written, newest first.
#[utoipa::path(
    get, path = "/api/v1/archive/packages", tag = "archive",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Packages", body = Vec<PackageView>),
        (status = 403, description = "Province administrators and auditors only", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn packages(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<PackageView>>> {
    let rows = app_archive::packages(&state.app, &user.principal()).await?;
    Ok(Json(rows.into_iter().map(package_view).collect()))
}

/// Destruction lists, newest first.
#[utoipa::path(
    get, path = "/api/v1/archive/destruction-lists", tag = "archive",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Lists", body = Vec<DestructionListView>),
        (status = 403, description = "Province administrators and auditors only", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn destruction_lists(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<DestructionListView>>> {
    let rows = app_archive::destruction_lists(&state.app, &user.principal()).await?;
    Ok(Json(rows.into_iter().map(|l| list_view(l, None)).collect()))
}

/// A destruction list with its records.
#[utoipa::path(
    get, path = "/api/v1/archive/destruction-lists/{id}", tag = "archive",
    params(("id" = String, Path, description = "The list")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The list", body = DestructionListView),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn destruction_list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<DestructionListView>> {
    let (list, items) = app_archive::destruction_list(&state.app, &user.principal(), &id).await?;
    Ok(Json(list_view(list, Some(items))))
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct DecisionBody {
    /// true approves, false rejects.
    pub approve: bool,
    pub note: Option<String>,
}

/// A province administrator approves (or rejects) a proposed destruction list; nothing is
/// deleted before approval, and then only by `motcua archive destroy --list ID`.
#[utoipa::path(
    post, path = "/api/v1/archive/destruction-lists/{id}/decision", tag = "archive",
    params(("id" = String, Path, description = "The list")), request_body = DecisionBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The list after the decision", body = DestructionListView),
        (status = 403, description = "Province administrators only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`destruction_list_decided`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn decide(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> ApiResult<Json<DestructionListView>> {
    let who = user.principal();
    let note = body.note.as_deref();
    let list = app_archive::decide(&state.app, &who, &id, body.approve, note).await?;
    Ok(Json(list_view(list, None)))
}
