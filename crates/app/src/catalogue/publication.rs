//! Publication: one decision of the Province People's Committee publishes drafts and
//! withdraws published procedures, all or nothing.

use super::procedure_error;
use crate::{App, AppError, AppResult, Principal};
use chrono::NaiveDate;
use motcua_domain::account::Role;
use motcua_domain::procedure::ProcedureCode;
use motcua_store::{NewDecision, Publication, PublicationOutcome};
use serde::Deserialize;

// A decision and what it publishes and withdraws (the API's `PublicationRequest`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PublicationRequest))]
pub struct PublicationInput {
    /// The decision's number, e.g. `1150/QĐ-UBND`.
    pub number: String,
    /// The decision's date.
    #[serde(deserialize_with = "motcua_domain::calendar::strict_date::deserialize")]
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

fn parse_codes(codes: &[String]) -> AppResult<Vec<ProcedureCode>> {
    codes
        .iter()
        .map(|c| ProcedureCode::parse(c).map_err(|e| AppError::invalid(e.code(), e.to_string())))
        .collect()
}

/// Records the decision and applies it (province administrators).
pub async fn publish(
    app: &App,
    who: &Principal,
    input: PublicationInput,
) -> AppResult<PublicationOutcome> {
    who.require(&[Role::ProvinceAdmin])?;
    let publication = Publication {
        decision: NewDecision {
            number: input.number.clone(),
            decided_on: input.date,
            signer: input.signer.clone(),
            required_count: input.required_count,
        },
        publish: parse_codes(&input.publish)?,
        withdraw: parse_codes(&input.withdraw)?,
    };
    let audit = who.audit(
        "publication.decided",
        format!("decision:{}", input.number.trim()),
        serde_json::json!({
            "date": input.date, "signer": input.signer,
            "publish": input.publish, "withdraw": input.withdraw,
        }),
    );
    let outcome = app
        .store
        .publish(&publication, crate::now(), audit)
        .await
        .map_err(procedure_error)?;
    app.catalogue.refresh(&app.store).await;
    Ok(outcome)
}
