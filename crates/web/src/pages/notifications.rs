//! The in-app channel: a signed-in user's notifications (reminders about tasks).

use super::{Chrome, PageError, render};
use crate::AppState;
use crate::auth::PageUser;
use crate::programme::local;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

struct Row {
    subject: String,
    body: String,
    link: Option<String>,
    at: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    chrome: Chrome,
    rows: Vec<Row>,
}

pub(super) async fn list(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
) -> Result<Response, PageError> {
    let rows = motcua_app::notifications::list(&state.app, &user.principal(), 200)
        .await?
        .into_iter()
        .map(|n| Row {
            subject: n.subject,
            body: n.body,
            // Links are our own paths; anything else is not shown as a link.
            link: n
                .link
                .filter(|l| l.starts_with('/') && !l.starts_with("//")),
            at: local(n.created_at),
            unread: n.read_at.is_none(),
        })
        .collect();
    Ok(render(StatusCode::OK, &NotificationsPage { chrome, rows }))
}

pub(super) async fn mark_read(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    motcua_app::notifications::mark_read(&state.app, &user.principal()).await?;
    Ok(Redirect::to("/notifications").into_response())
}
