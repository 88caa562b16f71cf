//! Pages for administrative units (public), agency administration, and the transition.

mod agencies;
mod browse;
mod transition;

pub(super) use agencies::{
    agencies, create_agency, edit_agency, save_agency, save_payment_account,
};
pub(super) use browse::{unit, units};
pub(super) use transition::transition;

use super::{Chrome, error_page_with};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use motcua_domain::agency::Agency;

fn date_vn(d: &NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn page_date(raw: Option<&str>, chrome: &Chrome) -> Result<NaiveDate, Box<Response>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(crate::today_vn()),
        Some(raw) => motcua_domain::calendar::parse_iso_date(raw).ok_or_else(|| {
            Box::new(error_page_with(
                chrome.clone(),
                StatusCode::BAD_REQUEST,
                "Ngày không hợp lệ. Dùng dạng năm-tháng-ngày, ví dụ 2025-07-01.",
            ))
        }),
    }
}

/// An agency as pages show it.
pub(crate) struct AgencyRow {
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub unit_code: String,
    pub parent_code: String,
    pub working: String,
    pub successor_code: String,
    pub editable: bool,
}

impl From<&Agency> for AgencyRow {
    fn from(a: &Agency) -> AgencyRow {
        let from = a
            .valid_from
            .as_ref()
            .map_or_else(|| "…".to_owned(), date_vn);
        let to = a
            .valid_to
            .as_ref()
            .map_or_else(|| "nay".to_owned(), date_vn);
        AgencyRow {
            code: a.code.to_string(),
            name: a.name.clone(),
            kind: a.kind.label_vi(),
            unit_code: a.unit_code.clone(),
            parent_code: a
                .parent_code
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            working: format!("{from} – {to}"),
            successor_code: a
                .successor_code
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            editable: false,
        }
    }
}
