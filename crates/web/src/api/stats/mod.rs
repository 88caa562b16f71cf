//! Open data: the service-quality index (Decision 766/QĐ-TTg), its monthly trend, the
//! scorecard per agency and the readiness indicators, as JSON or CSV (`format=csv` or
//! `Accept: text/csv`). Public: counts only, never personal data or dossier codes.

mod agencies;
mod quality;
mod readiness;
mod trend;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_domain::text::csv_cell;
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
                .write_record(row.iter().map(|c| csv_cell(c).into_owned()))
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

/// This module's routes, each with its OpenAPI path (the path comes from its `#[utoipa::path]`).
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(quality::quality))
        .routes(routes!(trend::trend))
        .routes(routes!(agencies::agencies))
        .routes(routes!(readiness::readiness))
}
