//! Devolution: a published procedure handled from a date at another level or agency
//! (decentralisation or delegation to another tier).

use super::{not_published, procedure_error};
use crate::{App, AppResult, Principal};
use chrono::NaiveDate;
use motcua_domain::account::Role;
use motcua_domain::agency::{AgencyCode, AgencyKind};
use motcua_domain::procedure::{Level, ProcedureCode};
use motcua_store::Devolution;
use serde::Deserialize;

// Where the procedure goes, from when, and why (the API's `DevolutionRequest`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = DevolutionRequest))]
pub struct DevolutionInput {
    /// Move only the assignments at this level; all of them when absent.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "province"))]
    pub from_level: Option<Level>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "commune"))]
    pub to_level: Level,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "000.00.02.H37"))]
    pub agency_code: Option<AgencyCode>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "commune_committee"))]
    pub agency_kind: Option<AgencyKind>,
    #[serde(deserialize_with = "motcua_domain::calendar::strict_date::deserialize")]
    pub effective_from: NaiveDate,
    /// The legal basis or reason.
    #[serde(default)]
    pub note: String,
}

/// Records the move of procedure `code` (province administrators).
pub async fn devolve(
    app: &App,
    who: &Principal,
    code: &str,
    input: DevolutionInput,
) -> AppResult<()> {
    who.require(&[Role::ProvinceAdmin])?;
    let code = ProcedureCode::parse(code).map_err(|_| not_published(code))?;
    let devolution = Devolution {
        code: code.clone(),
        from_level: input.from_level,
        to_level: input.to_level,
        agency_code: input.agency_code,
        agency_kind: input.agency_kind,
        effective_from: input.effective_from,
        note: input.note,
    };
    let audit = who.audit(
        "procedure.devolved",
        format!("procedure:{code}"),
        serde_json::json!({
            "from_level": devolution.from_level, "to_level": devolution.to_level,
            "agency_code": devolution.agency_code, "agency_kind": devolution.agency_kind,
            "effective_from": devolution.effective_from, "note": devolution.note,
        }),
    );
    app.store
        .devolve(&devolution, crate::now(), audit)
        .await
        .map_err(procedure_error)?;
    app.catalogue.refresh(&app.store).await;
    Ok(())
}
