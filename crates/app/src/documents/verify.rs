//! Checking what was signed over some content (by hash or by a file that is hashed and
//! not kept), and agencies' public signing keys. Public: anyone may check a result.

use crate::dossiers::attach::{blobs, upload_error};
use crate::signing::{SignatureCheck, check_hash, key_id};
use crate::{App, AppError, AppResult};
use chrono::{DateTime, Utc};
use motcua_domain::document::{DocumentKind, parse_sha256};
use motcua_store::{DocumentRecord, DossierRecord, SigningKeyRecord};

/// One signature over the content, checked.
#[derive(Debug, Clone)]
pub struct CheckedSignature {
    /// `receipt` or `result`.
    pub kind: String,
    pub kind_label: String,
    pub dossier_code: String,
    pub agency_code: String,
    pub agency_name: Option<String>,
    pub signed_at: DateTime<Utc>,
    /// The canonical statement signed, exactly as signed.
    pub statement: String,
    /// Base64 Ed25519 signature over the statement's bytes.
    pub signature: String,
    /// The agency's public key (base64) it was checked against.
    pub public_key: Option<String>,
    /// `ed25519:` and 16 hex digits of the key's SHA-256, as printed on results.
    pub key_id: Option<String>,
    pub valid: bool,
    /// Why not: `signature_invalid`, `statement_mismatch`, `unknown_signing_key`.
    pub problem: Option<&'static str>,
    pub detail: String,
    /// For a result made from data: what it certifies.
    pub certifies: Option<crate::forms::results::Certified>,
}

impl From<SignatureCheck> for CheckedSignature {
    fn from(c: SignatureCheck) -> CheckedSignature {
        let kind = DocumentKind::parse(&c.record.kind);
        CheckedSignature {
            kind_label: kind.map(|k| k.label_vi()).unwrap_or_default().into(),
            valid: c.valid(),
            problem: c.problem.map(|p| p.code()),
            detail: match c.problem {
                Some(p) => p.detail_vi().into(),
                None => "Chữ ký hợp lệ: tài liệu đúng là tài liệu cơ quan đã ký, chưa bị thay đổi."
                    .into(),
            },
            kind: c.record.kind,
            dossier_code: c.record.dossier_code,
            agency_code: c.record.agency_code,
            agency_name: c.agency_name,
            signed_at: c.record.signed_at,
            statement: c.record.statement,
            signature: c.record.signature,
            key_id: c.public_key.as_deref().and_then(key_id),
            public_key: c.public_key,
            certifies: None,
        }
    }
}

/// A check with what the signed document certifies, when it is a result made from data.
async fn checked(app: &App, check: SignatureCheck) -> AppResult<CheckedSignature> {
    let document_id = check.record.document_id;
    let mut out = CheckedSignature::from(check);
    if out.kind == DocumentKind::Result.as_str()
        && let Some(contents) = app.store.certified(document_id).await?
    {
        out.certifies = serde_json::from_str(&contents).ok();
    }
    Ok(out)
}

/// What was signed over some content.
#[derive(Debug, Clone)]
pub struct Verification {
    pub sha256: String,
    /// The size of the file checked, when a file was sent.
    pub size_bytes: Option<u64>,
    /// Every signature holds.
    pub valid: bool,
    pub signatures: Vec<CheckedSignature>,
}

/// Every signature over content with this (parsed) SHA-256, checked; none is no error.
pub async fn signatures_over(app: &App, sha256: &str) -> AppResult<Vec<CheckedSignature>> {
    let mut out = Vec::new();
    for check in check_hash(&app.store, sha256).await? {
        out.push(checked(app, check).await?);
    }
    Ok(out)
}

/// The kept results of a dossier already loaded for its reader, each with the signature
/// over it checked; unsigned results are left out.
pub async fn signed_results(
    app: &App,
    record: &DossierRecord,
) -> AppResult<Vec<(DocumentRecord, CheckedSignature)>> {
    let mut out = Vec::new();
    for doc in app.store.documents(record.code()).await? {
        if doc.kind != DocumentKind::Result.as_str() || doc.destroyed_at.is_some() {
            continue;
        }
        let checks = check_hash(&app.store, &doc.sha256).await?;
        if let Some(check) = checks.into_iter().find(|c| c.record.document_id == doc.id) {
            out.push((doc, checked(app, check).await?));
        }
    }
    Ok(out)
}

/// The signatures over `sha256` (as typed); `not_signed` when there is none.
pub async fn verify_hash(app: &App, sha256: &str) -> AppResult<Verification> {
    let sha256 = parse_sha256(sha256).map_err(|e| AppError::invalid(e.code(), e.to_string()))?;
    verification(app, &sha256, None).await
}

/// Hashes a body without keeping it, within the size limit: its SHA-256 and size.
pub async fn hash_body<S, E>(app: &App, body: S) -> AppResult<(String, u64)>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Send,
    E: std::fmt::Display,
{
    let blobs = blobs(app)?;
    let max = blobs.max_bytes();
    blobs
        .hash_stream(body)
        .await
        .map_err(|e| upload_error(e, max))
}

/// The signatures over a file's content; `not_signed` when there is none.
pub async fn verify_body<S, E>(app: &App, body: S) -> AppResult<Verification>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Send,
    E: std::fmt::Display,
{
    let (sha256, size) = hash_body(app, body).await?;
    verification(app, &sha256, Some(size)).await
}

async fn verification(app: &App, sha256: &str, size: Option<u64>) -> AppResult<Verification> {
    let signatures = signatures_over(app, sha256).await?;
    if signatures.is_empty() {
        return Err(AppError::not_found(
            "not_signed",
            "Không có chữ ký nào của cơ quan nhà nước trên tài liệu có mã băm này: tài liệu không do hệ thống cấp, hoặc đã bị thay đổi.",
        ));
    }
    Ok(Verification {
        sha256: sha256.to_owned(),
        size_bytes: size,
        valid: signatures.iter().all(|s| s.valid),
        signatures,
    })
}

/// The public key an agency signs with (made on its first signature).
pub async fn signing_key(app: &App, agency: &str) -> AppResult<SigningKeyRecord> {
    let code = agency.trim().to_ascii_uppercase();
    app.store.signing_key(&code).await?.ok_or_else(|| {
        AppError::not_found("no_signing_key", format!("Cơ quan {code} chưa có khóa ký."))
    })
}
