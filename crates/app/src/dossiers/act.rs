//! Actions on a dossier: parsed from what was typed, checked against the version the
//! sender decided on, the state machine and the access rules, then committed with their
//! audit event; receipts and results are signed as the new state calls for.

use super::access::{actor_of, load_visible};
use crate::{App, AppError, AppResult, Principal};
use motcua_domain::agency::AgencyCode;
use motcua_domain::audit::AuditEntry;
use motcua_domain::calendar::{WorkingHours, to_vn_local};
use motcua_domain::dossier::{Action, Actor, Context, Rating, RatingCriterion, can_act};
use motcua_store::{DossierRecord, UserRecord};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// An action: `action` names it, `version` is the dossier version it was decided on,
/// and the other fields are what that action needs.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ActionBody))]
pub struct ActionInput {
    /// `accept`, `request_supplement`, `supplement_received`, `refuse_at_receipt`, `assign`,
    /// `forward`, `send_back`, `transfer`, `request_payment`, `record_payment`, `approve`,
    /// `refuse_after_appraisal`, `finish`, `return_result`, `withdraw`, `stop`, `apologise`, `rate`.
    #[cfg_attr(feature = "openapi", schema(example = "accept"))]
    pub action: String,
    pub version: i64,
    /// For refusals, send back, withdraw, stop and apologise; for `request_payment`, why the
    /// amount differs from the procedure's fees.
    pub reason: Option<String>,
    /// For `request_supplement`: everything missing.
    pub missing: Option<Vec<String>>,
    /// For `request_supplement`, optional: the date (YYYY-MM-DD) the supplement is asked by.
    #[cfg_attr(feature = "openapi", schema(example = "2026-03-20", format = "date"))]
    #[serde(default)]
    pub supplement_by: Option<String>,
    /// For `assign`: a username at the step's agency.
    pub assignee: Option<String>,
    /// For `transfer`.
    pub to_agency: Option<String>,
    /// For `record_payment`; for `request_payment`, optional: the procedure's fees as
    /// assessed by default.
    pub amount_vnd: Option<i64>,
    /// For `request_payment`, optional: per fee of the procedure, in its order, the quantity
    /// (copies, pages… for a fee charged per unit; 0 or 1 for a fixed one) and the exemption
    /// applied (its place in the fee's list, from 0). By default one of each, none exempt.
    #[serde(default)]
    pub fees: Option<Vec<FeeChoiceInput>>,
    /// For `finish`: the result's name.
    pub result: Option<String>,
    /// For `finish`: the result is electronic.
    pub electronic: Option<bool>,
    /// For `apologise`: the new date, RFC 3339.
    #[cfg_attr(feature = "openapi", schema(example = "2026-03-10T17:00:00+07:00"))]
    pub new_due: Option<String>,
    /// For `rate`.
    pub rating: Option<RatingInput>,
}

/// One fee's choice on a fee request.
#[derive(Debug, Clone, Copy, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeeChoiceInput {
    /// Copies, pages… for a fee charged per unit; 0 (not charged) or 1 for a fixed one.
    pub quantity: u32,
    /// The exemption applied: its place in the fee's list, from 0.
    #[serde(default)]
    pub exemption: Option<usize>,
}

impl From<FeeChoiceInput> for motcua_domain::fee::FeeChoice {
    fn from(c: FeeChoiceInput) -> Self {
        motcua_domain::fee::FeeChoice {
            quantity: c.quantity,
            exemption: c.exemption,
        }
    }
}

// A rating as typed (the API's `DossierRatingBody`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = DossierRatingBody))]
pub struct RatingInput {
    /// Criterion → score 0, 1 or 2. Criteria: `timeliness`, `agencies_visited`,
    /// `contacts_needed`, `published_information`, `staff_attitude`, `result_lawfulness`,
    /// `cost_lawfulness`, `complaint_handling`, `online_service`.
    #[cfg_attr(feature = "openapi", schema(value_type = RatingScores, example = json!({"timeliness": 2, "staff_attitude": 2})))]
    pub scores: BTreeMap<String, u8>,
    pub comment: Option<String>,
}

/// The scores of a rating, as documented: at least one criterion, each 0, 1 or 2 (the nine
/// criteria of Decision 766/QĐ-TTg's satisfaction survey).
#[cfg(feature = "openapi")]
#[derive(utoipa::ToSchema)]
#[schema(min_properties = 1)]
#[allow(dead_code)] // documentation only
pub struct RatingScores {
    #[schema(minimum = 0, maximum = 2)]
    timeliness: Option<u8>,
    #[schema(minimum = 0, maximum = 2)]
    agencies_visited: Option<u8>,
    #[schema(minimum = 0, maximum = 2)]
    contacts_needed: Option<u8>,
    #[schema(minimum = 0, maximum = 2)]
    published_information: Option<u8>,
    #[schema(minimum = 0, maximum = 2)]
    staff_attitude: Option<u8>,
    #[schema(minimum = 0, maximum = 2)]
    result_lawfulness: Option<u8>,
    #[schema(minimum = 0, maximum = 2)]
    cost_lawfulness: Option<u8>,
    #[schema(minimum = 0, maximum = 2)]
    complaint_handling: Option<u8>,
    #[schema(minimum = 0, maximum = 2)]
    online_service: Option<u8>,
}

impl RatingInput {
    pub fn parse(&self) -> AppResult<Rating> {
        let mut scores = Vec::new();
        for (name, score) in &self.scores {
            let criterion: RatingCriterion =
                serde_json::from_value(serde_json::Value::String(name.clone())).map_err(|_| {
                    AppError::invalid(
                        "unknown_rating_criterion",
                        format!("Tiêu chí đánh giá không hợp lệ: \"{name}\"."),
                    )
                })?;
            scores.push((criterion, *score));
        }
        Rating::new(scores, self.comment.clone())
            .map_err(|e| AppError::invalid(e.code(), e.to_string()))
    }
}

fn missing_field(field: &str) -> AppError {
    AppError::invalid(
        "missing_field",
        format!("Thao tác này cần trường \"{field}\"."),
    )
}

impl ActionInput {
    /// The action, with what it needs; `missing_field`, `unknown_action` and the fields'
    /// own codes otherwise.
    pub fn parse(&self) -> AppResult<Action> {
        let reason = || self.reason.clone().ok_or_else(|| missing_field("reason"));
        let amount = || self.amount_vnd.ok_or_else(|| missing_field("amount_vnd"));
        Ok(match self.action.trim() {
            "accept" => Action::Accept,
            "request_supplement" => Action::RequestSupplement {
                note: self
                    .reason
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(|n| n.chars().take(2000).collect()),
                missing: self
                    .missing
                    .clone()
                    .ok_or_else(|| missing_field("missing"))?,
                supplement_by: match self.supplement_by.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(day) => Some(chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(
                        |_| {
                            AppError::invalid_field(
                                "supplement_by",
                                "invalid_date",
                                "Hạn bổ sung phải là ngày dạng YYYY-MM-DD.",
                            )
                        },
                    )?),
                },
            },
            "supplement_received" => Action::SupplementReceived,
            "refuse_at_receipt" => Action::RefuseAtReceipt { reason: reason()? },
            "assign" => Action::Assign {
                assignee: self
                    .assignee
                    .clone()
                    .ok_or_else(|| missing_field("assignee"))?,
            },
            "forward" => Action::Forward,
            "send_back" => Action::SendBack { reason: reason()? },
            "transfer" => Action::Transfer {
                to_agency: AgencyCode::parse(
                    self.to_agency
                        .as_deref()
                        .ok_or_else(|| missing_field("to_agency"))?,
                )
                .map_err(|e| AppError::invalid(e.code(), e.to_string()))?,
            },
            "request_payment" => Action::RequestPayment {
                amount_vnd: amount()?,
                reason: self.reason.clone(),
                items: Vec::new(),
            },
            "record_payment" => Action::RecordPayment {
                amount_vnd: amount()?,
                online: false,
            },
            "approve" => Action::Approve,
            "refuse_after_appraisal" => Action::RefuseAfterAppraisal { reason: reason()? },
            "finish" => Action::Finish {
                result: self.result.clone().ok_or_else(|| missing_field("result"))?,
                electronic: self.electronic.unwrap_or(false),
            },
            "return_result" => Action::ReturnResult,
            "withdraw" => Action::Withdraw { reason: reason()? },
            "stop" => Action::Stop { reason: reason()? },
            "apologise" => Action::Apologise {
                reason: reason()?,
                new_due: crate::calendar::parse_instant(
                    self.new_due
                        .as_deref()
                        .ok_or_else(|| missing_field("new_due"))?,
                )
                .map_err(|e| AppError::invalid(e.code, e.detail))?,
            },
            "rate" => Action::Rate {
                rating: self
                    .rating
                    .as_ref()
                    .ok_or_else(|| missing_field("rating"))?
                    .parse()?,
            },
            other => {
                return Err(AppError::invalid(
                    "unknown_action",
                    format!("Không có thao tác \"{other}\"."),
                ));
            }
        })
    }
}

/// Whom the dossier may be assigned to at its current step: the active staff of the step's
/// agency (what `act` checks for `assign`).
pub async fn assignees(app: &App, record: &DossierRecord) -> AppResult<Vec<UserRecord>> {
    let agency = record.dossier.step_agency(&record.steps).as_str();
    let users = app.store.active_users_of_agency(agency).await?;
    Ok(users.into_iter().filter(|u| u.role.is_staff()).collect())
}

/// Why an apology cannot be given on this dossier now, whatever its reason and new date
/// (the form is not offered; this is said instead).
pub async fn apology_blocker(app: &App, record: &DossierRecord) -> AppResult<Option<String>> {
    let hours = crate::calendar::agency_hours(&app.store, record.dossier.handling_agency.as_str())
        .await?
        .unwrap_or_else(WorkingHours::default);
    let holidays = app.calendar.holidays(&app.store).await?;
    let now = to_vn_local(&crate::now());
    Ok(record
        .dossier
        .apology_blocker(now, &hours, &holidays)
        .map(|why| {
            let mut text = why.to_string();
            if let Some(first) = text.get(..1) {
                text.replace_range(..1, &first.to_uppercase());
            }
            format!("{text}.")
        }))
}

/// Takes an action on a dossier the principal may see. Not allowed in the current state →
/// `Conflict` with a stable code (`action_not_allowed`, `supplement_already_requested`, …);
/// decided on an older version → `Stale`; not theirs to take → `Forbidden`; not visible →
/// `dossier_not_found`.
pub async fn act(
    app: &App,
    who: &Principal,
    code: &str,
    input: &ActionInput,
) -> AppResult<DossierRecord> {
    let record = load_visible(app, who, code).await?;
    let action = match input.action.as_str() {
        "request_payment" => payment_request(app, &record, input).await?,
        _ => input.parse()?,
    };
    if input.version != record.dossier.version {
        return Err(AppError::Stale {
            detail: format!(
                "Hồ sơ {} vừa được người khác cập nhật. Hãy tải lại hồ sơ rồi thực hiện lại.",
                record.code()
            ),
        });
    }
    let agency = who.agency();
    let actor = actor_of(who, agency.as_ref(), &record);
    let audit = who.audit("dossier.action", "dossier", serde_json::json!({}));
    perform(app, &record, &action, actor, audit).await
}

/// The dossier after `action` at `now`, by the rules (who may take it is not checked here).
pub(crate) async fn next_state(
    app: &App,
    record: &DossierRecord,
    action: &Action,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<motcua_domain::dossier::Dossier> {
    let hours = crate::calendar::agency_hours(&app.store, record.dossier.handling_agency.as_str())
        .await?
        .unwrap_or_else(WorkingHours::default);
    let holidays: Arc<_> = app.calendar.holidays(&app.store).await?;
    let ctx = Context {
        now: to_vn_local(&now),
        hours: &hours,
        holidays: &holidays,
        steps: &record.steps,
        budget_minutes: record.budget_minutes.max(0) as u32,
    };
    Ok(record.dossier.apply(action, &ctx)?)
}

/// A fee request: the catalogue's fees for the dossier's procedure version, assessed with the
/// officer's quantities and exemptions, unless the officer gives another amount, which then
/// needs its reason (Decree 45/2020 art. 9: fees as published).
async fn payment_request(
    app: &App,
    record: &DossierRecord,
    input: &ActionInput,
) -> AppResult<Action> {
    let fees = crate::payments::catalogue_fees(app, record).await?;
    let choices = match &input.fees {
        Some(choices) => choices.iter().map(|&c| c.into()).collect(),
        None => motcua_domain::fee::default_choices(&fees),
    };
    let assessment = motcua_domain::fee::assess(&fees, &choices).map_err(|e| {
        AppError::invalid_field("fees", e.code(), crate::capitalise(&e.to_string()) + ".")
    })?;
    let assessed = assessment.total_vnd;
    let amount = input.amount_vnd.unwrap_or(assessed);
    let reason = (input.reason.as_deref())
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    if amount != assessed && reason.is_none() {
        return Err(AppError::invalid_field(
            "reason",
            "adjustment_reason_required",
            format!(
                "Số tiền khác mức phí, lệ phí tính theo thủ tục ({assessed} đồng): phải ghi lý do điều chỉnh."
            ),
        ));
    }
    Ok(Action::RequestPayment {
        amount_vnd: amount,
        reason,
        items: assessment.lines,
    })
}

/// Applies an action for an actor and commits it; shared by officers, citizens and the
/// public rating.
pub(crate) async fn perform(
    app: &App,
    record: &DossierRecord,
    action: &Action,
    actor: Actor<'_>,
    audit: AuditEntry,
) -> AppResult<DossierRecord> {
    let now = crate::now();
    let after = next_state(app, record, action, now).await?;
    // The state machine first (a conflict for an action out of order), then who may take it.
    can_act(actor, &record.dossier, &record.steps, action.kind())?;
    match action {
        Action::Assign { assignee } => {
            let step_agency = record.dossier.step_agency(&record.steps).as_str();
            let ok = app
                .store
                .find_user_by_username(assignee.trim())
                .await?
                .is_some_and(|u| {
                    u.active && u.agency_code.as_deref() == Some(step_agency) && u.role.is_staff()
                });
            if !ok {
                return Err(AppError::invalid(
                    "invalid_assignee",
                    format!(
                        "\"{assignee}\" không phải cán bộ đang làm việc tại cơ quan {step_agency}."
                    ),
                ));
            }
        }
        Action::Transfer { to_agency } if app.store.agency(to_agency.as_str()).await?.is_none() => {
            return Err(AppError::invalid(
                "unknown_agency",
                format!("Không có cơ quan {to_agency}."),
            ));
        }
        _ => {}
    }
    // Cash at the counter goes through the payment ledger, which numbers its e-receipt.
    if let Action::RecordPayment {
        amount_vnd,
        online: false,
    } = action
    {
        return crate::payments::ledger::record_at_counter(app, record, *amount_vnd, audit).await;
    }
    let notices =
        crate::connectors::notices::applicant_messages(app, record, action, &after).await?;
    let committed = app
        .store
        .commit_dossier_action_sending(record, action, &after, now, audit.clone(), &notices)
        .await?;
    // The signed receipt once received, signed results once finished (idempotent, and a
    // few reads when there is nothing to do).
    if committed.dossier.received_at.is_some() {
        crate::signing::settle_logged(app, committed.code(), &audit).await;
    }
    Ok(committed)
}
