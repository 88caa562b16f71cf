//! A dossier's documents as every edge shows them: each with whether it is signed, and
//! what is digitised against what the procedure asks for (Circular 01/2023/TT-VPCP).

use crate::{App, AppResult, Principal};
use motcua_domain::document::{DocumentKind, DocumentOrigin};
use motcua_domain::procedure::Procedure;
use motcua_store::{DocumentRecord, DossierRecord};
use std::collections::HashSet;
use uuid::Uuid;

/// A document of a dossier.
#[derive(Debug, Clone)]
pub struct DossierDocument {
    pub record: DocumentRecord,
    /// Signed by the agency (receipts and results).
    pub signed: bool,
}

impl DossierDocument {
    /// A signed result whose bytes are kept: it has a printed sheet with a QR code.
    pub fn printable_result(&self) -> bool {
        self.record.kind == DocumentKind::Result.as_str()
            && self.signed
            && self.record.destroyed_at.is_none()
    }
}

/// A component the procedure asks for, and where the dossier stands with it.
#[derive(Debug, Clone)]
pub struct RequiredComponent {
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
#[derive(Debug, Clone)]
pub struct Digitisation {
    pub components: i64,
    pub components_digitised: i64,
    /// Components taken from the applicant's store instead of being supplied again.
    pub reused: i64,
    /// Every component is digitised (and there is at least one).
    pub complete: bool,
    pub receipt_signed: bool,
    pub results: i64,
    pub results_signed: i64,
    pub required: Vec<RequiredComponent>,
}

/// A visible dossier with its documents.
pub struct DossierDocuments {
    pub record: DossierRecord,
    pub documents: Vec<DossierDocument>,
    pub digitisation: Digitisation,
}

/// The documents of a dossier the principal may see.
pub async fn dossier_documents(
    app: &App,
    who: &Principal,
    code: &str,
) -> AppResult<DossierDocuments> {
    let record = crate::dossiers::load_visible(app, who, code).await?;
    let docs = app.store.documents(record.code()).await?;
    let signed: HashSet<Uuid> = app
        .store
        .signatures_for_dossier(record.code())
        .await?
        .into_iter()
        .map(|s| s.document_id)
        .collect();
    let procedure = app
        .store
        .procedure_version(&record.procedure_code, record.procedure_version_no)
        .await?
        .map(|v| v.procedure);
    let (documents, digitisation) = documents_of(docs, &signed, procedure.as_ref());
    Ok(DossierDocuments {
        record,
        documents,
        digitisation,
    })
}

/// The same from what is already read.
pub fn documents_of(
    docs: Vec<DocumentRecord>,
    signed: &HashSet<Uuid>,
    procedure: Option<&Procedure>,
) -> (Vec<DossierDocument>, Digitisation) {
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
                    RequiredComponent {
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
    let digitisation = Digitisation {
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
    let documents = docs
        .into_iter()
        .map(|record| DossierDocument {
            signed: signed.contains(&record.id),
            record,
        })
        .collect();
    (documents, digitisation)
}
