//! Public holidays (Labour Code 2019, Art. 112) and the yearly arrangements
//! the government announces on top of them.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::CalendarError;
use super::lunar::{LunarDate, lunar_to_solar};

/// Why a day is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayKind {
    /// A day named in Art. 112.
    Statutory,
    /// Replaces a statutory day that fell on a weekend.
    Compensatory,
    /// Declared by an administrator's yearly arrangement.
    Extra,
}

/// One day off.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name: String,
    pub kind: HolidayKind,
}

/// A day off declared by an arrangement.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DayOff {
    pub date: NaiveDate,
    pub name: String,
}

/// The government's (or province's) arrangement for one year, layered over
/// [`default_holidays`]: which days are added, which defaults are dropped
/// (e.g. when Tết days are chosen differently), and which weekend days are
/// worked in return. Dates apply wherever they fall, so a notice may also
/// cover days at the start of the next year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearArrangement {
    pub year: i32,
    /// Number of the notice, e.g. "6150/TB-BLĐTBXH".
    pub notice_number: String,
    pub notice_date: NaiveDate,
    #[serde(default)]
    pub extra_days_off: Vec<DayOff>,
    /// Days worked although they would be off (usually Saturdays worked in return).
    #[serde(default)]
    pub working_days: Vec<NaiveDate>,
    /// Default holidays (statutory or compensatory) that this arrangement cancels.
    #[serde(default)]
    pub removed_defaults: Vec<NaiveDate>,
}

/// Longest notice number or day-off name accepted.
pub const MAX_ARRANGEMENT_TEXT: usize = 200;

impl YearArrangement {
    /// Checks the arrangement on its own (conflicts with other years are
    /// checked by [`HolidayCalendar::new`]):
    /// - the year is supported and the notice number is given;
    /// - every date falls in `year` or the next one (a notice may reach into January);
    /// - no date is listed twice, every day off has a name;
    /// - a working day is a weekend day or a default holiday (otherwise it is already worked).
    pub fn validate(&self) -> Result<(), CalendarError> {
        super::check_year(i64::from(self.year))?;
        let invalid = |reason: String| CalendarError::InvalidArrangement {
            year: self.year,
            reason,
        };
        let number = self.notice_number.trim();
        if number.is_empty() {
            return Err(invalid("thiếu số hiệu văn bản thông báo".into()));
        }
        if number.chars().count() > MAX_ARRANGEMENT_TEXT {
            return Err(invalid("số hiệu văn bản quá dài".into()));
        }
        let lists: [Vec<NaiveDate>; 3] = [
            self.extra_days_off.iter().map(|day| day.date).collect(),
            self.working_days.clone(),
            self.removed_defaults.clone(),
        ];
        for list in lists {
            let mut seen = BTreeSet::new();
            for date in list {
                if date.year() != self.year && date.year() != self.year + 1 {
                    return Err(invalid(format!(
                        "ngày {date} không thuộc năm {} hoặc năm sau",
                        self.year
                    )));
                }
                if !seen.insert(date) {
                    return Err(invalid(format!("ngày {date} được khai nhiều lần")));
                }
            }
        }
        for day in &self.extra_days_off {
            let name = day.name.trim();
            if name.is_empty() {
                return Err(invalid(format!("ngày nghỉ {} chưa có tên", day.date)));
            }
            if name.chars().count() > MAX_ARRANGEMENT_TEXT {
                return Err(invalid(format!("tên ngày nghỉ {} quá dài", day.date)));
            }
        }
        for &date in &self.working_days {
            if !is_weekend(date) && !default_holidays(date.year()).iter().any(|h| h.date == date) {
                return Err(invalid(format!(
                    "ngày {date} vốn đã là ngày làm việc, không cần làm bù"
                )));
            }
        }
        Ok(())
    }
}

const NEW_YEAR: &str = "Tết Dương lịch";
const LUNAR_NEW_YEAR: &str = "Tết Nguyên Đán";
const HUNG_KINGS: &str = "Giỗ Tổ Hùng Vương";
const VICTORY_DAY: &str = "Ngày Chiến thắng";
const LABOUR_DAY: &str = "Ngày Quốc tế Lao động";
const NATIONAL_DAY: &str = "Quốc khánh";

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The holidays of `year` under Labour Code 2019 Art. 112, with compensatory days.
///
/// - Tết: the last day of the old lunar year and days 1–4 of the new one.
/// - Quốc khánh: 2/9 plus 1/9 as the adjacent day (the government picks 1/9
///   or 3/9 each year; 1/9 is the default, an arrangement can move it).
/// - A statutory day on Saturday or Sunday gives a compensatory day on the next
///   day that is neither weekend nor holiday.
///
/// Lunar-based days are omitted for years outside 1900..=2100.
/// The result is sorted by date.
pub fn default_holidays(year: i32) -> Vec<Holiday> {
    let mut statutory: Vec<(NaiveDate, &str)> = Vec::with_capacity(11);
    let solar = |month, day| NaiveDate::from_ymd_opt(year, month, day);
    let lunar = |month, day| lunar_to_solar(LunarDate::new(year, month, day)).ok();
    statutory.extend(solar(1, 1).map(|date| (date, NEW_YEAR)));
    if let Some(tet) = lunar(1, 1) {
        let new_year_eve = tet - Days::new(1);
        for offset in 0..5 {
            statutory.push((new_year_eve + Days::new(offset), LUNAR_NEW_YEAR));
        }
    }
    statutory.extend(lunar(3, 10).map(|date| (date, HUNG_KINGS)));
    statutory.extend(solar(4, 30).map(|date| (date, VICTORY_DAY)));
    statutory.extend(solar(5, 1).map(|date| (date, LABOUR_DAY)));
    statutory.extend(solar(9, 1).map(|date| (date, NATIONAL_DAY)));
    statutory.extend(solar(9, 2).map(|date| (date, NATIONAL_DAY)));
    statutory.sort_by_key(|&(date, _)| date);

    let mut taken: BTreeSet<NaiveDate> = statutory.iter().map(|&(date, _)| date).collect();
    let mut holidays: Vec<Holiday> = Vec::with_capacity(statutory.len() + 4);
    for &(date, name) in &statutory {
        holidays.push(Holiday {
            date,
            name: name.to_owned(),
            kind: HolidayKind::Statutory,
        });
        if is_weekend(date) {
            let mut day_off = date;
            while is_weekend(day_off) || taken.contains(&day_off) {
                day_off = day_off + Days::new(1);
            }
            taken.insert(day_off);
            holidays.push(Holiday {
                date: day_off,
                name: format!("Nghỉ bù {name}"),
                kind: HolidayKind::Compensatory,
            });
        }
    }
    holidays.sort_by_key(|holiday| holiday.date);
    holidays
}

/// Holidays and arrangements combined, answering "is this day off?" quickly.
///
/// Per-year bitsets are built lazily and cached for 1900..=2100 (computed
/// uncached outside). Weekends are Saturday and Sunday here; agencies with
/// other working weekdays use [`super::WorkingHours::is_working_day`].
#[derive(Debug, Clone)]
pub struct HolidayCalendar {
    arrangements: Vec<YearArrangement>,
    extra_days_off: BTreeMap<NaiveDate, String>,
    working_days: BTreeSet<NaiveDate>,
    removed_defaults: BTreeSet<NaiveDate>,
    cache: Box<[OnceLock<YearDays>]>,
}

const CACHED_FIRST_YEAR: i32 = 1900;
const CACHED_LAST_YEAR: i32 = 2100;

/// One bit per day of the year (ordinal 0..366).
type DayBits = [u64; 6];

fn bit(bits: &DayBits, ordinal0: u32) -> bool {
    bits[(ordinal0 / 64) as usize] & (1 << (ordinal0 % 64)) != 0
}

fn set_bit(bits: &mut DayBits, ordinal0: u32) {
    bits[(ordinal0 / 64) as usize] |= 1 << (ordinal0 % 64);
}

#[derive(Debug, Clone)]
struct YearDays {
    holidays: Vec<Holiday>,
    holiday_bits: DayBits,
    working_bits: DayBits,
}

impl Default for HolidayCalendar {
    /// Defaults only, no arrangements.
    fn default() -> Self {
        Self::new(Vec::new()).expect("no arrangements is valid")
    }
}

impl HolidayCalendar {
    /// Combines the default holidays with `arrangements` (at most one per year).
    ///
    /// A day that is both a day off and a working day in arrangements is an
    /// error, as is removing a date that is not a default holiday.
    pub fn new(mut arrangements: Vec<YearArrangement>) -> Result<Self, CalendarError> {
        arrangements.sort_by_key(|arrangement| arrangement.year);
        let mut extra_days_off = BTreeMap::new();
        let mut working_days = BTreeSet::new();
        let mut removed_defaults = BTreeSet::new();
        for (i, arrangement) in arrangements.iter().enumerate() {
            let invalid = |reason: String| CalendarError::InvalidArrangement {
                year: arrangement.year,
                reason,
            };
            if i > 0 && arrangements[i - 1].year == arrangement.year {
                return Err(invalid("có hơn một phương án cho cùng một năm".into()));
            }
            for day_off in &arrangement.extra_days_off {
                extra_days_off.insert(day_off.date, day_off.name.clone());
            }
            working_days.extend(arrangement.working_days.iter().copied());
            for &date in &arrangement.removed_defaults {
                if !default_holidays(date.year()).iter().any(|h| h.date == date) {
                    return Err(invalid(format!(
                        "ngày {date} không phải ngày nghỉ mặc định"
                    )));
                }
                removed_defaults.insert(date);
            }
        }
        if let Some(date) = working_days
            .iter()
            .find(|date| extra_days_off.contains_key(date))
        {
            return Err(CalendarError::InvalidArrangement {
                year: date.year(),
                reason: format!("ngày {date} vừa là ngày nghỉ vừa là ngày làm việc"),
            });
        }
        let years = (CACHED_LAST_YEAR - CACHED_FIRST_YEAR + 1) as usize;
        Ok(Self {
            arrangements,
            extra_days_off,
            working_days,
            removed_defaults,
            cache: (0..years).map(|_| OnceLock::new()).collect(),
        })
    }

    /// The arrangements, sorted by year.
    pub fn arrangements(&self) -> &[YearArrangement] {
        &self.arrangements
    }

    /// The arrangement for `year`, if any.
    pub fn arrangement(&self, year: i32) -> Option<&YearArrangement> {
        self.arrangements
            .binary_search_by_key(&year, |arrangement| arrangement.year)
            .ok()
            .map(|idx| &self.arrangements[idx])
    }

    /// Effective holidays of `year` (defaults minus removed, plus extra days off), by date.
    /// A holiday that an arrangement made a working day is still listed; see
    /// [`Self::is_made_working_day`].
    pub fn holidays(&self, year: i32) -> Vec<Holiday> {
        self.year_days(year).holidays.clone()
    }

    /// The holiday on `date`, if any.
    pub fn holiday(&self, date: NaiveDate) -> Option<Holiday> {
        let days = self.year_days(date.year());
        days.holidays.iter().find(|h| h.date == date).cloned()
    }

    /// Whether `date` is a holiday (statutory, compensatory or extra).
    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        bit(&self.year_days(date.year()).holiday_bits, date.ordinal0())
    }

    /// Whether an arrangement made `date` a working day.
    pub fn is_made_working_day(&self, date: NaiveDate) -> bool {
        bit(&self.year_days(date.year()).working_bits, date.ordinal0())
    }

    /// Weekend or holiday, unless an arrangement made it a working day.
    pub fn is_day_off(&self, date: NaiveDate) -> bool {
        let days = self.year_days(date.year());
        let ordinal0 = date.ordinal0();
        !bit(&days.working_bits, ordinal0)
            && (is_weekend(date) || bit(&days.holiday_bits, ordinal0))
    }

    /// `(is_holiday, is_made_working_day)` with one cache lookup, for hot loops.
    pub(crate) fn flags(&self, date: NaiveDate) -> (bool, bool) {
        let days = self.year_days(date.year());
        let ordinal0 = date.ordinal0();
        (
            bit(&days.holiday_bits, ordinal0),
            bit(&days.working_bits, ordinal0),
        )
    }

    fn year_days(&self, year: i32) -> Cow<'_, YearDays> {
        match usize::try_from(year - CACHED_FIRST_YEAR)
            .ok()
            .and_then(|idx| self.cache.get(idx))
        {
            Some(cell) => Cow::Borrowed(cell.get_or_init(|| self.compute_year(year))),
            None => Cow::Owned(self.compute_year(year)),
        }
    }

    fn compute_year(&self, year: i32) -> YearDays {
        let in_year = |date: &NaiveDate| date.year() == year;
        let mut holidays: Vec<Holiday> = default_holidays(year)
            .into_iter()
            .filter(|h| !self.removed_defaults.contains(&h.date))
            .collect();
        for (&date, name) in self.extra_days_off.iter().filter(|(date, _)| in_year(date)) {
            // An extra day off on a default holiday adds nothing.
            if !holidays.iter().any(|h| h.date == date) {
                holidays.push(Holiday {
                    date,
                    name: name.clone(),
                    kind: HolidayKind::Extra,
                });
            }
        }
        holidays.sort_by_key(|h| h.date);
        let mut holiday_bits = DayBits::default();
        for holiday in &holidays {
            set_bit(&mut holiday_bits, holiday.date.ordinal0());
        }
        let mut working_bits = DayBits::default();
        for date in self.working_days.iter().filter(|date| in_year(date)) {
            set_bit(&mut working_bits, date.ordinal0());
        }
        YearDays {
            holidays,
            holiday_bits,
            working_bits,
        }
    }
}
