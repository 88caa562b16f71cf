//! Vietnamese lunisolar calendar, holidays, working time and statutory deadlines.
//!
//! Everything here is pure: no I/O, no clock. Instants are Vietnamese local
//! time (UTC+7, no daylight saving) as [`chrono::NaiveDateTime`]; use
//! [`to_vn_local`] / [`from_vn_local`] at the edges.
//!
//! - [`lunar`]: solar ↔ lunar conversion at UTC+7 (1900..=2100).
//! - [`holidays`]: Labour Code 2019 Art. 112 holidays, compensatory days, and
//!   the yearly arrangements an administrator layers over them.
//! - [`working_time`]: agency working hours with seasons; 1 working day = 480 minutes.
//! - [`deadline`]: receipt rules, due dates, pauses and remaining time.

pub mod deadline;
pub mod holidays;
pub mod lunar;
pub mod working_time;

pub use deadline::{
    Channel, DeadlineClock, Pause, add_working_days, add_working_time, counting_start, due_at,
    next_working_instant, remaining_minutes, working_minutes_between,
};
pub use holidays::{
    DayOff, Holiday, HolidayCalendar, HolidayKind, MAX_ARRANGEMENT_TEXT, YearArrangement,
    default_holidays,
};
pub use lunar::{
    LunarDate, MAX_SOLAR_DATE, MIN_SOLAR_DATE, leap_month, lunar_month_length, lunar_to_solar,
    solar_to_lunar, tet,
};
pub use working_time::{
    MonthDay, Season, Session, VN_OFFSET, WORKING_DAY_MINUTES, WorkingHours, WorkingHoursConfig,
    from_vn_local, to_vn_local, working_day_hours,
};

use chrono::{Datelike, NaiveDate};

/// A date as the API and forms take it, strictly: `YYYY-MM-DD` with two-digit month and day,
/// and a year from 1000 (callers with a narrower range check it themselves). `2026-2-3` and
/// `0000-01-01` are refused rather than guessed at.
pub fn parse_iso_date(raw: &str) -> Option<chrono::NaiveDate> {
    let raw = raw.trim();
    let b = raw.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return None;
    }
    // The shape is checked, so the digits read directly (chrono's own parser reads its
    // format string on every call, a cost forms with many dates feel).
    let number = |range: std::ops::Range<usize>| {
        b[range]
            .iter()
            .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
    };
    let year = number(0..4) as i32;
    let date = chrono::NaiveDate::from_ymd_opt(year, number(5..7), number(8..10))?;
    (year >= 1000).then_some(date)
}

/// serde's side of [`parse_iso_date`], for dates in request bodies and queries (chrono's own
/// deserialiser takes `2026-2-3` and `0000-01-01`): `#[serde(deserialize_with = …)]`.
pub mod strict_date {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, de::Error};

    fn parse<E: Error>(raw: &str) -> Result<NaiveDate, E> {
        super::parse_iso_date(raw).ok_or_else(|| {
            E::custom(format!(
                "ngày không hợp lệ: \"{raw}\" (dạng YYYY-MM-DD, năm từ 1000)"
            ))
        })
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        parse(&String::deserialize(d)?)
    }

    /// Absent, null or blank is None.
    pub fn option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(raw) if !raw.trim().is_empty() => parse(&raw).map(Some),
            _ => Ok(None),
        }
    }

    pub fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<NaiveDate>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|raw| parse(raw))
            .collect()
    }
}

/// The years the calendar supports (those of [`MIN_SOLAR_DATE`]..=[`MAX_SOLAR_DATE`]).
pub fn check_year(year: i64) -> Result<i32, CalendarError> {
    let range = i64::from(MIN_SOLAR_DATE.year())..=i64::from(MAX_SOLAR_DATE.year());
    if range.contains(&year) {
        Ok(year as i32)
    } else {
        Err(CalendarError::YearOutOfRange { year })
    }
}

/// Errors of the calendar module. [`CalendarError::code`] is stable for APIs;
/// `Display` gives a Vietnamese message for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("Ngày {date} nằm ngoài phạm vi lịch hỗ trợ (1900-01-01 đến 2100-12-31)")]
    DateOutOfRange { date: NaiveDate },
    #[error("Ngày âm lịch {date} nằm ngoài phạm vi lịch hỗ trợ (1900-01-01 đến 2100-12-31)")]
    LunarDateOutOfRange { date: LunarDate },
    #[error("Năm {year} nằm ngoài phạm vi lịch hỗ trợ (1900 đến 2100)")]
    YearOutOfRange { year: i64 },
    #[error("Ngày âm lịch không tồn tại: {date}")]
    InvalidLunarDate { date: LunarDate },
    #[error("Năm âm lịch {year} không có tháng {month} nhuận")]
    NoLeapMonth { year: i32, month: u8 },
    #[error("Cấu hình giờ làm việc không hợp lệ: {reason}")]
    InvalidWorkingHours { reason: String },
    #[error("Phương án nghỉ lễ năm {year} không hợp lệ: {reason}")]
    InvalidArrangement { year: i32, reason: String },
}

impl CalendarError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::DateOutOfRange { .. }
            | Self::LunarDateOutOfRange { .. }
            | Self::YearOutOfRange { .. } => "date_out_of_range",
            Self::InvalidLunarDate { .. } => "invalid_lunar_date",
            Self::NoLeapMonth { .. } => "no_leap_month",
            Self::InvalidWorkingHours { .. } => "invalid_working_hours",
            Self::InvalidArrangement { .. } => "invalid_arrangement",
        }
    }
}

/// [`parse_iso_date`], or the Vietnamese `DD/MM/YYYY` forms and spreadsheets use, as strictly.
pub fn parse_date_either(raw: &str) -> Option<chrono::NaiveDate> {
    let raw = raw.trim();
    parse_iso_date(raw).or_else(|| {
        let b = raw.as_bytes();
        (b.len() == 10 && b[2] == b'/' && b[5] == b'/')
            .then(|| chrono::NaiveDate::parse_from_str(raw, "%d/%m/%Y").ok())
            .flatten()
            .filter(|d| chrono::Datelike::year(d) >= 1000)
    })
}

#[cfg(test)]
mod parse_tests {
    use super::parse_iso_date;

    #[test]
    fn only_well_formed_dates_in_range() {
        assert_eq!(
            parse_iso_date(" 2026-02-03 "),
            chrono::NaiveDate::from_ymd_opt(2026, 2, 3)
        );
        for bad in [
            "2026-2-3",
            "0000-01-01",
            "2026-02-30",
            "26-02-03",
            "2026/02/03",
            "2026-02-03x",
            "+2026-02-03",
        ] {
            assert_eq!(parse_iso_date(bad), None, "{bad}");
        }
    }
}

#[cfg(test)]
mod strict_date_tests {
    use chrono::NaiveDate;

    #[derive(serde::Deserialize)]
    struct Body {
        #[serde(deserialize_with = "super::strict_date::deserialize")]
        on: NaiveDate,
        #[serde(default, deserialize_with = "super::strict_date::option")]
        until: Option<NaiveDate>,
        #[serde(default, deserialize_with = "super::strict_date::list")]
        days: Vec<NaiveDate>,
    }

    #[test]
    fn dates_in_bodies_take_one_shape() {
        let ok: Body =
            serde_json::from_str(r#"{"on":"2026-02-03","until":null,"days":["2026-12-31"]}"#)
                .unwrap();
        assert_eq!(ok.on, NaiveDate::from_ymd_opt(2026, 2, 3).unwrap());
        assert_eq!(ok.until, None);
        assert_eq!(ok.days.len(), 1);
        for bad in [
            r#"{"on":"2026-2-3"}"#,
            r#"{"on":"0000-01-01"}"#,
            r#"{"on":"2026-02-03","until":"2026-13-01"}"#,
            r#"{"on":"2026-02-03","days":["+2026-01-01"]}"#,
        ] {
            let err = serde_json::from_str::<Body>(bad).err().expect(bad);
            assert!(err.to_string().contains("YYYY-MM-DD"), "{err}");
        }
    }
}
