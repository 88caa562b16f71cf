//! The wire views of a dossier: applicant, actions, events, control sheet, rating.

use super::{vn, vn_utc};
use crate::AppState;
use crate::api::documents::{DigitisationView, DocumentView, document_views_of};
use crate::api::processes::{StepView, step_views};
use crate::auth::AuthUser;

use crate::error::ApiResult;
use chrono::{DateTime, FixedOffset};
use motcua_app::dossiers as app_dossiers;
use motcua_app::dossiers::read::{ApplicantDetails, Detail};
use motcua_domain::dossier::{Rating, event_label};
use motcua_store::{ControlSheetRow, DossierEvent, DossierRecord};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ApplicantView {
    /// `person` or `business`.
    pub kind: String,
    pub name: String,
    pub citizen_id: Option<String>,
    pub tax_code: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address_unit: Option<String>,
    pub address: Option<String>,
}

impl From<&ApplicantDetails> for ApplicantView {
    fn from(a: &ApplicantDetails) -> ApplicantView {
        ApplicantView {
            kind: a.kind.as_str().into(),
            name: a.name.clone(),
            citizen_id: a.citizen_id.clone(),
            tax_code: a.tax_code.clone(),
            phone: a.phone.clone(),
            email: a.email.clone(),
            address_unit: a.address_unit.clone(),
            address: a.address.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ActionView {
    /// The `action` value to send.
    pub action: String,
    pub label: String,
}

pub(crate) fn action_views(kinds: &[motcua_domain::dossier::ActionKind]) -> Vec<ActionView> {
    kinds
        .iter()
        .map(|k| ActionView {
            action: k.as_str().into(),
            label: k.label_vi().into(),
        })
        .collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct EventView {
    pub seq: i64,
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<FixedOffset>,
    pub actor: String,
    pub actor_role: Option<String>,
    pub agency_code: Option<String>,
    /// `submitted`, an action name, `moved`, or a document event: `document_added`,
    /// `document_reused`, `document_digitised`, `receipt_issued`, `result_signed` (at approval,
    /// or on arrival after it), `result_delivered` (into the applicant's store, once finished).
    pub action: String,
    pub label: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub step: Option<i64>,
    pub step_name: Option<String>,
    pub desk_agency: Option<String>,
    pub assignee: Option<String>,
    /// The action's data: reason, missing documents, amount, new date…
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

impl From<DossierEvent> for EventView {
    fn from(e: DossierEvent) -> EventView {
        EventView {
            seq: e.seq,
            at: vn_utc(e.at),
            label: event_label(&e.action),
            actor: e.actor,
            actor_role: e.actor_role,
            agency_code: e.agency_code,
            action: e.action,
            from_state: e.from_state,
            to_state: e.to_state,
            step: e.step,
            step_name: e.step_name,
            desk_agency: e.desk_agency,
            assignee: e.assignee,
            data: e.data,
        }
    }
}

/// A row of the processing control sheet (form 05).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SheetRowView {
    pub step: i64,
    pub step_name: Option<String>,
    pub agency_code: Option<String>,
    pub handler: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub time_in: DateTime<FixedOffset>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub time_out: Option<DateTime<FixedOffset>>,
}

impl From<ControlSheetRow> for SheetRowView {
    fn from(r: ControlSheetRow) -> SheetRowView {
        SheetRowView {
            step: r.step,
            step_name: r.step_name,
            agency_code: r.agency_code,
            handler: r.handler,
            time_in: vn_utc(r.time_in),
            time_out: r.time_out.map(vn_utc),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CurrentStepView {
    pub no: usize,
    pub name: String,
    pub role: String,
    /// The agency doing it.
    pub agency_code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RatingScoreView {
    pub criterion: String,
    pub label: String,
    pub score: u8,
}

/// The applicant's rating of how the dossier was handled.
// Named apart from news' `RatingView`: two schemas of one name collide in the document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DossierRatingView)]
pub(crate) struct RatingView {
    pub scores: Vec<RatingScoreView>,
    /// From 0 to 2.
    pub average: f64,
    pub comment: Option<String>,
}

pub(crate) fn rating_view(r: &Rating) -> RatingView {
    RatingView {
        scores: r
            .scores
            .iter()
            .map(|(c, s)| RatingScoreView {
                criterion: serde_json::to_value(c)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                label: c.label_vi().into(),
                score: *s,
            })
            .collect(),
        average: r.average(),
        comment: r.comment.clone(),
    }
}

/// A dossier as staff and its applicant see it. Times are Vietnamese (+07:00).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DossierView {
    #[schema(example = "000.25.40.H37-260302-0001")]
    pub code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub procedure_version_no: i64,
    #[schema(value_type = String, format = Uuid)]
    pub procedure_version_id: uuid::Uuid,
    #[schema(value_type = String, format = Uuid)]
    pub process_id: uuid::Uuid,
    pub process_version_no: i64,
    pub steps: Vec<StepView>,
    /// The time limit in working minutes.
    pub budget_minutes: i64,
    /// The internal state, e.g. `processing`.
    pub state: String,
    pub state_label: String,
    /// The national portal's status, 1 to 10.
    pub national_status: u8,
    /// `paper`, `online` or `postal`.
    pub channel: String,
    pub receiving_agency: String,
    pub handling_agency: String,
    /// The agency that must act next.
    pub desk_agency: String,
    pub current_step: Option<CurrentStepView>,
    pub assignee: Option<String>,
    pub applicant: ApplicantView,
    pub owner: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub submitted_at: DateTime<FixedOffset>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub received_at: Option<DateTime<FixedOffset>>,
    /// The appointment date in force (none while the clock is paused).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<DateTime<FixedOffset>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<DateTime<FixedOffset>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub returned_at: Option<DateTime<FixedOffset>>,
    /// `on_time`, `due_soon` (within one working day) or `overdue`, while in flight.
    pub due_state: Option<String>,
    pub late: bool,
    /// The deadline clock: start, budget, pauses (local time).
    #[schema(value_type = Option<Object>)]
    pub clock: Option<serde_json::Value>,
    /// The apology (form 04) and its one new date.
    #[schema(value_type = Option<Object>)]
    pub apology: Option<serde_json::Value>,
    pub supplements_at_receipt: u8,
    pub supplements_after_appraisal: u8,
    pub fee_requested_vnd: i64,
    pub paid_vnd: i64,
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
    pub rating: Option<RatingView>,
    /// Send it back with an action: a stale one answers 409 `stale_version`.
    pub version: i64,
    /// What this user may do now (state machine ∩ access rules).
    pub allowed_actions: Vec<ActionView>,
    pub documents: Vec<DocumentView>,
    /// What is digitised (Circular 01/2023/TT-VPCP), signed and reused.
    pub digitisation: DigitisationView,
    pub events: Vec<EventView>,
    pub control_sheet: Vec<SheetRowView>,
    /// What the applicant declared on the electronic form of the dossier's procedure
    /// version (null when it has none). Personal fields are masked for administrators and
    /// auditors, as the applicant is.
    #[schema(value_type = Option<Object>)]
    pub form_data: Option<serde_json::Value>,
}

/// The API's view of the dossier read model.
pub(crate) fn dossier_view(detail: Detail) -> DossierView {
    let Detail {
        record: r,
        applicant,
        allowed,
        events,
        control_sheet,
        documents,
        signed,
        procedure,
        due_state,
        current_step,
        late,
        read_at: _,
        declaration,
    } = detail;
    let (documents, digitisation) = document_views_of(documents, &signed, Some(&procedure));
    let d = &r.dossier;
    DossierView {
        code: r.code().to_owned(),
        procedure_code: r.procedure_code.clone(),
        procedure_name: r.procedure_name.clone(),
        procedure_version_no: r.procedure_version_no,
        procedure_version_id: r.procedure_version_id,
        process_id: r.process_id,
        process_version_no: r.process_version_no,
        steps: step_views(&r.steps),
        budget_minutes: r.budget_minutes,
        state: d.state.as_str().into(),
        state_label: d.state.label_vi().into(),
        national_status: d.state.national_status().into(),
        channel: d.channel.as_str().into(),
        receiving_agency: d.receiving_agency.to_string(),
        handling_agency: d.handling_agency.to_string(),
        desk_agency: r.desk_agency.clone(),
        current_step: current_step.map(|s| CurrentStepView {
            no: s.no,
            name: s.name,
            role: s.role.as_str().into(),
            agency_code: s.agency_code,
        }),
        assignee: d.assignee.clone(),
        applicant: ApplicantView::from(&applicant),
        owner: r.owner.clone(),
        submitted_at: vn(d.submitted_at),
        received_at: d.received_at.map(vn),
        due_at: d.due_at.map(vn),
        finished_at: d.finished_at.map(vn),
        returned_at: d.returned_at.map(vn),
        due_state: due_state.map(|s| s.as_str().to_owned()),
        late,
        clock: d.clock.as_ref().and_then(|c| serde_json::to_value(c).ok()),
        apology: d
            .apology
            .as_ref()
            .and_then(|a| serde_json::to_value(a).ok()),
        supplements_at_receipt: d.supplements_at_receipt,
        supplements_after_appraisal: d.supplements_after_appraisal,
        fee_requested_vnd: d.fee_requested_vnd,
        paid_vnd: d.paid_vnd,
        result: d.result.as_ref().and_then(|x| serde_json::to_value(x).ok()),
        rating: d.rating.as_ref().map(rating_view),
        version: d.version,
        allowed_actions: action_views(&allowed),
        documents,
        digitisation,
        events: events.into_iter().map(EventView::from).collect(),
        control_sheet: control_sheet.into_iter().map(SheetRowView::from).collect(),
        form_data: declaration.map(|d| d.data),
    }
}

/// The view of a dossier just loaded or changed for this user.
pub(crate) async fn build_view(
    state: &AppState,
    user: &AuthUser,
    record: DossierRecord,
) -> ApiResult<DossierView> {
    let detail = app_dossiers::read::detail_of(&state.app, &user.principal(), record).await?;
    Ok(dossier_view(detail))
}
