//! The service-quality index of a scope over a period, with its indicators and groups.

use super::{csv_response, opt, opt_i, wants_csv};
use crate::AppState;
use crate::api::ApiQuery;
use crate::error::{ApiResult, Problem};
use crate::stats::{self, Quality, QualityQuestion};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use motcua_domain::quality::{
    Counters, DocumentInputs, GroupScore, IndicatorScore, Period, Source,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct QualityParams {
    /// `province` (default), `commune` or `agency`.
    #[param(value_type = Option<crate::api::contract::choices::ScoreLevel>, inline)]
    pub level: Option<String>,
    /// The agency code (level `agency`) or the commune's unit code (level `commune`).
    pub code: Option<String>,
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

pub(super) fn period_view(p: Period) -> PeriodView {
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
    /// Decided dossiers late or disliked, each once (the satisfaction rate subtracts them).
    pub dissatisfied: i64,
    /// Received, counted for the index's timeliness (under the handling agency, in the month
    /// of receipt); `on_time` and `late` above are the legal measure of decided dossiers.
    pub timed: i64,
    /// Of those, late by the index's rule, the open ones past due included.
    pub timed_late: i64,
    /// Of those, still open.
    pub timed_open: i64,
}

/// What the documents show for the dossiers received in the period (the digitisation
/// indicators read them from the documents officers record).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DocumentsView {
    /// Every component digitised.
    pub digitised: i64,
    /// A component taken from the applicant's store.
    pub reused: i64,
    /// A component taken from the applicant's store, or a result put into it.
    pub linked_store: i64,
    /// Decided with a result signed as an electronic document (by the handling agency).
    pub signed_results: i64,
}

pub(crate) fn documents_view(d: &DocumentInputs) -> DocumentsView {
    DocumentsView {
        digitised: d.digitised,
        reused: d.reused,
        linked_store: d.linked_store,
        signed_results: d.signed_results,
    }
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
        time_used_minutes: c.time_used_minutes,
        time_allowed_minutes: c.time_allowed_minutes,
        returned: c.returned,
        rated: c.rated,
        mean_rating: c.mean_rating(),
        disliked: c.disliked,
        fee_requested: c.fee_requested,
        paid: c.paid,
        paid_online: c.paid_online,
        dissatisfied: c.dissatisfied,
        timed: c.timed,
        timed_late: c.timed_late,
        timed_open: c.timed_open,
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
    /// None: no data (the indicator scores 0).
    pub rate: Option<f64>,
    /// 0 when there is no data.
    pub points: f64,
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
    pub points: f64,
    /// The points of its indicators without data (scored 0).
    pub missing_points: f64,
    /// Points per 100 of the group's points.
    pub percent: f64,
    pub indicators: Vec<QualityIndicatorView>,
}

fn group_view(g: &GroupScore) -> QualityGroupView {
    QualityGroupView {
        code: g.group.as_str().into(),
        label: g.group.label_vi().into(),
        max_points: g.max_points,
        points: g.points,
        missing_points: g.missing_points,
        percent: g.percent(),
        indicators: g.indicators.iter().map(indicator_view).collect(),
    }
}

/// Catalogue facts of the scope, today.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CatalogueView {
    pub procedures: i64,
    /// Announced by a decision dated in the period, and of those on time.
    pub announced: i64,
    pub announced_on_time: i64,
    pub complete: i64,
    pub online: i64,
    pub full_online: i64,
    /// Eligible for toàn trình: all but those that publish why they cannot be.
    pub full_online_eligible: i64,
    pub online_used: i64,
    /// Procedures with a fee or charge above zero.
    pub with_fees: i64,
    /// Of those, payable online.
    pub payable_online: i64,
    /// Of those, with a dossier paid online in the period.
    pub paid_online: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct QualityView {
    /// `province`, `commune` or `agency`.
    pub level: String,
    pub code: String,
    pub name: String,
    pub period: PeriodView,
    /// The index out of 100: the groups' points added up, never rescaled (equal to `points`).
    pub index: f64,
    pub points: f64,
    pub max_points: f64,
    /// The points of indicators without data, which score 0 (listed in `missing`).
    pub missing_points: f64,
    /// The codes of the indicators without data.
    pub missing: Vec<String>,
    pub groups: Vec<QualityGroupView>,
    pub counts: CountsView,
    pub documents: DocumentsView,
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
        max_points: q.card.max_points,
        missing_points: q.card.missing_points,
        missing: q
            .card
            .missing()
            .map(|i| i.indicator.as_str().to_owned())
            .collect(),
        groups: q.card.groups.iter().map(group_view).collect(),
        counts: counts_view(&q.inputs.counters),
        documents: documents_view(&q.inputs.documents),
        catalogue: CatalogueView {
            procedures: k.procedures,
            announced: k.announced,
            announced_on_time: k.announced_on_time,
            complete: k.complete,
            online: k.online,
            full_online: k.full_online,
            full_online_eligible: k.full_online_eligible,
            online_used: k.online_used,
            with_fees: k.with_fees,
            payable_online: k.payable_online,
            paid_online: k.paid_online,
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
                format!("{:.4}", i.points),
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
