//! Dossiers submitted on the national public service portal, coming in (Decision 31/2021
//! Art. 30): authenticated by the client's secret over body and timestamp, refused when
//! replayed, and registered once per national dossier id, with their documents, in the
//! receiving agency's queue.

use crate::dossiers::attach::{blobs, upload_error};
use crate::dossiers::submit::{ApplicantInput, Relayed, SubmitRequest, submit_from};
use crate::error::{AppError, AppResult};
use crate::{App, now};
use base64::Engine;
use chrono::{DateTime, TimeDelta, Utc};
use motcua_domain::account::Role;
use motcua_domain::audit::AuditEntry;
use motcua_domain::document::check_name;
use motcua_store::{DossierRecord, NewDocument, Submitted};
use serde::Deserialize;
use subtle::ConstantTimeEq;

/// A request's timestamp may be this far from the server's clock, either way.
pub const REPLAY_WINDOW: TimeDelta = TimeDelta::minutes(5);

/// A system allowed to send dossiers in, with the secret it signs with.
#[derive(Clone)]
pub struct InboundClient {
    pub client_id: String,
    pub secret: String,
}

impl std::fmt::Debug for InboundClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboundClient")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// A request as it arrived: its signing headers (absent ones are None) and its raw body.
pub struct SignedRequest<'a> {
    pub client_id: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
    pub body: &'a [u8],
}

fn refused(code: &'static str, detail: &str) -> AppError {
    AppError::BadSignature {
        code,
        detail: detail.to_owned(),
    }
}

/// Checks who signed the request, that its time is within [`REPLAY_WINDOW`] and that its
/// signature was not seen before; returns the client's id.
pub async fn authenticate(
    app: &App,
    clients: &[InboundClient],
    request: &SignedRequest<'_>,
) -> AppResult<String> {
    let (Some(id), Some(timestamp), Some(signature)) =
        (request.client_id, request.timestamp, request.signature)
    else {
        return Err(refused(
            "unsigned_request",
            "Yêu cầu phải có x-client-id, x-timestamp và x-signature.",
        ));
    };
    let Some(client) = clients.iter().find(|c| c.client_id == id) else {
        return Err(refused(
            "unknown_client",
            "Hệ thống gửi không được đăng ký.",
        ));
    };
    let at = timestamp
        .parse::<i64>()
        .ok()
        .and_then(|t| DateTime::<Utc>::from_timestamp(t, 0))
        .ok_or_else(|| refused("bad_timestamp", "x-timestamp phải là giây Unix."))?;
    let expected = super::national::signature(&client.secret, at.timestamp(), request.body);
    if !bool::from(
        expected
            .as_bytes()
            .ct_eq(signature.trim().to_ascii_lowercase().as_bytes()),
    ) {
        return Err(refused(
            "bad_signature",
            "Chữ ký của yêu cầu không đúng với nội dung và thời điểm gửi.",
        ));
    }
    let now = now();
    if (now - at).abs() > REPLAY_WINDOW {
        return Err(refused(
            "stale_request",
            "Thời điểm gửi lệch quá 5 phút so với máy chủ: yêu cầu cũ hoặc đồng hồ sai.",
        ));
    }
    let first = app
        .store
        .first_sight_of_signature(&expected, now, now - REPLAY_WINDOW * 2)
        .await?;
    if !first {
        return Err(refused(
            "replayed_request",
            "Yêu cầu này đã được nhận một lần: ký lại với thời điểm mới để gửi lại.",
        ));
    }
    Ok(client.client_id.clone())
}

/// A dossier as the national portal sends it in.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NationalDossier {
    /// The portal's id of the dossier.
    pub national_id: String,
    pub procedure_code: String,
    /// The agency that receives it here.
    pub agency_code: String,
    pub applicant: ApplicantInput,
    #[serde(default)]
    pub form_data: Option<serde_json::Value>,
    #[serde(default)]
    pub documents: Vec<NationalDocument>,
}

/// One document of the dossier, its content in base64.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NationalDocument {
    pub name: String,
    #[serde(default)]
    pub component: Option<String>,
    pub content_base64: String,
}

/// The principal the national portal's dossiers are registered under (idempotency keys).
const PRINCIPAL: &str = "cong-dvcqg";

/// Registers the dossier once per national id: a repeat answers the dossier registered
/// first (`true`). Every document is checked and spooled before anything is written, so a
/// refused request leaves nothing behind.
pub async fn receive(
    app: &App,
    client_id: &str,
    dossier: NationalDossier,
    request_hash: String,
) -> AppResult<(DossierRecord, bool)> {
    let national_id = dossier.national_id.trim().to_owned();
    if national_id.is_empty() || national_id.chars().count() > 100 {
        return Err(AppError::invalid_field(
            "national_id",
            "invalid_national_id",
            "Mã hồ sơ trên Cổng DVCQG phải có từ 1 đến 100 ký tự.",
        ));
    }
    if let Some(code) = app.store.national_dossier(&national_id).await? {
        let record = app
            .store
            .dossier(&code)
            .await?
            .ok_or_else(|| AppError::internal("a national dossier without its dossier"))?;
        return Ok((record, true));
    }
    let blobs = blobs(app)?;
    let mut staged = Vec::new();
    for (i, doc) in dossier.documents.iter().enumerate() {
        let name = check_name(&doc.name).map_err(|e| {
            AppError::invalid_field("documents", e.code(), format!("Tài liệu {}: {e}", i + 1))
        })?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(doc.content_base64.trim())
            .map_err(|_| {
                AppError::invalid_field(
                    "documents",
                    "invalid_base64",
                    format!("Tài liệu {}: content_base64 không phải base64.", i + 1),
                )
            })?;
        let body = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(bytes))]);
        let file = blobs
            .receive(body, None)
            .await
            .map_err(|e| upload_error(e, blobs.max_bytes()))?;
        staged.push((name, doc.component.clone(), file));
    }
    let request = SubmitRequest {
        procedure_code: dossier.procedure_code,
        agency_code: Some(dossier.agency_code),
        channel: Some("online".into()),
        applicant: dossier.applicant.parse()?,
        receive: None,
        idempotency: Some((national_id.clone(), request_hash)),
        attachments: Vec::new(),
        form_data: dossier.form_data,
        offered_known: false,
    };
    let relayed = Relayed {
        actor: relayed_audit(client_id, &national_id, "dossier.submitted"),
        principal: PRINCIPAL.to_owned(),
    };
    let (submitted, _) = submit_from(app, None, Some(relayed), request).await?;
    let (record, replayed) = match submitted {
        Submitted::Created(r, _) => (r, false),
        Submitted::Replayed(r) => (r, true),
    };
    app.store
        .link_national_dossier(&national_id, record.code(), client_id, now())
        .await?;
    if replayed {
        return Ok((record, true));
    }
    for (name, component, file) in staged {
        let doc = NewDocument {
            component,
            ..NewDocument::upload(
                record.code(),
                &file.sha256,
                &name,
                file.content_type,
                file.size as i64,
                now(),
            )
        };
        let audit = relayed_audit(client_id, &national_id, "dossier.document_added");
        let row = match app.store.add_document(&doc, audit).await {
            Ok(row) => row,
            Err(err) => {
                blobs.discard(file).await;
                return Err(err.into());
            }
        };
        if let Err(e) = blobs.keep(file).await {
            tracing::error!(error = %e, sha256 = %row.sha256, "an inbound document's blob could not be stored");
            return Err(AppError::internal(e));
        }
    }
    Ok((record, false))
}

/// What the portal's connector did, in the audit chain.
fn relayed_audit(client_id: &str, national_id: &str, action: &str) -> AuditEntry {
    AuditEntry {
        at: now(),
        actor: format!("connector:{client_id}"),
        actor_role: Some(Role::Citizen.as_str().into()),
        agency_code: None,
        action: action.into(),
        subject: "dossier".into(),
        detail: serde_json::json!({ "national_id": national_id, "via": "national_portal" })
            .to_string(),
    }
}
