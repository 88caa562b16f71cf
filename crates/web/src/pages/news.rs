//! Portal news: the list, an article with its star rating form, and the editing pages
//! for unit administrators (their agency's articles) and province administrators.

use super::{Chrome, PageError, error_page_with, render};
use crate::AppState;
use crate::auth::{AuthUser, MaybeUser, PageUser};
use crate::programme::{capitalise, dmy};
use crate::visitor::{known_voter, voter};
use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use motcua_app::AppError;
use motcua_app::news;
use motcua_domain::account::Role;
use motcua_domain::news::{ArticleDraft, Stars, may_write_news};
use motcua_domain::paging::Paging;
use motcua_store::ArticleRecord;
use serde::Deserialize;
use std::net::SocketAddr;

fn page_error(chrome: Chrome, status: StatusCode, message: &str) -> PageError {
    PageError(Box::new(error_page_with(chrome, status, message)))
}

/// An article in a list.
pub(super) struct ArticleItem {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub agency_name: String,
    pub published_on: String,
    pub featured: bool,
}

pub(super) fn item(a: &ArticleRecord) -> ArticleItem {
    ArticleItem {
        slug: a.slug.clone(),
        title: a.title.clone(),
        summary: a.summary.clone(),
        agency_name: a.agency_name.clone(),
        published_on: dmy(a.published_on),
        featured: a.featured,
    }
}

#[derive(Template)]
#[template(path = "news_list.html")]
struct ListPage {
    chrome: Chrome,
    articles: Vec<ArticleItem>,
    can_write: bool,
}

pub(super) async fn list(
    State(state): State<AppState>,
    chrome: Chrome,
) -> Result<Response, PageError> {
    let articles = news::published(
        &state.app,
        false,
        Paging {
            page: 1,
            per_page: 200,
        },
    )
    .await?;
    let page = ListPage {
        can_write: chrome.user.as_ref().is_some_and(|u| may_write_news(u.role)),
        chrome,
        articles: articles.iter().map(item).collect(),
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "news_article.html")]
struct ArticlePage {
    chrome: Chrome,
    article: ArticleItem,
    body_html: String,
    rating_text: String,
    average: String,
    count: i64,
    my_stars: Option<i64>,
    can_edit: bool,
    scheduled: bool,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
pub(super) struct ArticleQuery {
    rated: Option<String>,
}

pub(super) async fn article(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    chrome: Chrome,
    jar: CookieJar,
    Path(slug): Path<String>,
    Query(q): Query<ArticleQuery>,
) -> Result<Response, PageError> {
    let who = user.as_ref().map(|u| u.principal());
    // Without a visitor cookie yet there is no rating to find; do not set one just for reading.
    let voter = known_voter(user.as_ref(), &jar);
    let reading = match news::read(&state.app, who.as_ref(), voter.as_ref(), &slug).await {
        Ok(reading) => reading,
        Err(err) => return Err(PageError::app(chrome, err)),
    };
    let news::Reading {
        article: a,
        my_stars,
        may_edit,
    } = reading;
    let notice = match q.rated.as_deref() {
        Some("1") => Some("Cảm ơn bạn đã đánh giá bài viết."),
        Some("already") => {
            Some("Bạn đã đánh giá bài viết này rồi; mỗi người đọc đánh giá một lần.")
        }
        _ => None,
    };
    let page = ArticlePage {
        can_edit: may_edit,
        chrome,
        body_html: crate::markdown::render_safe(&a.body_md),
        rating_text: a.ratings.sentence_vi(),
        average: a.ratings.average_vi(),
        count: a.ratings.count,
        my_stars,
        scheduled: a.published_on > crate::today_vn(),
        article: item(&a),
        notice,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub(super) struct RateFields {
    #[serde(default)]
    stars: String,
}

/// The rating form: once per reader, then back to the article.
pub(super) async fn rate(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    chrome: Chrome,
    jar: CookieJar,
    Path(slug): Path<String>,
    Form(fields): Form<RateFields>,
) -> Result<Response, PageError> {
    let stars = match fields.stars.trim().parse::<i64>().ok().map(Stars::new) {
        Some(Ok(stars)) => stars,
        _ => {
            return Err(page_error(
                chrome,
                StatusCode::BAD_REQUEST,
                "Hãy chọn từ 1 đến 5 sao rồi gửi đánh giá.",
            ));
        }
    };
    let who = user.as_ref().map(|u| u.principal());
    let (voter, cookie) = voter(user.as_ref(), &jar, state.config.cookie_secure);
    let (slug, outcome) =
        match news::rate(&state.app, who.as_ref(), &voter, peer.ip(), &slug, stars).await {
            Ok((a, _)) => (a.slug, "1"),
            Err(AppError::Conflict { .. }) => (slug, "already"),
            Err(other) => return Err(PageError::app(chrome, other)),
        };
    let jar = match cookie {
        Some(c) => jar.add(c),
        None => jar,
    };
    let to = format!("/news/{slug}?rated={outcome}#rating");
    Ok((jar, Redirect::to(&to)).into_response())
}

/// The editing form's fields as typed.
#[derive(Deserialize, Default)]
pub(super) struct ArticleFields {
    #[serde(default)]
    title: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    published_on: String,
    featured: Option<String>,
}

#[derive(Template)]
#[template(path = "news_form.html")]
struct FormPage {
    chrome: Chrome,
    /// None for a new article, else its current slug.
    editing: Option<String>,
    fields: ArticleFields,
    /// The agencies this editor may publish for.
    agencies: Vec<(String, String)>,
    can_feature: bool,
    error: Option<String>,
}

fn writer(user: &AuthUser, chrome: Chrome) -> Result<Chrome, PageError> {
    match news::may_write(&user.principal()) {
        Ok(()) => Ok(chrome),
        Err(err) => Err(PageError::app(chrome, err)),
    }
}

async fn agencies_for(
    state: &AppState,
    user: &AuthUser,
) -> Result<Vec<(String, String)>, PageError> {
    let all = motcua_app::register::agencies(&state.app, &Default::default()).await?;
    Ok(all
        .into_iter()
        .filter(|a| {
            user.role == Role::ProvinceAdmin || user.agency_code.as_deref() == Some(a.code.as_str())
        })
        .map(|a| (a.code.as_str().to_owned(), a.name))
        .collect())
}

pub(super) async fn new_form(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
) -> Result<Response, PageError> {
    let chrome = writer(&user, chrome)?;
    let fields = ArticleFields {
        agency: user.agency_code.clone().unwrap_or_default(),
        published_on: crate::today_vn().to_string(),
        ..ArticleFields::default()
    };
    let page = FormPage {
        chrome,
        editing: None,
        fields,
        agencies: agencies_for(&state, &user).await?,
        can_feature: user.role == Role::ProvinceAdmin,
        error: None,
    };
    Ok(render(StatusCode::OK, &page))
}

/// Reads the form into a draft. Unit administrators publish for their own agency and
/// cannot feature articles on the home page (province administrators choose those);
/// `keep_featured` is the article's current flag when a unit administrator edits it.
fn draft_from(
    user: &AuthUser,
    fields: &ArticleFields,
    keep_featured: bool,
) -> Result<ArticleDraft, String> {
    let agency = if user.role == Role::ProvinceAdmin {
        fields.agency.trim().to_owned()
    } else {
        user.agency_code.clone().unwrap_or_default()
    };
    let published_on = motcua_domain::calendar::parse_iso_date(fields.published_on.trim())
        .ok_or_else(|| "Ngày đăng không hợp lệ (dạng YYYY-MM-DD).".to_owned())?;
    let featured = if user.role == Role::ProvinceAdmin {
        fields.featured.is_some()
    } else {
        keep_featured
    };
    ArticleDraft::new(
        &fields.slug,
        &fields.title,
        &fields.summary,
        &fields.body,
        &agency,
        published_on,
        featured,
    )
    .map_err(|e| capitalise(&e.to_string()) + ".")
}

async fn form_again(
    state: &AppState,
    user: &AuthUser,
    chrome: Chrome,
    editing: Option<String>,
    fields: ArticleFields,
    status: StatusCode,
    error: String,
) -> Result<Response, PageError> {
    let page = FormPage {
        chrome,
        editing,
        fields,
        agencies: agencies_for(state, user).await?,
        can_feature: user.role == Role::ProvinceAdmin,
        error: Some(error),
    };
    Ok(render(status, &page))
}

/// A refusal shown on the form again; anything else is an error page.
fn refusal(err: AppError) -> Result<(StatusCode, String), PageError> {
    match err {
        AppError::Conflict { detail, .. } => Ok((StatusCode::CONFLICT, capitalise(&detail) + ".")),
        AppError::NotFound { detail, .. } => Ok((StatusCode::BAD_REQUEST, detail)),
        other => Err(other.into()),
    }
}

pub(super) async fn create(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Form(fields): Form<ArticleFields>,
) -> Result<Response, PageError> {
    let chrome = writer(&user, chrome)?;
    let draft = match draft_from(&user, &fields, false) {
        Ok(d) => d,
        Err(error) => {
            return form_again(
                &state,
                &user,
                chrome,
                None,
                fields,
                StatusCode::BAD_REQUEST,
                error,
            )
            .await;
        }
    };
    match news::create(&state.app, &user.principal(), &draft).await {
        Ok(()) => Ok(Redirect::to(&format!("/news/{}", draft.slug)).into_response()),
        Err(err) => {
            let (status, error) = refusal(err)?;
            form_again(&state, &user, chrome, None, fields, status, error).await
        }
    }
}

async fn editable(
    state: &AppState,
    user: &AuthUser,
    chrome: Chrome,
    slug: &str,
) -> Result<(Chrome, ArticleRecord), PageError> {
    match news::editable(&state.app, &user.principal(), slug).await {
        Ok(article) => Ok((chrome, article)),
        Err(err) => Err(PageError::app(chrome, err)),
    }
}

pub(super) async fn edit_form(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let (chrome, a) = editable(&state, &user, chrome, &slug).await?;
    let fields = ArticleFields {
        title: a.title,
        slug: a.slug.clone(),
        summary: a.summary,
        body: a.body_md,
        agency: a.agency_code,
        published_on: a.published_on.to_string(),
        featured: a.featured.then(|| "1".to_owned()),
    };
    let page = FormPage {
        chrome,
        editing: Some(a.slug),
        fields,
        agencies: agencies_for(&state, &user).await?,
        can_feature: user.role == Role::ProvinceAdmin,
        error: None,
    };
    Ok(render(StatusCode::OK, &page))
}

pub(super) async fn update(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    chrome: Chrome,
    Path(slug): Path<String>,
    Form(fields): Form<ArticleFields>,
) -> Result<Response, PageError> {
    let (chrome, a) = editable(&state, &user, chrome, &slug).await?;
    let editing = Some(a.slug.clone());
    let draft = match draft_from(&user, &fields, a.featured) {
        Ok(d) => d,
        Err(error) => {
            return form_again(
                &state,
                &user,
                chrome,
                editing,
                fields,
                StatusCode::BAD_REQUEST,
                error,
            )
            .await;
        }
    };
    match news::update(&state.app, &user.principal(), &a, &draft).await {
        Ok(()) => Ok(Redirect::to(&format!("/news/{}", draft.slug)).into_response()),
        Err(err) => {
            let (status, error) = refusal(err)?;
            form_again(&state, &user, chrome, editing, fields, status, error).await
        }
    }
}
