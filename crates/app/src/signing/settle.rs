//! Settling a dossier's documents: the signed receipt (form 01) once it is received,
//! signatures on its results once it is approved, and those results into the applicant's
//! store once it is finished.

use super::KeyError;
use crate::App;
use motcua_domain::audit::AuditEntry;
use motcua_domain::document::{DocumentKind, DocumentOrigin, RECEIPT_FORMAT, Receipt, Statement};
use motcua_domain::dossier::DossierState;
use motcua_store::{NewDocument, SettleOutcome, Settlement, StoreError};

/// The receipt (form 01) of a received dossier, as stored and signed.
fn receipt_for(
    record: &motcua_store::DossierRecord,
    components: Vec<String>,
    form_data: Option<serde_json::Value>,
) -> Option<Receipt> {
    let d = &record.dossier;
    let received = d.received_at?;
    let vn = |t| motcua_domain::calendar::from_vn_local(t).to_rfc3339();
    Some(Receipt {
        format: RECEIPT_FORMAT.into(),
        form: "01".into(),
        dossier_code: d.code.to_string(),
        procedure_code: record.procedure_code.clone(),
        procedure_name: record.procedure_name.clone(),
        receiving_agency: d.receiving_agency.to_string(),
        applicant_name: record.applicant.name.clone(),
        channel: d.channel.as_str().into(),
        received_at: vn(received),
        due_at: d.due_at.map(vn),
        components,
        form_data,
    })
}

/// Issues what the dossier's state calls for and it lacks: the signed receipt once it is
/// received, signatures on its result documents once it is approved, and those results in
/// the applicant's store once it is finished. Idempotent; call it after any change. Does nothing
/// (with a warning) when signing is not configured.
pub async fn settle(
    app: &App,
    code: &str,
    actor: &AuditEntry,
) -> Result<SettleOutcome, SettleError> {
    let Some(signer) = app.signer.as_deref() else {
        tracing::warn!(dossier = code, "signing is not configured: nothing signed");
        return Ok(SettleOutcome::default());
    };
    let Some(record) = app.store.dossier(code).await? else {
        return Ok(SettleOutcome::default());
    };
    let documents = app.store.documents(code).await?;
    let signed: std::collections::HashSet<uuid::Uuid> = app
        .store
        .signatures_for_dossier(code)
        .await?
        .into_iter()
        .map(|s| s.document_id)
        .collect();
    let now = crate::now();
    let d = &record.dossier;
    let has_receipt = documents
        .iter()
        .any(|x| x.kind == DocumentKind::Receipt.as_str());
    let mut staged = None;
    let mut receipt = None;
    if !has_receipt && d.received_at.is_some() && d.state != DossierState::RefusedAtReceipt {
        let components = documents
            .iter()
            .filter(|x| x.kind == DocumentKind::Component.as_str())
            .map(|x| x.component.clone().unwrap_or_else(|| x.name.clone()))
            .collect();
        let form_data = match app.store.dossier_form(code).await? {
            Some(text) => serde_json::from_str(&text).ok(),
            None => None,
        };
        if let Some(r) = receipt_for(&record, components, form_data) {
            let blobs = app.documents.as_deref().ok_or(SettleError::NoStore)?;
            let blob = blobs.stage_bytes(r.to_bytes(), "application/json").await?;
            let id = uuid::Uuid::now_v7();
            let statement = Statement {
                agency_code: d.receiving_agency.to_string(),
                dossier_code: code.to_owned(),
                kind: DocumentKind::Receipt,
                sha256: blob.sha256.clone(),
                signed_at: now,
            };
            let signature = signer.sign(&app.store, &statement, id).await?;
            let doc = NewDocument {
                id,
                dossier_code: code.to_owned(),
                sha256: blob.sha256.clone(),
                name: format!("giay-tiep-nhan-{code}.json"),
                content_type: "application/json".into(),
                size_bytes: blob.size as i64,
                kind: DocumentKind::Receipt,
                origin: DocumentOrigin::Issued,
                component: None,
                digitised: false,
                at: now,
                certifies: None,
            };
            receipt = Some((doc, signature));
            staged = Some(blob);
        }
    }
    let stage = d.state.result_stage();
    let mut results = Vec::new();
    if stage.signs() {
        for doc in documents.iter().filter(|x| {
            x.kind == DocumentKind::Result.as_str()
                && x.destroyed_at.is_none()
                && !signed.contains(&x.id)
        }) {
            let statement = Statement {
                agency_code: d.handling_agency.to_string(),
                dossier_code: code.to_owned(),
                kind: DocumentKind::Result,
                sha256: doc.sha256.clone(),
                signed_at: now,
            };
            results.push(signer.sign(&app.store, &statement, doc.id).await?);
        }
    }
    // Signed results become the applicant's once the dossier is finished; the store adds
    // only those not in their store yet.
    let deliver = stage.delivers()
        && (record.applicant.citizen_id.is_some() || record.applicant.tax_code.is_some())
        && documents
            .iter()
            .any(|x| x.kind == DocumentKind::Result.as_str() && x.destroyed_at.is_none());
    if receipt.is_none() && results.is_empty() && !deliver {
        return Ok(SettleOutcome::default());
    }
    let settlement = Settlement {
        dossier_code: code.to_owned(),
        receipt,
        results,
        deliver,
        at: now,
    };
    let audit = AuditEntry {
        at: now,
        ..actor.clone()
    };
    let outcome = app.store.settle_documents(&settlement, audit).await;
    if let Some(blob) = staged {
        let blobs = app.documents.as_deref().ok_or(SettleError::NoStore)?;
        match &outcome {
            Ok(o) if o.receipt_added => {
                if let Err(e) = blobs.keep(blob).await {
                    tracing::error!(error = %e, dossier = code, "receipt committed but its blob could not be stored");
                }
            }
            _ => blobs.discard(blob).await,
        }
    }
    Ok(outcome?)
}

#[derive(Debug, thiserror::Error)]
pub enum SettleError {
    #[error("{0}")]
    Key(#[from] KeyError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the document store is not available")]
    NoStore,
}

/// Runs [`settle`] and logs a failure: the change that called it has committed anyway.
pub async fn settle_logged(app: &App, code: &str, actor: &AuditEntry) {
    if let Err(err) = settle(app, code, actor).await {
        tracing::error!(error = %err, dossier = code, "cannot issue or sign the dossier's documents");
    }
}
