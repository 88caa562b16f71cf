//! `/dashboard/dossiers`: the dossiers behind a figure.

use super::{DashboardQuery, dashboard_href, from_app, query, scope_key};
use crate::AppState;
use crate::auth::PageUser;
use crate::charts::count;
use crate::pages::{Chrome, PageError, render};
use crate::stats::{self, DossierList};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use motcua_domain::dossier::DossierState;

struct DrillLine {
    code: String,
    procedure: String,
    state: &'static str,
    channel: &'static str,
    received_at: String,
    appointment_at: String,
    finished_at: String,
    late: bool,
}

#[derive(Template)]
#[template(path = "dashboard_dossiers.html")]
struct DrillPage {
    chrome: Chrome,
    figure_label: &'static str,
    scope_name: String,
    period_label: String,
    total: String,
    rows: Vec<DrillLine>,
    page: i64,
    pages: i64,
    prev_href: Option<String>,
    next_href: Option<String>,
    back_href: String,
}

fn local(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| {
        motcua_domain::calendar::to_vn_local(&t)
            .format("%d/%m/%Y %H:%M")
            .to_string()
    })
    .unwrap_or_default()
}

pub(crate) async fn dossiers(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    let figure = q.figure.as_deref().unwrap_or_default();
    let list = stats::dossiers(&state.app, &user.principal(), figure, &q.question(), q.page).await;
    match list {
        Ok(list) => Ok(render(StatusCode::OK, &drill_page(chrome, list))),
        Err(err) => Err(from_app(chrome, err)),
    }
}

fn drill_page(chrome: Chrome, list: DossierList) -> DrillPage {
    let DossierList {
        figure,
        quality,
        total,
        page,
        pages,
        rows,
    } = list;
    let rows = rows
        .into_iter()
        .map(|r| DrillLine {
            procedure: format!("{} {}", r.procedure_code, r.procedure_name),
            state: DossierState::parse(&r.state).map_or("", DossierState::label_vi),
            channel: match r.channel.as_str() {
                "online" => "Trực tuyến",
                "postal" => "Bưu chính",
                _ => "Trực tiếp",
            },
            received_at: local(r.received_at),
            appointment_at: local(r.appointment_at),
            finished_at: local(r.finished_at),
            late: r.flags & motcua_domain::quality::flag::LATE != 0,
            code: r.code,
        })
        .collect();
    let scope = &quality.scope;
    let period = quality.period;
    let page_href = |p: i64| {
        format!(
            "/dashboard/dossiers?{}",
            query(&[
                ("figure", figure.as_str().to_owned()),
                ("scope", scope_key(scope)),
                ("period", period.kind.as_str().to_owned()),
                ("at", period.anchor.to_string()),
                ("page", p.to_string()),
            ])
        )
    };
    DrillPage {
        figure_label: figure.label_vi(),
        scope_name: scope.name.clone(),
        period_label: period.label_vi(),
        total: count(total),
        rows,
        page,
        pages,
        prev_href: (page > 1).then(|| page_href(page - 1)),
        next_href: (page < pages).then(|| page_href(page + 1)),
        back_href: dashboard_href(&scope_key(scope), period),
        chrome,
    }
}
