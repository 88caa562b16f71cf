//! The home page, for citizens first: find a procedure, track a dossier, services by
//! sector, the news; then the province's commune-level units.

use super::{Chrome, PageError, render};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use motcua_domain::paging::Paging;
use motcua_domain::unit::UnitKind;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    commune_total: i64,
    /// (label, count) for each commune-level kind present.
    commune_kinds: Vec<(&'static str, i64)>,
    today: String,
    featured: Vec<super::news::ArticleItem>,
    /// The sectors with the most published procedures: (label, count, link).
    sectors: Vec<(String, usize, String)>,
    total_procedures: usize,
}

/// How many sectors the home page lists.
const HOME_SECTORS: usize = 8;

pub(super) async fn home(
    State(state): State<AppState>,
    chrome: Chrome,
) -> Result<Response, PageError> {
    let today = crate::today_vn();
    let counts =
        motcua_app::register::child_counts(&state.app, &state.config.province_code, today).await?;
    let commune_kinds = [UnitKind::Commune, UnitKind::Ward, UnitKind::SpecialZone]
        .into_iter()
        .map(|k| (k.label_vi(), counts.of(k)))
        .filter(|(_, n)| *n > 0)
        .collect();
    let featured = motcua_app::news::published(
        &state.app,
        true,
        Paging {
            page: 1,
            per_page: 4,
        },
    )
    .await?
    .iter()
    .map(super::news::item)
    .collect();
    let catalogue = motcua_app::catalogue::stats::stats(&state.app).await?;
    let sectors = catalogue
        .by_sector
        .iter()
        .take(HOME_SECTORS)
        .map(|c| {
            let query =
                serde_urlencoded::to_string([("sector", c.key.as_str())]).unwrap_or_default();
            (c.label.clone(), c.count, format!("/procedures?{query}"))
        })
        .collect();
    let page = HomePage {
        chrome,
        sectors,
        total_procedures: catalogue.total,
        commune_total: counts.total,
        commune_kinds,
        today: today.format("%d/%m/%Y").to_string(),
        featured,
    };
    Ok(render(StatusCode::OK, &page))
}
