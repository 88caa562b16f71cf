//! Extractors whose rejections are problem+json with stable codes.

use crate::error::ApiError;
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

/// serde's and axum's English explanation of a bad body or query, told in Vietnamese: where
/// (the field's path, the line and column) and what was wrong, in the terms a client fixes.
pub(crate) fn in_vietnamese(english: &str) -> String {
    let mut text = english.trim();
    for prefix in [
        "Failed to deserialize query string: ",
        "Failed to deserialize the JSON body into the target type: ",
        "Failed to parse the request body as JSON: ",
        "Failed to deserialize form body: ",
        "Failed to deserialize form: ",
    ] {
        text = text.trim_start_matches(prefix);
    }
    let (text, place) = match text.rsplit_once(" at line ") {
        Some((before, at)) => {
            let (line, column) = at.split_once(" column ").unwrap_or((at, ""));
            (before, format!(" (dòng {line}, cột {column})"))
        }
        None => (text, String::new()),
    };
    let ticked = |s: &str| s.split('`').nth(1).unwrap_or_default().to_owned();
    // "applicant: missing field `name`": the path, then serde's reason.
    let (path, reason) = match text.split_once(": ") {
        Some((path, reason)) if !path.contains(' ') => (Some(path), reason),
        _ => (None, text),
    };
    let what = if reason.starts_with("missing field") {
        format!("thiếu trường {}", ticked(reason))
    } else if reason.starts_with("duplicate field") {
        format!("trường {} xuất hiện hai lần", ticked(reason))
    } else if reason.starts_with("unknown field") {
        format!("không có trường {}", ticked(reason))
    } else if reason.starts_with("unknown variant") {
        let allowed = reason.split("expected ").nth(1).unwrap_or_default();
        format!(
            "giá trị {} không được nhận; chỉ nhận {}",
            ticked(reason),
            allowed.replace("one of ", "").replace('`', "")
        )
    } else if let Some(rest) = reason.strip_prefix("invalid type: ") {
        let (got, wanted) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        format!("sai kiểu dữ liệu: nhận {got}, cần {wanted}")
    } else if reason.contains("invalid digit") || reason.contains("cannot parse integer") {
        "phải là số nguyên".to_owned()
    } else if reason.contains("too large") || reason.contains("too small") {
        "số vượt quá giới hạn".to_owned()
    } else if reason.contains("true` or `false") {
        "phải là true hoặc false".to_owned()
    } else if reason.contains("invalid float") {
        "phải là số".to_owned()
    } else if reason.starts_with("invalid value") {
        "giá trị không hợp lệ".to_owned()
    } else if reason.contains("EOF while parsing") {
        "nội dung JSON bị cắt ngang".to_owned()
    } else {
        "sai cú pháp hoặc giá trị không đọc được".to_owned()
    };
    match path {
        Some(path) => format!("{path}: {what}{place}"),
        None => format!("{what}{place}"),
    }
}

#[cfg(test)]
mod tests {
    use super::in_vietnamese;

    #[test]
    fn serde_explanations_are_told_in_vietnamese() {
        for (english, vietnamese) in [
            (
                "Failed to deserialize the JSON body into the target type: applicant: missing field `name` at line 1 column 40",
                "applicant: thiếu trường name (dòng 1, cột 40)",
            ),
            (
                "Failed to deserialize query string: page: invalid digit found in string",
                "page: phải là số nguyên",
            ),
            (
                "Failed to deserialize the JSON body into the target type: duplicate field `procedure_code` at line 1 column 60",
                "trường procedure_code xuất hiện hai lần (dòng 1, cột 60)",
            ),
            (
                "Failed to deserialize the JSON body into the target type: stars: invalid type: string \"x\", expected i64 at line 1 column 12",
                "stars: sai kiểu dữ liệu: nhận string \"x\", cần i64 (dòng 1, cột 12)",
            ),
            (
                "Failed to parse the request body as JSON: EOF while parsing an object at line 1 column 13",
                "nội dung JSON bị cắt ngang (dòng 1, cột 13)",
            ),
        ] {
            let said = in_vietnamese(english);
            assert_eq!(said, vietnamese);
            assert!(
                !said.contains("Failed") && !said.contains("expected"),
                "{said}"
            );
        }
    }
}
