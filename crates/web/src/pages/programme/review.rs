//! The review by group, and closing a review.

use super::{change_text, from_api, loaded_or_page, programme_id, reader};
use crate::AppState;
use crate::auth::PageUser;
use crate::pages::{Chrome, PageError, render};
use crate::programme::{dmy, local};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_domain::account::Role;
use serde::Deserialize;
use uuid::Uuid;

struct LateRow {
    id: Uuid,
    code: String,
    title: String,
    deadline: String,
    days_late: i64,
    progress: u8,
    person: String,
    agency_name: String,
}

struct GroupReviewRow {
    position: i64,
    title: String,
    total: usize,
    done: usize,
    in_progress: usize,
    not_started: usize,
    share_done: u8,
    mean_progress: u8,
    late: Vec<LateRow>,
}

struct ChangeRow {
    id: Uuid,
    code: String,
    title: String,
    change: String,
    completed: bool,
    updates: usize,
    last_at: String,
}

#[derive(Template)]
#[template(path = "programme_review.html")]
struct ReviewPage {
    chrome: Chrome,
    title: String,
    today: String,
    total: usize,
    done: usize,
    late: usize,
    share_done: u8,
    groups: Vec<GroupReviewRow>,
    last_review: Option<String>,
    changes: Vec<ChangeRow>,
    can_close: bool,
    closed: bool,
    programme_id: Uuid,
    readiness: crate::pages::dashboard::ReadinessBlock,
}

#[derive(Deserialize, Default)]
pub(crate) struct ReviewQuery {
    programme: Option<String>,
    closed: Option<String>,
}

pub(crate) async fn review(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Query(q): Query<ReviewQuery>,
) -> Result<Response, PageError> {
    let chrome = reader(&user, chrome)?;
    let (chrome, loaded) =
        loaded_or_page(&state, chrome, programme_id(q.programme.as_deref())).await?;
    let today = crate::today_vn();
    let review = match motcua_app::programme::review(&state.app, &loaded, today).await {
        Ok(r) => r,
        Err(err) => return Err(from_api(chrome, err.into())),
    };
    let view = motcua_app::programme::review_view(&loaded, &review, today);
    let readiness = match crate::stats::readiness(&state.app).await {
        Ok(r) => crate::pages::dashboard::readiness_block(&r),
        Err(err) => return Err(from_api(chrome, err.into())),
    };
    let groups = view
        .groups
        .into_iter()
        .map(|g| GroupReviewRow {
            position: g.position,
            title: g.title,
            total: g.total,
            done: g.done,
            in_progress: g.in_progress,
            not_started: g.not_started,
            share_done: g.share_done,
            mean_progress: g.mean_progress,
            late: g
                .late
                .into_iter()
                .map(|l| LateRow {
                    id: l.id,
                    code: l.code,
                    title: l.title,
                    deadline: dmy(l.deadline),
                    days_late: l.days_late,
                    progress: l.progress,
                    person: l.person,
                    agency_name: l.agency.name,
                })
                .collect(),
        })
        .collect();
    let changes = review
        .changes
        .iter()
        .zip(view.changes_since_last_review)
        .map(|(c, v)| ChangeRow {
            id: v.task_id,
            code: v.code,
            title: v.title,
            change: change_text(
                (c.from_status, c.from_progress),
                (c.to_status, c.to_progress),
            ),
            completed: c.completed(),
            updates: v.updates,
            last_at: local(v.last_at),
        })
        .collect();
    let page = ReviewPage {
        can_close: user.role == Role::ProvinceAdmin,
        chrome,
        title: loaded.programme.title.clone(),
        today: dmy(today),
        total: view.total,
        done: view.done,
        late: view.late,
        share_done: view.share_done,
        groups,
        last_review: review
            .last_review
            .as_ref()
            .map(|r| format!("{} ({})", local(r.held_at), r.held_by)),
        changes,
        closed: q.closed.is_some(),
        programme_id: loaded.programme.id,
        readiness,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub(crate) struct CloseFields {
    programme: Option<String>,
    #[serde(default)]
    note: String,
}

/// A province administrator closes the review session: later reports count as new.
pub(crate) async fn close_review(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Form(fields): Form<CloseFields>,
) -> Result<Response, PageError> {
    let who = user.principal();
    if let Err(err) = motcua_app::programme::require_reviewer(&who) {
        return Err(PageError::app(chrome, err));
    }
    let (_, loaded) =
        loaded_or_page(&state, chrome, programme_id(fields.programme.as_deref())).await?;
    motcua_app::programme::close_review(&state.app, &who, loaded.programme.id, &fields.note)
        .await?;
    Ok(Redirect::to(&format!(
        "/programme/review?programme={}&closed=1",
        loaded.programme.id
    ))
    .into_response())
}
