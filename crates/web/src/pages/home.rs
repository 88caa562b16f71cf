//! The home page: the province, its commune-level units, featured news, and where to go next.

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
}

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
    let page = HomePage {
        chrome,
        commune_total: counts.total,
        commune_kinds,
        today: today.format("%d/%m/%Y").to_string(),
        featured,
    };
    Ok(render(StatusCode::OK, &page))
}
