//! Extractors whose rejections are problem+json with stable codes.

use crate::error::{ApiError, in_vietnamese};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// Like `axum::Json`, but a bad body answers problem+json:
/// 400 for malformed JSON, 422 for well-formed JSON of the wrong shape,
/// 415 without a JSON content type, 413 over the size limit.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonSyntaxError(e) => ApiError::bad_request(
            "malformed_json",
            format!(
                "Nội dung JSON không đúng cú pháp: {}",
                in_vietnamese(&e.body_text())
            ),
        ),
        JsonRejection::JsonDataError(e) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_json_fields",
            format!(
                "Nội dung JSON thiếu trường hoặc sai kiểu: {}",
                in_vietnamese(&e.body_text())
            ),
        ),
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "json_content_type_required",
            "Yêu cầu phải có Content-Type: application/json.",
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "Nội dung gửi lên vượt quá {} byte.",
                crate::BODY_LIMIT_BYTES
            ),
        ),
        other => ApiError::bad_request(
            "unreadable_body",
            format!("Không đọc được nội dung yêu cầu: {}", other.body_text()),
        ),
    }
}

/// Like `axum::extract::Query`, but a bad query string answers 400 problem+json
/// (`invalid_query`) naming the parameter that failed.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err(ApiError::bad_request(
                "invalid_query",
                format!(
                    "Tham số truy vấn không hợp lệ: {}",
                    in_vietnamese(&e.body_text())
                ),
            )),
            Err(other) => Err(ApiError::bad_request(
                "invalid_query",
                format!(
                    "Tham số truy vấn không hợp lệ: {}",
                    in_vietnamese(&other.body_text())
                ),
            )),
        }
    }
}
