//! Statutory time limits: when counting starts, when a dossier is due, and
//! how much working time is left.
//!
//! Conventions (all instants are Vietnamese local time, truncated to whole seconds):
//! - Sessions are closed intervals for *ending* and half-open for *starting*:
//!   a due time that uses up a session exactly is that session's end (17:00,
//!   not 07:00 next morning), and adding time to a session end continues in
//!   the next session. This makes `add(add(t, a), b) == add(t, a + b)`.
//! - `add_working_time(t, 0)` is `t` when `t` is inside a session or at its
//!   end, otherwise the start of the next session.

use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde::{Deserialize, Serialize};

use super::holidays::HolidayCalendar;
use super::working_time::{WORKING_DAY_MINUTES, WorkingHours};

/// How a dossier reached the agency (Decree 118/2025 channels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// In person, on paper.
    Paper,
    /// Through the online public service portal.
    Online,
    /// By public postal service: a paper dossier, so the paper cutoff applies.
    Postal,
}

impl Channel {
    /// The name stored and sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Paper => "paper",
            Channel::Online => "online",
            Channel::Postal => "postal",
        }
    }

    /// The Vietnamese label forms and pages show.
    pub fn label_vi(self) -> &'static str {
        match self {
            Channel::Paper => "Trực tiếp (hồ sơ giấy)",
            Channel::Online => "Trực tuyến",
            Channel::Postal => "Qua bưu chính công ích",
        }
    }
}

/// A period during which the clock stops (e.g. waiting for the applicant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pause {
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
}

impl From<(NaiveDateTime, NaiveDateTime)> for Pause {
    fn from((from, to): (NaiveDateTime, NaiveDateTime)) -> Self {
        Self { from, to }
    }
}

const SECONDS_PER_DAY: u32 = 86_400;

fn split(instant: NaiveDateTime) -> (NaiveDate, u32) {
    (instant.date(), instant.time().num_seconds_from_midnight())
}

fn join(date: NaiveDate, second: u32) -> NaiveDateTime {
    date.and_time(NaiveTime::from_num_seconds_from_midnight_opt(second, 0).expect("within a day"))
}

fn next_day(date: NaiveDate) -> NaiveDate {
    date + Days::new(1)
}

/// Moves forward through `seconds` of working time from `start` (see module conventions).
fn add_seconds(
    start: NaiveDateTime,
    seconds: u64,
    hours: &WorkingHours,
    holidays: &HolidayCalendar,
) -> NaiveDateTime {
    let (mut date, mut from_second) = split(start);
    let mut left = seconds;
    loop {
        if let Some(schedule) = hours.working_schedule(date, holidays) {
            let whole_day = from_second <= schedule.sessions[0].0;
            if whole_day && left > u64::from(schedule.total_seconds) {
                left -= u64::from(schedule.total_seconds);
            } else {
                for &(start, end) in &schedule.sessions {
                    if from_second > end {
                        continue;
                    }
                    let begin = from_second.max(start);
                    let available = u64::from(end - begin);
                    if left <= available {
                        return join(date, begin + left as u32);
                    }
                    left -= available;
                }
            }
        }
        date = next_day(date);
        from_second = 0;
    }
}

/// Working seconds in `[from, to]` (zero if `to <= from`).
fn working_seconds_between(
    from: NaiveDateTime,
    to: NaiveDateTime,
    hours: &WorkingHours,
    holidays: &HolidayCalendar,
) -> u64 {
    if to <= from {
        return 0;
    }
    let (mut date, mut from_second) = split(from);
    let (last_date, last_second) = split(to);
    let mut total = 0_u64;
    while date <= last_date {
        let until = if date == last_date {
            last_second
        } else {
            SECONDS_PER_DAY
        };
        if let Some(schedule) = hours.working_schedule(date, holidays) {
            total += schedule
                .sessions
                .iter()
                .map(|&(start, end)| {
                    u64::from(end.min(until).saturating_sub(start.max(from_second)))
                })
                .sum::<u64>();
        }
        date = next_day(date);
        from_second = 0;
    }
    total
}

/// The instant `minutes` of working time after `start`: the end of the last
/// working minute, so possibly a session end such as 17:00.
/// Adding 0 normalises `start` (see module conventions).
pub fn add_working_time(
    start: NaiveDateTime,
    minutes: u32,
    hours: &WorkingHours,
    holidays: &HolidayCalendar,
) -> NaiveDateTime {
    add_seconds(start, u64::from(minutes) * 60, hours, holidays)
}

/// [`add_working_time`] with whole working days of 8 hours.
pub fn add_working_days(
    start: NaiveDateTime,
    days: u32,
    hours: &WorkingHours,
    holidays: &HolidayCalendar,
) -> NaiveDateTime {
    add_seconds(
        start,
        u64::from(days) * u64::from(WORKING_DAY_MINUTES) * 60,
        hours,
        holidays,
    )
}

/// The first instant at or after `instant` at which working time accrues
/// (a session end moves on to the next session's start).
pub fn next_working_instant(
    instant: NaiveDateTime,
    hours: &WorkingHours,
    holidays: &HolidayCalendar,
) -> NaiveDateTime {
    let (mut date, mut from_second) = split(instant);
    loop {
        if let Some(schedule) = hours.working_schedule(date, holidays)
            && let Some(&(start, _)) = schedule
                .sessions
                .iter()
                .find(|&&(_, end)| from_second < end)
        {
            return join(date, from_second.max(start));
        }
        date = next_day(date);
        from_second = 0;
    }
}

/// Working minutes between two instants, negative when `to` is before `from`.
/// Partial minutes are rounded down.
pub fn working_minutes_between(
    from: NaiveDateTime,
    to: NaiveDateTime,
    hours: &WorkingHours,
    holidays: &HolidayCalendar,
) -> i64 {
    if to < from {
        -working_minutes_between(to, from, hours, holidays)
    } else {
        (working_seconds_between(from, to, hours, holidays) / 60) as i64
    }
}

/// When the time limit starts counting for a dossier received at `received_at`.
///
/// - Paper and postal: received after the paper cutoff (default 15:00, see
///   [`WorkingHours::paper_cutoff`]) → the start of the next working day;
///   otherwise the next working instant (immediately when inside a session).
///   Exactly at the cutoff still counts as before it.
/// - Online: the next working instant.
pub fn counting_start(
    received_at: NaiveDateTime,
    channel: Channel,
    hours: &WorkingHours,
    holidays: &HolidayCalendar,
) -> NaiveDateTime {
    let (date, second) = split(received_at);
    let after_cutoff = second > hours.paper_cutoff_seconds();
    match channel {
        Channel::Paper | Channel::Postal if after_cutoff => {
            next_working_instant(join(next_day(date), 0), hours, holidays)
        }
        Channel::Paper | Channel::Postal | Channel::Online => {
            next_working_instant(received_at, hours, holidays)
        }
    }
}

/// Sorted, non-overlapping pauses, ignoring empty or inverted ones.
fn merge_pauses(pauses: &[Pause]) -> Vec<Pause> {
    let mut sorted: Vec<Pause> = pauses.iter().copied().filter(|p| p.from < p.to).collect();
    sorted.sort_by_key(|p| p.from);
    let mut merged: Vec<Pause> = Vec::with_capacity(sorted.len());
    for pause in sorted {
        match merged.last_mut() {
            Some(last) if pause.from <= last.to => last.to = last.to.max(pause.to),
            _ => merged.push(pause),
        }
    }
    merged
}

/// The due time of `budget_minutes` of working time counted from `start`,
/// not counting working time inside `pauses`.
///
/// When a supplemented dossier comes back complete the time limit restarts
/// from zero: call this again with the new counting start and no earlier
/// pauses (or use [`DeadlineClock::restart_at`]).
pub fn due_at(
    start: NaiveDateTime,
    budget_minutes: u32,
    pauses: &[Pause],
    hours: &WorkingHours,
    holidays: &HolidayCalendar,
) -> NaiveDateTime {
    let mut cursor = start;
    let mut left = u64::from(budget_minutes) * 60;
    for pause in merge_pauses(pauses) {
        if pause.to <= cursor {
            continue;
        }
        if pause.from > cursor {
            let due = add_seconds(cursor, left, hours, holidays);
            if due <= pause.from {
                return due;
            }
            left -= working_seconds_between(cursor, pause.from, hours, holidays);
        }
        cursor = pause.to;
    }
    add_seconds(cursor, left, hours, holidays)
}

/// Working minutes left at `now` (negative once overdue), not counting pauses.
///
/// Only working time counts, so just after a 17:00 due time the result is
/// still 0 until the next session starts; compare instants with
/// [`due_at`] to decide lateness.
pub fn remaining_minutes(
    now: NaiveDateTime,
    start: NaiveDateTime,
    budget_minutes: u32,
    pauses: &[Pause],
    hours: &WorkingHours,
    holidays: &HolidayCalendar,
) -> i64 {
    let mut used = working_seconds_between(start, now, hours, holidays) as i64;
    for pause in merge_pauses(pauses) {
        let from = pause.from.max(start);
        let to = pause.to.min(now);
        used -= working_seconds_between(from, to, hours, holidays) as i64;
    }
    (i64::from(budget_minutes) * 60 - used).div_euclid(60)
}

/// The running time limit of one dossier, as stored data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineClock {
    /// When counting started (see [`counting_start`]).
    pub start: NaiveDateTime,
    pub budget_minutes: u32,
    /// Finished pauses.
    #[serde(default)]
    pub pauses: Vec<Pause>,
    /// Start of a pause still running, if any.
    #[serde(default)]
    pub paused_since: Option<NaiveDateTime>,
}

impl DeadlineClock {
    pub fn new(start: NaiveDateTime, budget_minutes: u32) -> Self {
        Self {
            start,
            budget_minutes,
            pauses: Vec::new(),
            paused_since: None,
        }
    }

    /// A clock of whole 8-hour working days.
    pub fn with_working_days(start: NaiveDateTime, days: u32) -> Self {
        Self::new(start, days.saturating_mul(WORKING_DAY_MINUTES))
    }

    /// Stops the clock at `at` (no effect if already paused).
    pub fn pause_at(&mut self, at: NaiveDateTime) {
        self.paused_since.get_or_insert(at);
    }

    /// Restarts a paused clock at `at` (no effect if not paused).
    pub fn resume_at(&mut self, at: NaiveDateTime) {
        if let Some(from) = self.paused_since.take() {
            self.pauses.push(Pause { from, to: at });
        }
    }

    /// Starts the time limit again from zero, e.g. when the complete dossier
    /// arrives after a supplement request; `start` should come from [`counting_start`].
    pub fn restart_at(&mut self, start: NaiveDateTime) {
        self.start = start;
        self.pauses.clear();
        self.paused_since = None;
    }

    pub fn is_paused(&self) -> bool {
        self.paused_since.is_some()
    }

    /// The due time, or `None` while paused before reaching it (it is not known yet).
    pub fn due_at(
        &self,
        hours: &WorkingHours,
        holidays: &HolidayCalendar,
    ) -> Option<NaiveDateTime> {
        let due = due_at(
            self.start,
            self.budget_minutes,
            &self.pauses,
            hours,
            holidays,
        );
        match self.paused_since {
            Some(paused_since) if paused_since < due => None,
            _ => Some(due),
        }
    }

    /// Working minutes left at `now` (negative once overdue); a running pause counts up to `now`.
    pub fn remaining_minutes(
        &self,
        now: NaiveDateTime,
        hours: &WorkingHours,
        holidays: &HolidayCalendar,
    ) -> i64 {
        let mut pauses = self.pauses.clone();
        if let Some(from) = self.paused_since {
            pauses.push(Pause { from, to: now });
        }
        remaining_minutes(
            now,
            self.start,
            self.budget_minutes,
            &pauses,
            hours,
            holidays,
        )
    }

    /// Whether `now` is past the due time (never while paused before reaching it).
    pub fn is_overdue(
        &self,
        now: NaiveDateTime,
        hours: &WorkingHours,
        holidays: &HolidayCalendar,
    ) -> bool {
        self.due_at(hours, holidays).is_some_and(|due| now > due)
    }
}
