//! Readiness for the two-tier local government model, live from the data.

use super::facts::snapshot;
use crate::catalogue::set_counts;
use crate::{App, AppResult};
use chrono::NaiveDate;
use motcua_domain::agency::AgencyKind;
use motcua_domain::quality::Month;
use serde::Serialize;
use std::collections::BTreeSet;

/// A part of a whole, counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ratio {
    pub numerator: i64,
    pub denominator: i64,
}

impl Ratio {
    pub fn rate(&self) -> Option<f64> {
        (self.denominator > 0).then(|| self.numerator as f64 / self.denominator as f64)
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionReadiness {
    pub number: String,
    pub decided_on: NaiveDate,
    pub signer: String,
    pub required: Option<i64>,
    pub published: i64,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetReadiness {
    pub code: String,
    pub name: String,
    pub total: i64,
    pub full_online: i64,
}

/// The readiness of the province for the two-tier model, live from the data.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Readiness {
    pub at: NaiveDate,
    pub decisions: Vec<DecisionReadiness>,
    /// Procedures published against those required, over decisions that state a requirement.
    pub announced: Option<Ratio>,
    pub sets: Vec<SetReadiness>,
    /// Published procedures with an approved process wherever they apply.
    pub processes: Ratio,
    pub procedures_without_process: Vec<String>,
    /// Commune-level units whose People's Committee has staff accounts.
    pub communes: Ratio,
    pub communes_without_staff: Vec<String>,
    /// Digitised and reusing dossiers among those received in the last twelve months;
    /// None while digitisation is not recorded.
    pub digitisation: Option<Ratio>,
    pub reuse: Option<Ratio>,
}

/// Public figures: no principal.
pub async fn readiness(app: &App) -> AppResult<Readiness> {
    let today = crate::today_vn();
    let decisions: Vec<DecisionReadiness> = app
        .store
        .decisions()
        .await?
        .into_iter()
        .map(|d| DecisionReadiness {
            number: d.decision.number,
            decided_on: d.decision.decided_on,
            signer: d.decision.signer,
            required: d.decision.required_count,
            published: d.published,
        })
        .collect();
    let with_requirement: Vec<&DecisionReadiness> =
        decisions.iter().filter(|d| d.required.is_some()).collect();
    let announced = (!with_requirement.is_empty()).then(|| Ratio {
        numerator: with_requirement
            .iter()
            .map(|d| d.published.min(d.required.unwrap_or(0)))
            .sum(),
        denominator: with_requirement
            .iter()
            .map(|d| d.required.unwrap_or(0))
            .sum(),
    });
    let snapshot = snapshot(app).await?;
    let sets = snapshot
        .sets
        .iter()
        .map(|s| {
            let (total, full) = set_counts(&snapshot, s);
            SetReadiness {
                code: s.code.clone(),
                name: s.name.clone(),
                total: total as i64,
                full_online: full as i64,
            }
        })
        .collect();
    let published: BTreeSet<String> = snapshot
        .index
        .docs()
        .iter()
        .map(|d| d.code.clone())
        .collect();
    let missing: BTreeSet<String> = app
        .store
        .procedures_without_process(today)
        .await?
        .into_iter()
        .map(|m| m.procedure_code)
        .filter(|c| published.contains(c))
        .collect();
    let communes = app.store.child_units_at(&app.province.code, today).await?;
    let committees = app
        .store
        .find_agencies(&motcua_store::AgencyQuery {
            kind: Some(AgencyKind::CommuneCommittee),
            at: Some(today),
            ..Default::default()
        })
        .await?;
    let staffed: BTreeSet<String> = app.store.staffed_agencies().await?.into_iter().collect();
    let mut without = Vec::new();
    let mut with_staff = 0;
    let commune_units: Vec<_> = communes
        .iter()
        .filter(|u| u.kind.is_commune_level())
        .collect();
    for unit in &commune_units {
        let has = committees
            .iter()
            .any(|a| a.unit_code == unit.code && staffed.contains(a.code.as_str()));
        if has {
            with_staff += 1;
        } else {
            without.push(unit.full_name.clone());
        }
    }
    // The last twelve months: dossiers received, and what their documents show.
    let months = Month::of(today).trailing(12);
    let received = app.store.quality_total(&months, None).await?.received;
    let documents = super::reads::document_inputs(app, &months).await?;
    let (digitisation, reuse) = (
        Some(Ratio {
            numerator: documents.digitised,
            denominator: received,
        }),
        Some(Ratio {
            numerator: documents.reused,
            denominator: received,
        }),
    );
    Ok(Readiness {
        at: today,
        decisions,
        announced,
        sets,
        processes: Ratio {
            numerator: published.len() as i64 - missing.len() as i64,
            denominator: published.len() as i64,
        },
        procedures_without_process: missing.into_iter().collect(),
        communes: Ratio {
            numerator: with_staff,
            denominator: commune_units.len() as i64,
        },
        communes_without_staff: without,
        digitisation,
        reuse,
    })
}
