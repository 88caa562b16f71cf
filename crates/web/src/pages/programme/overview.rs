//! `/programme`: the tasks by group with filters.

use super::{TaskRow, from_api, loaded_or_page, programme_id, reader, task_row};
use crate::AppState;
use crate::auth::PageUser;
use crate::pages::{Chrome, PageError, render};
use crate::programme::{TaskFilter, dmy};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use motcua_domain::programme::TaskStatus;
use serde::Deserialize;

struct GroupBlock {
    position: i64,
    title: String,
    description: String,
    rows: Vec<TaskRow>,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "programme.html")]
struct ProgrammePage {
    chrome: Chrome,
    title: String,
    description: String,
    today: String,
    groups: Vec<GroupBlock>,
    statuses: Vec<Choice>,
    agencies: Vec<Choice>,
    overdue_only: bool,
    shown: usize,
    total: usize,
    filtered: bool,
    export_query: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct OverviewQuery {
    programme: Option<String>,
    status: Option<String>,
    agency: Option<String>,
    overdue: Option<String>,
}

pub(crate) async fn overview(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Query(q): Query<OverviewQuery>,
) -> Result<Response, PageError> {
    let chrome = reader(&user, chrome)?;
    let filter = match TaskFilter::parse(
        q.status.as_deref(),
        q.agency.as_deref(),
        q.overdue.as_deref(),
    ) {
        Ok(f) => f,
        Err(err) => return Err(from_api(chrome, err)),
    };
    let (chrome, loaded) =
        loaded_or_page(&state, chrome, programme_id(q.programme.as_deref())).await?;
    let today = crate::today_vn();
    let groups: Vec<GroupBlock> = loaded
        .groups
        .iter()
        .map(|g| GroupBlock {
            position: g.position,
            title: g.title.clone(),
            description: g.description.clone(),
            rows: loaded
                .tasks
                .iter()
                .filter(|t| t.group_id == g.id && filter.matches(t, today))
                .map(|t| task_row(t, today))
                .collect(),
        })
        .collect();
    let mut agencies: Vec<(String, String)> = loaded
        .tasks
        .iter()
        .flat_map(|t| {
            std::iter::once((t.agency_code.clone(), t.agency_name.clone()))
                .chain(t.cooperators.iter().cloned())
        })
        .collect();
    agencies.sort();
    agencies.dedup();
    let statuses = TaskStatus::ALL
        .into_iter()
        .map(|s| Choice {
            value: s.as_str().into(),
            label: s.label_vi().into(),
            selected: filter.status == Some(s),
        })
        .collect();
    let agencies = agencies
        .into_iter()
        .map(|(code, name)| Choice {
            selected: filter.agency.as_deref() == Some(code.as_str()),
            value: code,
            label: name,
        })
        .collect();
    let page = ProgrammePage {
        chrome,
        title: loaded.programme.title.clone(),
        description: loaded.programme.description.clone(),
        today: dmy(today),
        shown: groups.iter().map(|g| g.rows.len()).sum(),
        total: loaded.tasks.len(),
        groups,
        statuses,
        agencies,
        overdue_only: filter.overdue,
        filtered: !filter.is_empty(),
        export_query: format!("?programme={}", loaded.programme.id),
    };
    Ok(render(StatusCode::OK, &page))
}
