//! The register of administrative units and agencies, as anyone may read it (units at a
//! date, their history and successions; agencies). Public: no principal.

use crate::{App, AppError, AppResult};
use chrono::NaiveDate;
use motcua_domain::agency::{Agency, AgencyCode};
use motcua_domain::unit::AdminUnit;
use motcua_store::{AgencyQuery, SuccessionDetail, UnitPage, UnitQuery};

/// "No unit with this code in force on that day".
pub fn unit_not_found(code: &str, at: NaiveDate) -> AppError {
    AppError::not_found(
        "unit_not_found",
        format!(
            "Không có đơn vị hành chính mã {code} có hiệu lực ngày {}.",
            at.format("%d/%m/%Y")
        ),
    )
}

/// The unit of `code` in force on `at`.
pub async fn unit_at(app: &App, code: &str, at: NaiveDate) -> AppResult<AdminUnit> {
    app.store
        .unit_at(code, at)
        .await?
        .ok_or_else(|| unit_not_found(code, at))
}

/// Units at a date, by kind, parent and text (diacritics-insensitive).
pub async fn search(app: &App, query: &UnitQuery) -> AppResult<UnitPage> {
    Ok(app.store.search_units(query).await?)
}

/// A unit, the unit above it on the same day, and every version of it.
pub struct UnitDetail {
    pub unit: AdminUnit,
    pub parent: Option<AdminUnit>,
    pub history: Vec<AdminUnit>,
}

pub async fn unit_detail(app: &App, code: &str, at: NaiveDate) -> AppResult<UnitDetail> {
    let unit = unit_at(app, code, at).await?;
    let parent = match &unit.parent_code {
        Some(parent) => app.store.unit_at(parent, at).await?,
        None => None,
    };
    let history = app.store.unit_history(code).await?;
    Ok(UnitDetail {
        unit,
        parent,
        history,
    })
}

/// The units directly under `code` on `at`.
pub async fn children(app: &App, code: &str, at: NaiveDate) -> AppResult<Vec<AdminUnit>> {
    unit_at(app, code, at).await?;
    Ok(app.store.child_units_at(code, at).await?)
}

/// The units `code` (in force on `at`) came from.
pub async fn predecessors(
    app: &App,
    code: &str,
    at: NaiveDate,
) -> AppResult<Vec<SuccessionDetail>> {
    let unit = unit_at(app, code, at).await?;
    Ok(app.store.predecessors(&unit).await?)
}

/// The units that took over `code` (in force on `at`).
pub async fn successors(app: &App, code: &str, at: NaiveDate) -> AppResult<Vec<SuccessionDetail>> {
    let unit = unit_at(app, code, at).await?;
    Ok(app.store.successors(&unit).await?)
}

/// Agencies by unit, kind and date.
pub async fn agencies(app: &App, query: &AgencyQuery) -> AppResult<Vec<Agency>> {
    Ok(app.store.find_agencies(query).await?)
}

/// One agency by its electronic identifier (either layout).
pub async fn agency(app: &App, code: &str) -> AppResult<Agency> {
    let parsed = AgencyCode::parse(code).map_err(|_| crate::units::agency_not_found(code))?;
    app.store
        .agency(parsed.as_str())
        .await?
        .ok_or_else(|| crate::units::agency_not_found(code))
}
