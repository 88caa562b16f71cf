//! An agency's working hours: working weekdays and daily sessions, which may
//! change with the season.
//!
//! Working time is counted in real minutes along the sessions, and one
//! working day is defined as [`WORKING_DAY_MINUTES`] (8 h). When a season's
//! sessions do not add up to 8 h (say 7 h 30 in winter), a "working day" of
//! budget then spans more or less than one calendar day of sessions; this
//! keeps every duration additive and avoids rounding rules.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono::{Timelike, Weekday};
use serde::{Deserialize, Serialize};

use super::CalendarError;
use super::holidays::HolidayCalendar;

/// Vietnam's UTC offset (+07:00, no daylight saving since 1975).
pub const VN_OFFSET: FixedOffset = FixedOffset::east_opt(7 * 3600).unwrap();

/// Minutes in one working day of budget.
pub const WORKING_DAY_MINUTES: u32 = 8 * 60;

/// Hours in one working day of budget: always 8, whatever the sessions.
pub const fn working_day_hours() -> u32 {
    WORKING_DAY_MINUTES / 60
}

/// Vietnamese local time of an instant.
pub fn to_vn_local<Tz: TimeZone>(instant: &DateTime<Tz>) -> NaiveDateTime {
    instant.with_timezone(&VN_OFFSET).naive_local()
}

/// The instant of a Vietnamese local time.
pub fn from_vn_local(local: NaiveDateTime) -> DateTime<FixedOffset> {
    local
        .and_local_timezone(VN_OFFSET)
        .single()
        .expect("a fixed offset has exactly one mapping")
}

/// A working session within a day, `start < end` (no overnight sessions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Session {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Session {
    /// A session from `start_hour:start_minute` to `end_hour:end_minute`.
    ///
    /// # Panics
    /// If a time is not a valid time of day.
    pub fn hm(start_hour: u32, start_minute: u32, end_hour: u32, end_minute: u32) -> Self {
        let time = |hour, minute| NaiveTime::from_hms_opt(hour, minute, 0).expect("valid time");
        Self {
            start: time(start_hour, start_minute),
            end: time(end_hour, end_minute),
        }
    }
}

/// A calendar day of the year, without year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MonthDay {
    pub month: u8,
    pub day: u8,
}

impl MonthDay {
    pub const fn new(month: u8, day: u8) -> Self {
        Self { month, day }
    }
}

/// Sessions in force from `from` each year until the next season starts
/// (the last season of the year runs on into the next January).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Season {
    pub from: MonthDay,
    pub sessions: Vec<Session>,
}

/// The editable form of [`WorkingHours`] (what is stored and sent over APIs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingHoursConfig {
    /// Days of the week normally worked.
    pub weekdays: Vec<Weekday>,
    /// Sessions used when `seasons` is empty.
    pub sessions: Vec<Session>,
    /// Seasonal sessions; when present they replace `sessions` all year.
    #[serde(default)]
    pub seasons: Vec<Season>,
    /// A paper dossier received after this time counts from the next working day.
    #[serde(default = "default_paper_cutoff")]
    pub paper_cutoff: NaiveTime,
}

fn default_paper_cutoff() -> NaiveTime {
    NaiveTime::from_hms_opt(15, 0, 0).expect("valid time")
}

impl Default for WorkingHoursConfig {
    /// Monday to Friday, 07:00–11:30 and 13:30–17:00, paper cutoff 15:00.
    fn default() -> Self {
        Self {
            weekdays: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            sessions: vec![Session::hm(7, 0, 11, 30), Session::hm(13, 30, 17, 0)],
            seasons: Vec::new(),
            paper_cutoff: default_paper_cutoff(),
        }
    }
}

/// Validated working hours, ready for fast lookups. Build it from a
/// [`WorkingHoursConfig`] with `try_from`; serialises as that config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "WorkingHoursConfig", into = "WorkingHoursConfig")]
pub struct WorkingHours {
    config: WorkingHoursConfig,
    weekday_mask: u8,
    paper_cutoff_seconds: u32,
    schedules: Vec<DaySchedule>,
    /// Index into `schedules` for each (month - 1) * 31 + (day - 1).
    schedule_by_month_day: Vec<u8>,
}

/// A day's sessions as seconds from midnight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DaySchedule {
    pub(crate) sessions: Vec<(u32, u32)>,
    pub(crate) total_seconds: u32,
}

impl Default for WorkingHours {
    fn default() -> Self {
        Self::try_from(WorkingHoursConfig::default()).expect("default config is valid")
    }
}

impl From<WorkingHours> for WorkingHoursConfig {
    fn from(hours: WorkingHours) -> Self {
        hours.config
    }
}

impl TryFrom<WorkingHoursConfig> for WorkingHours {
    type Error = CalendarError;

    fn try_from(config: WorkingHoursConfig) -> Result<Self, CalendarError> {
        let invalid = |reason: &str| CalendarError::InvalidWorkingHours {
            reason: reason.to_owned(),
        };
        let weekday_mask = config
            .weekdays
            .iter()
            .fold(0_u8, |mask, day| mask | 1 << day.num_days_from_monday());
        if weekday_mask == 0 {
            return Err(invalid("không có ngày làm việc nào trong tuần"));
        }
        let mut schedules = Vec::new();
        let mut schedule_by_month_day = vec![0_u8; 12 * 31];
        if config.seasons.is_empty() {
            schedules.push(schedule(&config.sessions).map_err(invalid)?);
        } else {
            let mut seasons: Vec<&Season> = config.seasons.iter().collect();
            seasons.sort_by_key(|season| season.from);
            for (i, season) in seasons.iter().enumerate() {
                let MonthDay { month, day } = season.from;
                // 2000 is a leap year, so 29/2 is accepted.
                if NaiveDate::from_ymd_opt(2000, month.into(), day.into()).is_none() {
                    return Err(invalid("ngày bắt đầu mùa không hợp lệ"));
                }
                if i > 0 && seasons[i - 1].from == season.from {
                    return Err(invalid("hai mùa bắt đầu cùng một ngày"));
                }
                schedules.push(schedule(&season.sessions).map_err(invalid)?);
            }
            if schedules.len() > usize::from(u8::MAX) {
                return Err(invalid("quá nhiều mùa"));
            }
            for (slot, entry) in schedule_by_month_day.iter_mut().enumerate() {
                let month_day = MonthDay::new((slot / 31 + 1) as u8, (slot % 31 + 1) as u8);
                // The latest season started on or before this day, else the
                // last one of the previous year.
                let started = seasons.partition_point(|season| season.from <= month_day);
                *entry = (if started == 0 { seasons.len() } else { started } - 1) as u8;
            }
        }
        Ok(Self {
            weekday_mask,
            paper_cutoff_seconds: config.paper_cutoff.num_seconds_from_midnight(),
            schedules,
            schedule_by_month_day,
            config,
        })
    }
}

fn schedule(sessions: &[Session]) -> Result<DaySchedule, &'static str> {
    if sessions.is_empty() {
        return Err("không có buổi làm việc nào");
    }
    let mut seconds: Vec<(u32, u32)> = sessions
        .iter()
        .map(|s| {
            (
                s.start.num_seconds_from_midnight(),
                s.end.num_seconds_from_midnight(),
            )
        })
        .collect();
    seconds.sort_unstable();
    if seconds.iter().any(|&(start, end)| start >= end) {
        return Err("buổi làm việc phải kết thúc sau khi bắt đầu");
    }
    if seconds.windows(2).any(|pair| pair[0].1 > pair[1].0) {
        return Err("các buổi làm việc chồng lên nhau");
    }
    Ok(DaySchedule {
        total_seconds: seconds.iter().map(|&(start, end)| end - start).sum(),
        sessions: seconds,
    })
}

impl WorkingHours {
    /// The editable configuration.
    pub fn config(&self) -> &WorkingHoursConfig {
        &self.config
    }

    /// Cutoff after which a paper dossier counts from the next working day.
    pub fn paper_cutoff(&self) -> NaiveTime {
        self.config.paper_cutoff
    }

    pub(crate) fn paper_cutoff_seconds(&self) -> u32 {
        self.paper_cutoff_seconds
    }

    /// Whether the agency normally works on `weekday`.
    pub fn works_on(&self, weekday: Weekday) -> bool {
        self.weekday_mask & (1 << weekday.num_days_from_monday()) != 0
    }

    /// Sessions in force on `date` (whether or not it is a working day).
    pub fn sessions_on(&self, date: NaiveDate) -> Vec<Session> {
        self.schedule(date)
            .sessions
            .iter()
            .map(|&(start, end)| Session {
                start: time_of_seconds(start),
                end: time_of_seconds(end),
            })
            .collect()
    }

    /// Whether `date` is worked: a normal weekday that is not a holiday, or a
    /// day an arrangement made a working day (e.g. a Saturday worked in return).
    pub fn is_working_day(&self, date: NaiveDate, holidays: &HolidayCalendar) -> bool {
        let (is_holiday, made_working) = holidays.flags(date);
        made_working || (!is_holiday && self.works_on(date.weekday()))
    }

    /// Whether `instant` is inside a session of a working day (session end excluded).
    pub fn is_working_instant(&self, instant: NaiveDateTime, holidays: &HolidayCalendar) -> bool {
        let second = instant.time().num_seconds_from_midnight();
        self.is_working_day(instant.date(), holidays)
            && self
                .schedule(instant.date())
                .sessions
                .iter()
                .any(|&(start, end)| start <= second && second < end)
    }

    /// The working day's schedule, or `None` if `date` is not worked.
    pub(crate) fn working_schedule(
        &self,
        date: NaiveDate,
        holidays: &HolidayCalendar,
    ) -> Option<&DaySchedule> {
        self.is_working_day(date, holidays)
            .then(|| self.schedule(date))
    }

    fn schedule(&self, date: NaiveDate) -> &DaySchedule {
        let slot = (date.month0() * 31 + date.day0()) as usize;
        &self.schedules[usize::from(self.schedule_by_month_day[slot])]
    }
}

fn time_of_seconds(seconds: u32) -> NaiveTime {
    NaiveTime::from_num_seconds_from_midnight_opt(seconds, 0).expect("seconds within a day")
}
