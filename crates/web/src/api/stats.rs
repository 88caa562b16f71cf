//! Open data: the service-quality index (Decision 766/QĐ-TTg), its monthly trend, the
//! scorecard per agency and the readiness indicators, as JSON or CSV (`format=csv` or
//! `Accept: text/csv`). Public: counts only, never personal data or dossier codes.

use super::ApiQuery;
use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::stats::{self, Quality, QualityQuestion, Readiness, TrendQuestion, rate};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_domain::quality::{
    Counters, Group, GroupScore, IndicatorScore, Period, Scorecard, Source,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// Whether the caller asked for CSV.
fn wants_csv(format: Option<&str>, headers: &HeaderMap) -> ApiResult<bool> {
    match format.map(str::trim).filter(|f| !f.is_empty()) {
        Some("csv") => Ok(true),
        Some("json") => Ok(false),
        Some(other) => Err(ApiError::bad_request(
            "invalid_format",
            format!("Định dạng không hỗ trợ: {other:?} (json hoặc csv)."),
        )),
        None => Ok(headers
            .get(header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .is_some_and(|a| a.contains("text/csv"))),
    }
}

/// A spreadsheet program must not run a cell as a formula.
fn defuse(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && cell.parse::<f64>().is_err() {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// CSV in UTF-8 with a byte-order mark (spreadsheets then read the diacritics); numbers
/// with a dot as decimal separator, for programs.
fn csv_response(filename: &str, headers: &[&str], rows: Vec<Vec<String>>) -> ApiResult<Response> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        let fail = |e: csv::Error| {
            tracing::error!(error = %e, "CSV writing failed");
            ApiError::internal()
        };
        writer.write_record(headers).map_err(fail)?;
        for row in rows {
            writer
                .write_record(row.iter().map(|c| defuse(c)))
                .map_err(fail)?;
        }
        writer.flush().map_err(|e| {
            tracing::error!(error = %e, "CSV writing failed");
            ApiError::internal()
        })?;
    }
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{filename}\""),
            ),
        ],
        out,
    )
        .into_response())
}

fn opt(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.4}")).unwrap_or_default()
}

fn opt_i(value: Option<i64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct QualityParams {
    /// `province` (default), `commune` or `agency`.
    pub level: Option<String>,
    /// The agency code (level `agency`) or the commune's unit code (level `commune`).
    pub code: Option<String>,
    /// `month`, `quarter` or `year` (default).
    pub period: Option<String>,
    /// A month of the period, `YYYY-MM`; this month by default.
    pub at: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

impl QualityParams {
    fn question(&self) -> QualityQuestion<'_> {
        QualityQuestion {
            level: self.level.as_deref(),
            code: self.code.as_deref(),
            period: self.period.as_deref(),
            at: self.at.as_deref(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PeriodView {
    /// `month`, `quarter` or `year`.
    pub kind: String,
    /// `2026-03`, `2026-Q1` or `2026`.
    pub key: String,
    pub label: String,
    pub months: Vec<String>,
}

fn period_view(p: Period) -> PeriodView {
    PeriodView {
        kind: p.kind.as_str().into(),
        key: p.key(),
        label: p.label_vi(),
        months: p.months().iter().map(ToString::to_string).collect(),
    }
}

/// The dossier counters of a scope and period.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CountsView {
    /// Received (with a receipt slip), counted under the receiving agency in the month of receipt.
    pub received: i64,
    pub received_online: i64,
    /// Decided (a result or a refusal after appraisal), under the handling agency in the month decided.
    pub finished: i64,
    /// On or before the appointment date on the receipt slip, with at most one supplement request.
    pub on_time: i64,
    pub late: i64,
    /// More than one supplement request (counted late).
    pub multi_supplement: i64,
    pub with_result: i64,
    pub electronic_result: i64,
    /// Calendar minutes from the start of counting to the decision, summed.
    pub time_used_minutes: i64,
    /// Calendar minutes from the start of counting to the appointment date, summed.
    pub time_allowed_minutes: i64,
    pub returned: i64,
    pub rated: i64,
    /// The mean rating of rated dossiers, 0 to 2.
    pub mean_rating: Option<f64>,
    /// Rated below 1 on average.
    pub disliked: i64,
    pub fee_requested: i64,
    pub paid: i64,
    /// Not recorded yet: always 0.
    pub paid_online: i64,
    /// Not recorded yet: always 0.
    pub digitised: i64,
    /// Not recorded yet: always 0.
    pub reused: i64,
}

pub(crate) fn counts_view(c: &Counters) -> CountsView {
    CountsView {
        received: c.received,
        received_online: c.received_online,
        finished: c.finished,
        on_time: c.on_time,
        late: c.late,
        multi_supplement: c.multi_supplement,
        with_result: c.with_result,
        electronic_result: c.electronic_result,
        time_used_minutes: c.time_used_minutes,
        time_allowed_minutes: c.time_allowed_minutes,
        returned: c.returned,
        rated: c.rated,
        mean_rating: c.mean_rating(),
        disliked: c.disliked,
        fee_requested: c.fee_requested,
        paid: c.paid,
        paid_online: c.paid_online,
        digitised: c.digitised,
        reused: c.reused,
    }
}

fn source_str(s: Source) -> &'static str {
    match s {
        Source::Catalogue => "catalogue",
        Source::Dossiers => "dossiers",
        Source::NotHeld => "not_held",
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct QualityIndicatorView {
    pub code: String,
    pub label: String,
    pub group: String,
    /// `catalogue`, `dossiers` or `not_held`.
    pub source: String,
    /// How motcua computes it, or why it cannot.
    pub method: String,
    pub max_points: f64,
    /// The rate that earns full marks (1.0 = 100%); below it the score is rate × max ÷ threshold.
    pub threshold: f64,
    /// None: no data (left out of the denominator).
    pub rate: Option<f64>,
    pub points: Option<f64>,
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
    /// "không có dữ liệu", "không có hồ sơ trong kỳ", …
    pub no_data: Option<String>,
    /// Figures that list the dossiers behind this indicator.
    pub figures: Vec<String>,
}

fn indicator_view(s: &IndicatorScore) -> QualityIndicatorView {
    let i = s.indicator;
    QualityIndicatorView {
        code: i.as_str().into(),
        label: i.label_vi().into(),
        group: i.group().as_str().into(),
        source: source_str(i.source()).into(),
        method: i.method_vi().into(),
        max_points: s.max_points,
        threshold: s.threshold,
        rate: s.rate,
        points: s.points,
        numerator: s.numerator,
        denominator: s.denominator,
        no_data: s.no_data.map(str::to_owned),
        figures: stats::figures_of(i)
            .into_iter()
            .map(|f| f.as_str().to_owned())
            .collect(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct QualityGroupView {
    pub code: String,
    pub label: String,
    /// The group's points in the decision.
    pub max_points: f64,
    /// The maximum of its indicators with data.
    pub available_points: f64,
    pub points: f64,
    /// Points per 100 available; None when nothing in the group has data.
    pub percent: Option<f64>,
    pub indicators: Vec<QualityIndicatorView>,
}

fn group_view(g: &GroupScore) -> QualityGroupView {
    QualityGroupView {
        code: g.group.as_str().into(),
        label: g.group.label_vi().into(),
        max_points: g.max_points,
        available_points: g.available_points,
        points: g.points,
        percent: g.percent(),
        indicators: g.indicators.iter().map(indicator_view).collect(),
    }
}

/// Catalogue facts of the scope, today.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CatalogueView {
    pub procedures: i64,
    pub announced_on_time: i64,
    pub complete: i64,
    pub online: i64,
    pub full_online: i64,
    pub online_used: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct QualityView {
    /// `province`, `commune` or `agency`.
    pub level: String,
    pub code: String,
    pub name: String,
    pub period: PeriodView,
    /// Points per 100 over the indicators with data; None when none has data.
    pub index: Option<f64>,
    pub points: f64,
    /// The maximum of the indicators with data (indicators without data are left out).
    pub available_points: f64,
    pub max_points: f64,
    pub groups: Vec<QualityGroupView>,
    pub counts: CountsView,
    pub catalogue: CatalogueView,
}

pub(crate) fn quality_view(q: &Quality) -> QualityView {
    let k = &q.inputs.catalogue;
    QualityView {
        level: q.scope.level.as_str().into(),
        code: q.scope.code.clone(),
        name: q.scope.name.clone(),
        period: period_view(q.period),
        index: q.card.index(),
        points: q.card.points,
        available_points: q.card.available_points,
        max_points: q.card.max_points,
        groups: q.card.groups.iter().map(group_view).collect(),
        counts: counts_view(&q.inputs.counters),
        catalogue: CatalogueView {
            procedures: k.procedures,
            announced_on_time: k.announced_on_time,
            complete: k.complete,
            online: k.online,
            full_online: k.full_online,
            online_used: k.online_used,
        },
    }
}

const QUALITY_CSV: [&str; 15] = [
    "level",
    "code",
    "name",
    "period",
    "group",
    "group_label",
    "indicator",
    "indicator_label",
    "max_points",
    "threshold",
    "rate",
    "points",
    "numerator",
    "denominator",
    "no_data",
];

fn quality_rows(q: &Quality) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for g in &q.card.groups {
        for i in &g.indicators {
            rows.push(vec![
                q.scope.level.as_str().to_owned(),
                q.scope.code.clone(),
                q.scope.name.clone(),
                q.period.key(),
                g.group.as_str().to_owned(),
                g.group.label_vi().to_owned(),
                i.indicator.as_str().to_owned(),
                i.indicator.label_vi().to_owned(),
                i.max_points.to_string(),
                i.threshold.to_string(),
                opt(i.rate),
                opt(i.points),
                opt_i(i.numerator),
                opt_i(i.denominator),
                i.no_data.unwrap_or_default().to_owned(),
            ]);
        }
    }
    rows
}

/// The service-quality index (Decision 766/QĐ-TTg) of the province, a commune or an
/// agency over a month, quarter or year: every group and indicator with its rate, points,
/// maximum and threshold; indicators without data are reported and left out of the
/// denominator.
#[utoipa::path(
    get, path = "/api/v1/stats/quality", tag = "stats", operation_id = "stats_quality", params(QualityParams),
    responses(
        (status = 200, description = "The scorecard (JSON, or CSV with one row per indicator)",
         content((QualityView = "application/json"), (String = "text/csv"))),
        (status = 400, description = "`invalid_level`, `invalid_period`, `invalid_month`, `invalid_format` or `invalid_query`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`agency_not_found` or `unit_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn quality(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(p): ApiQuery<QualityParams>,
) -> ApiResult<Response> {
    let csv = wants_csv(p.format.as_deref(), &headers)?;
    let q = stats::quality(&state.app, &p.question()).await?;
    if csv {
        let name = format!("chi-so-766-{}-{}.csv", q.scope.code, q.period.key());
        return csv_response(&name, &QUALITY_CSV, quality_rows(&q));
    }
    Ok(Json(quality_view(&q)).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct TrendParams {
    /// `province` (default), `commune` or `agency`.
    pub level: Option<String>,
    pub code: Option<String>,
    /// The last month, `YYYY-MM`; this month by default.
    pub at: Option<String>,
    /// How many months, 1 to 36 (12 by default).
    pub months: Option<u32>,
    /// `json` (default) or `csv`.
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
            "electronic_result",
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
                    c.electronic_result.to_string(),
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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AgencyScoresParams {
    /// `month`, `quarter` or `year` (default).
    pub period: Option<String>,
    /// A month of the period, `YYYY-MM`; this month by default.
    pub at: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct QualityGroupBriefView {
    pub code: String,
    pub points: f64,
    pub available_points: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AgencyScoreView {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub unit_code: String,
    pub index: Option<f64>,
    pub points: f64,
    pub available_points: f64,
    pub groups: Vec<QualityGroupBriefView>,
    pub counts: CountsView,
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
            available_points: g.available_points,
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
            "available_points",
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
                    opt(c.card.index()),
                    format!("{:.4}", c.card.points),
                    c.card.available_points.to_string(),
                ];
                row.extend(c.card.groups.iter().map(|g| {
                    if g.available_points > 0.0 {
                        format!("{:.4}", g.points)
                    } else {
                        String::new()
                    }
                }));
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
                available_points: c.card.available_points,
                groups: brief(&c.card),
                counts: counts_view(&c.inputs.counters),
            })
            .collect(),
    })
    .into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ReadinessParams {
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

fn readiness_rows(r: &Readiness) -> Vec<Vec<String>> {
    let ratio = |key: &str, label: &str, x: Option<stats::Ratio>| {
        vec![
            key.to_owned(),
            label.to_owned(),
            x.map(|x| x.numerator.to_string()).unwrap_or_default(),
            x.map(|x| x.denominator.to_string()).unwrap_or_default(),
            opt(x.and_then(|x| x.rate())),
            if x.is_none() {
                motcua_domain::quality::NO_DATA.to_owned()
            } else {
                String::new()
            },
        ]
    };
    let mut rows = vec![ratio(
        "announced",
        "TTHC đã công bố so với yêu cầu",
        r.announced,
    )];
    for d in &r.decisions {
        rows.push(ratio(
            &format!("decision:{}", d.number),
            &format!(
                "Quyết định {} ngày {}",
                d.number,
                d.decided_on.format("%d/%m/%Y")
            ),
            d.required.map(|req| stats::Ratio {
                numerator: d.published,
                denominator: req,
            }),
        ));
    }
    for s in &r.sets {
        rows.push(ratio(
            &format!("set:{}", s.code),
            &format!("{}: toàn trình", s.name),
            Some(stats::Ratio {
                numerator: s.full_online,
                denominator: s.total,
            }),
        ));
    }
    rows.push(ratio(
        "processes",
        "TTHC đã công bố có quy trình nội bộ được phê duyệt",
        Some(r.processes),
    ));
    rows.push(ratio(
        "communes",
        "Xã, phường có tài khoản cán bộ một cửa",
        Some(r.communes),
    ));
    rows.push(ratio("digitisation", "Hồ sơ được số hóa", r.digitisation));
    rows.push(ratio("reuse", "Hồ sơ sử dụng lại dữ liệu số hóa", r.reuse));
    rows
}

/// Readiness for the two-tier model, computed live: procedures announced against those
/// required (per decision), toàn trình services in each named set (e.g. the 25 essential
/// ones), published procedures with an approved process, communes whose People's
/// Committee has staff accounts, and the digitisation and reuse rates (null until recorded).
#[utoipa::path(
    get, path = "/api/v1/stats/readiness", tag = "stats", operation_id = "stats_readiness", params(ReadinessParams),
    responses(
        (status = 200, description = "The readiness indicators (JSON, or CSV with one row per indicator)",
         content((Readiness = "application/json"), (String = "text/csv"))),
        (status = 400, description = "`invalid_format`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn readiness(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(p): ApiQuery<ReadinessParams>,
) -> ApiResult<Response> {
    let csv = wants_csv(p.format.as_deref(), &headers)?;
    let r = stats::readiness(&state.app).await?;
    if csv {
        return csv_response(
            "chi-so-san-sang.csv",
            &[
                "key",
                "label",
                "numerator",
                "denominator",
                "rate",
                "no_data",
            ],
            readiness_rows(&r),
        );
    }
    Ok(Json(r).into_response())
}

/// This module's routes, each with its OpenAPI path (the path comes from its `#[utoipa::path]`).
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(quality))
        .routes(routes!(trend))
        .routes(routes!(agencies))
        .routes(routes!(readiness))
}
