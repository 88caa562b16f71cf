//! Signature checks by hash or by file, and agencies' public signing keys. Public.

use super::upload::check_length;
use super::vn_utc;
use crate::AppState;
use crate::api::ApiQuery;
use crate::error::{ApiResult, Problem};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use chrono::{DateTime, FixedOffset};
use motcua_app::documents::verify::{self as app_verify, CheckedSignature, Verification};
use motcua_app::dossiers::attach::blobs;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct VerifyQuery {
    /// The document's SHA-256 (64 hex digits), e.g. from the QR code on a printed result.
    #[param(value_type = crate::api::contract::formats::Sha256, inline)]
    pub sha256: String,
}

/// One signature over the content, checked.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SignatureCheckView {
    /// `receipt` or `result`.
    pub kind: String,
    pub kind_label: String,
    pub dossier_code: String,
    pub agency_code: String,
    pub agency_name: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub signed_at: DateTime<FixedOffset>,
    /// The canonical statement signed, exactly as signed.
    pub statement: String,
    /// Base64 Ed25519 signature over the statement's bytes.
    pub signature: String,
    /// The agency's public key (base64) it was checked against.
    pub public_key: Option<String>,
    /// `ed25519:` and 16 hex digits of the key's SHA-256, as printed on results.
    #[schema(example = "ed25519:3f2a9c0d41b7e855")]
    pub key_id: Option<String>,
    pub valid: bool,
    /// Why not: `signature_invalid`, `statement_mismatch`, `unknown_signing_key`.
    pub problem: Option<String>,
    pub detail: String,
    /// For a result made from a declaration: what it certifies, row by row.
    pub certifies: Option<CertifiedView>,
}

/// What a result made from data certifies: its title and its rows as set.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CertifiedView {
    pub title: String,
    /// Label and value, in order.
    pub rows: Vec<[String; 2]>,
}

impl From<CheckedSignature> for SignatureCheckView {
    fn from(c: CheckedSignature) -> SignatureCheckView {
        SignatureCheckView {
            kind: c.kind,
            kind_label: c.kind_label,
            dossier_code: c.dossier_code,
            agency_code: c.agency_code,
            agency_name: c.agency_name,
            signed_at: vn_utc(c.signed_at),
            statement: c.statement,
            signature: c.signature,
            public_key: c.public_key,
            key_id: c.key_id,
            valid: c.valid,
            problem: c.problem.map(str::to_owned),
            detail: c.detail,
            certifies: c.certifies.map(|c| CertifiedView {
                title: c.title,
                rows: c.rows.into_iter().map(|(l, v)| [l, v]).collect(),
            }),
        }
    }
}

/// What was signed over some content.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct VerificationView {
    pub sha256: String,
    /// The size of the file checked, when a file was sent.
    pub size_bytes: Option<u64>,
    /// Every signature holds.
    pub valid: bool,
    pub signatures: Vec<SignatureCheckView>,
}

impl From<Verification> for VerificationView {
    fn from(v: Verification) -> VerificationView {
        VerificationView {
            sha256: v.sha256,
            size_bytes: v.size_bytes,
            valid: v.valid,
            signatures: v.signatures.into_iter().map(Into::into).collect(),
        }
    }
}

/// What was signed over a document, by hash: which agency signed what kind of document,
/// for which dossier, when, and whether the signature holds against the agency's public
/// key. Public: anyone holding a printed result can check it.
#[utoipa::path(
    get, path = "/api/v1/documents/verify", tag = "documents", params(VerifyQuery),
    responses(
        (status = 200, description = "The signatures, each checked (`valid: false` with `problem` for a tampered one)", body = VerificationView),
        (status = 404, description = "`not_signed`: no signature over this hash", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_sha256`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn verify_hash(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<VerifyQuery>,
) -> ApiResult<Json<VerificationView>> {
    let verification = app_verify::verify_hash(&state.app, &q.sha256).await?;
    Ok(Json(verification.into()))
}

/// Like `GET`, for a file: the body is hashed as it streams in, and not kept.
#[utoipa::path(
    post, path = "/api/v1/documents/verify", tag = "documents",
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 200, description = "The signatures, each checked", body = VerificationView),
        (status = 404, description = "`not_signed`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`document_too_large`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`empty_document`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn verify_file(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<VerificationView>> {
    check_length(&headers, blobs(&state.app)?.max_bytes())?;
    let verification = app_verify::verify_body(&state.app, body.into_data_stream()).await?;
    Ok(Json(verification.into()))
}

/// An agency's public signing key.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SigningKeyView {
    pub agency_code: String,
    /// Always `Ed25519`.
    pub algorithm: String,
    /// The 32-byte public key, standard base64.
    pub public_key: String,
    /// `ed25519:` and 16 hex digits of the key's SHA-256, as printed on results.
    #[schema(example = "ed25519:3f2a9c0d41b7e855")]
    pub key_id: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<FixedOffset>,
}

/// The public key an agency signs receipts and results with (made on its first signature).
#[utoipa::path(
    get, path = "/api/v1/agencies/{code}/signing-key", tag = "documents",
    params(("code" = inline(crate::api::contract::formats::AgencyCode), Path, description = "The agency code")),
    responses(
        (status = 200, description = "The public key", body = SigningKeyView),
        (status = 404, description = "`no_signing_key`: the agency has signed nothing yet", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn signing_key(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<SigningKeyView>> {
    let key = app_verify::signing_key(&state.app, &code).await?;
    Ok(Json(SigningKeyView {
        agency_code: key.agency_code,
        algorithm: "Ed25519".into(),
        key_id: crate::signing::key_id(&key.public_key).unwrap_or_default(),
        public_key: key.public_key,
        created_at: vn_utc(key.created_at),
    }))
}
