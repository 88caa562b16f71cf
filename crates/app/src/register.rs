//! The register of administrative units and agencies, as anyone may read it (units at a
//! date, their history and successions; agencies). Public: no principal.

use crate::{App, AppError, AppResult};
use chrono::NaiveDate;
use motcua_domain::agency::{Agency, AgencyCode, AgencyKind};
use motcua_domain::paging::PageSize;
use motcua_domain::text::search_text;
use motcua_domain::unit::{AdminUnit, UnitKind};
use motcua_store::{AgencyQuery, SuccessionDetail, UnitCounts, UnitPage, UnitQuery};
use std::sync::Arc;

/// "No unit with this code in force on that day".
pub fn unit_not_found(code: &str, at: NaiveDate) -> AppError {
    AppError::not_found(
        "unit_not_found",
        format!(
            "Không có đơn vị hành chính mã {code} có hiệu lực ngày {}.",
            at.format("%d/%m/%Y")
        ),
    )
}

/// The unit of `code` in force on `at`.
pub async fn unit_at(app: &App, code: &str, at: NaiveDate) -> AppResult<AdminUnit> {
    app.store
        .unit_at(code, at)
        .await?
        .ok_or_else(|| unit_not_found(code, at))
}

/// Units at a date, by kind, parent and text (diacritics-insensitive).
/// The unit list's page sizes.
pub const UNIT_PAGES: PageSize = PageSize {
    default: 200,
    max: 5000,
};

pub async fn search(app: &App, query: &UnitQuery) -> AppResult<UnitPage> {
    search_text(query.q.as_deref())?;
    Ok(app.store.search_units(query).await?)
}

/// A unit, the unit above it on the same day, and every version of it.
pub struct UnitDetail {
    pub unit: AdminUnit,
    pub parent: Option<AdminUnit>,
    pub history: Vec<AdminUnit>,
}

pub async fn unit_detail(app: &App, code: &str, at: NaiveDate) -> AppResult<UnitDetail> {
    let unit = unit_at(app, code, at).await?;
    let parent = match &unit.parent_code {
        Some(parent) => app.store.unit_at(parent, at).await?,
        None => None,
    };
    let history = app.store.unit_history(code).await?;
    Ok(UnitDetail {
        unit,
        parent,
        history,
    })
}

/// The units directly under `code` on `at`.
pub async fn children(app: &App, code: &str, at: NaiveDate) -> AppResult<Vec<AdminUnit>> {
    unit_at(app, code, at).await?;
    Ok(app.store.child_units_at(code, at).await?)
}

/// The units `code` (in force on `at`) came from.
pub async fn predecessors(
    app: &App,
    code: &str,
    at: NaiveDate,
) -> AppResult<Vec<SuccessionDetail>> {
    let unit = unit_at(app, code, at).await?;
    Ok(app.store.predecessors(&unit).await?)
}

/// The units that took over `code` (in force on `at`).
pub async fn successors(app: &App, code: &str, at: NaiveDate) -> AppResult<Vec<SuccessionDetail>> {
    let unit = unit_at(app, code, at).await?;
    Ok(app.store.successors(&unit).await?)
}

/// An agency as a choice in a list: its name, with its unit's where two share a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyChoice {
    pub code: AgencyCode,
    pub label: String,
}

/// The agencies of one level, for a list's group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyChoiceGroup {
    pub kind: AgencyKind,
    pub agencies: Vec<AgencyChoice>,
}

/// The agencies working on `day`, grouped by level (the province's committee, its
/// departments, the service centre, the communes), each group by name: what every list of
/// agencies offers, so none lists an abolished one.
pub async fn live_agency_choices(app: &App, day: NaiveDate) -> AppResult<Vec<AgencyChoiceGroup>> {
    let live: Vec<Agency> = app
        .store
        .find_agencies(&AgencyQuery {
            at: Some(day),
            ..AgencyQuery::default()
        })
        .await?
        .into_iter()
        .filter(|a| a.is_valid_at(day))
        .collect();
    let mut groups = Vec::new();
    for kind in AgencyKind::ALL {
        let mut agencies = Vec::new();
        for a in live.iter().filter(|a| a.kind == kind) {
            let twins = live.iter().filter(|b| b.name == a.name).count();
            let label = if twins > 1 {
                let unit = app.store.unit_at(&a.unit_code, day).await?;
                match unit {
                    Some(u) => format!("{} ({})", a.name, u.name),
                    None => format!("{} ({})", a.name, a.code),
                }
            } else {
                a.name.clone()
            };
            agencies.push(AgencyChoice {
                code: a.code.clone(),
                label,
            });
        }
        if !agencies.is_empty() {
            agencies.sort_by(|x, y| x.label.cmp(&y.label));
            groups.push(AgencyChoiceGroup { kind, agencies });
        }
    }
    Ok(groups)
}

/// Agencies by unit, kind and date.
pub async fn agencies(app: &App, query: &AgencyQuery) -> AppResult<Vec<Agency>> {
    Ok(app.store.find_agencies(query).await?)
}

/// Every agency, as this node read them within the last minute (or since it changed one):
/// for pages that offer agencies on every request, such as the submission page.
pub async fn all_agencies(app: &App) -> AppResult<Arc<Vec<Agency>>> {
    if let Some(all) = app.agencies.get() {
        return Ok(all);
    }
    let read = app.store.find_agencies(&AgencyQuery::default()).await?;
    Ok(app.agencies.put(read))
}

/// How many units of each kind lie directly under `parent` on `at`.
pub async fn child_counts(app: &App, parent: &str, at: NaiveDate) -> AppResult<UnitCounts> {
    Ok(app.store.count_child_units_at(parent, at).await?)
}

/// One agency by its electronic identifier (either layout).
pub async fn agency(app: &App, code: &str) -> AppResult<Agency> {
    let parsed = AgencyCode::parse(code).map_err(|_| crate::units::agency_not_found(code))?;
    app.store
        .agency(parsed.as_str())
        .await?
        .ok_or_else(|| crate::units::agency_not_found(code))
}

/// The front of the register: the provinces and centrally-run cities in force on `at`, or
/// the units whose names match `q` (at most 200).
pub async fn browse(app: &App, at: NaiveDate, q: Option<&str>) -> AppResult<UnitPage> {
    if let Some(q) = q {
        return search(
            app,
            &UnitQuery {
                at,
                kind: None,
                parent: None,
                q: Some(q.to_owned()),
                limit: 200,
                offset: 0,
            },
        )
        .await;
    }
    let mut provinces = Vec::new();
    let mut total = 0;
    for kind in [UnitKind::CentralCity, UnitKind::Province] {
        let page = search(
            app,
            &UnitQuery {
                at,
                kind: Some(kind),
                parent: None,
                q: None,
                limit: 100,
                offset: 0,
            },
        )
        .await?;
        total += page.total;
        provinces.extend(page.units);
    }
    provinces.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(UnitPage {
        total,
        units: provinces,
    })
}

/// A predecessor and what else it became (when it was split).
pub struct Predecessor {
    pub link: SuccessionDetail,
    pub also_became: Vec<AdminUnit>,
}

/// One unit as its public page shows it.
pub struct UnitOverview {
    pub unit: AdminUnit,
    /// The day the page is about: `at` when the unit was in force then, otherwise the start
    /// of the interval shown.
    pub on: NaiveDate,
    pub parent: Option<AdminUnit>,
    pub children: Vec<AdminUnit>,
    pub predecessors: Vec<Predecessor>,
    pub successors: Vec<SuccessionDetail>,
    /// The agencies working during the interval shown.
    pub agencies: Vec<Agency>,
    pub history: Vec<AdminUnit>,
}

/// The unit of `code` on `at`, with its neighbours, successions, agencies and history. When
/// no day was asked for (`dated` false), a code no longer in force shows its latest interval.
pub async fn overview(
    app: &App,
    code: &str,
    at: NaiveDate,
    dated: bool,
) -> AppResult<UnitOverview> {
    let store = &app.store;
    let history = store.unit_history(code).await?;
    let unit = match store.unit_at(code, at).await? {
        Some(u) => u,
        None => match (dated, history.last()) {
            (false, Some(last)) => last.clone(),
            _ => return Err(unit_not_found(code, at)),
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
    for link in store.predecessors(&unit).await? {
        let mut also_became = Vec::new();
        if let Some(old) = &link.old_unit {
            for s in store.successors(old).await? {
                if let Some(new) = s.new_unit.filter(|n| n.code != unit.code) {
                    also_became.push(new);
                }
            }
        }
        predecessors.push(Predecessor { link, also_became });
    }
    let successors = store.successors(&unit).await?;
    let agencies = store
        .find_agencies(&AgencyQuery {
            unit: Some(unit.code.clone()),
            ..AgencyQuery::default()
        })
        .await?
        .into_iter()
        .filter(|a| {
            a.valid_to.is_none_or(|to| to >= unit.validity.valid_from)
                && a.valid_from
                    .is_none_or(|from| unit.validity.valid_to.is_none_or(|to| from <= to))
        })
        .collect();
    Ok(UnitOverview {
        unit,
        on,
        parent,
        children,
        predecessors,
        successors,
        agencies,
        history,
    })
}
