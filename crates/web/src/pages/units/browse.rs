//! The public register of administrative units: the provinces, a search, and one unit
//! with its history, successions and agencies.

use super::{AgencyRow, date_vn, page_date};
use crate::AppState;
use crate::pages::{Chrome, PageError, error_page_with, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use motcua_domain::unit::{AdminUnit, UnitKind};
use motcua_store::{AgencyQuery, SuccessionDetail, UnitQuery};
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
    let page = if searching {
        state
            .store
            .search_units(&UnitQuery {
                at,
                kind: None,
                parent: None,
                q: Some(q.clone()),
                limit: 200,
                offset: 0,
            })
            .await?
    } else {
        let mut provinces = Vec::new();
        let mut total = 0;
        for kind in [UnitKind::CentralCity, UnitKind::Province] {
            let page = state
                .store
                .search_units(&UnitQuery {
                    at,
                    kind: Some(kind),
                    parent: None,
                    q: None,
                    limit: 100,
                    offset: 0,
                })
                .await?;
            total += page.total;
            provinces.extend(page.units);
        }
        provinces.sort_by(|a, b| a.code.cmp(&b.code));
        motcua_store::UnitPage {
            total,
            units: provinces,
        }
    };
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
    let store = &state.store;
    let history = store.unit_history(&code).await?;
    // Without a date, a code no longer in force shows its latest interval.
    let unit = match store.unit_at(&code, at).await? {
        Some(u) => u,
        None => match (form.at.is_none(), history.last()) {
            (true, Some(last)) => last.clone(),
            _ => {
                return Ok(error_page_with(
                    chrome,
                    StatusCode::NOT_FOUND,
                    &format!(
                        "Không có đơn vị hành chính mã {code} có hiệu lực ngày {}.",
                        date_vn(&at)
                    ),
                ));
            }
        },
    };
    let on = if unit.validity.contains(at) {
        at
    } else {
        unit.validity.valid_from
    };
    let parent = match &unit.parent_code {
        Some(p) => store.unit_at(p, on).await?,
        None => None,
    };
    let children = store.child_units_at(&unit.code, on).await?;
    let mut predecessors = Vec::new();
    for d in store.predecessors(&unit).await? {
        let mut became = Vec::new();
        if let Some(old) = &d.old_unit {
            for s in store.successors(old).await? {
                if let Some(new) = s.new_unit.as_ref().filter(|n| n.code != unit.code) {
                    became.push(new.into());
                }
            }
        }
        predecessors.push(link_row(
            &d,
            d.old_unit.as_ref(),
            &d.succession.old_code,
            became,
        ));
    }
    let successors = store
        .successors(&unit)
        .await?
        .iter()
        .map(|d| link_row(d, d.new_unit.as_ref(), &d.succession.new_code, vec![]))
        .collect();
    let agencies = store
        .find_agencies(&AgencyQuery {
            unit: Some(unit.code.clone()),
            ..AgencyQuery::default()
        })
        .await?
        .iter()
        .filter(|a| {
            // Agencies of this interval: working during it.
            a.valid_to.is_none_or(|to| to >= unit.validity.valid_from)
                && a.valid_from
                    .is_none_or(|from| unit.validity.valid_to.is_none_or(|to| from <= to))
        })
        .map(Into::into)
        .collect();
    let page = UnitPage {
        chrome,
        unit: (&unit).into(),
        at_vn: date_vn(&on),
        parent: parent.as_ref().map(Into::into),
        children: children.iter().map(Into::into).collect(),
        predecessors,
        successors,
        agencies,
        history: history.iter().map(Into::into).collect(),
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
