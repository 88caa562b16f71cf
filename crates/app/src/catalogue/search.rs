//! Searching the published catalogue, for the list page and the API alike.

use super::Snapshot;
use crate::{App, AppError, AppResult};
use motcua_domain::agency::{AgencyCode, AgencyKind};
use motcua_domain::paging::{PageSize, Paging};
use motcua_domain::procedure::{Level, OnlineLevel};
use motcua_domain::text::search_text;
use motcua_search::{SearchPage, SearchQuery};
use serde::Deserialize;
use std::sync::Arc;

/// Search parameters as typed (the API's query and the `/procedures` page's).
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
pub struct SearchParams {
    /// Free text, with or without diacritics, or a procedure code.
    #[cfg_attr(feature = "openapi", param(max_length = 200))]
    pub q: Option<String>,
    /// `province` or `commune`.
    #[cfg_attr(feature = "openapi", param(pattern = "^(province|commune)$"))]
    pub level: Option<String>,
    /// A sector code, e.g. `ho_tich`.
    #[cfg_attr(feature = "openapi", param(pattern = "^[a-z0-9_]{1,64}$"))]
    pub sector: Option<String>,
    /// An agency code, or an agency kind such as `commune_committee`.
    #[cfg_attr(
        feature = "openapi",
        param(
            pattern = "^(([0-9]{3}\\.[0-9]{2}\\.[0-9]{2}\\.[A-Z][0-9]{2}|[A-Z][0-9]{2}\\.[0-9]{3}\\.[0-9]{2})|provincial_committee|department|service_centre|commune_committee|other)$"
        )
    )]
    pub agency: Option<String>,
    /// `full`, `partial` or `none`.
    #[cfg_attr(feature = "openapi", param(pattern = "^(full|partial|none)$"))]
    pub online: Option<String>,
    /// From 1.
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 1_000_000))]
    pub page: Option<i64>,
    /// 1 to 200; 20 by default.
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub per_page: Option<i64>,
}

/// The catalogue's page sizes.
pub const CATALOGUE_PAGES: PageSize = PageSize {
    default: motcua_search::DEFAULT_PER_PAGE as i64,
    max: motcua_search::MAX_PER_PAGE as i64,
};

/// An optional parameter: absent or blank is None; anything else must parse.
pub fn parse_opt<T: std::str::FromStr<Err = String>>(
    raw: Option<&str>,
    name: &str,
) -> AppResult<Option<T>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(value) => value.parse().map(Some).map_err(|e: String| {
            AppError::malformed("invalid_query", format!("Tham số {name} không hợp lệ: {e}"))
        }),
    }
}

impl SearchParams {
    pub fn to_query(&self, snapshot: &Snapshot) -> AppResult<SearchQuery> {
        let paging = Paging::new(self.page, self.per_page, CATALOGUE_PAGES)?;
        let agencies = match self
            .agency
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            None => Vec::new(),
            Some(agency) if agency.parse::<AgencyKind>().is_ok() => vec![agency.to_owned()],
            Some(agency) => {
                let code = AgencyCode::parse(agency).map_err(|e| {
                    AppError::malformed(
                        "invalid_query",
                        format!("Tham số agency không hợp lệ: {e}"),
                    )
                })?;
                snapshot.agency_filter(code.as_str())
            }
        };
        Ok(SearchQuery {
            text: search_text(self.q.as_deref())?
                .unwrap_or_default()
                .to_owned(),
            level: parse_opt::<Level>(self.level.as_deref(), "level")?,
            sector: self
                .sector
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            agencies,
            online: parse_opt::<OnlineLevel>(self.online.as_deref(), "online")?,
            page: paging.page as usize,
            per_page: paging.per_page as usize,
        })
    }
}

/// How many close procedures a search that found nothing suggests.
pub const SUGGESTIONS: usize = 5;

/// When a text search found nothing: the published procedures nearest its words.
pub async fn suggestions(app: &App, text: &str) -> AppResult<Vec<motcua_search::CatalogueDoc>> {
    let snapshot = app.catalogue.current(&app.store).await?;
    snapshot
        .index
        .suggest(text, SUGGESTIONS)
        .map_err(AppError::internal)
}

/// A page of matching published procedures, best first, with the snapshot it came from.
pub async fn search(app: &App, params: &SearchParams) -> AppResult<(Arc<Snapshot>, SearchPage)> {
    let snapshot = app.catalogue.current(&app.store).await?;
    let query = params.to_query(&snapshot)?;
    let page = snapshot.index.search(&query).map_err(AppError::internal)?;
    Ok((snapshot, page))
}
