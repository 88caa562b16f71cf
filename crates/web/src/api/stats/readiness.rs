//! The readiness indicators.

use super::{csv_response, opt, wants_csv};
use crate::AppState;
use crate::api::ApiQuery;
use crate::error::{ApiResult, Problem};
use crate::stats::{self, Readiness};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ReadinessParams {
    /// `json` (default) or `csv`.
    #[param(value_type = Option<crate::api::contract::choices::OpenDataFormat>, inline)]
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
