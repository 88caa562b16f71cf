//! Everything the dashboard shows at once: the scorecard of the scope asked for, the
//! choices of scope, the twelve-month trend, the scorecard per agency and readiness.

use super::reads::Reads;
use super::{
    AgencyCard, Level, Quality, QualityQuestion, Readiness, agency_cards_with, may_list_dossiers,
    monthly_with, period, quality_with, readiness, scope,
};
use crate::{App, AppResult, Principal};
use motcua_domain::agency::Agency;
use motcua_domain::quality::{Counters, Month};
use motcua_domain::unit::AdminUnit;

/// Months in the dashboard's trend.
const TREND_MONTHS: usize = 12;

#[derive(Debug, Clone)]
pub struct Dashboard {
    pub quality: Quality,
    /// The province's units today (the commune-level ones are scopes to choose from).
    pub units: Vec<AdminUnit>,
    /// Agencies working today (scopes to choose from).
    pub agencies: Vec<Agency>,
    /// The last month of the trend: the end of the period, or this month if sooner.
    pub trend_end: Month,
    pub trend: Vec<(Month, Counters)>,
    pub cards: Vec<AgencyCard>,
    pub readiness: Readiness,
    /// Whether the reader may list the dossiers behind the figures.
    pub may_list_dossiers: bool,
}

/// Public: anyone may look; `who` only decides whether figures link to their dossiers.
pub async fn dashboard(
    app: &App,
    who: Option<&Principal>,
    question: &QualityQuestion<'_>,
) -> AppResult<Dashboard> {
    let level = Level::parse(question.level.unwrap_or_default())?;
    let period = period(question.period, question.at)?;
    let scope = scope(app, level, question.code).await?;
    let today = crate::today_vn();
    let units = app.store.child_units_at(&app.province.code, today).await?;
    let agencies = app
        .store
        .find_agencies(&motcua_store::AgencyQuery {
            at: Some(today),
            ..Default::default()
        })
        .await?;
    let this_month = Month::of(today);
    let trend_end = period
        .months()
        .last()
        .copied()
        .unwrap_or(period.anchor)
        .min(this_month.max(period.anchor));
    // The scorecard, the trend and the table share one read of what the counters lack.
    let reads = Reads::load(app, &period.months(), &trend_end.trailing(TREND_MONTHS)).await?;
    let trend = monthly_with(app, &scope, trend_end, TREND_MONTHS, &reads).await?;
    let quality = quality_with(app, scope, period, &reads).await?;
    let cards = agency_cards_with(app, period, &reads).await?;
    let readiness = readiness(app).await?;
    Ok(Dashboard {
        may_list_dossiers: may_list_dossiers(who, &quality.scope),
        quality,
        units,
        agencies,
        trend_end,
        trend,
        cards,
        readiness,
    })
}
