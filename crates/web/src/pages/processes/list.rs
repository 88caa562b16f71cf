//! `GET /processes`: the processes, and the published procedures none covers yet.

use super::{can_draft, options, published, scope_label, staff_page};
use crate::AppState;
use crate::auth::PageUser;
use crate::pages::dossier_common::{agency_names, api_error_page, hours, name_of, when_utc};
use crate::pages::work::SelectOpt;
use crate::pages::{Chrome, PageError, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use motcua_app::processes;
use motcua_domain::agency::AgencyKind;
use motcua_domain::dossier::ProcessState;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    procedure: Option<String>,
    agency: Option<String>,
    state: Option<String>,
}

pub(crate) struct MissingLine {
    pub code: String,
    pub name: String,
    pub level: &'static str,
    pub agency: String,
    pub draft_link: String,
}

pub(crate) struct ProcessLine {
    pub id: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub scope: String,
    pub version_no: i64,
    pub state: &'static str,
    pub state_label: &'static str,
    pub steps: usize,
    pub budget: String,
    pub approved_at: String,
}

#[derive(Template)]
#[template(path = "processes.html")]
struct ListPage {
    chrome: Chrome,
    missing: Vec<MissingLine>,
    lines: Vec<ProcessLine>,
    procedure: String,
    agency_options: Vec<SelectOpt>,
    state_options: Vec<SelectOpt>,
    can_draft: bool,
}

/// `GET /processes`.
pub(crate) async fn list(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    if let Some(denied) = staff_page(&chrome, &user) {
        return Ok(denied);
    }
    let names = agency_names(&state)
        .await
        .map_err(|e| PageError(Box::new(api_error_page(chrome.clone(), e))))?;
    let catalogue = published(&state).await?;
    let trimmed = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let wanted_state = trimmed(&q.state).and_then(|s| ProcessState::parse(&s));
    let procedure = trimmed(&q.procedure);
    let agency = trimmed(&q.agency);
    let who = user.principal();
    let processes = processes::list(
        &state.app,
        &who,
        procedure.as_deref(),
        agency.as_deref(),
        wanted_state,
    )
    .await
    .map_err(|e| PageError::app(chrome.clone(), e))?;
    let missing = processes::missing(&state.app, &who, crate::today_vn())
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?
        .into_iter()
        .map(|m| {
            let scope = format!("level:{}", m.level.as_str());
            MissingLine {
                draft_link: format!(
                    "/processes/new?{}",
                    serde_urlencoded::to_string([
                        ("procedure", m.procedure_code.as_str()),
                        ("scope", scope.as_str())
                    ])
                    .unwrap_or_default()
                ),
                level: m.level.label_vi(),
                agency: match (&m.agency_code, m.agency_kind) {
                    (Some(code), _) => name_of(&names, code),
                    (None, Some(kind)) => kind.label_vi().to_owned(),
                    (None, None) => String::new(),
                },
                code: m.procedure_code,
                name: m.name,
            }
        })
        .collect();
    let lines = processes
        .iter()
        .map(|p| ProcessLine {
            id: p.id.to_string(),
            procedure_code: p.procedure_code.clone(),
            procedure_name: catalogue
                .get(&p.procedure_code)
                .map(|(n, _)| n.clone())
                .unwrap_or_default(),
            scope: scope_label(p, &names),
            version_no: p.version_no,
            state: p.state.as_str(),
            state_label: p.state.label_vi(),
            steps: p.steps.len(),
            budget: hours(p.budget_minutes),
            approved_at: p.approved_at.as_ref().map(when_utc).unwrap_or_default(),
        })
        .collect();
    let mut agency_items = vec![(String::new(), "— Mọi cơ quan —".to_owned())];
    let mut listed: Vec<(String, String)> =
        motcua_app::register::agencies(&state.app, &Default::default())
            .await?
            .into_iter()
            .filter(|a| a.is_valid_at(crate::today_vn()) && a.kind != AgencyKind::CommuneCommittee)
            .map(|a| (a.code.to_string(), a.name))
            .collect();
    listed.sort_by(|a, b| a.1.cmp(&b.1));
    agency_items.extend(listed);
    if let Some(own) = &user.agency_code
        && !agency_items.iter().any(|(c, _)| c == own)
    {
        agency_items.push((own.clone(), name_of(&names, own)));
    }
    let mut state_items = vec![(String::new(), "— Mọi trạng thái —".to_owned())];
    state_items.extend(
        ProcessState::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), s.label_vi().to_owned())),
    );
    let page = ListPage {
        missing,
        lines,
        procedure: procedure.unwrap_or_default(),
        agency_options: options(agency_items, agency.as_deref().unwrap_or("")),
        state_options: options(
            state_items,
            wanted_state.map(ProcessState::as_str).unwrap_or(""),
        ),
        can_draft: can_draft(&user),
        chrome,
    };
    Ok(render(StatusCode::OK, &page))
}
