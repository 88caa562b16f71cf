//! E-receipts (biên lai điện tử; Decree 11/2020/NĐ-CP art. 31): numbered when the payment is
//! recorded, then issued as a signed document of the dossier and put in the payer's store.

use crate::{App, AppError, AppResult};
use motcua_domain::audit::AuditEntry;
use motcua_domain::document::{DocumentKind, DocumentOrigin, Statement};
use motcua_domain::receipt::{
    FEE_RECEIPT_FORMAT, FeeReceipt, ReceiptItem, channel_label, number_text,
};
use motcua_store::{DossierRecord, NewDocument, ReceiptDetail};
use serde::Serialize;

/// A receipt as people read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceiptView {
    pub id: String,
    /// The series (ký hiệu), e.g. `BL-2026`.
    pub series: String,
    /// The number in the series, as printed (seven digits).
    pub number: String,
    pub agency_code: String,
    pub agency_name: String,
    pub dossier_code: String,
    pub procedure_name: String,
    pub payer: String,
    pub items: Vec<ReceiptLine>,
    pub amount_vnd: i64,
    pub amount_in_words: String,
    /// `platform`, `bank` or `counter`.
    pub channel: String,
    pub channel_label: String,
    pub reference: Option<String>,
    pub paid_at: chrono::DateTime<chrono::Utc>,
    pub issued_at: chrono::DateTime<chrono::Utc>,
    /// The signed document, once issued, and its SHA-256 (checkable at `/verify`).
    pub document_id: Option<String>,
    pub document_sha256: Option<String>,
}

/// One line of a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceiptLine {
    pub name: String,
    pub quantity: u32,
    pub amount_vnd: i64,
}

fn view_of(
    record: &DossierRecord,
    detail: ReceiptDetail,
    agencies: &[motcua_domain::agency::Agency],
) -> AppResult<ReceiptView> {
    let r = detail.receipt;
    let agency_name = (agencies.iter())
        .find(|a| a.code.as_str() == r.agency_code)
        .map_or_else(|| r.agency_code.clone(), |a| a.name.clone());
    let items: Vec<ReceiptItem> = serde_json::from_str(&r.items).map_err(AppError::internal)?;
    Ok(ReceiptView {
        document_sha256: detail.sha256,
        series: r.series,
        number: number_text(r.number),
        agency_code: r.agency_code,
        agency_name,
        dossier_code: r.dossier_code,
        procedure_name: record.procedure_name.clone(),
        payer: r.payer,
        items: items
            .into_iter()
            .map(|i| ReceiptLine {
                name: i.name,
                quantity: i.quantity,
                amount_vnd: i.amount_vnd,
            })
            .collect(),
        amount_vnd: r.amount_vnd,
        amount_in_words: motcua_domain::words::amount_in_words(r.amount_vnd),
        channel_label: channel_label(&detail.channel).into(),
        channel: detail.channel,
        reference: detail.reference,
        paid_at: detail.paid_at,
        issued_at: r.issued_at,
        document_id: r.document_id.map(|id| id.to_string()),
        id: r.id,
    })
}

/// The receipts of a dossier the caller may already see.
pub async fn of_dossier(app: &App, record: &DossierRecord) -> AppResult<Vec<ReceiptView>> {
    let details = app.store.receipt_details(record.code()).await?;
    if details.is_empty() {
        return Ok(Vec::new());
    }
    let agencies = crate::register::all_agencies(app).await?;
    (details.into_iter())
        .map(|d| view_of(record, d, &agencies))
        .collect()
}

/// One receipt of a dossier the caller may already see.
pub async fn one(app: &App, record: &DossierRecord, id: &str) -> AppResult<ReceiptView> {
    (of_dossier(app, record).await?.into_iter())
        .find(|r| r.id == id)
        .ok_or_else(|| {
            AppError::not_found("receipt_not_found", "Không có biên lai này trong hồ sơ.")
        })
}

/// Issues the signed documents of a dossier's numbered receipts that lack one; returns how
/// many. Does nothing (with a warning) when signing is not configured.
pub async fn issue(app: &App, code: &str, actor: &AuditEntry) -> AppResult<usize> {
    let Some(signer) = app.signer.as_deref() else {
        tracing::warn!(
            dossier = code,
            "signing is not configured: no receipt signed"
        );
        return Ok(0);
    };
    let Some(record) = app.store.dossier(code).await? else {
        return Ok(0);
    };
    let blobs = (app.documents.as_deref())
        .ok_or_else(|| AppError::internal("the document store is not available"))?;
    let holder = (record
        .applicant
        .citizen_id
        .as_ref()
        .map(|c| c.as_str().to_owned()))
    .or_else(|| {
        record
            .applicant
            .tax_code
            .as_ref()
            .map(|t| t.as_str().to_owned())
    });
    let mut issued = 0;
    let pending: Vec<ReceiptView> = (of_dossier(app, &record).await?.into_iter())
        .filter(|r| r.document_id.is_none())
        .collect();
    for view in pending {
        let vn = |t: chrono::DateTime<chrono::Utc>| {
            t.with_timezone(&motcua_domain::calendar::VN_OFFSET)
                .to_rfc3339()
        };
        let document = FeeReceipt {
            format: FEE_RECEIPT_FORMAT.into(),
            series: view.series.clone(),
            number: view.number.clone(),
            agency_code: view.agency_code.clone(),
            agency_name: view.agency_name.clone(),
            dossier_code: view.dossier_code.clone(),
            procedure_name: view.procedure_name.clone(),
            payer: view.payer.clone(),
            items: (view.items.iter())
                .map(|i| ReceiptItem {
                    name: i.name.clone(),
                    quantity: i.quantity,
                    amount_vnd: i.amount_vnd,
                })
                .collect(),
            amount_vnd: view.amount_vnd,
            amount_in_words: view.amount_in_words.clone(),
            channel: view.channel.clone(),
            reference: view.reference.clone(),
            paid_at: vn(view.paid_at),
            issued_at: vn(view.issued_at),
        };
        let now = crate::now();
        let blob = (blobs
            .stage_bytes(document.to_bytes(), "application/json")
            .await)
            .map_err(AppError::internal)?;
        let id = uuid::Uuid::now_v7();
        let statement = Statement {
            agency_code: view.agency_code.clone(),
            dossier_code: code.to_owned(),
            kind: DocumentKind::FeeReceipt,
            sha256: blob.sha256.clone(),
            signed_at: now,
        };
        let signature = (signer.sign(&app.store, &statement, id).await)
            .map_err(|e| AppError::internal(e.to_string()))?;
        let doc = NewDocument {
            id,
            dossier_code: code.to_owned(),
            sha256: blob.sha256.clone(),
            name: document.file_name(),
            content_type: "application/json".into(),
            size_bytes: blob.size as i64,
            kind: DocumentKind::FeeReceipt,
            origin: DocumentOrigin::Issued,
            component: None,
            digitised: false,
            at: now,
            certifies: None,
        };
        let audit = AuditEntry {
            at: now,
            action: "dossier.fee_receipt_issued".into(),
            subject: format!("dossier:{code}"),
            detail: serde_json::json!({
                "receipt": view.id, "series": view.series, "number": view.number,
                "document": id, "sha256": blob.sha256,
            })
            .to_string(),
            ..actor.clone()
        };
        let attached = app
            .store
            .attach_receipt_document(&view.id, &doc, &signature, holder.as_deref(), audit)
            .await;
        match attached {
            Ok(true) => {
                if let Err(e) = blobs.keep(blob).await {
                    tracing::error!(error = %e, dossier = code, "receipt committed but its blob could not be stored");
                }
                issued += 1;
            }
            Ok(false) => blobs.discard(blob).await,
            Err(e) => {
                blobs.discard(blob).await;
                return Err(e.into());
            }
        }
    }
    Ok(issued)
}

/// Runs [`issue`] and logs a failure: the payment has committed anyway, and the next payment
/// of the dossier issues what is missing.
pub async fn issue_logged(app: &App, code: &str, actor: &AuditEntry) {
    if let Err(err) = issue(app, code, actor).await {
        tracing::error!(error = %err, dossier = code, "cannot issue the dossier's e-receipts");
    }
}
