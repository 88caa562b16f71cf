//! One dossier as its reader may see it: the read model the API and the officers' and
//! citizens' pages all render, so masking, event labels and allowed actions cannot differ.

use super::access::{may_see, not_found};
use super::{allowed_actions, due_soon_bound};
use crate::{App, AppError, AppResult, Principal};
use chrono::{DateTime, Utc};
use motcua_domain::account::Role;
use motcua_domain::calendar::to_vn_local;
use motcua_domain::dossier::{
    ActionKind, Applicant, ApplicantKind, DossierCode, DueState, sees_applicant_in_full,
};
use motcua_domain::procedure::Procedure;
use motcua_store::{
    ControlSheetRow, DocumentRecord, DossierEvent, DossierParts, DossierRecord, control_sheet,
};
use std::collections::HashSet;
use std::sync::Arc;
use uuid::Uuid;

/// The applicant as this reader may see them: in full for the applicant and the officers
/// handling the dossier, masked for administrators and auditors (numbers shortened, no
/// contact details; see [`sees_applicant_in_full`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicantDetails {
    pub kind: ApplicantKind,
    pub name: String,
    pub citizen_id: Option<String>,
    pub tax_code: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address_unit: Option<String>,
    pub address: Option<String>,
    /// Whether numbers were masked and contact details left out.
    pub masked: bool,
}

impl ApplicantDetails {
    pub fn for_reader(a: &Applicant, role: Role) -> ApplicantDetails {
        ApplicantDetails::shown(a, sees_applicant_in_full(role))
    }

    /// In full, or masked (numbers shortened, no contact details).
    pub fn shown(a: &Applicant, full: bool) -> ApplicantDetails {
        ApplicantDetails {
            kind: a.kind,
            name: a.name.clone(),
            citizen_id: a.citizen_id.as_ref().map(|c| {
                if full {
                    c.as_str().to_owned()
                } else {
                    c.masked()
                }
            }),
            // A tax code identifies a business, not a person: shown as it is.
            tax_code: a.tax_code.as_ref().map(|t| t.as_str().to_owned()),
            phone: a.phone.as_ref().map(|p| {
                if full {
                    p.as_str().to_owned()
                } else {
                    p.masked()
                }
            }),
            email: a.email.clone().filter(|_| full),
            address_unit: a.address_unit.clone().filter(|_| full),
            address: a.address.clone().filter(|_| full),
            masked: !full,
        }
    }
}

/// The step the dossier is at, while in flight.
#[derive(Debug, Clone)]
pub struct CurrentStep {
    /// From 0.
    pub no: usize,
    pub name: String,
    pub role: Role,
    /// The agency doing it.
    pub agency_code: String,
}

/// A dossier with everything its page and the API show.
#[derive(Debug, Clone)]
pub struct Detail {
    /// The dossier itself. Its applicant is not for display: use [`Detail::applicant`].
    pub record: DossierRecord,
    pub applicant: ApplicantDetails,
    /// What this reader may do now.
    pub allowed: Vec<ActionKind>,
    /// The history, oldest first; label each with `motcua_domain::dossier::event_label`.
    pub events: Vec<DossierEvent>,
    /// The processing control sheet (form 05), made from the events.
    pub control_sheet: Vec<ControlSheetRow>,
    pub documents: Vec<DocumentRecord>,
    /// The documents that carry a signature.
    pub signed: HashSet<Uuid>,
    /// The procedure version the dossier follows.
    pub procedure: Arc<Procedure>,
    /// On time, due soon or overdue, while in flight.
    pub due_state: Option<DueState>,
    pub current_step: Option<CurrentStep>,
    /// Finished (or still open) past its due time.
    pub late: bool,
    /// When this was read.
    pub read_at: DateTime<Utc>,
    /// What the applicant declared on the version's electronic form, as this reader may see it.
    pub declaration: Option<Declaration>,
}

/// A dossier's declaration: the form it was made on and the data, masked for readers who
/// may not see the applicant in full.
#[derive(Debug, Clone)]
pub struct Declaration {
    /// The version's procedure, which has a form.
    procedure: Arc<Procedure>,
    pub data: serde_json::Value,
    pub masked: bool,
}

impl Declaration {
    /// The declaration on `procedure`'s form, masked unless the reader may see it `full`;
    /// `None` when the version has no form or nothing was declared.
    pub fn of(
        procedure: Arc<Procedure>,
        data: Option<serde_json::Value>,
        full: bool,
    ) -> Option<Declaration> {
        let data = crate::forms::shown(procedure.form.as_ref()?, data?, full);
        Some(Declaration {
            procedure,
            data,
            masked: !full,
        })
    }

    pub fn form(&self) -> &motcua_domain::form::FormDefinition {
        self.procedure
            .form
            .as_ref()
            .expect("a declaration is made only on a procedure with a form")
    }
}

impl Detail {
    /// Result documents attached but not signed yet: drafts the decision-maker reviews,
    /// signed when they approve.
    pub fn draft_results(&self) -> impl Iterator<Item = &DocumentRecord> {
        self.documents.iter().filter(|d| {
            d.kind == motcua_domain::document::DocumentKind::Result.as_str()
                && d.destroyed_at.is_none()
                && !self.signed.contains(&d.id)
        })
    }
}

/// A dossier the principal may see, with its history, documents and allowed actions
/// (one connection, three queries).
pub async fn detail(app: &App, who: &Principal, code: &str) -> AppResult<Detail> {
    let code = DossierCode::parse(code).map_err(|_| not_found())?;
    let (record, parts) = app
        .store
        .dossier_detail(code.as_str())
        .await?
        .ok_or_else(not_found)?;
    may_see(who, &record)?;
    detail_from(app, who, record, parts).await
}

/// The detail of a dossier already loaded for this principal (after an action or a submission).
pub async fn detail_of(app: &App, who: &Principal, record: DossierRecord) -> AppResult<Detail> {
    let parts = parts_of(app, &record).await?;
    detail_from(app, who, record, parts).await
}

/// The detail of a dossier its submission just wrote (not received, no documents yet),
/// from what the submission wrote instead of read back: `history` is every event it has,
/// `form_data` its declaration as stored. Read back when this node does not hold the
/// procedure version.
pub(crate) async fn detail_of_new(
    app: &App,
    who: &Principal,
    record: DossierRecord,
    history: Vec<motcua_store::DossierEvent>,
    form_data: Option<String>,
) -> AppResult<Detail> {
    let Some(procedure) = app
        .forms
        .held_procedure(&record.procedure_code, record.procedure_version_id)
    else {
        return detail_of(app, who, record).await;
    };
    let form_data = match form_data {
        Some(text) => {
            Some(serde_json::from_str(&text).map_err(|e| AppError::internal(e.to_string()))?)
        }
        None => None,
    };
    let parts = DossierParts {
        events: history,
        documents: Vec::new(),
        signed: Default::default(),
        procedure,
        calendar_version: None,
        form_data,
    };
    detail_from(app, who, record, parts).await
}

/// What goes with a dossier already read, its procedure version taken from this node's
/// cache when it holds it.
pub(crate) async fn parts_of(
    app: &App,
    record: &DossierRecord,
) -> AppResult<motcua_store::DossierParts> {
    let known = app
        .forms
        .held_procedure(&record.procedure_code, record.procedure_version_id);
    Ok(app.store.dossier_parts(record, known).await?)
}

async fn detail_from(
    app: &App,
    who: &Principal,
    record: DossierRecord,
    parts: DossierParts,
) -> AppResult<Detail> {
    let now = crate::now();
    let d = &record.dossier;
    let in_flight = d.state.is_in_flight();
    let due_state = if in_flight {
        let holidays = match parts.calendar_version {
            Some(version) => app.calendar.holidays_at(&app.store, version).await?,
            None => app.calendar.holidays(&app.store).await?,
        };
        let soon = due_soon_bound(now, &holidays);
        DueState::of(d.due_at.map(motcua_store::utc).as_ref(), &now, &soon)
    } else {
        None
    };
    let current_step = in_flight
        .then(|| {
            record.steps.get(d.step).map(|s| CurrentStep {
                no: d.step,
                name: s.name.clone(),
                role: s.role,
                agency_code: d.step_agency(&record.steps).to_string(),
            })
        })
        .flatten();
    let late = d.is_late(to_vn_local(&now));
    let full = sees_applicant_in_full(who.role);
    let declaration = Declaration::of(parts.procedure.clone(), parts.form_data, full);
    Ok(Detail {
        declaration,
        applicant: ApplicantDetails::for_reader(&record.applicant, who.role),
        allowed: allowed_actions(who, &record),
        control_sheet: control_sheet(&parts.events),
        events: parts.events,
        documents: parts.documents,
        signed: parts.signed,
        procedure: parts.procedure,
        due_state,
        current_step,
        late,
        read_at: now,
        record,
    })
}

/// A dossier's history and its control sheet (form 05), for a principal who may see it.
pub async fn history(
    app: &App,
    who: &Principal,
    code: &str,
) -> AppResult<(Vec<DossierEvent>, Vec<ControlSheetRow>)> {
    let record = super::load_visible(app, who, code).await?;
    let events = app.store.dossier_events(record.code()).await?;
    let sheet = control_sheet(&events);
    Ok((events, sheet))
}

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_domain::dossier::{CitizenId, PhoneNumber};

    #[test]
    fn overseers_see_the_applicant_masked_and_handlers_in_full() {
        let a = Applicant {
            kind: ApplicantKind::Person,
            name: "Nguyễn Văn An".into(),
            citizen_id: Some(CitizenId::parse("020095001234").unwrap()),
            tax_code: None,
            phone: Some(PhoneNumber::parse("0912345678").unwrap()),
            email: Some("an@example.vn".into()),
            address_unit: Some("06628".into()),
            address: Some("12 Lê Lợi".into()),
            notify: Vec::new(),
            verified: None,
        };
        for role in [Role::ProvinceAdmin, Role::UnitAdmin, Role::Auditor] {
            let seen = ApplicantDetails::for_reader(&a, role);
            assert!(seen.masked, "{role:?}");
            assert_eq!(seen.citizen_id.as_deref(), Some("********1234"));
            assert_ne!(seen.phone.as_deref(), Some("0912345678"));
            assert_eq!((seen.email, seen.address), (None, None));
        }
        for role in [
            Role::Receiver,
            Role::Specialist,
            Role::Leader,
            Role::Citizen,
        ] {
            let seen = ApplicantDetails::for_reader(&a, role);
            assert!(!seen.masked, "{role:?}");
            assert_eq!(seen.citizen_id.as_deref(), Some("020095001234"));
            assert_eq!(seen.email.as_deref(), Some("an@example.vn"));
        }
    }
}
