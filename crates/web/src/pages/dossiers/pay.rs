//! Paying online: the applicant's button sends them to the payment platform with a signed
//! order, and they come back to a page that says only what the platform's notification
//! established. The rules are `motcua_app::payments::platform`'s.

use super::applicant::access;
use crate::AppState;
use crate::pages::{Chrome, PageError, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use motcua_app::payments::platform;
use serde::Deserialize;

/// `POST /lookup/{code}/pay`: off to the platform (a second payment of a paid dossier is
/// refused here, before anyone is sent to pay).
pub(crate) async fn pay(
    State(state): State<AppState>,
    chrome: Chrome,
    jar: CookieJar,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let access = access(&state, &chrome, &jar, &code)
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?;
    let base = crate::links::public_base(&state, &headers);
    let to = platform::start(&state.app, &access, &base)
        .await
        .map_err(|e| PageError::app(chrome, e))?;
    Ok(Redirect::to(&to).into_response())
}

#[derive(Deserialize)]
pub(crate) struct ReturnQuery {
    order: Option<String>,
}

#[derive(Template)]
#[template(path = "payment_return.html")]
struct ReturnPage {
    chrome: Chrome,
    code: String,
    amount: String,
    status: String,
}

/// `GET /payments/return?order=…`: where the platform sends the applicant back.
pub(crate) async fn came_back(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(q): Query<ReturnQuery>,
) -> Result<Response, PageError> {
    let order = q.order.unwrap_or_default();
    let view = platform::order_view(&state.app, &order)
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?;
    let page = ReturnPage {
        chrome,
        amount: crate::pages::catalogue::vnd(view.amount_vnd),
        code: view.dossier_code,
        status: view.status,
    };
    Ok(render(StatusCode::OK, &page))
}
