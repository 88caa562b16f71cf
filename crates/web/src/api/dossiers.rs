//! Dossiers: online submission (idempotent) and counter receipt, the officers' queue, a
//! dossier with its history and the actions this user may take, actions under optimistic
//! concurrency, documents, and the citizens' public lookup and rating.

use super::documents::{DigitisationView, DocumentView, document_views_of};
use super::processes::{StepView, step_views};
use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::auth::{ApiUser, AuthUser, MaybeUser};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::{ApiError, ApiResult, Problem};
use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use motcua_app::dossiers as app_dossiers;
use motcua_app::dossiers::public::PublicDetail;
use motcua_app::dossiers::queue::{QueueItem, QueuePage, QueueQuestion as QueueQuery};
use motcua_app::dossiers::read::{ApplicantDetails, Detail};
use motcua_domain::account::Role;
use motcua_domain::calendar::{VN_OFFSET, from_vn_local};
use motcua_domain::dossier::{Rating, event_label};
use motcua_store::{ControlSheetRow, DossierEvent, DossierRecord, Submitted, WalletAttachment};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use utoipa::{IntoParams, ToSchema};

pub(crate) use motcua_app::dossiers::act::{ActionInput as ActionBody, RatingInput as RatingBody};
pub(crate) use motcua_app::dossiers::submit::{ApplicantInput as ApplicantBody, SubmitRequest};

pub(crate) fn vn(local: NaiveDateTime) -> DateTime<FixedOffset> {
    from_vn_local(local)
}

pub(crate) fn vn_utc(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&VN_OFFSET)
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

// -------------------------------------------------------------------------- submission

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
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_json_fields",
            format!("Nội dung JSON thiếu trường hoặc sai kiểu: {e}"),
        )
    })?;
    let request = SubmitRequest {
        procedure_code: body.procedure_code,
        agency_code: body.agency_code,
        channel: body.channel,
        applicant: body.applicant.parse()?,
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
    let view = build_view(&state, &user, submitted.into_record()).await?;
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

/// Registers a dossier for `user` (None: an applicant without an account, online).
pub(crate) async fn submit_as(
    state: &AppState,
    user: Option<&AuthUser>,
    body: SubmitRequest,
) -> ApiResult<Submitted> {
    let who = user.map(AuthUser::principal);
    Ok(app_dossiers::submit::submit(&state.app, who.as_ref(), body).await?)
}

// ------------------------------------------------------------------------------- queue

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

pub(crate) fn summary_view(item: QueueItem) -> SummaryView {
    let QueueItem {
        summary: s,
        state,
        due_state,
    } = item;
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
        due_state: due_state.map(|d| d.as_str().to_owned()),
        version: s.version,
    }
}

fn queue_view(page: QueuePage) -> QueueView {
    QueueView {
        items: page.items.into_iter().map(summary_view).collect(),
        total: page.total,
        total_exact: page.total_exact,
        page: page.page,
        per_page: page.per_page,
    }
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

/// One page of the queue as `user` may see it.
pub(crate) async fn queue_for(
    state: &AppState,
    user: &AuthUser,
    q: QueueQuery,
) -> ApiResult<QueueView> {
    let page = app_dossiers::queue::queue(&state.app, &user.principal(), q).await?;
    Ok(queue_view(page))
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
    let rows = app_dossiers::queue::counts(&state.app, &user.principal()).await?;
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
    let detail = app_dossiers::read::detail(&state.app, &user.principal(), &code).await?;
    Ok(Json(dossier_view(detail)))
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
    let (events, sheet) = app_dossiers::read::history(&state.app, &user.principal(), &code).await?;
    Ok(Json(HistoryView {
        events: events.into_iter().map(EventView::from).collect(),
        control_sheet: sheet.into_iter().map(SheetRowView::from).collect(),
    }))
}

// ---------------------------------------------------------------------------- actions

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
    let after = app_dossiers::act::act(&state.app, &user.principal(), &code, &body).await?;
    Ok(Json(build_view(&state, &user, after).await?))
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

pub(crate) fn public_view(p: PublicDetail) -> PublicDossierView {
    let d = &p.record.dossier;
    PublicDossierView {
        code: p.record.code().to_owned(),
        procedure_name: p.record.procedure_name.clone(),
        receiving_agency: d.receiving_agency.to_string(),
        receiving_agency_name: p.receiving_agency_name,
        state: d.state.as_str().into(),
        state_label: d.state.label_vi().into(),
        national_status: d.state.national_status().into(),
        applicant: PublicApplicantView {
            kind: p.applicant.kind.as_str().into(),
            name: p.applicant.name,
            citizen_id: p.applicant.citizen_id,
            phone: p.applicant.phone,
        },
        steps: p
            .steps
            .into_iter()
            .map(|s| PublicStepView {
                no: s.no,
                name: s.name,
                progress: s.progress.as_str().into(),
            })
            .collect(),
        submitted_at: vn(d.submitted_at),
        received_at: d.received_at.map(vn),
        due_at: d.due_at.map(vn),
        finished_at: d.finished_at.map(vn),
        returned_at: d.returned_at.map(vn),
        can_rate: p.can_rate,
        rating: d.rating.as_ref().map(rating_view),
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
    let record = app_dossiers::public::lookup(&state.app, peer.ip(), &code, &q.check).await?;
    let detail = app_dossiers::public::public_detail(&state.app, record).await?;
    Ok(Json(public_view(detail)))
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
    let after =
        app_dossiers::public::rate(&state.app, peer.ip(), &code, &body.check, &body.rating).await?;
    let detail = app_dossiers::public::public_detail(&state.app, after).await?;
    Ok(Json(public_view(detail)))
}

/// This module's routes, each with its OpenAPI path (the path comes from its `#[utoipa::path]`).
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, submit))
        .routes(routes!(counts))
        .routes(routes!(one))
        .routes(routes!(events))
        .routes(routes!(act))
        .routes(routes!(public_lookup))
        .routes(routes!(public_rating))
}
