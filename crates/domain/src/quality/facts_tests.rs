//! The facts a dossier counts for, from its actions.

use super::*;
use crate::agency::AgencyCode;
use crate::calendar::{Channel, HolidayCalendar, WorkingHours};
use crate::dossier::{Action, Context, DossierCode, ProcessStep, Rating, RatingCriterion};
use chrono::NaiveDate;

fn at(d: u32, h: u32, m: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 3, d)
        .unwrap()
        .and_hms_opt(h, m, 0)
        .unwrap()
}

struct World {
    hours: WorkingHours,
    holidays: HolidayCalendar,
    steps: Vec<ProcessStep>,
}

impl World {
    fn new() -> World {
        World {
            hours: WorkingHours::default(),
            holidays: HolidayCalendar::new(vec![]).unwrap(),
            steps: vec![ProcessStep {
                name: "Giải quyết".into(),
                role: crate::account::Role::Specialist,
                agency: None,
                // One working day.
                budget_minutes: 480,
            }],
        }
    }

    fn act(&self, d: &Dossier, action: Action, now: NaiveDateTime) -> Dossier {
        let ctx = Context {
            now,
            hours: &self.hours,
            holidays: &self.holidays,
            steps: &self.steps,
            budget_minutes: 480,
        };
        d.apply(&action, &ctx).unwrap()
    }

    /// Received online on Monday 2 March 2026 at 09:00: due Tuesday 09:00.
    fn received(&self) -> Dossier {
        let agency = AgencyCode::parse("000.01.40.H37").unwrap();
        let code = DossierCode::new(&agency, at(2, 9, 0).date(), 1);
        let d = Dossier::submitted(code, Channel::Online, agency, at(2, 9, 0));
        self.act(&d, Action::Accept, at(2, 9, 0))
    }

    fn finish(&self, d: &Dossier, when: NaiveDateTime) -> Dossier {
        let d = self.act(d, Action::Approve, when);
        self.act(
            &d,
            Action::Finish {
                result: "Giấy khai sinh".into(),
                electronic: true,
            },
            when,
        )
    }
}

#[test]
fn finished_on_the_appointment_date_is_on_time_and_a_minute_later_is_late() {
    let w = World::new();
    let d = w.received();
    let due = d.due_at.unwrap();
    assert_eq!(due, at(3, 9, 0));
    let on_time = facts_of(&w.finish(&d, due)).unwrap();
    assert!(on_time.has(flag::ON_TIME) && !on_time.has(flag::LATE));
    assert!(on_time.has(flag::WITH_RESULT));
    let late = facts_of(&w.finish(&d, due + chrono::Duration::minutes(1))).unwrap();
    assert!(late.has(flag::LATE) && !late.has(flag::ON_TIME));
    assert_eq!(late.finished_month, Month::new(2026, 3));
}

#[test]
fn supplementing_time_does_not_count() {
    let w = World::new();
    let d = w.received();
    // Asked for a supplement after an hour; it arrives two days later.
    let d = w.act(
        &d,
        Action::RequestSupplement {
            note: None,
            missing: vec!["Bản sao giấy chứng sinh".into()],
            supplement_by: None,
        },
        at(2, 10, 0),
    );
    let d = w.act(&d, Action::SupplementReceived, at(4, 9, 0));
    // The time limit restarted: the new appointment is Thursday 09:00.
    assert_eq!(d.due_at, Some(at(5, 9, 0)));
    let done = w.finish(&d, at(5, 8, 0));
    let f = facts_of(&done).unwrap();
    assert!(f.has(flag::ON_TIME), "{f:?}");
    // Well after the first appointment date, yet on time.
    assert!(done.finished_at.unwrap() > at(3, 9, 0));
}

#[test]
fn more_than_one_supplement_request_is_late_even_on_time() {
    let w = World::new();
    let agency = AgencyCode::parse("000.01.40.H37").unwrap();
    let code = DossierCode::new(&agency, at(2, 8, 0).date(), 2);
    let d = Dossier::submitted(code, Channel::Paper, agency, at(2, 8, 0));
    let d = w.act(
        &d,
        Action::RequestSupplement {
            note: None,
            missing: vec!["Tờ khai".into()],
            supplement_by: None,
        },
        at(2, 8, 0),
    );
    let d = w.act(&d, Action::SupplementReceived, at(2, 8, 30));
    let d = w.act(&d, Action::Accept, at(2, 9, 0));
    let d = w.act(
        &d,
        Action::RequestSupplement {
            note: None,
            missing: vec!["Bản sao".into()],
            supplement_by: None,
        },
        at(2, 10, 0),
    );
    let d = w.act(&d, Action::SupplementReceived, at(2, 11, 0));
    let f = facts_of(&w.finish(&d, at(2, 14, 0))).unwrap();
    assert!(f.has(flag::LATE) && f.has(flag::MULTI_SUPPLEMENT) && !f.has(flag::ON_TIME));
    assert!(!f.has(flag::RECEIVED_ONLINE));
}

#[test]
fn an_apology_does_not_move_the_appointment_the_index_judges_against() {
    let w = World::new();
    let d = w.received();
    let d = w.act(
        &d,
        Action::Apologise {
            reason: "Cần xác minh thêm".into(),
            new_due: at(6, 17, 0),
        },
        at(2, 9, 0),
    );
    assert_eq!(appointment(&d), Some(at(3, 9, 0)));
    let f = facts_of(&w.finish(&d, at(4, 10, 0))).unwrap();
    assert!(f.has(flag::LATE));
}

#[test]
fn contributions_go_to_the_receiving_and_the_handling_agency() {
    let w = World::new();
    let d = w.received();
    let before = facts_of(&d).unwrap();
    assert_eq!(
        before.flags,
        flag::RECEIVED | flag::RECEIVED_ONLINE | flag::TIMED | flag::TIMED_OPEN | flag::TIMED_DATED
    );
    assert_eq!(before.late_after, Some(at(3, 9, 0)));
    assert_eq!(before.contributions().len(), 1);
    let other = AgencyCode::parse("000.00.02.H37").unwrap();
    let d = w.act(&d, Action::Transfer { to_agency: other }, at(2, 10, 0));
    let done = w.act(
        &w.finish(&d, at(3, 8, 0)),
        Action::ReturnResult,
        at(3, 9, 0),
    );
    let rated = w.act(
        &done,
        Action::Rate {
            rating: Rating::new(
                vec![
                    (RatingCriterion::Timeliness, 0),
                    (RatingCriterion::StaffAttitude, 1),
                ],
                None,
            )
            .unwrap(),
        },
        at(3, 10, 0),
    );
    let after = facts_of(&rated).unwrap();
    let parts = after.contributions();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].0, "000.01.40.H37");
    assert_eq!(parts[0].2.received, 1);
    assert_eq!(parts[0].2.finished, 0);
    assert_eq!(parts[1].0, "000.00.02.H37");
    let c = parts[1].2;
    assert_eq!((c.finished, c.on_time, c.returned, c.rated), (1, 1, 1, 1));
    // Mean 0.5 → 500 thousandths, below 1: not satisfied.
    assert_eq!((c.rating_milli, c.disliked), (500, 1));
    // Timeliness goes with the handling agency, in the month of receipt.
    assert_eq!((c.timed, c.timed_late, c.timed_open), (1, 0, 0));
    // From receipt to the rated result, the receipt-side figures stay: the receiving
    // agency only loses the timeliness that went with the transfer.
    let change = delta(Some(&before), Some(&after));
    assert_eq!(change.len(), 2);
    assert_eq!(change[0].0, "000.01.40.H37");
    assert_eq!(change[0].2.received, 0);
    assert_eq!(
        (
            change[0].2.timed,
            change[0].2.timed_open,
            change[0].2.timed_dated
        ),
        (-1, -1, -1)
    );
    assert_eq!(change[1].0, "000.00.02.H37");
    // And back again cancels out.
    let mut sum = Counters::default();
    for (_, _, c) in delta(Some(&after), Some(&before)).iter().chain(&change) {
        sum.add(c);
    }
    assert!(sum.is_zero());
}

#[test]
fn nothing_counts_before_receipt_and_withdrawal_keeps_the_receipt() {
    let w = World::new();
    let agency = AgencyCode::parse("000.01.40.H37").unwrap();
    let code = DossierCode::new(&agency, at(2, 8, 0).date(), 3);
    let d = Dossier::submitted(code, Channel::Online, agency, at(2, 8, 0));
    assert_eq!(facts_of(&d), None);
    let refused = w.act(
        &d,
        Action::RefuseAtReceipt {
            reason: "Không thuộc thẩm quyền".into(),
        },
        at(2, 9, 0),
    );
    assert_eq!(facts_of(&refused), None);
    let received = w.received();
    let withdrawn = w.act(
        &received,
        Action::Withdraw {
            reason: "Người nộp rút".into(),
        },
        at(2, 10, 0),
    );
    let f = facts_of(&withdrawn).unwrap();
    // Withdrawn after receipt, before its appointment: counted, and on time.
    assert_eq!(
        f.flags,
        flag::RECEIVED | flag::RECEIVED_ONLINE | flag::TIMED
    );
    assert_eq!(f.finished_month, None);
    let late = w.act(
        &received,
        Action::Stop {
            reason: "Người nộp không bổ sung".into(),
        },
        at(4, 10, 0),
    );
    assert_eq!(timeliness(&late), Some(Timeliness::Late));
}

#[test]
fn the_index_subtracts_the_applicants_time_while_the_legal_deadline_restarts() {
    let w = World::new();
    let d = w.received();
    let receipt_due = d.due_at.unwrap();
    assert_eq!(d.receipt_due_at, Some(receipt_due));
    let asked = w.act(
        &d,
        Action::RequestSupplement {
            note: None,
            missing: vec!["Tờ khai".into()],
            supplement_by: None,
        },
        at(2, 10, 0),
    );
    // Waiting for the applicant: on time so far, and it cannot run late meanwhile.
    assert_eq!(
        timeliness(&asked),
        Some(Timeliness::Open { late_after: None })
    );
    let back = w.act(&asked, Action::SupplementReceived, at(4, 10, 0));
    assert_eq!(back.applicant_minutes, 48 * 60);
    assert_eq!(back.receipt_due_at, Some(receipt_due));
    // The legal deadline restarted from the complete dossier; the index's is the receipt
    // slip's plus the applicant's 48 hours.
    let legal_due = back.due_at.unwrap();
    let index_due = receipt_due + chrono::Duration::hours(48);
    assert!(legal_due > index_due, "{legal_due} vs {index_due}");
    assert_eq!(
        timeliness(&back),
        Some(Timeliness::Open {
            late_after: Some(index_due)
        })
    );
    let on_time = w.finish(&back, index_due);
    assert_eq!(timeliness(&on_time), Some(Timeliness::OnTime));
    // A minute later: late for the index, still within the legal deadline.
    let f = facts_of(&w.finish(&back, index_due + chrono::Duration::minutes(1))).unwrap();
    assert!(f.has(flag::TIMED_LATE) && f.has(flag::ON_TIME));
}

#[test]
fn an_open_dossier_past_its_appointment_is_late_when_read() {
    let w = World::new();
    let d = w.received();
    let f = facts_of(&d).unwrap();
    // Stored as open with the moment it turns late; the reader compares with the clock.
    assert!(f.has(flag::TIMED_OPEN) && !f.has(flag::TIMED_LATE));
    assert_eq!(f.late_after, d.receipt_due_at);
    // Two supplement requests: late at once, open or not.
    let twice = Dossier {
        supplements_at_receipt: 1,
        supplements_after_appraisal: 1,
        ..d
    };
    assert_eq!(timeliness(&twice), Some(Timeliness::Late));
}

#[test]
fn open_dossiers_are_read_late_by_what_is_still_within_time() {
    // Three open: two that can run late, one waiting for the applicant (no clock).
    let c = Counters {
        timed: 5,
        timed_late: 1,
        timed_open: 3,
        timed_dated: 2,
        ..Counters::default()
    };
    // One of the two still within time: the other is late now.
    let read = c.read_with_within_time(1);
    assert_eq!((read.timed_late, read.timed_open), (2, 2));
    // Both past: late; the one waiting for a supplement stays open.
    let read = c.read_with_within_time(0);
    assert_eq!((read.timed_late, read.timed_open), (3, 1));
    assert_eq!(c.read_with_within_time(2), c);
}
