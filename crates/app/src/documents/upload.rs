//! Adding a document to a dossier, streamed: every check that needs no body first
//! ([`prepare`]), then the body into the spool, the row, and the blob into place
//! ([`store`]). Also marking a document digitised.

use super::views::DossierDocument;
use crate::dossiers::attach::{blobs, upload_error};
use crate::{App, AppError, AppResult, Principal};
use motcua_domain::account::Role;
use motcua_domain::audit::AuditEntry;
use motcua_domain::document::{DocumentKind, check_name, parse_sha256};
use motcua_store::{DocumentRecord, DossierRecord, NewDocument};
use uuid::Uuid;

fn is_staff(role: Role) -> bool {
    matches!(role, Role::Receiver | Role::Specialist | Role::Leader)
}

fn document_not_found() -> AppError {
    AppError::not_found("document_not_found", "Không tìm thấy tài liệu.")
}

/// What an uploader says about a document, from a query string or a form.
#[derive(Debug, Default, Clone)]
pub struct UploadInput {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub component: Option<String>,
    pub digitised: bool,
    pub sha256: Option<String>,
    /// For a result made from data: what it certifies (JSON), kept beside it.
    pub certifies: Option<String>,
}

/// An upload that passed every check that needs no body.
pub struct PreparedUpload {
    pub record: DossierRecord,
    name: String,
    kind: DocumentKind,
    component: Option<String>,
    digitised: bool,
    expected: Option<String>,
    certifies: Option<String>,
}

/// Everything checked before a byte of the body is read: who may add what to this dossier,
/// the name, the kind, the announced hash.
pub async fn prepare(
    app: &App,
    who: &Principal,
    code: &str,
    input: &UploadInput,
) -> AppResult<PreparedUpload> {
    let record = crate::dossiers::load_visible(app, who, code).await?;
    let allowed = match who.role {
        Role::Citizen => record.owner.as_deref() == Some(&who.username),
        role => is_staff(role),
    };
    if !allowed {
        return Err(AppError::forbidden());
    }
    if record.dossier.state.is_closed() {
        return Err(AppError::conflict(
            "dossier_closed",
            "Hồ sơ đã kết thúc; không thêm tài liệu được nữa.",
        ));
    }
    let name = match input.name.as_deref() {
        Some(n) => check_name(n).map_err(|e| AppError::invalid(e.code(), e.to_string()))?,
        None => "tai-lieu".to_owned(),
    };
    let kind = match input.kind.as_deref().map(str::trim) {
        None | Some("") | Some("component") => DocumentKind::Component,
        Some("result") => DocumentKind::Result,
        Some(other) => {
            return Err(AppError::invalid(
                "invalid_document_kind",
                format!("Loại tài liệu \"{other}\" không hợp lệ: component hoặc result."),
            ));
        }
    };
    if (kind == DocumentKind::Result || input.digitised) && !is_staff(who.role) {
        return Err(AppError::forbidden());
    }
    if kind == DocumentKind::Result && !record.dossier.state.result_stage().accepts_results() {
        return Err(AppError::conflict(
            "result_not_expected",
            "Chỉ đính kèm kết quả (hoặc dự thảo kết quả) khi hồ sơ đã được tiếp nhận và chưa \
             bị từ chối, rút hoặc dừng.",
        ));
    }
    let expected = input
        .sha256
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(|h| parse_sha256(h).map_err(|e| AppError::invalid(e.code(), e.to_string())))
        .transpose()?;
    let component = input
        .component
        .as_deref()
        .map(|c| c.trim().chars().take(500).collect::<String>())
        .filter(|c| !c.is_empty());
    Ok(PreparedUpload {
        record,
        name,
        kind,
        component,
        digitised: input.digitised,
        expected,
        certifies: input.certifies.clone(),
    })
}

/// Streams the body in, records the document, moves the blob into place (or drops it
/// when the row did not commit), and signs a result once the dossier is approved (before
/// that it is a draft for the decision-maker).
pub async fn store<S, E>(
    app: &App,
    who: &Principal,
    p: PreparedUpload,
    body: S,
) -> AppResult<DossierDocument>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Send,
    E: std::fmt::Display,
{
    let blobs = blobs(app)?;
    let max = blobs.max_bytes();
    let staged = blobs
        .receive(body, p.expected.as_deref())
        .await
        .map_err(|e| upload_error(e, max))?;
    let record = &p.record;
    let doc = NewDocument {
        kind: p.kind,
        component: p.component,
        digitised: p.digitised,
        certifies: p.certifies,
        ..NewDocument::upload(
            record.code(),
            &staged.sha256,
            &p.name,
            staged.content_type,
            staged.size as i64,
            crate::now(),
        )
    };
    let audit = who.audit("dossier.document_added", "dossier", serde_json::json!({}));
    let row = match app.store.add_document(&doc, audit.clone()).await {
        Ok(row) => row,
        Err(err) => {
            blobs.discard(staged).await;
            return Err(err.into());
        }
    };
    if let Err(e) = blobs.keep(staged).await {
        tracing::error!(error = %e, sha256 = %row.sha256, "document row committed but its blob could not be stored");
        return Err(AppError::internal(e));
    }
    let mut signed = false;
    // A draft waits for approval; once approved, a result is signed as it arrives.
    if p.kind == DocumentKind::Result && record.dossier.state.result_stage().signs() {
        crate::signing::settle_logged(app, record.code(), &audit).await;
        signed = !app.store.signatures_for_hash(&row.sha256).await?.is_empty();
    }
    let record = app.store.document(row.id).await?.unwrap_or(row);
    Ok(DossierDocument { record, signed })
}

/// An officer of the receiving (or handling) agency marks a component or a paper result
/// digitised: who and when are recorded, and the document goes into the applicant's store.
pub async fn mark_digitised(
    app: &App,
    who: &Principal,
    code: &str,
    id: &str,
) -> AppResult<DossierDocument> {
    let record = crate::dossiers::load_visible(app, who, code).await?;
    let at_agency = who.agency().is_some_and(|a| {
        a == record.dossier.receiving_agency || a == record.dossier.handling_agency
    });
    if !is_staff(who.role) || !at_agency {
        return Err(AppError::forbidden());
    }
    let (id, audit) = document_change(who, id, "dossier.document_digitised")?;
    let doc = of_dossier(
        app.store
            .mark_digitised(record.code(), id, crate::now(), audit)
            .await,
    )?;
    let signed = !app.store.signatures_for_hash(&doc.sha256).await?.is_empty();
    Ok(DossierDocument {
        record: doc,
        signed,
    })
}

/// Staff who may add a result withdraw a draft (unsigned), so that approval does not sign
/// it: a corrected draft replaces it.
pub async fn withdraw_draft(
    app: &App,
    who: &Principal,
    code: &str,
    id: &str,
) -> AppResult<DossierDocument> {
    let record = crate::dossiers::load_visible(app, who, code).await?;
    if !is_staff(who.role) {
        return Err(AppError::forbidden());
    }
    let (id, audit) = document_change(who, id, "dossier.result_draft_withdrawn")?;
    let doc = of_dossier(
        app.store
            .withdraw_draft_result(record.code(), id, crate::now(), audit)
            .await,
    )?;
    Ok(DossierDocument {
        record: doc,
        signed: false,
    })
}

/// The document's id, and the audit entry of a change to it.
fn document_change(who: &Principal, id: &str, action: &str) -> AppResult<(Uuid, AuditEntry)> {
    let id = Uuid::parse_str(id).map_err(|_| document_not_found())?;
    Ok((id, who.audit(action, "dossier", serde_json::json!({}))))
}

/// A document the store did not find in the dossier is `document_not_found`.
fn of_dossier<T>(result: Result<T, motcua_store::StoreError>) -> AppResult<T> {
    match result {
        Err(motcua_store::StoreError::NotFound(_)) => Err(document_not_found()),
        other => Ok(other?),
    }
}

/// A document of a dossier the principal may see, for download (destroyed ones too: the
/// edge says they are gone).
pub async fn document(
    app: &App,
    who: &Principal,
    code: &str,
    id: &str,
) -> AppResult<DocumentRecord> {
    let record = crate::dossiers::load_visible(app, who, code).await?;
    let id = Uuid::parse_str(id).map_err(|_| document_not_found())?;
    app.store
        .document(id)
        .await?
        .filter(|d| d.dossier_code == record.code())
        .ok_or_else(document_not_found)
}
