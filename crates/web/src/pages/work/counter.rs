//! The counter receipt of paper dossiers, with the procedure's electronic form for typing the
//! paper declaration in (or leaving it empty and receiving the paper as it is).

use crate::AppState;
use crate::auth::{AuthUser, PageUser};
use crate::error::status_of;
use crate::pages::dossier_common::{agency_names, name_of};
use crate::pages::dossiers::eform::{FormBlock, GroupChange, form_block, form_errors};
use crate::pages::dossiers::{ApplicantFields, FormError, error_for, fresh_key, valid_key};
use crate::pages::{Chrome, PageError, error_page_with, render};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::AppError;
use motcua_domain::form::inputs::data_from_inputs;

use crate::pages::view::{SelectOpt, select};
use motcua_app::dossiers::submit::SubmitRequest;
use motcua_app::dossiers::{self as app_dossiers};
use motcua_domain::account::Role;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "work_counter.html")]
struct CounterPage {
    chrome: Chrome,
    agency_name: String,
    procedures: Vec<SelectOpt>,
    channels: Vec<SelectOpt>,
    fields: ApplicantFields,
    errors: Vec<FormError>,
    general_error: Option<String>,
    idempotency_key: String,
    /// The chosen procedure's electronic form, drawn whole (no steps at the desk).
    eform: Option<FormBlock>,
}

impl CounterPage {
    fn err(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

fn receivers_only(chrome: Chrome, user: &AuthUser) -> Option<Response> {
    (user.role != Role::Receiver || user.agency_code.is_none()).then(|| {
        error_page_with(
            chrome,
            StatusCode::FORBIDDEN,
            "Chỉ cán bộ một cửa tiếp nhận hồ sơ tại quầy.",
        )
    })
}

async fn counter_page(
    state: &AppState,
    chrome: Chrome,
    user: &AuthUser,
    form: HashMap<String, String>,
    errors: Vec<FormError>,
    general_error: Option<String>,
) -> Result<CounterPage, PageError> {
    let names = agency_names(state)
        .await
        .map_err(|e| PageError::api(chrome.clone(), e))?;
    let chosen = form.get("procedure").cloned().unwrap_or_default();
    let mut procedures: Vec<(String, String)> = motcua_app::catalogue::read::published(&state.app)
        .await?
        .into_iter()
        .map(|e| {
            let label = format!("{} ({})", e.version.procedure.name, e.version.code);
            (e.version.code, label)
        })
        .collect();
    procedures.sort_by(|a, b| a.1.cmp(&b.1));
    procedures.insert(0, (String::new(), "— Chọn thủ tục —".into()));
    let channel = form
        .get("channel")
        .cloned()
        .unwrap_or_else(|| "paper".into());
    let eform = match motcua_app::forms::published(&state.app, &chosen).await {
        Ok(published) => {
            let prepared = &published.form;
            let every: Vec<usize> = (0..prepared.definition.sections.len()).collect();
            let choices = motcua_app::forms::choices(&state.app).await?;
            let mut block = form_block(
                prepared,
                &every,
                &form,
                &errors,
                &choices,
                &Default::default(),
                &HashMap::new(),
            );
            // Typing the declaration is optional here: the browser must not insist.
            block.optional_in_browser();
            Some(block)
        }
        Err(AppError::NotFound { .. }) => None,
        Err(err) => return Err(PageError::app(chrome, err)),
    };
    Ok(CounterPage {
        agency_name: user
            .agency_code
            .as_deref()
            .map(|c| name_of(&names, c))
            .unwrap_or_default(),
        procedures: select(procedures, &chosen),
        channels: select(
            vec![
                ("paper".into(), "Trực tiếp tại quầy (hồ sơ giấy)".into()),
                ("postal".into(), "Qua bưu chính công ích".into()),
            ],
            &channel,
        ),
        fields: ApplicantFields::from_map(&form)
            .offering(motcua_app::connectors::notices::offered(&state.app)),
        errors,
        general_error,
        idempotency_key: fresh_key(),
        eform,
        chrome,
    })
}

#[derive(serde::Deserialize)]
pub(crate) struct CounterQuery {
    procedure: Option<String>,
}

/// `GET /work/counter`: register and receive a paper dossier in one go.
pub(crate) async fn counter_form(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Query(q): Query<CounterQuery>,
) -> Result<Response, PageError> {
    if let Some(denied) = receivers_only(chrome.clone(), &user) {
        return Ok(denied);
    }
    let mut form = HashMap::new();
    if let Some(procedure) = q.procedure {
        form.insert("procedure".to_owned(), procedure);
    }
    let page = counter_page(&state, chrome, &user, form, Vec::new(), None).await?;
    Ok(render(StatusCode::OK, &page))
}

/// `POST /work/counter`: registered and received at once; then the receipt slip (form 01).
pub(crate) async fn counter(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    if let Some(denied) = receivers_only(chrome.clone(), &user) {
        return Ok(denied);
    }
    let procedure = form
        .get("procedure")
        .map(|p| p.trim().to_owned())
        .unwrap_or_default();
    let published = match motcua_app::forms::published(&state.app, &procedure).await {
        Ok(p) => Some(p),
        Err(AppError::NotFound { .. }) => None,
        Err(err) => return Err(PageError::app(chrome, err)),
    };
    // A round trip that is not a receipt: the procedure's form opened, or an item added to
    // or removed from one of its groups.
    let action = form.get("form_action").map_or("", String::as_str);
    let change = GroupChange::parse(action);
    if action == "choose" || change.is_some() {
        let mut form = form;
        if let (Some(change), Some(p)) = (change, &published) {
            change.apply(&p.form.definition, &mut form);
        }
        let page = counter_page(&state, chrome, &user, form, Vec::new(), None).await?;
        return Ok(render(StatusCode::OK, &page));
    }
    // The declaration as typed, if anything of it was: else the paper is received as it is.
    let form_data = published.as_ref().and_then(|p| {
        let typed = form
            .iter()
            .any(|(name, value)| name.starts_with("f.") && !value.trim().is_empty());
        typed.then(|| data_from_inputs(&p.form.definition, &form))
    });
    let fields = ApplicantFields::from_map(&form)
        .offering(motcua_app::connectors::notices::offered(&state.app));
    let mut errors: Vec<FormError> = Vec::new();
    if procedure.is_empty() {
        errors.push(FormError {
            field: "procedure".into(),
            message: "Hãy chọn thủ tục.".into(),
        });
    }
    let applicant = match fields.body().fields() {
        Ok(a) => Some(a),
        Err(list) => {
            errors.extend(list.into_iter().map(FormError::from));
            None
        }
    };
    let (Some(applicant), true) = (applicant, errors.is_empty()) else {
        let page = counter_page(&state, chrome, &user, form, errors, None).await?;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let mut hashed: Vec<(&String, &String)> = form
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "csrf_token" | "idempotency_key"))
        .collect();
    hashed.sort();
    let request_hash = hex::encode(Sha256::digest(
        serde_json::to_string(&hashed)
            .unwrap_or_default()
            .as_bytes(),
    ));
    let request = SubmitRequest {
        procedure_code: procedure,
        agency_code: user.agency_code.clone(),
        channel: form.get("channel").cloned(),
        applicant,
        receive: Some(true),
        idempotency: valid_key(form.get("idempotency_key")).map(|k| (k, request_hash)),
        attachments: Vec::new(),
        form_data,
        offered_known: false,
    };
    match app_dossiers::submit::submit(&state.app, Some(&user.principal()), request).await {
        Ok(submitted) => Ok(Redirect::to(&format!(
            "/work/dossiers/{}/forms/01",
            submitted.record().code()
        ))
        .into_response()),
        Err(AppError::InvalidForm { problems }) => {
            let page = counter_page(&state, chrome, &user, form, form_errors(&problems), None);
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page.await?))
        }
        Err(err) => {
            let err = crate::error::logged(err);
            let status = status_of(&err);
            let detail = err.detail().into_owned();
            let page = counter_page(&state, chrome, &user, form, Vec::new(), Some(detail)).await?;
            Ok(render(status, &page))
        }
    }
}
