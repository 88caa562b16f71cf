//! The calendar services behind the API, the pages and the CLI: parsing what people
//! type into calendar values, due-date answers, and the cached holiday calendar.
//!
//! Every failure is an [`InputError`] with a stable code (the domain's
//! [`CalendarError::code`] where the domain decided) and a Vietnamese message.
//! The administrators' writes (each year's arrangement, an agency's working hours) are in
//! [`arrangements`] and [`hours`].

pub mod arrangements;
mod cache;
pub mod hours;

pub use arrangements::{
    ArrangementInput, DayOffInput, arrangement, arrangement_from, arrangements, save_arrangement,
};
pub use cache::{CalendarCache, holidays, load_holidays};
pub use hours::{agency_hours, hours_for};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, SubsecRound, Weekday};
use motcua_domain::calendar::{
    CalendarError, Channel, Holiday, HolidayCalendar, LunarDate, MAX_SOLAR_DATE, MIN_SOLAR_DATE,
    WORKING_DAY_MINUTES, WorkingHours, add_working_time, counting_start, from_vn_local,
    lunar_to_solar, solar_to_lunar, to_vn_local,
};
use serde::Serialize;

/// Most working days a due-date question may ask for (about four years).
pub const MAX_WORKING_DAYS: i64 = 1000;

/// Bad input, with a stable `code` for programs and a Vietnamese `detail` for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub code: &'static str,
    pub detail: String,
}

impl InputError {
    pub fn new(code: &'static str, detail: impl Into<String>) -> InputError {
        InputError {
            code,
            detail: detail.into(),
        }
    }
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for InputError {}

impl From<CalendarError> for InputError {
    fn from(err: CalendarError) -> InputError {
        InputError::new(err.code(), err.to_string())
    }
}

/// A solar date as `YYYY-MM-DD` (or `DD/MM/YYYY`, as written in Vietnam), within the
/// supported range.
pub fn parse_date(raw: &str) -> Result<NaiveDate, InputError> {
    let raw = raw.trim();
    // Strict shapes only: `2026-2-3` or `3/2/2026` are refused, not guessed at.
    let date = motcua_domain::calendar::parse_date_either(raw).ok_or_else(|| {
        InputError::new(
            "invalid_date",
            format!("Ngày không hợp lệ: \"{raw}\" (cần dạng YYYY-MM-DD, ví dụ 2026-02-17)."),
        )
    })?;
    check_date(date)?;
    Ok(date)
}

/// Refuses dates outside 1900-01-01..=2100-12-31.
pub fn check_date(date: NaiveDate) -> Result<NaiveDate, InputError> {
    if (MIN_SOLAR_DATE..=MAX_SOLAR_DATE).contains(&date) {
        Ok(date)
    } else {
        Err(CalendarError::DateOutOfRange { date }.into())
    }
}

/// An RFC 3339 instant (e.g. `2026-04-24T16:00:00+07:00`) as Vietnamese local time,
/// in whole seconds. A `+` that a query string turned into a space is put back.
pub fn parse_instant(raw: &str) -> Result<NaiveDateTime, InputError> {
    let raw = raw.trim();
    let parsed = DateTime::parse_from_rfc3339(raw).or_else(|err| {
        // "…T16:00:00 07:00": an unencoded `+` read as a space.
        match raw.rsplit_once(' ') {
            Some((head, tail)) if head.contains('T') => {
                DateTime::parse_from_rfc3339(&format!("{head}+{tail}"))
            }
            _ => Err(err),
        }
    });
    let instant = parsed.map_err(|_| {
        InputError::new(
            "invalid_date",
            format!(
                "Thời điểm không hợp lệ: \"{raw}\" (cần dạng RFC 3339, ví dụ 2026-04-24T16:00:00+07:00)."
            ),
        )
    })?;
    let local = to_vn_local(&instant).trunc_subsecs(0);
    check_date(local.date())?;
    Ok(local)
}

/// The lunar date of a solar date.
pub fn lunar_of(date: NaiveDate) -> Result<LunarDate, InputError> {
    Ok(solar_to_lunar(date)?)
}

/// The solar date of a lunar date given as numbers (which may be anything a person typed).
pub fn solar_of(year: i64, month: i64, day: i64, leap: bool) -> Result<NaiveDate, InputError> {
    let year = motcua_domain::calendar::check_year(year)?;
    let small = |n: i64| u8::try_from(n).unwrap_or(u8::MAX);
    let date = LunarDate {
        year,
        month: small(month),
        day: small(day),
        leap,
    };
    Ok(lunar_to_solar(date)?)
}

/// A supported year as typed (`invalid_year` when it is not a number).
pub fn parse_year(raw: &str) -> Result<i32, InputError> {
    let year = raw.trim().parse::<i64>().map_err(|_| {
        InputError::new(
            "invalid_year",
            format!("Năm không hợp lệ: \"{}\".", raw.trim()),
        )
    })?;
    check_year(year)
}

/// A supported year.
pub fn check_year(year: i64) -> Result<i32, InputError> {
    Ok(motcua_domain::calendar::check_year(year)?)
}

/// The working-time budget in minutes: exactly one of working days (8 h each) or
/// working hours, neither negative nor beyond [`MAX_WORKING_DAYS`].
pub fn budget_minutes(
    working_days: Option<i64>,
    working_hours: Option<i64>,
) -> Result<u32, InputError> {
    let invalid = |detail: &str| InputError::new("invalid_working_time", detail);
    let minutes = match (working_days, working_hours) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "Chỉ nhập một trong hai: số ngày làm việc hoặc số giờ làm việc.",
            ));
        }
        (None, None) => return Err(invalid("Cần nhập số ngày làm việc hoặc số giờ làm việc.")),
        (Some(n), None) | (None, Some(n)) if n < 0 => {
            return Err(invalid("Thời hạn không được là số âm."));
        }
        (Some(days), None) => days.checked_mul(i64::from(WORKING_DAY_MINUTES)),
        (None, Some(hours)) => hours.checked_mul(60),
    };
    match minutes {
        Some(m) if m <= MAX_WORKING_DAYS * i64::from(WORKING_DAY_MINUTES) => Ok(m as u32),
        _ => Err(invalid(&format!(
            "Thời hạn quá dài: tối đa {MAX_WORKING_DAYS} ngày làm việc."
        ))),
    }
}

/// `paper`, `online` or `postal` (also `giay`, `truc-tuyen`, `buu-chinh`).
pub fn parse_channel(raw: &str) -> Result<Channel, InputError> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "paper" | "giay" => Ok(Channel::Paper),
        "online" | "truc-tuyen" | "truc_tuyen" => Ok(Channel::Online),
        "postal" | "buu-chinh" | "buu_chinh" => Ok(Channel::Postal),
        other => Err(InputError::new(
            "invalid_channel",
            format!("Kênh tiếp nhận không hợp lệ: \"{other}\" (paper, online hoặc postal)."),
        )),
    }
}

/// The year's days off that fall on weekdays (holidays on a weekend are already off,
/// and a holiday an arrangement made a working day is not off).
pub fn weekday_days_off(holidays: &HolidayCalendar, year: i32) -> Vec<Holiday> {
    holidays
        .holidays(year)
        .into_iter()
        .filter(|h| !is_weekend(h.date) && !holidays.is_made_working_day(h.date))
        .collect()
}

pub fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// "Thứ Hai" … "Chủ Nhật".
pub fn weekday_vi(date: NaiveDate) -> &'static str {
    match date.weekday() {
        Weekday::Mon => "Thứ Hai",
        Weekday::Tue => "Thứ Ba",
        Weekday::Wed => "Thứ Tư",
        Weekday::Thu => "Thứ Năm",
        Weekday::Fri => "Thứ Sáu",
        Weekday::Sat => "Thứ Bảy",
        Weekday::Sun => "Chủ Nhật",
    }
}

pub fn holiday_kind_vi(kind: motcua_domain::calendar::HolidayKind) -> &'static str {
    use motcua_domain::calendar::HolidayKind;
    match kind {
        HolidayKind::Statutory => "Nghỉ lễ, Tết theo luật",
        HolidayKind::Compensatory => "Nghỉ bù",
        HolidayKind::Extra => "Nghỉ theo thông báo",
    }
}

/// A due-date question in domain terms.
#[derive(Debug, Clone, Copy)]
pub struct DueQuestion {
    /// When the dossier was received (or counting starts), Vietnamese local time.
    pub from: NaiveDateTime,
    pub budget_minutes: u32,
    /// With a channel, the receipt rule decides when counting starts.
    pub channel: Option<Channel>,
}

/// A due-date answer.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DueAnswer {
    /// When the time limit ends (+07:00).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime, example = "2026-05-04T17:00:00+07:00"))]
    pub due_at: DateTime<FixedOffset>,
    /// When counting started: after the receipt rule when a channel was given, else `from`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime, example = "2026-04-28T07:00:00+07:00"))]
    pub counting_from: DateTime<FixedOffset>,
    /// The time limit in working minutes (one working day is 480).
    pub budget_minutes: u32,
    /// The channel whose receipt rule was applied, if any.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "paper"))]
    pub channel: Option<&'static str>,
    /// The agency whose working hours were used; none for the default hours.
    pub agency_code: Option<String>,
}

/// Answers a due-date question; the answer must stay within the supported range.
pub fn compute_due(
    question: DueQuestion,
    hours: &WorkingHours,
    holidays: &HolidayCalendar,
    agency_code: Option<String>,
) -> Result<DueAnswer, InputError> {
    let start = match question.channel {
        Some(channel) => counting_start(question.from, channel, hours, holidays),
        None => question.from,
    };
    let due = add_working_time(start, question.budget_minutes, hours, holidays);
    check_date(due.date())?;
    Ok(DueAnswer {
        due_at: from_vn_local(due),
        counting_from: from_vn_local(start),
        budget_minutes: question.budget_minutes,
        channel: question.channel.map(Channel::as_str),
        agency_code,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_in_any_offset_become_vietnamese_time() {
        let local = |s: &str| parse_instant(s).unwrap().to_string();
        assert_eq!(local("2026-04-24T16:00:00+07:00"), "2026-04-24 16:00:00");
        assert_eq!(local("2026-04-24T09:00:00Z"), "2026-04-24 16:00:00");
        assert_eq!(local("2026-04-24T16:00:00.75 07:00"), "2026-04-24 16:00:00");
        for bad in ["2026-04-24", "2026-02-30T10:00:00+07:00", "hôm nay", ""] {
            assert_eq!(
                parse_instant(bad).unwrap_err().code,
                "invalid_date",
                "{bad}"
            );
        }
        assert_eq!(
            parse_instant("2150-01-01T10:00:00+07:00").unwrap_err().code,
            "date_out_of_range"
        );
    }

    #[test]
    fn dates_budgets_and_channels() {
        assert_eq!(
            parse_date("17/02/2026"),
            Ok(NaiveDate::from_ymd_opt(2026, 2, 17).unwrap())
        );
        assert_eq!(parse_date("2026-02-30").unwrap_err().code, "invalid_date");
        assert_eq!(
            parse_date("1899-12-31").unwrap_err().code,
            "date_out_of_range"
        );
        assert_eq!(budget_minutes(Some(3), None), Ok(1440));
        assert_eq!(budget_minutes(None, Some(4)), Ok(240));
        assert_eq!(budget_minutes(None, Some(0)), Ok(0));
        for (days, hours) in [
            (Some(-1), None),
            (None, Some(-8)),
            (Some(1), Some(1)),
            (None, None),
            (Some(MAX_WORKING_DAYS + 1), None),
            (Some(i64::MAX), None),
        ] {
            assert_eq!(
                budget_minutes(days, hours).unwrap_err().code,
                "invalid_working_time",
                "{days:?} {hours:?}"
            );
        }
        assert_eq!(parse_channel("Online"), Ok(Channel::Online));
        assert_eq!(parse_channel("fax").unwrap_err().code, "invalid_channel");
        assert_eq!(
            solar_of(2026, 1, 1, true).unwrap_err().code,
            "no_leap_month"
        );
        assert_eq!(
            solar_of(2026, 13, 1, false).unwrap_err().code,
            "invalid_lunar_date"
        );
        assert_eq!(
            solar_of(2026, 300, 1, false).unwrap_err().code,
            "invalid_lunar_date"
        );
        assert_eq!(
            solar_of(1800, 1, 1, false).unwrap_err().code,
            "date_out_of_range"
        );
    }
}
