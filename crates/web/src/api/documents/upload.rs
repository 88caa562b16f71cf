//! A dossier's documents: streamed upload and download, and digitisation marks.

use super::views::DocumentView;
use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiResult, Problem};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use motcua_app::documents::DocumentRejection;
use motcua_app::documents::upload::{self as app_upload, UploadInput};
use motcua_app::dossiers::attach::{blobs, rejection};
use serde::Deserialize;
use utoipa::IntoParams;

/// The announced content length is over the limit: refuse before reading anything.
pub(crate) fn check_length(headers: &HeaderMap, max: u64) -> ApiResult<()> {
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match announced {
        Some(n) if n > max => Err(rejection(DocumentRejection::TooLarge, max).into()),
        Some(0) => Err(rejection(DocumentRejection::Empty, max).into()),
        _ => Ok(()),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UploadQuery {
    /// The file's name as the applicant knows it: a name, never a path.
    name: Option<String>,
    /// `component` (default) or `result` (staff, once the dossier is approved; signed and
    /// put into the applicant's store when the dossier is finished).
    #[param(value_type = Option<crate::api::contract::choices::DocumentKind>, inline)]
    kind: Option<String>,
    /// The procedure component this document supplies, by name.
    component: Option<String>,
    /// Staff at receipt: the document is a scanned paper component; mark it digitised at once.
    digitised: Option<bool>,
    /// The SHA-256 the content must have (or the `X-Content-SHA256` header); other bytes
    /// are refused with `hash_mismatch` and nothing is stored.
    #[param(value_type = Option<crate::api::contract::formats::Sha256>, inline)]
    sha256: Option<String>,
}

/// Attaches a document: the raw bytes as the body, streamed (PDF, PNG or JPEG by content,
/// at most the configured size, 20 MiB by default), stored by SHA-256 and deduplicated.
/// A refused or broken upload stores nothing.
#[utoipa::path(
    post, path = "/api/v1/dossiers/{code}/documents", tag = "dossiers", params(("code" = String, Path, description = "The dossier code"), UploadQuery, ("X-Content-SHA256" = Option<String>, Header, description = "The SHA-256 the content must have")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The document", body = DocumentView),
        (status = 400, description = "`upload_interrupted`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`dossier_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`dossier_closed`, `result_not_expected`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`document_too_large`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_document_type` (PDF, PNG or JPEG only)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`empty_document`, `hash_mismatch`, `invalid_document_name`, `invalid_document_kind`, `invalid_sha256`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn upload(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<DocumentView>)> {
    let who = user.principal();
    let sha256 = q.sha256.clone().or_else(|| {
        headers
            .get("x-content-sha256")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    let input = UploadInput {
        name: q.name,
        kind: q.kind,
        component: q.component,
        digitised: q.digitised.unwrap_or(false),
        sha256,
        certifies: None,
    };
    let prepared = app_upload::prepare(&state.app, &who, &code, &input).await?;
    check_length(&headers, blobs(&state.app)?.max_bytes())?;
    let doc = app_upload::store(&state.app, &who, prepared, body.into_data_stream()).await?;
    Ok((StatusCode::CREATED, Json(doc.into())))
}

/// A document's bytes, streamed and checked against their SHA-256 on the way out.
#[utoipa::path(
    get, path = "/api/v1/dossiers/{code}/documents/{id}", tag = "dossiers",
    params(("code" = String, Path, description = "The dossier code"), ("id" = String, Path, description = "The document id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The bytes, with their type, length and `X-Content-SHA256`", content_type = "application/octet-stream"),
        (status = 404, description = "`dossier_not_found` or `document_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`document_destroyed`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn download(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((code, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let doc = app_upload::document(&state.app, &user.principal(), &code, &id).await?;
    if doc.destroyed_at.is_some() {
        return Err(ApiError::new(
            StatusCode::GONE,
            "document_destroyed",
            "Tài liệu đã được tiêu hủy theo danh sách tiêu hủy được phê duyệt.",
        ));
    }
    let name = &doc.name;
    Ok(crate::download::blob(
        &state.app,
        &doc.sha256,
        doc.size_bytes,
        &doc.content_type,
        name,
    )
    .await?)
}

/// An officer of the receiving (or handling) agency marks a component or a paper result
/// digitised: who and when are recorded, and the document goes into the applicant's store.
#[utoipa::path(
    post, path = "/api/v1/dossiers/{code}/documents/{id}/digitised", tag = "dossiers",
    params(("code" = String, Path, description = "The dossier code"), ("id" = String, Path, description = "The document id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The document, digitised", body = DocumentView),
        (status = 403, description = "`forbidden`: officers of the receiving or handling agency only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`dossier_not_found`, `document_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`receipt_is_electronic`, `document_destroyed`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn mark_digitised(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((code, id)): Path<(String, String)>,
) -> ApiResult<Json<DocumentView>> {
    let doc = app_upload::mark_digitised(&state.app, &user.principal(), &code, &id).await?;
    Ok(Json(doc.into()))
}

/// Officers who may add a result withdraw a draft (one not signed yet), so that approval
/// does not sign it; it leaves the dossier, with its event.
#[utoipa::path(
    post, path = "/api/v1/dossiers/{code}/documents/{id}/withdrawn", tag = "dossiers",
    params(("code" = String, Path, description = "The dossier code"), ("id" = String, Path, description = "The document id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The draft, withdrawn (`destroyed_at` set)", body = DocumentView),
        (status = 403, description = "`forbidden`: officers only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`dossier_not_found`, `document_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`not_a_draft`: not a result, or already signed", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn withdraw_draft(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((code, id)): Path<(String, String)>,
) -> ApiResult<Json<DocumentView>> {
    let doc = app_upload::withdraw_draft(&state.app, &user.principal(), &code, &id).await?;
    Ok(Json(doc.into()))
}

/// Sets the result the procedure's template makes from the dossier's declaration (e.g. a
/// birth registration extract) as a PDF, attached as a draft result that approval signs;
/// `register_no` is the number in the register book (officers handling the dossier).
#[utoipa::path(
    post, path = "/api/v1/dossiers/{code}/results/from-form", tag = "dossiers",
    params(("code" = String, Path, description = "The dossier code")),
    request_body = FromFormBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The result (a draft until approval signs it)", body = DocumentView),
        (status = 403, description = "`forbidden`: officers only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`dossier_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`no_declaration`, `no_result_template`, `result_not_expected`, `dossier_closed`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_characters`, `register_no_too_long`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`pdf_unavailable`: no font on the server to set it", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn result_from_form(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path(code): Path<String>,
    crate::api::ApiJson(body): crate::api::ApiJson<FromFormBody>,
) -> ApiResult<(StatusCode, Json<DocumentView>)> {
    let base = crate::links::public_base(&state, &headers);
    let lookup = crate::links::lookup_url(&base, &code, None);
    let doc = motcua_app::forms::results::issue(
        &state.app,
        &user.principal(),
        &code,
        body.register_no.as_deref(),
        &lookup,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(doc.into())))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FromFormBody {
    /// The number in the register book, printed on the result.
    #[schema(max_length = 50, example = "125/2026")]
    pub register_no: Option<String>,
}
