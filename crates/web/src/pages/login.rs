//! Signing in and out. Failures get one generic message, whether or not the user
//! exists, and repeated failures lock the username and the client address for a while.

use super::{Chrome, render};
use crate::auth::{SESSION_COOKIE, random_token, safe_next};
use crate::csrf::csrf_cookie;
use crate::{AppState, DemoAccount};
use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use chrono::Duration;
use motcua_app::accounts::{self, BAD_CREDENTIALS, LOCKED, LoginCheck, check_credentials};
use motcua_app::identity::oidc::Audience;
use serde::Deserialize;
use std::net::SocketAddr;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    username: String,
    next: String,
    error: Option<String>,
    demo_accounts: Vec<DemoAccount>,
    /// Where the citizens' provider's sign-in starts.
    citizen_sign_in: Option<String>,
    /// The officers' provider: its label and where its sign-in starts.
    staff_sign_in: Option<(String, String)>,
}

/// Where a sign-in through a provider starts, coming back to `next`.
pub(crate) fn identity_start(key: &str, next: &str) -> String {
    let query = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
    format!("/auth/oidc/{key}/start?{query}")
}

#[derive(Deserialize)]
pub(super) struct NextQuery {
    next: Option<String>,
}

fn login_page(
    state: &AppState,
    chrome: Chrome,
    username: String,
    next: String,
    error: Option<&str>,
) -> LoginPage {
    let providers = state.app.identity_providers();
    let start = |key: &str| identity_start(key, &next);
    let staff = providers
        .offered()
        .into_iter()
        .find(|p| p.2 == Audience::Staff);
    LoginPage {
        chrome,
        username,
        citizen_sign_in: providers.citizen_key().map(start),
        staff_sign_in: staff.map(|(key, label, _)| (label, start(&key))),
        next,
        error: error.map(str::to_owned),
        demo_accounts: state.demo_accounts.to_vec(),
    }
}

pub(super) async fn form(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(q): Query<NextQuery>,
) -> Response {
    if chrome.user.is_some() {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
    }
    let next = safe_next(q.next.as_deref());
    render(
        StatusCode::OK,
        &login_page(&state, chrome, String::new(), next, None),
    )
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

pub(super) async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    chrome: Chrome,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, super::PageError> {
    let next = safe_next(form.next.as_deref());
    let client = peer.ip().to_string();
    let check = check_credentials(&state.app, &form.username, &form.password, &client).await?;
    let user = match check {
        LoginCheck::Ok(user) => user,
        LoginCheck::Rejected | LoginCheck::Locked => {
            let (status, message) = match check {
                LoginCheck::Locked => (StatusCode::TOO_MANY_REQUESTS, LOCKED),
                _ => (StatusCode::UNAUTHORIZED, BAD_CREDENTIALS),
            };
            let page = login_page(
                &state,
                chrome,
                form.username.trim().to_owned(),
                next,
                Some(message),
            );
            return Ok(render(status, &page));
        }
    };
    let lifetime = Duration::hours(state.config.session_hours);
    let session = accounts::issue_secret(
        &state.app,
        &user,
        &client,
        accounts::SecretKind::Session,
        lifetime,
    )
    .await?
    .secret;
    Ok((with_session(&state, jar, session), Redirect::to(&next)).into_response())
}

/// The cookies of a new session: the session's, and a new CSRF token, so that one planted
/// before signing in is worthless after.
pub(crate) fn with_session(state: &AppState, jar: CookieJar, secret: String) -> CookieJar {
    let secure = state.config.cookie_secure;
    let cookie = Cookie::build((SESSION_COOKIE, secret))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::hours(state.config.session_hours))
        .build();
    jar.add(cookie).add(csrf_cookie(random_token(), secure))
}

#[derive(Template)]
#[template(path = "logout.html")]
struct LogoutPage {
    chrome: Chrome,
}

pub(super) async fn logout_form(
    State(state): State<AppState>,
    chrome: Chrome,
    jar: CookieJar,
) -> Result<Response, super::PageError> {
    if chrome.user.is_none() {
        return Ok(Redirect::to("/").into_response());
    }
    let origin = match jar.get(SESSION_COOKIE) {
        Some(cookie) => motcua_app::identity::sign_out_origin(&state.app, cookie.value()).await?,
        None => None,
    };
    let mut page = render(StatusCode::OK, &LogoutPage { chrome });
    if let Some(policy) = origin
        .as_deref()
        .and_then(crate::headers::policy_allowing_form_to)
    {
        page.headers_mut()
            .insert(axum::http::header::CONTENT_SECURITY_POLICY, policy);
    }
    Ok(page)
}

pub(super) async fn logout(
    State(state): State<AppState>,
    chrome: Chrome,
    jar: CookieJar,
    headers: axum::http::HeaderMap,
) -> Result<Response, super::PageError> {
    let mut to = "/".to_owned();
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        let who = chrome.user.as_ref().map(|u| u.principal());
        let home = format!("{}/", crate::links::public_base(&state, &headers));
        // Signed in through a provider: signed out there too, and back home.
        if let Some(there) =
            motcua_app::identity::sign_out(&state.app, cookie.value(), who.as_ref(), &home).await?
        {
            to = there;
        }
    }
    let removal = Cookie::build((SESSION_COOKIE, "")).path("/").build();
    Ok((jar.remove(removal), Redirect::to(&to)).into_response())
}
