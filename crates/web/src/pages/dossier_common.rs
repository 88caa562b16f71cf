//! What the dossier pages share: dates as Vietnamese write them, due states in words,
//! working time in words, agency names, the public address, and the QR code.

use super::{Chrome, error_page_with};
use crate::AppState;
use crate::error::ApiError;
use axum::response::Response;
use chrono::{DateTime, FixedOffset, Utc};
use motcua_domain::account::Role;
use motcua_domain::calendar::{Channel, VN_OFFSET, WORKING_DAY_MINUTES};
use motcua_domain::dossier::DossierState;
use std::collections::HashMap;

/// `08:30 02/03/2026`.
pub(crate) fn when(t: &DateTime<FixedOffset>) -> String {
    t.format("%H:%M %d/%m/%Y").to_string()
}

pub(crate) fn when_utc(t: &DateTime<Utc>) -> String {
    when(&t.with_timezone(&VN_OFFSET))
}

pub(crate) fn when_opt(t: &Option<DateTime<FixedOffset>>) -> String {
    t.as_ref().map_or_else(String::new, when)
}

/// `ngày 02 tháng 03 năm 2026`, as a form's place-and-date line writes it.
pub(crate) fn date_line(t: &DateTime<FixedOffset>) -> String {
    t.format("ngày %d tháng %m năm %Y").to_string()
}

/// A queue's total as shown: "hơn 10.000" once the count stopped at its cap.
pub(crate) fn queue_total(total: i64, exact: bool) -> String {
    let n = crate::charts::count(total);
    if exact { n } else { format!("hơn {n}") }
}

/// A due state in words: colour is never the only signal.
pub(crate) fn due_label(due_state: &str) -> &'static str {
    match due_state {
        "overdue" => "Quá hạn",
        "due_soon" => "Sắp đến hạn (trong 1 ngày làm việc)",
        "on_time" => "Trong hạn",
        _ => "",
    }
}

/// A short sign that reads without colour: ✔ on time, ⚠ due soon, ✖ overdue.
pub(crate) fn due_mark(due_state: &str) -> &'static str {
    match due_state {
        "overdue" => "✖",
        "due_soon" => "⚠",
        "on_time" => "✔",
        _ => "",
    }
}

/// Working minutes as words: `2 ngày 3 giờ làm việc`, `45 phút làm việc`.
pub(crate) fn working_time(minutes: i64) -> String {
    let minutes = minutes.abs();
    let day = i64::from(WORKING_DAY_MINUTES);
    let (days, rest) = (minutes / day, minutes % day);
    let (hours, mins) = (rest / 60, rest % 60);
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(format!("{days} ngày"));
    }
    if hours > 0 {
        parts.push(format!("{hours} giờ"));
    }
    if mins > 0 && days == 0 {
        parts.push(format!("{mins} phút"));
    }
    if parts.is_empty() {
        parts.push("0 phút".into());
    }
    format!("{} làm việc", parts.join(" "))
}

/// Working minutes as hours, `12` or `12,5`.
pub(crate) fn hours(minutes: i64) -> String {
    if minutes % 60 == 0 {
        (minutes / 60).to_string()
    } else {
        format!("{:.1}", minutes as f64 / 60.0).replace('.', ",")
    }
}

pub(crate) fn state_label(state: &str) -> &'static str {
    DossierState::parse(state).map_or("", DossierState::label_vi)
}

/// "Cán bộ một cửa" for `receiver`.
pub(crate) fn role_label(role: &str) -> &'static str {
    role.parse::<Role>().map_or("", Role::label_vi)
}

pub(crate) fn channel_label(channel: &str) -> &'static str {
    crate::calendar::parse_channel(channel).map_or("", Channel::label_vi)
}

/// Every agency's name by code (current and former), to show names instead of codes.
pub(crate) async fn agency_names(
    state: &AppState,
) -> motcua_app::AppResult<HashMap<String, String>> {
    // Every agency as this node read them within the minute: reading all of them on each
    // page was most of what `/work` cost beyond its API calls.
    Ok(motcua_app::register::all_agencies(&state.app)
        .await?
        .iter()
        .map(|a| (a.code.to_string(), a.name.clone()))
        .collect())
}

pub(crate) fn name_of(names: &HashMap<String, String>, code: &str) -> String {
    names.get(code).cloned().unwrap_or_else(|| code.to_owned())
}

/// An API error on a page: the same status and Vietnamese detail.
pub(crate) fn api_error_page(chrome: Chrome, err: impl Into<ApiError>) -> Response {
    let err = err.into();
    error_page_with(chrome, err.status, &err.detail)
}

pub(crate) use crate::links::{lookup_url, public_base};

/// A dossier's declaration printed as the official form (for its applicant or its
/// officers, each with the declaration they may see), or a page saying there is none.
pub(crate) async fn declaration_pdf(
    state: &AppState,
    chrome: Chrome,
    headers: &axum::http::HeaderMap,
    record: &motcua_store::DossierRecord,
    declaration: Option<&motcua_app::dossiers::read::Declaration>,
) -> Result<Response, crate::pages::PageError> {
    let Some(declaration) = declaration else {
        return Ok(error_page_with(
            chrome,
            axum::http::StatusCode::NOT_FOUND,
            "Hồ sơ này không có tờ khai điện tử.",
        ));
    };
    let code = record.code();
    let lookup = lookup_url(&public_base(state, headers), code, None);
    let bytes = motcua_app::forms::print::declaration_pdf(&state.app, record, declaration, &lookup)
        .await
        .map_err(|e| crate::pages::PageError::app(chrome, e))?;
    Ok(crate::download::pdf(bytes, &format!("to-khai-{code}.pdf")))
}

/// A QR code as inline SVG (no XML declaration), labelled for screen readers.
pub fn qr_svg(data: &str, label: &str) -> String {
    use qrcode::render::svg;
    let Ok(code) = qrcode::QrCode::with_error_correction_level(data, qrcode::EcLevel::M) else {
        return String::new();
    };
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(132, 132)
        .quiet_zone(true)
        .build();
    let start = image.find("<svg").unwrap_or(0);
    let label = label
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;");
    image[start..].replacen(
        "<svg",
        &format!("<svg role=\"img\" aria-label=\"{label}\" class=\"qr\""),
        1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_time_reads_in_days_and_hours() {
        assert_eq!(working_time(0), "0 phút làm việc");
        assert_eq!(working_time(45), "45 phút làm việc");
        assert_eq!(working_time(8 * 60 + 180), "1 ngày 3 giờ làm việc");
        assert_eq!(working_time(-960), "2 ngày làm việc");
        assert_eq!(hours(90), "1,5");
        assert_eq!(hours(480), "8");
    }

    #[test]
    fn qr_codes_are_inline_svg() {
        let svg = qr_svg("http://x/lookup?code=A", "Mã QR");
        assert!(
            svg.starts_with("<svg role=\"img\" aria-label=\"Mã QR\""),
            "{svg}"
        );
        assert!(svg.ends_with("</svg>"));
        assert!(!svg.contains("<?xml"));
    }
}
