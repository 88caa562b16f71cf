//! Months and the periods the index is reported for.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar month in Vietnamese local time, written `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QualityError {
    #[error("tháng không hợp lệ: {0:?} (dạng YYYY-MM)")]
    InvalidMonth(String),
    #[error("kỳ không hợp lệ: {0:?} (month, quarter hoặc year)")]
    InvalidPeriod(String),
    #[error("cấp không hợp lệ: {0:?} (agency, commune hoặc province)")]
    InvalidLevel(String),
    #[error("chỉ số không hợp lệ: {0:?}")]
    InvalidFigure(String),
}

impl QualityError {
    pub fn code(&self) -> &'static str {
        match self {
            QualityError::InvalidMonth(_) => "invalid_month",
            QualityError::InvalidPeriod(_) => "invalid_period",
            QualityError::InvalidLevel(_) => "invalid_level",
            QualityError::InvalidFigure(_) => "invalid_indicator",
        }
    }
}

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Month> {
        ((1..=12).contains(&month) && (1..=9999).contains(&year)).then_some(Month { year, month })
    }

    pub fn of(date: NaiveDate) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    /// `YYYY-MM`.
    pub fn parse(raw: &str) -> Result<Month, QualityError> {
        let bad = || QualityError::InvalidMonth(raw.to_owned());
        let (y, m) = raw.trim().split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        Month::new(year, month).ok_or_else(bad)
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    /// 1 to 4.
    pub fn quarter(self) -> u32 {
        (self.month - 1) / 3 + 1
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("a valid month")
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                month: self.month + 1,
                ..self
            }
        }
    }

    pub fn prev(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                month: self.month - 1,
                ..self
            }
        }
    }

    /// `count` months ending with this one, oldest first.
    pub fn trailing(self, count: usize) -> Vec<Month> {
        let mut months = Vec::with_capacity(count);
        let mut m = self;
        for _ in 0..count {
            months.push(m);
            m = m.prev();
        }
        months.reverse();
        months
    }

    /// "03/2026".
    pub fn label_vi(self) -> String {
        format!("{:02}/{}", self.month, self.year)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Month::parse(&raw).map_err(serde::de::Error::custom)
    }
}

pub(super) fn month_of(at: NaiveDateTime) -> Month {
    Month::of(at.date())
}

/// How long a period is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Month,
    Quarter,
    Year,
}

impl PeriodKind {
    pub const ALL: [PeriodKind; 3] = [PeriodKind::Month, PeriodKind::Quarter, PeriodKind::Year];

    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
            PeriodKind::Year => "year",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            PeriodKind::Month => "Tháng",
            PeriodKind::Quarter => "Quý",
            PeriodKind::Year => "Năm",
        }
    }

    pub fn parse(raw: &str) -> Result<PeriodKind, QualityError> {
        PeriodKind::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or_else(|| QualityError::InvalidPeriod(raw.to_owned()))
    }
}

/// A month, a quarter or a year: the one that contains `anchor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    pub kind: PeriodKind,
    pub anchor: Month,
}

impl Period {
    pub fn new(kind: PeriodKind, anchor: Month) -> Period {
        Period { kind, anchor }
    }

    pub fn first(self) -> Month {
        match self.kind {
            PeriodKind::Month => self.anchor,
            PeriodKind::Quarter => Month {
                year: self.anchor.year,
                month: (self.anchor.quarter() - 1) * 3 + 1,
            },
            PeriodKind::Year => Month {
                year: self.anchor.year,
                month: 1,
            },
        }
    }

    pub fn len(self) -> usize {
        match self.kind {
            PeriodKind::Month => 1,
            PeriodKind::Quarter => 3,
            PeriodKind::Year => 12,
        }
    }

    pub fn is_empty(self) -> bool {
        false
    }

    /// The months of the period, in order. Quarters and years are sums of months.
    pub fn months(self) -> Vec<Month> {
        let mut months = Vec::with_capacity(self.len());
        let mut m = self.first();
        for _ in 0..self.len() {
            months.push(m);
            m = m.next();
        }
        months
    }

    /// "Tháng 03/2026", "Quý I/2026", "Năm 2026".
    pub fn label_vi(self) -> String {
        match self.kind {
            PeriodKind::Month => format!("Tháng {}", self.anchor.label_vi()),
            PeriodKind::Quarter => {
                let roman = ["I", "II", "III", "IV"][(self.anchor.quarter() - 1) as usize];
                format!("Quý {roman}/{}", self.anchor.year)
            }
            PeriodKind::Year => format!("Năm {}", self.anchor.year),
        }
    }

    /// A stable key: `2026-03`, `2026-Q1`, `2026`.
    pub fn key(self) -> String {
        match self.kind {
            PeriodKind::Month => self.anchor.to_string(),
            PeriodKind::Quarter => format!("{}-Q{}", self.anchor.year, self.anchor.quarter()),
            PeriodKind::Year => self.anchor.year.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_quarters_and_years() {
        let m = Month::parse("2026-05").unwrap();
        assert_eq!(m.to_string(), "2026-05");
        assert_eq!(m.quarter(), 2);
        assert!(Month::parse("2026-13").is_err());
        assert!(Month::parse("2026-5").is_err());
        assert!(Month::parse("26-05").is_err());
        let q = Period::new(PeriodKind::Quarter, m);
        assert_eq!(
            q.months()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["2026-04", "2026-05", "2026-06"]
        );
        assert_eq!(q.label_vi(), "Quý II/2026");
        assert_eq!(q.key(), "2026-Q2");
        let y = Period::new(PeriodKind::Year, m);
        assert_eq!(y.months().len(), 12);
        assert_eq!(y.months()[0].to_string(), "2026-01");
        assert_eq!(y.label_vi(), "Năm 2026");
        assert_eq!(
            Period::new(PeriodKind::Month, m).label_vi(),
            "Tháng 05/2026"
        );
        let trail = Month::parse("2026-02").unwrap().trailing(3);
        assert_eq!(
            trail.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["2025-12", "2026-01", "2026-02"]
        );
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"2026-05\"".to_owned());
    }
}
