//! Documents: streaming upload and download with a dossier, digitisation marks, signature
//! verification (by hash or by file), agencies' public keys, the applicant's document
//! store (wallet), and the archive's packages and destruction lists.

use super::ApiQuery;
use super::dossiers::{user_agency, visible};
use crate::AppState;
use crate::auth::{ApiUser, AuthUser};
use crate::documents::{BlobStore, DocumentRejection, UploadError};
use crate::error::{ApiError, ApiResult, Problem};
use crate::signing::{SignatureCheck, check_hash, settle_logged};
use axum::Json;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use motcua_domain::account::Role;
use motcua_domain::calendar::VN_OFFSET;
use motcua_domain::document::{DocumentKind, DocumentOrigin, check_name, parse_sha256};
use motcua_domain::dossier::{CitizenId, DossierState, TaxCode};
use motcua_domain::procedure::Procedure;
use motcua_store::{
    ArchivePackageRecord, DestructionListRecord, DocumentRecord, DossierRecord, NewDocument,
    RetentionRecord, WalletItemRecord,
};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;
use uuid::Uuid;

fn vn_utc(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&VN_OFFSET)
}

fn unprocessable(code: &'static str, detail: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
}

fn document_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "document_not_found",
        "Không tìm thấy tài liệu.",
    )
}

pub(crate) fn blob_store(state: &AppState) -> ApiResult<&BlobStore> {
    Ok(motcua_app::dossiers::attach::blobs(&state.app)?)
}

fn is_staff(role: Role) -> bool {
    matches!(role, Role::Receiver | Role::Specialist | Role::Leader)
}

// ------------------------------------------------------------------------------ views

/// A dossier document.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DocumentView {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    /// `component`, `result` or `receipt`.
    pub kind: String,
    /// `upload`, `wallet` (reused from the applicant's store) or `issued` (made by the system).
    pub origin: String,
    /// The procedure component it supplies.
    pub component: Option<String>,
    pub uploaded_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub uploaded_at: DateTime<FixedOffset>,
    /// Who marked it digitised (Circular 01/2023/TT-VPCP), and when.
    pub digitised_by: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub digitised_at: Option<DateTime<FixedOffset>>,
    /// Signed by the agency (receipts and results); check it at `/api/v1/documents/verify`.
    pub signed: bool,
    /// Its bytes were destroyed under an approved destruction list.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub destroyed_at: Option<DateTime<FixedOffset>>,
}

impl DocumentView {
    /// A signed result whose bytes are kept: it has a printed sheet with a QR code.
    pub(crate) fn printable_result(&self) -> bool {
        self.kind == DocumentKind::Result.as_str() && self.signed && self.destroyed_at.is_none()
    }
}

pub(crate) fn document_view(d: DocumentRecord, signed: bool) -> DocumentView {
    DocumentView {
        id: d.id,
        name: d.name,
        content_type: d.content_type,
        size_bytes: d.size_bytes,
        sha256: d.sha256,
        kind: d.kind,
        origin: d.origin,
        component: d.component,
        uploaded_by: d.uploaded_by,
        uploaded_at: vn_utc(d.uploaded_at),
        digitised_by: d.digitised_by,
        digitised_at: d.digitised_at.map(vn_utc),
        signed,
        destroyed_at: d.destroyed_at.map(vn_utc),
    }
}

/// A component the procedure asks for, and where the dossier stands with it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RequiredComponentView {
    pub name: String,
    /// It must be digitised at receipt (Circular 01/2023/TT-VPCP).
    pub digitisation_required: bool,
    /// It can be taken from the applicant's store.
    pub reusable: bool,
    /// A document of the dossier names it as its component.
    pub supplied: bool,
    pub digitised: bool,
}

/// What is digitised in a dossier.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DigitisationView {
    pub components: i64,
    pub components_digitised: i64,
    /// Components taken from the applicant's store instead of being supplied again.
    pub reused: i64,
    /// Every component is digitised (and there is at least one).
    pub complete: bool,
    pub receipt_signed: bool,
    pub results: i64,
    pub results_signed: i64,
    pub required: Vec<RequiredComponentView>,
}

/// The documents of a dossier and what is digitised, for the dossier view.
pub(crate) async fn document_views(
    state: &AppState,
    r: &DossierRecord,
) -> ApiResult<(Vec<DocumentView>, DigitisationView)> {
    let docs = state.store.documents(r.code()).await?;
    let signed: HashSet<Uuid> = state
        .store
        .signatures_for_dossier(r.code())
        .await?
        .into_iter()
        .map(|s| s.document_id)
        .collect();
    let procedure = state
        .store
        .procedure_version(&r.procedure_code, r.procedure_version_no)
        .await?
        .map(|v| v.procedure);
    Ok(document_views_of(docs, &signed, procedure.as_ref()))
}

/// The same from what is already read.
pub(crate) fn document_views_of(
    docs: Vec<DocumentRecord>,
    signed: &HashSet<Uuid>,
    procedure: Option<&Procedure>,
) -> (Vec<DocumentView>, DigitisationView) {
    let components: Vec<&DocumentRecord> = docs
        .iter()
        .filter(|d| d.kind == DocumentKind::Component.as_str())
        .collect();
    let results: Vec<&DocumentRecord> = docs
        .iter()
        .filter(|d| d.kind == DocumentKind::Result.as_str())
        .collect();
    let required = procedure
        .map(|p| {
            p.documents
                .iter()
                .map(|req| {
                    let matching: Vec<&&DocumentRecord> = components
                        .iter()
                        .filter(|d| d.component.as_deref() == Some(req.name.as_str()))
                        .collect();
                    RequiredComponentView {
                        name: req.name.clone(),
                        digitisation_required: req.digitisation_required,
                        reusable: req.reusable,
                        supplied: !matching.is_empty(),
                        digitised: matching.iter().any(|d| d.digitised_at.is_some()),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let digitised = components
        .iter()
        .filter(|d| d.digitised_at.is_some())
        .count() as i64;
    let view = DigitisationView {
        components: components.len() as i64,
        components_digitised: digitised,
        reused: components
            .iter()
            .filter(|d| d.origin == DocumentOrigin::Wallet.as_str())
            .count() as i64,
        complete: !components.is_empty() && digitised == components.len() as i64,
        receipt_signed: docs
            .iter()
            .any(|d| d.kind == DocumentKind::Receipt.as_str() && signed.contains(&d.id)),
        results: results.len() as i64,
        results_signed: results.iter().filter(|d| signed.contains(&d.id)).count() as i64,
        required,
    };
    let views = docs
        .into_iter()
        .map(|d| {
            let s = signed.contains(&d.id);
            document_view(d, s)
        })
        .collect();
    (views, view)
}

// ---------------------------------------------------------------------------- upload

pub(crate) fn rejection(r: DocumentRejection, max: u64) -> ApiError {
    motcua_app::dossiers::attach::rejection(r, max).into()
}

pub(crate) fn upload_error(e: UploadError, max: u64) -> ApiError {
    motcua_app::dossiers::attach::upload_error(e, max).into()
}

/// The announced content length is over the limit: refuse before reading anything.
pub(crate) fn check_length(headers: &HeaderMap, max: u64) -> ApiResult<()> {
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match announced {
        Some(n) if n > max => Err(rejection(DocumentRejection::TooLarge, max)),
        Some(0) => Err(rejection(DocumentRejection::Empty, max)),
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
    kind: Option<String>,
    /// The procedure component this document supplies, by name.
    component: Option<String>,
    /// Staff at receipt: the document is a scanned paper component; mark it digitised at once.
    digitised: Option<bool>,
    /// The SHA-256 the content must have (or the `X-Content-SHA256` header); other bytes
    /// are refused with `hash_mismatch` and nothing is stored.
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
    let expected = q.sha256.clone().or_else(|| {
        headers
            .get("x-content-sha256")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    let params = UploadParams {
        name: q.name,
        kind: q.kind,
        component: q.component,
        digitised: q.digitised.unwrap_or(false),
        sha256: expected,
    };
    let (record, prepared) = prepare_upload(&state, &user, &code, &params).await?;
    check_length(&headers, blob_store(&state)?.max_bytes())?;
    let (row, signed) =
        store_upload(&state, &user, &record, prepared, body.into_data_stream()).await?;
    Ok((StatusCode::CREATED, Json(document_view(row, signed))))
}

/// What an uploader says about a document, from a query string or a form.
#[derive(Debug, Default)]
pub(crate) struct UploadParams {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub component: Option<String>,
    pub digitised: bool,
    pub sha256: Option<String>,
}

/// An upload that passed every check that needs no body.
pub(crate) struct PreparedUpload {
    name: String,
    kind: DocumentKind,
    component: Option<String>,
    digitised: bool,
    expected: Option<String>,
}

/// Everything checked before a byte of the body is read: who may add what to this dossier,
/// the name, the kind, the announced hash.
pub(crate) async fn prepare_upload(
    state: &AppState,
    user: &AuthUser,
    code: &str,
    p: &UploadParams,
) -> ApiResult<(DossierRecord, PreparedUpload)> {
    let record = visible(state, user, code).await?;
    let allowed = match user.role {
        Role::Citizen => record.owner.as_deref() == Some(&user.username),
        role => is_staff(role),
    };
    if !allowed {
        return Err(ApiError::forbidden());
    }
    if record.dossier.state.is_closed() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "dossier_closed",
            "Hồ sơ đã kết thúc; không thêm tài liệu được nữa.",
        ));
    }
    let name = match p.name.as_deref() {
        Some(n) => check_name(n).map_err(|e| unprocessable(e.code(), e.to_string()))?,
        None => "tai-lieu".to_owned(),
    };
    let kind = match p.kind.as_deref().map(str::trim) {
        None | Some("") | Some("component") => DocumentKind::Component,
        Some("result") => DocumentKind::Result,
        Some(other) => {
            return Err(unprocessable(
                "invalid_document_kind",
                format!("Loại tài liệu \"{other}\" không hợp lệ: component hoặc result."),
            ));
        }
    };
    if (kind == DocumentKind::Result || p.digitised) && !is_staff(user.role) {
        return Err(ApiError::forbidden());
    }
    if kind == DocumentKind::Result
        && !matches!(
            record.dossier.state,
            DossierState::Approved | DossierState::Finished
        )
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "result_not_expected",
            "Chỉ đính kèm kết quả khi hồ sơ đã được phê duyệt hoặc đã có kết quả.",
        ));
    }
    let expected = p
        .sha256
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(|h| parse_sha256(h).map_err(|e| unprocessable(e.code(), e.to_string())))
        .transpose()?;
    let component = p
        .component
        .as_deref()
        .map(|c| c.trim().chars().take(500).collect::<String>())
        .filter(|c| !c.is_empty());
    Ok((
        record,
        PreparedUpload {
            name,
            kind,
            component,
            digitised: p.digitised,
            expected,
        },
    ))
}

/// Streams the body in, records the document, moves the blob into place (or drops it
/// when the row did not commit), and signs a result of a finished dossier.
pub(crate) async fn store_upload<S, E>(
    state: &AppState,
    user: &AuthUser,
    record: &DossierRecord,
    p: PreparedUpload,
    body: S,
) -> ApiResult<(DocumentRecord, bool)>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Send,
    E: std::fmt::Display,
{
    let blobs = blob_store(state)?;
    let max = blobs.max_bytes();
    let staged = blobs
        .receive(body, p.expected.as_deref())
        .await
        .map_err(|e| upload_error(e, max))?;
    let doc = NewDocument {
        kind: p.kind,
        component: p.component,
        digitised: p.digitised,
        ..NewDocument::upload(
            record.code(),
            &staged.sha256,
            &p.name,
            staged.content_type,
            staged.size as i64,
            crate::now(),
        )
    };
    let audit = user.audit("dossier.document_added", "dossier", serde_json::json!({}));
    let row = match state.store.add_document(&doc, audit.clone()).await {
        Ok(row) => row,
        Err(err) => {
            blobs.discard(staged).await;
            return Err(err.into());
        }
    };
    if let Err(e) = blobs.keep(staged).await {
        tracing::error!(error = %e, sha256 = %row.sha256, "document row committed but its blob could not be stored");
        return Err(ApiError::internal());
    }
    let mut signed = false;
    if p.kind == DocumentKind::Result && record.dossier.state == DossierState::Finished {
        settle_logged(state, record.code(), &audit).await;
        signed = !state
            .store
            .signatures_for_hash(&row.sha256)
            .await?
            .is_empty();
    }
    let row = state.store.document(row.id).await?.unwrap_or(row);
    Ok((row, signed))
}

/// Streams a stored blob as a response, re-hashing it on the way.
pub(crate) async fn stream_blob(
    state: &AppState,
    sha256: &str,
    size: i64,
    content_type: &str,
    name: &str,
) -> ApiResult<Response> {
    Ok(crate::download::blob(&state.app, sha256, size, content_type, name).await?)
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
    let record = visible(&state, &user, &code).await?;
    let id = Uuid::parse_str(&id).map_err(|_| document_not_found())?;
    let doc = state
        .store
        .document(id)
        .await?
        .filter(|d| d.dossier_code == record.code())
        .ok_or_else(document_not_found)?;
    if doc.destroyed_at.is_some() {
        return Err(ApiError::new(
            StatusCode::GONE,
            "document_destroyed",
            "Tài liệu đã được tiêu hủy theo danh sách tiêu hủy được phê duyệt.",
        ));
    }
    stream_blob(
        &state,
        &doc.sha256,
        doc.size_bytes,
        &doc.content_type,
        &doc.name,
    )
    .await
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
    let record = visible(&state, &user, &code).await?;
    let agency = user_agency(&user);
    let at_agency = agency.as_ref().is_some_and(|a| {
        *a == record.dossier.receiving_agency || *a == record.dossier.handling_agency
    });
    if !is_staff(user.role) || !at_agency {
        return Err(ApiError::forbidden());
    }
    let id = Uuid::parse_str(&id).map_err(|_| document_not_found())?;
    let audit = user.audit(
        "dossier.document_digitised",
        "dossier",
        serde_json::json!({}),
    );
    let doc = match state
        .store
        .mark_digitised(record.code(), id, crate::now(), audit)
        .await
    {
        Err(motcua_store::StoreError::NotFound(_)) => return Err(document_not_found()),
        other => other?,
    };
    let signed = !state
        .store
        .signatures_for_hash(&doc.sha256)
        .await?
        .is_empty();
    Ok(Json(document_view(doc, signed)))
}

// ---------------------------------------------------------------------------- verify

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct VerifyQuery {
    /// The document's SHA-256 (64 hex digits), e.g. from the QR code on a printed result.
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

pub(crate) fn check_view(c: SignatureCheck) -> SignatureCheckView {
    let kind = DocumentKind::parse(&c.record.kind);
    SignatureCheckView {
        kind_label: kind.map(|k| k.label_vi()).unwrap_or_default().into(),
        valid: c.valid(),
        problem: c.problem.map(|p| p.code().to_owned()),
        detail: match c.problem {
            Some(p) => p.detail_vi().into(),
            None => {
                "Chữ ký hợp lệ: tài liệu đúng là tài liệu cơ quan đã ký, chưa bị thay đổi.".into()
            }
        },
        kind: c.record.kind,
        dossier_code: c.record.dossier_code,
        agency_code: c.record.agency_code,
        agency_name: c.agency_name,
        signed_at: vn_utc(c.record.signed_at),
        statement: c.record.statement,
        signature: c.record.signature,
        key_id: c.public_key.as_deref().and_then(crate::signing::key_id),
        public_key: c.public_key,
    }
}

async fn verification(
    state: &AppState,
    sha256: &str,
    size: Option<u64>,
) -> ApiResult<VerificationView> {
    let checks = check_hash(&state.store, sha256).await?;
    if checks.is_empty() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_signed",
            "Không có chữ ký nào của cơ quan nhà nước trên tài liệu có mã băm này: tài liệu không do hệ thống cấp, hoặc đã bị thay đổi.",
        ));
    }
    let signatures: Vec<SignatureCheckView> = checks.into_iter().map(check_view).collect();
    Ok(VerificationView {
        sha256: sha256.to_owned(),
        size_bytes: size,
        valid: signatures.iter().all(|s| s.valid),
        signatures,
    })
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
    let sha256 = parse_sha256(&q.sha256).map_err(|e| unprocessable(e.code(), e.to_string()))?;
    Ok(Json(verification(&state, &sha256, None).await?))
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
    let blobs = blob_store(&state)?;
    let max = blobs.max_bytes();
    check_length(&headers, max)?;
    let (sha256, size) = blobs
        .hash_stream(body.into_data_stream())
        .await
        .map_err(|e| upload_error(e, max))?;
    Ok(Json(verification(&state, &sha256, Some(size)).await?))
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
    params(("code" = String, Path, description = "The agency code")),
    responses(
        (status = 200, description = "The public key", body = SigningKeyView),
        (status = 404, description = "`no_signing_key`: the agency has signed nothing yet", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn signing_key(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<SigningKeyView>> {
    let code = code.trim().to_ascii_uppercase();
    let key = state.store.signing_key(&code).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no_signing_key",
            format!("Cơ quan {code} chưa có khóa ký."),
        )
    })?;
    Ok(Json(SigningKeyView {
        agency_code: key.agency_code,
        algorithm: "Ed25519".into(),
        key_id: crate::signing::key_id(&key.public_key).unwrap_or_default(),
        public_key: key.public_key,
        created_at: vn_utc(key.created_at),
    }))
}

// ---------------------------------------------------------------------------- wallet

/// A document in an applicant's store.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WalletItemView {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    /// The citizen ID or tax code it is kept under.
    pub holder_id: String,
    /// `result` or `component`.
    pub kind: String,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub source_dossier: String,
    #[schema(value_type = String, format = DateTime)]
    pub added_at: DateTime<FixedOffset>,
    /// Signed by an agency (results): check at `/api/v1/documents/verify?sha256=`.
    pub signed: bool,
    /// Send `{"from_wallet": id}` in a submission's `documents` instead of uploading it.
    pub reuse_as: serde_json::Value,
}

pub(crate) fn wallet_item_view(w: WalletItemRecord) -> WalletItemView {
    WalletItemView {
        reuse_as: serde_json::json!({ "from_wallet": w.id }),
        id: w.id,
        holder_id: w.holder_id,
        kind: w.kind,
        name: w.name,
        content_type: w.content_type,
        size_bytes: w.size_bytes,
        sha256: w.sha256,
        source_dossier: w.source_dossier,
        added_at: vn_utc(w.added_at),
        signed: w.signed,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WalletView {
    pub holders: Vec<String>,
    pub items: Vec<WalletItemView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct WalletQuery {
    /// Staff at the counter: the applicant's citizen ID or tax code. Citizens see the
    /// identities bound to their account.
    pub holder: Option<String>,
}

/// The identity numbers whose store this user may see.
pub(crate) async fn wallet_holders(
    state: &AppState,
    user: &AuthUser,
    holder: Option<&str>,
) -> ApiResult<Vec<String>> {
    let holder = holder.map(str::trim).filter(|h| !h.is_empty());
    match user.role {
        Role::Citizen => {
            let mine = state.store.identities_of(user.id).await?;
            match holder {
                Some(h) if mine.iter().any(|m| m == h) => Ok(vec![h.to_owned()]),
                Some(_) => Err(ApiError::forbidden()),
                None => Ok(mine),
            }
        }
        role if is_staff(role) => {
            let h = holder.ok_or_else(|| {
                unprocessable(
                    "holder_required",
                    "Nhập số định danh cá nhân hoặc mã số thuế của người nộp (holder).",
                )
            })?;
            let normal = CitizenId::parse(h)
                .map(|c| c.as_str().to_owned())
                .or_else(|_| TaxCode::parse(h).map(|t| t.as_str().to_owned()))
                .map_err(|e| unprocessable(e.code(), e.to_string()))?;
            Ok(vec![normal])
        }
        _ => Err(ApiError::forbidden()),
    }
}

/// The applicant's document store: digitised results and components kept under a citizen
/// ID or tax code, reusable in later submissions.
#[utoipa::path(
    get, path = "/api/v1/wallet", tag = "documents", params(WalletQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The store", body = WalletView),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`holder_required`, `invalid_citizen_id`, `invalid_tax_code`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn wallet(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<WalletQuery>,
) -> ApiResult<Json<WalletView>> {
    let holders = wallet_holders(&state, &user, q.holder.as_deref()).await?;
    let items = state.store.wallet(&holders).await?;
    Ok(Json(WalletView {
        holders,
        items: items.into_iter().map(wallet_item_view).collect(),
    }))
}

/// May this user read this wallet item?
pub(crate) async fn wallet_item_for(
    state: &AppState,
    user: &AuthUser,
    id: &str,
) -> ApiResult<WalletItemRecord> {
    let missing = || ApiError::not_found("Không có giấy tờ này trong kho dữ liệu.");
    let id = Uuid::parse_str(id).map_err(|_| missing())?;
    let item = state.store.wallet_item(id).await?.ok_or_else(missing)?;
    let allowed = match user.role {
        Role::Citizen => state
            .store
            .identities_of(user.id)
            .await?
            .contains(&item.holder_id),
        role => is_staff(role),
    };
    if !allowed {
        return Err(missing());
    }
    Ok(item)
}

/// A stored document's bytes, checked against their SHA-256 on the way out.
#[utoipa::path(
    get, path = "/api/v1/wallet/{id}/content", tag = "documents",
    params(("id" = String, Path, description = "The wallet item")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The bytes", content_type = "application/octet-stream"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn wallet_content(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let item = wallet_item_for(&state, &user, &id).await?;
    stream_blob(
        &state,
        &item.sha256,
        item.size_bytes,
        &item.content_type,
        &item.name,
    )
    .await
}

// --------------------------------------------------------------------------- archive

fn archive_reader(user: &AuthUser) -> ApiResult<()> {
    user.require(&[Role::ProvinceAdmin, Role::Auditor])
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RetentionView {
    pub dossier_code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub applicant_name: String,
    pub state: String,
    pub closed_on: NaiveDate,
    /// None: kept permanently.
    pub retention_years: Option<i64>,
    /// After this day the records may be proposed for destruction; None: never.
    pub archive_after: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub archived_at: Option<DateTime<FixedOffset>>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub package_id: Option<Uuid>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub destroyed_at: Option<DateTime<FixedOffset>>,
}

pub(crate) fn retention_view(r: RetentionRecord) -> RetentionView {
    RetentionView {
        dossier_code: r.dossier_code,
        procedure_code: r.procedure_code,
        procedure_name: r.procedure_name,
        applicant_name: r.applicant_name,
        state: r.state,
        closed_on: r.closed_on,
        retention_years: r.retention_years,
        archive_after: r.archive_after,
        archived_at: r.archived_at.map(vn_utc),
        package_id: r.package_id,
        destroyed_at: r.destroyed_at.map(vn_utc),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PackageView {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub before_date: NaiveDate,
    pub location: String,
    pub dossiers: i64,
    pub documents: i64,
    pub bytes: i64,
    pub manifest_sha256: String,
    pub created_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<FixedOffset>,
}

pub(crate) fn package_view(p: ArchivePackageRecord) -> PackageView {
    PackageView {
        id: p.id,
        before_date: p.before_date,
        location: p.location,
        dossiers: p.dossiers,
        documents: p.documents,
        bytes: p.bytes,
        manifest_sha256: p.manifest_sha256,
        created_by: p.created_by,
        created_at: vn_utc(p.created_at),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DestructionListView {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub before_date: NaiveDate,
    /// `proposed`, `approved`, `rejected` or `executed`.
    pub state: String,
    pub dossiers: i64,
    pub proposed_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub proposed_at: DateTime<FixedOffset>,
    pub decided_by: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<DateTime<FixedOffset>>,
    pub note: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub executed_at: Option<DateTime<FixedOffset>>,
    pub blobs_deleted: Option<i64>,
    /// The records on the list (in the detail only).
    pub items: Option<Vec<RetentionView>>,
}

pub(crate) fn list_view(
    l: DestructionListRecord,
    items: Option<Vec<RetentionRecord>>,
) -> DestructionListView {
    DestructionListView {
        id: l.id,
        before_date: l.before_date,
        state: l.state,
        dossiers: l.dossiers,
        proposed_by: l.proposed_by,
        proposed_at: vn_utc(l.proposed_at),
        decided_by: l.decided_by,
        decided_at: l.decided_at.map(vn_utc),
        note: l.note,
        executed_at: l.executed_at.map(vn_utc),
        blobs_deleted: l.blobs_deleted,
        items: items.map(|i| i.into_iter().map(retention_view).collect()),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ArchivableQuery {
    /// Closed before this day (default: today).
    pub before: Option<NaiveDate>,
}

/// Closed dossiers not archived yet (at most 500), oldest first.
#[utoipa::path(
    get, path = "/api/v1/archive/archivable", tag = "archive", params(ArchivableQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Closed dossiers waiting for `motcua archive export`", body = Vec<RetentionView>),
        (status = 403, description = "Province administrators and auditors only", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn archivable(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<ArchivableQuery>,
) -> ApiResult<Json<Vec<RetentionView>>> {
    archive_reader(&user)?;
    let before = q
        .before
        .unwrap_or_else(|| crate::today_vn().succ_opt().unwrap_or_default());
    let rows = state.store.archivable(before, 500).await?;
    Ok(Json(rows.into_iter().map(retention_view).collect()))
}

/// Archive packages written, newest first.
#[utoipa::path(
    get, path = "/api/v1/archive/packages", tag = "archive",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Packages", body = Vec<PackageView>),
        (status = 403, description = "Province administrators and auditors only", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn packages(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<PackageView>>> {
    archive_reader(&user)?;
    let rows = state.store.archive_packages().await?;
    Ok(Json(rows.into_iter().map(package_view).collect()))
}

/// Destruction lists, newest first.
#[utoipa::path(
    get, path = "/api/v1/archive/destruction-lists", tag = "archive",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Lists", body = Vec<DestructionListView>),
        (status = 403, description = "Province administrators and auditors only", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn destruction_lists(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<DestructionListView>>> {
    archive_reader(&user)?;
    let rows = state.store.destruction_lists().await?;
    Ok(Json(rows.into_iter().map(|l| list_view(l, None)).collect()))
}

fn list_not_found() -> ApiError {
    ApiError::not_found("Không có danh sách tiêu hủy này.")
}

/// A destruction list with its records.
#[utoipa::path(
    get, path = "/api/v1/archive/destruction-lists/{id}", tag = "archive",
    params(("id" = String, Path, description = "The list")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The list", body = DestructionListView),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn destruction_list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<DestructionListView>> {
    archive_reader(&user)?;
    let id = Uuid::parse_str(&id).map_err(|_| list_not_found())?;
    let list = state
        .store
        .destruction_list(id)
        .await?
        .ok_or_else(list_not_found)?;
    let items = state.store.destruction_items(id).await?;
    Ok(Json(list_view(list, Some(items))))
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct DecisionBody {
    /// true approves, false rejects.
    pub approve: bool,
    pub note: Option<String>,
}

/// A province administrator approves (or rejects) a proposed destruction list; nothing is
/// deleted before approval, and then only by `motcua archive destroy --list ID`.
#[utoipa::path(
    post, path = "/api/v1/archive/destruction-lists/{id}/decision", tag = "archive",
    params(("id" = String, Path, description = "The list")), request_body = DecisionBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The list after the decision", body = DestructionListView),
        (status = 403, description = "Province administrators only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`destruction_list_decided`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn decide(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    super::ApiJson(body): super::ApiJson<DecisionBody>,
) -> ApiResult<Json<DestructionListView>> {
    user.require(&[Role::ProvinceAdmin])?;
    let id = Uuid::parse_str(&id).map_err(|_| list_not_found())?;
    let note = body
        .note
        .map(|n| n.trim().chars().take(2000).collect::<String>())
        .filter(|n| !n.is_empty());
    let audit = user.audit(
        "archive.destruction_decided",
        "archive",
        serde_json::json!({}),
    );
    let list = match state
        .store
        .decide_destruction(id, body.approve, note.as_deref(), crate::now(), audit)
        .await
    {
        Err(motcua_store::StoreError::NotFound(_)) => return Err(list_not_found()),
        other => other?,
    };
    Ok(Json(list_view(list, None)))
}

/// This module's routes, each with its OpenAPI path (the path comes from its `#[utoipa::path]`).
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        // Uploads stream and count against the configured limit themselves.
        .routes(routes!(upload).layer(DefaultBodyLimit::disable()))
        .routes(routes!(download))
        .routes(routes!(mark_digitised))
        // Uploads stream and count against the configured limit themselves.
        .routes(routes!(verify_hash, verify_file).layer(DefaultBodyLimit::disable()))
        .routes(routes!(signing_key))
        .routes(routes!(wallet))
        .routes(routes!(wallet_content))
        .routes(routes!(archivable))
        .routes(routes!(packages))
        .routes(routes!(destruction_lists))
        .routes(routes!(destruction_list))
        .routes(routes!(decide))
}
