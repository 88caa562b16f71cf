//! Drafting, for province administrators: a new procedure, or a new draft of one.

use super::form::FormValues;
use super::{
    Opt, detail_of, enum_options, forbidden, is_admin, not_published, options, provincial_agencies,
};
use crate::AppState;
use crate::auth::PageUser;
use crate::pages::{Chrome, PageError, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::AppError;
use motcua_app::catalogue::drafts::{self, Via};
use motcua_app::catalogue::read;
use motcua_domain::agency::AgencyKind;
use motcua_domain::procedure::{Applicant, Level, OnlineLevel, SubmissionChannel, TimeUnit};
use motcua_store::VersionRecord;

#[derive(Template)]
#[template(path = "procedure_form.html")]
struct ProcedureFormPage {
    chrome: Chrome,
    editing: bool,
    action: String,
    errors: Vec<String>,
    v: FormValues,
    sector_options: Vec<Opt>,
    agency_options: Vec<Opt>,
    kind_options: Vec<Opt>,
    level_boxes: Vec<Opt>,
    applicant_boxes: Vec<Opt>,
    channel_boxes: Vec<Opt>,
    time_units: Vec<Opt>,
    norm_units: Vec<Opt>,
    online_options: Vec<Opt>,
}

fn boxes<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
    checked: &[String],
) -> Vec<Opt> {
    all.iter()
        .map(|&v| Opt {
            value: code(v).into(),
            label: label(v).into(),
            selected: checked.iter().any(|c| c == code(v)),
        })
        .collect()
}

async fn form_page(
    state: &AppState,
    chrome: Chrome,
    editing: bool,
    v: FormValues,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let sectors = read::sectors(&state.app).await?;
    let agencies = provincial_agencies(state).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ProcedureFormPage {
        action: if editing {
            format!("/procedures/{}/edit", v.code)
        } else {
            "/procedures/new".into()
        },
        editing,
        errors,
        sector_options: options(
            std::iter::once((String::new(), "— Chọn lĩnh vực —".to_owned()))
                .chain(sectors.into_iter().map(|s| (s.code, s.name))),
            &v.sector,
        ),
        agency_options: options(
            std::iter::once((String::new(), "— Theo loại cơ quan —".to_owned())).chain(agencies),
            &v.agency_code,
        ),
        kind_options: options(
            std::iter::once((String::new(), "— Không nêu —".to_owned())).chain(
                AgencyKind::ALL
                    .iter()
                    .map(|k| (k.as_str().to_owned(), k.label_vi().to_owned())),
            ),
            &v.agency_kind,
        ),
        level_boxes: boxes(Level::ALL, Level::as_str, Level::label_vi, &v.levels),
        applicant_boxes: boxes(
            Applicant::ALL,
            Applicant::as_str,
            Applicant::label_vi,
            &v.applicants,
        ),
        channel_boxes: boxes(
            SubmissionChannel::ALL,
            SubmissionChannel::as_str,
            SubmissionChannel::label_vi,
            &v.channels,
        ),
        time_units: enum_options(
            TimeUnit::ALL,
            TimeUnit::as_str,
            TimeUnit::label_vi,
            &v.time_unit,
        ),
        norm_units: enum_options(
            TimeUnit::ALL,
            TimeUnit::as_str,
            TimeUnit::label_vi,
            &v.norm_unit,
        ),
        online_options: enum_options(
            OnlineLevel::ALL,
            OnlineLevel::as_str,
            OnlineLevel::label_vi,
            &v.online_level,
        ),
        v,
        chrome,
    };
    Ok(render(status, &page))
}

pub(crate) async fn new_form(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    if !is_admin(Some(&user)) {
        return Ok(forbidden(chrome));
    }
    let v = FormValues {
        time_unit: TimeUnit::WorkingDays.as_str().into(),
        norm_unit: TimeUnit::WorkingDays.as_str().into(),
        online_level: OnlineLevel::Full.as_str().into(),
        channels: vec!["in_person".into(), "online".into(), "postal".into()],
        applicants: vec!["citizen".into()],
        ..FormValues::default()
    };
    form_page(&state, chrome, false, v, Vec::new()).await
}

pub(crate) async fn create(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    if !is_admin(Some(&user)) {
        return Ok(forbidden(chrome));
    }
    let v = FormValues::from_pairs(pairs);
    let p = match v.to_procedure() {
        Ok(p) => p,
        Err(errors) => return form_page(&state, chrome, false, v, errors).await,
    };
    match drafts::create(&state.app, &user.principal(), p, Via::Page).await {
        Ok(version) => Ok(Redirect::to(&format!("/procedures/{}", version.code)).into_response()),
        Err(err) => form_page(&state, chrome, false, v, vec![detail_of(err)]).await,
    }
}

/// The newest text of a procedure: its open draft, or the published version.
fn newest(draft: Option<VersionRecord>, current: Option<VersionRecord>) -> Option<VersionRecord> {
    draft.or(current)
}

pub(crate) async fn edit_form(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    if !is_admin(Some(&user)) {
        return Ok(forbidden(chrome));
    }
    let record = match read::record(&state.app, &code).await {
        Ok(r) => r,
        Err(AppError::NotFound { .. }) => return Ok(not_published(chrome, &code)),
        Err(err) => return Err(PageError::app(chrome, err)),
    };
    let Some(version) = newest(record.draft, record.current) else {
        return Ok(not_published(chrome, &code));
    };
    form_page(
        &state,
        chrome,
        true,
        FormValues::from_procedure(&version.procedure),
        Vec::new(),
    )
    .await
}

pub(crate) async fn save(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    if !is_admin(Some(&user)) {
        return Ok(forbidden(chrome));
    }
    let mut v = FormValues::from_pairs(pairs);
    v.code = code.clone();
    let p = match v.to_procedure() {
        Ok(p) => p,
        Err(errors) => return form_page(&state, chrome, true, v, errors).await,
    };
    match drafts::save_draft(&state.app, &user.principal(), &code, p, Via::Page).await {
        Ok(_) => Ok(Redirect::to(&format!("/procedures/{code}")).into_response()),
        Err(err) => form_page(&state, chrome, true, v, vec![detail_of(err)]).await,
    }
}
