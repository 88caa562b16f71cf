//! Errors at the edge: RFC 9457 problem+json for the API, readable pages for people.
//! Internal details are logged, never sent.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_app::AppError;
use motcua_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// An RFC 9457 problem document. `code` is stable for programs; `detail` is Vietnamese for people.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code, e.g. `malformed_json`.
    pub code: String,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            detail: detail.into(),
        }
    }
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, detail)
    }
    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", detail)
    }
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Cần đăng nhập hoặc mã truy cập (Bearer) hợp lệ.",
        )
    }
    pub fn forbidden() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Tài khoản không có quyền thực hiện thao tác này.",
        )
    }
    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Hệ thống gặp lỗi ngoài dự kiến. Vui lòng thử lại sau.",
        )
    }

    pub fn problem(&self) -> Problem {
        Problem {
            kind: format!("/problems/{}", self.code.replace('_', "-")),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_owned(),
        }
    }
}

/// How long a client waits before retrying a 503.
pub(crate) const RETRY_AFTER_SECONDS: &str = "5";

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.problem())).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_static(RETRY_AFTER_SECONDS),
            );
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> ApiError {
        match err {
            StoreError::NotFound(what) => ApiError::not_found(format!("Không tìm thấy {what}.")),
            StoreError::Conflict { code, detail } => {
                ApiError::new(StatusCode::CONFLICT, code, detail)
            }
            StoreError::Invalid { code, detail } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
            }
            other => {
                tracing::error!(error = %other, "store error");
                ApiError::internal()
            }
        }
    }
}

/// The one table from use-case errors to HTTP statuses; the API and the pages both use it.
pub fn status_of(err: &AppError) -> StatusCode {
    match err {
        AppError::NotFound { .. } => StatusCode::NOT_FOUND,
        AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::Forbidden { .. } | AppError::NotAllowed { .. } => StatusCode::FORBIDDEN,
        AppError::Malformed { .. } => StatusCode::BAD_REQUEST,
        AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict { .. } | AppError::Stale { .. } | AppError::KeyReused { .. } => {
            StatusCode::CONFLICT
        }
        AppError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        AppError::UnsupportedType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        AppError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Broken { .. } | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Logs what must not be shown (internal failures) and keeps the rest.
pub fn logged(err: AppError) -> AppError {
    if let AppError::Internal(inner) = &err {
        tracing::error!(error = %inner, "internal error");
    }
    err
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> ApiError {
        let err = logged(err);
        ApiError::new(status_of(&err), err.code(), err.detail())
    }
}

impl From<motcua_app::calendar::InputError> for ApiError {
    fn from(err: motcua_app::calendar::InputError) -> ApiError {
        ApiError::bad_request(err.code, err.detail)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
