//! What the officers' dossier page makes from the declaration: its print, and the result
//! the procedure's template sets from it.

use super::dossier::dossier_page;
use super::staff_only;
use crate::AppState;
use crate::auth::PageUser;
use crate::error::status_of;
use crate::pages::{Chrome, PageError};
use axum::extract::{Form, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::dossiers::load_visible;
use serde::Deserialize;

#[derive(Deserialize)]
pub(crate) struct FromFormInput {
    register_no: Option<String>,
}

/// `POST /work/dossiers/{code}/results/from-form`: sets the procedure's result from the
/// declaration and attaches it as a draft (approval signs it), as the API does.
pub(crate) async fn result_from_form(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(code): Path<String>,
    Form(input): Form<FromFormInput>,
) -> Result<Response, PageError> {
    if let Some(denied) = staff_only(chrome.clone(), &user) {
        return Ok(denied);
    }
    let base = crate::links::public_base(&state, &headers);
    let lookup = crate::links::lookup_url(&base, &code, None);
    let who = user.principal();
    let issued = motcua_app::forms::results::issue(
        &state.app,
        &who,
        &code,
        input.register_no.as_deref(),
        &lookup,
    )
    .await;
    match issued {
        Ok(_) => Ok(
            Redirect::to(&format!("/work/dossiers/{code}?done=result_from_form")).into_response(),
        ),
        Err(err) => {
            let err = crate::error::logged(err);
            let record = load_visible(&state.app, &who, &code)
                .await
                .map_err(|e| PageError::app(chrome.clone(), e))?;
            let status = status_of(&err);
            dossier_page(
                &state,
                chrome.clone(),
                &user,
                record,
                None,
                Some(err.detail().into_owned()),
                status,
            )
            .await
            .map_err(|e| PageError::app(chrome, e))
        }
    }
}

/// `GET /work/dossiers/{code}/declaration.pdf`: the declaration as the official form, masked
/// where the reader may not see the applicant in full.
pub(crate) async fn declaration_pdf(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    if let Some(denied) = staff_only(chrome.clone(), &user) {
        return Ok(denied);
    }
    let detail = motcua_app::dossiers::read::detail(&state.app, &user.principal(), &code)
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?;
    crate::pages::dossier_common::declaration_pdf(
        &state,
        chrome,
        &headers,
        &detail.record,
        detail.declaration.as_ref(),
    )
    .await
}

/// `GET /procedures/{code}/form-data.csv`: what the procedure's dossiers declared, as the
/// API gives it to this officer.
pub(crate) async fn form_data_csv(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    form_data(&state, chrome, &user, &code, motcua_exchange::Format::Csv).await
}

/// `GET /procedures/{code}/form-data.xlsx`: the same as a workbook.
pub(crate) async fn form_data_xlsx(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    form_data(&state, chrome, &user, &code, motcua_exchange::Format::Xlsx).await
}

async fn form_data(
    state: &AppState,
    chrome: Chrome,
    user: &crate::auth::AuthUser,
    code: &str,
    format: motcua_exchange::Format,
) -> Result<Response, PageError> {
    let file = motcua_app::forms::export::declarations(&state.app, &user.principal(), code, format)
        .await
        .map_err(|e| PageError::app(chrome, e))?;
    Ok(crate::download::table(
        file.bytes,
        file.format,
        &file.file_name,
    ))
}
