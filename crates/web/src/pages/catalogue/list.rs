//! The public list: counts, filters and search; and the catalogue as a file.

use super::{
    Opt, agency_options, day, detail_of, is_admin, list_label, options, provincial_agencies,
};
use crate::AppState;
use crate::pages::{Chrome, PageError, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use motcua_app::catalogue::read;
use motcua_app::catalogue::search::{SearchParams, search};
use motcua_app::catalogue::stats::{Count, stats};
use motcua_domain::procedure::{Level, OnlineLevel};
use motcua_exchange::Format;

pub(crate) struct Counted {
    pub label: String,
    pub count: usize,
    pub link: String,
}

pub(crate) struct Row {
    pub code: String,
    pub name: String,
    pub sector_name: String,
    pub levels: String,
    pub agency_label: String,
    pub online_key: String,
    pub online_label: String,
}

pub(crate) struct DecisionLine {
    pub number: String,
    pub date: String,
    pub signer: String,
    pub published: i64,
    pub withdrawn: i64,
    pub required: String,
}

pub(crate) struct SetLine {
    pub name: String,
    pub total: usize,
    pub full: usize,
}

#[derive(Template)]
#[template(path = "procedures.html")]
struct ProceduresPage {
    chrome: Chrome,
    q: String,
    level_options: Vec<Opt>,
    sector_options: Vec<Opt>,
    agency_options: Vec<Opt>,
    online_options: Vec<Opt>,
    total_published: usize,
    level_counts: Vec<Counted>,
    online_counts: Vec<Counted>,
    sector_counts: Vec<Counted>,
    sets: Vec<SetLine>,
    decisions: Vec<DecisionLine>,
    rows: Vec<Row>,
    /// Close procedures, when the search found none.
    suggestions: Vec<(String, String)>,
    total: usize,
    page: usize,
    pages: usize,
    prev: Option<String>,
    next: Option<String>,
    searched: bool,
    error: Option<String>,
    is_admin: bool,
    drafts: usize,
}

/// Counts, each a link to the list filtered by `key`.
fn counted(counts: &[Count], key: &str) -> Vec<Counted> {
    counts
        .iter()
        .map(|c| Counted {
            label: c.label.clone(),
            count: c.count,
            link: format!(
                "/procedures?{}",
                serde_urlencoded::to_string([(key, c.key.as_str())]).unwrap_or_default()
            ),
        })
        .collect()
}

fn query_string(params: &SearchParams, page: Option<usize>) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    for (key, value) in [
        ("q", &params.q),
        ("level", &params.level),
        ("sector", &params.sector),
        ("agency", &params.agency),
        ("online", &params.online),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            pairs.push((key, v.to_owned()));
        }
    }
    if let Some(page) = page {
        pairs.push(("page", page.to_string()));
    }
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

pub(crate) async fn list(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(params): Query<SearchParams>,
) -> Result<Response, PageError> {
    let stats = match stats(&state.app).await {
        Ok(stats) => stats,
        Err(err) => return Err(PageError::app(chrome, err)),
    };
    let (rows, total, page, pages, error, status) = match search(&state.app, &params).await {
        Ok((_, page)) => (
            page.hits
                .iter()
                .map(|h| Row {
                    code: h.doc.code.clone(),
                    name: h.doc.name.clone(),
                    sector_name: h.doc.sector_name.clone(),
                    levels: list_label(&h.doc.levels, Level::label_vi),
                    agency_label: h.doc.agency_label.clone(),
                    online_key: h.doc.online_level.as_str().into(),
                    online_label: h.doc.online_level.label_vi().into(),
                })
                .collect(),
            page.total,
            page.page,
            page.pages(),
            None,
            StatusCode::OK,
        ),
        Err(err) => {
            let status = crate::error::status_of(&err);
            (Vec::new(), 0, 1, 1, Some(detail_of(err)), status)
        }
    };
    let typed = params.q.as_deref().map(str::trim).unwrap_or_default();
    let suggestions = if total == 0 && error.is_none() && !typed.is_empty() {
        motcua_app::catalogue::search::suggestions(&state.app, typed)
            .await?
            .into_iter()
            .map(|d| (d.code, d.name))
            .collect()
    } else {
        Vec::new()
    };
    let sectors = read::sectors(&state.app).await?;
    let agencies = provincial_agencies(&state).await?;
    let who = chrome.user.as_ref().map(|u| u.principal());
    let drafts = read::drafts(&state.app, who.as_ref()).await?.len();
    let page_view = ProceduresPage {
        q: params.q.clone().unwrap_or_default(),
        level_options: options(
            std::iter::once((String::new(), "— Tất cả các cấp —".to_owned())).chain(
                Level::ALL
                    .iter()
                    .map(|l| (l.as_str().to_owned(), l.label_vi().to_owned())),
            ),
            params.level.as_deref().unwrap_or(""),
        ),
        sector_options: options(
            std::iter::once((String::new(), "— Tất cả lĩnh vực —".to_owned()))
                .chain(sectors.into_iter().map(|s| (s.code, s.name))),
            params.sector.as_deref().unwrap_or(""),
        ),
        agency_options: agency_options(&agencies, params.agency.as_deref().unwrap_or("")),
        online_options: options(
            std::iter::once((String::new(), "— Mọi mức độ —".to_owned())).chain(
                OnlineLevel::ALL
                    .iter()
                    .map(|o| (o.as_str().to_owned(), o.label_vi().to_owned())),
            ),
            params.online.as_deref().unwrap_or(""),
        ),
        total_published: stats.total,
        level_counts: counted(&stats.by_level, "level"),
        online_counts: counted(&stats.by_online_level, "online"),
        sector_counts: counted(&stats.by_sector, "sector"),
        sets: stats
            .sets
            .iter()
            .filter(|s| s.total > 0)
            .map(|s| SetLine {
                name: s.name.clone(),
                total: s.total,
                full: s.full,
            })
            .collect(),
        decisions: stats
            .decisions
            .iter()
            .map(|d| DecisionLine {
                number: d.number.clone(),
                date: day(d.date),
                signer: d.signer.clone(),
                published: d.published,
                withdrawn: d.withdrawn,
                required: d.required.map_or_else(|| "—".into(), |r| r.to_string()),
            })
            .collect(),
        rows,
        suggestions,
        total,
        page,
        pages,
        prev: (page > 1).then(|| format!("/procedures?{}", query_string(&params, Some(page - 1)))),
        next: (page < pages)
            .then(|| format!("/procedures?{}", query_string(&params, Some(page + 1)))),
        searched: !query_string(&params, None).is_empty(),
        error,
        is_admin: is_admin(chrome.user.as_ref()),
        drafts,
        chrome,
    };
    Ok(render(status, &page_view))
}

/// `/procedures.xlsx`, `/procedures.csv`, `/procedures.json`.
pub(crate) async fn download(state: AppState, chrome: Chrome, format: Format) -> Response {
    match crate::download::catalogue(&state.app, format).await {
        Ok(response) => response,
        Err(err) => PageError::app(chrome, err).into_response(),
    }
}
