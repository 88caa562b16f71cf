//! The citizens' side of dossiers: the online form of a procedure (applicant data and
//! document uploads, anonymous or signed in), the public lookup with its rating form,
//! and a signed-in citizen's own dossiers.

mod applicant;
mod drafts;
pub(super) mod eform;
mod fees;
mod form;
mod lookup;
mod mine;
mod pay;
mod submit;

pub(super) use applicant::{
    declaration_pdf as applicant_declaration, document as applicant_document,
    dossier as applicant_dossier, print_form as applicant_form, print_result as applicant_result,
    supplement as applicant_supplement,
};
pub(super) use drafts::delete as delete_draft;
pub(super) use fees::{
    applicant_payment_request, applicant_receipt, officer_payment_request, officer_receipt,
};
pub(super) use form::submit_form;
pub(super) use lookup::{lookup, rate};
pub(super) use mine::{my_dossier, my_dossiers};
pub(super) use pay::{came_back as payment_return, pay};
pub(super) use submit::{submit, submitted};

use motcua_app::dossiers::submit::{ApplicantInput, FieldError};
use motcua_domain::notice::NoticeChannel;

use std::collections::HashMap;

/// The applicant's fields as typed, to fill the form again after a mistake.
#[derive(Debug, Clone, Default)]
pub(crate) struct ApplicantFields {
    pub kind: String,
    pub name: String,
    pub citizen_id: String,
    pub tax_code: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    /// The channels the applicant chose to hear on.
    pub notify: Vec<String>,
    pub offered: Vec<NoticeChannel>,
}

impl ApplicantFields {
    pub fn from_map(map: &HashMap<String, String>) -> ApplicantFields {
        let get = |k: &str| map.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
        ApplicantFields {
            kind: Some(get("kind"))
                .filter(|k| !k.is_empty())
                .unwrap_or_else(|| "person".into()),
            name: get("name"),
            citizen_id: get("citizen_id"),
            tax_code: get("tax_code"),
            phone: get("phone"),
            email: get("email"),
            address: get("address"),
            notify: NoticeChannel::ALL
                .into_iter()
                .filter(|c| !get(&format!("notify_{}", c.as_str())).is_empty())
                .map(|c| c.as_str().to_owned())
                .collect(),
            offered: Vec::new(),
        }
    }

    /// The channels the page offers (those this instance delivers).
    pub fn offering(mut self, channels: &[NoticeChannel]) -> ApplicantFields {
        self.offered = channels.to_vec();
        self
    }

    /// The notice checkboxes: (name suffix, label, checked).
    pub fn notice_options(&self) -> Vec<(&'static str, &'static str, bool)> {
        self.offered
            .iter()
            .map(|c| {
                (
                    c.as_str(),
                    c.label_vi(),
                    self.notify.iter().any(|n| n == c.as_str()),
                )
            })
            .collect()
    }

    pub fn body(&self) -> ApplicantInput {
        let opt = |v: &str| Some(v.to_owned()).filter(|v| !v.is_empty());
        ApplicantInput {
            kind: self.kind.clone(),
            name: self.name.clone(),
            citizen_id: opt(&self.citizen_id),
            tax_code: opt(&self.tax_code),
            phone: opt(&self.phone),
            email: opt(&self.email),
            address_unit: None,
            address: opt(&self.address),
            notify: self.notify.clone(),
        }
    }

    pub fn is_business(&self) -> bool {
        self.kind == "business"
    }
}

/// A form problem next to its field.
#[derive(Debug, Clone)]
pub(crate) struct FormError {
    pub field: String,
    pub message: String,
}

impl From<FieldError> for FormError {
    fn from(e: FieldError) -> FormError {
        FormError {
            field: e.field.to_owned(),
            message: motcua_domain::text::sentence(&e.message).into_owned(),
        }
    }
}

pub(crate) fn error_for<'a>(errors: &'a [FormError], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.as_str())
}

/// A fresh Idempotency-Key for a form: a double click sends it twice, and the second
/// answer is the first dossier again.
pub(crate) fn fresh_key() -> String {
    crate::auth::random_token()
}

pub(crate) fn valid_key(raw: Option<&String>) -> Option<String> {
    raw.map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty() && k.len() <= 200 && k.bytes().all(|b| b.is_ascii_graphic()))
}
