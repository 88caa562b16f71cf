//! Publication (and withdrawal) under a decision, for province administrators.

use super::{detail_of, forbidden, is_admin};
use crate::AppState;
use crate::auth::PageUser;
use crate::pages::{Chrome, PageError, render};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use motcua_app::catalogue::publication::{PublicationInput, publish};
use serde::Deserialize;

pub(crate) struct Choice {
    pub code: String,
    pub name: String,
    pub checked: bool,
    pub note: String,
}

#[derive(Template)]
#[template(path = "publications.html")]
struct PublicationsPage {
    chrome: Chrome,
    errors: Vec<String>,
    done: Option<String>,
    number: String,
    date: String,
    signer: String,
    required_count: String,
    drafts: Vec<Choice>,
    published: Vec<Choice>,
    withdraw_open: bool,
}

#[derive(Deserialize, Default)]
pub(crate) struct PreselectQuery {
    withdraw: Option<String>,
    publish: Option<String>,
}

struct PublicationForm {
    number: String,
    date: String,
    signer: String,
    required_count: String,
    publish: Vec<String>,
    withdraw: Vec<String>,
}

async fn publications_page(
    state: &AppState,
    chrome: Chrome,
    form: PublicationForm,
    errors: Vec<String>,
    done: Option<String>,
) -> Result<Response, PageError> {
    let who = chrome.user.as_ref().map(|u| u.principal());
    let drafts = motcua_app::catalogue::read::drafts(&state.app, who.as_ref()).await?;
    let published = motcua_app::catalogue::read::published(&state.app).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = PublicationsPage {
        drafts: drafts
            .into_iter()
            .map(|d| Choice {
                checked: form.publish.contains(&d.code),
                note: if d.version_no > 1 {
                    format!("phiên bản {} thay thế bản đang công bố", d.version_no)
                } else {
                    "thủ tục mới".into()
                },
                code: d.code,
                name: d.name,
            })
            .collect(),
        published: published
            .into_iter()
            .map(|e| Choice {
                checked: form.withdraw.contains(&e.version.code),
                note: format!("phiên bản {}", e.version.version_no),
                code: e.version.code,
                name: e.version.procedure.name,
            })
            .collect(),
        withdraw_open: !form.withdraw.is_empty(),
        errors,
        done,
        number: form.number,
        date: form.date,
        signer: form.signer,
        required_count: form.required_count,
        chrome,
    };
    Ok(render(status, &page))
}

pub(crate) async fn publications_form(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Query(pre): Query<PreselectQuery>,
) -> Result<Response, PageError> {
    if !is_admin(Some(&user)) {
        return Ok(forbidden(chrome));
    }
    let form = PublicationForm {
        number: String::new(),
        date: crate::today_vn().to_string(),
        signer: "Chủ tịch Ủy ban nhân dân tỉnh".into(),
        required_count: String::new(),
        publish: pre.publish.into_iter().collect(),
        withdraw: pre.withdraw.into_iter().collect(),
    };
    publications_page(&state, chrome, form, Vec::new(), None).await
}

pub(crate) async fn publications_submit(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    if !is_admin(Some(&user)) {
        return Ok(forbidden(chrome));
    }
    let mut form = PublicationForm {
        number: String::new(),
        date: String::new(),
        signer: String::new(),
        required_count: String::new(),
        publish: Vec::new(),
        withdraw: Vec::new(),
    };
    for (key, value) in pairs {
        match key.as_str() {
            "number" => form.number = value,
            "date" => form.date = value,
            "signer" => form.signer = value,
            "required_count" => form.required_count = value,
            "publish" => form.publish.push(value),
            "withdraw" => form.withdraw.push(value),
            _ => {}
        }
    }
    let mut errors = Vec::new();
    let date = motcua_domain::calendar::parse_iso_date(&form.date);
    if date.is_none() {
        errors.push("Ngày quyết định không hợp lệ.".to_owned());
    }
    let required_count = match form.required_count.trim() {
        "" => None,
        raw => match raw.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push("Số thủ tục phải công bố phải là số.".to_owned());
                None
            }
        },
    };
    let Some(date) = date else {
        return publications_page(&state, chrome, form, errors, None).await;
    };
    if !errors.is_empty() {
        return publications_page(&state, chrome, form, errors, None).await;
    }
    let input = PublicationInput {
        number: form.number.clone(),
        date,
        signer: form.signer.clone(),
        required_count,
        publish: form.publish.clone(),
        withdraw: form.withdraw.clone(),
    };
    match publish(&state.app, &user.principal(), input).await {
        Ok(outcome) => {
            let done = format!(
                "Đã ghi Quyết định số {}: công bố {} thủ tục, bãi bỏ {} thủ tục.",
                outcome.decision.number,
                outcome.published.len(),
                outcome.withdrawn.len()
            );
            let fresh = PublicationForm {
                number: String::new(),
                date: crate::today_vn().to_string(),
                signer: form.signer,
                required_count: String::new(),
                publish: Vec::new(),
                withdraw: Vec::new(),
            };
            publications_page(&state, chrome, fresh, Vec::new(), Some(done)).await
        }
        Err(err) => publications_page(&state, chrome, form, vec![detail_of(err)], None).await,
    }
}
