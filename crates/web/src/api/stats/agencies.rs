//! The scorecard per agency.

use super::quality::{
    CountsView, DocumentsView, PeriodView, counts_view, documents_view, period_view,
};
use super::{csv_response, wants_csv};
use crate::AppState;
use crate::api::ApiQuery;
use crate::error::{ApiResult, Problem};
use crate::stats::{self};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use motcua_domain::quality::{Group, Scorecard};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AgencyScoresParams {
    /// `month`, `quarter` or `year` (default).
    #[param(value_type = Option<crate::api::contract::choices::Period>, inline)]
    pub period: Option<String>,
    /// A month of the period, `YYYY-MM`; this month by default.
    #[param(value_type = Option<crate::api::contract::formats::Month>, inline)]
    pub at: Option<String>,
    /// `json` (default) or `csv`.
    #[param(value_type = Option<crate::api::contract::choices::OpenDataFormat>, inline)]
    pub format: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct QualityGroupBriefView {
    pub code: String,
    pub points: f64,
    /// The points of its indicators without data (scored 0).
    pub missing_points: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AgencyScoreView {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub unit_code: String,
    /// Out of 100, never rescaled.
    pub index: f64,
    pub points: f64,
    /// The points of indicators without data (scored 0).
    pub missing_points: f64,
    pub groups: Vec<QualityGroupBriefView>,
    pub counts: CountsView,
    pub documents: DocumentsView,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AgencyScoresView {
    pub period: PeriodView,
    pub agencies: Vec<AgencyScoreView>,
}

fn brief(card: &Scorecard) -> Vec<QualityGroupBriefView> {
    card.groups
        .iter()
        .map(|g| QualityGroupBriefView {
            code: g.group.as_str().into(),
            points: g.points,
            missing_points: g.missing_points,
        })
        .collect()
}

/// The scorecard of every agency over a period: the index, each group's points and the
/// main counts.
#[utoipa::path(
    get, path = "/api/v1/stats/quality/agencies", tag = "stats", operation_id = "stats_quality_agencies", params(AgencyScoresParams),
    responses(
        (status = 200, description = "One scorecard per agency (JSON, or CSV with one row per agency)",
         content((AgencyScoresView = "application/json"), (String = "text/csv"))),
        (status = 400, description = "`invalid_period`, `invalid_month` or `invalid_format`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn agencies(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(p): ApiQuery<AgencyScoresParams>,
) -> ApiResult<Response> {
    let csv = wants_csv(p.format.as_deref(), &headers)?;
    let period = stats::period(p.period.as_deref(), p.at.as_deref())?;
    let cards = stats::agency_cards(&state.app, period).await?;
    if csv {
        let mut headers = vec![
            "code",
            "name",
            "kind",
            "unit_code",
            "index",
            "points",
            "missing_points",
        ];
        headers.extend(Group::ALL.iter().map(|g| g.as_str()));
        headers.extend(["received", "received_online", "finished", "on_time", "late"]);
        let rows = cards
            .iter()
            .map(|c| {
                let mut row = vec![
                    c.agency.code.to_string(),
                    c.agency.name.clone(),
                    c.agency.kind.as_str().to_owned(),
                    c.agency.unit_code.clone(),
                    format!("{:.4}", c.card.index()),
                    format!("{:.4}", c.card.points),
                    c.card.missing_points.to_string(),
                ];
                row.extend(c.card.groups.iter().map(|g| format!("{:.4}", g.points)));
                let k = &c.inputs.counters;
                row.extend(
                    [k.received, k.received_online, k.finished, k.on_time, k.late]
                        .map(|v| v.to_string()),
                );
                row
            })
            .collect();
        return csv_response(
            &format!("chi-so-766-co-quan-{}.csv", period.key()),
            &headers,
            rows,
        );
    }
    Ok(Json(AgencyScoresView {
        period: period_view(period),
        agencies: cards
            .iter()
            .map(|c| AgencyScoreView {
                code: c.agency.code.to_string(),
                name: c.agency.name.clone(),
                kind: c.agency.kind.as_str().into(),
                unit_code: c.agency.unit_code.clone(),
                index: c.card.index(),
                points: c.card.points,
                missing_points: c.card.missing_points,
                groups: brief(&c.card),
                counts: counts_view(&c.inputs.counters),
                documents: documents_view(&c.inputs.documents),
            })
            .collect(),
    })
    .into_response())
}
