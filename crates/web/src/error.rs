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
    /// Every field's problem, where the input had several (`invalid_form_data`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldIssue>,
}

/// One field's problem inside a problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldIssue {
    /// Where, as a path into the body's data: `child_name`, `members[2].birth_date`.
    pub path: String,
    pub code: String,
    /// Vietnamese, for people.
    pub detail: String,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    pub errors: Vec<FieldIssue>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
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
            detail: motcua_domain::text::sentence(&self.detail).into_owned(),
            code: self.code.to_owned(),
            errors: self.errors.clone(),
        }
    }
}

/// How long a client waits before retrying a 503 or a 507.
const RETRY_AFTER_SECONDS: &str = "5";

/// Adds `Retry-After` to an answer whose status says "try again later" (the database
/// unavailable, the disk full), for the API and the pages alike.
pub(crate) fn add_retry_after(status: StatusCode, headers: &mut axum::http::HeaderMap) {
    if matches!(
        status,
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::INSUFFICIENT_STORAGE
    ) {
        headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from_static(RETRY_AFTER_SECONDS),
        );
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.problem())).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        add_retry_after(self.status, response.headers_mut());
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
            // Outages and a full disk answer as the use cases do; the rest is logged.
            other => AppError::from(other).into(),
        }
    }
}

/// The one table from use-case errors to HTTP statuses; the API and the pages both use it.
pub fn status_of(err: &AppError) -> StatusCode {
    match err {
        AppError::NotFound { .. } => StatusCode::NOT_FOUND,
        AppError::Unauthenticated | AppError::BadSignature { .. } => StatusCode::UNAUTHORIZED,
        AppError::Forbidden { .. } | AppError::NotAllowed { .. } => StatusCode::FORBIDDEN,
        AppError::Malformed { .. } => StatusCode::BAD_REQUEST,
        AppError::Invalid { .. } | AppError::InvalidForm { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict { .. } | AppError::Stale { .. } | AppError::KeyReused { .. } => {
            StatusCode::CONFLICT
        }
        AppError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        AppError::UnsupportedType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        AppError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        AppError::StorageFull { .. } => StatusCode::INSUFFICIENT_STORAGE,
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
        let mut api = ApiError::new(status_of(&err), err.code(), err.detail());
        if let AppError::InvalidForm { problems } = &err {
            api.errors = problems
                .iter()
                .map(|p| FieldIssue {
                    path: p.path.clone(),
                    code: p.code.to_owned(),
                    detail: motcua_domain::text::sentence(&p.message).into_owned(),
                })
                .collect();
        }
        api
    }
}

impl From<motcua_app::calendar::InputError> for ApiError {
    fn from(err: motcua_app::calendar::InputError) -> ApiError {
        ApiError::bad_request(err.code, err.detail)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

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
    let what = if !reason.is_ascii() {
        // Our own deserialisers already speak Vietnamese (a date's shape, a whole number).
        let mut own = reason.to_owned();
        own.truncate(own.find(" at line ").unwrap_or(own.len()));
        own
    } else if reason.starts_with("missing field") {
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

/// A multipart form that could not be read, said in Vietnamese (a page's message).
pub(crate) fn multipart_said(e: &axum::extract::multipart::MultipartError) -> String {
    format!(
        "Biểu mẫu gửi lên không đọc được ({}). Hãy tải lại trang và gửi lại.",
        multipart_reason(&e.body_text())
    )
}

/// The multipart reader's English reasons, as a person would understand them.
fn multipart_reason(english: &str) -> &'static str {
    let reasons: [(&str, &str); 10] = [
        ("payload is too large", "dữ liệu gửi lên quá lớn"),
        ("exceeded the size limit", "một trường quá lớn"),
        ("stream size exceeded", "dữ liệu gửi lên quá lớn"),
        ("incomplete data", "một trường bị cắt ngang"),
        ("incomplete multipart stream", "dữ liệu bị cắt ngang"),
        ("complete headers", "phần đầu của một trường bị cắt ngang"),
        ("failed to read headers", "phần đầu của một trường bị hỏng"),
        ("header", "phần đầu của một trường có ký tự không hợp lệ"),
        ("boundary", "thiếu ranh giới (boundary) giữa các trường"),
        ("not multipart", "không phải dạng multipart/form-data"),
    ];
    reasons
        .iter()
        .find(|(said, _)| english.contains(said))
        .map_or(
            "dữ liệu không đúng dạng multipart/form-data",
            |(_, meant)| meant,
        )
}

#[cfg(test)]
mod tests {
    use super::in_vietnamese;

    #[test]
    fn multipart_reasons_are_told_in_vietnamese() {
        use super::multipart_reason;
        for (english, vietnamese) in [
            ("failed to read headers", "phần đầu của một trường bị hỏng"),
            ("incomplete multipart stream", "dữ liệu bị cắt ngang"),
            (
                "field \"doc_0\" received with incomplete data",
                "một trường bị cắt ngang",
            ),
            ("Request payload is too large", "dữ liệu gửi lên quá lớn"),
            (
                "failed to decode field's raw header value",
                "phần đầu của một trường có ký tự không hợp lệ",
            ),
            (
                "something new",
                "dữ liệu không đúng dạng multipart/form-data",
            ),
        ] {
            assert_eq!(multipart_reason(english), vietnamese, "{english}");
        }
    }

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
                "Failed to deserialize the JSON body into the target type: valid_from: ngày không hợp lệ: \"2026-2-3\" (dạng YYYY-MM-DD, năm từ 1000) at line 1 column 9",
                "valid_from: ngày không hợp lệ: \"2026-2-3\" (dạng YYYY-MM-DD, năm từ 1000) (dòng 1, cột 9)",
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
