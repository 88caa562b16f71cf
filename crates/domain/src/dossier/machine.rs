//! The dossier state machine: which action is allowed in which state, and what it changes.
//! Pure: time, the calendar and the process come in through [`Context`].

pub use super::action::{Action, ActionKind, DossierError};
use super::identity::DossierCode;
use super::rating::Rating;
use super::status::DossierState;
use crate::account::Role;
use crate::agency::AgencyCode;
use crate::calendar::{
    Channel, DeadlineClock, HolidayCalendar, WORKING_DAY_MINUTES, WorkingHours, counting_start,
    working_minutes_between,
};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// A supplement request after appraisal must go out within this many working days of receipt.
pub const SUPPLEMENT_WINDOW_DAYS: u32 = 3;
/// An apology with a new date must come at least this many working days before the due time.
pub const APOLOGY_NOTICE_DAYS: u32 = 1;

/// One step of an agency's internal process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessStep {
    pub name: String,
    /// The role that does the step.
    pub role: Role,
    /// Another agency that does this step (inter-agency handling); None means the handling agency.
    pub agency: Option<AgencyCode>,
    pub budget_minutes: u32,
}

/// The apology letter (form 04) and the one new date it sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Apology {
    pub at: NaiveDateTime,
    pub reason: String,
    pub previous_due: NaiveDateTime,
    pub new_due: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierResult {
    pub name: String,
    pub electronic: bool,
}

/// A dossier's state as the rules see it. Times are Vietnamese local time (UTC+7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dossier {
    pub code: DossierCode,
    pub channel: Channel,
    pub receiving_agency: AgencyCode,
    /// The lead agency; changes on transfer.
    pub handling_agency: AgencyCode,
    pub state: DossierState,
    /// Index of the current process step.
    pub step: usize,
    pub assignee: Option<String>,
    pub submitted_at: NaiveDateTime,
    pub received_at: Option<NaiveDateTime>,
    pub clock: Option<DeadlineClock>,
    /// The appointment date in force: from the clock, or the apology's new date. None while paused.
    pub due_at: Option<NaiveDateTime>,
    /// The appointment date on the receipt slip as first issued. The legal deadline
    /// (`due_at`) restarts when the complete dossier arrives after a supplement (Decree
    /// 118/2025); the Decision 766 index instead keeps this date and subtracts the
    /// applicant's supplementing time ([`Dossier::applicant_minutes`]).
    #[serde(default)]
    pub receipt_due_at: Option<NaiveDateTime>,
    /// Minutes the applicant took to supplement after receipt (request to complete dossier).
    #[serde(default)]
    pub applicant_minutes: i64,
    pub apology: Option<Apology>,
    pub finished_at: Option<NaiveDateTime>,
    pub returned_at: Option<NaiveDateTime>,
    pub supplements_at_receipt: u8,
    pub supplements_after_appraisal: u8,
    pub fee_requested_vnd: i64,
    pub paid_vnd: i64,
    /// Of what was paid, what came through the online payment platform (Decision 766's
    /// "paid online").
    #[serde(default)]
    pub paid_online_vnd: i64,
    pub result: Option<DossierResult>,
    pub rating: Option<Rating>,
    /// Optimistic concurrency: every applied action adds one.
    pub version: i64,
}

/// What an action needs from outside the dossier.
pub struct Context<'a> {
    pub now: NaiveDateTime,
    pub hours: &'a WorkingHours,
    pub holidays: &'a HolidayCalendar,
    /// The process version the dossier started on.
    pub steps: &'a [ProcessStep],
    /// The time limit in working minutes (the process total, within the legal time).
    pub budget_minutes: u32,
}

fn require_reason(reason: &str) -> Result<(), DossierError> {
    if reason.trim().is_empty() {
        Err(DossierError::ReasonRequired)
    } else {
        Ok(())
    }
}

impl Dossier {
    /// A dossier just registered, online or at the counter.
    pub fn submitted(
        code: DossierCode,
        channel: Channel,
        agency: AgencyCode,
        now: NaiveDateTime,
    ) -> Dossier {
        Dossier {
            code,
            channel,
            receiving_agency: agency.clone(),
            handling_agency: agency,
            state: DossierState::Submitted,
            step: 0,
            assignee: None,
            submitted_at: now,
            received_at: None,
            clock: None,
            due_at: None,
            receipt_due_at: None,
            applicant_minutes: 0,
            apology: None,
            finished_at: None,
            returned_at: None,
            supplements_at_receipt: 0,
            supplements_after_appraisal: 0,
            fee_requested_vnd: 0,
            paid_vnd: 0,
            paid_online_vnd: 0,
            result: None,
            rating: None,
            version: 1,
        }
    }

    /// The agency doing the current step.
    pub fn step_agency<'a>(&'a self, steps: &'a [ProcessStep]) -> &'a AgencyCode {
        steps
            .get(self.step)
            .and_then(|s| s.agency.as_ref())
            .unwrap_or(&self.handling_agency)
    }

    /// The agency whose desk the dossier is on, that is, who must act next: the receiving
    /// agency before receipt and once decided (it hands the result back), otherwise the
    /// agency of the current step.
    pub fn desk_agency<'a>(&'a self, steps: &'a [ProcessStep]) -> &'a AgencyCode {
        if self.state.is_in_flight() {
            self.step_agency(steps)
        } else {
            &self.receiving_agency
        }
    }

    /// Late: finished after the appointment date, or still open past it.
    pub fn is_late(&self, now: NaiveDateTime) -> bool {
        match (self.due_at, self.finished_at) {
            (Some(due), Some(done)) => done > due,
            (Some(due), None) => self.state.is_in_flight() && now > due,
            _ => false,
        }
    }

    /// Why an apology with a new date would be refused at `now` whatever its reason and
    /// date: one was given already, there is no due date, or less than
    /// [`APOLOGY_NOTICE_DAYS`] working day is left before it, or it has passed (the
    /// apology letter, form 04 of Decree 118/2025; DOMAIN.md §"Late dossiers").
    pub fn apology_blocker(
        &self,
        now: NaiveDateTime,
        hours: &WorkingHours,
        holidays: &HolidayCalendar,
    ) -> Option<DossierError> {
        if self.apology.is_some() {
            return Some(DossierError::ApologyAlreadyGiven);
        }
        let Some(due) = self.due_at else {
            return Some(DossierError::NoDueDate);
        };
        let notice = working_minutes_between(now, due, hours, holidays);
        (notice < i64::from(APOLOGY_NOTICE_DAYS * WORKING_DAY_MINUTES))
            .then_some(DossierError::ApologyTooLate)
    }

    /// Applies `action` and returns the dossier after it; `self` is unchanged on error.
    pub fn apply(&self, action: &Action, ctx: &Context<'_>) -> Result<Dossier, DossierError> {
        use DossierState as S;
        let mut next = self.clone();
        let not_allowed = || DossierError::NotAllowedInState {
            action: action.kind(),
            state: self.state,
        };
        let now = ctx.now;
        match (action, self.state) {
            (Action::Accept, S::Submitted) => {
                if ctx.steps.is_empty() {
                    return Err(DossierError::EmptyProcess);
                }
                let start = counting_start(now, self.channel, ctx.hours, ctx.holidays);
                let clock = DeadlineClock::new(start, ctx.budget_minutes);
                next.due_at = clock.due_at(ctx.hours, ctx.holidays);
                next.receipt_due_at = next.due_at;
                next.clock = Some(clock);
                next.received_at = Some(now);
                next.state = S::Received;
                next.step = 0;
            }
            // A date to supplement by is the applicant's to meet: a day still to come.
            (
                Action::RequestSupplement { supplement_by, .. },
                S::Submitted | S::Received | S::Processing,
            ) if supplement_by.is_some_and(|d| d <= now.date()) => {
                return Err(DossierError::SupplementByPast);
            }
            (Action::RequestSupplement { missing, .. }, S::Submitted) => {
                if missing.iter().all(|m| m.trim().is_empty()) {
                    return Err(DossierError::NothingMissing);
                }
                if self.supplements_at_receipt > 0 {
                    return Err(DossierError::SupplementAlreadyRequested);
                }
                next.supplements_at_receipt += 1;
                next.state = S::AwaitingSupplementAtReceipt;
            }
            (Action::RequestSupplement { missing, .. }, S::Received | S::Processing) => {
                if missing.iter().all(|m| m.trim().is_empty()) {
                    return Err(DossierError::NothingMissing);
                }
                if self.supplements_after_appraisal > 0 {
                    return Err(DossierError::SupplementAlreadyRequested);
                }
                let clock = self.clock.as_ref().ok_or(DossierError::NoDueDate)?;
                let used = working_minutes_between(clock.start, now, ctx.hours, ctx.holidays);
                if used > i64::from(SUPPLEMENT_WINDOW_DAYS * WORKING_DAY_MINUTES) {
                    return Err(DossierError::SupplementWindowPassed);
                }
                next.supplements_after_appraisal += 1;
                next.pause_clock(now);
                next.state = S::AwaitingSupplement;
            }
            (Action::SupplementReceived, S::AwaitingSupplementAtReceipt) => {
                next.state = S::Submitted
            }
            (Action::SupplementReceived, S::AwaitingSupplement) => {
                if let Some(asked) = self.clock.as_ref().and_then(|c| c.paused_since) {
                    next.applicant_minutes += (now - asked).num_minutes().max(0);
                }
                // The time limit starts again from zero once the dossier is complete.
                let start = counting_start(now, self.channel, ctx.hours, ctx.holidays);
                if let Some(clock) = next.clock.as_mut() {
                    clock.restart_at(start);
                }
                next.refresh_due(ctx);
                next.state = S::Processing;
            }
            (Action::RefuseAtReceipt { reason }, S::Submitted | S::AwaitingSupplementAtReceipt) => {
                require_reason(reason)?;
                next.finished_at = Some(now);
                next.state = S::RefusedAtReceipt;
            }
            (Action::Assign { assignee }, S::Received | S::Processing) => {
                if assignee.trim().is_empty() {
                    return Err(DossierError::ReasonRequired);
                }
                next.assignee = Some(assignee.trim().to_owned());
                next.state = S::Processing;
            }
            (Action::Forward, S::Received | S::Processing) => {
                if self.step + 1 >= ctx.steps.len() {
                    return Err(DossierError::NoNextStep);
                }
                next.step += 1;
                next.assignee = None;
                next.state = S::Processing;
            }
            (Action::SendBack { reason }, S::Processing) => {
                require_reason(reason)?;
                if self.step == 0 {
                    return Err(DossierError::NoPreviousStep);
                }
                next.step -= 1;
                next.assignee = None;
            }
            (Action::Transfer { to_agency }, S::Received | S::Processing) => {
                if *to_agency == self.handling_agency {
                    return Err(DossierError::TransferToSelf);
                }
                next.handling_agency = to_agency.clone();
                next.assignee = None;
                next.state = S::Processing;
            }
            (Action::RequestPayment { amount_vnd, .. }, S::Received | S::Processing) => {
                if *amount_vnd <= 0 {
                    return Err(DossierError::InvalidAmount);
                }
                next.fee_requested_vnd += amount_vnd;
                next.pause_clock(now);
                next.state = S::AwaitingPayment;
            }
            (Action::RecordPayment { amount_vnd, online }, S::AwaitingPayment) => {
                if *amount_vnd <= 0 {
                    return Err(DossierError::InvalidAmount);
                }
                next.paid_vnd += amount_vnd;
                if *online {
                    next.paid_online_vnd += amount_vnd;
                }
                if next.paid_vnd >= next.fee_requested_vnd {
                    if let Some(clock) = next.clock.as_mut() {
                        clock.resume_at(now);
                    }
                    next.refresh_due(ctx);
                    next.state = S::Processing;
                }
            }
            (Action::Approve, S::Received | S::Processing) => {
                if self.step + 1 < ctx.steps.len() {
                    return Err(DossierError::NotAtLastStep);
                }
                next.state = S::Approved;
            }
            (
                Action::RefuseAfterAppraisal { reason },
                S::Received | S::Processing | S::Approved,
            ) => {
                require_reason(reason)?;
                next.finished_at = Some(now);
                next.state = S::Refused;
            }
            (Action::Finish { result, electronic }, S::Approved) => {
                if result.trim().is_empty() {
                    return Err(DossierError::ReasonRequired);
                }
                next.result = Some(DossierResult {
                    name: result.trim().to_owned(),
                    electronic: *electronic,
                });
                next.finished_at = Some(now);
                next.state = S::Finished;
            }
            (Action::ReturnResult, S::Finished | S::Refused) => {
                next.returned_at = Some(now);
                next.state = S::Returned;
            }
            (
                Action::Withdraw { reason },
                S::Submitted
                | S::AwaitingSupplementAtReceipt
                | S::Received
                | S::Processing
                | S::AwaitingSupplement
                | S::AwaitingPayment,
            ) => {
                require_reason(reason)?;
                next.finished_at = Some(now);
                next.state = S::Withdrawn;
            }
            (
                Action::Stop { reason },
                S::Received | S::Processing | S::AwaitingSupplement | S::AwaitingPayment,
            ) => {
                require_reason(reason)?;
                next.finished_at = Some(now);
                next.state = S::Stopped;
            }
            (
                Action::Apologise { reason, new_due },
                S::Received | S::Processing | S::AwaitingPayment | S::Approved,
            ) => {
                require_reason(reason)?;
                if let Some(blocked) = self.apology_blocker(now, ctx.hours, ctx.holidays) {
                    return Err(blocked);
                }
                let due = self.due_at.ok_or(DossierError::NoDueDate)?;
                if *new_due <= due {
                    return Err(DossierError::NewDateNotLater);
                }
                next.apology = Some(Apology {
                    at: now,
                    reason: reason.trim().to_owned(),
                    previous_due: due,
                    new_due: *new_due,
                });
                next.due_at = Some(*new_due);
            }
            (Action::Rate { rating }, S::Returned) => {
                if self.rating.is_some() {
                    return Err(DossierError::AlreadyRated);
                }
                next.rating = Some(rating.clone());
            }
            _ => return Err(not_allowed()),
        }
        next.version += 1;
        Ok(next)
    }

    fn pause_clock(&mut self, now: NaiveDateTime) {
        if let Some(clock) = self.clock.as_mut() {
            clock.pause_at(now);
        }
        if self.apology.is_none() {
            self.due_at = None;
        }
    }

    /// Recomputes the appointment date from the clock, unless an apology fixed a new one.
    fn refresh_due(&mut self, ctx: &Context<'_>) {
        if self.apology.is_none() {
            self.due_at = self
                .clock
                .as_ref()
                .and_then(|c| c.due_at(ctx.hours, ctx.holidays));
        }
    }

    /// The actions the state machine would accept now (access rules aside).
    pub fn allowed_actions(&self, steps: &[ProcessStep]) -> Vec<ActionKind> {
        use ActionKind as A;
        use DossierState as S;
        let last_step = self.step + 1 >= steps.len();
        let mut actions = match self.state {
            S::Submitted => vec![
                A::Accept,
                A::RequestSupplement,
                A::RefuseAtReceipt,
                A::Withdraw,
            ],
            S::AwaitingSupplementAtReceipt => {
                vec![A::SupplementReceived, A::RefuseAtReceipt, A::Withdraw]
            }
            S::Received | S::Processing => {
                let mut a = vec![
                    A::Assign,
                    A::Transfer,
                    A::RequestPayment,
                    A::RefuseAfterAppraisal,
                    A::Withdraw,
                    A::Stop,
                ];
                a.push(if last_step { A::Approve } else { A::Forward });
                if self.state == S::Processing && self.step > 0 {
                    a.push(A::SendBack);
                }
                if self.supplements_after_appraisal == 0 {
                    a.push(A::RequestSupplement);
                }
                a
            }
            S::AwaitingSupplement => vec![A::SupplementReceived, A::Withdraw, A::Stop],
            S::AwaitingPayment => vec![A::RecordPayment, A::Withdraw, A::Stop],
            S::Approved => vec![A::Finish, A::RefuseAfterAppraisal],
            S::Finished | S::Refused => vec![A::ReturnResult],
            S::Returned if self.rating.is_none() => vec![A::Rate],
            S::Returned | S::RefusedAtReceipt | S::Withdrawn | S::Stopped => vec![],
        };
        if self.apology.is_none()
            && self.due_at.is_some()
            && matches!(
                self.state,
                S::Received | S::Processing | S::AwaitingPayment | S::Approved
            )
        {
            actions.push(A::Apologise);
        }
        actions.sort_by_key(|a| ActionKind::ALL.iter().position(|k| k == a));
        actions
    }
}
