//! Labour Code 2019 Art. 112 holidays, compensatory days and yearly arrangements.

use crate::common::ymd;
use chrono::NaiveDate;
use motcua_domain::calendar::{
    DayOff, Holiday, HolidayCalendar, HolidayKind, YearArrangement, default_holidays,
};

fn dates_of(holidays: &[Holiday], kind: HolidayKind) -> Vec<NaiveDate> {
    holidays
        .iter()
        .filter(|h| h.kind == kind)
        .map(|h| h.date)
        .collect()
}

#[test]
fn statutory_days_of_2026() {
    let holidays = default_holidays(2026);
    assert_eq!(
        dates_of(&holidays, HolidayKind::Statutory),
        vec![
            ymd(2026, 1, 1),
            // Tết: 30 Tết (Mon 16/2) and lunar 1/1–4/1.
            ymd(2026, 2, 16),
            ymd(2026, 2, 17),
            ymd(2026, 2, 18),
            ymd(2026, 2, 19),
            ymd(2026, 2, 20),
            // Giỗ Tổ Hùng Vương, 10/3 lunar.
            ymd(2026, 4, 26),
            ymd(2026, 4, 30),
            ymd(2026, 5, 1),
            // Quốc khánh with 1/9 as the adjacent day.
            ymd(2026, 9, 1),
            ymd(2026, 9, 2),
        ]
    );
    // Giỗ Tổ falls on Sunday 26/4: compensated on Monday 27/4.
    assert_eq!(
        dates_of(&holidays, HolidayKind::Compensatory),
        vec![ymd(2026, 4, 27)]
    );
    let names: Vec<&str> = holidays.iter().map(|h| h.name.as_str()).collect();
    for name in [
        "Tết Dương lịch",
        "Tết Nguyên Đán",
        "Giỗ Tổ Hùng Vương",
        "Ngày Chiến thắng",
        "Ngày Quốc tế Lao động",
        "Quốc khánh",
        "Nghỉ bù Giỗ Tổ Hùng Vương",
    ] {
        assert!(names.contains(&name), "{name}");
    }
}

#[test]
fn tet_eve_is_the_last_day_of_the_lunar_year_even_when_it_is_the_29th() {
    // Month 12 of lunar 2024 has 29 days: Tết 2025 starts on Tuesday 28/1.
    let tet_days: Vec<NaiveDate> = default_holidays(2025)
        .into_iter()
        .filter(|h| h.name == "Tết Nguyên Đán")
        .map(|h| h.date)
        .collect();
    assert_eq!(tet_days.first(), Some(&ymd(2025, 1, 28)));
    assert_eq!(tet_days.last(), Some(&ymd(2025, 2, 1)));
}

#[test]
fn weekend_holidays_give_the_next_free_weekday() {
    // 2023: 1/1 Sunday → 2/1; Tết Sat 21/1 and Sun 22/1 → Thu 26/1 and Fri 27/1;
    // Giỗ Tổ Sat 29/4 and 30/4 Sun pass over 1/5 → 2/5 and 3/5; 2/9 Sat → Mon 4/9.
    assert_eq!(
        dates_of(&default_holidays(2023), HolidayKind::Compensatory),
        vec![
            ymd(2023, 1, 2),
            ymd(2023, 1, 26),
            ymd(2023, 1, 27),
            ymd(2023, 5, 2),
            ymd(2023, 5, 3),
            ymd(2023, 9, 4),
        ]
    );
    // 2021: 1/5 Saturday → Monday 3/5.
    assert!(
        dates_of(&default_holidays(2021), HolidayKind::Compensatory).contains(&ymd(2021, 5, 3))
    );
    // 2024: 1/9 Sunday; 2/9 is itself a holiday, so the day off is Tuesday 3/9.
    assert!(
        dates_of(&default_holidays(2024), HolidayKind::Compensatory).contains(&ymd(2024, 9, 3))
    );
}

#[test]
fn years_outside_the_lunar_range_keep_the_solar_holidays() {
    let holidays = default_holidays(2150);
    assert!(holidays.iter().any(|h| h.date == ymd(2150, 9, 2)));
    assert!(!holidays.iter().any(|h| h.name == "Tết Nguyên Đán"));
}

#[test]
fn holiday_kind_serialises_in_snake_case() {
    let holiday = Holiday {
        date: ymd(2026, 4, 27),
        name: "Nghỉ bù Giỗ Tổ Hùng Vương".into(),
        kind: HolidayKind::Compensatory,
    };
    let json = serde_json::to_string(&holiday).unwrap();
    assert_eq!(
        json,
        r#"{"date":"2026-04-27","name":"Nghỉ bù Giỗ Tổ Hùng Vương","kind":"compensatory"}"#
    );
    assert_eq!(serde_json::from_str::<Holiday>(&json).unwrap(), holiday);
}

/// A swap like the ones announced most years: Friday 2/5 off, Saturday 26/4 worked.
fn swap_2025() -> YearArrangement {
    serde_json::from_str(
        r#"{
            "year": 2025,
            "notice_number": "01/TB-VÍ-DỤ",
            "notice_date": "2025-03-01",
            "extra_days_off": [{"date": "2025-05-02", "name": "Nghỉ hoán đổi"}],
            "working_days": ["2025-04-26"]
        }"#,
    )
    .unwrap()
}

#[test]
fn arrangements_layer_over_the_defaults() {
    let calendar = HolidayCalendar::new(vec![swap_2025()]).unwrap();
    assert!(calendar.is_day_off(ymd(2025, 5, 2)));
    assert_eq!(
        calendar.holiday(ymd(2025, 5, 2)).map(|h| h.kind),
        Some(HolidayKind::Extra)
    );
    assert!(
        !calendar.is_day_off(ymd(2025, 4, 26)),
        "Saturday worked in return"
    );
    assert!(calendar.is_made_working_day(ymd(2025, 4, 26)));
    assert!(calendar.is_day_off(ymd(2025, 4, 27)), "an ordinary Sunday");
    assert!(calendar.is_day_off(ymd(2025, 4, 30)));
    assert!(!calendar.is_day_off(ymd(2025, 4, 29)));
    assert_eq!(
        calendar.arrangement(2025).unwrap().notice_number,
        "01/TB-VÍ-DỤ"
    );
    assert!(calendar.arrangement(2024).is_none());
    let holidays = calendar.holidays(2025);
    assert!(holidays.windows(2).all(|pair| pair[0].date < pair[1].date));
}

#[test]
fn arrangements_can_move_default_days() {
    // The government picks 3/9 instead of 1/9 as the day next to Quốc khánh.
    let arrangement = YearArrangement {
        year: 2026,
        notice_number: "02/TB-VÍ-DỤ".into(),
        notice_date: ymd(2026, 6, 1),
        extra_days_off: vec![DayOff {
            date: ymd(2026, 9, 3),
            name: "Quốc khánh".into(),
        }],
        working_days: vec![],
        removed_defaults: vec![ymd(2026, 9, 1)],
    };
    let calendar = HolidayCalendar::new(vec![arrangement]).unwrap();
    assert!(!calendar.is_day_off(ymd(2026, 9, 1)));
    assert!(calendar.is_day_off(ymd(2026, 9, 2)));
    assert!(calendar.is_day_off(ymd(2026, 9, 3)));
    assert!(!calendar.is_holiday(ymd(2026, 9, 1)));
}

#[test]
fn default_calendar_answers_weekends_and_holidays() {
    let calendar = HolidayCalendar::default();
    assert!(calendar.is_day_off(ymd(2026, 2, 17)));
    assert!(calendar.is_day_off(ymd(2026, 2, 21)), "Saturday");
    assert!(!calendar.is_day_off(ymd(2026, 2, 23)));
    assert!(
        calendar.is_day_off(ymd(2150, 1, 1)),
        "outside the cached range"
    );
    assert!(!calendar.is_day_off(ymd(2150, 1, 2)));
}

#[test]
fn invalid_arrangements_are_rejected() {
    let mut conflicting = swap_2025();
    conflicting.working_days.push(ymd(2025, 5, 2));
    let error = HolidayCalendar::new(vec![conflicting]).unwrap_err();
    assert_eq!(error.code(), "invalid_arrangement");
    assert!(
        error
            .to_string()
            .contains("vừa là ngày nghỉ vừa là ngày làm việc")
    );

    let mut not_a_default = swap_2025();
    not_a_default.removed_defaults.push(ymd(2025, 3, 3));
    assert_eq!(
        HolidayCalendar::new(vec![not_a_default])
            .unwrap_err()
            .code(),
        "invalid_arrangement"
    );

    assert_eq!(
        HolidayCalendar::new(vec![swap_2025(), swap_2025()])
            .unwrap_err()
            .code(),
        "invalid_arrangement"
    );
}

#[test]
fn an_arrangement_is_checked_on_its_own() {
    assert_eq!(swap_2025().validate(), Ok(()));
    let reason = |arrangement: YearArrangement| {
        let error = arrangement.validate().unwrap_err();
        assert_eq!(error.code(), "invalid_arrangement");
        error.to_string()
    };
    let mut blank_number = swap_2025();
    blank_number.notice_number = "  ".into();
    assert!(reason(blank_number).contains("số hiệu"));

    let mut far_away = swap_2025();
    far_away.working_days.push(ymd(2027, 1, 2));
    assert!(reason(far_away).contains("2027-01-02"));
    let mut next_january = swap_2025();
    next_january.working_days.push(ymd(2026, 1, 3));
    assert_eq!(
        next_january.validate(),
        Ok(()),
        "a notice may reach into January"
    );

    let mut twice = swap_2025();
    twice.extra_days_off.push(DayOff {
        date: ymd(2025, 5, 2),
        name: "Lần nữa".into(),
    });
    assert!(reason(twice).contains("nhiều lần"));

    let mut unnamed = swap_2025();
    unnamed.extra_days_off[0].name = String::new();
    assert!(reason(unnamed).contains("chưa có tên"));

    let mut weekday = swap_2025();
    weekday.working_days.push(ymd(2025, 3, 4));
    assert!(reason(weekday).contains("vốn đã là ngày làm việc"));
    // A default holiday may be worked.
    let mut worked_holiday = swap_2025();
    worked_holiday.working_days.push(ymd(2025, 9, 1));
    assert_eq!(worked_holiday.validate(), Ok(()));

    let mut ancient = swap_2025();
    ancient.year = 1800;
    assert_eq!(ancient.validate().unwrap_err().code(), "date_out_of_range");
}

#[test]
fn supported_years() {
    use motcua_domain::calendar::check_year;
    assert_eq!(check_year(1900), Ok(1900));
    assert_eq!(check_year(2100), Ok(2100));
    for year in [1899, 2101, -5, i64::MAX] {
        let error = check_year(year).unwrap_err();
        assert_eq!(error.code(), "date_out_of_range");
        assert!(error.to_string().contains(&year.to_string()));
    }
}
