//! Agencies' working hours: which apply to a due date, and setting an agency's own.

use super::InputError;
use crate::{App, AppError, AppResult, Principal};
use motcua_domain::account::Role;
use motcua_domain::agency::AgencyCode;
use motcua_domain::calendar::{WorkingHours, WorkingHoursConfig};
use motcua_store::{Store, StoreError, StoredWorkingHours};

/// An agency's working hours: `None` when the agency does not exist, the defaults
/// when it has none of its own.
pub async fn agency_hours(store: &Store, code: &str) -> Result<Option<WorkingHours>, StoreError> {
    if store.agency(code).await?.is_none() {
        return Ok(None);
    }
    match store.agency_working_hours(code).await? {
        Some(stored) => WorkingHours::try_from(stored.config)
            .map(Some)
            .map_err(|e| StoreError::Config(format!("stored working hours of {code}: {e}"))),
        None => Ok(Some(WorkingHours::default())),
    }
}

/// An agency's working hours, or the defaults when it has none or is unknown.
pub async fn hours_or_default(app: &App, code: &str) -> AppResult<WorkingHours> {
    Ok(agency_hours(&app.store, code).await?.unwrap_or_default())
}

fn unknown_agency(code: &AgencyCode) -> AppError {
    AppError::not_found(
        "not_found",
        format!("Không tìm thấy cơ quan {}.", code.as_str()),
    )
}

fn parse_code(raw: &str) -> AppResult<AgencyCode> {
    AgencyCode::parse(raw).map_err(|e| AppError::malformed(e.code(), e.to_string()))
}

/// The agency's working hours, or the defaults without an agency (with the agency's
/// code as parsed). `Malformed` for a bad code, `NotFound` for an unknown agency.
pub async fn hours_for(
    app: &App,
    agency: Option<&str>,
) -> AppResult<(WorkingHours, Option<String>)> {
    let Some(raw) = agency.map(str::trim).filter(|a| !a.is_empty()) else {
        return Ok((WorkingHours::default(), None));
    };
    let code = parse_code(raw)?;
    match agency_hours(&app.store, code.as_str()).await? {
        Some(hours) => Ok((hours, Some(code.as_str().to_owned()))),
        None => Err(unknown_agency(&code)),
    }
}

/// An agency that exists, by its identifier as typed.
pub async fn known_agency(app: &App, raw: &str) -> AppResult<AgencyCode> {
    let code = parse_code(raw)?;
    if app.store.agency(code.as_str()).await?.is_none() {
        return Err(unknown_agency(&code));
    }
    Ok(code)
}

/// The agency's own working hours as stored (None: it uses the defaults).
pub async fn working_hours(
    app: &App,
    raw: &str,
) -> AppResult<(AgencyCode, Option<StoredWorkingHours>)> {
    let code = known_agency(app, raw).await?;
    let stored = app.store.agency_working_hours(code.as_str()).await?;
    Ok((code, stored))
}

/// Sets an agency's working hours: a province administrator any agency's, a unit
/// administrator their own. Returns them as now stored.
pub async fn set_working_hours(
    app: &App,
    who: &Principal,
    raw: &str,
    config: WorkingHoursConfig,
) -> AppResult<(AgencyCode, Option<StoredWorkingHours>)> {
    who.require(&[Role::ProvinceAdmin, Role::UnitAdmin])?;
    let code = known_agency(app, raw).await?;
    if who.role == Role::UnitAdmin && who.agency_code.as_deref() != Some(code.as_str()) {
        return Err(AppError::forbidden());
    }
    WorkingHours::try_from(config.clone()).map_err(InputError::from)?;
    let audit = who.audit(
        "agency.working_hours_saved",
        format!("agency:{}", code.as_str()),
        serde_json::json!({ "working_hours": &config }),
    );
    app.store
        .put_agency_working_hours(code.as_str(), &config, crate::now(), &who.username, audit)
        .await?;
    let stored = app.store.agency_working_hours(code.as_str()).await?;
    Ok((code, stored))
}
