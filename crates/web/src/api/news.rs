//! Portal news: published articles and visitors' star ratings.

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::auth::{AuthUser, MaybeUser, random_token, token_hash};
use crate::error::{ApiError, ApiResult, Problem};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::news::{RatingTotals, Stars, may_edit_article};
use motcua_store::{ArticleFilter, ArticleRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// A long-lived random id for anonymous readers, so each rates an article once.
/// Only its SHA-256 is stored.
pub(crate) const VISITOR_COOKIE: &str = "motcua_visitor";

/// Who is rating: a signed-in user by id, anyone else by the visitor cookie (set here
/// when missing; the caller adds the returned cookie to the response).
pub(crate) fn voter(
    user: Option<&AuthUser>,
    jar: &CookieJar,
    secure: bool,
) -> (String, Option<Cookie<'static>>) {
    if let Some(user) = user {
        return (format!("user:{}", user.id), None);
    }
    if let Some(cookie) = jar.get(VISITOR_COOKIE).filter(|c| c.value().len() == 43) {
        return (format!("visitor:{}", token_hash(cookie.value())), None);
    }
    let token = random_token();
    let key = format!("visitor:{}", token_hash(&token));
    let cookie = Cookie::build((VISITOR_COOKIE, token))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::days(400))
        .build();
    (key, Some(cookie))
}

/// Whether this reader may see the article: it is published, or they may edit it.
pub(crate) fn visible_to(
    article: &ArticleRecord,
    user: Option<&AuthUser>,
    today: NaiveDate,
) -> bool {
    article.published_on <= today
        || user.is_some_and(|u| {
            may_edit_article(u.role, u.agency_code.as_deref(), &article.agency_code)
        })
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RatingView {
    /// Sum of the stars given.
    pub sum: i64,
    /// How many readers rated.
    pub count: i64,
    /// Mean stars, absent before the first rating.
    pub average: Option<f64>,
    #[schema(example = "Tổng số điểm của bài viết là: 9 trong 2 đánh giá")]
    pub text: String,
}

pub(crate) fn rating_view(t: RatingTotals) -> RatingView {
    RatingView {
        sum: t.sum,
        count: t.count,
        average: t.average(),
        text: t.sentence_vi(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ArticleSummaryView {
    #[schema(example = "lang-son-van-hanh-chinh-quyen-hai-cap")]
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub agency_code: String,
    pub agency_name: String,
    pub published_on: NaiveDate,
    pub featured: bool,
    pub rating: RatingView,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ArticleView {
    #[serde(flatten)]
    pub summary: ArticleSummaryView,
    /// The body as written, in Markdown.
    pub body_markdown: String,
    /// The body rendered to HTML and sanitised (no scripts, handlers or `javascript:` links).
    pub body_html: String,
    pub updated_at: DateTime<Utc>,
}

fn summary_view(a: &ArticleRecord) -> ArticleSummaryView {
    ArticleSummaryView {
        slug: a.slug.clone(),
        title: a.title.clone(),
        summary: a.summary.clone(),
        agency_code: a.agency_code.clone(),
        agency_name: a.agency_name.clone(),
        published_on: a.published_on,
        featured: a.featured,
        rating: rating_view(a.ratings),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct NewsQuery {
    /// `true` for featured articles only.
    #[serde(default)]
    featured: bool,
    /// At most this many (1 to 100, 20 by default).
    limit: Option<i64>,
}

/// Published articles, newest first.
#[utoipa::path(
    get, path = "/api/v1/news", tag = "news", params(NewsQuery),
    responses(
        (status = 200, description = "Articles", body = Vec<ArticleSummaryView>),
        (status = 400, description = "`invalid_query`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<NewsQuery>,
) -> ApiResult<Json<Vec<ArticleSummaryView>>> {
    let limit = q.limit.unwrap_or(20).clamp(1, 100);
    let articles = state
        .store
        .articles(ArticleFilter {
            published_by: Some(crate::today_vn()),
            featured_only: q.featured,
            agency_code: None,
            limit,
        })
        .await?;
    Ok(Json(articles.iter().map(summary_view).collect()))
}

async fn visible_article(
    state: &AppState,
    slug: &str,
    user: Option<&AuthUser>,
) -> ApiResult<ArticleRecord> {
    match state.store.article_by_slug(slug).await? {
        Some(a) if visible_to(&a, user, crate::today_vn()) => Ok(a),
        _ => Err(ApiError::not_found("Không tìm thấy bài viết này.")),
    }
}

/// One article with its body rendered safely.
#[utoipa::path(
    get, path = "/api/v1/news/{slug}", tag = "news",
    params(("slug" = String, Path, description = "The article's slug")),
    responses(
        (status = 200, description = "The article", body = ArticleView),
        (status = 404, description = "No such article (or not yet published)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn article(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(slug): Path<String>,
) -> ApiResult<Json<ArticleView>> {
    let a = visible_article(&state, &slug, user.as_ref()).await?;
    Ok(Json(ArticleView {
        summary: summary_view(&a),
        body_html: crate::markdown::render_safe(&a.body_md),
        body_markdown: a.body_md,
        updated_at: a.updated_at,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct RatingBody {
    /// 1 to 5.
    #[schema(example = 5)]
    pub stars: i64,
}

/// Rates an article, once per reader: a signed-in user by account, anyone else by
/// the `motcua_visitor` cookie (set on the first rating).
#[utoipa::path(
    post, path = "/api/v1/news/{slug}/ratings", tag = "news",
    params(("slug" = String, Path, description = "The article's slug")),
    request_body = RatingBody,
    responses(
        (status = 201, description = "Recorded; the article's new totals", body = RatingView),
        (status = 400, description = "`invalid_stars` or `malformed_json`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_rated`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_json_fields`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn rate(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    jar: CookieJar,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<RatingBody>,
) -> ApiResult<(StatusCode, CookieJar, Json<RatingView>)> {
    let stars =
        Stars::new(body.stars).map_err(|e| ApiError::bad_request(e.code(), e.to_string()))?;
    let a = visible_article(&state, &slug, user.as_ref()).await?;
    let (key, cookie) = voter(user.as_ref(), &jar, state.config.cookie_secure);
    let totals = save_rating(&state, user.as_ref(), &a, &key, stars).await?;
    let jar = match cookie {
        Some(c) => jar.add(c),
        None => jar,
    };
    Ok((StatusCode::CREATED, jar, Json(rating_view(totals))))
}

pub(crate) async fn save_rating(
    state: &AppState,
    user: Option<&AuthUser>,
    article: &ArticleRecord,
    voter_key: &str,
    stars: Stars,
) -> Result<RatingTotals, motcua_store::StoreError> {
    let subject = format!("article:{}", article.slug);
    let detail = serde_json::json!({ "stars": stars.get() });
    let audit = match user {
        Some(u) => u.audit("news.rated", subject, detail),
        None => {
            let mut entry = motcua_domain::audit::AuditEntry::system(
                crate::now(),
                "news.rated",
                subject,
                detail,
            );
            entry.actor = "anonymous".into();
            entry
        }
    };
    state
        .store
        .rate_article(article.id, voter_key, stars, crate::now(), audit)
        .await
}

/// This module's routes, each with its OpenAPI path (the path comes from its `#[utoipa::path]`).
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(article))
        .routes(routes!(rate))
}
