//! Who is asking: sessions for browsers, bearer tokens for integrations.

pub use motcua_app::password;

use crate::AppState;
use crate::error::ApiError;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use motcua_app::accounts;
use motcua_domain::account::Role;
use motcua_domain::audit::AuditEntry;
use motcua_store::UserRecord;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

pub const SESSION_COOKIE: &str = "motcua_session";

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthVia {
    Session,
    Token,
}

/// A signed-in user, as every handler sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuthUser {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    #[schema(value_type = String, example = "receiver")]
    pub role: Role,
    pub agency_code: Option<String>,
    pub via: AuthVia,
}

impl AuthUser {
    /// Who asks, as the use cases see them.
    pub fn principal(&self) -> motcua_app::Principal {
        motcua_app::Principal {
            id: self.id,
            username: self.username.clone(),
            role: self.role,
            agency_code: self.agency_code.clone(),
        }
    }

    /// Refuses with 403 unless the user has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// An audit entry for something this user did.
    pub fn audit(
        &self,
        action: &str,
        subject: impl Into<String>,
        detail: serde_json::Value,
    ) -> AuditEntry {
        self.principal().audit(action, subject, detail)
    }

    fn from_record(user: UserRecord, via: AuthVia) -> AuthUser {
        AuthUser {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            role: user.role,
            agency_code: user.agency_code,
            via,
        }
    }
}

/// What `identify` found; every request carries one.
#[derive(Debug, Clone, Default)]
pub struct Identity(pub Option<AuthUser>);

pub use motcua_app::accounts::{random_token, token_hash};

fn bearer(headers: &HeaderMap) -> Option<Result<&str, ()>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let value = value.to_str().map_err(|_| ());
    Some(value.and_then(|v| v.strip_prefix("Bearer ").map(str::trim).ok_or(())))
}

/// Resolves the caller once per request, from a bearer token or the session cookie.
pub async fn identify(
    State(state): State<AppState>,
    jar: CookieJar,
    mut req: Request,
    next: Next,
) -> Response {
    let mut identity = Identity::default();
    match bearer(req.headers()) {
        Some(Ok(token)) => match accounts::token_owner(&state.app, token).await {
            Ok(Some(user)) => {
                identity = Identity(Some(AuthUser::from_record(user, AuthVia::Token)))
            }
            Ok(None) => {
                return ApiError::new(
                    axum::http::StatusCode::UNAUTHORIZED,
                    "invalid_token",
                    "Mã truy cập không hợp lệ hoặc đã hết hạn.",
                )
                .into_response();
            }
            Err(err) => return ApiError::from(err).into_response(),
        },
        Some(Err(())) => {
            return ApiError::bad_request(
                "invalid_authorization",
                "Tiêu đề Authorization phải có dạng \"Bearer <mã>\".",
            )
            .into_response();
        }
        None => {
            if let Some(cookie) = jar.get(SESSION_COOKIE) {
                match accounts::session_owner(&state.app, cookie.value()).await {
                    Ok(Some(user)) => {
                        identity = Identity(Some(AuthUser::from_record(user, AuthVia::Session)))
                    }
                    Ok(None) => {}
                    // The database is down: carry on anonymously so public pages still answer.
                    Err(err) => tracing::warn!(error = %err, "session lookup failed"),
                }
            }
        }
    }
    req.extensions_mut().insert(identity);
    next.run(req).await
}

fn identity(parts: &Parts) -> Option<AuthUser> {
    parts.extensions.get::<Identity>().and_then(|i| i.0.clone())
}

/// The caller, if signed in.
pub struct MaybeUser(pub Option<AuthUser>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(identity(parts)))
    }
}

/// An API caller that must be signed in; answers 401 problem+json otherwise.
pub struct ApiUser(pub AuthUser);

impl<S: Send + Sync> FromRequestParts<S> for ApiUser {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        identity(parts)
            .map(ApiUser)
            .ok_or_else(ApiError::unauthorized)
    }
}

/// A page visitor that must be signed in; sent to the login page otherwise.
pub struct PageUser(pub AuthUser);

impl<S: Send + Sync> FromRequestParts<S> for PageUser {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        identity(parts).map(PageUser).ok_or_else(|| {
            let next = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            let query = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
            Redirect::to(&format!("/login?{query}")).into_response()
        })
    }
}

/// A local path to go to after a form, or `/`: never another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_paths_stay_on_this_site() {
        assert_eq!(safe_next(Some("/work?x=1")), "/work?x=1");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "evil",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash("x"), token_hash("x"));
        assert_ne!(token_hash(&a), a);
    }
}
