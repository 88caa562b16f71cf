//! `/work`: an officer's queue with filters, due-state marks and counts per agency.

use crate::AppState;
use crate::auth::PageUser;
use crate::error::status_of;
use crate::pages::dossier_common::{
    agency_names, channel_label, due_label, due_mark, name_of, queue_total, when_utc,
};
use crate::pages::{Chrome, PageError, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::staff_only;
use crate::pages::view::{SelectOpt, select};
use motcua_app::dossiers::queue::QueueQuestion;
use motcua_app::dossiers::{self as app_dossiers};
use motcua_domain::account::Role;
use motcua_domain::dossier::DossierState;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct WorkQuery {
    status: Option<String>,
    step: Option<String>,
    due: Option<String>,
    q: Option<String>,
    scope: Option<String>,
    agency: Option<String>,
    page: Option<String>,
    after: Option<String>,
    before: Option<String>,
}

impl WorkQuery {
    fn get(v: &Option<String>) -> Option<String> {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    }

    /// The link to this filter's page `number`, read from a place in the queue (`after` or
    /// `before` a cursor) so that deep pages cost no more than the first; page 1 is plain.
    fn link(&self, number: i64, place: Option<(&str, &str)>) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        for (k, v) in [
            ("status", &self.status),
            ("step", &self.step),
            ("due", &self.due),
            ("q", &self.q),
            ("scope", &self.scope),
            ("agency", &self.agency),
        ] {
            if let Some(v) = WorkQuery::get(v) {
                pairs.push((k, v));
            }
        }
        if let Some((side, cursor)) = place.filter(|_| number > 1) {
            pairs.push((side, cursor.to_owned()));
            pairs.push(("page", number.to_string()));
        }
        format!(
            "/work?{}",
            serde_urlencoded::to_string(pairs).unwrap_or_default()
        )
    }
}

pub(crate) struct QueueLine {
    pub code: String,
    pub procedure_name: String,
    pub applicant_name: String,
    pub state_label: String,
    pub step: String,
    pub assignee: String,
    pub desk: String,
    pub submitted_at: String,
    pub due_at: String,
    pub due_state: String,
    pub due_label: &'static str,
    pub due_mark: &'static str,
    pub channel: &'static str,
    pub supplement_arrived: bool,
}

pub(crate) struct CountLine {
    pub agency_code: String,
    pub agency_name: String,
    pub open: i64,
    pub due_soon: i64,
    pub overdue: i64,
}

#[derive(Template)]
#[template(path = "work_queue.html")]
struct QueuePage {
    chrome: Chrome,
    heading_agency: Option<String>,
    lines: Vec<QueueLine>,
    /// The count as shown: "hơn 10.000" once the count stops at its cap.
    total: String,
    /// False once the count is capped: the number of pages is then unknown.
    exact: bool,
    counts: Vec<CountLine>,
    status_options: Vec<SelectOpt>,
    step_options: Vec<SelectOpt>,
    due_options: Vec<SelectOpt>,
    scope_options: Vec<SelectOpt>,
    q: String,
    page: i64,
    pages: i64,
    prev: Option<String>,
    next: Option<String>,
    is_receiver: bool,
    error: Option<String>,
    filtered: bool,
}

/// Most steps offered in the step filter.
const STEP_CHOICES: usize = 6;

/// `GET /work`: the queue. Officers see their desk (the dossiers their agency must act on)
/// unless they ask for everything their agency is involved in; administrators and auditors
/// see every agency's.
pub(crate) async fn queue(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Query(q): Query<WorkQuery>,
) -> Result<Response, PageError> {
    if let Some(denied) = staff_only(chrome.clone(), &user) {
        return Ok(denied);
    }
    let status = WorkQuery::get(&q.status).unwrap_or_default();
    let states = match status.as_str() {
        "" => None,
        "all" => Some(
            DossierState::ALL
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(","),
        ),
        one => Some(one.to_owned()),
    };
    let step = WorkQuery::get(&q.step).and_then(|s| s.parse::<i64>().ok());
    let officer = user.agency_code.is_some();
    let by_place = WorkQuery::get(&q.after).is_some() || WorkQuery::get(&q.before).is_some();
    let query = QueueQuestion {
        status: states,
        agency: WorkQuery::get(&q.agency),
        scope: if officer {
            WorkQuery::get(&q.scope)
        } else {
            None
        },
        due: WorkQuery::get(&q.due),
        q: WorkQuery::get(&q.q),
        step: step.map(|s| (s - 1).max(0)),
        assignee: None,
        procedure: None,
        // Read from a place, the page's number is only shown. Not a number: 0, which the
        // queue refuses with the paging rule's message.
        page: if by_place {
            None
        } else {
            WorkQuery::get(&q.page).map(|p| p.parse().unwrap_or(0))
        },
        per_page: Some(25),
        after: WorkQuery::get(&q.after),
        before: WorkQuery::get(&q.before),
    };
    let names = agency_names(&state)
        .await
        .map_err(|e| PageError::api(chrome.clone(), e))?;
    let who = user.principal();
    let shown_number = WorkQuery::get(&q.page)
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| (1..=motcua_domain::paging::MAX_PAGE).contains(p))
        .unwrap_or(1);
    let (items, (total, exact), page, per_page, cursors, error, status_code) =
        match app_dossiers::queue::queue(&state.app, &who, query).await {
            Ok(view) => (
                view.items,
                (view.total, view.total_exact),
                view.page.unwrap_or(shown_number),
                view.per_page,
                (view.prev_cursor, view.next_cursor),
                None,
                StatusCode::OK,
            ),
            Err(err) => {
                let err = crate::error::logged(err);
                let status = status_of(&err);
                (
                    Vec::new(),
                    (0, true),
                    1,
                    25,
                    (None, None),
                    Some(err.detail().into_owned()),
                    status,
                )
            }
        };
    let counts = app_dossiers::queue::counts(&state.app, &who)
        .await
        .map_err(|e| PageError::api(chrome.clone(), e))?
        .into_iter()
        .map(|c| CountLine {
            agency_name: name_of(&names, &c.agency_code),
            agency_code: c.agency_code,
            open: c.open,
            due_soon: c.due_soon,
            overdue: c.overdue,
        })
        .collect();
    // People by their names, not their usernames.
    let assignees: Vec<String> = items
        .iter()
        .filter_map(|i| i.summary.assignee.clone())
        .collect();
    let people = motcua_app::accounts::display_names(&state.app, assignees).await?;
    let lines = items
        .into_iter()
        .map(|item| {
            let s = item.summary;
            let due_state = item
                .due_state
                .map(|d| d.as_str().to_owned())
                .unwrap_or_default();
            QueueLine {
                supplement_arrived: item.supplement_arrived,
                due_label: due_label(&due_state),
                due_mark: due_mark(&due_state),
                due_state,
                state_label: item
                    .state
                    .map(|st| st.label_vi())
                    .unwrap_or_default()
                    .into(),
                step: format!("Bước {}", s.step_no + 1),
                assignee: s
                    .assignee
                    .map(|u| people.get(&u).cloned().unwrap_or(u))
                    .unwrap_or_default(),
                desk: if user.agency_code.as_deref() == Some(s.desk_agency.as_str()) {
                    String::new()
                } else {
                    name_of(&names, &s.desk_agency)
                },
                submitted_at: when_utc(&s.submitted_at),
                due_at: s.due_at.as_ref().map(when_utc).unwrap_or_default(),
                channel: channel_label(&s.channel),
                code: s.code,
                procedure_name: s.procedure_name,
                applicant_name: s.applicant_name,
            }
        })
        .collect();
    let pages = ((total + per_page - 1) / per_page.max(1)).max(1);
    let mut status_items = vec![
        (String::new(), "Đang mở (chưa kết thúc)".to_owned()),
        ("all".to_owned(), "Tất cả trạng thái".to_owned()),
    ];
    status_items.extend(
        DossierState::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), s.label_vi().to_owned())),
    );
    let mut step_items = vec![(String::new(), "Mọi bước".to_owned())];
    step_items.extend((1..=STEP_CHOICES).map(|n| (n.to_string(), format!("Bước {n}"))));
    let due_items = vec![
        (String::new(), "Mọi thời hạn".to_owned()),
        ("overdue".to_owned(), "✖ Quá hạn".to_owned()),
        (
            "due_soon".to_owned(),
            "⚠ Sắp đến hạn (trong 1 ngày làm việc)".to_owned(),
        ),
        ("on_time".to_owned(), "✔ Trong hạn".to_owned()),
    ];
    let scope_options = if officer {
        select(
            vec![
                (
                    "desk".to_owned(),
                    "Việc của cơ quan tôi (đang chờ cơ quan tôi xử lý)".to_owned(),
                ),
                (
                    "involved".to_owned(),
                    "Mọi hồ sơ cơ quan tôi tiếp nhận hoặc tham gia".to_owned(),
                ),
            ],
            &WorkQuery::get(&q.scope).unwrap_or_else(|| "desk".into()),
        )
    } else {
        Vec::new()
    };
    let filtered = [&q.status, &q.step, &q.due, &q.q, &q.agency]
        .iter()
        .any(|v| WorkQuery::get(v).is_some());
    let page_view = QueuePage {
        heading_agency: user.agency_code.as_deref().map(|c| name_of(&names, c)),
        lines,
        total: queue_total(total, exact),
        exact,
        counts,
        status_options: select(status_items, &status),
        step_options: select(step_items, &step.map(|s| s.to_string()).unwrap_or_default()),
        due_options: select(due_items, &WorkQuery::get(&q.due).unwrap_or_default()),
        scope_options,
        q: WorkQuery::get(&q.q).unwrap_or_default(),
        page,
        pages,
        prev: (page > 1).then(|| q.link(page - 1, cursors.0.as_deref().map(|c| ("before", c)))),
        next: cursors
            .1
            .as_deref()
            .map(|c| q.link(page + 1, Some(("after", c)))),
        is_receiver: user.role == Role::Receiver,
        error,
        filtered,
        chrome,
    };
    Ok(render(status_code, &page_view))
}
