//! Properties of working-time arithmetic and due dates.

use std::sync::OnceLock;

use chrono::{Days, NaiveDate, NaiveDateTime, Timelike};
use motcua_domain::calendar::{
    Channel, DayOff, HolidayCalendar, MonthDay, Pause, Season, Session, WorkingHours,
    WorkingHoursConfig, YearArrangement, add_working_time, counting_start, due_at,
    next_working_instant, remaining_minutes, working_minutes_between,
};
use proptest::prelude::*;

fn holidays() -> &'static HolidayCalendar {
    static CALENDAR: OnceLock<HolidayCalendar> = OnceLock::new();
    CALENDAR.get_or_init(|| {
        let date = |month, day| NaiveDate::from_ymd_opt(2025, month, day).unwrap();
        HolidayCalendar::new(vec![YearArrangement {
            year: 2025,
            notice_number: "01/TB-VÍ-DỤ".into(),
            notice_date: date(3, 1),
            extra_days_off: vec![DayOff {
                date: date(5, 2),
                name: "Nghỉ hoán đổi".into(),
            }],
            working_days: vec![date(4, 26)],
            removed_defaults: vec![],
        }])
        .unwrap()
    })
}

/// Default hours, and seasonal hours whose days are not 8 h long.
fn hours(seasonal: bool) -> &'static WorkingHours {
    static DEFAULT: OnceLock<WorkingHours> = OnceLock::new();
    static SEASONAL: OnceLock<WorkingHours> = OnceLock::new();
    if !seasonal {
        return DEFAULT.get_or_init(WorkingHours::default);
    }
    SEASONAL.get_or_init(|| {
        WorkingHours::try_from(WorkingHoursConfig {
            seasons: vec![
                Season {
                    from: MonthDay::new(4, 15),
                    sessions: vec![Session::hm(7, 0, 11, 30), Session::hm(14, 0, 17, 30)],
                },
                Season {
                    from: MonthDay::new(10, 1),
                    sessions: vec![
                        Session::hm(7, 30, 11, 15),
                        Session::hm(13, 30, 15, 0),
                        Session::hm(15, 10, 17, 0),
                    ],
                },
            ],
            ..WorkingHoursConfig::default()
        })
        .unwrap()
    })
}

/// Any instant from 2024 to 2027, to the second, biased towards session edges.
fn instant() -> impl Strategy<Value = NaiveDateTime> {
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let second_of_day = prop_oneof![
        0..86_400_u32,
        prop::sample::select(vec![
            7 * 3600,
            11 * 3600 + 1800,
            13 * 3600 + 1800,
            15 * 3600,
            17 * 3600,
            17 * 3600 + 1800,
        ]),
    ];
    (0..4 * 366_u64, second_of_day).prop_map(move |(day, second)| {
        (start + Days::new(day)).and_hms_opt(0, 0, 0).unwrap()
            + chrono::Duration::seconds(i64::from(second))
    })
}

fn budget() -> impl Strategy<Value = u32> {
    prop_oneof![
        0..=30 * 480_u32,
        prop::sample::select(vec![0, 1, 270, 480, 2400, 7200])
    ]
}

fn pauses() -> impl Strategy<Value = Vec<Pause>> {
    prop::collection::vec(
        (instant(), 0..20 * 86_400_i64).prop_map(|(from, length)| Pause {
            from,
            to: from + chrono::Duration::seconds(length),
        }),
        0..4,
    )
}

/// Inside a session of a working day, or exactly at the end of one.
fn in_working_time(t: NaiveDateTime, hours: &WorkingHours) -> bool {
    let holidays = holidays();
    hours.is_working_instant(t, holidays)
        || (hours.is_working_day(t.date(), holidays)
            && hours
                .sessions_on(t.date())
                .iter()
                .any(|session| session.end == t.time()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn due_time_is_in_working_time(start in instant(), minutes in budget(), seasonal: bool) {
        let hours = hours(seasonal);
        let due = add_working_time(start, minutes, hours, holidays());
        prop_assert!(in_working_time(due, hours), "{due}");
        prop_assert!(due >= start);
        prop_assert_eq!(due.nanosecond(), 0);
    }

    #[test]
    fn adding_is_additive(start in instant(), a in budget(), b in budget(), seasonal: bool) {
        let hours = hours(seasonal);
        let holidays = holidays();
        let in_two_steps = add_working_time(add_working_time(start, a, hours, holidays), b, hours, holidays);
        prop_assert_eq!(in_two_steps, add_working_time(start, a + b, hours, holidays));
    }

    #[test]
    fn adding_uses_exactly_the_budget(start in instant(), minutes in budget(), seasonal: bool) {
        let hours = hours(seasonal);
        let holidays = holidays();
        let due = add_working_time(start, minutes, hours, holidays);
        prop_assert_eq!(working_minutes_between(start, due, hours, holidays), i64::from(minutes));
        prop_assert_eq!(remaining_minutes(due, start, minutes, &[], hours, holidays), 0);
    }

    #[test]
    fn later_start_never_gives_earlier_due(a in instant(), b in instant(), minutes in budget(), seasonal: bool) {
        let hours = hours(seasonal);
        let holidays = holidays();
        let (early, late) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(
            add_working_time(early, minutes, hours, holidays)
                <= add_working_time(late, minutes, hours, holidays)
        );
    }

    #[test]
    fn pauses_only_push_the_due_time_later(start in instant(), minutes in budget(), pauses in pauses(), seasonal: bool) {
        let hours = hours(seasonal);
        let holidays = holidays();
        let plain = due_at(start, minutes, &[], hours, holidays);
        let paused = due_at(start, minutes, &pauses, hours, holidays);
        prop_assert!(paused >= plain);
        prop_assert!(in_working_time(paused, hours));
        prop_assert_eq!(remaining_minutes(paused, start, minutes, &pauses, hours, holidays), 0);
        // Adding one more pause never brings it earlier.
        if let Some((first, rest)) = pauses.split_first() {
            prop_assert!(paused >= due_at(start, minutes, rest, hours, holidays));
            prop_assert!(paused >= due_at(start, minutes, &[*first], hours, holidays));
        }
    }

    #[test]
    fn counting_starts_in_working_time_and_never_before_receipt(
        received in instant(),
        channel in prop::sample::select(vec![Channel::Paper, Channel::Online, Channel::Postal]),
        seasonal: bool,
    ) {
        let hours = hours(seasonal);
        let holidays = holidays();
        let start = counting_start(received, channel, hours, holidays);
        prop_assert!(start >= received.with_nanosecond(0).unwrap());
        prop_assert!(hours.is_working_instant(start, holidays));
        prop_assert!(start >= next_working_instant(received, hours, holidays));
    }
}
