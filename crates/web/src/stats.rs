//! The numbers behind `/dashboard` and `/api/v1/stats/…`: scopes (an agency, a commune,
//! the province), periods, the Decision 766 scorecards, monthly trends and the readiness
//! indicators. Everything is computed live: dossier figures from the aggregate counters
//! (independent of how many dossiers there are), catalogue figures from the published
//! catalogue, readiness from the catalogue, processes and accounts.

use crate::AppState;
use crate::catalogue::{Snapshot, set_counts};
use crate::error::{ApiError, ApiResult};
use chrono::NaiveDate;
use motcua_domain::agency::{Agency, AgencyKind};
use motcua_domain::procedure::OnlineLevel;
use motcua_domain::quality::{
    CatalogueInputs, Counters, Inputs, Month, Period, PeriodKind, QualityError, Scorecard, evaluate,
};
use motcua_store::QualityQuery;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

/// Whether digitisation (Circular 01/2023) is recorded: until it is, the digitisation and
/// reuse indicators are "không có dữ liệu" rather than zero.
pub const DIGITISATION_RECORDED: bool = false;

impl From<QualityError> for ApiError {
    fn from(err: QualityError) -> ApiError {
        ApiError::bad_request(err.code(), err.to_string())
    }
}

/// The level a figure is computed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Agency,
    Commune,
    Province,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Agency => "agency",
            Level::Commune => "commune",
            Level::Province => "province",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Level::Agency => "Cơ quan",
            Level::Commune => "Xã, phường",
            Level::Province => "Toàn tỉnh",
        }
    }

    pub fn parse(raw: &str) -> Result<Level, QualityError> {
        match raw.trim() {
            "agency" => Ok(Level::Agency),
            "commune" => Ok(Level::Commune),
            "province" | "" => Ok(Level::Province),
            other => Err(QualityError::InvalidLevel(other.to_owned())),
        }
    }
}

/// What a figure covers.
#[derive(Debug, Clone)]
pub struct Scope {
    pub level: Level,
    pub code: String,
    pub name: String,
    /// The agencies whose counters add up to the scope; None for the whole province.
    pub agencies: Option<Vec<String>>,
    /// The catalogue filter values (agency codes and kinds) of the scope; None: all.
    pub handles: Option<Vec<String>>,
}

/// Resolves `level` and `code` (an agency code, a commune's unit code; ignored for the
/// province).
pub async fn scope(state: &AppState, level: Level, code: Option<&str>) -> ApiResult<Scope> {
    let code = code.map(str::trim).filter(|c| !c.is_empty());
    let missing = || {
        ApiError::bad_request(
            "invalid_query",
            "Cần mã (code) của cơ quan hoặc xã, phường.",
        )
    };
    match level {
        Level::Province => Ok(Scope {
            level,
            code: state.config.province_code.clone(),
            name: state.province_name(),
            agencies: None,
            handles: None,
        }),
        Level::Agency => {
            let code = code.ok_or_else(missing)?;
            let agency = state.store.agency(code).await?.ok_or_else(|| {
                ApiError::new(
                    axum::http::StatusCode::NOT_FOUND,
                    "agency_not_found",
                    format!("Không có cơ quan mã {code}."),
                )
            })?;
            let snapshot = state.catalogue.current(&state.store).await?;
            Ok(Scope {
                level,
                code: agency.code.to_string(),
                name: agency.name.clone(),
                agencies: Some(vec![agency.code.to_string()]),
                handles: Some(snapshot.agency_filter(agency.code.as_str())),
            })
        }
        Level::Commune => {
            let code = code.ok_or_else(missing)?;
            let history = state.store.unit_history(code).await?;
            let unit = history.last().ok_or_else(|| {
                ApiError::new(
                    axum::http::StatusCode::NOT_FOUND,
                    "unit_not_found",
                    format!("Không có đơn vị hành chính mã {code}."),
                )
            })?;
            if !unit.kind.is_commune_level() {
                return Err(ApiError::bad_request(
                    "invalid_query",
                    format!("{} không phải đơn vị cấp xã.", unit.full_name),
                ));
            }
            let agencies = state
                .store
                .find_agencies(&motcua_store::AgencyQuery {
                    unit: Some(code.to_owned()),
                    ..Default::default()
                })
                .await?;
            let snapshot = state.catalogue.current(&state.store).await?;
            let today = crate::today_vn();
            let mut handles: Vec<String> = agencies
                .iter()
                .filter(|a| a.is_valid_at(today))
                .flat_map(|a| snapshot.agency_filter(a.code.as_str()))
                .collect();
            handles.sort();
            handles.dedup();
            Ok(Scope {
                level,
                code: unit.code.clone(),
                name: unit.full_name.clone(),
                agencies: Some(agencies.iter().map(|a| a.code.to_string()).collect()),
                handles: Some(handles),
            })
        }
    }
}

/// `period` (month, quarter, year; year by default) containing `at` (YYYY-MM; this month
/// by default).
pub fn period(kind: Option<&str>, at: Option<&str>) -> Result<Period, QualityError> {
    let kind = match kind.map(str::trim).filter(|k| !k.is_empty()) {
        Some(k) => PeriodKind::parse(k)?,
        None => PeriodKind::Year,
    };
    let anchor = match at.map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => Month::parse(a)?,
        None => Month::of(crate::today_vn()),
    };
    Ok(Period::new(kind, anchor))
}

/// What the index needs to know about one published procedure.
#[derive(Debug, Clone)]
pub struct ProcedureFacts {
    pub code: String,
    /// Who handles it: agency codes and agency kinds (as the catalogue filter has them).
    pub handled_by: Vec<String>,
    pub online: OnlineLevel,
    pub announced_on_time: bool,
    pub complete: bool,
}

/// Catalogue facts as of (catalogue revision, date).
type CachedFacts = (i64, NaiveDate, Arc<Vec<ProcedureFacts>>);

/// The catalogue facts, rebuilt with the catalogue snapshot.
#[derive(Default)]
pub struct StatsCache {
    facts: Mutex<Option<CachedFacts>>,
}

async fn procedure_facts(state: &AppState) -> ApiResult<(Arc<Snapshot>, Arc<Vec<ProcedureFacts>>)> {
    let snapshot = state.catalogue.current(&state.store).await?;
    let key = (snapshot.revision, snapshot.built_for);
    if let Some((rev, day, facts)) = state
        .stats
        .facts
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        && (*rev, *day) == key
    {
        return Ok((snapshot, facts.clone()));
    }
    let entries = state.store.published_catalogue().await?;
    let facts: Vec<ProcedureFacts> = entries
        .iter()
        .map(|e| {
            let p = &e.version.procedure;
            let announced_on_time = match (&e.version.published_decision, p.valid_from) {
                (Some(d), Some(from)) => d.decided_on <= from,
                (Some(_), None) => true,
                (None, _) => false,
            };
            let complete = !p.legal_bases.is_empty()
                && !p.steps.trim().is_empty()
                && !p.documents.is_empty()
                && !p.results.is_empty()
                && p.problems().is_empty();
            ProcedureFacts {
                code: p.code.to_string(),
                handled_by: snapshot
                    .index
                    .get(p.code.as_str())
                    .map(|d| d.agencies.clone())
                    .unwrap_or_default(),
                online: p.online_level,
                announced_on_time,
                complete,
            }
        })
        .collect();
    let facts = Arc::new(facts);
    *state.stats.facts.lock().unwrap_or_else(|p| p.into_inner()) =
        Some((key.0, key.1, facts.clone()));
    Ok((snapshot, facts))
}

fn catalogue_inputs(
    facts: &[ProcedureFacts],
    handles: Option<&[String]>,
    online_used: &BTreeSet<String>,
) -> CatalogueInputs {
    let mut c = CatalogueInputs::default();
    for p in facts {
        let in_scope = handles.is_none_or(|h| p.handled_by.iter().any(|v| h.contains(v)));
        if !in_scope {
            continue;
        }
        c.procedures += 1;
        c.announced_on_time += i64::from(p.announced_on_time);
        c.complete += i64::from(p.complete);
        if p.online != OnlineLevel::None {
            c.online += 1;
            c.online_used += i64::from(online_used.contains(&p.code));
        }
        c.full_online += i64::from(p.online == OnlineLevel::Full);
    }
    c
}

/// A scorecard with what it was computed from.
#[derive(Debug, Clone)]
pub struct Quality {
    pub scope: Scope,
    pub period: Period,
    pub inputs: Inputs,
    pub card: Scorecard,
}

/// The scorecard of `scope` over `period`.
pub async fn quality(state: &AppState, scope: Scope, period: Period) -> ApiResult<Quality> {
    let months = period.months();
    let (_, facts) = procedure_facts(state).await?;
    let by_procedure = state
        .store
        .quality_sums(&QualityQuery {
            months,
            agencies: scope.agencies.clone(),
            by_procedure: true,
            ..QualityQuery::default()
        })
        .await?;
    let mut counters = Counters::default();
    let mut online_used = BTreeSet::new();
    for s in &by_procedure {
        counters.add(&s.counters);
        if s.counters.received_online > 0
            && let Some(code) = &s.procedure_code
        {
            online_used.insert(code.clone());
        }
    }
    let inputs = Inputs {
        counters,
        catalogue: catalogue_inputs(&facts, scope.handles.as_deref(), &online_used),
        digitisation_recorded: DIGITISATION_RECORDED,
    };
    Ok(Quality {
        card: evaluate(&inputs),
        scope,
        period,
        inputs,
    })
}

/// One agency's line of the scorecard table.
#[derive(Debug, Clone)]
pub struct AgencyCard {
    pub agency: Agency,
    pub inputs: Inputs,
    pub card: Scorecard,
}

fn kind_rank(kind: AgencyKind) -> u8 {
    match kind {
        AgencyKind::ProvincialCommittee => 0,
        AgencyKind::ServiceCentre => 1,
        AgencyKind::Department => 2,
        AgencyKind::CommuneCommittee => 3,
        AgencyKind::Other => 4,
    }
}

/// A scorecard per agency: every agency working today, and any other with figures in
/// the period. Two queries whatever the number of dossiers.
pub async fn agency_cards(state: &AppState, period: Period) -> ApiResult<Vec<AgencyCard>> {
    let (snapshot, facts) = procedure_facts(state).await?;
    let sums = state
        .store
        .quality_sums(&QualityQuery {
            months: period.months(),
            by_agency: true,
            by_procedure: true,
            ..QualityQuery::default()
        })
        .await?;
    let mut counters: BTreeMap<String, Counters> = BTreeMap::new();
    let mut used: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in sums {
        let Some(agency) = s.agency_code else {
            continue;
        };
        counters.entry(agency.clone()).or_default().add(&s.counters);
        if s.counters.received_online > 0
            && let Some(code) = s.procedure_code
        {
            used.entry(agency).or_default().insert(code);
        }
    }
    let today = crate::today_vn();
    let mut agencies: Vec<Agency> = state
        .store
        .agencies(None)
        .await?
        .into_iter()
        .filter(|a| a.is_valid_at(today) || counters.contains_key(a.code.as_str()))
        .collect();
    agencies.sort_by(|a, b| {
        (kind_rank(a.kind), a.code.as_str()).cmp(&(kind_rank(b.kind), b.code.as_str()))
    });
    let empty = BTreeSet::new();
    Ok(agencies
        .into_iter()
        .map(|agency| {
            let code = agency.code.to_string();
            let handles = snapshot.agency_filter(&code);
            let inputs = Inputs {
                counters: counters.get(&code).copied().unwrap_or_default(),
                catalogue: catalogue_inputs(
                    &facts,
                    Some(&handles),
                    used.get(&code).unwrap_or(&empty),
                ),
                digitisation_recorded: DIGITISATION_RECORDED,
            };
            AgencyCard {
                card: evaluate(&inputs),
                agency,
                inputs,
            }
        })
        .collect())
}

/// The counters of each of the `count` months ending with `end`, oldest first.
pub async fn trend(
    state: &AppState,
    scope: &Scope,
    end: Month,
    count: usize,
) -> ApiResult<Vec<(Month, Counters)>> {
    let months = end.trailing(count);
    let sums = state
        .store
        .quality_sums(&QualityQuery {
            months: months.clone(),
            agencies: scope.agencies.clone(),
            by_month: true,
            ..QualityQuery::default()
        })
        .await?;
    let found: BTreeMap<Month, Counters> = sums
        .into_iter()
        .filter_map(|s| s.month.map(|m| (m, s.counters)))
        .collect();
    Ok(months
        .into_iter()
        .map(|m| (m, found.get(&m).copied().unwrap_or_default()))
        .collect())
}

/// A part of a whole, counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Ratio {
    pub numerator: i64,
    pub denominator: i64,
}

impl Ratio {
    pub fn rate(&self) -> Option<f64> {
        (self.denominator > 0).then(|| self.numerator as f64 / self.denominator as f64)
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DecisionReadiness {
    pub number: String,
    pub decided_on: NaiveDate,
    pub signer: String,
    pub required: Option<i64>,
    pub published: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SetReadiness {
    pub code: String,
    pub name: String,
    pub total: i64,
    pub full_online: i64,
}

/// The readiness of the province for the two-tier model, live from the data.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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

pub async fn readiness(state: &AppState) -> ApiResult<Readiness> {
    let today = crate::today_vn();
    let decisions: Vec<DecisionReadiness> = state
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
    let snapshot = state.catalogue.current(&state.store).await?;
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
    let missing: BTreeSet<String> = state
        .store
        .procedures_without_process(today)
        .await?
        .into_iter()
        .map(|m| m.procedure_code)
        .filter(|c| published.contains(c))
        .collect();
    let communes = state
        .store
        .child_units_at(&state.config.province_code, today)
        .await?;
    let committees = state
        .store
        .find_agencies(&motcua_store::AgencyQuery {
            kind: Some(AgencyKind::CommuneCommittee),
            at: Some(today),
            ..Default::default()
        })
        .await?;
    let staffed: BTreeSet<String> = state.store.staffed_agencies().await?.into_iter().collect();
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
    let (digitisation, reuse) = if DIGITISATION_RECORDED {
        let year = state
            .store
            .quality_total(&Month::of(today).trailing(12), None)
            .await?;
        (
            Some(Ratio {
                numerator: year.digitised,
                denominator: year.received,
            }),
            Some(Ratio {
                numerator: year.reused,
                denominator: year.received,
            }),
        )
    } else {
        (None, None)
    };
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
