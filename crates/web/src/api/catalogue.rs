//! The procedure catalogue: search, details, statistics, drafts, publication,
//! devolution and exports.

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::auth::{ApiUser, AuthUser, MaybeUser};
use crate::catalogue::CatalogueError;
use crate::error::{ApiError, ApiResult, Problem};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use motcua_app::catalogue::drafts::Via;
use motcua_app::catalogue::search::{parse_opt, search};
use motcua_app::catalogue::{self as app_catalogue, read};
use motcua_domain::procedure::{Level, Procedure};
use motcua_exchange::Format;
use motcua_search::{Hit, SearchPage};
use motcua_store::{
    AssignmentRecord, DecisionRef, PublicationOutcome, VersionRecord, VersionSummary,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(crate) use motcua_app::catalogue::devolution::DevolutionInput as DevolutionRequest;
pub(crate) use motcua_app::catalogue::publication::PublicationInput as PublicationRequest;
pub(crate) use motcua_app::catalogue::search::SearchParams;
pub(crate) use motcua_app::catalogue::stats::CatalogueStats;

impl From<CatalogueError> for ApiError {
    fn from(err: CatalogueError) -> ApiError {
        match err {
            CatalogueError::Store(e) => e.into(),
            other => {
                tracing::error!(error = %other, "catalogue index error");
                ApiError::internal()
            }
        }
    }
}

/// One procedure in a result list.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ProcedureSummary {
    #[schema(example = "1.001193")]
    pub code: String,
    #[schema(example = "Đăng ký khai sinh")]
    pub name: String,
    pub sector: String,
    pub sector_name: String,
    /// Levels where it is handled today.
    #[schema(example = json!(["commune"]))]
    pub levels: Vec<String>,
    /// Agency codes and agency kinds that handle it today.
    pub agencies: Vec<String>,
    pub agency_label: String,
    #[schema(example = "full")]
    pub online_level: String,
    pub version_no: i64,
    /// Relevance, when searching by text.
    pub score: Option<f32>,
}

impl From<Hit> for ProcedureSummary {
    fn from(hit: Hit) -> Self {
        let d = hit.doc;
        ProcedureSummary {
            code: d.code,
            name: d.name,
            sector: d.sector,
            sector_name: d.sector_name,
            levels: d.levels.iter().map(|l| l.as_str().to_owned()).collect(),
            agencies: d.agencies,
            agency_label: d.agency_label,
            online_level: d.online_level.as_str().to_owned(),
            version_no: d.version_no,
            score: hit.score,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ProcedureList {
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub pages: usize,
    pub items: Vec<ProcedureSummary>,
}

impl From<SearchPage> for ProcedureList {
    fn from(page: SearchPage) -> Self {
        ProcedureList {
            total: page.total,
            page: page.page,
            per_page: page.per_page,
            pages: page.pages(),
            items: page.hits.into_iter().map(Into::into).collect(),
        }
    }
}

/// Searches the published catalogue: diacritics-insensitive, exact-diacritic matches first.
#[utoipa::path(
    get, path = "/api/v1/procedures", tag = "catalogue", params(SearchParams),
    responses(
        (status = 200, description = "A page of matching procedures, best first", body = ProcedureList),
        (status = 400, description = "A bad filter value", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> ApiResult<Json<ProcedureList>> {
    let (_, page) = search(&state.app, &params).await?;
    Ok(Json(page.into()))
}

/// A procedure version with everything the province publishes about it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ProcedureDetail {
    pub code: String,
    pub version_no: i64,
    #[schema(example = "published")]
    pub state: String,
    /// The whole procedure: name, sector, levels, agency, applicants, times, fees,
    /// documents, steps, channels, online level and reason, results, legal bases, validity.
    #[schema(value_type = Object)]
    pub procedure: Procedure,
    pub processing_minutes: i64,
    pub service_norm_minutes: Option<i64>,
    pub total_fees_vnd: i64,
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
    #[schema(value_type = Option<Object>)]
    pub published_decision: Option<DecisionRef>,
    #[schema(value_type = Option<Object>)]
    pub ended_decision: Option<DecisionRef>,
    /// Where it is handled, over time (devolution history).
    #[schema(value_type = Vec<Object>)]
    pub assignments: Vec<AssignmentRecord>,
    pub sets: Vec<String>,
    #[schema(value_type = Vec<Object>)]
    pub versions: Vec<VersionSummary>,
}

fn detail_of(
    v: VersionRecord,
    assignments: Vec<AssignmentRecord>,
    sets: Vec<String>,
    versions: Vec<VersionSummary>,
) -> ProcedureDetail {
    let p = &v.procedure;
    ProcedureDetail {
        processing_minutes: p.processing_time.minutes(),
        service_norm_minutes: p.service_norm.map(|n| n.minutes()),
        total_fees_vnd: p.total_fees(),
        code: v.code,
        version_no: v.version_no,
        state: v.state.as_str().to_owned(),
        published_at: v.published_at,
        published_decision: v.published_decision,
        ended_decision: v.ended_decision,
        procedure: v.procedure,
        assignments,
        sets,
        versions,
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct VersionParam {
    /// A version number: the one a dossier started on. Drafts only for administrators.
    #[param(minimum = 1)]
    pub version: Option<i64>,
}

/// The published version of a procedure, or a given version.
#[utoipa::path(
    get, path = "/api/v1/procedures/{code}", tag = "catalogue",
    params(("code" = inline(crate::api::contract::formats::ProcedureCode), Path, description = "Procedure code, e.g. 1.001193"), VersionParam),
    responses(
        (status = 200, description = "The procedure", body = ProcedureDetail),
        (status = 404, description = "No such procedure or version (`procedure_not_found`)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn detail(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(code): Path<String>,
    ApiQuery(param): ApiQuery<VersionParam>,
) -> ApiResult<Json<ProcedureDetail>> {
    let who = user.as_ref().map(AuthUser::principal);
    let (record, version) = read::version(&state.app, who.as_ref(), &code, param.version).await?;
    Ok(Json(detail_of(
        version,
        record.assignments,
        record.sets,
        record.versions,
    )))
}

/// A version as written: what a draft save or creation returns.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct VersionInfo {
    pub code: String,
    pub version_no: i64,
    #[schema(example = "draft")]
    pub state: String,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<VersionRecord> for VersionInfo {
    fn from(v: VersionRecord) -> Self {
        VersionInfo {
            code: v.code,
            version_no: v.version_no,
            state: v.state.as_str().to_owned(),
            created_by: v.created_by,
            created_at: v.created_at,
        }
    }
}

/// Creates a procedure as its first draft (province administrators).
#[utoipa::path(
    post, path = "/api/v1/procedures", tag = "catalogue", security(("bearer" = [])),
    request_body(content = Object, description = "The whole procedure, as `procedure` in the detail"),
    responses(
        (status = 201, description = "The draft", body = VersionInfo),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a province administrator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`duplicate_procedure_code`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule is broken: `service_norm_exceeds_legal_time`, `invalid_fee`, `unknown_sector`, `unknown_agency`, `online_reason_required`, `missing_field`, …", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<Procedure>,
) -> ApiResult<(StatusCode, Json<VersionInfo>)> {
    let version =
        app_catalogue::drafts::create(&state.app, &user.principal(), body, Via::Api).await?;
    Ok((StatusCode::CREATED, Json(version.into())))
}

/// Writes a new draft of a procedure; the published version stays in force until the
/// draft is published (province administrators).
#[utoipa::path(
    put, path = "/api/v1/procedures/{code}", tag = "catalogue", security(("bearer" = [])),
    params(("code" = inline(crate::api::contract::formats::ProcedureCode), Path, description = "Procedure code")),
    request_body(content = Object, description = "The whole procedure; its code must be the path's"),
    responses(
        (status = 200, description = "The draft", body = VersionInfo),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a province administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`procedure_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule is broken, or `code_mismatch`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn save_draft(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<Procedure>,
) -> ApiResult<Json<VersionInfo>> {
    let version =
        app_catalogue::drafts::save_draft(&state.app, &user.principal(), &code, body, Via::Api)
            .await?;
    Ok(Json(version.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PublicationResponse {
    pub number: String,
    pub date: NaiveDate,
    pub signer: String,
    /// Each published procedure and its version number.
    #[schema(value_type = Vec<Object>)]
    pub published: Vec<PublishedVersion>,
    pub withdrawn: Vec<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct PublishedVersion {
    pub code: String,
    pub version_no: i64,
}

impl From<PublicationOutcome> for PublicationResponse {
    fn from(outcome: PublicationOutcome) -> Self {
        PublicationResponse {
            number: outcome.decision.number,
            date: outcome.decision.decided_on,
            signer: outcome.decision.signer,
            published: outcome
                .published
                .into_iter()
                .map(|(code, version_no)| PublishedVersion { code, version_no })
                .collect(),
            withdrawn: outcome.withdrawn,
        }
    }
}

/// Publishes drafts and withdraws published procedures under one decision, all or
/// nothing (province administrators).
#[utoipa::path(
    post, path = "/api/v1/publications", tag = "catalogue", security(("bearer" = [])),
    request_body = PublicationRequest,
    responses(
        (status = 201, description = "What the decision did", body = PublicationResponse),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a province administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`procedure_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_state_transition` (nothing to publish, or not published), `duplicate_decision_number`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_decision`, `empty_publication`, `publish_and_withdraw`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn publish(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<PublicationRequest>,
) -> ApiResult<(StatusCode, Json<PublicationResponse>)> {
    let outcome = app_catalogue::publication::publish(&state.app, &user.principal(), body).await?;
    Ok((StatusCode::CREATED, Json(outcome.into())))
}

/// Moves a published procedure to another level or agency from a date (province administrators).
#[utoipa::path(
    post, path = "/api/v1/procedures/{code}/devolutions", tag = "catalogue", security(("bearer" = [])),
    params(("code" = inline(crate::api::contract::formats::ProcedureCode), Path, description = "Procedure code")),
    request_body = DevolutionRequest,
    responses(
        (status = 201, description = "Recorded; the new assignments are in the procedure's detail"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a province administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`procedure_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`procedure_not_published`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`unknown_agency`, `missing_field`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn devolve(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<DevolutionRequest>,
) -> ApiResult<StatusCode> {
    app_catalogue::devolution::devolve(&state.app, &user.principal(), &code, body).await?;
    Ok(StatusCode::CREATED)
}

/// Live counts from the catalogue: by level, sector and online level; published
/// against required per decision; toàn trình against total for each named set.
#[utoipa::path(
    get, path = "/api/v1/catalogue/stats", tag = "catalogue",
    responses((status = 200, description = "The counts", body = CatalogueStats))
)]
pub(crate) async fn stats(State(state): State<AppState>) -> ApiResult<Json<CatalogueStats>> {
    Ok(Json(app_catalogue::stats::stats(&state.app).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ApplicableParams {
    /// The date (YYYY-MM-DD); today by default.
    #[serde(
        default,
        deserialize_with = "motcua_domain::calendar::strict_date::option"
    )]
    #[param(value_type = Option<crate::api::contract::formats::IsoDate>, inline)]
    pub at: Option<NaiveDate>,
    /// `province` or `commune`.
    #[param(value_type = Option<crate::api::contract::choices::Level>, inline)]
    pub level: Option<String>,
    /// An agency code or agency kind.
    pub agency: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Applicable {
    pub code: String,
    pub name: String,
    pub level: String,
    pub agency_code: Option<String>,
    pub agency_kind: Option<String>,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
}

/// Which procedures apply at a date, at which level and agency.
#[utoipa::path(
    get, path = "/api/v1/catalogue/applicable", tag = "catalogue", params(ApplicableParams),
    responses(
        (status = 200, description = "Procedures in force at the date, by code", body = Vec<Applicable>),
        (status = 400, description = "A bad parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn applicable(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ApplicableParams>,
) -> ApiResult<Json<Vec<Applicable>>> {
    let at = params.at.unwrap_or_else(crate::today_vn);
    let level = parse_opt::<Level>(params.level.as_deref(), "level")?;
    let agency = params
        .agency
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    let rows = read::applicable(&state.app, at, level, agency).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| Applicable {
                code: r.code,
                name: r.name,
                level: r.level.as_str().into(),
                agency_code: r.agency_code,
                agency_kind: r.agency_kind.map(|k| k.as_str().into()),
                effective_from: r.effective_from,
                effective_to: r.effective_to,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ExportParams {
    /// `xlsx`, `csv` or `json`.
    #[param(value_type = crate::api::contract::choices::CatalogueFormat, inline)]
    pub format: String,
}

/// The published catalogue as Excel, CSV or JSON (the columns are in the README).
#[utoipa::path(
    get, path = "/api/v1/catalogue/export", tag = "catalogue", params(ExportParams),
    responses(
        (status = 200, description = "The file", content(
            ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ("text/csv"),
            ("application/json"),
        )),
        (status = 400, description = "`invalid_query`: an unknown format", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn export(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ExportParams>,
) -> ApiResult<Response> {
    let format: Format = params
        .format
        .parse()
        .map_err(|e: String| ApiError::bad_request("invalid_query", e))?;
    Ok(crate::download::catalogue(&state.app, format).await?)
}

/// The sectors (lĩnh vực) procedures may belong to.
#[utoipa::path(
    get, path = "/api/v1/sectors", tag = "catalogue",
    responses((status = 200, description = "Code and Vietnamese name of each sector", body = Vec<SectorView>))
)]
pub(crate) async fn sectors(State(state): State<AppState>) -> ApiResult<Json<Vec<SectorView>>> {
    Ok(Json(
        read::sectors(&state.app)
            .await?
            .into_iter()
            .map(|s| SectorView {
                code: s.code,
                name: s.name,
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SectorView {
    #[schema(example = "ho_tich")]
    pub code: String,
    #[schema(example = "Hộ tịch")]
    pub name: String,
}

/// This module's routes, each with its OpenAPI path (the path comes from its `#[utoipa::path]`).
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(detail, save_draft))
        .routes(routes!(devolve))
        .routes(routes!(publish))
        .routes(routes!(stats))
        .routes(routes!(applicable))
        .routes(routes!(export))
        .routes(routes!(sectors))
}
