//! The procedure catalogue: search, details, statistics, drafts, publication,
//! devolution and exports.

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::auth::{ApiUser, AuthUser, MaybeUser};
use crate::catalogue::{CatalogueError, Snapshot, count_by, set_counts};
use crate::error::{ApiError, ApiResult, Problem};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use motcua_domain::account::Role;
use motcua_domain::agency::{AgencyCode, AgencyKind};
use motcua_domain::procedure::{Level, OnlineLevel, Procedure, ProcedureCode, VersionState};
use motcua_exchange::Format;
use motcua_search::{Hit, SearchPage, SearchQuery};
use motcua_store::{
    AssignmentRecord, DecisionRef, Devolution, NewDecision, Publication, StoreError, VersionRecord,
    VersionSummary,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

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

/// A store error about a procedure: "not found" names the procedure.
pub(crate) fn procedure_error(err: StoreError) -> ApiError {
    match err {
        StoreError::NotFound(what) => ApiError::new(
            StatusCode::NOT_FOUND,
            "procedure_not_found",
            format!("Không tìm thấy {what}."),
        ),
        other => other.into(),
    }
}

fn not_found(code: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "procedure_not_found",
        format!("Không có thủ tục mã {code} đang được công bố."),
    )
}

fn parse_opt<T: std::str::FromStr<Err = String>>(
    raw: Option<&str>,
    name: &str,
) -> ApiResult<Option<T>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(value) => value.parse().map(Some).map_err(|e: String| {
            ApiError::bad_request("invalid_query", format!("Tham số {name} không hợp lệ: {e}"))
        }),
    }
}

/// Search parameters, shared with the `/procedures` page.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchParams {
    /// Free text, with or without diacritics, or a procedure code.
    pub q: Option<String>,
    /// `province` or `commune`.
    pub level: Option<String>,
    /// A sector code, e.g. `ho_tich`.
    pub sector: Option<String>,
    /// An agency code, or an agency kind such as `commune_committee`.
    pub agency: Option<String>,
    /// `full`, `partial` or `none`.
    pub online: Option<String>,
    /// From 1.
    pub page: Option<usize>,
    /// 1 to 200; 20 by default.
    pub per_page: Option<usize>,
}

impl SearchParams {
    pub(crate) fn to_query(&self, snapshot: &Snapshot) -> ApiResult<SearchQuery> {
        let agencies = match self
            .agency
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            None => Vec::new(),
            Some(agency) if agency.parse::<AgencyKind>().is_ok() => vec![agency.to_owned()],
            Some(agency) => {
                let code = AgencyCode::parse(agency).map_err(|e| {
                    ApiError::bad_request(
                        "invalid_query",
                        format!("Tham số agency không hợp lệ: {e}"),
                    )
                })?;
                snapshot.agency_filter(code.as_str())
            }
        };
        Ok(SearchQuery {
            text: self.q.clone().unwrap_or_default(),
            level: parse_opt::<Level>(self.level.as_deref(), "level")?,
            sector: self
                .sector
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            agencies,
            online: parse_opt::<OnlineLevel>(self.online.as_deref(), "online")?,
            page: self.page.unwrap_or(1),
            per_page: self.per_page.unwrap_or(0),
        })
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

pub(crate) async fn search(
    state: &AppState,
    params: &SearchParams,
) -> ApiResult<(Arc<Snapshot>, SearchPage)> {
    let snapshot = state.catalogue.current(&state.store).await?;
    let query = params.to_query(&snapshot)?;
    let page = snapshot.index.search(&query).map_err(|e| {
        tracing::error!(error = %e, "search failed");
        ApiError::internal()
    })?;
    Ok((snapshot, page))
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
    let (_, page) = search(&state, &params).await?;
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
    pub version: Option<i64>,
}

fn is_admin(user: Option<&AuthUser>) -> bool {
    user.is_some_and(|u| u.role == Role::ProvinceAdmin)
}

/// The published version of a procedure, or a given version.
#[utoipa::path(
    get, path = "/api/v1/procedures/{code}", tag = "catalogue",
    params(("code" = String, Path, description = "Procedure code, e.g. 1.001193"), VersionParam),
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
    let record = state
        .store
        .procedure_record(&code)
        .await?
        .ok_or_else(|| not_found(&code))?;
    let version = match param.version {
        None => record.current,
        Some(no) => state.store.procedure_version(&code, no).await?,
    };
    let version = version
        .filter(|v| v.state != VersionState::Draft || is_admin(user.as_ref()))
        .ok_or_else(|| not_found(&code))?;
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

/// Validates a procedure at the edge: all of the domain's rules, one problem document.
pub(crate) fn validate(p: Procedure) -> ApiResult<Procedure> {
    p.validated().map_err(|problems| {
        let detail = problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            problems[0].code(),
            format!("Thủ tục không hợp lệ: {detail}."),
        )
    })
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
    user.require(&[Role::ProvinceAdmin])?;
    let p = validate(body)?;
    let audit = user.audit(
        "procedure.created",
        format!("procedure:{}", p.code),
        serde_json::json!({ "name": p.name }),
    );
    let version = state
        .store
        .create_procedure(&p, crate::now(), audit)
        .await?;
    state.catalogue.refresh(&state.store).await;
    Ok((StatusCode::CREATED, Json(version.into())))
}

/// Writes a new draft of a procedure; the published version stays in force until the
/// draft is published (province administrators).
#[utoipa::path(
    put, path = "/api/v1/procedures/{code}", tag = "catalogue", security(("bearer" = [])),
    params(("code" = String, Path, description = "Procedure code")),
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
    user.require(&[Role::ProvinceAdmin])?;
    if body.code.as_str() != code.trim() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "code_mismatch",
            format!(
                "Mã trong nội dung ({}) khác mã trên đường dẫn ({code}).",
                body.code
            ),
        ));
    }
    let p = validate(body)?;
    let audit = user.audit(
        "procedure.draft_saved",
        format!("procedure:{}", p.code),
        serde_json::json!({ "name": p.name }),
    );
    let version = state
        .store
        .save_draft(&p, crate::now(), audit)
        .await
        .map_err(procedure_error)?;
    state.catalogue.refresh(&state.store).await;
    Ok(Json(version.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct PublicationRequest {
    /// The decision's number, e.g. `1150/QĐ-UBND`.
    pub number: String,
    /// The decision's date.
    pub date: NaiveDate,
    /// Who signed it.
    pub signer: String,
    /// How many procedures the decision had to publish, for the published-against-required figure.
    #[serde(default)]
    pub required_count: Option<i64>,
    /// Codes whose newest draft is published.
    #[serde(default)]
    pub publish: Vec<String>,
    /// Codes whose published version is withdrawn.
    #[serde(default)]
    pub withdraw: Vec<String>,
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

pub(crate) fn parse_codes(codes: &[String]) -> ApiResult<Vec<ProcedureCode>> {
    codes
        .iter()
        .map(|c| {
            ProcedureCode::parse(c).map_err(|e| {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string())
            })
        })
        .collect()
}

pub(crate) async fn publish_with(
    state: &AppState,
    user: &AuthUser,
    body: PublicationRequest,
) -> ApiResult<PublicationResponse> {
    user.require(&[Role::ProvinceAdmin])?;
    let publication = Publication {
        decision: NewDecision {
            number: body.number.clone(),
            decided_on: body.date,
            signer: body.signer.clone(),
            required_count: body.required_count,
        },
        publish: parse_codes(&body.publish)?,
        withdraw: parse_codes(&body.withdraw)?,
    };
    let audit = user.audit(
        "publication.decided",
        format!("decision:{}", body.number.trim()),
        serde_json::json!({
            "date": body.date, "signer": body.signer,
            "publish": body.publish, "withdraw": body.withdraw,
        }),
    );
    let outcome = state
        .store
        .publish(&publication, crate::now(), audit)
        .await
        .map_err(procedure_error)?;
    state.catalogue.refresh(&state.store).await;
    Ok(PublicationResponse {
        number: outcome.decision.number,
        date: outcome.decision.decided_on,
        signer: outcome.decision.signer,
        published: outcome
            .published
            .into_iter()
            .map(|(code, version_no)| PublishedVersion { code, version_no })
            .collect(),
        withdrawn: outcome.withdrawn,
    })
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
    let response = publish_with(&state, &user, body).await?;
    Ok((StatusCode::CREATED, Json(response)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct DevolutionRequest {
    /// Move only the assignments at this level; all of them when absent.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "province")]
    pub from_level: Option<Level>,
    #[schema(value_type = String, example = "commune")]
    pub to_level: Level,
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "000.00.02.H37")]
    pub agency_code: Option<AgencyCode>,
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "commune_committee")]
    pub agency_kind: Option<AgencyKind>,
    pub effective_from: NaiveDate,
    /// The legal basis or reason.
    #[serde(default)]
    pub note: String,
}

pub(crate) async fn devolve_with(
    state: &AppState,
    user: &AuthUser,
    code: &str,
    body: DevolutionRequest,
) -> ApiResult<()> {
    user.require(&[Role::ProvinceAdmin])?;
    let code = ProcedureCode::parse(code).map_err(|_| not_found(code))?;
    let devolution = Devolution {
        code: code.clone(),
        from_level: body.from_level,
        to_level: body.to_level,
        agency_code: body.agency_code,
        agency_kind: body.agency_kind,
        effective_from: body.effective_from,
        note: body.note,
    };
    let audit = user.audit(
        "procedure.devolved",
        format!("procedure:{code}"),
        serde_json::json!({
            "from_level": devolution.from_level, "to_level": devolution.to_level,
            "agency_code": devolution.agency_code, "agency_kind": devolution.agency_kind,
            "effective_from": devolution.effective_from, "note": devolution.note,
        }),
    );
    state
        .store
        .devolve(&devolution, crate::now(), audit)
        .await
        .map_err(procedure_error)?;
    state.catalogue.refresh(&state.store).await;
    Ok(())
}

/// Moves a published procedure to another level or agency from a date (province administrators).
#[utoipa::path(
    post, path = "/api/v1/procedures/{code}/devolutions", tag = "catalogue", security(("bearer" = [])),
    params(("code" = String, Path, description = "Procedure code")),
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
    devolve_with(&state, &user, &code, body).await?;
    Ok(StatusCode::CREATED)
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Count {
    pub key: String,
    pub label: String,
    pub count: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DecisionStat {
    pub number: String,
    pub date: NaiveDate,
    pub signer: String,
    /// How many the decision had to publish, when recorded.
    pub required: Option<i64>,
    pub published: i64,
    pub withdrawn: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SetStat {
    pub code: String,
    pub name: String,
    /// Published members of the set.
    pub total: usize,
    /// Of which toàn trình (`full`).
    pub full: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CatalogueStats {
    /// The date the counts hold for (today, Vietnam time).
    pub at: NaiveDate,
    /// Published procedures.
    pub total: usize,
    pub by_level: Vec<Count>,
    pub by_sector: Vec<Count>,
    pub by_online_level: Vec<Count>,
    /// Published against required, per decision, newest first.
    pub decisions: Vec<DecisionStat>,
    /// Toàn trình against total for each named set, e.g. the 25 essential services.
    pub sets: Vec<SetStat>,
}

pub(crate) async fn stats_for(state: &AppState) -> ApiResult<CatalogueStats> {
    let snapshot = state.catalogue.current(&state.store).await?;
    let docs = snapshot.index.docs();
    let by_level = count_by(docs, |d| d.levels.clone());
    let by_online = count_by(docs, |d| vec![d.online_level]);
    let by_sector = count_by(docs, |d| vec![d.sector.clone()]);
    let mut sectors: Vec<Count> = by_sector
        .into_iter()
        .map(|(key, count)| Count {
            label: snapshot.sector_name(&key),
            key,
            count,
        })
        .collect();
    sectors.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
    let decisions = state.store.decisions().await?;
    Ok(CatalogueStats {
        at: snapshot.built_for,
        total: docs.len(),
        by_level: [Level::Province, Level::Commune]
            .into_iter()
            .map(|l| Count {
                key: l.as_str().into(),
                label: l.label_vi().into(),
                count: by_level.get(&l).copied().unwrap_or(0),
            })
            .collect(),
        by_sector: sectors,
        by_online_level: OnlineLevel::ALL
            .iter()
            .map(|&o| Count {
                key: o.as_str().into(),
                label: o.label_vi().into(),
                count: by_online.get(&o).copied().unwrap_or(0),
            })
            .collect(),
        decisions: decisions
            .into_iter()
            .map(|d| DecisionStat {
                number: d.decision.number,
                date: d.decision.decided_on,
                signer: d.decision.signer,
                required: d.decision.required_count,
                published: d.published,
                withdrawn: d.withdrawn,
            })
            .collect(),
        sets: snapshot
            .sets
            .iter()
            .map(|s| {
                let (total, full) = set_counts(&snapshot, s);
                SetStat {
                    code: s.code.clone(),
                    name: s.name.clone(),
                    total,
                    full,
                }
            })
            .collect(),
    })
}

/// Live counts from the catalogue: by level, sector and online level; published
/// against required per decision; toàn trình against total for each named set.
#[utoipa::path(
    get, path = "/api/v1/catalogue/stats", tag = "catalogue",
    responses((status = 200, description = "The counts", body = CatalogueStats))
)]
pub(crate) async fn stats(State(state): State<AppState>) -> ApiResult<Json<CatalogueStats>> {
    Ok(Json(stats_for(&state).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ApplicableParams {
    /// The date (YYYY-MM-DD); today by default.
    pub at: Option<NaiveDate>,
    /// `province` or `commune`.
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
    let snapshot = state.catalogue.current(&state.store).await?;
    let agencies = agency.map(|a| snapshot.agency_filter(a));
    let rows = state.store.applicable_at(at).await?;
    Ok(Json(
        rows.into_iter()
            .filter(|r| level.is_none_or(|l| l == r.level))
            .filter(|r| {
                agencies.as_ref().is_none_or(|wanted| {
                    r.agency_code.as_ref().is_some_and(|c| wanted.contains(c))
                        || r.agency_kind
                            .is_some_and(|k| wanted.iter().any(|w| w == k.as_str()))
                })
            })
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

/// The published catalogue as a file, for pages and the API alike.
pub(crate) async fn export_response(state: &AppState, format: Format) -> ApiResult<Response> {
    let entries: Vec<motcua_exchange::Entry> = state
        .store
        .published_catalogue()
        .await?
        .into_iter()
        .map(|e| motcua_exchange::Entry {
            procedure: e.version.procedure,
            sets: e.sets,
        })
        .collect();
    let bytes = tokio::task::spawn_blocking(move || motcua_exchange::export(&entries, format))
        .await
        .map_err(|_| ApiError::internal())?
        .map_err(|e| {
            tracing::error!(error = %e, "export failed");
            ApiError::internal()
        })?;
    let filename = format!("thu-tuc-hanh-chinh.{}", format.as_str());
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ExportParams {
    /// `xlsx`, `csv` or `json`.
    pub format: String,
}

/// The published catalogue as Excel, CSV or JSON (the columns are in the README).
#[utoipa::path(
    get, path = "/api/v1/catalogue/export", tag = "catalogue", params(ExportParams),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream"),
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
    export_response(&state, format).await
}

/// The sectors (lĩnh vực) procedures may belong to.
#[utoipa::path(
    get, path = "/api/v1/sectors", tag = "catalogue",
    responses((status = 200, description = "Code and Vietnamese name of each sector", body = Vec<SectorView>))
)]
pub(crate) async fn sectors(State(state): State<AppState>) -> ApiResult<Json<Vec<SectorView>>> {
    Ok(Json(
        state
            .store
            .sectors()
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
