//! The procedure catalogue pages: the public list with counts, filters and search;
//! a printable page per procedure; and, for province administrators, drafting,
//! publication (and withdrawal) under a decision, and devolution.

use super::{Chrome, PageError, error_page_with};
use crate::AppState;
use crate::auth::AuthUser;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use motcua_app::AppError;
use motcua_domain::account::Role;
use motcua_domain::agency::AgencyKind;

mod detail;
mod devolution;
mod draft;
mod form;
mod form_designer;
mod list;
mod publication;

pub(crate) use detail::detail;
pub(crate) use devolution::{devolve_form, devolve_submit};
pub(crate) use draft::{create, edit_form, new_form, save};
pub(crate) use form_designer::{designer_page, designer_submit};
pub(crate) use list::{download, list};
pub(crate) use publication::{publications_form, publications_submit};

/// An option of a select, or a checkbox.
pub(crate) struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn options(items: impl IntoIterator<Item = (String, String)>, current: &str) -> Vec<Opt> {
    items
        .into_iter()
        .map(|(value, label)| Opt {
            selected: value == current,
            value,
            label,
        })
        .collect()
}

fn enum_options<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
    current: &str,
) -> Vec<Opt> {
    options(
        all.iter()
            .map(|&v| (code(v).to_owned(), label(v).to_owned())),
        current,
    )
}

/// 8000 → "8.000 đ".
pub(crate) fn vnd(amount: i64) -> String {
    format!("{} đ", motcua_domain::text::group_thousands(amount))
}

/// A fee's amount: "50.000 đ" when fixed, "8.000 đ / bản" when charged per unit.
pub(crate) fn fee_amount(amount_vnd: i64, per: Option<&str>) -> String {
    match per {
        Some(per) => format!("{} / {per}", vnd(amount_vnd)),
        None => vnd(amount_vnd),
    }
}

fn day(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn list_label<T: Copy>(items: &[T], label: fn(T) -> &'static str) -> String {
    items
        .iter()
        .map(|&i| label(i))
        .collect::<Vec<_>>()
        .join(", ")
}

fn is_admin(user: Option<&AuthUser>) -> bool {
    user.is_some_and(|u| u.role == Role::ProvinceAdmin)
}

/// The administrators' forms refuse others before reading anything, with this page's own
/// words; the use cases check the role again.
fn forbidden(chrome: Chrome) -> Response {
    error_page_with(
        chrome,
        StatusCode::FORBIDDEN,
        "Chỉ quản trị cấp tỉnh được soạn thảo, công bố và phân cấp thủ tục hành chính.",
    )
}

fn agency_options(state_agencies: &[(String, String)], current: &str) -> Vec<Opt> {
    let mut items = vec![(String::new(), "— Tất cả cơ quan —".to_owned())];
    items.push((
        AgencyKind::CommuneCommittee.as_str().to_owned(),
        "Ủy ban nhân dân cấp xã (mọi xã, phường)".to_owned(),
    ));
    items.extend(state_agencies.iter().cloned());
    options(items, current)
}

/// Provincial agencies working today (not the commune committees) as (code, name).
async fn provincial_agencies(state: &AppState) -> Result<Vec<(String, String)>, PageError> {
    let today = motcua_domain::calendar::to_vn_local(&crate::now()).date();
    Ok(motcua_app::register::live_agency_choices(&state.app, today)
        .await?
        .into_iter()
        .filter(|g| g.kind != AgencyKind::CommuneCommittee)
        .flat_map(|g| g.agencies)
        .map(|a| (a.code.to_string(), a.label))
        .collect())
}

pub(crate) struct AssignmentLine {
    pub level: String,
    pub agency: String,
    pub from: String,
    pub to: String,
    pub note: String,
    pub current: bool,
}

/// A failed use case, as one line of a form's errors.
fn detail_of(err: AppError) -> String {
    crate::error::logged(err).detail().into_owned()
}

fn not_published(chrome: Chrome, code: &str) -> Response {
    error_page_with(
        chrome,
        StatusCode::NOT_FOUND,
        &format!(
            "Không có thủ tục hành chính mã {code} đang được công bố. Hãy tìm trong danh mục thủ tục."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_the_vietnamese_way() {
        assert_eq!(vnd(0), "0 đ");
        assert_eq!(vnd(8000), "8.000 đ");
        assert_eq!(vnd(10_000_000), "10.000.000 đ");
        assert_eq!(vnd(-5), "-5 đ");
    }

    #[test]
    fn a_fee_per_unit_reads_with_its_unit() {
        assert_eq!(fee_amount(50_000, None), "50.000 đ");
        assert_eq!(fee_amount(8_000, Some("bản")), "8.000 đ / bản");
    }
}
