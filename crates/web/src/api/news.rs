//! Portal news: published articles and visitors' star ratings.

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::auth::MaybeUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::visitor::voter;
use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use chrono::{DateTime, NaiveDate, Utc};
use motcua_app::{AppError, news};
use motcua_domain::news::{RatingTotals, Stars};
use motcua_domain::paging::Paging;
use motcua_store::ArticleRecord;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

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
    /// From 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    page: Option<i64>,
    /// 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<i64>,
}

/// Published articles, newest first.
#[utoipa::path(
    get, path = "/api/v1/news", tag = "news", params(NewsQuery),
    responses(
        (status = 200, description = "Articles", body = Vec<ArticleSummaryView>),
        (status = 400, description = "`invalid_query`, `invalid_paging`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<NewsQuery>,
) -> ApiResult<Json<Vec<ArticleSummaryView>>> {
    let paging = Paging::new(q.page, q.per_page, news::NEWS_PAGES).map_err(AppError::from)?;
    let articles = news::published(&state.app, q.featured, paging).await?;
    Ok(Json(articles.iter().map(summary_view).collect()))
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
    let who = user.as_ref().map(|u| u.principal());
    let a = news::article(&state.app, who.as_ref(), &slug).await?;
    Ok(Json(ArticleView {
        summary: summary_view(&a),
        body_html: crate::markdown::render_safe(&a.body_md),
        body_markdown: a.body_md,
        updated_at: a.updated_at,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct RatingBody {
    /// 1 to 5 (a whole number; `5.0` is taken as 5).
    #[schema(value_type = i64, example = 5, minimum = 1, maximum = 5)]
    #[serde(deserialize_with = "whole_number")]
    pub stars: i64,
}

/// A whole number, written as an integer or as a number with no fraction (`5.0`): JSON
/// makes no difference between them.
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    n.as_i64()
        .or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        })
        .ok_or_else(|| serde::de::Error::custom("phải là số nguyên"))
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
        (status = 429, description = "`too_many_ratings`: over 10 ratings an hour from one address without an account", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn rate(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<RatingBody>,
) -> ApiResult<(StatusCode, CookieJar, Json<RatingView>)> {
    let stars =
        Stars::new(body.stars).map_err(|e| ApiError::bad_request(e.code(), e.to_string()))?;
    let who = user.as_ref().map(|u| u.principal());
    let (voter, cookie) = voter(user.as_ref(), &jar, state.config.cookie_secure);
    let (_, totals) = news::rate(&state.app, who.as_ref(), &voter, peer.ip(), &slug, stars).await?;
    let jar = match cookie {
        Some(c) => jar.add(c),
        None => jar,
    };
    Ok((StatusCode::CREATED, jar, Json(rating_view(totals))))
}

/// This module's routes, each with its OpenAPI path (the path comes from its `#[utoipa::path]`).
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(article))
        .routes(routes!(rate))
}
