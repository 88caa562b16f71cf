//! The dossier state machine and its access rules.

use crate::common::at;
use chrono::NaiveDateTime;
use motcua_domain::account::Role;
use motcua_domain::agency::AgencyCode;
use motcua_domain::calendar::{Channel, HolidayCalendar, WorkingHours};
use motcua_domain::dossier::*;
use proptest::prelude::*;

fn agency(code: &str) -> AgencyCode {
    AgencyCode::parse(code).unwrap()
}

fn steps() -> Vec<ProcessStep> {
    let step = |name: &str, role, budget| ProcessStep {
        name: name.into(),
        role,
        agency: None,
        budget_minutes: budget,
    };
    vec![
        step("Tiếp nhận", Role::Receiver, 240),
        step("Thẩm định", Role::Specialist, 960),
        step("Phê duyệt", Role::Leader, 240),
    ]
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
            holidays: HolidayCalendar::default(),
            steps: steps(),
        }
    }
    fn ctx(&self, now: NaiveDateTime) -> Context<'_> {
        Context {
            now,
            hours: &self.hours,
            holidays: &self.holidays,
            steps: &self.steps,
            budget_minutes: 1440,
        }
    }
}

fn fresh(channel: Channel, now: NaiveDateTime) -> Dossier {
    let a = agency("000.00.01.H37");
    Dossier::submitted(DossierCode::new(&a, now.date(), 1), channel, a, now)
}

#[test]
fn the_whole_road_from_submission_to_rating() {
    let w = World::new();
    // Monday 2026-03-02 09:00, three working days (1,440 minutes).
    let mut d = fresh(Channel::Paper, at(2026, 3, 2, 9, 0));
    let road = [
        (Action::Accept, DossierState::Received),
        (
            Action::Assign {
                assignee: "chuyenvien".into(),
            },
            DossierState::Processing,
        ),
        (Action::Forward, DossierState::Processing),
        (Action::Forward, DossierState::Processing),
        (Action::Approve, DossierState::Approved),
        (
            Action::Finish {
                result: "Giấy khai sinh".into(),
                electronic: true,
            },
            DossierState::Finished,
        ),
        (Action::ReturnResult, DossierState::Returned),
    ];
    for (i, (action, expected)) in road.iter().enumerate() {
        let now = at(2026, 3, 2, 9, 0) + chrono::Duration::minutes(10 * i as i64);
        let next = d.apply(action, &w.ctx(now)).unwrap();
        assert_eq!(next.state, *expected, "{action:?}");
        assert_eq!(next.version, d.version + 1);
        d = next;
    }
    assert_eq!(
        d.due_at,
        Some(at(2026, 3, 5, 9, 0)),
        "three 8-hour days from Monday 09:00 end Thursday 09:00"
    );
    assert_eq!(d.received_at, Some(at(2026, 3, 2, 9, 0)));
    assert!(!d.is_late(at(2026, 3, 9, 9, 0)));
    assert_eq!(d.state.national_status() as u8, 10);
    let rating = Rating::new(vec![(RatingCriterion::StaffAttitude, 2)], None).unwrap();
    let rated = d
        .apply(
            &Action::Rate {
                rating: rating.clone(),
            },
            &w.ctx(at(2026, 3, 5, 8, 0)),
        )
        .unwrap();
    assert_eq!(rated.rating, Some(rating.clone()));
    let again = rated.apply(&Action::Rate { rating }, &w.ctx(at(2026, 3, 5, 8, 0)));
    assert_eq!(again.unwrap_err().code(), "already_rated");
}

#[test]
fn paper_after_three_pm_counts_from_the_next_morning() {
    let w = World::new();
    let d = fresh(Channel::Paper, at(2026, 3, 2, 15, 30));
    let received = d
        .apply(&Action::Accept, &w.ctx(at(2026, 3, 2, 15, 30)))
        .unwrap();
    assert_eq!(received.clock.as_ref().unwrap().start, at(2026, 3, 3, 7, 0));
    assert_eq!(received.due_at, Some(at(2026, 3, 5, 17, 0)));
}

#[test]
fn actions_out_of_order_are_refused_with_a_stable_code_and_change_nothing() {
    let w = World::new();
    let d = fresh(Channel::Online, at(2026, 3, 2, 9, 0));
    for action in [
        Action::Approve,
        Action::ReturnResult,
        Action::Forward,
        Action::RecordPayment {
            amount_vnd: 1,
            online: false,
        },
    ] {
        let err = d.apply(&action, &w.ctx(at(2026, 3, 2, 9, 0))).unwrap_err();
        assert_eq!(err.code(), "action_not_allowed", "{action:?}");
    }
    assert_eq!(d.version, 1);
}

#[test]
fn a_supplement_at_receipt_is_asked_once() {
    let w = World::new();
    let now = at(2026, 3, 2, 9, 0);
    let d = fresh(Channel::Paper, now);
    let nothing = d.apply(
        &Action::RequestSupplement {
            note: None,
            missing: vec![" ".into()],
            supplement_by: None,
        },
        &w.ctx(now),
    );
    assert_eq!(nothing.unwrap_err().code(), "nothing_missing");
    let asked = d
        .apply(
            &Action::RequestSupplement {
                note: None,
                missing: vec!["Tờ khai".into()],
                supplement_by: None,
            },
            &w.ctx(now),
        )
        .unwrap();
    assert_eq!(asked.state, DossierState::AwaitingSupplementAtReceipt);
    let back = asked
        .apply(&Action::SupplementReceived, &w.ctx(now))
        .unwrap();
    assert_eq!(back.state, DossierState::Submitted);
    let twice = back.apply(
        &Action::RequestSupplement {
            note: None,
            missing: vec!["CCCD".into()],
            supplement_by: None,
        },
        &w.ctx(now),
    );
    assert_eq!(twice.unwrap_err().code(), "supplement_already_requested");
}

#[test]
fn a_supplement_after_appraisal_must_come_within_three_working_days_and_restarts_the_clock() {
    let w = World::new();
    let d = fresh(Channel::Paper, at(2026, 3, 2, 9, 0))
        .apply(&Action::Accept, &w.ctx(at(2026, 3, 2, 9, 0)))
        .unwrap();
    let ask = Action::RequestSupplement {
        note: None,
        missing: vec!["Bản vẽ".into()],
        supplement_by: None,
    };
    // Friday is past 3 working days from Monday 09:00.
    assert_eq!(
        d.apply(&ask, &w.ctx(at(2026, 3, 6, 9, 0)))
            .unwrap_err()
            .code(),
        "supplement_window_passed"
    );
    let waiting = d.apply(&ask, &w.ctx(at(2026, 3, 3, 10, 0))).unwrap();
    assert_eq!(waiting.state, DossierState::AwaitingSupplement);
    assert_eq!(
        waiting.due_at, None,
        "no appointment while waiting for the applicant"
    );
    // Complete on Tuesday the next week, 14:00: the full three days start again.
    let resumed = waiting
        .apply(&Action::SupplementReceived, &w.ctx(at(2026, 3, 10, 14, 0)))
        .unwrap();
    assert_eq!(resumed.state, DossierState::Processing);
    assert_eq!(resumed.due_at, Some(at(2026, 3, 13, 14, 0)));
    let second = resumed.apply(&ask, &w.ctx(at(2026, 3, 10, 15, 0)));
    assert_eq!(second.unwrap_err().code(), "supplement_already_requested");
}

#[test]
fn waiting_for_payment_stops_the_clock() {
    let w = World::new();
    let d = fresh(Channel::Online, at(2026, 3, 2, 9, 0))
        .apply(&Action::Accept, &w.ctx(at(2026, 3, 2, 9, 0)))
        .unwrap();
    let waiting = d
        .apply(
            &Action::RequestPayment {
                amount_vnd: 50_000,
                reason: None,
                items: Vec::new(),
            },
            &w.ctx(at(2026, 3, 2, 10, 0)),
        )
        .unwrap();
    assert_eq!(waiting.state, DossierState::AwaitingPayment);
    assert_eq!(waiting.state.national_status() as u8, 6);
    let part = waiting
        .apply(
            &Action::RecordPayment {
                amount_vnd: 20_000,
                online: false,
            },
            &w.ctx(at(2026, 3, 3, 10, 0)),
        )
        .unwrap();
    assert_eq!(part.state, DossierState::AwaitingPayment, "partly paid");
    let paid = part
        .apply(
            &Action::RecordPayment {
                amount_vnd: 30_000,
                online: false,
            },
            &w.ctx(at(2026, 3, 4, 10, 0)),
        )
        .unwrap();
    assert_eq!(paid.state, DossierState::Processing);
    // Two working days passed waiting (Mon 10:00 → Wed 10:00): Thursday 09:00 becomes Monday 09:00.
    assert_eq!(paid.due_at, Some(at(2026, 3, 9, 9, 0)));
    assert_eq!(paid.paid_vnd, 50_000);
    assert_eq!(
        d.apply(
            &Action::RequestPayment {
                amount_vnd: 0,
                reason: None,
                items: Vec::new(),
            },
            &w.ctx(at(2026, 3, 2, 10, 0))
        )
        .unwrap_err()
        .code(),
        "invalid_amount"
    );
}

#[test]
fn an_apology_sets_one_new_date_at_least_a_working_day_ahead() {
    let w = World::new();
    let d = fresh(Channel::Paper, at(2026, 3, 2, 9, 0))
        .apply(&Action::Accept, &w.ctx(at(2026, 3, 2, 9, 0)))
        .unwrap();
    let due = d.due_at.unwrap();
    let sorry = |new_due| Action::Apologise {
        reason: "Chờ xác minh".into(),
        new_due,
    };
    // Due Thursday 09:00: on Wednesday 09:00 there is exactly one working day left; at 10:00 less.
    let late = d.apply(
        &sorry(at(2026, 3, 10, 17, 0)),
        &w.ctx(at(2026, 3, 4, 10, 0)),
    );
    assert!(
        d.apply(&sorry(at(2026, 3, 10, 17, 0)), &w.ctx(at(2026, 3, 4, 9, 0)))
            .is_ok()
    );
    assert_eq!(late.unwrap_err().code(), "apology_too_late");
    let earlier = d.apply(
        &sorry(due - chrono::Duration::hours(1)),
        &w.ctx(at(2026, 3, 2, 10, 0)),
    );
    assert_eq!(earlier.unwrap_err().code(), "new_date_not_later");
    let ok = d
        .apply(&sorry(at(2026, 3, 10, 17, 0)), &w.ctx(at(2026, 3, 3, 9, 0)))
        .unwrap();
    assert_eq!(ok.due_at, Some(at(2026, 3, 10, 17, 0)));
    assert_eq!(ok.apology.as_ref().unwrap().previous_due, due);
    let twice = ok.apply(&sorry(at(2026, 3, 12, 17, 0)), &w.ctx(at(2026, 3, 3, 9, 0)));
    assert_eq!(twice.unwrap_err().code(), "apology_already_given");
    // The form is offered only while an apology can succeed, and says why not otherwise.
    let blocker = |d: &Dossier, now| {
        d.apology_blocker(now, &w.hours, &w.holidays)
            .map(|e| e.code())
    };
    assert_eq!(blocker(&d, at(2026, 3, 4, 9, 0)), None);
    assert_eq!(blocker(&d, at(2026, 3, 4, 10, 0)), Some("apology_too_late"));
    assert_eq!(
        blocker(&d, at(2026, 3, 9, 9, 0)),
        Some("apology_too_late"),
        "already late"
    );
    assert_eq!(
        blocker(&ok, at(2026, 3, 3, 9, 0)),
        Some("apology_already_given")
    );
}

#[test]
fn approval_only_at_the_last_step_and_sending_back_not_before_the_first() {
    let w = World::new();
    let now = at(2026, 3, 2, 9, 0);
    let d = fresh(Channel::Paper, now)
        .apply(&Action::Accept, &w.ctx(now))
        .unwrap();
    assert_eq!(
        d.apply(&Action::Approve, &w.ctx(now)).unwrap_err().code(),
        "not_at_last_step"
    );
    let second = d.apply(&Action::Forward, &w.ctx(now)).unwrap();
    let back = second
        .apply(
            &Action::SendBack {
                reason: "Thiếu ý kiến".into(),
            },
            &w.ctx(now),
        )
        .unwrap();
    assert_eq!(back.step, 0);
    assert_eq!(
        back.apply(&Action::SendBack { reason: "x".into() }, &w.ctx(now))
            .unwrap_err()
            .code(),
        "no_previous_step"
    );
    let last = second.apply(&Action::Forward, &w.ctx(now)).unwrap();
    assert_eq!(
        last.apply(&Action::Forward, &w.ctx(now))
            .unwrap_err()
            .code(),
        "no_next_step"
    );
    assert!(
        last.allowed_actions(&w.steps)
            .contains(&ActionKind::Approve)
    );
}

fn actor(role: Role, agency: Option<&AgencyCode>, is_applicant: bool) -> Actor<'_> {
    Actor {
        role,
        agency,
        is_applicant,
    }
}

#[test]
fn access_follows_role_and_agency_scope() {
    let w = World::new();
    let own = agency("000.00.01.H37");
    let other = agency("000.02.40.H37");
    let d = fresh(Channel::Paper, at(2026, 3, 2, 9, 0));
    let steps = &w.steps;
    assert!(
        can_act(
            actor(Role::Receiver, Some(&own), false),
            &d,
            steps,
            ActionKind::Accept
        )
        .is_ok()
    );
    assert_eq!(
        can_act(
            actor(Role::Receiver, Some(&other), false),
            &d,
            steps,
            ActionKind::Accept
        ),
        Err(AccessDenied::Invisible)
    );
    assert_eq!(
        can_act(
            actor(Role::Specialist, Some(&own), false),
            &d,
            steps,
            ActionKind::Accept
        ),
        Err(AccessDenied::Forbidden)
    );
    assert_eq!(
        can_act(
            actor(Role::Auditor, None, false),
            &d,
            steps,
            ActionKind::Accept
        ),
        Err(AccessDenied::Forbidden)
    );
    assert!(can_view(actor(Role::Auditor, None, false), &d, steps));
    assert!(can_view(actor(Role::ProvinceAdmin, None, false), &d, steps));
    assert!(!can_view(actor(Role::Citizen, None, false), &d, steps));
    assert!(
        can_act(
            actor(Role::Citizen, None, true),
            &d,
            steps,
            ActionKind::Withdraw
        )
        .is_ok()
    );
    assert_eq!(
        can_act(
            actor(Role::Citizen, None, true),
            &d,
            steps,
            ActionKind::Accept
        ),
        Err(AccessDenied::Forbidden)
    );

    // The receiver hands a dossier on its own agency's desk to a colleague; another
    // agency's receiver cannot.
    let received = d
        .apply(&Action::Accept, &w.ctx(at(2026, 3, 2, 9, 0)))
        .unwrap();
    assert!(
        can_act(
            actor(Role::Receiver, Some(&own), false),
            &received,
            steps,
            ActionKind::Assign
        )
        .is_ok()
    );
    assert_eq!(
        can_act(
            actor(Role::Receiver, Some(&other), false),
            &received,
            steps,
            ActionKind::Assign
        ),
        Err(AccessDenied::Invisible)
    );

    // After a transfer, the new agency's leader acts and the old one's specialist no longer does.
    let now = at(2026, 3, 2, 9, 0);
    let moved = d
        .apply(&Action::Accept, &w.ctx(now))
        .unwrap()
        .apply(
            &Action::Transfer {
                to_agency: other.clone(),
            },
            &w.ctx(now),
        )
        .unwrap();
    assert!(
        can_act(
            actor(Role::Leader, Some(&other), false),
            &moved,
            steps,
            ActionKind::Assign
        )
        .is_ok()
    );
    assert_eq!(
        can_act(
            actor(Role::Specialist, Some(&own), false),
            &moved,
            steps,
            ActionKind::Forward
        ),
        Err(AccessDenied::Forbidden)
    );
    assert!(
        can_act(
            actor(Role::Receiver, Some(&own), false),
            &moved,
            steps,
            ActionKind::ReturnResult
        )
        .is_ok(),
        "returns stay with the one-stop desk"
    );
}

fn any_action() -> impl Strategy<Value = Action> {
    let other = agency("000.02.40.H37");
    prop_oneof![
        Just(Action::Accept),
        Just(Action::RequestSupplement {
            note: None,
            missing: vec!["Tờ khai".into()],
            supplement_by: None,
        }),
        Just(Action::SupplementReceived),
        Just(Action::RefuseAtReceipt {
            reason: "Không thuộc thẩm quyền".into()
        }),
        Just(Action::Assign {
            assignee: "cv".into()
        }),
        Just(Action::Forward),
        Just(Action::SendBack {
            reason: "Bổ sung ý kiến".into()
        }),
        Just(Action::Transfer { to_agency: other }),
        (1i64..100_000).prop_map(|amount_vnd| Action::RequestPayment {
            amount_vnd,
            reason: None,
            items: Vec::new(),
        }),
        (1i64..100_000).prop_map(|amount_vnd| Action::RecordPayment {
            amount_vnd,
            online: false
        }),
        Just(Action::Approve),
        Just(Action::RefuseAfterAppraisal {
            reason: "Không đủ điều kiện".into()
        }),
        Just(Action::Finish {
            result: "Quyết định".into(),
            electronic: false
        }),
        Just(Action::ReturnResult),
        Just(Action::Withdraw {
            reason: "Người nộp rút".into()
        }),
        Just(Action::Stop {
            reason: "Quá hạn bổ sung".into()
        }),
        (0i64..20).prop_map(|days| Action::Apologise {
            reason: "Chậm".into(),
            new_due: at(2026, 3, 20, 17, 0) + chrono::Duration::days(days)
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    /// Whatever happens: success adds exactly one version and only to allowed actions;
    /// failure changes nothing; the appointment is always in working time; closed stays closed.
    #[test]
    fn random_histories_keep_the_invariants(actions in prop::collection::vec((any_action(), 0u32..600), 1..40)) {
        let w = World::new();
        let mut now = at(2026, 3, 2, 8, 0);
        let mut d = fresh(Channel::Online, now);
        for (action, minutes) in actions {
            now += chrono::Duration::minutes(i64::from(minutes));
            let allowed = d.allowed_actions(&w.steps);
            if let Ok(next) = d.apply(&action, &w.ctx(now)) {
                    prop_assert_eq!(next.version, d.version + 1);
                    prop_assert!(allowed.contains(&action.kind()), "{:?} applied in {:?} but not listed", action.kind(), d.state);
                    prop_assert!(!d.state.is_closed() || action.kind() == ActionKind::Rate);
                    if let (Some(due), None) = (next.due_at, &next.apology) {
                        prop_assert!(w.hours.is_working_instant(due, &w.holidays) || due.time() == chrono::NaiveTime::from_hms_opt(11, 30, 0).unwrap() || due.time() == chrono::NaiveTime::from_hms_opt(17, 0, 0).unwrap(), "due {} outside working time", due);
                    }
                    d = next;
            }
        }
    }
}

#[test]
fn the_desk_is_the_counter_before_receipt_and_after_the_decision() {
    let mut w = World::new();
    let justice = agency("000.00.02.H37");
    w.steps[1].agency = Some(justice.clone());
    let d = fresh(Channel::Paper, at(2026, 3, 2, 9, 0));
    assert_eq!(d.desk_agency(&w.steps), &d.receiving_agency);
    let d = d
        .apply(&Action::Accept, &w.ctx(at(2026, 3, 2, 9, 0)))
        .unwrap();
    let d = d
        .apply(&Action::Forward, &w.ctx(at(2026, 3, 2, 9, 5)))
        .unwrap();
    assert_eq!(d.desk_agency(&w.steps), &justice, "the step's agency");
    let d = d
        .apply(&Action::Forward, &w.ctx(at(2026, 3, 2, 9, 10)))
        .unwrap();
    let d = d
        .apply(&Action::Approve, &w.ctx(at(2026, 3, 2, 9, 15)))
        .unwrap();
    let d = d
        .apply(
            &Action::Finish {
                result: "Phiếu".into(),
                electronic: false,
            },
            &w.ctx(at(2026, 3, 2, 9, 20)),
        )
        .unwrap();
    assert_eq!(
        d.desk_agency(&w.steps),
        &d.receiving_agency,
        "back to hand over"
    );
}

#[test]
fn allowed_for_is_the_machine_less_the_access_rules() {
    let w = World::new();
    let d = fresh(Channel::Online, at(2026, 3, 2, 9, 0));
    let home = d.receiving_agency.clone();
    let receiver = Actor {
        role: Role::Receiver,
        agency: Some(&home),
        is_applicant: false,
    };
    assert_eq!(
        allowed_for(receiver, &d, &w.steps),
        vec![
            ActionKind::Accept,
            ActionKind::RequestSupplement,
            ActionKind::RefuseAtReceipt,
            ActionKind::Withdraw
        ]
    );
    let auditor = Actor {
        role: Role::Auditor,
        agency: None,
        is_applicant: false,
    };
    assert!(allowed_for(auditor, &d, &w.steps).is_empty());
    let applicant = Actor {
        role: Role::Citizen,
        agency: None,
        is_applicant: true,
    };
    assert_eq!(
        allowed_for(applicant, &d, &w.steps),
        vec![ActionKind::Withdraw]
    );
}

#[test]
fn due_states_split_at_now_and_one_working_day() {
    let now = at(2026, 3, 2, 9, 0);
    let soon = at(2026, 3, 3, 9, 0);
    assert_eq!(
        DueState::of(Some(&at(2026, 3, 2, 8, 0)), &now, &soon),
        Some(DueState::Overdue)
    );
    assert_eq!(
        DueState::of(Some(&at(2026, 3, 3, 9, 0)), &now, &soon),
        Some(DueState::DueSoon)
    );
    assert_eq!(
        DueState::of(Some(&at(2026, 3, 4, 9, 0)), &now, &soon),
        Some(DueState::OnTime)
    );
    assert_eq!(DueState::of(None, &now, &soon), None);
    for s in [DueState::OnTime, DueState::DueSoon, DueState::Overdue] {
        assert_eq!(DueState::parse(s.as_str()), Some(s));
    }
}
