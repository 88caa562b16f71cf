//! Devolution of a published procedure to another level or agency, for province administrators.

use super::{
    AssignmentLine, Opt, day, detail_of, enum_options, forbidden, is_admin, not_published, options,
    provincial_agencies,
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
use motcua_app::catalogue::devolution::{DevolutionInput, devolve};
use motcua_app::catalogue::read;
use motcua_domain::agency::{AgencyCode, AgencyKind};
use motcua_domain::procedure::Level;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "devolve.html")]
struct DevolvePage {
    chrome: Chrome,
    code: String,
    name: String,
    errors: Vec<String>,
    assignments: Vec<AssignmentLine>,
    from_levels: Vec<Opt>,
    to_levels: Vec<Opt>,
    agency_options: Vec<Opt>,
    kind_options: Vec<Opt>,
    effective_from: String,
    note: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct DevolveForm {
    #[serde(default)]
    from_level: String,
    #[serde(default)]
    to_level: String,
    #[serde(default)]
    agency_code: String,
    #[serde(default)]
    agency_kind: String,
    #[serde(default)]
    effective_from: String,
    #[serde(default)]
    note: String,
}

async fn devolve_page(
    state: &AppState,
    chrome: Chrome,
    code: &str,
    form: DevolveForm,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let record = match read::record(&state.app, code).await {
        Ok(r) => r,
        Err(AppError::NotFound { .. }) => return Ok(not_published(chrome, code)),
        Err(err) => return Err(PageError::app(chrome, err)),
    };
    let Some(current) = record.current else {
        return Ok(not_published(chrome, code));
    };
    let snapshot = read::snapshot(&state.app).await?;
    let today = crate::today_vn();
    let agencies = provincial_agencies(state).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = DevolvePage {
        code: code.to_owned(),
        name: current.procedure.name,
        errors,
        assignments: record
            .assignments
            .iter()
            .map(|a| AssignmentLine {
                level: a.assignment.level.label_vi().into(),
                agency: match (&a.assignment.agency_code, a.assignment.agency_kind) {
                    (Some(c), _) => snapshot.agency_name(c.as_str()),
                    (None, Some(k)) => k.label_vi().into(),
                    _ => "—".into(),
                },
                from: day(a.assignment.effective_from),
                to: a.assignment.effective_to.map_or_else(String::new, day),
                note: a.note.clone(),
                current: a.assignment.in_force(today),
            })
            .collect(),
        from_levels: options(
            std::iter::once((String::new(), "Mọi cấp đang thực hiện".to_owned())).chain(
                Level::ALL
                    .iter()
                    .map(|l| (l.as_str().to_owned(), l.label_vi().to_owned())),
            ),
            &form.from_level,
        ),
        to_levels: enum_options(Level::ALL, Level::as_str, Level::label_vi, &form.to_level),
        agency_options: options(
            std::iter::once((String::new(), "— Theo loại cơ quan —".to_owned())).chain(agencies),
            &form.agency_code,
        ),
        kind_options: options(
            std::iter::once((String::new(), "— Không nêu —".to_owned())).chain(
                AgencyKind::ALL
                    .iter()
                    .map(|k| (k.as_str().to_owned(), k.label_vi().to_owned())),
            ),
            &form.agency_kind,
        ),
        effective_from: form.effective_from,
        note: form.note,
        chrome,
    };
    Ok(render(status, &page))
}

pub(crate) async fn devolve_form(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    if !is_admin(Some(&user)) {
        return Ok(forbidden(chrome));
    }
    let form = DevolveForm {
        to_level: Level::Commune.as_str().into(),
        agency_kind: AgencyKind::CommuneCommittee.as_str().into(),
        effective_from: crate::today_vn().to_string(),
        ..DevolveForm::default()
    };
    devolve_page(&state, chrome, &code, form, Vec::new()).await
}

pub(crate) async fn devolve_submit(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Form(form): Form<DevolveForm>,
) -> Result<Response, PageError> {
    if !is_admin(Some(&user)) {
        return Ok(forbidden(chrome));
    }
    let mut errors = Vec::new();
    let from_level = match form.from_level.trim() {
        "" => None,
        raw => raw.parse::<Level>().map_err(|e| errors.push(e)).ok(),
    };
    let to_level = form
        .to_level
        .parse::<Level>()
        .map_err(|e| errors.push(e))
        .ok();
    let agency_code = match form.agency_code.trim() {
        "" => None,
        raw => AgencyCode::parse(raw)
            .map_err(|e| errors.push(e.to_string()))
            .ok(),
    };
    let agency_kind = match form.agency_kind.trim() {
        "" => None,
        raw => raw.parse::<AgencyKind>().map_err(|e| errors.push(e)).ok(),
    };
    let effective_from = motcua_domain::calendar::parse_iso_date(form.effective_from.trim())
        .ok_or_else(|| errors.push("Ngày hiệu lực không hợp lệ.".to_owned()))
        .ok();
    let (Some(to_level), Some(effective_from), true) =
        (to_level, effective_from, errors.is_empty())
    else {
        return devolve_page(&state, chrome, &code, form, errors).await;
    };
    let input = DevolutionInput {
        from_level,
        to_level,
        agency_code,
        agency_kind,
        effective_from,
        note: form.note.clone(),
    };
    match devolve(&state.app, &user.principal(), &code, input).await {
        Ok(()) => Ok(Redirect::to(&format!("/procedures/{code}")).into_response()),
        Err(err) => devolve_page(&state, chrome, &code, form, vec![detail_of(err)]).await,
    }
}
