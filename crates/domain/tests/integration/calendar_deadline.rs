//! Working hours, receipt rules and due dates on concrete Vietnamese cases.

use crate::common::at;
use chrono::{NaiveDate, TimeZone, Utc, Weekday};
use motcua_domain::calendar::{
    Channel, DeadlineClock, HolidayCalendar, MonthDay, Pause, Season, Session, VN_OFFSET,
    WORKING_DAY_MINUTES, WorkingHours, WorkingHoursConfig, YearArrangement, add_working_days,
    add_working_time, counting_start, due_at, from_vn_local, next_working_instant,
    remaining_minutes, to_vn_local, working_day_hours, working_minutes_between,
};

fn defaults() -> (WorkingHours, HolidayCalendar) {
    (WorkingHours::default(), HolidayCalendar::default())
}

#[test]
fn paper_dossier_on_friday_afternoon_before_the_april_holidays() {
    let (hours, holidays) = defaults();
    // Friday 24/4/2026 16:00 is after the 15:00 cutoff; Monday 27/4 is the
    // compensatory day for Giỗ Tổ (Sunday 26/4), so counting starts Tuesday.
    let start = counting_start(at(2026, 4, 24, 16, 0), Channel::Paper, &hours, &holidays);
    assert_eq!(start, at(2026, 4, 28, 7, 0));
    // 28/4 and 29/4 are worked, 30/4–3/5 are off: the third day is Monday 4/5.
    let due = add_working_days(start, 3, &hours, &holidays);
    assert_eq!(due, at(2026, 5, 4, 17, 0));
}

#[test]
fn tet_week_2026_is_skipped() {
    let (hours, holidays) = defaults();
    // Online on Saturday 14/2; Tết runs Monday 16/2 to Friday 20/2.
    let start = counting_start(at(2026, 2, 14, 10, 0), Channel::Online, &hours, &holidays);
    assert_eq!(start, at(2026, 2, 23, 7, 0));
    assert_eq!(
        add_working_days(start, 2, &hours, &holidays),
        at(2026, 2, 24, 17, 0)
    );
    // Paper on Friday 13/2 at 14:00: 3 h that afternoon, 5 h after Tết.
    let start = counting_start(at(2026, 2, 13, 14, 0), Channel::Paper, &hours, &holidays);
    assert_eq!(start, at(2026, 2, 13, 14, 0));
    assert_eq!(
        add_working_days(start, 1, &hours, &holidays),
        at(2026, 2, 23, 14, 0)
    );
}

#[test]
fn due_exactly_at_a_session_end() {
    let (hours, holidays) = defaults();
    let monday = at(2026, 3, 2, 7, 0);
    assert_eq!(
        add_working_days(monday, 1, &hours, &holidays),
        at(2026, 3, 2, 17, 0)
    );
    assert_eq!(
        add_working_time(monday, 270, &hours, &holidays),
        at(2026, 3, 2, 11, 30)
    );
    // Adding to a session end continues in the next session.
    assert_eq!(
        add_working_time(at(2026, 3, 2, 11, 30), 0, &hours, &holidays),
        at(2026, 3, 2, 11, 30)
    );
    assert_eq!(
        add_working_time(at(2026, 3, 2, 11, 30), 1, &hours, &holidays),
        at(2026, 3, 2, 13, 31)
    );
    assert_eq!(
        add_working_time(at(2026, 3, 2, 17, 0), 1, &hours, &holidays),
        at(2026, 3, 3, 7, 1)
    );
    // Adding zero outside working time moves to the next session start.
    assert_eq!(
        add_working_time(at(2026, 3, 7, 9, 0), 0, &hours, &holidays),
        at(2026, 3, 9, 7, 0)
    );
}

#[test]
fn receipt_rules() {
    let (hours, holidays) = defaults();
    let tuesday = |hour, minute| at(2026, 3, 3, hour, minute);
    let paper = |t| counting_start(t, Channel::Paper, &hours, &holidays);
    let online = |t| counting_start(t, Channel::Online, &hours, &holidays);
    assert_eq!(paper(tuesday(9, 15)), tuesday(9, 15), "inside a session");
    assert_eq!(paper(tuesday(12, 0)), tuesday(13, 30), "lunch break");
    assert_eq!(paper(tuesday(6, 30)), tuesday(7, 0), "before opening");
    assert_eq!(
        paper(tuesday(15, 0)),
        tuesday(15, 0),
        "exactly at the cutoff"
    );
    let just_after = tuesday(15, 0) + chrono::Duration::seconds(1);
    assert_eq!(paper(just_after), at(2026, 3, 4, 7, 0));
    assert_eq!(
        counting_start(tuesday(16, 0), Channel::Postal, &hours, &holidays),
        at(2026, 3, 4, 7, 0)
    );
    assert_eq!(
        online(tuesday(16, 0)),
        tuesday(16, 0),
        "online has no cutoff"
    );
    assert_eq!(online(tuesday(20, 0)), at(2026, 3, 4, 7, 0));
    assert_eq!(online(tuesday(11, 30)), tuesday(13, 30), "session end");
    assert_eq!(
        online(at(2026, 3, 8, 10, 0)),
        at(2026, 3, 9, 7, 0),
        "Sunday"
    );
    // Friday after the cutoff, through the weekend.
    assert_eq!(paper(at(2026, 3, 6, 15, 30)), at(2026, 3, 9, 7, 0));
}

#[test]
fn configurable_paper_cutoff() {
    let config = WorkingHoursConfig {
        paper_cutoff: chrono::NaiveTime::from_hms_opt(16, 0, 0).unwrap(),
        ..WorkingHoursConfig::default()
    };
    let hours = WorkingHours::try_from(config).unwrap();
    let holidays = HolidayCalendar::default();
    let received = at(2026, 3, 3, 15, 30);
    assert_eq!(
        counting_start(received, Channel::Paper, &hours, &holidays),
        received
    );
}

#[test]
fn pauses_do_not_count() {
    let (hours, holidays) = defaults();
    let start = at(2026, 3, 2, 7, 0);
    let budget = 2 * WORKING_DAY_MINUTES;
    assert_eq!(
        due_at(start, budget, &[], &hours, &holidays),
        at(2026, 3, 3, 17, 0)
    );
    // Waiting for the applicant from Monday 13:30 to Wednesday 13:30:
    // 4 h 30 used before, 11 h 30 left afterwards.
    let pause = Pause::from((at(2026, 3, 2, 13, 30), at(2026, 3, 4, 13, 30)));
    let due = due_at(start, budget, &[pause], &hours, &holidays);
    assert_eq!(due, at(2026, 3, 5, 17, 0));
    assert_eq!(
        remaining_minutes(due, start, budget, &[pause], &hours, &holidays),
        0
    );
    // Overlapping and inverted pauses are merged or ignored.
    let overlapping = [
        pause,
        Pause::from((at(2026, 3, 3, 8, 0), at(2026, 3, 3, 9, 0))),
        Pause::from((at(2026, 3, 9, 9, 0), at(2026, 3, 9, 8, 0))),
    ];
    assert_eq!(due_at(start, budget, &overlapping, &hours, &holidays), due);
    // A pause that ends before the due time moves it by its working time.
    let short = Pause::from((at(2026, 3, 3, 7, 0), at(2026, 3, 3, 8, 0)));
    assert_eq!(
        due_at(start, budget, &[short], &hours, &holidays),
        at(2026, 3, 4, 8, 0)
    );
    // A pause after the due time changes nothing.
    let late = Pause::from((at(2026, 3, 10, 7, 0), at(2026, 3, 11, 7, 0)));
    assert_eq!(
        due_at(start, budget, &[late], &hours, &holidays),
        at(2026, 3, 3, 17, 0)
    );
}

#[test]
fn remaining_time_counts_only_working_minutes() {
    let (hours, holidays) = defaults();
    let start = at(2026, 3, 2, 7, 0);
    let budget = WORKING_DAY_MINUTES;
    let remaining = |now| remaining_minutes(now, start, budget, &[], &hours, &holidays);
    assert_eq!(remaining(at(2026, 3, 1, 9, 0)), 480, "before the start");
    assert_eq!(remaining(start), 480);
    assert_eq!(
        remaining(at(2026, 3, 2, 12, 30)),
        210,
        "lunch does not count"
    );
    assert_eq!(remaining(at(2026, 3, 2, 17, 0)), 0);
    assert_eq!(
        remaining(at(2026, 3, 2, 21, 0)),
        0,
        "evening does not count"
    );
    assert_eq!(remaining(at(2026, 3, 3, 8, 0)), -60, "overdue");
    assert_eq!(
        remaining_minutes(
            at(2026, 3, 2, 17, 0) + chrono::Duration::seconds(-30),
            start,
            budget,
            &[],
            &hours,
            &holidays
        ),
        0,
        "partial minutes round down"
    );
    assert_eq!(
        working_minutes_between(at(2026, 3, 3, 8, 0), start, &hours, &holidays),
        -540
    );
}

#[test]
fn deadline_clock_pauses_and_restarts() {
    let (hours, holidays) = defaults();
    let mut clock = DeadlineClock::with_working_days(at(2026, 3, 2, 7, 0), 3);
    assert_eq!(clock.due_at(&hours, &holidays), Some(at(2026, 3, 4, 17, 0)));

    clock.pause_at(at(2026, 3, 3, 7, 0));
    assert!(clock.is_paused());
    assert_eq!(clock.due_at(&hours, &holidays), None);
    assert_eq!(
        clock.remaining_minutes(at(2026, 3, 5, 7, 0), &hours, &holidays),
        960
    );
    assert!(!clock.is_overdue(at(2026, 3, 20, 7, 0), &hours, &holidays));

    clock.resume_at(at(2026, 3, 5, 7, 0));
    assert_eq!(clock.due_at(&hours, &holidays), Some(at(2026, 3, 6, 17, 0)));
    assert!(clock.is_overdue(at(2026, 3, 9, 7, 1), &hours, &holidays));

    let json = serde_json::to_string(&clock).unwrap();
    assert_eq!(serde_json::from_str::<DeadlineClock>(&json).unwrap(), clock);

    // The complete supplemented dossier arrives: the limit restarts from zero.
    let restart = counting_start(at(2026, 3, 9, 15, 30), Channel::Paper, &hours, &holidays);
    clock.restart_at(restart);
    assert!(clock.pauses.is_empty());
    assert_eq!(
        clock.due_at(&hours, &holidays),
        Some(at(2026, 3, 12, 17, 0))
    );
}

#[test]
fn pause_after_the_due_time_keeps_it_overdue() {
    let (hours, holidays) = defaults();
    let mut clock = DeadlineClock::with_working_days(at(2026, 3, 2, 7, 0), 1);
    clock.pause_at(at(2026, 3, 4, 7, 0));
    assert_eq!(clock.due_at(&hours, &holidays), Some(at(2026, 3, 2, 17, 0)));
    assert!(clock.is_overdue(at(2026, 3, 5, 7, 0), &hours, &holidays));
}

#[test]
fn saturdays_worked_in_return_count() {
    let arrangement = YearArrangement {
        year: 2025,
        notice_number: "01/TB-VÍ-DỤ".into(),
        notice_date: NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(),
        extra_days_off: vec![],
        working_days: vec![NaiveDate::from_ymd_opt(2025, 4, 26).unwrap()],
        removed_defaults: vec![],
    };
    let holidays = HolidayCalendar::new(vec![arrangement]).unwrap();
    let hours = WorkingHours::default();
    assert_eq!(
        add_working_days(at(2025, 4, 25, 7, 0), 2, &hours, &holidays),
        at(2025, 4, 26, 17, 0)
    );
}

fn seasonal_hours() -> WorkingHours {
    // Summer 8 h; winter 7 h 30 (the budget still counts 480 minutes a day).
    WorkingHours::try_from(WorkingHoursConfig {
        seasons: vec![
            Season {
                from: MonthDay::new(10, 1),
                sessions: vec![Session::hm(7, 30, 11, 30), Session::hm(13, 30, 17, 0)],
            },
            Season {
                from: MonthDay::new(4, 15),
                sessions: vec![Session::hm(7, 0, 11, 30), Session::hm(14, 0, 17, 30)],
            },
        ],
        ..WorkingHoursConfig::default()
    })
    .unwrap()
}

#[test]
fn seasons_switch_on_their_dates_and_wrap_around_the_year() {
    let hours = seasonal_hours();
    let holidays = HolidayCalendar::default();
    let date = |month, day| NaiveDate::from_ymd_opt(2026, month, day).unwrap();
    assert_eq!(
        hours.sessions_on(date(1, 15))[0],
        Session::hm(7, 30, 11, 30)
    );
    assert_eq!(
        hours.sessions_on(date(4, 14))[0],
        Session::hm(7, 30, 11, 30)
    );
    assert_eq!(
        hours.sessions_on(date(4, 15))[1],
        Session::hm(14, 0, 17, 30)
    );
    assert_eq!(
        hours.sessions_on(date(9, 30))[1],
        Session::hm(14, 0, 17, 30)
    );
    assert_eq!(
        hours.sessions_on(date(10, 1))[0],
        Session::hm(7, 30, 11, 30)
    );
    // Winter: one working day from Monday 07:30 spills 30 minutes into Tuesday.
    assert_eq!(
        add_working_days(at(2026, 1, 5, 7, 30), 1, &hours, &holidays),
        at(2026, 1, 6, 8, 0)
    );
    // Summer: a day is exactly one set of sessions.
    assert_eq!(
        add_working_days(at(2026, 6, 1, 7, 0), 1, &hours, &holidays),
        at(2026, 6, 1, 17, 30)
    );
    assert!(hours.is_working_instant(at(2026, 6, 1, 17, 29), &holidays));
    assert!(!hours.is_working_instant(at(2026, 6, 1, 13, 45), &holidays));
    assert_eq!(
        next_working_instant(at(2026, 6, 1, 12, 0), &hours, &holidays),
        at(2026, 6, 1, 14, 0)
    );
}

#[test]
fn working_hours_serialise_as_their_config_and_are_validated() {
    let hours = seasonal_hours();
    let json = serde_json::to_string(&hours).unwrap();
    assert!(
        json.contains(r#""weekdays":["Mon","Tue","Wed","Thu","Fri"]"#),
        "{json}"
    );
    assert!(json.contains(r#""paper_cutoff":"15:00:00""#), "{json}");
    assert_eq!(serde_json::from_str::<WorkingHours>(&json).unwrap(), hours);

    let minimal: WorkingHours = serde_json::from_str(
        r#"{"weekdays":["Mon","Sat"],"sessions":[{"start":"08:00:00","end":"12:00:00"}]}"#,
    )
    .unwrap();
    assert!(minimal.works_on(Weekday::Sat));
    assert!(!minimal.works_on(Weekday::Fri));
    assert_eq!(minimal.paper_cutoff().to_string(), "15:00:00");

    let overlapping = r#"{"weekdays":["Mon"],"sessions":[{"start":"08:00:00","end":"12:00:00"},{"start":"11:00:00","end":"13:00:00"}]}"#;
    assert!(serde_json::from_str::<WorkingHours>(overlapping).is_err());

    let invalid = |config: WorkingHoursConfig| WorkingHours::try_from(config).unwrap_err();
    let no_weekdays = invalid(WorkingHoursConfig {
        weekdays: vec![],
        ..WorkingHoursConfig::default()
    });
    assert_eq!(no_weekdays.code(), "invalid_working_hours");
    assert!(
        no_weekdays
            .to_string()
            .starts_with("Cấu hình giờ làm việc không hợp lệ")
    );
    invalid(WorkingHoursConfig {
        sessions: vec![Session::hm(11, 0, 8, 0)],
        ..WorkingHoursConfig::default()
    });
    invalid(WorkingHoursConfig {
        sessions: vec![],
        ..WorkingHoursConfig::default()
    });
    invalid(WorkingHoursConfig {
        seasons: vec![Season {
            from: MonthDay::new(2, 30),
            sessions: vec![Session::hm(7, 0, 11, 0)],
        }],
        ..WorkingHoursConfig::default()
    });
}

#[test]
fn vietnam_offset_helpers() {
    assert_eq!(VN_OFFSET.local_minus_utc(), 7 * 3600);
    assert_eq!(working_day_hours(), 8);
    let instant = Utc.with_ymd_and_hms(2026, 4, 24, 9, 0, 0).unwrap();
    assert_eq!(to_vn_local(&instant), at(2026, 4, 24, 16, 0));
    assert_eq!(from_vn_local(at(2026, 4, 24, 16, 0)), instant);
}
