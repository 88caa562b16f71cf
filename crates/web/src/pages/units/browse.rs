//! The public register of administrative units: the provinces, a search, and one unit
//! with its history, successions and agencies.

use super::{AgencyRow, date_vn, page_date};
use crate::AppState;
use crate::pages::{Chrome, PageError, error_page_with, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use motcua_app::{AppError, register};
use motcua_domain::unit::AdminUnit;
use motcua_store::SuccessionDetail;
use serde::Deserialize;

/// "01/07/2025 – nay" for a validity interval.
fn interval(u: &AdminUnit) -> String {
    format!(
        "{} – {}",
        date_vn(&u.validity.valid_from),
        u.validity
            .valid_to
            .as_ref()
            .map_or_else(|| "nay".to_owned(), date_vn)
    )
}

/// A unit as pages show it.
pub(crate) struct UnitRow {
    pub code: String,
    pub full_name: String,
    pub kind: &'static str,
    pub interval: String,
    /// `?at=` for a link that finds this interval.
    pub at: String,
}

impl From<&AdminUnit> for UnitRow {
    fn from(u: &AdminUnit) -> UnitRow {
        UnitRow {
            code: u.code.clone(),
            full_name: u.full_name.clone(),
            kind: u.kind.label_vi(),
            interval: interval(u),
            at: u.validity.valid_from.to_string(),
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct UnitsForm {
    q: Option<String>,
    at: Option<String>,
}

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsPage {
    chrome: Chrome,
    q: String,
    at: String,
    at_vn: String,
    searching: bool,
    total: i64,
    rows: Vec<UnitRow>,
}

/// `/units`: the provinces, or the results of a search.
pub(crate) async fn units(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(form): Query<UnitsForm>,
) -> Result<Response, PageError> {
    let at = match page_date(form.at.as_deref(), &chrome) {
        Ok(d) => d,
        Err(page) => return Ok(*page),
    };
    let q = form.q.unwrap_or_default().trim().to_owned();
    let searching = !q.is_empty();
    let page = register::browse(&state.app, at, searching.then_some(q.as_str())).await?;
    let page = UnitsPage {
        chrome,
        q,
        at: at.to_string(),
        at_vn: date_vn(&at),
        searching,
        total: page.total,
        rows: page.units.iter().map(Into::into).collect(),
    };
    Ok(render(StatusCode::OK, &page))
}

/// A succession as the unit page shows it: the other unit and the link.
pub(crate) struct LinkRow {
    pub code: String,
    pub full_name: String,
    pub at: String,
    pub link: &'static str,
    pub effective: String,
    pub legal_basis: String,
    /// For a predecessor: what else it became (when it was split).
    pub became: Vec<UnitRow>,
}

fn link_label(d: &SuccessionDetail) -> &'static str {
    match d.succession.link {
        motcua_domain::unit::SuccessionLink::Full => "toàn bộ",
        motcua_domain::unit::SuccessionLink::Partial => "một phần",
    }
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    chrome: Chrome,
    unit: UnitRow,
    at_vn: String,
    parent: Option<UnitRow>,
    children: Vec<UnitRow>,
    predecessors: Vec<LinkRow>,
    successors: Vec<LinkRow>,
    agencies: Vec<AgencyRow>,
    history: Vec<UnitRow>,
}

/// `/units/{code}`: one unit at a date, its history and its agencies.
pub(crate) async fn unit(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(code): Path<String>,
    Query(form): Query<UnitsForm>,
) -> Result<Response, PageError> {
    let at = match page_date(form.at.as_deref(), &chrome) {
        Ok(d) => d,
        Err(page) => return Ok(*page),
    };
    let found = register::overview(&state.app, &code, at, form.at.is_some()).await;
    let o = match found {
        Ok(o) => o,
        Err(err @ AppError::NotFound { .. }) => {
            return Ok(error_page_with(
                chrome,
                StatusCode::NOT_FOUND,
                &err.detail(),
            ));
        }
        Err(err) => return Err(PageError::app(chrome, err)),
    };
    let predecessors = o
        .predecessors
        .iter()
        .map(|p| {
            let became = p.also_became.iter().map(Into::into).collect();
            link_row(
                &p.link,
                p.link.old_unit.as_ref(),
                &p.link.succession.old_code,
                became,
            )
        })
        .collect();
    let successors = o
        .successors
        .iter()
        .map(|d| link_row(d, d.new_unit.as_ref(), &d.succession.new_code, vec![]))
        .collect();
    let page = UnitPage {
        chrome,
        unit: (&o.unit).into(),
        at_vn: date_vn(&o.on),
        parent: o.parent.as_ref().map(Into::into),
        children: o.children.iter().map(Into::into).collect(),
        predecessors,
        successors,
        agencies: o.agencies.iter().map(Into::into).collect(),
        history: o.history.iter().map(Into::into).collect(),
    };
    Ok(render(StatusCode::OK, &page))
}

fn link_row(
    d: &SuccessionDetail,
    other: Option<&AdminUnit>,
    code: &str,
    became: Vec<UnitRow>,
) -> LinkRow {
    LinkRow {
        code: code.to_owned(),
        full_name: other.map_or_else(|| "(không rõ)".to_owned(), |u| u.full_name.clone()),
        at: other.map_or_else(String::new, |u| u.validity.valid_from.to_string()),
        link: link_label(d),
        effective: date_vn(&d.succession.effective),
        legal_basis: d.succession.legal_basis.clone(),
        became,
    }
}
