//! Signing in through an OpenID provider: the start (a redirect with the state kept in a
//! cookie), the callback, and the page that links a verified sign-in to a local account.
//! The rules are `motcua_app::identity`'s.

use super::{Chrome, PageError, render};
use crate::AppState;
use crate::auth::safe_next;
use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use motcua_app::accounts::Issued;
use motcua_app::identity::{self, Callback, Finished, LinkAnswer};
use serde::Deserialize;
use std::net::SocketAddr;

/// The state of a sign-in begun in this browser. Lax, so that it comes back with the
/// provider's top-level redirect.
const STATE_COOKIE: &str = "motcua_oidc_state";
/// A verified sign-in waiting to be linked to a local account.
const LINK_COOKIE: &str = "motcua_oidc_link";
const LINK_PATH: &str = "/auth/oidc/link";

fn short_cookie(
    name: &'static str,
    value: String,
    path: &'static str,
    secure: bool,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .path(path)
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::minutes(10))
        .build()
}

fn removal(name: &'static str, path: &'static str) -> Cookie<'static> {
    Cookie::build((name, "")).path(path).build()
}

#[derive(Deserialize)]
pub(super) struct StartQuery {
    next: Option<String>,
}

/// `GET /auth/oidc/{provider}/start`: off to the provider.
pub(super) async fn start(
    State(state): State<AppState>,
    chrome: Chrome,
    jar: CookieJar,
    headers: HeaderMap,
    Path(provider): Path<String>,
    Query(q): Query<StartQuery>,
) -> Result<Response, PageError> {
    let next = safe_next(q.next.as_deref());
    let origin = crate::links::public_base(&state, &headers);
    let started = identity::begin(&state.app, &provider, &next, &origin)
        .await
        .map_err(|e| PageError::app(chrome, e))?;
    let cookie = short_cookie(
        STATE_COOKIE,
        started.state,
        "/auth/oidc",
        state.config.cookie_secure,
    );
    Ok((jar.add(cookie), Redirect::to(&started.url)).into_response())
}

#[derive(Deserialize)]
pub(super) struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

fn signed_in(state: &AppState, jar: CookieJar, session: Issued, next: &str) -> Response {
    let jar = super::login::with_session(state, jar, session.secret)
        .remove(removal(STATE_COOKIE, "/auth/oidc"))
        .remove(removal(LINK_COOKIE, LINK_PATH));
    (jar, Redirect::to(&safe_next(Some(next)))).into_response()
}

fn finished(state: &AppState, jar: CookieJar, outcome: Finished) -> Response {
    match outcome {
        Finished::SignedIn { session, next, .. } => signed_in(state, jar, session, &next),
        Finished::LinkNeeded { token, .. } => {
            let cookie = short_cookie(LINK_COOKIE, token, LINK_PATH, state.config.cookie_secure);
            let jar = jar.add(cookie).remove(removal(STATE_COOKIE, "/auth/oidc"));
            (jar, Redirect::to(LINK_PATH)).into_response()
        }
    }
}

/// `GET /auth/oidc/callback`: the provider sends the person back here.
pub(super) async fn callback(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    chrome: Chrome,
    jar: CookieJar,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, PageError> {
    let client = peer.ip().to_string();
    let browser_state = jar.get(STATE_COOKIE).map(|c| c.value().to_owned());
    let outcome = identity::finish(
        &state.app,
        Callback {
            state: q.state.as_deref().unwrap_or_default(),
            browser_state: browser_state.as_deref(),
            code: q.code.as_deref(),
            error: q.error.as_deref(),
            client: &client,
            session_lifetime: chrono::Duration::hours(state.config.session_hours),
        },
    )
    .await;
    match outcome {
        Ok(outcome) => Ok(finished(&state, jar, outcome)),
        Err(err) => {
            let page = PageError::app(chrome, err).into_response();
            Ok((jar.remove(removal(STATE_COOKIE, "/auth/oidc")), page).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "oidc_link.html")]
struct LinkPage {
    chrome: Chrome,
    provider: String,
    name: String,
    username: String,
    error: Option<String>,
}

fn expired(chrome: Chrome) -> Response {
    super::error_page_with(
        chrome,
        StatusCode::GONE,
        "Phiên liên kết đã hết hạn. Vui lòng đăng nhập lại bằng tài khoản định danh điện tử.",
    )
}

/// `GET /auth/oidc/link`: the local account holding the verified number, to be proved.
pub(super) async fn link_form(
    State(state): State<AppState>,
    chrome: Chrome,
    jar: CookieJar,
) -> Result<Response, PageError> {
    let Some(token) = jar.get(LINK_COOKIE).map(|c| c.value().to_owned()) else {
        return Ok(expired(chrome));
    };
    match identity::link_offer(&state.app, &token).await? {
        Some(offer) => Ok(render(
            StatusCode::OK,
            &LinkPage {
                chrome,
                provider: offer.provider,
                name: offer.name,
                username: String::new(),
                error: None,
            },
        )),
        None => Ok(expired(chrome)),
    }
}

#[derive(Deserialize)]
pub(super) struct LinkForm {
    /// `link` (with the credentials) or `separate`.
    choice: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// `POST /auth/oidc/link`.
pub(super) async fn link_submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    chrome: Chrome,
    jar: CookieJar,
    Form(form): Form<LinkForm>,
) -> Result<Response, PageError> {
    let Some(token) = jar.get(LINK_COOKIE).map(|c| c.value().to_owned()) else {
        return Ok(expired(chrome));
    };
    let answer = match form.choice.as_str() {
        "separate" => LinkAnswer::Separate,
        _ => LinkAnswer::Prove {
            username: &form.username,
            password: &form.password,
        },
    };
    let client = peer.ip().to_string();
    let lifetime = chrono::Duration::hours(state.config.session_hours);
    match identity::answer_link(&state.app, &token, answer, &client, lifetime).await {
        Ok(outcome) => Ok(finished(&state, jar, outcome)),
        Err(err) if matches!(err.code(), "bad_credentials" | "login_locked") => {
            let offer = identity::link_offer(&state.app, &token).await?;
            let Some(offer) = offer else {
                return Ok(expired(chrome));
            };
            let status = if err.code() == "login_locked" {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            Ok(render(
                status,
                &LinkPage {
                    chrome,
                    provider: offer.provider,
                    name: offer.name,
                    username: form.username.trim().to_owned(),
                    error: Some(err.detail().into_owned()),
                },
            ))
        }
        Err(err) => Err(PageError::app(chrome, err)),
    }
}
