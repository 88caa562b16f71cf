//! What one dossier contributes to the counters, and under which keys.

use super::period::month_of;
use super::*;
use crate::dossier::{Dossier, DossierState};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// What one dossier, as it stands, counts for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierFacts {
    pub receiving_agency: String,
    pub handling_agency: String,
    /// Set once received: receipt-side figures count here, under the receiving agency.
    pub received_month: Option<Month>,
    /// Set once decided: decision-side figures count here, under the handling agency.
    pub finished_month: Option<Month>,
    /// [`flag`] bits.
    pub flags: i64,
    pub time_used_minutes: i64,
    pub time_allowed_minutes: i64,
    pub rating_milli: i64,
    /// Still open and judged on time so far: the moment it turns late by the index's rule,
    /// if it can run late without a new action (not while the applicant supplements).
    pub late_after: Option<NaiveDateTime>,
}

/// How the index judges a received dossier's timeliness (the national portal's method for
/// indicator 2.1): every dossier received counts once, in the month of receipt, under the
/// handling agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeliness {
    OnTime,
    Late,
    /// In flight and within time: late once the clock passes `late_after` (None: it cannot
    /// run late while the applicant supplements).
    Open {
        late_after: Option<NaiveDateTime>,
    },
}

/// The index's timeliness of `d`, None before receipt.
///
/// The dossier's end (its decision, or its withdrawal or stop after receipt) less the time
/// the applicant spent supplementing is compared with the appointment date on the receipt
/// slip as first issued; a dossier awaiting a supplement is judged at the request; more than
/// one supplement request is late (portal method, indicator 2.1).
pub fn timeliness(d: &Dossier) -> Option<Timeliness> {
    d.received_at?;
    let supplements =
        u32::from(d.supplements_at_receipt) + u32::from(d.supplements_after_appraisal);
    if supplements > 1 {
        return Some(Timeliness::Late);
    }
    let Some(due) = d.receipt_due_at.or_else(|| appointment(d)) else {
        return Some(Timeliness::OnTime);
    };
    let applicant = chrono::Duration::minutes(d.applicant_minutes);
    let judged = |end: NaiveDateTime| {
        if end - applicant > due {
            Timeliness::Late
        } else {
            Timeliness::OnTime
        }
    };
    Some(match (d.state, d.finished_at) {
        (_, Some(end)) => judged(end),
        (DossierState::AwaitingSupplement, None) => {
            match d.clock.as_ref().and_then(|c| c.paused_since) {
                Some(asked) if judged(asked) == Timeliness::Late => Timeliness::Late,
                _ => Timeliness::Open { late_after: None },
            }
        }
        _ => Timeliness::Open {
            late_after: Some(due + applicant),
        },
    })
}

/// The appointment date the index judges against: the receipt slip's (restarted after a
/// supplement), not the new date of an apology letter.
pub fn appointment(d: &Dossier) -> Option<NaiveDateTime> {
    d.apology.as_ref().map(|a| a.previous_due).or(d.due_at)
}

/// Decided with a result or a refusal after appraisal (and maybe handed back since).
fn is_decided(d: &Dossier) -> bool {
    d.finished_at.is_some()
        && match d.state {
            DossierState::Finished | DossierState::Refused => true,
            // Returned follows Finished or Refused only.
            DossierState::Returned => true,
            _ => false,
        }
}

/// A rating below this mean (on the 0–2 scale) counts as "không hài lòng".
pub const DISLIKE_BELOW: f64 = 1.0;

/// What `d` counts for now; None if nothing yet (not received, not decided).
pub fn facts_of(d: &Dossier) -> Option<DossierFacts> {
    let mut flags = 0;
    let received_month = d.received_at.map(month_of);
    if received_month.is_some() {
        flags |= flag::RECEIVED;
        if d.channel == crate::calendar::Channel::Online {
            flags |= flag::RECEIVED_ONLINE;
        }
        if d.fee_requested_vnd > 0 {
            flags |= flag::FEE_REQUESTED;
            if d.paid_vnd >= d.fee_requested_vnd {
                flags |= flag::PAID;
                // Decision 766 counts a dossier paid online when all of it went through the
                // online payment platform.
                if d.paid_online_vnd >= d.fee_requested_vnd {
                    flags |= flag::PAID_ONLINE;
                }
            }
        }
    }
    let mut finished_month = None;
    let (mut used, mut allowed, mut rating_milli) = (0, 0, 0);
    if is_decided(d)
        && let Some(done) = d.finished_at
    {
        finished_month = Some(month_of(done));
        flags |= flag::FINISHED;
        let due = appointment(d);
        let supplements =
            u32::from(d.supplements_at_receipt) + u32::from(d.supplements_after_appraisal);
        let after_due = due.is_some_and(|due| done > due);
        if supplements > 1 {
            flags |= flag::MULTI_SUPPLEMENT;
        }
        if after_due || supplements > 1 {
            flags |= flag::LATE;
        } else {
            flags |= flag::ON_TIME;
        }
        if d.result.is_some() {
            flags |= flag::WITH_RESULT;
        }
        if d.state == DossierState::Returned {
            flags |= flag::RETURNED;
        }
        if let Some(rating) = &d.rating {
            flags |= flag::RATED;
            let mean = rating.average();
            rating_milli = (mean * 1000.0).round() as i64;
            if mean < DISLIKE_BELOW {
                flags |= flag::DISLIKED;
            }
        }
        if flags & (flag::LATE | flag::DISLIKED) != 0 {
            flags |= flag::DISSATISFIED;
        }
        if let (Some(clock), Some(due)) = (&d.clock, due) {
            used = (done - clock.start).num_minutes().max(0);
            allowed = (due - clock.start).num_minutes().max(0);
        }
    }
    let mut late_after = None;
    match timeliness(d) {
        None => {}
        Some(Timeliness::OnTime) => flags |= flag::TIMED,
        Some(Timeliness::Late) => flags |= flag::TIMED | flag::TIMED_LATE,
        Some(Timeliness::Open { late_after: after }) => {
            flags |= flag::TIMED | flag::TIMED_OPEN;
            if after.is_some() {
                flags |= flag::TIMED_DATED;
            }
            late_after = after;
        }
    }
    if flags == 0 {
        return None;
    }
    Some(DossierFacts {
        receiving_agency: d.receiving_agency.to_string(),
        handling_agency: d.handling_agency.to_string(),
        received_month,
        finished_month,
        flags,
        time_used_minutes: used,
        time_allowed_minutes: allowed,
        rating_milli,
        late_after,
    })
}

impl DossierFacts {
    pub fn has(&self, bit: i64) -> bool {
        self.flags & bit != 0
    }

    /// The counters this dossier adds, under (agency, month): at most three keys, the
    /// receipt side, the index's timeliness and the decision side (equal keys are merged).
    pub fn contributions(&self) -> Vec<(String, Month, Counters)> {
        let one = |bit| i64::from(self.has(bit));
        let mut out: Vec<(String, Month, Counters)> = Vec::with_capacity(3);
        let mut add = |agency: &str, month: Month, counters: Counters| match out
            .iter_mut()
            .find(|(a, m, _)| a == agency && *m == month)
        {
            Some((_, _, c)) => c.add(&counters),
            None => out.push((agency.to_owned(), month, counters)),
        };
        if let Some(month) = self.received_month {
            let received = Counters {
                received: one(flag::RECEIVED),
                received_online: one(flag::RECEIVED_ONLINE),
                fee_requested: one(flag::FEE_REQUESTED),
                paid: one(flag::PAID),
                paid_online: one(flag::PAID_ONLINE),
                ..Counters::default()
            };
            add(&self.receiving_agency, month, received);
            // The index's timeliness: the handling agency, the month of receipt.
            let timed = Counters {
                timed: one(flag::TIMED),
                timed_late: one(flag::TIMED_LATE),
                timed_open: one(flag::TIMED_OPEN),
                timed_dated: one(flag::TIMED_DATED),
                ..Counters::default()
            };
            add(&self.handling_agency, month, timed);
        }
        if let Some(month) = self.finished_month {
            let decided = Counters {
                finished: one(flag::FINISHED),
                on_time: one(flag::ON_TIME),
                late: one(flag::LATE),
                multi_supplement: one(flag::MULTI_SUPPLEMENT),
                with_result: one(flag::WITH_RESULT),
                time_used_minutes: self.time_used_minutes,
                time_allowed_minutes: self.time_allowed_minutes,
                returned: one(flag::RETURNED),
                rated: one(flag::RATED),
                rating_milli: self.rating_milli,
                disliked: one(flag::DISLIKED),
                dissatisfied: one(flag::DISSATISFIED),
                ..Counters::default()
            };
            add(&self.handling_agency, month, decided);
        }
        out
    }
}

/// The change a dossier's move from `before` to `after` makes to the counters, by
/// (agency, month); keys whose change is zero are left out.
pub fn delta(
    before: Option<&DossierFacts>,
    after: Option<&DossierFacts>,
) -> Vec<(String, Month, Counters)> {
    let mut out: Vec<(String, Month, Counters)> = Vec::new();
    let mut put = |agency: String, month: Month, c: Counters, sign: i8| {
        let slot = match out
            .iter_mut()
            .position(|(a, m, _)| *a == agency && *m == month)
        {
            Some(i) => &mut out[i].2,
            None => {
                out.push((agency, month, Counters::default()));
                &mut out.last_mut().expect("just pushed").2
            }
        };
        if sign > 0 {
            slot.add(&c);
        } else {
            slot.sub(&c);
        }
    };
    if let Some(b) = before {
        for (a, m, c) in b.contributions() {
            put(a, m, c, -1);
        }
    }
    if let Some(a) = after {
        for (ag, m, c) in a.contributions() {
            put(ag, m, c, 1);
        }
    }
    out.retain(|(_, _, c)| !c.is_zero());
    out
}

#[cfg(test)]
#[path = "facts_tests.rs"]
mod tests;
