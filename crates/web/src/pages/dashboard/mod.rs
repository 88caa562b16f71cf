//! `/dashboard`: the service-quality index (Decision 766/QĐ-TTg) of the province, a
//! commune or an agency over a month, quarter or year, with charts drawn as SVG on the
//! server and a table beside each; the scorecard per agency; the monthly trend; the
//! readiness indicators. Printable, and no script. `/dashboard/dossiers` lists the dossiers
//! behind a figure, for staff who may see them.

mod drill;
mod page;
mod readiness;

pub(super) use drill::dossiers;
pub(crate) use readiness::{ReadinessBlock, readiness_block};

use super::{Chrome, PageError, error_page_with, render};
use crate::AppState;
use crate::stats::{self, Level, QualityQuestion, Scope};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use motcua_app::AppError;
use motcua_domain::quality::{Figure, Period};
use page::build;
use serde::Deserialize;

fn page_error(chrome: Chrome, status: StatusCode, message: &str) -> PageError {
    PageError(Box::new(error_page_with(chrome, status, message)))
}

/// Server faults read as "cannot read the data" here, as they always have on the dashboard.
fn from_app(chrome: Chrome, err: AppError) -> PageError {
    let err = crate::error::logged(err);
    let status = crate::error::status_of(&err);
    if status.is_server_error() {
        return page_error(
            chrome,
            status,
            "Không đọc được dữ liệu. Vui lòng thử lại sau ít phút.",
        );
    }
    page_error(chrome, status, &err.detail())
}

#[derive(Deserialize, Default)]
pub(super) struct DashboardQuery {
    /// `province`, `commune:CODE` or `agency:CODE`.
    scope: Option<String>,
    level: Option<String>,
    code: Option<String>,
    period: Option<String>,
    at: Option<String>,
    figure: Option<String>,
    page: Option<i64>,
}

impl DashboardQuery {
    fn question(&self) -> QualityQuestion<'_> {
        let (level, code) = match self
            .scope
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => match s.split_once(':') {
                Some((level, code)) => (Some(level), Some(code)),
                None => (Some(s), None),
            },
            None => (self.level.as_deref(), self.code.as_deref()),
        };
        QualityQuestion {
            level,
            code,
            period: self.period.as_deref(),
            at: self.at.as_deref(),
        }
    }
}

fn scope_key(scope: &Scope) -> String {
    match scope.level {
        Level::Province => "province".to_owned(),
        level => format!("{}:{}", level.as_str(), scope.code),
    }
}

/// The query string of a dashboard link.
fn query(pairs: &[(&str, String)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

fn dashboard_href(scope_key: &str, period: Period) -> String {
    format!(
        "/dashboard?{}",
        query(&[
            ("scope", scope_key.to_owned()),
            ("period", period.kind.as_str().to_owned()),
            ("at", period.anchor.to_string()),
        ])
    )
}

fn drill_href(scope: &Scope, period: Period, figure: Figure) -> String {
    format!(
        "/dashboard/dossiers?{}",
        query(&[
            ("figure", figure.as_str().to_owned()),
            ("scope", scope_key(scope)),
            ("period", period.kind.as_str().to_owned()),
            ("at", period.anchor.to_string()),
        ])
    )
}

pub(super) async fn dashboard(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    let who = chrome.user.as_ref().map(|u| u.principal());
    let mut page = match stats::dashboard(&state.app, who.as_ref(), &q.question()).await {
        Ok(dashboard) => build(&chrome, dashboard),
        Err(err) => return Err(from_app(chrome, err)),
    };
    // Leaders and administrators also see what the national portal does not know as it is.
    if let Some(who) = &who {
        let today = motcua_app::today_vn();
        let from = today - chrono::Days::new(29);
        if let Ok(report) =
            motcua_app::connectors::reconcile::reconciliation(&state.app, who, from, today).await
        {
            let configured = state.config.national_portal.is_some();
            page.sync = Some(page::sync_block(configured, report));
        }
    }
    Ok(render(StatusCode::OK, &page))
}
