//! Administrative units and agencies: public reads, each answerable as of a date (`at=`),
//! and agency administration for signed-in administrators.

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiResult, Problem};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use motcua_app::{register, units};
use motcua_domain::agency::{Agency, AgencyKind};
use motcua_domain::paging::Paging;
use motcua_domain::unit::{AdminUnit, UnitKind};
use motcua_store::{AgencyQuery, SuccessionDetail, UnitQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// One administrative unit over one validity interval.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitView {
    /// Statistics code: 2 digits (province), 3 (historical district) or 5 (commune level).
    #[schema(example = "05977")]
    pub code: String,
    #[schema(example = "Đông Kinh")]
    pub name: String,
    #[schema(example = "Phường Đông Kinh")]
    pub full_name: String,
    /// province, central_city, district, commune, ward, township or special_zone.
    #[schema(example = "ward")]
    pub kind: String,
    #[schema(example = "Phường")]
    pub kind_label: String,
    pub parent_code: Option<String>,
    pub valid_from: NaiveDate,
    /// Last day (inclusive); null while the unit is in force.
    pub valid_to: Option<NaiveDate>,
}

impl From<&AdminUnit> for UnitView {
    fn from(u: &AdminUnit) -> UnitView {
        UnitView {
            code: u.code.clone(),
            name: u.name.clone(),
            full_name: u.full_name.clone(),
            kind: u.kind.as_str().to_owned(),
            kind_label: u.kind.label_vi().to_owned(),
            parent_code: u.parent_code.clone(),
            valid_from: u.validity.valid_from,
            valid_to: u.validity.valid_to,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitList {
    /// The date the list is valid at.
    pub at: NaiveDate,
    /// Matches in all (the list may be a page of them).
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub units: Vec<UnitView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitDetail {
    #[serde(flatten)]
    pub unit: UnitView,
    pub parent: Option<UnitView>,
    /// Every interval this code has had, oldest first (codes are reused across reforms).
    pub history: Vec<UnitView>,
}

/// A link from an old unit to a unit that succeeded it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuccessionView {
    pub old_code: String,
    pub new_code: String,
    /// `full`: the whole old unit went in; `partial`: part of it did.
    #[schema(example = "full")]
    pub link: String,
    pub effective: NaiveDate,
    pub legal_basis: String,
    /// The old unit on the day before the change.
    pub old_unit: Option<UnitView>,
    /// The new unit on the day of the change.
    pub new_unit: Option<UnitView>,
}

impl From<&SuccessionDetail> for SuccessionView {
    fn from(d: &SuccessionDetail) -> SuccessionView {
        SuccessionView {
            old_code: d.succession.old_code.clone(),
            new_code: d.succession.new_code.clone(),
            link: d.succession.link.as_str().to_owned(),
            effective: d.succession.effective,
            legal_basis: d.succession.legal_basis.clone(),
            old_unit: d.old_unit.as_ref().map(Into::into),
            new_unit: d.new_unit.as_ref().map(Into::into),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgencyView {
    #[schema(example = "000.00.00.H37")]
    pub code: String,
    pub name: String,
    /// provincial_committee, department, service_centre, commune_committee or other.
    pub kind: String,
    pub kind_label: String,
    pub unit_code: String,
    pub parent_code: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    /// The agency that took over its work, once abolished.
    pub successor_code: Option<String>,
}

impl From<&Agency> for AgencyView {
    fn from(a: &Agency) -> AgencyView {
        AgencyView {
            code: a.code.to_string(),
            name: a.name.clone(),
            kind: a.kind.as_str().to_owned(),
            kind_label: a.kind.label_vi().to_owned(),
            unit_code: a.unit_code.clone(),
            parent_code: a.parent_code.as_ref().map(ToString::to_string),
            valid_from: a.valid_from,
            valid_to: a.valid_to,
            successor_code: a.successor_code.as_ref().map(ToString::to_string),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UnitsParams {
    /// Kind: province, central_city, district, commune, ward, township, special_zone.
    #[param(value_type = Option<crate::api::contract::choices::UnitKind>, inline)]
    kind: Option<String>,
    /// Parent unit's code.
    #[param(value_type = Option<crate::api::contract::formats::UnitCode>, inline)]
    parent: Option<String>,
    /// Text to find in the full name, without regard to diacritics or case, or an exact code.
    #[param(max_length = 200)]
    q: Option<String>,
    /// The date (YYYY-MM-DD); today in Vietnam by default.
    #[param(value_type = Option<crate::api::contract::formats::IsoDate>, inline)]
    at: Option<String>,
    /// From 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    page: Option<i64>,
    /// 1 to 5000 (default 200).
    #[param(minimum = 1, maximum = 5000)]
    per_page: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AtParams {
    /// The date (YYYY-MM-DD); today in Vietnam by default.
    #[param(value_type = Option<crate::api::contract::formats::IsoDate>, inline)]
    at: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AgenciesParams {
    /// The unit's code.
    #[param(value_type = Option<crate::api::contract::formats::UnitCode>, inline)]
    unit: Option<String>,
    /// provincial_committee, department, service_centre, commune_committee or other.
    #[param(value_type = Option<crate::api::contract::choices::AgencyKind>, inline)]
    kind: Option<String>,
    /// Only agencies working on this date (YYYY-MM-DD); all of them when absent.
    #[param(value_type = Option<crate::api::contract::formats::IsoDate>, inline)]
    at: Option<String>,
}

/// Parses `at=`, or today in Vietnam.
pub(crate) fn parse_at(at: Option<&str>) -> ApiResult<NaiveDate> {
    match at.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(crate::today_vn()),
        Some(raw) => motcua_domain::calendar::parse_iso_date(raw).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_date",
                format!("Ngày không hợp lệ: {raw:?}. Dùng dạng YYYY-MM-DD, ví dụ 2025-07-01."),
            )
        }),
    }
}

fn parse_unit_kind(kind: Option<&str>) -> ApiResult<Option<UnitKind>> {
    kind.filter(|k| !k.is_empty())
        .map(|k| {
            k.parse()
                .map_err(|e: String| ApiError::bad_request("invalid_kind", e))
        })
        .transpose()
}

fn parse_agency_kind(kind: Option<&str>) -> ApiResult<Option<AgencyKind>> {
    kind.filter(|k| !k.is_empty())
        .map(|k| {
            k.parse()
                .map_err(|e: String| ApiError::bad_request("invalid_kind", e))
        })
        .transpose()
}

/// Units at a date, by kind, parent and text (diacritics-insensitive).
#[utoipa::path(
    get, path = "/api/v1/units", tag = "units", params(UnitsParams),
    responses(
        (status = 200, description = "Matching units, best matches first for text searches", body = UnitList),
        (status = 400, description = "Bad date, kind or paging", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_units(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<UnitsParams>,
) -> ApiResult<Json<UnitList>> {
    let at = parse_at(p.at.as_deref())?;
    let paging = Paging::new(p.page, p.per_page, register::UNIT_PAGES)
        .map_err(motcua_app::AppError::from)?;
    let query = UnitQuery {
        at,
        kind: parse_unit_kind(p.kind.as_deref())?,
        parent: p.parent.filter(|s| !s.is_empty()),
        q: p.q,
        limit: paging.per_page,
        offset: paging.offset(),
    };
    let page = register::search(&state.app, &query).await?;
    Ok(Json(UnitList {
        at,
        total: page.total,
        page: paging.page,
        per_page: paging.per_page,
        units: page.units.iter().map(Into::into).collect(),
    }))
}

/// One unit as of a date, with its parent and every interval of its code.
#[utoipa::path(
    get, path = "/api/v1/units/{code}", tag = "units",
    params(("code" = inline(crate::api::contract::formats::UnitCode), Path, description = "Statistics code"), AtParams),
    responses(
        (status = 200, description = "The unit", body = UnitDetail),
        (status = 400, description = "Bad date", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No unit with this code at that date", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn get_unit(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ApiQuery(p): ApiQuery<AtParams>,
) -> ApiResult<Json<UnitDetail>> {
    let at = parse_at(p.at.as_deref())?;
    let detail = register::unit_detail(&state.app, &code, at).await?;
    Ok(Json(UnitDetail {
        unit: (&detail.unit).into(),
        parent: detail.parent.as_ref().map(Into::into),
        history: detail.history.iter().map(Into::into).collect(),
    }))
}

/// The units directly under a unit at a date.
#[utoipa::path(
    get, path = "/api/v1/units/{code}/children", tag = "units",
    params(("code" = inline(crate::api::contract::formats::UnitCode), Path, description = "Statistics code"), AtParams),
    responses(
        (status = 200, description = "Its children, by code", body = UnitList),
        (status = 400, description = "Bad date", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No unit with this code at that date", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn unit_children(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ApiQuery(p): ApiQuery<AtParams>,
) -> ApiResult<Json<UnitList>> {
    let at = parse_at(p.at.as_deref())?;
    let children = register::children(&state.app, &code, at).await?;
    let total = children.len() as i64;
    // Every child on one page.
    Ok(Json(UnitList {
        at,
        total,
        page: 1,
        per_page: total.max(1),
        units: children.iter().map(Into::into).collect(),
    }))
}

/// The units this unit (as of the date) was formed from.
#[utoipa::path(
    get, path = "/api/v1/units/{code}/predecessors", tag = "units",
    params(("code" = inline(crate::api::contract::formats::UnitCode), Path, description = "Statistics code"), AtParams),
    responses(
        (status = 200, description = "Links into the unit", body = [SuccessionView]),
        (status = 400, description = "Bad date", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No unit with this code at that date", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn unit_predecessors(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ApiQuery(p): ApiQuery<AtParams>,
) -> ApiResult<Json<Vec<SuccessionView>>> {
    let at = parse_at(p.at.as_deref())?;
    let links = register::predecessors(&state.app, &code, at).await?;
    Ok(Json(links.iter().map(Into::into).collect()))
}

/// The units this unit (as of the date) went into.
#[utoipa::path(
    get, path = "/api/v1/units/{code}/successors", tag = "units",
    params(("code" = inline(crate::api::contract::formats::UnitCode), Path, description = "Statistics code"), AtParams),
    responses(
        (status = 200, description = "Links out of the unit", body = [SuccessionView]),
        (status = 400, description = "Bad date", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No unit with this code at that date", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn unit_successors(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ApiQuery(p): ApiQuery<AtParams>,
) -> ApiResult<Json<Vec<SuccessionView>>> {
    let at = parse_at(p.at.as_deref())?;
    let links = register::successors(&state.app, &code, at).await?;
    Ok(Json(links.iter().map(Into::into).collect()))
}

/// Agencies by unit and kind; with `at`, only those working that day.
#[utoipa::path(
    get, path = "/api/v1/agencies", tag = "agencies", params(AgenciesParams),
    responses(
        (status = 200, description = "Agencies by identifier", body = [AgencyView]),
        (status = 400, description = "Bad date or kind", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_agencies(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<AgenciesParams>,
) -> ApiResult<Json<Vec<AgencyView>>> {
    let at = match p.at.as_deref() {
        Some(raw) if !raw.trim().is_empty() => Some(parse_at(Some(raw))?),
        _ => None,
    };
    let query = AgencyQuery {
        unit: p.unit.filter(|s| !s.is_empty()),
        kind: parse_agency_kind(p.kind.as_deref())?,
        at,
    };
    let agencies = register::agencies(&state.app, &query).await?;
    Ok(Json(agencies.iter().map(Into::into).collect()))
}

/// One agency by its electronic identifier (either layout).
#[utoipa::path(
    get, path = "/api/v1/agencies/{code}", tag = "agencies",
    params(("code" = inline(crate::api::contract::formats::AgencyCode), Path, description = "Agency identifier, e.g. 000.00.00.H37 or H37.001.05")),
    responses(
        (status = 200, description = "The agency", body = AgencyView),
        (status = 404, description = "No such agency", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn get_agency(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<AgencyView>> {
    let agency = register::agency(&state.app, &code).await?;
    Ok(Json((&agency).into()))
}

// The body is app's input, as it is.
pub(crate) use motcua_app::units::AgencyInput;

/// Creates an agency (provincial administrators).
#[utoipa::path(
    post, path = "/api/v1/agencies", tag = "agencies", request_body = AgencyInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = AgencyView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a provincial administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown parent agency or unit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The identifier is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid identifier, kind or field", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn create_agency(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(input): ApiJson<AgencyInput>,
) -> ApiResult<(StatusCode, Json<AgencyView>)> {
    let agency = units::create_agency(&state.app, &user.principal(), &input).await?;
    Ok((StatusCode::CREATED, Json((&agency).into())))
}

/// Updates an agency: provincial administrators any field; a unit administrator only
/// the name of their own agency.
#[utoipa::path(
    put, path = "/api/v1/agencies/{code}", tag = "agencies", request_body = AgencyInput,
    params(("code" = inline(crate::api::contract::formats::AgencyCode), Path, description = "Agency identifier")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = AgencyView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed for this agency or field", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agency, parent or unit", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn update_agency(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<AgencyInput>,
) -> ApiResult<Json<AgencyView>> {
    let agency = units::update_agency(&state.app, &user.principal(), &code, &input).await?;
    Ok(Json((&agency).into()))
}

/// This module's routes, each with its OpenAPI path (the path comes from its `#[utoipa::path]`).
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_units))
        .routes(routes!(get_unit))
        .routes(routes!(unit_children))
        .routes(routes!(unit_predecessors))
        .routes(routes!(unit_successors))
        .routes(routes!(list_agencies, create_agency))
        .routes(routes!(get_agency, update_agency))
}
