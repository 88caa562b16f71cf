//! The numbers behind `/dashboard` and `/api/v1/stats/…`: scopes (an agency, a commune,
//! the province), periods, the Decision 766 scorecards, monthly trends and the readiness
//! indicators. Everything is computed live: dossier figures from the aggregate counters
//! (independent of how many dossiers there are), catalogue figures from the published
//! catalogue, readiness from the catalogue, processes and accounts.
//!
//! Open data: counts only, never personal data, so these use cases ask no principal;
//! only the list of dossiers behind a figure ([`dossiers`]) does.

mod dashboard;
mod drill;
mod facts;
mod readiness;
mod reads;

pub use dashboard::{Dashboard, dashboard};
pub use drill::{DossierList, dossiers, may_list_dossiers};
pub use facts::{ProcedureFacts, StatsCache};
pub use readiness::{DecisionReadiness, Ratio, Readiness, SetReadiness, readiness};

use crate::{App, AppError, AppResult};
use facts::{Used, catalogue_inputs, procedure_facts, snapshot};
use motcua_domain::agency::{Agency, AgencyKind};
use motcua_domain::quality::{
    Counters, Figure, Indicator, Inputs, Month, Period, PeriodKind, QualityError, Scorecard,
    evaluate,
};
use motcua_store::QualityQuery;
use reads::Reads;
use serde::Serialize;
use std::collections::BTreeMap;

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
pub async fn scope(app: &App, level: Level, code: Option<&str>) -> AppResult<Scope> {
    let code = code.map(str::trim).filter(|c| !c.is_empty());
    let missing = || {
        AppError::malformed(
            "invalid_query",
            "Cần mã (code) của cơ quan hoặc xã, phường.",
        )
    };
    match level {
        Level::Province => Ok(Scope {
            level,
            code: app.province.code.clone(),
            name: app.province.name.clone(),
            agencies: None,
            handles: None,
        }),
        Level::Agency => {
            let code = code.ok_or_else(missing)?;
            let agency = app.store.agency(code).await?.ok_or_else(|| {
                AppError::not_found("agency_not_found", format!("Không có cơ quan mã {code}."))
            })?;
            let snapshot = snapshot(app).await?;
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
            let history = app.store.unit_history(code).await?;
            let unit = history.last().ok_or_else(|| {
                AppError::not_found(
                    "unit_not_found",
                    format!("Không có đơn vị hành chính mã {code}."),
                )
            })?;
            if !unit.kind.is_commune_level() {
                return Err(AppError::malformed(
                    "invalid_query",
                    format!("{} không phải đơn vị cấp xã.", unit.full_name),
                ));
            }
            let agencies = app
                .store
                .find_agencies(&motcua_store::AgencyQuery {
                    unit: Some(code.to_owned()),
                    ..Default::default()
                })
                .await?;
            let snapshot = snapshot(app).await?;
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
pub fn period(kind: Option<&str>, at: Option<&str>) -> AppResult<Period> {
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

/// A scorecard with what it was computed from.
#[derive(Debug, Clone)]
pub struct Quality {
    pub scope: Scope,
    pub period: Period,
    pub inputs: Inputs,
    pub card: Scorecard,
}

/// A scorecard asked for as the edges receive it (query parameters): a scope and a period.
#[derive(Debug, Clone, Copy, Default)]
pub struct QualityQuestion<'a> {
    /// `province` (default), `commune` or `agency`.
    pub level: Option<&'a str>,
    /// The agency code (level `agency`) or the commune's unit code (level `commune`).
    pub code: Option<&'a str>,
    /// `month`, `quarter` or `year` (default).
    pub period: Option<&'a str>,
    /// A month of the period, `YYYY-MM`; this month by default.
    pub at: Option<&'a str>,
}

/// The scorecard the question asks for: the level and the period are read first, then the
/// scope is looked up.
pub async fn quality(app: &App, question: &QualityQuestion<'_>) -> AppResult<Quality> {
    let level = Level::parse(question.level.unwrap_or_default())?;
    let period = period(question.period, question.at)?;
    let scope = scope(app, level, question.code).await?;
    quality_of(app, scope, period).await
}

/// The scorecard of `scope` over `period`.
pub async fn quality_of(app: &App, scope: Scope, period: Period) -> AppResult<Quality> {
    let reads = Reads::load(app, &period.months(), &[]).await?;
    quality_with(app, scope, period, &reads).await
}

async fn quality_with(
    app: &App,
    scope: Scope,
    period: Period,
    reads: &Reads,
) -> AppResult<Quality> {
    let months = period.months();
    let (_, facts) = procedure_facts(app).await?;
    let by_procedure = app
        .store
        .quality_sums(&QualityQuery {
            months: months.clone(),
            agencies: scope.agencies.clone(),
            by_procedure: true,
            ..QualityQuery::default()
        })
        .await?;
    let within = reads.within_in(&months, scope.agencies.as_deref());
    let mut counters = Counters::default();
    let mut used = Used::default();
    for s in &by_procedure {
        counters.add(&s.counters);
        if let Some(code) = &s.procedure_code {
            used.note(code, &s.counters);
        }
    }
    let inputs = Inputs {
        counters: counters.read_with_within_time(within),
        catalogue: catalogue_inputs(
            &facts,
            scope.handles.as_deref(),
            &used,
            &reads.announced,
            app.payment_platform.is_some(),
        ),
        documents: reads.documents(scope.agencies.as_deref()),
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
pub async fn agency_cards(app: &App, period: Period) -> AppResult<Vec<AgencyCard>> {
    let reads = Reads::load(app, &period.months(), &[]).await?;
    agency_cards_with(app, period, &reads).await
}

async fn agency_cards_with(app: &App, period: Period, reads: &Reads) -> AppResult<Vec<AgencyCard>> {
    let (snapshot, facts) = procedure_facts(app).await?;
    let sums = app
        .store
        .quality_sums(&QualityQuery {
            months: period.months(),
            by_agency: true,
            by_procedure: true,
            ..QualityQuery::default()
        })
        .await?;
    let mut counters: BTreeMap<String, Counters> = BTreeMap::new();
    let mut used: BTreeMap<String, Used> = BTreeMap::new();
    for s in sums {
        let Some(agency) = s.agency_code else {
            continue;
        };
        counters.entry(agency.clone()).or_default().add(&s.counters);
        if let Some(code) = &s.procedure_code {
            used.entry(agency).or_default().note(code, &s.counters);
        }
    }
    let today = crate::today_vn();
    let mut agencies: Vec<Agency> = app
        .store
        .agencies(None)
        .await?
        .into_iter()
        .filter(|a| a.is_valid_at(today) || counters.contains_key(a.code.as_str()))
        .collect();
    agencies.sort_by(|a, b| {
        (kind_rank(a.kind), a.code.as_str()).cmp(&(kind_rank(b.kind), b.code.as_str()))
    });
    let empty = Used::default();
    let within = reads.within_by_agency(&period.months());
    Ok(agencies
        .into_iter()
        .map(|agency| {
            let code = agency.code.to_string();
            let handles = snapshot.agency_filter(&code);
            let inputs = Inputs {
                counters: counters
                    .get(&code)
                    .copied()
                    .unwrap_or_default()
                    .read_with_within_time(within.get(&code).copied().unwrap_or(0)),
                catalogue: catalogue_inputs(
                    &facts,
                    Some(&handles),
                    used.get(&code).unwrap_or(&empty),
                    &reads.announced,
                    app.payment_platform.is_some(),
                ),
                documents: reads.documents_of_agency(&code),
            };
            AgencyCard {
                card: evaluate(&inputs),
                agency,
                inputs,
            }
        })
        .collect())
}

/// A monthly series asked for as the edges receive it.
#[derive(Debug, Clone, Copy, Default)]
pub struct TrendQuestion<'a> {
    /// `province` (default), `commune` or `agency`.
    pub level: Option<&'a str>,
    pub code: Option<&'a str>,
    /// The last month, `YYYY-MM`; this month by default.
    pub at: Option<&'a str>,
    /// How many months, 1 to 36 (12 by default).
    pub months: Option<u32>,
}

/// The monthly counters of a scope, oldest first.
#[derive(Debug, Clone)]
pub struct Trend {
    pub scope: Scope,
    pub end: Month,
    pub series: Vec<(Month, Counters)>,
}

/// The series the question asks for.
pub async fn trend(app: &App, question: &TrendQuestion<'_>) -> AppResult<Trend> {
    let level = Level::parse(question.level.unwrap_or_default())?;
    let end = match question.at.map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => Month::parse(a)?,
        None => Month::of(crate::today_vn()),
    };
    let count = question.months.unwrap_or(12);
    if !(1..=36).contains(&count) {
        return Err(AppError::malformed(
            "invalid_query",
            "months phải từ 1 đến 36.",
        ));
    }
    let scope = scope(app, level, question.code).await?;
    let series = monthly(app, &scope, end, count as usize).await?;
    Ok(Trend { scope, end, series })
}

/// The counters of each of the `count` months ending with `end`, oldest first.
pub async fn monthly(
    app: &App,
    scope: &Scope,
    end: Month,
    count: usize,
) -> AppResult<Vec<(Month, Counters)>> {
    let reads = Reads::load(app, &[], &end.trailing(count)).await?;
    monthly_with(app, scope, end, count, &reads).await
}

async fn monthly_with(
    app: &App,
    scope: &Scope,
    end: Month,
    count: usize,
    reads: &Reads,
) -> AppResult<Vec<(Month, Counters)>> {
    let months = end.trailing(count);
    let sums = app
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
    let within = reads.within_by_month(scope.agencies.as_deref());
    Ok(months
        .into_iter()
        .map(|m| {
            let counters = found.get(&m).copied().unwrap_or_default();
            (
                m,
                counters.read_with_within_time(within.get(&m).copied().unwrap_or(0)),
            )
        })
        .collect())
}

/// `n` out of `d`; None without a whole.
pub fn rate(n: i64, d: i64) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

/// The figures an indicator can be drilled down to (the dossiers behind it).
pub fn figures_of(i: Indicator) -> Vec<Figure> {
    use Indicator as I;
    match i {
        I::OnTime => vec![Figure::Timed, Figure::TimedLate, Figure::TimedOpen],
        I::AverageTime => vec![Figure::Finished],
        I::ReceivedOnline | I::OnlineServicesUsed => {
            vec![Figure::Received, Figure::ReceivedOnline]
        }
        I::ElectronicResult => vec![Figure::WithResult],
        I::ProcedureSatisfaction => vec![
            Figure::Finished,
            Figure::Dissatisfied,
            Figure::Late,
            Figure::Disliked,
        ],
        I::PortalSync => vec![Figure::Received],
        I::PaidOnline => vec![Figure::FeeRequested],
        _ => vec![],
    }
}

/// Rebuilds the Decision 766 counters and each dossier's facts from the dossiers (after a
/// restore, say); they are otherwise kept up to date with every change. Province
/// administrators and the operator.
pub async fn recount(app: &App, who: &crate::Principal) -> AppResult<motcua_store::RecountReport> {
    who.require(&[motcua_domain::account::Role::ProvinceAdmin])?;
    Ok(app.store.recount_quality_aggregates().await?)
}
