//! A dossier's documents on the wire: each document, and what is digitised.

use super::vn_utc;
use chrono::{DateTime, FixedOffset};
use motcua_app::documents::views::{
    Digitisation, DossierDocument, RequiredComponent, documents_of,
};
use motcua_domain::procedure::Procedure;
use motcua_store::DocumentRecord;
use serde::Serialize;
use std::collections::HashSet;
use utoipa::ToSchema;
use uuid::Uuid;

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

impl From<DossierDocument> for DocumentView {
    fn from(d: DossierDocument) -> DocumentView {
        document_view(d.record, d.signed)
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

impl From<RequiredComponent> for RequiredComponentView {
    fn from(r: RequiredComponent) -> RequiredComponentView {
        RequiredComponentView {
            name: r.name,
            digitisation_required: r.digitisation_required,
            reusable: r.reusable,
            supplied: r.supplied,
            digitised: r.digitised,
        }
    }
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

impl From<Digitisation> for DigitisationView {
    fn from(d: Digitisation) -> DigitisationView {
        DigitisationView {
            components: d.components,
            components_digitised: d.components_digitised,
            reused: d.reused,
            complete: d.complete,
            receipt_signed: d.receipt_signed,
            results: d.results,
            results_signed: d.results_signed,
            required: d.required.into_iter().map(Into::into).collect(),
        }
    }
}

/// The documents of a dossier and what is digitised, for the dossier view.
pub(crate) fn document_views_of(
    docs: Vec<DocumentRecord>,
    signed: &HashSet<Uuid>,
    procedure: Option<&Procedure>,
) -> (Vec<DocumentView>, DigitisationView) {
    let (documents, digitisation) = documents_of(docs, signed, procedure);
    (
        documents.into_iter().map(Into::into).collect(),
        digitisation.into(),
    )
}
