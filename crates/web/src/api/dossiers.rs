//! Dossiers: online submission (idempotent) and counter receipt, the officers' queue, a
//! dossier with its history and the actions this user may take, actions under optimistic
//! concurrency, documents, and the citizens' public lookup and rating.

use super::documents::{DigitisationView, DocumentView, document_views_of};
use super::processes::{StepView, step_views};
use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::auth::{ApiUser, AuthUser, MaybeUser};
use crate::dossiers::{DocumentRejection, MAX_DOCUMENT_BYTES, due_soon_bound, sniff};
use crate::error::{ApiError, ApiResult, Problem};
use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use motcua_domain::account::Role;
use motcua_domain::agency::AgencyCode;
use motcua_domain::calendar::{Channel, VN_OFFSET, WorkingHours, from_vn_local, to_vn_local};
use motcua_domain::dossier::{
    AccessDenied, Action, ActionKind, Actor, Applicant, ApplicantKind, CitizenId, Context,
    DossierCode, DossierError, DossierState, DueState, PhoneNumber, Rating, RatingCriterion,
    TaxCode, allowed_for, can_act, can_view,
};
use motcua_store::{
    ControlSheetRow, DossierEvent, DossierFilter, DossierParts, DossierRecord, DossierSummary,
    IdempotencyKey, ReceiveNow, Submission, Submitted, ThrottleState, Visibility, WalletAttachment,
    control_sheet,
};
use motcua_store::{DocumentRecord, NewDocument};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

pub(crate) fn unprocessable(code: &'static str, detail: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
}

pub(crate) fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "dossier_not_found",
        "Không tìm thấy hồ sơ.",
    )
}

pub(crate) fn vn(local: NaiveDateTime) -> DateTime<FixedOffset> {
    from_vn_local(local)
}

pub(crate) fn vn_utc(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&VN_OFFSET)
}

fn channel_name(c: Channel) -> &'static str {
    crate::calendar::channel_str(c)
}

// ------------------------------------------------------------------------------ views

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

impl From<&Applicant> for ApplicantView {
    fn from(a: &Applicant) -> ApplicantView {
        ApplicantView {
            kind: a.kind.as_str().into(),
            name: a.name.clone(),
            citizen_id: a.citizen_id.as_ref().map(|c| c.as_str().into()),
            tax_code: a.tax_code.as_ref().map(|t| t.as_str().into()),
            phone: a.phone.as_ref().map(|p| p.as_str().into()),
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

pub(crate) fn action_views(kinds: &[ActionKind]) -> Vec<ActionView> {
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
    /// `document_reused`, `document_digitised`, `receipt_issued`, `result_signed`.
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

pub(crate) fn event_label(action: &str) -> String {
    match action {
        "submitted" => "Đăng ký hồ sơ".into(),
        "moved" => "Chuyển sang cơ quan kế thừa".into(),
        "document_added" => "Thêm tài liệu".into(),
        "document_reused" => "Dùng lại giấy tờ từ kho dữ liệu của người nộp".into(),
        "document_digitised" => "Số hóa tài liệu".into(),
        "receipt_issued" => "Cấp giấy tiếp nhận (mẫu 01), đã ký số".into(),
        "result_signed" => "Ký số kết quả, lưu vào kho dữ liệu của người nộp".into(),
        other => ActionKind::ALL
            .iter()
            .find(|k| k.as_str() == other)
            .map_or_else(|| other.to_owned(), |k| k.label_vi().to_owned()),
    }
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

#[derive(Debug, Serialize, ToSchema)]
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
}

pub(crate) fn actor_of<'a>(
    user: &AuthUser,
    agency: Option<&'a AgencyCode>,
    r: &DossierRecord,
) -> Actor<'a> {
    Actor {
        role: user.role,
        agency,
        is_applicant: user.role == Role::Citizen && r.owner.as_deref() == Some(&user.username),
    }
}

pub(crate) fn user_agency(user: &AuthUser) -> Option<AgencyCode> {
    user.agency_code
        .as_deref()
        .and_then(|a| AgencyCode::parse(a).ok())
}

pub(crate) async fn build_view(
    state: &AppState,
    r: DossierRecord,
    allowed: Vec<ActionKind>,
) -> ApiResult<DossierView> {
    let parts = state.store.dossier_parts(&r).await?;
    view_of(state, r, allowed, parts).await
}

/// The view from a dossier and what goes with it, read together.
pub(crate) async fn view_of(
    state: &AppState,
    r: DossierRecord,
    allowed: Vec<ActionKind>,
    parts: DossierParts,
) -> ApiResult<DossierView> {
    let now = crate::now();
    let holidays = state
        .calendar
        .holidays_at(&state.store, parts.calendar_version)
        .await?;
    let soon = due_soon_bound(now, &holidays);
    let events = parts.events;
    let (documents, digitisation) =
        document_views_of(parts.documents, &parts.signed, Some(&parts.procedure));
    let sheet = control_sheet(&events);
    let d = &r.dossier;
    let due_utc = d.due_at.map(motcua_store::utc);
    let due_state = if d.state.is_in_flight() {
        DueState::of(due_utc.as_ref(), &now, &soon).map(|s| s.as_str().to_owned())
    } else {
        None
    };
    let current_step = if d.state.is_in_flight() {
        r.steps.get(d.step).map(|s| CurrentStepView {
            no: d.step,
            name: s.name.clone(),
            role: s.role.as_str().into(),
            agency_code: d.step_agency(&r.steps).to_string(),
        })
    } else {
        None
    };
    Ok(DossierView {
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
        channel: channel_name(d.channel).into(),
        receiving_agency: d.receiving_agency.to_string(),
        handling_agency: d.handling_agency.to_string(),
        desk_agency: r.desk_agency.clone(),
        current_step,
        assignee: d.assignee.clone(),
        applicant: ApplicantView::from(&r.applicant),
        owner: r.owner.clone(),
        submitted_at: vn(d.submitted_at),
        received_at: d.received_at.map(vn),
        due_at: d.due_at.map(vn),
        finished_at: d.finished_at.map(vn),
        returned_at: d.returned_at.map(vn),
        due_state,
        late: d.is_late(to_vn_local(&now)),
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
        control_sheet: sheet.into_iter().map(SheetRowView::from).collect(),
    })
}

/// Loads a dossier the user may see; 404 `dossier_not_found` for a bad code, an unknown
/// one, or one the user may not know about.
pub(crate) async fn visible(
    state: &AppState,
    user: &AuthUser,
    code: &str,
) -> ApiResult<DossierRecord> {
    let code = DossierCode::parse(code).map_err(|_| not_found())?;
    let record = state
        .store
        .dossier(code.as_str())
        .await?
        .ok_or_else(not_found)?;
    may_see(user, &record)?;
    Ok(record)
}

/// 404 `dossier_not_found` unless the user may know about the dossier.
fn may_see(user: &AuthUser, record: &DossierRecord) -> ApiResult<()> {
    let agency = user_agency(user);
    if can_view(
        actor_of(user, agency.as_ref(), record),
        &record.dossier,
        &record.steps,
    ) {
        Ok(())
    } else {
        Err(not_found())
    }
}

pub(crate) fn allowed_for_user(user: &AuthUser, r: &DossierRecord) -> Vec<ActionKind> {
    let agency = user_agency(user);
    allowed_for(actor_of(user, agency.as_ref(), r), &r.dossier, &r.steps)
}

// -------------------------------------------------------------------------- submission

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct ApplicantBody {
    /// `person` or `business`.
    #[schema(example = "person")]
    pub kind: String,
    #[schema(example = "Nguyễn Văn An")]
    pub name: String,
    /// A person's 12-digit identification number.
    #[schema(example = "020095001234")]
    pub citizen_id: Option<String>,
    /// A business's tax code (10 digits with a check digit, optionally `-NNN`).
    pub tax_code: Option<String>,
    #[schema(example = "0912345678")]
    pub phone: Option<String>,
    pub email: Option<String>,
    /// The commune-level unit of the address (statistics code).
    pub address_unit: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct SubmitBody {
    #[schema(example = "1.001193")]
    pub procedure_code: String,
    /// The receiving agency. A receiver may leave it out (their own agency).
    #[schema(example = "000.25.40.H37")]
    pub agency_code: Option<String>,
    /// `online` for a citizen; `paper` (default) or `postal` at the counter.
    pub channel: Option<String>,
    pub applicant: ApplicantBody,
    /// At the counter: receive at once with a receipt and appointment date (default true).
    pub receive: Option<bool>,
    /// Components taken from the applicant's document store instead of being supplied
    /// again (`GET /api/v1/wallet`); each reuse is recorded.
    pub documents: Option<Vec<AttachBody>>,
}

/// A component taken from the applicant's store.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct AttachBody {
    /// A wallet item's id.
    #[schema(value_type = String, format = Uuid)]
    pub from_wallet: uuid::Uuid,
    /// The procedure component it supplies.
    pub component: Option<String>,
}

pub(crate) fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// One input field's problem, for a form to show next to the field.
#[derive(Debug, Clone)]
pub(crate) struct FieldError {
    /// The field's name in the form (`name`, `citizen_id`, `tax_code`, `phone`, …).
    pub field: &'static str,
    pub code: &'static str,
    pub message: String,
}

/// Parses an applicant as typed, reporting every field's problem at once (the rules are
/// the domain's: identity formats, then what each kind of applicant must give).
pub(crate) fn applicant_fields(b: &ApplicantBody) -> Result<Applicant, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = ApplicantKind::parse(b.kind.trim());
    if kind.is_none() {
        errors.push(FieldError {
            field: "kind",
            code: "invalid_applicant_kind",
            message: "Loại người nộp: person (cá nhân) hoặc business (tổ chức).".into(),
        });
    }
    fn field<T>(
        errors: &mut Vec<FieldError>,
        name: &'static str,
        raw: &Option<String>,
        parse: fn(&str) -> Result<T, motcua_domain::dossier::IdentityError>,
    ) -> Option<T> {
        match present(raw).map(parse).transpose() {
            Ok(v) => v,
            Err(e) => {
                errors.push(FieldError {
                    field: name,
                    code: e.code(),
                    message: e.to_string(),
                });
                None
            }
        }
    }
    let citizen_id = field(&mut errors, "citizen_id", &b.citizen_id, CitizenId::parse);
    let tax_code = field(&mut errors, "tax_code", &b.tax_code, TaxCode::parse);
    let phone = field(&mut errors, "phone", &b.phone, PhoneNumber::parse);
    let Some(kind) = kind else {
        return Err(errors);
    };
    let applicant = Applicant {
        kind,
        name: b.name.clone(),
        citizen_id,
        tax_code,
        phone,
        email: b.email.clone(),
        address_unit: b.address_unit.clone(),
        address: b.address.clone(),
    };
    match applicant.validated() {
        Ok(a) if errors.is_empty() => Ok(a),
        Ok(_) => Err(errors),
        Err(e) => {
            use motcua_domain::dossier::ApplicantError as E;
            let field = match e {
                E::Name => "name",
                E::CitizenIdRequired => "citizen_id",
                E::TaxCodeRequired => "tax_code",
                E::Email => "email",
                E::Address => "address",
                E::NoCheck => "phone",
            };
            // A badly typed number already explains why it is missing.
            if !errors.iter().any(|x| x.field == field) {
                errors.push(FieldError {
                    field,
                    code: e.code(),
                    message: e.to_string(),
                });
            }
            Err(errors)
        }
    }
}

pub(crate) fn parse_applicant(b: &ApplicantBody) -> ApiResult<Applicant> {
    applicant_fields(b).map_err(|errors| {
        let first = errors.into_iter().next();
        first.map_or_else(ApiError::internal, |e| unprocessable(e.code, e.message))
    })
}

pub(crate) fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or_default().trim();
    if key.is_empty() || key.len() > 200 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::bad_request(
            "invalid_idempotency_key",
            "Idempotency-Key phải gồm 1 đến 200 ký tự ASCII nhìn thấy được.",
        ));
    }
    Ok(Some(key.to_owned()))
}

/// Registers a dossier: online by a citizen (send an `Idempotency-Key` so a retry never
/// makes a second dossier), or at the counter by a receiver (channel `paper`/`postal`),
/// received at once with its appointment date.
#[utoipa::path(
    post, path = "/api/v1/dossiers", tag = "dossiers", request_body = SubmitBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Any unique text per submission; a retry with the same key and body answers the same dossier")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The dossier (also for a replayed key, with `Idempotent-Replayed: true`)", body = DossierView),
        (status = 400, description = "`invalid_idempotency_key`, `malformed_json`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only citizens (online) and receivers (at their own counter) submit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`idempotency_key_reused` (same key, another body)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_citizen_id`, `invalid_tax_code`, `invalid_phone`, `citizen_id_required`, `tax_code_required`, `invalid_email`, `invalid_channel`, `procedure_not_published`, `no_approved_process`, `unknown_agency`…", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn submit(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    ApiJson(raw): ApiJson<serde_json::Value>,
) -> ApiResult<Response> {
    user.require(&[Role::Citizen, Role::Receiver])?;
    let key = idempotency_key(&headers)?;
    let request_hash = hex::encode(Sha256::digest(raw.to_string().as_bytes()));
    let body: SubmitBody = serde_json::from_value(raw).map_err(|e| {
        unprocessable(
            "invalid_json_fields",
            format!("Nội dung JSON thiếu trường hoặc sai kiểu: {e}"),
        )
    })?;
    let request = SubmitRequest {
        procedure_code: body.procedure_code,
        agency_code: body.agency_code,
        channel: body.channel,
        applicant: parse_applicant(&body.applicant)?,
        receive: body.receive,
        idempotency: key.map(|key| (key, request_hash)),
        attachments: body
            .documents
            .unwrap_or_default()
            .into_iter()
            .map(|a| WalletAttachment {
                wallet_item_id: a.from_wallet,
                component: a
                    .component
                    .map(|c| c.trim().chars().take(500).collect::<String>())
                    .filter(|c| !c.is_empty()),
            })
            .collect(),
    };
    let submitted = submit_as(&state, Some(&user), request).await?;
    let replayed = matches!(submitted, Submitted::Replayed(_));
    let record = submitted.into_record();
    let allowed = allowed_for_user(&user, &record);
    let view = build_view(&state, record, allowed).await?;
    let location = format!("/api/v1/dossiers/{}", view.code);
    let mut response = (StatusCode::CREATED, Json(view)).into_response();
    if let Ok(loc) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, loc);
    }
    if replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// A registration, parsed, from the API or a page.
pub(crate) struct SubmitRequest {
    pub procedure_code: String,
    pub agency_code: Option<String>,
    pub channel: Option<String>,
    pub applicant: Applicant,
    /// At the counter: receive at once (default true).
    pub receive: Option<bool>,
    /// The Idempotency-Key and the hash of what was sent with it.
    pub idempotency: Option<(String, String)>,
    /// Components reused from the applicant's document store.
    pub attachments: Vec<WalletAttachment>,
}

/// Registers a dossier for `user`: a citizen (or, on the public form, an anonymous
/// applicant: `None`) submits online; a receiver registers at their own counter and
/// receives at once. Shared by the API and the pages.
pub(crate) async fn submit_as(
    state: &AppState,
    user: Option<&AuthUser>,
    body: SubmitRequest,
) -> ApiResult<Submitted> {
    let role = user.map_or(Role::Citizen, |u| u.role);
    if !matches!(role, Role::Citizen | Role::Receiver) {
        return Err(ApiError::forbidden());
    }
    let channel = match body.channel.as_deref() {
        Some(c) => {
            crate::calendar::parse_channel(c).map_err(|e| unprocessable(e.code, e.detail))?
        }
        None if role == Role::Citizen => Channel::Online,
        None => Channel::Paper,
    };
    let agency_raw = match (&body.agency_code, user) {
        (Some(a), _) if !a.trim().is_empty() => a.clone(),
        (_, Some(u)) if u.role == Role::Receiver => u.agency_code.clone().unwrap_or_default(),
        _ => {
            return Err(unprocessable(
                "agency_required",
                "Phải chọn cơ quan tiếp nhận (agency_code).",
            ));
        }
    };
    let agency =
        AgencyCode::parse(&agency_raw).map_err(|e| unprocessable(e.code(), e.to_string()))?;
    let now = crate::now();
    let (owner, receive) = match role {
        Role::Citizen => {
            if channel != Channel::Online {
                return Err(unprocessable(
                    "invalid_channel",
                    "Công dân nộp hồ sơ trực tuyến (channel online).",
                ));
            }
            (user.map(|u| u.username.clone()), None)
        }
        _ => {
            if user.and_then(|u| u.agency_code.as_deref()) != Some(agency.as_str()) {
                return Err(ApiError::forbidden());
            }
            if channel == Channel::Online {
                return Err(unprocessable(
                    "invalid_channel",
                    "Tại quầy, kênh tiếp nhận là paper hoặc postal.",
                ));
            }
            let receive = if body.receive.unwrap_or(true) {
                let hours = crate::calendar::agency_hours(&state.store, agency.as_str())
                    .await?
                    .unwrap_or_else(WorkingHours::default);
                let holidays = state.calendar.holidays(&state.store).await?;
                Some(ReceiveNow { hours, holidays })
            } else {
                None
            };
            (None, receive)
        }
    };
    let actor = match user {
        Some(u) => u.audit("dossier.submitted", "dossier", serde_json::json!({})),
        None => applicant_audit("dossier.submitted"),
    };
    let principal = user.map_or_else(|| ANONYMOUS_PRINCIPAL.to_owned(), |u| u.username.clone());
    if !body.attachments.is_empty() {
        // Reuse comes only from the store of an identity bound to the signed-in citizen;
        // officers at the counter attach what the applicant shows them.
        match user {
            Some(u) if u.role == Role::Citizen => {
                let holder = body
                    .applicant
                    .citizen_id
                    .as_ref()
                    .map(|c| c.as_str().to_owned())
                    .or_else(|| {
                        body.applicant
                            .tax_code
                            .as_ref()
                            .map(|t| t.as_str().to_owned())
                    });
                let mine = state.store.identities_of(u.id).await?;
                if !holder.is_some_and(|h| mine.contains(&h)) {
                    return Err(unprocessable(
                        "wallet_item_not_applicants",
                        "Chỉ dùng lại giấy tờ trong kho dữ liệu của chính mình (số định danh gắn với tài khoản).",
                    ));
                }
            }
            Some(_) => {}
            None => {
                return Err(unprocessable(
                    "wallet_requires_account",
                    "Cần đăng nhập để dùng lại giấy tờ trong kho dữ liệu.",
                ));
            }
        }
    }
    let attachments = body.attachments;
    let settle_actor = actor.clone();
    let submission = Submission {
        procedure_code: body.procedure_code.trim().to_owned(),
        agency,
        channel,
        applicant: body.applicant,
        owner,
        idempotency: body.idempotency.map(|(key, request_hash)| IdempotencyKey {
            principal,
            key,
            request_hash,
        }),
        at: now,
        actor,
        receive,
        attachments,
    };
    let submitted = state.submitter.submit(submission).await?;
    // A dossier received at once gets its signed receipt (form 01) right away.
    let record = match &submitted {
        Submitted::Created(r) | Submitted::Replayed(r) => r,
    };
    if !matches!(submitted, Submitted::Replayed(_)) && record.dossier.received_at.is_some() {
        crate::signing::settle_logged(state, record.code(), &settle_actor).await;
    }
    Ok(submitted)
}

/// Whose idempotency keys anonymous online submissions use (the keys are random).
pub(crate) const ANONYMOUS_PRINCIPAL: &str = "anonymous";

/// The audit entry of something the applicant did without an account.
pub(crate) fn applicant_audit(action: &str) -> motcua_domain::audit::AuditEntry {
    motcua_domain::audit::AuditEntry {
        at: crate::now(),
        actor: "applicant".into(),
        actor_role: Some(Role::Citizen.as_str().into()),
        agency_code: None,
        action: action.into(),
        subject: "dossier".into(),
        detail: "{}".into(),
    }
}

// ------------------------------------------------------------------------------- queue

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct QueueQuery {
    /// States, comma-separated (e.g. `received,processing`). Staff default: every open state.
    pub status: Option<String>,
    /// Received, handled or now at this agency.
    pub agency: Option<String>,
    /// For officers: `desk` (default: dossiers now at their agency's desk, their work to do)
    /// or `involved` (also those their agency received or handles, wherever they are now).
    pub scope: Option<String>,
    /// `on_time`, `due_soon` (within one working day) or `overdue`.
    pub due: Option<String>,
    /// A dossier code (or its beginning), a citizen ID or tax code, or part of the applicant's name.
    pub q: Option<String>,
    /// The current step's number (from 0).
    pub step: Option<i64>,
    /// `me`, or a username.
    pub assignee: Option<String>,
    /// A procedure code.
    pub procedure: Option<String>,
    /// From 1.
    pub page: Option<i64>,
    /// 1 to 200 (default 50).
    pub per_page: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SummaryView {
    pub code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub applicant_name: String,
    pub state: String,
    pub state_label: String,
    pub national_status: i64,
    pub channel: String,
    pub receiving_agency: String,
    pub handling_agency: String,
    pub desk_agency: String,
    pub step: i64,
    pub assignee: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub submitted_at: DateTime<FixedOffset>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub received_at: Option<DateTime<FixedOffset>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<DateTime<FixedOffset>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<DateTime<FixedOffset>>,
    /// `on_time`, `due_soon` or `overdue`, while in flight.
    pub due_state: Option<String>,
    pub version: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct QueueView {
    pub items: Vec<SummaryView>,
    /// Matching dossiers, counted up to 10 000: when `total_exact` is false, more than
    /// `total` match and the number of pages is unknown.
    pub total: i64,
    /// Whether `total` is the exact count rather than the cap.
    pub total_exact: bool,
    pub page: i64,
    pub per_page: i64,
}

pub(crate) fn summary_view(
    s: DossierSummary,
    now: &DateTime<Utc>,
    soon: &DateTime<Utc>,
) -> SummaryView {
    let state = DossierState::parse(&s.state);
    let due_state = state
        .filter(|st| st.is_in_flight())
        .and_then(|_| DueState::of(s.due_at.as_ref(), now, soon))
        .map(|d| d.as_str().to_owned());
    SummaryView {
        state_label: state.map(|s| s.label_vi()).unwrap_or_default().into(),
        code: s.code,
        procedure_code: s.procedure_code,
        procedure_name: s.procedure_name,
        applicant_name: s.applicant_name,
        state: s.state,
        national_status: s.national_status,
        channel: s.channel,
        receiving_agency: s.receiving_agency,
        handling_agency: s.handling_agency,
        desk_agency: s.desk_agency,
        step: s.step_no,
        assignee: s.assignee,
        submitted_at: vn_utc(s.submitted_at),
        received_at: s.received_at.map(vn_utc),
        due_at: s.due_at.map(vn_utc),
        finished_at: s.finished_at.map(vn_utc),
        due_state,
        version: s.version,
    }
}

pub(crate) fn visibility_of(user: &AuthUser, scope: Option<&str>) -> ApiResult<Visibility> {
    Ok(match user.role {
        Role::ProvinceAdmin | Role::Auditor => Visibility::All,
        Role::Citizen => Visibility::Owner(user.username.clone()),
        Role::Receiver | Role::Specialist | Role::Leader | Role::UnitAdmin => {
            let agency = user.agency_code.clone().ok_or_else(ApiError::forbidden)?;
            match scope.unwrap_or("desk") {
                "desk" => Visibility::Desk(agency),
                "involved" => Visibility::Agency(agency),
                _ => {
                    return Err(ApiError::bad_request(
                        "invalid_query",
                        "scope: desk hoặc involved.",
                    ));
                }
            }
        }
    })
}

/// The queue: a citizen's own dossiers, an officer's agency's, or all for province
/// administrators and auditors; most urgent first.
#[utoipa::path(
    get, path = "/api/v1/dossiers", tag = "dossiers", params(QueueQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the queue", body = QueueView),
        (status = 400, description = "`invalid_query`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> ApiResult<Json<QueueView>> {
    Ok(Json(queue_for(&state, &user, q).await?))
}

/// One page of the queue as `user` may see it: shared by the API and the officers' pages.
pub(crate) async fn queue_for(
    state: &AppState,
    user: &AuthUser,
    q: QueueQuery,
) -> ApiResult<QueueView> {
    let visibility = visibility_of(user, q.scope.as_deref())?;
    let bad = |what: &str| ApiError::bad_request("invalid_query", what.to_owned());
    let states = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(list) => list
            .split(',')
            .map(|s| {
                DossierState::parse(s.trim())
                    .ok_or_else(|| bad(&format!("Trạng thái không hợp lệ: \"{}\".", s.trim())))
            })
            .collect::<ApiResult<Vec<_>>>()?,
        None if user.role == Role::Citizen => vec![],
        None => DossierState::ALL
            .into_iter()
            .filter(|s| !s.is_closed())
            .collect(),
    };
    let due = match q.due.as_deref() {
        Some(d) => {
            Some(DueState::parse(d).ok_or_else(|| bad("due: on_time, due_soon hoặc overdue."))?)
        }
        None => None,
    };
    let now = crate::now();
    let holidays = state.calendar.holidays(&state.store).await?;
    let soon = due_soon_bound(now, &holidays);
    let filter = DossierFilter {
        visibility,
        states,
        agency: q
            .agency
            .map(|a| a.trim().to_ascii_uppercase())
            .filter(|a| !a.is_empty()),
        due,
        now,
        soon,
        q: q.q,
        step: q.step,
        assignee: q
            .assignee
            .map(|a| if a == "me" { user.username.clone() } else { a }),
        procedure_code: q.procedure,
        page: q.page.unwrap_or(1),
        per_page: q.per_page.unwrap_or(50),
    };
    let page = state
        .store
        .dossier_queue_counting_to(&filter, state.config.queue_count_cap)
        .await?;
    Ok(QueueView {
        items: page
            .items
            .into_iter()
            .map(|s| summary_view(s, &now, &soon))
            .collect(),
        total: page.total,
        total_exact: page.total_exact,
        page: page.page,
        per_page: page.per_page,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CountView {
    pub agency_code: String,
    pub open: i64,
    pub due_soon: i64,
    pub overdue: i64,
}

/// Open dossiers per agency (at whose desk they are), with how many are due soon or overdue.
#[utoipa::path(
    get, path = "/api/v1/dossiers/counts", tag = "dossiers",
    security(("bearer" = [])),
    responses((status = 200, description = "Counts per agency", body = Vec<CountView>))
)]
pub(crate) async fn counts(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<CountView>>> {
    Ok(Json(counts_for(&state, &user).await?))
}

/// Open dossiers per desk agency among those `user` may see.
pub(crate) async fn counts_for(state: &AppState, user: &AuthUser) -> ApiResult<Vec<CountView>> {
    let visibility = visibility_of(user, Some("involved"))?;
    let now = crate::now();
    let holidays = state.calendar.holidays(&state.store).await?;
    let soon = due_soon_bound(now, &holidays);
    let rows = state.store.dossier_counts(&visibility, now, soon).await?;
    Ok(rows
        .into_iter()
        .map(|c| CountView {
            agency_code: c.agency_code,
            open: c.open,
            due_soon: c.due_soon,
            overdue: c.overdue,
        })
        .collect())
}

// ------------------------------------------------------------------------ one dossier

/// A dossier with its history (events, control sheet form 05), documents and the actions
/// this user may take. 404 for a dossier the user may not see.
#[utoipa::path(
    get, path = "/api/v1/dossiers/{code}", tag = "dossiers",
    params(("code" = String, Path, description = "The dossier code")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The dossier", body = DossierView),
        (status = 404, description = "`dossier_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn one(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<DossierView>> {
    // One connection, three queries: the dossier, its events, its documents.
    let code = DossierCode::parse(&code).map_err(|_| not_found())?;
    let (record, parts) = state
        .store
        .dossier_detail(code.as_str())
        .await?
        .ok_or_else(not_found)?;
    may_see(&user, &record)?;
    let allowed = allowed_for_user(&user, &record);
    Ok(Json(view_of(&state, record, allowed, parts).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct HistoryView {
    pub events: Vec<EventView>,
    pub control_sheet: Vec<SheetRowView>,
}

/// A dossier's events, and the processing control sheet (form 05) made from them.
#[utoipa::path(
    get, path = "/api/v1/dossiers/{code}/events", tag = "dossiers",
    params(("code" = String, Path, description = "The dossier code")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Events and control sheet", body = HistoryView),
        (status = 404, description = "`dossier_not_found`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn events(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<HistoryView>> {
    let record = visible(&state, &user, &code).await?;
    let events = state.store.dossier_events(record.code()).await?;
    let sheet = control_sheet(&events);
    Ok(Json(HistoryView {
        events: events.into_iter().map(EventView::from).collect(),
        control_sheet: sheet.into_iter().map(SheetRowView::from).collect(),
    }))
}

// ---------------------------------------------------------------------------- actions

/// An action: `action` names it, `version` is the dossier version it was decided on,
/// and the other fields are what that action needs.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct ActionBody {
    /// `accept`, `request_supplement`, `supplement_received`, `refuse_at_receipt`, `assign`,
    /// `forward`, `send_back`, `transfer`, `request_payment`, `record_payment`, `approve`,
    /// `refuse_after_appraisal`, `finish`, `return_result`, `withdraw`, `stop`, `apologise`, `rate`.
    #[schema(example = "accept")]
    pub action: String,
    pub version: i64,
    /// For refusals, send back, withdraw, stop and apologise.
    pub reason: Option<String>,
    /// For `request_supplement`: everything missing.
    pub missing: Option<Vec<String>>,
    /// For `assign`: a username at the step's agency.
    pub assignee: Option<String>,
    /// For `transfer`.
    pub to_agency: Option<String>,
    /// For `request_payment` and `record_payment`.
    pub amount_vnd: Option<i64>,
    /// For `finish`: the result's name.
    pub result: Option<String>,
    /// For `finish`: the result is electronic.
    pub electronic: Option<bool>,
    /// For `apologise`: the new date, RFC 3339.
    #[schema(example = "2026-03-10T17:00:00+07:00")]
    pub new_due: Option<String>,
    /// For `rate`.
    pub rating: Option<RatingBody>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct RatingBody {
    /// Criterion → score 0, 1 or 2. Criteria: `timeliness`, `agencies_visited`,
    /// `contacts_needed`, `published_information`, `staff_attitude`, `result_lawfulness`,
    /// `cost_lawfulness`, `complaint_handling`, `online_service`.
    #[schema(value_type = Object, example = json!({"timeliness": 2, "staff_attitude": 2}))]
    pub scores: BTreeMap<String, u8>,
    pub comment: Option<String>,
}

pub(crate) fn parse_rating(body: &RatingBody) -> ApiResult<Rating> {
    let mut scores = Vec::new();
    for (name, score) in &body.scores {
        let criterion: RatingCriterion =
            serde_json::from_value(serde_json::Value::String(name.clone())).map_err(|_| {
                unprocessable(
                    "unknown_rating_criterion",
                    format!("Tiêu chí đánh giá không hợp lệ: \"{name}\"."),
                )
            })?;
        scores.push((criterion, *score));
    }
    Rating::new(scores, body.comment.clone()).map_err(|e| unprocessable(e.code(), e.to_string()))
}

pub(crate) fn missing_field(field: &str) -> ApiError {
    unprocessable(
        "missing_field",
        format!("Thao tác này cần trường \"{field}\"."),
    )
}

pub(crate) fn to_action(b: &ActionBody) -> ApiResult<Action> {
    let reason = || b.reason.clone().ok_or_else(|| missing_field("reason"));
    let amount = || b.amount_vnd.ok_or_else(|| missing_field("amount_vnd"));
    Ok(match b.action.trim() {
        "accept" => Action::Accept,
        "request_supplement" => Action::RequestSupplement {
            missing: b.missing.clone().ok_or_else(|| missing_field("missing"))?,
        },
        "supplement_received" => Action::SupplementReceived,
        "refuse_at_receipt" => Action::RefuseAtReceipt { reason: reason()? },
        "assign" => Action::Assign {
            assignee: b
                .assignee
                .clone()
                .ok_or_else(|| missing_field("assignee"))?,
        },
        "forward" => Action::Forward,
        "send_back" => Action::SendBack { reason: reason()? },
        "transfer" => Action::Transfer {
            to_agency: AgencyCode::parse(
                b.to_agency
                    .as_deref()
                    .ok_or_else(|| missing_field("to_agency"))?,
            )
            .map_err(|e| unprocessable(e.code(), e.to_string()))?,
        },
        "request_payment" => Action::RequestPayment {
            amount_vnd: amount()?,
        },
        "record_payment" => Action::RecordPayment {
            amount_vnd: amount()?,
        },
        "approve" => Action::Approve,
        "refuse_after_appraisal" => Action::RefuseAfterAppraisal { reason: reason()? },
        "finish" => Action::Finish {
            result: b.result.clone().ok_or_else(|| missing_field("result"))?,
            electronic: b.electronic.unwrap_or(false),
        },
        "return_result" => Action::ReturnResult,
        "withdraw" => Action::Withdraw { reason: reason()? },
        "stop" => Action::Stop { reason: reason()? },
        "apologise" => Action::Apologise {
            reason: reason()?,
            new_due: crate::calendar::parse_instant(
                b.new_due
                    .as_deref()
                    .ok_or_else(|| missing_field("new_due"))?,
            )
            .map_err(|e| unprocessable(e.code, e.detail))?,
        },
        "rate" => Action::Rate {
            rating: parse_rating(b.rating.as_ref().ok_or_else(|| missing_field("rating"))?)?,
        },
        other => {
            return Err(unprocessable(
                "unknown_action",
                format!("Không có thao tác \"{other}\"."),
            ));
        }
    })
}

/// Rule failures: out-of-order actions and spent allowances are conflicts (409);
/// missing or bad data is 422.
pub(crate) fn dossier_error(err: DossierError) -> ApiError {
    let status = match err {
        DossierError::ReasonRequired
        | DossierError::NothingMissing
        | DossierError::InvalidAmount
        | DossierError::NewDateNotLater => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::CONFLICT,
    };
    ApiError::new(status, err.code(), err.to_string())
}

pub(crate) fn stale(code: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "stale_version",
        format!("Hồ sơ {code} vừa được người khác cập nhật. Hãy tải lại hồ sơ rồi thực hiện lại."),
    )
}

pub(crate) fn access_error(denied: AccessDenied) -> ApiError {
    match denied {
        AccessDenied::Invisible => not_found(),
        AccessDenied::Forbidden => {
            ApiError::new(StatusCode::FORBIDDEN, "forbidden", denied.to_string())
        }
    }
}

/// Applies an action for an actor and commits it; shared by officers, citizens and the
/// public rating.
pub(crate) async fn perform(
    state: &AppState,
    record: &DossierRecord,
    action: &Action,
    actor: Actor<'_>,
    audit: motcua_domain::audit::AuditEntry,
) -> ApiResult<DossierRecord> {
    let now = crate::now();
    let hours =
        crate::calendar::agency_hours(&state.store, record.dossier.handling_agency.as_str())
            .await?
            .unwrap_or_else(WorkingHours::default);
    let holidays: Arc<_> = state.calendar.holidays(&state.store).await?;
    let ctx = Context {
        now: to_vn_local(&now),
        hours: &hours,
        holidays: &holidays,
        steps: &record.steps,
        budget_minutes: record.budget_minutes.max(0) as u32,
    };
    let after = record.dossier.apply(action, &ctx).map_err(dossier_error)?;
    // The state machine first (409 for an action out of order), then who may take it.
    can_act(actor, &record.dossier, &record.steps, action.kind()).map_err(access_error)?;
    match action {
        Action::Assign { assignee } => {
            let step_agency = record.dossier.step_agency(&record.steps).as_str();
            let ok = state
                .store
                .find_user_by_username(assignee.trim())
                .await?
                .is_some_and(|u| {
                    u.active && u.agency_code.as_deref() == Some(step_agency) && u.role.is_staff()
                });
            if !ok {
                return Err(unprocessable(
                    "invalid_assignee",
                    format!(
                        "\"{assignee}\" không phải cán bộ đang làm việc tại cơ quan {step_agency}."
                    ),
                ));
            }
        }
        Action::Transfer { to_agency }
            if state.store.agency(to_agency.as_str()).await?.is_none() =>
        {
            return Err(unprocessable(
                "unknown_agency",
                format!("Không có cơ quan {to_agency}."),
            ));
        }
        _ => {}
    }
    let committed = state
        .store
        .commit_dossier_action(record, action, &after, now, audit.clone())
        .await?;
    // The signed receipt once received, signed results once finished (idempotent, and a
    // few reads when there is nothing to do).
    if committed.dossier.received_at.is_some() {
        crate::signing::settle_logged(state, committed.code(), &audit).await;
    }
    Ok(committed)
}

/// Takes an action on a dossier. Not allowed in the current state → 409 with a stable code
/// (`action_not_allowed`, `supplement_already_requested`, …); a stale `version` → 409
/// `stale_version`; not this user's to take → 403; not visible → 404.
#[utoipa::path(
    post, path = "/api/v1/dossiers/{code}/actions", tag = "dossiers", request_body = ActionBody,
    params(("code" = String, Path, description = "The dossier code")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The dossier after the action", body = DossierView),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`dossier_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`stale_version`, `action_not_allowed`, `supplement_already_requested`, `supplement_window_passed`, `no_next_step`, `not_at_last_step`, `apology_already_given`, `apology_too_late`, `already_rated`…", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`missing_field`, `unknown_action`, `reason_required`, `invalid_amount`, `invalid_assignee`, `unknown_agency`…", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn act(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<ActionBody>,
) -> ApiResult<Json<DossierView>> {
    let record = visible(&state, &user, &code).await?;
    let action = to_action(&body)?;
    if body.version != record.dossier.version {
        return Err(stale(record.code()));
    }
    let agency = user_agency(&user);
    let actor = actor_of(&user, agency.as_ref(), &record);
    let audit = user.audit("dossier.action", "dossier", serde_json::json!({}));
    let after = perform(&state, &record, &action, actor, audit).await?;
    let allowed = allowed_for_user(&user, &after);
    Ok(Json(build_view(&state, after, allowed).await?))
}

/// Why a file was refused, as a problem (or, on a page, a message).
pub(crate) fn document_rejection(r: DocumentRejection) -> ApiError {
    super::documents::rejection(r, MAX_DOCUMENT_BYTES as u64)
}

/// Checks a file's type and size, stores its bytes by SHA-256 and records it with the
/// dossier (the blob takes its address only once the row has committed). Used by the
/// online submission form; the API streams uploads through `api::documents`.
pub(crate) async fn attach_document(
    state: &AppState,
    dossier_code: &str,
    name: &str,
    bytes: Vec<u8>,
    audit: motcua_domain::audit::AuditEntry,
) -> ApiResult<DocumentRecord> {
    sniff(&bytes).map_err(document_rejection)?;
    let blobs = super::documents::blob_store(state)?;
    let max = blobs.max_bytes();
    let body = futures_util::stream::once(async move {
        Ok::<_, std::convert::Infallible>(bytes::Bytes::from(bytes))
    });
    let staged = blobs
        .receive(body, None)
        .await
        .map_err(|e| super::documents::upload_error(e, max))?;
    let name = Some(name.trim().chars().take(255).collect::<String>())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "tai-lieu".into());
    let doc = NewDocument::upload(
        dossier_code,
        &staged.sha256,
        &name,
        staged.content_type,
        staged.size as i64,
        crate::now(),
    );
    match state.store.add_document(&doc, audit).await {
        Ok(row) => {
            if let Err(e) = blobs.keep(staged).await {
                tracing::error!(error = %e, sha256 = %row.sha256, "document row committed but its blob could not be stored");
                return Err(ApiError::internal());
            }
            Ok(row)
        }
        Err(err) => {
            blobs.discard(staged).await;
            Err(err.into())
        }
    }
}

/// A document of a dossier already checked visible, streamed with its type and re-hashed.
pub(crate) async fn document_response(
    state: &AppState,
    record: &DossierRecord,
    id: &str,
) -> ApiResult<Response> {
    let doc = state
        .store
        .documents(record.code())
        .await?
        .into_iter()
        .find(|d| d.id.to_string() == id)
        .ok_or_else(|| ApiError::not_found("Không tìm thấy tài liệu."))?;
    super::documents::stream_blob(
        state,
        &doc.sha256,
        doc.size_bytes,
        &doc.content_type,
        &doc.name,
    )
    .await
}

// ----------------------------------------------------------------------------- public

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct CheckQuery {
    /// The last 4 digits of the applicant's phone number or citizen ID (or tax code).
    #[param(example = "5678")]
    check: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PublicStepView {
    pub no: usize,
    pub name: String,
    /// `done`, `current` or `pending`.
    pub progress: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PublicApplicantView {
    pub kind: String,
    /// A person's name as initials and given name.
    pub name: String,
    pub citizen_id: Option<String>,
    pub phone: Option<String>,
}

/// What anyone holding the code and the check digits may see.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PublicDossierView {
    pub code: String,
    pub procedure_name: String,
    pub receiving_agency: String,
    pub receiving_agency_name: Option<String>,
    pub state: String,
    pub state_label: String,
    pub national_status: u8,
    pub applicant: PublicApplicantView,
    pub steps: Vec<PublicStepView>,
    #[schema(value_type = String, format = DateTime)]
    pub submitted_at: DateTime<FixedOffset>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub received_at: Option<DateTime<FixedOffset>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<DateTime<FixedOffset>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<DateTime<FixedOffset>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub returned_at: Option<DateTime<FixedOffset>>,
    /// The applicant may rate the handling now.
    pub can_rate: bool,
    pub rating: Option<RatingView>,
}

pub(crate) async fn public_view(
    state: &AppState,
    r: &DossierRecord,
) -> ApiResult<PublicDossierView> {
    let d = &r.dossier;
    let masked = r.applicant.masked();
    let agency_name = state
        .store
        .agency(d.receiving_agency.as_str())
        .await?
        .map(|a| a.name);
    let steps = r
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let progress = if d.state.is_in_flight() {
                match i.cmp(&d.step) {
                    std::cmp::Ordering::Less => "done",
                    std::cmp::Ordering::Equal => "current",
                    std::cmp::Ordering::Greater => "pending",
                }
            } else if d.finished_at.is_some() && d.result.is_some()
                || d.state == DossierState::Returned
            {
                "done"
            } else {
                "pending"
            };
            PublicStepView {
                no: i,
                name: s.name.clone(),
                progress: progress.into(),
            }
        })
        .collect();
    Ok(PublicDossierView {
        code: r.code().to_owned(),
        procedure_name: r.procedure_name.clone(),
        receiving_agency: d.receiving_agency.to_string(),
        receiving_agency_name: agency_name,
        state: d.state.as_str().into(),
        state_label: d.state.label_vi().into(),
        national_status: d.state.national_status().into(),
        applicant: PublicApplicantView {
            kind: masked.kind.as_str().into(),
            name: masked.name,
            citizen_id: masked.citizen_id,
            phone: masked.phone,
        },
        steps,
        submitted_at: vn(d.submitted_at),
        received_at: d.received_at.map(vn),
        due_at: d.due_at.map(vn),
        finished_at: d.finished_at.map(vn),
        returned_at: d.returned_at.map(vn),
        can_rate: d.state == DossierState::Returned && d.rating.is_none(),
        rating: d.rating.as_ref().map(rating_view),
    })
}

pub(crate) fn too_many() -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        "Tra cứu sai quá nhiều lần. Vui lòng thử lại sau 15 phút.",
    )
}

/// The dossier for the public lookup, if `check` matches; failures count against the
/// client address and the code, and too many answer 429.
pub(crate) async fn checked(
    state: &AppState,
    peer: SocketAddr,
    code: &str,
    check: &str,
) -> ApiResult<DossierRecord> {
    let now = crate::now();
    let normal = code.trim().to_ascii_uppercase();
    let keys = [
        format!("dossier-check:ip:{}", peer.ip()),
        format!("dossier-check:code:{normal}"),
    ];
    for key in &keys {
        if let ThrottleState::LockedUntil(_) = state.store.throttle_state(key, now).await? {
            return Err(too_many());
        }
    }
    let record = match DossierCode::parse(code) {
        Ok(c) => state.store.dossier(c.as_str()).await?,
        Err(_) => None,
    };
    match record {
        Some(r) if r.applicant.matches_check(check) => Ok(r),
        _ => {
            let after = state.store.record_check_failure(&keys, now).await?;
            if matches!(after, ThrottleState::LockedUntil(_)) {
                return Err(too_many());
            }
            Err(not_found())
        }
    }
}

/// Public lookup: status, steps and appointment date, with personal data masked. Needs the
/// last 4 digits of the applicant's phone or citizen ID; wrong guesses are rate-limited
/// per client address and per code.
#[utoipa::path(
    get, path = "/api/v1/public/dossiers/{code}", tag = "public", params(("code" = String, Path, description = "The dossier code"), CheckQuery),
    responses(
        (status = 200, description = "The dossier, masked", body = PublicDossierView),
        (status = 404, description = "`dossier_not_found` (unknown code or wrong check digits)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_attempts`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn public_lookup(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<CheckQuery>,
) -> ApiResult<Json<PublicDossierView>> {
    let record = checked(&state, peer, &code, &q.check).await?;
    Ok(Json(public_view(&state, &record).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct PublicRatingBody {
    /// The last 4 digits of the applicant's phone or citizen ID.
    pub check: String,
    #[serde(flatten)]
    pub rating: RatingBody,
}

/// The applicant rates the handling, once, after the result was returned.
#[utoipa::path(
    post, path = "/api/v1/public/dossiers/{code}/rating", tag = "public", request_body = PublicRatingBody,
    params(("code" = String, Path, description = "The dossier code")),
    responses(
        (status = 200, description = "The dossier with its rating", body = PublicDossierView),
        (status = 404, description = "`dossier_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`action_not_allowed` (not returned yet), `already_rated`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`rating_score_out_of_range`, `empty_rating`, `unknown_rating_criterion`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_attempts`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn public_rating(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    MaybeUser(_): MaybeUser,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<PublicRatingBody>,
) -> ApiResult<Json<PublicDossierView>> {
    let after = rate_public(&state, peer, &code, &body.check, &body.rating).await?;
    Ok(Json(public_view(&state, &after).await?))
}

/// The applicant rates through the public lookup (code and check digits, throttled):
/// shared by the API and the lookup page.
pub(crate) async fn rate_public(
    state: &AppState,
    peer: SocketAddr,
    code: &str,
    check: &str,
    rating: &RatingBody,
) -> ApiResult<DossierRecord> {
    let record = checked(state, peer, code, check).await?;
    let action = Action::Rate {
        rating: parse_rating(rating)?,
    };
    let actor = Actor {
        role: Role::Citizen,
        agency: None,
        is_applicant: true,
    };
    let audit = applicant_audit("dossier.rate");
    perform(state, &record, &action, actor, audit).await
}
