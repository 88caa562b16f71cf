//! Bearer tokens for integrations, and who-am-I.

use super::ApiJson;
use crate::AppState;
use crate::auth::{ApiUser, AuthUser};
use crate::error::{ApiError, ApiResult, Problem};
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use motcua_app::accounts::{self, BAD_CREDENTIALS, LOCKED, LoginCheck, check_credentials};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct TokenRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Exchanges a username and password for a bearer token.
#[utoipa::path(
    post, path = "/api/v1/auth/token", tag = "auth", request_body = TokenRequest,
    responses(
        (status = 200, description = "A new token", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Wrong username or password (the same answer for both)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failures; locked for a while", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn issue_token(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(body): ApiJson<TokenRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let client = peer.ip().to_string();
    let user = match check_credentials(&state.app, &body.username, &body.password, &client).await? {
        LoginCheck::Ok(user) => user,
        LoginCheck::Rejected => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                BAD_CREDENTIALS,
            ));
        }
        LoginCheck::Locked => {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                LOCKED,
            ));
        }
    };
    let lifetime = Duration::days(state.config.api_token_days);
    let issued = accounts::issue_secret(
        &state.app,
        &user,
        &client,
        accounts::SecretKind::ApiToken,
        lifetime,
    )
    .await?;
    let (token, expires_at) = (issued.secret, issued.expires_at);
    Ok(Json(TokenResponse { token, expires_at }))
}

/// The signed-in user (by bearer token or session cookie).
#[utoipa::path(
    get, path = "/api/v1/me", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The current user", body = AuthUser),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn me(ApiUser(user): ApiUser) -> Json<AuthUser> {
    Json(user)
}

/// This module's routes, each with its OpenAPI path (the path comes from its `#[utoipa::path]`).
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(issue_token))
        .routes(routes!(me))
}
