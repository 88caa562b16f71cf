//! A signed-in citizen's drafts of a form: saved from the submission page, deleted from there
//! or from their dossiers.

use crate::AppState;
use crate::auth::AuthUser;
use crate::error::status_of;
use crate::pages::{Chrome, PageError, error_page_with};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;

/// `form_action=save`: keeps what a signed-in citizen typed (not the files) as their draft
/// of the procedure, then shows the page again from it.
pub(super) async fn save(
    state: &AppState,
    chrome: Chrome,
    user: Option<&AuthUser>,
    code: &str,
    text: &HashMap<String, String>,
) -> Result<Response, PageError> {
    let Some(user) = user else {
        return Ok(error_page_with(
            chrome,
            StatusCode::UNAUTHORIZED,
            "Hãy đăng nhập bằng tài khoản công dân để lưu bản nháp; hồ sơ chưa được lưu.",
        ));
    };
    match motcua_app::forms::drafts::save(&state.app, &user.principal(), code, text).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/procedures/{code}/submit?draft=saved")).into_response())
        }
        Err(err) => Ok(error_page_with(chrome, status_of(&err), &err.detail())),
    }
}

/// `POST /my/drafts/{code}/delete`: the citizen deletes their draft of a procedure, from
/// their dossiers or from the submission page (`back=submit`), and goes back there.
pub(crate) async fn delete(
    State(state): State<AppState>,
    chrome: Chrome,
    crate::auth::PageUser(user): crate::auth::PageUser,
    Path(code): Path<String>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let Ok(code) = motcua_domain::procedure::ProcedureCode::parse(&code) else {
        return Ok(super::form::unknown_procedure(chrome));
    };
    let who = user.principal();
    match motcua_app::forms::drafts::discard(&state.app, &who, code.as_str()).await {
        Ok(_) if form.get("back").map(String::as_str) == Some("submit") => {
            Ok(Redirect::to(&format!("/procedures/{code}/submit")).into_response())
        }
        Ok(_) => Ok(Redirect::to("/my/dossiers?notice=draft_deleted").into_response()),
        Err(err) => Ok(error_page_with(chrome, status_of(&err), &err.detail())),
    }
}
