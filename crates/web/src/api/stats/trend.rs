//! The index month by month.

use super::quality::{CountsView, counts_view};
use super::{csv_response, opt, wants_csv};
use crate::AppState;
use crate::api::ApiQuery;
use crate::error::{ApiResult, Problem};
use crate::stats::{self, TrendQuestion, rate};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct TrendParams {
    /// `province` (default), `commune` or `agency`.
    #[param(value_type = Option<crate::api::contract::choices::ScoreLevel>, inline)]
    pub level: Option<String>,
    pub code: Option<String>,
    /// The last month, `YYYY-MM`; this month by default.
    #[param(value_type = Option<crate::api::contract::formats::Month>, inline)]
    pub at: Option<String>,
    /// How many months, 1 to 36 (12 by default).
    #[param(minimum = 1, maximum = 36)]
    pub months: Option<u32>,
    /// `json` (default) or `csv`.
    #[param(value_type = Option<crate::api::contract::choices::OpenDataFormat>, inline)]
    pub format: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TrendMonthView {
    pub month: String,
    pub label: String,
    /// On time among decided; None without decided dossiers.
    pub on_time_rate: Option<f64>,
    /// Online among received; None without received dossiers.
    pub online_rate: Option<f64>,
    pub counts: CountsView,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TrendView {
    pub level: String,
    pub code: String,
    pub name: String,
    pub months: Vec<TrendMonthView>,
}

/// The monthly series of a scope: receipts, decisions, on time and late, ratings.
#[utoipa::path(
    get, path = "/api/v1/stats/quality/trend", tag = "stats", operation_id = "stats_quality_trend", params(TrendParams),
    responses(
        (status = 200, description = "One entry per month, oldest first (JSON, or CSV with one row per month)",
         content((TrendView = "application/json"), (String = "text/csv"))),
        (status = 400, description = "`invalid_level`, `invalid_month`, `invalid_format` or `invalid_query`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`agency_not_found` or `unit_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn trend(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(p): ApiQuery<TrendParams>,
) -> ApiResult<Response> {
    let csv = wants_csv(p.format.as_deref(), &headers)?;
    let stats::Trend { scope, end, series } = stats::trend(
        &state.app,
        &TrendQuestion {
            level: p.level.as_deref(),
            code: p.code.as_deref(),
            at: p.at.as_deref(),
            months: p.months,
        },
    )
    .await?;
    if csv {
        let headers = [
            "month",
            "received",
            "received_online",
            "finished",
            "on_time",
            "late",
            "multi_supplement",
            "with_result",
            "returned",
            "rated",
            "disliked",
            "on_time_rate",
            "online_rate",
        ];
        let rows = series
            .iter()
            .map(|(m, c)| {
                vec![
                    m.to_string(),
                    c.received.to_string(),
                    c.received_online.to_string(),
                    c.finished.to_string(),
                    c.on_time.to_string(),
                    c.late.to_string(),
                    c.multi_supplement.to_string(),
                    c.with_result.to_string(),
                    c.returned.to_string(),
                    c.rated.to_string(),
                    c.disliked.to_string(),
                    opt(rate(c.on_time, c.finished)),
                    opt(rate(c.received_online, c.received)),
                ]
            })
            .collect();
        let name = format!("xu-huong-{}-{}.csv", scope.code, end);
        return csv_response(&name, &headers, rows);
    }
    Ok(Json(TrendView {
        level: scope.level.as_str().into(),
        code: scope.code.clone(),
        name: scope.name.clone(),
        months: series
            .iter()
            .map(|(m, c)| TrendMonthView {
                month: m.to_string(),
                label: m.label_vi(),
                on_time_rate: rate(c.on_time, c.finished),
                online_rate: rate(c.received_online, c.received),
                counts: counts_view(c),
            })
            .collect(),
    })
    .into_response())
}
