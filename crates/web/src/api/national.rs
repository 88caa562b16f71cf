//! The national public service portal sends in the dossiers submitted there.

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use motcua_app::connectors::inbound::{self, NationalDossier, SignedRequest};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The largest request: documents travel in base64, a third larger than the files.
pub(crate) const INBOUND_BODY_LIMIT: usize = 64 * 1024 * 1024;

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct InboundAnswer {
    /// The dossier's code here.
    pub code: String,
    /// The portal's id, as sent.
    pub national_id: String,
    /// The national status (1 newly registered).
    pub national_status: u8,
    /// Whether this id was received before (the first dossier is answered).
    pub replayed: bool,
}

/// Receives a dossier submitted on the national portal. The request is signed: `x-client-id`,
/// `x-timestamp` (Unix seconds, within 5 minutes of the server's clock) and `x-signature`, the
/// hex HMAC-SHA256 of `timestamp.body` under the client's secret; a signature is accepted once.
/// One dossier per `national_id`: sending it again (signed anew) answers the first.
/// The body: `national_id`, `procedure_code`, `agency_code`, `applicant` (as for
/// `POST /api/v1/dossiers`), optional `form_data`, and `documents` (`name`, `component`,
/// `content_base64`; PDF, PNG or JPEG, each within the document size limit).
#[utoipa::path(
    post, path = "/api/v1/national/dossiers", tag = "integrations",
    request_body(content = Object, content_type = "application/json"),
    params(
        ("x-client-id" = String, Header, description = "The sending system"),
        ("x-timestamp" = String, Header, description = "Unix seconds"),
        ("x-signature" = String, Header, description = "hex HMAC-SHA256 of `timestamp.body`"),
    ),
    responses(
        (status = 201, description = "Registered", body = InboundAnswer),
        (status = 200, description = "Received before: the first dossier", body = InboundAnswer),
        (status = 400, description = "`malformed_dossier`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unsigned_request`, `unknown_client`, `bad_timestamp`, `bad_signature`, `stale_request`, `replayed_request`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`idempotency_key_reused`: the same national id with another dossier", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`document_too_large`, `payload_too_large`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_document_type`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_dossier`, `invalid_national_id`, `procedure_not_published`, `unknown_agency`, `invalid_citizen_id`, `invalid_form_data`, `invalid_base64`…", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`national_inbound_off`: this server takes no dossiers from the portal", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn receive_national_dossier(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let clients = &state.config.national_inbound;
    if clients.is_empty() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "national_inbound_off",
            "Máy chủ này chưa cấu hình nhận hồ sơ từ Cổng Dịch vụ công quốc gia.",
        ));
    }
    let body = body.map_err(|rejection| {
        ApiError::new(
            rejection.status(),
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                "payload_too_large"
            } else {
                "malformed_dossier"
            },
            format!("Không đọc được nội dung gửi lên (tối đa {INBOUND_BODY_LIMIT} byte)."),
        )
    })?;
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let request = SignedRequest {
        client_id: header("x-client-id"),
        timestamp: header("x-timestamp"),
        signature: header("x-signature"),
        body: &body,
    };
    let client = inbound::authenticate(&state.app, clients, &request).await?;
    let dossier: NationalDossier = match serde_json::from_slice(&body) {
        Ok(d) => d,
        Err(e) if e.is_syntax() || e.is_eof() => {
            return Err(ApiError::bad_request(
                "malformed_dossier",
                format!(
                    "Hồ sơ gửi đến không phải JSON đúng cú pháp (dòng {}, cột {}).",
                    e.line(),
                    e.column()
                ),
            ));
        }
        Err(e) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_dossier",
                format!("Hồ sơ gửi đến thiếu trường hoặc sai kiểu: {e}"),
            ));
        }
    };
    let national_id = dossier.national_id.trim().to_owned();
    let hash = hex::encode(Sha256::digest(&body));
    let (record, replayed) = inbound::receive(&state.app, &client, dossier, hash).await?;
    let answer = InboundAnswer {
        code: record.code().to_owned(),
        national_id,
        national_status: record.dossier.state.national_status() as u8,
        replayed,
    };
    let status = if replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let mut response = (status, Json(answer)).into_response();
    if replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(receive_national_dossier))
        .layer(axum::extract::DefaultBodyLimit::max(INBOUND_BODY_LIMIT))
}
