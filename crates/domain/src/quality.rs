//! The service-quality index of Decision 766/QĐ-TTg (2022): six groups, 100 points
//! (DOMAIN.md §6), scored from counters that motcua keeps per agency, month and procedure.
//!
//! Three parts, all pure:
//! - [`facts_of`]: what one dossier, as it stands, contributes to the counters, and under
//!   which (agency, month) keys. The store adds `facts_of(after) − facts_of(before)` in the
//!   transaction of every dossier change, and a recount sums `facts_of` over every dossier:
//!   the two agree by construction.
//! - [`Indicator`]: the groups' indicators with their maximum points and thresholds.
//!   Below its threshold an indicator scores `rate × maximum ÷ threshold`
//!   ([`score`]); at or above it, the maximum.
//! - [`evaluate`]: a scorecard from the counters of a scope and period and the catalogue
//!   facts of that scope. An indicator whose data motcua does not hold is reported as
//!   "không có dữ liệu" and left out of the denominator (its maximum is still shown);
//!   nothing is ever guessed.
//!
//! The group totals are those of the decision. The split of a group's points among its
//! indicators, and how an indicator is read from motcua's data, are motcua's own reading
//! (documented on each indicator) until checked against the decision's annex.
//!
//! Rules used for progress (DOMAIN.md §4 and §6):
//! - a dossier finished (result or refusal after appraisal) on or before its appointment
//!   date is on time. The appointment date is the one on the receipt slip: a supplement
//!   restarts the time limit (the applicant's supplementing time does not count), while an
//!   apology letter's new date does not turn a late dossier into an on-time one;
//! - a dossier with more than one supplement request counts as late.

use crate::dossier::{Dossier, DossierState};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::fmt;

// ------------------------------------------------------------------------------ months

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

fn month_of(at: NaiveDateTime) -> Month {
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

// ---------------------------------------------------------------------------- counters

macro_rules! counters {
    ($($(#[$meta:meta])* $field:ident),+ $(,)?) => {
        /// What the index counts, per agency, month and procedure. Every field is a count of
        /// dossiers except the minute and rating sums.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
        pub struct Counters {
            $($(#[$meta])* pub $field: i64,)+
        }

        impl Counters {
            /// The field names, which are also the aggregate table's column names.
            pub const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),+];

            pub fn values(&self) -> Vec<i64> {
                vec![$(self.$field),+]
            }

            /// From values in [`Counters::COLUMNS`] order; missing values are zero.
            pub fn from_values(values: &[i64]) -> Counters {
                let mut it = values.iter().copied();
                Counters { $($field: it.next().unwrap_or(0),)+ }
            }

            pub fn add(&mut self, other: &Counters) {
                $(self.$field += other.$field;)+
            }

            pub fn sub(&mut self, other: &Counters) {
                $(self.$field -= other.$field;)+
            }

            pub fn is_zero(&self) -> bool {
                true $(&& self.$field == 0)+
            }
        }
    };
}

counters!(
    /// Received (accepted with a receipt slip), by the receiving agency, in the month of receipt.
    received,
    /// Of those, submitted online.
    received_online,
    /// Decided (a result, or a refusal after appraisal), by the handling agency, in the month decided.
    finished,
    /// Of those, on or before the appointment date with at most one supplement request.
    on_time,
    /// Of those, late: after the appointment date, or more than one supplement request.
    late,
    /// Of those, with more than one supplement request.
    multi_supplement,
    /// Of those, with a result (not a refusal).
    with_result,
    /// Of those, with an electronic result.
    electronic_result,
    /// Calendar minutes from the start of counting to the decision, summed over decided dossiers.
    time_used_minutes,
    /// Calendar minutes from the start of counting to the appointment date, summed likewise.
    time_allowed_minutes,
    /// Decided dossiers whose result or refusal has been handed back.
    returned,
    /// Decided dossiers the applicant rated.
    rated,
    /// Sum of the ratings' averages (0 to 2) in thousandths.
    rating_milli,
    /// Rated below 1 on average ("không hài lòng").
    disliked,
    /// Received dossiers asked to pay a financial obligation.
    fee_requested,
    /// Of those, paid in full.
    paid,
    /// Of those, paid online. motcua does not record how a payment was made yet: always 0.
    paid_online,
    /// Received dossiers digitised (Circular 01/2023). Filled once digitisation data exists.
    digitised,
    /// Received dossiers that reused digitised data. Filled once that data exists.
    reused,
);

impl Counters {
    pub fn get(&self, figure: Figure) -> i64 {
        match figure {
            Figure::Received => self.received,
            Figure::ReceivedOnline => self.received_online,
            Figure::Finished => self.finished,
            Figure::OnTime => self.on_time,
            Figure::Late => self.late,
            Figure::MultiSupplement => self.multi_supplement,
            Figure::WithResult => self.with_result,
            Figure::ElectronicResult => self.electronic_result,
            Figure::Returned => self.returned,
            Figure::Rated => self.rated,
            Figure::Disliked => self.disliked,
            Figure::FeeRequested => self.fee_requested,
            Figure::Paid => self.paid,
        }
    }

    /// The mean rating (0 to 2) of rated dossiers.
    pub fn mean_rating(&self) -> Option<f64> {
        (self.rated > 0).then(|| self.rating_milli as f64 / 1000.0 / self.rated as f64)
    }
}

/// Bits of a dossier's facts: which counters it adds one to.
pub mod flag {
    pub const RECEIVED: i64 = 1;
    pub const RECEIVED_ONLINE: i64 = 1 << 1;
    pub const FINISHED: i64 = 1 << 2;
    pub const ON_TIME: i64 = 1 << 3;
    pub const LATE: i64 = 1 << 4;
    pub const MULTI_SUPPLEMENT: i64 = 1 << 5;
    pub const WITH_RESULT: i64 = 1 << 6;
    pub const ELECTRONIC_RESULT: i64 = 1 << 7;
    pub const RETURNED: i64 = 1 << 8;
    pub const RATED: i64 = 1 << 9;
    pub const DISLIKED: i64 = 1 << 10;
    pub const FEE_REQUESTED: i64 = 1 << 11;
    pub const PAID: i64 = 1 << 12;
    pub const PAID_ONLINE: i64 = 1 << 13;
    pub const DIGITISED: i64 = 1 << 14;
    pub const REUSED: i64 = 1 << 15;
}

/// Which date and agency a figure is counted under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The receiving agency, the month of receipt.
    Received,
    /// The handling agency, the month of the decision.
    Finished,
}

/// A figure on the dashboard that can be drilled down to its dossiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    Received,
    ReceivedOnline,
    Finished,
    OnTime,
    Late,
    MultiSupplement,
    WithResult,
    ElectronicResult,
    Returned,
    Rated,
    Disliked,
    FeeRequested,
    Paid,
}

impl Figure {
    pub const ALL: [Figure; 13] = [
        Figure::Received,
        Figure::ReceivedOnline,
        Figure::Finished,
        Figure::OnTime,
        Figure::Late,
        Figure::MultiSupplement,
        Figure::WithResult,
        Figure::ElectronicResult,
        Figure::Returned,
        Figure::Rated,
        Figure::Disliked,
        Figure::FeeRequested,
        Figure::Paid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Figure::Received => "received",
            Figure::ReceivedOnline => "received_online",
            Figure::Finished => "finished",
            Figure::OnTime => "on_time",
            Figure::Late => "late",
            Figure::MultiSupplement => "multi_supplement",
            Figure::WithResult => "with_result",
            Figure::ElectronicResult => "electronic_result",
            Figure::Returned => "returned",
            Figure::Rated => "rated",
            Figure::Disliked => "disliked",
            Figure::FeeRequested => "fee_requested",
            Figure::Paid => "paid",
        }
    }

    pub fn parse(raw: &str) -> Result<Figure, QualityError> {
        Figure::ALL
            .into_iter()
            .find(|f| f.as_str() == raw.trim())
            .ok_or_else(|| QualityError::InvalidFigure(raw.to_owned()))
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Figure::Received => "Hồ sơ tiếp nhận",
            Figure::ReceivedOnline => "Tiếp nhận trực tuyến",
            Figure::Finished => "Hồ sơ đã giải quyết",
            Figure::OnTime => "Giải quyết đúng hạn",
            Figure::Late => "Giải quyết quá hạn",
            Figure::MultiSupplement => "Yêu cầu bổ sung quá một lần",
            Figure::WithResult => "Có kết quả",
            Figure::ElectronicResult => "Có kết quả điện tử",
            Figure::Returned => "Đã trả kết quả",
            Figure::Rated => "Được đánh giá",
            Figure::Disliked => "Không hài lòng",
            Figure::FeeRequested => "Có nghĩa vụ tài chính",
            Figure::Paid => "Đã nộp đủ nghĩa vụ tài chính",
        }
    }

    pub fn flag(self) -> i64 {
        match self {
            Figure::Received => flag::RECEIVED,
            Figure::ReceivedOnline => flag::RECEIVED_ONLINE,
            Figure::Finished => flag::FINISHED,
            Figure::OnTime => flag::ON_TIME,
            Figure::Late => flag::LATE,
            Figure::MultiSupplement => flag::MULTI_SUPPLEMENT,
            Figure::WithResult => flag::WITH_RESULT,
            Figure::ElectronicResult => flag::ELECTRONIC_RESULT,
            Figure::Returned => flag::RETURNED,
            Figure::Rated => flag::RATED,
            Figure::Disliked => flag::DISLIKED,
            Figure::FeeRequested => flag::FEE_REQUESTED,
            Figure::Paid => flag::PAID,
        }
    }

    pub fn side(self) -> Side {
        match self {
            Figure::Received | Figure::ReceivedOnline | Figure::FeeRequested | Figure::Paid => {
                Side::Received
            }
            _ => Side::Finished,
        }
    }
}

// ------------------------------------------------------------------------------- facts

/// What one dossier, as it stands, counts for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierFacts {
    pub receiving_agency: String,
    pub handling_agency: String,
    /// Set once received: receipt-side figures count here, under the receiving agency.
    pub received_month: Option<Month>,
    /// Set once decided: decision-side figures count here, under the handling agency.
    pub finished_month: Option<Month>,
    /// [`flag`] bits.
    pub flags: i64,
    pub time_used_minutes: i64,
    pub time_allowed_minutes: i64,
    pub rating_milli: i64,
}

/// The appointment date the index judges against: the receipt slip's (restarted after a
/// supplement), not the new date of an apology letter.
pub fn appointment(d: &Dossier) -> Option<NaiveDateTime> {
    d.apology.as_ref().map(|a| a.previous_due).or(d.due_at)
}

/// Decided with a result or a refusal after appraisal (and maybe handed back since).
fn is_decided(d: &Dossier) -> bool {
    d.finished_at.is_some()
        && match d.state {
            DossierState::Finished | DossierState::Refused => true,
            // Returned follows Finished or Refused only.
            DossierState::Returned => true,
            _ => false,
        }
}

/// A rating below this mean (on the 0–2 scale) counts as "không hài lòng".
pub const DISLIKE_BELOW: f64 = 1.0;

/// What `d` counts for now; None if nothing yet (not received, not decided).
pub fn facts_of(d: &Dossier) -> Option<DossierFacts> {
    let mut flags = 0;
    let received_month = d.received_at.map(month_of);
    if received_month.is_some() {
        flags |= flag::RECEIVED;
        if d.channel == crate::calendar::Channel::Online {
            flags |= flag::RECEIVED_ONLINE;
        }
        if d.fee_requested_vnd > 0 {
            flags |= flag::FEE_REQUESTED;
            if d.paid_vnd >= d.fee_requested_vnd {
                flags |= flag::PAID;
            }
        }
    }
    let mut finished_month = None;
    let (mut used, mut allowed, mut rating_milli) = (0, 0, 0);
    if is_decided(d)
        && let Some(done) = d.finished_at
    {
        finished_month = Some(month_of(done));
        flags |= flag::FINISHED;
        let due = appointment(d);
        let supplements =
            u32::from(d.supplements_at_receipt) + u32::from(d.supplements_after_appraisal);
        let after_due = due.is_some_and(|due| done > due);
        if supplements > 1 {
            flags |= flag::MULTI_SUPPLEMENT;
        }
        if after_due || supplements > 1 {
            flags |= flag::LATE;
        } else {
            flags |= flag::ON_TIME;
        }
        if let Some(result) = &d.result {
            flags |= flag::WITH_RESULT;
            if result.electronic {
                flags |= flag::ELECTRONIC_RESULT;
            }
        }
        if d.state == DossierState::Returned {
            flags |= flag::RETURNED;
        }
        if let Some(rating) = &d.rating {
            flags |= flag::RATED;
            let mean = rating.average();
            rating_milli = (mean * 1000.0).round() as i64;
            if mean < DISLIKE_BELOW {
                flags |= flag::DISLIKED;
            }
        }
        if let (Some(clock), Some(due)) = (&d.clock, due) {
            used = (done - clock.start).num_minutes().max(0);
            allowed = (due - clock.start).num_minutes().max(0);
        }
    }
    if flags == 0 {
        return None;
    }
    Some(DossierFacts {
        receiving_agency: d.receiving_agency.to_string(),
        handling_agency: d.handling_agency.to_string(),
        received_month,
        finished_month,
        flags,
        time_used_minutes: used,
        time_allowed_minutes: allowed,
        rating_milli,
    })
}

impl DossierFacts {
    pub fn has(&self, bit: i64) -> bool {
        self.flags & bit != 0
    }

    /// The counters this dossier adds, under (agency, month): at most two keys, the
    /// receipt side and the decision side (equal keys are merged).
    pub fn contributions(&self) -> Vec<(String, Month, Counters)> {
        let one = |bit| i64::from(self.has(bit));
        let mut out: Vec<(String, Month, Counters)> = Vec::with_capacity(2);
        if let Some(month) = self.received_month {
            out.push((
                self.receiving_agency.clone(),
                month,
                Counters {
                    received: one(flag::RECEIVED),
                    received_online: one(flag::RECEIVED_ONLINE),
                    fee_requested: one(flag::FEE_REQUESTED),
                    paid: one(flag::PAID),
                    paid_online: one(flag::PAID_ONLINE),
                    digitised: one(flag::DIGITISED),
                    reused: one(flag::REUSED),
                    ..Counters::default()
                },
            ));
        }
        if let Some(month) = self.finished_month {
            let counters = Counters {
                finished: one(flag::FINISHED),
                on_time: one(flag::ON_TIME),
                late: one(flag::LATE),
                multi_supplement: one(flag::MULTI_SUPPLEMENT),
                with_result: one(flag::WITH_RESULT),
                electronic_result: one(flag::ELECTRONIC_RESULT),
                time_used_minutes: self.time_used_minutes,
                time_allowed_minutes: self.time_allowed_minutes,
                returned: one(flag::RETURNED),
                rated: one(flag::RATED),
                rating_milli: self.rating_milli,
                disliked: one(flag::DISLIKED),
                ..Counters::default()
            };
            match out
                .iter_mut()
                .find(|(a, m, _)| *a == self.handling_agency && *m == month)
            {
                Some((_, _, c)) => c.add(&counters),
                None => out.push((self.handling_agency.clone(), month, counters)),
            }
        }
        out
    }
}

/// The change a dossier's move from `before` to `after` makes to the counters, by
/// (agency, month); keys whose change is zero are left out.
pub fn delta(
    before: Option<&DossierFacts>,
    after: Option<&DossierFacts>,
) -> Vec<(String, Month, Counters)> {
    let mut out: Vec<(String, Month, Counters)> = Vec::new();
    let mut put = |agency: String, month: Month, c: Counters, sign: i8| {
        let slot = match out
            .iter_mut()
            .position(|(a, m, _)| *a == agency && *m == month)
        {
            Some(i) => &mut out[i].2,
            None => {
                out.push((agency, month, Counters::default()));
                &mut out.last_mut().expect("just pushed").2
            }
        };
        if sign > 0 {
            slot.add(&c);
        } else {
            slot.sub(&c);
        }
    };
    if let Some(b) = before {
        for (a, m, c) in b.contributions() {
            put(a, m, c, -1);
        }
    }
    if let Some(a) = after {
        for (ag, m, c) in a.contributions() {
            put(ag, m, c, 1);
        }
    }
    out.retain(|(_, _, c)| !c.is_zero());
    out
}

// ----------------------------------------------------------------------------- scoring

/// `min(max, rate × max ÷ threshold)`; rates below zero score zero.
pub fn score(rate: f64, max: f64, threshold: f64) -> f64 {
    if threshold <= 0.0 {
        return max;
    }
    (rate.max(0.0) * max / threshold).min(max)
}

/// The six groups of Decision 766 and their points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    Publicity,
    Progress,
    OnlineServices,
    OnlinePayment,
    Digitisation,
    Satisfaction,
}

impl Group {
    pub const ALL: [Group; 6] = [
        Group::Publicity,
        Group::Progress,
        Group::OnlineServices,
        Group::OnlinePayment,
        Group::Digitisation,
        Group::Satisfaction,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Group::Publicity => "publicity",
            Group::Progress => "progress",
            Group::OnlineServices => "online_services",
            Group::OnlinePayment => "online_payment",
            Group::Digitisation => "digitisation",
            Group::Satisfaction => "satisfaction",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Group::Publicity => "Công khai, minh bạch",
            Group::Progress => "Tiến độ, kết quả giải quyết",
            Group::OnlineServices => "Dịch vụ công trực tuyến",
            Group::OnlinePayment => "Thanh toán trực tuyến",
            Group::Digitisation => "Số hóa hồ sơ",
            Group::Satisfaction => "Mức độ hài lòng",
        }
    }

    /// The group's points in the decision.
    pub fn points(self) -> f64 {
        match self {
            Group::Publicity => 18.0,
            Group::Progress => 20.0,
            Group::OnlineServices => 12.0,
            Group::OnlinePayment => 10.0,
            Group::Digitisation => 22.0,
            Group::Satisfaction => 18.0,
        }
    }

    pub fn indicators(self) -> Vec<Indicator> {
        Indicator::ALL
            .into_iter()
            .filter(|i| i.group() == self)
            .collect()
    }
}

/// The indicators, in the order of their groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    AnnouncedOnTime,
    CompleteInformation,
    PortalSync,
    OnTime,
    AverageTime,
    FullOnlineShare,
    OnlineServicesUsed,
    ReceivedOnline,
    FeesPayableOnline,
    PaidOnline,
    ElectronicResult,
    Digitised,
    Reuse,
    DocumentStoreLinks,
    PopulationDatabase,
    ComplaintsOnTime,
    ComplaintSatisfaction,
    ProcedureSatisfaction,
}

/// Where an indicator's data comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The published catalogue, as it stands today.
    Catalogue,
    /// The dossier counters of the period.
    Dossiers,
    /// Data motcua does not hold (yet): never scored.
    NotHeld,
}

impl Indicator {
    pub const ALL: [Indicator; 18] = [
        Indicator::AnnouncedOnTime,
        Indicator::CompleteInformation,
        Indicator::PortalSync,
        Indicator::OnTime,
        Indicator::AverageTime,
        Indicator::FullOnlineShare,
        Indicator::OnlineServicesUsed,
        Indicator::ReceivedOnline,
        Indicator::FeesPayableOnline,
        Indicator::PaidOnline,
        Indicator::ElectronicResult,
        Indicator::Digitised,
        Indicator::Reuse,
        Indicator::DocumentStoreLinks,
        Indicator::PopulationDatabase,
        Indicator::ComplaintsOnTime,
        Indicator::ComplaintSatisfaction,
        Indicator::ProcedureSatisfaction,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Indicator::AnnouncedOnTime => "announced_on_time",
            Indicator::CompleteInformation => "complete_information",
            Indicator::PortalSync => "portal_sync",
            Indicator::OnTime => "on_time",
            Indicator::AverageTime => "average_time",
            Indicator::FullOnlineShare => "full_online_share",
            Indicator::OnlineServicesUsed => "online_services_used",
            Indicator::ReceivedOnline => "received_online",
            Indicator::FeesPayableOnline => "fees_payable_online",
            Indicator::PaidOnline => "paid_online",
            Indicator::ElectronicResult => "electronic_result",
            Indicator::Digitised => "digitised",
            Indicator::Reuse => "reuse",
            Indicator::DocumentStoreLinks => "document_store_links",
            Indicator::PopulationDatabase => "population_database",
            Indicator::ComplaintsOnTime => "complaints_on_time",
            Indicator::ComplaintSatisfaction => "complaint_satisfaction",
            Indicator::ProcedureSatisfaction => "procedure_satisfaction",
        }
    }

    pub fn group(self) -> Group {
        use Indicator as I;
        match self {
            I::AnnouncedOnTime | I::CompleteInformation | I::PortalSync => Group::Publicity,
            I::OnTime | I::AverageTime => Group::Progress,
            I::FullOnlineShare | I::OnlineServicesUsed | I::ReceivedOnline => Group::OnlineServices,
            I::FeesPayableOnline | I::PaidOnline => Group::OnlinePayment,
            I::ElectronicResult
            | I::Digitised
            | I::Reuse
            | I::DocumentStoreLinks
            | I::PopulationDatabase => Group::Digitisation,
            I::ComplaintsOnTime | I::ComplaintSatisfaction | I::ProcedureSatisfaction => {
                Group::Satisfaction
            }
        }
    }

    /// The indicator's share of its group's points (motcua's split; the groups' totals
    /// are the decision's).
    pub fn max_points(self) -> f64 {
        use Indicator as I;
        match self {
            I::AnnouncedOnTime | I::CompleteInformation | I::PortalSync => 6.0,
            I::OnTime => 14.0,
            I::AverageTime => 6.0,
            I::FullOnlineShare | I::OnlineServicesUsed | I::ReceivedOnline => 4.0,
            I::FeesPayableOnline | I::PaidOnline => 5.0,
            I::ElectronicResult | I::Digitised => 6.0,
            I::Reuse => 4.0,
            I::DocumentStoreLinks | I::PopulationDatabase => 3.0,
            I::ComplaintsOnTime | I::ComplaintSatisfaction | I::ProcedureSatisfaction => 6.0,
        }
    }

    /// The rate at which the indicator earns full marks (1.0 = 100%).
    pub fn threshold(self) -> f64 {
        use Indicator as I;
        match self {
            I::FullOnlineShare | I::FeesPayableOnline | I::Digitised | I::Reuse => 0.8,
            I::ReceivedOnline => 0.5,
            I::ProcedureSatisfaction => 0.9,
            _ => 1.0,
        }
    }

    pub fn source(self) -> Source {
        use Indicator as I;
        match self {
            I::AnnouncedOnTime | I::CompleteInformation | I::FullOnlineShare => Source::Catalogue,
            I::OnTime
            | I::AverageTime
            | I::OnlineServicesUsed
            | I::ReceivedOnline
            | I::ElectronicResult
            | I::ProcedureSatisfaction
            | I::Digitised
            | I::Reuse => Source::Dossiers,
            I::PortalSync
            | I::FeesPayableOnline
            | I::PaidOnline
            | I::DocumentStoreLinks
            | I::PopulationDatabase
            | I::ComplaintsOnTime
            | I::ComplaintSatisfaction => Source::NotHeld,
        }
    }

    pub fn label_vi(self) -> &'static str {
        use Indicator as I;
        match self {
            I::AnnouncedOnTime => "TTHC được công bố, công khai đúng hạn",
            I::CompleteInformation => "TTHC được công khai đầy đủ thông tin",
            I::PortalSync => "Hồ sơ được đồng bộ lên Cổng Dịch vụ công quốc gia",
            I::OnTime => "Hồ sơ giải quyết đúng hạn",
            I::AverageTime => "Thời gian giải quyết trung bình so với thời hạn",
            I::FullOnlineShare => "TTHC có dịch vụ công trực tuyến toàn trình",
            I::OnlineServicesUsed => "Dịch vụ công trực tuyến có phát sinh hồ sơ",
            I::ReceivedOnline => "Hồ sơ được tiếp nhận trực tuyến",
            I::FeesPayableOnline => "TTHC có phí, lệ phí cho phép thanh toán trực tuyến",
            I::PaidOnline => "Hồ sơ có nghĩa vụ tài chính được thanh toán trực tuyến",
            I::ElectronicResult => "Hồ sơ được cấp kết quả điện tử",
            I::Digitised => "Hồ sơ được số hóa",
            I::Reuse => "Khai thác, sử dụng lại dữ liệu đã số hóa",
            I::DocumentStoreLinks => "Kết nối kho dữ liệu của tổ chức, cá nhân",
            I::PopulationDatabase => "Khai thác Cơ sở dữ liệu quốc gia về dân cư",
            I::ComplaintsOnTime => "Phản ánh, kiến nghị được xử lý đúng hạn (15 ngày làm việc)",
            I::ComplaintSatisfaction => "Hài lòng về xử lý phản ánh, kiến nghị",
            I::ProcedureSatisfaction => "Mức độ hài lòng về giải quyết TTHC",
        }
    }

    /// How motcua computes it, or why it cannot.
    pub fn method_vi(self) -> &'static str {
        use Indicator as I;
        match self {
            I::AnnouncedOnTime => {
                "Số TTHC đang công bố có quyết định công bố ban hành trước hoặc đúng ngày TTHC có hiệu lực, trên tổng số TTHC đang công bố thuộc phạm vi."
            }
            I::CompleteInformation => {
                "Số TTHC có đủ căn cứ pháp lý, trình tự, thành phần hồ sơ, kết quả và thời hạn, trên tổng số TTHC đang công bố thuộc phạm vi."
            }
            I::PortalSync => "motcua chưa kết nối Cổng Dịch vụ công quốc gia.",
            I::OnTime => {
                "Hồ sơ giải quyết xong trước hoặc đúng ngày hẹn trên giấy tiếp nhận (thời gian bổ sung hồ sơ không tính; phiếu xin lỗi không đổi ngày hẹn; yêu cầu bổ sung quá một lần tính là quá hạn), trên tổng số hồ sơ đã giải quyết trong kỳ."
            }
            I::AverageTime => {
                "Tổng thời gian được phép (từ lúc bắt đầu tính đến ngày hẹn) chia cho tổng thời gian thực tế đến khi giải quyết xong, tối đa 100%."
            }
            I::FullOnlineShare => {
                "Số TTHC toàn trình trên số TTHC có dịch vụ trực tuyến (toàn trình hoặc một phần) thuộc phạm vi; đủ điểm từ 80%."
            }
            I::OnlineServicesUsed => {
                "Số dịch vụ công trực tuyến thuộc phạm vi có hồ sơ tiếp nhận trực tuyến trong kỳ, trên tổng số dịch vụ công trực tuyến thuộc phạm vi."
            }
            I::ReceivedOnline => {
                "Hồ sơ nộp trực tuyến trên tổng số hồ sơ tiếp nhận trong kỳ; đủ điểm từ 50%."
            }
            I::FeesPayableOnline => {
                "Danh mục TTHC của motcua chưa ghi nhận thủ tục nào nhận thanh toán trực tuyến."
            }
            I::PaidOnline => {
                "motcua chưa ghi nhận hình thức nộp phí, lệ phí (chưa kết nối nền tảng thanh toán)."
            }
            I::ElectronicResult => {
                "Hồ sơ có kết quả bản điện tử trên tổng số hồ sơ có kết quả trong kỳ."
            }
            I::Digitised => {
                "Hồ sơ được số hóa thành phần trên tổng số hồ sơ tiếp nhận trong kỳ; đủ điểm từ 80%. Chưa có dữ liệu số hóa."
            }
            I::Reuse => {
                "Hồ sơ sử dụng lại dữ liệu đã số hóa trên tổng số hồ sơ tiếp nhận trong kỳ; đủ điểm từ 80%. Chưa có dữ liệu số hóa."
            }
            I::DocumentStoreLinks => "motcua chưa kết nối kho dữ liệu của tổ chức, cá nhân.",
            I::PopulationDatabase => "motcua chưa kết nối Cơ sở dữ liệu quốc gia về dân cư.",
            I::ComplaintsOnTime | I::ComplaintSatisfaction => {
                "motcua chưa tiếp nhận, xử lý phản ánh, kiến nghị."
            }
            I::ProcedureSatisfaction => {
                "100% trừ (tỷ lệ hồ sơ quá hạn + tỷ lệ đánh giá không hài lòng); đủ điểm từ 90%. Phản ánh, kiến nghị chưa có dữ liệu nên chưa được trừ."
            }
        }
    }
}

/// Facts of the published catalogue within a scope, counted today.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueInputs {
    /// Published procedures handled in the scope.
    pub procedures: i64,
    /// Of those, published under a decision dated on or before the day they take effect.
    pub announced_on_time: i64,
    /// Of those, with complete published information.
    pub complete: i64,
    /// Of those, with an online service (toàn trình or một phần).
    pub online: i64,
    /// Of those, toàn trình.
    pub full_online: i64,
    /// Online services that received an online dossier in the period.
    pub online_used: i64,
}

/// Everything a scorecard is computed from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    pub counters: Counters,
    pub catalogue: CatalogueInputs,
    /// Whether digitisation is recorded at all (until it is, 0 digitised means "no data").
    pub digitisation_recorded: bool,
}

/// One indicator's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorScore {
    pub indicator: Indicator,
    pub max_points: f64,
    pub threshold: f64,
    /// None: no data, left out of the denominator.
    pub rate: Option<f64>,
    pub points: Option<f64>,
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
    /// Why there is no rate.
    pub no_data: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupScore {
    pub group: Group,
    pub max_points: f64,
    /// The maximum of the indicators with data.
    pub available_points: f64,
    pub points: f64,
    pub indicators: Vec<IndicatorScore>,
}

impl GroupScore {
    /// Points earned per 100 available, or None when nothing in the group has data.
    pub fn percent(&self) -> Option<f64> {
        (self.available_points > 0.0).then(|| self.points / self.available_points * 100.0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scorecard {
    pub groups: Vec<GroupScore>,
    pub max_points: f64,
    pub available_points: f64,
    pub points: f64,
}

impl Scorecard {
    /// The index on a 100-point scale over the indicators with data.
    pub fn index(&self) -> Option<f64> {
        (self.available_points > 0.0).then(|| self.points / self.available_points * 100.0)
    }

    pub fn indicator(&self, which: Indicator) -> Option<&IndicatorScore> {
        self.groups
            .iter()
            .flat_map(|g| &g.indicators)
            .find(|i| i.indicator == which)
    }
}

pub const NO_DATA: &str = "không có dữ liệu";
const NO_DOSSIERS: &str = "không có hồ sơ trong kỳ";
const NO_PROCEDURES: &str = "không có thủ tục thuộc phạm vi";

fn ratio(
    numerator: i64,
    denominator: i64,
    empty: &'static str,
) -> Result<(f64, i64, i64), &'static str> {
    if denominator <= 0 {
        Err(empty)
    } else {
        Ok((
            numerator as f64 / denominator as f64,
            numerator,
            denominator,
        ))
    }
}

fn measure(i: Indicator, inputs: &Inputs) -> Result<(f64, Option<i64>, Option<i64>), &'static str> {
    use Indicator as I;
    let c = &inputs.counters;
    let k = &inputs.catalogue;
    let with = |r: Result<(f64, i64, i64), &'static str>| r.map(|(r, n, d)| (r, Some(n), Some(d)));
    match i {
        I::AnnouncedOnTime => with(ratio(k.announced_on_time, k.procedures, NO_PROCEDURES)),
        I::CompleteInformation => with(ratio(k.complete, k.procedures, NO_PROCEDURES)),
        I::FullOnlineShare => with(ratio(k.full_online, k.online, NO_PROCEDURES)),
        I::OnlineServicesUsed => with(ratio(k.online_used, k.online, NO_PROCEDURES)),
        I::OnTime => with(ratio(c.on_time, c.finished, NO_DOSSIERS)),
        I::AverageTime => {
            if c.finished <= 0 {
                Err(NO_DOSSIERS)
            } else if c.time_used_minutes <= c.time_allowed_minutes {
                Ok((1.0, Some(c.time_allowed_minutes), Some(c.time_used_minutes)))
            } else {
                Ok((
                    c.time_allowed_minutes as f64 / c.time_used_minutes as f64,
                    Some(c.time_allowed_minutes),
                    Some(c.time_used_minutes),
                ))
            }
        }
        I::ReceivedOnline => with(ratio(c.received_online, c.received, NO_DOSSIERS)),
        I::ElectronicResult => with(ratio(c.electronic_result, c.with_result, NO_DOSSIERS)),
        I::Digitised | I::Reuse if !inputs.digitisation_recorded => Err(NO_DATA),
        I::Digitised => with(ratio(c.digitised, c.received, NO_DOSSIERS)),
        I::Reuse => with(ratio(c.reused, c.received, NO_DOSSIERS)),
        I::ProcedureSatisfaction => {
            if c.finished <= 0 {
                return Err(NO_DOSSIERS);
            }
            let late = c.late as f64 / c.finished as f64;
            let disliked = if c.rated > 0 {
                c.disliked as f64 / c.rated as f64
            } else {
                0.0
            };
            Ok(((1.0 - late - disliked).max(0.0), None, None))
        }
        I::PortalSync
        | I::FeesPayableOnline
        | I::PaidOnline
        | I::DocumentStoreLinks
        | I::PopulationDatabase
        | I::ComplaintsOnTime
        | I::ComplaintSatisfaction => Err(NO_DATA),
    }
}

/// The scorecard of one scope and period.
pub fn evaluate(inputs: &Inputs) -> Scorecard {
    let groups: Vec<GroupScore> = Group::ALL
        .into_iter()
        .map(|group| {
            let indicators: Vec<IndicatorScore> = group
                .indicators()
                .into_iter()
                .map(|i| {
                    let (max, threshold) = (i.max_points(), i.threshold());
                    match measure(i, inputs) {
                        Ok((rate, numerator, denominator)) => IndicatorScore {
                            indicator: i,
                            max_points: max,
                            threshold,
                            rate: Some(rate),
                            points: Some(score(rate, max, threshold)),
                            numerator,
                            denominator,
                            no_data: None,
                        },
                        Err(why) => IndicatorScore {
                            indicator: i,
                            max_points: max,
                            threshold,
                            rate: None,
                            points: None,
                            numerator: None,
                            denominator: None,
                            no_data: Some(why),
                        },
                    }
                })
                .collect();
            GroupScore {
                group,
                max_points: group.points(),
                available_points: indicators
                    .iter()
                    .filter(|i| i.points.is_some())
                    .map(|i| i.max_points)
                    .sum(),
                points: indicators.iter().filter_map(|i| i.points).sum(),
                indicators,
            }
        })
        .collect();
    Scorecard {
        max_points: groups.iter().map(|g| g.max_points).sum(),
        available_points: groups.iter().map(|g| g.available_points).sum(),
        points: groups.iter().map(|g| g.points).sum(),
        groups,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agency::AgencyCode;
    use crate::calendar::{Channel, HolidayCalendar, WorkingHours};
    use crate::dossier::{Action, Context, DossierCode, ProcessStep, Rating, RatingCriterion};
    use chrono::NaiveDate;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn groups_add_up_to_one_hundred_and_indicators_to_their_group() {
        let total: f64 = Group::ALL.iter().map(|g| g.points()).sum();
        assert!(close(total, 100.0));
        for g in Group::ALL {
            let sum: f64 = g.indicators().iter().map(|i| i.max_points()).sum();
            assert!(close(sum, g.points()), "{g:?}: {sum}");
        }
    }

    #[test]
    fn below_the_threshold_an_indicator_scores_in_proportion() {
        // Dossiers received online: 30% against a 50% threshold, 4 points → 4 × 0.3 ÷ 0.5.
        assert!(close(score(0.3, 4.0, 0.5), 2.4));
        assert!(close(score(0.5, 4.0, 0.5), 4.0));
        assert!(close(score(0.9, 4.0, 0.5), 4.0));
        // Toàn trình: 21 of 25 = 84% ≥ 80% → full marks; 60% → 4 × 0.6 ÷ 0.8 = 3.
        assert!(close(score(21.0 / 25.0, 4.0, 0.8), 4.0));
        assert!(close(score(0.6, 4.0, 0.8), 3.0));
        assert!(close(score(-0.2, 4.0, 0.8), 0.0));
        assert!(close(score(0.45, 14.0, 1.0), 6.3));
    }

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

    #[test]
    fn a_hand_computed_scorecard() {
        let inputs = Inputs {
            counters: Counters {
                received: 10,
                received_online: 3,
                finished: 8,
                on_time: 6,
                late: 2,
                with_result: 5,
                electronic_result: 4,
                time_used_minutes: 1200,
                time_allowed_minutes: 900,
                rated: 4,
                disliked: 1,
                ..Counters::default()
            },
            catalogue: CatalogueInputs {
                procedures: 10,
                announced_on_time: 10,
                complete: 5,
                online: 8,
                full_online: 6,
                online_used: 2,
            },
            digitisation_recorded: false,
        };
        let card = evaluate(&inputs);
        let points = |i: Indicator| card.indicator(i).unwrap().points;
        // Publicity: 6 × 10/10 + 6 × 5/10; the portal sync has no data.
        assert_eq!(points(Indicator::AnnouncedOnTime), Some(6.0));
        assert_eq!(points(Indicator::CompleteInformation), Some(3.0));
        assert_eq!(points(Indicator::PortalSync), None);
        // Progress: 14 × 6/8 = 10.5; average time 900/1200 = 0.75 → 4.5.
        assert_eq!(points(Indicator::OnTime), Some(10.5));
        assert_eq!(points(Indicator::AverageTime), Some(4.5));
        // Online: 6/8 = 75% of an 80% threshold → 3.75; 2/8 used → 1; 30%/50% → 2.4.
        assert!(close(points(Indicator::FullOnlineShare).unwrap(), 3.75));
        assert_eq!(points(Indicator::OnlineServicesUsed), Some(1.0));
        assert!(close(points(Indicator::ReceivedOnline).unwrap(), 2.4));
        // Electronic results 4/5 → 4.8; digitisation not recorded → no data.
        assert!(close(points(Indicator::ElectronicResult).unwrap(), 4.8));
        assert_eq!(points(Indicator::Digitised), None);
        // Satisfaction: 100% − (2/8 + 1/4) = 50% of a 90% threshold → 6 × 0.5 ÷ 0.9.
        assert!(close(
            points(Indicator::ProcedureSatisfaction).unwrap(),
            6.0 * 0.5 / 0.9
        ));
        let group = |g: Group| card.groups.iter().find(|x| x.group == g).unwrap().clone();
        assert_eq!(group(Group::Publicity).available_points, 12.0);
        assert_eq!(group(Group::Publicity).points, 9.0);
        assert_eq!(group(Group::OnlinePayment).available_points, 0.0);
        assert_eq!(group(Group::OnlinePayment).percent(), None);
        // 18 − 6 + 20 + 12 + 0 + 6 + 6 = 56 points have data; 44 do not.
        assert!(close(card.available_points, 56.0));
        assert!(close(card.max_points, 100.0));
        let earned = 9.0 + 15.0 + 3.75 + 1.0 + 2.4 + 4.8 + 6.0 * 0.5 / 0.9;
        assert!(close(card.points, earned));
        assert!(close(card.index().unwrap(), earned / 56.0 * 100.0));
    }

    #[test]
    fn nothing_to_count_is_no_data_not_zero() {
        let card = evaluate(&Inputs::default());
        assert_eq!(card.available_points, 0.0);
        assert_eq!(card.index(), None);
        let on_time = card.indicator(Indicator::OnTime).unwrap();
        assert_eq!(on_time.points, None);
        assert_eq!(on_time.no_data, Some("không có hồ sơ trong kỳ"));
        // Once digitisation is recorded, zero digitised is a real zero.
        let inputs = Inputs {
            counters: Counters {
                received: 4,
                digitised: 2,
                ..Counters::default()
            },
            digitisation_recorded: true,
            ..Inputs::default()
        };
        let card = evaluate(&inputs);
        // 2/4 = 50% of an 80% threshold → 6 × 0.5 ÷ 0.8 = 3.75.
        assert_eq!(
            card.indicator(Indicator::Digitised).unwrap().points,
            Some(3.75)
        );
        assert_eq!(card.indicator(Indicator::Reuse).unwrap().points, Some(0.0));
    }

    // ------------------------------------------------------------------ facts of dossiers

    fn at(d: u32, h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, d)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
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
                holidays: HolidayCalendar::new(vec![]).unwrap(),
                steps: vec![ProcessStep {
                    name: "Giải quyết".into(),
                    role: crate::account::Role::Specialist,
                    agency: None,
                    // One working day.
                    budget_minutes: 480,
                }],
            }
        }

        fn act(&self, d: &Dossier, action: Action, now: NaiveDateTime) -> Dossier {
            let ctx = Context {
                now,
                hours: &self.hours,
                holidays: &self.holidays,
                steps: &self.steps,
                budget_minutes: 480,
            };
            d.apply(&action, &ctx).unwrap()
        }

        /// Received online on Monday 2 March 2026 at 09:00: due Tuesday 09:00.
        fn received(&self) -> Dossier {
            let agency = AgencyCode::parse("000.01.40.H37").unwrap();
            let code = DossierCode::new(&agency, at(2, 9, 0).date(), 1);
            let d = Dossier::submitted(code, Channel::Online, agency, at(2, 9, 0));
            self.act(&d, Action::Accept, at(2, 9, 0))
        }

        fn finish(&self, d: &Dossier, when: NaiveDateTime) -> Dossier {
            let d = self.act(d, Action::Approve, when);
            self.act(
                &d,
                Action::Finish {
                    result: "Giấy khai sinh".into(),
                    electronic: true,
                },
                when,
            )
        }
    }

    #[test]
    fn finished_on_the_appointment_date_is_on_time_and_a_minute_later_is_late() {
        let w = World::new();
        let d = w.received();
        let due = d.due_at.unwrap();
        assert_eq!(due, at(3, 9, 0));
        let on_time = facts_of(&w.finish(&d, due)).unwrap();
        assert!(on_time.has(flag::ON_TIME) && !on_time.has(flag::LATE));
        assert!(on_time.has(flag::ELECTRONIC_RESULT));
        let late = facts_of(&w.finish(&d, due + chrono::Duration::minutes(1))).unwrap();
        assert!(late.has(flag::LATE) && !late.has(flag::ON_TIME));
        assert_eq!(late.finished_month, Month::new(2026, 3));
    }

    #[test]
    fn supplementing_time_does_not_count() {
        let w = World::new();
        let d = w.received();
        // Asked for a supplement after an hour; it arrives two days later.
        let d = w.act(
            &d,
            Action::RequestSupplement {
                missing: vec!["Bản sao giấy chứng sinh".into()],
            },
            at(2, 10, 0),
        );
        let d = w.act(&d, Action::SupplementReceived, at(4, 9, 0));
        // The time limit restarted: the new appointment is Thursday 09:00.
        assert_eq!(d.due_at, Some(at(5, 9, 0)));
        let done = w.finish(&d, at(5, 8, 0));
        let f = facts_of(&done).unwrap();
        assert!(f.has(flag::ON_TIME), "{f:?}");
        // Well after the first appointment date, yet on time.
        assert!(done.finished_at.unwrap() > at(3, 9, 0));
    }

    #[test]
    fn more_than_one_supplement_request_is_late_even_on_time() {
        let w = World::new();
        let agency = AgencyCode::parse("000.01.40.H37").unwrap();
        let code = DossierCode::new(&agency, at(2, 8, 0).date(), 2);
        let d = Dossier::submitted(code, Channel::Paper, agency, at(2, 8, 0));
        let d = w.act(
            &d,
            Action::RequestSupplement {
                missing: vec!["Tờ khai".into()],
            },
            at(2, 8, 0),
        );
        let d = w.act(&d, Action::SupplementReceived, at(2, 8, 30));
        let d = w.act(&d, Action::Accept, at(2, 9, 0));
        let d = w.act(
            &d,
            Action::RequestSupplement {
                missing: vec!["Bản sao".into()],
            },
            at(2, 10, 0),
        );
        let d = w.act(&d, Action::SupplementReceived, at(2, 11, 0));
        let f = facts_of(&w.finish(&d, at(2, 14, 0))).unwrap();
        assert!(f.has(flag::LATE) && f.has(flag::MULTI_SUPPLEMENT) && !f.has(flag::ON_TIME));
        assert!(!f.has(flag::RECEIVED_ONLINE));
    }

    #[test]
    fn an_apology_does_not_move_the_appointment_the_index_judges_against() {
        let w = World::new();
        let d = w.received();
        let d = w.act(
            &d,
            Action::Apologise {
                reason: "Cần xác minh thêm".into(),
                new_due: at(6, 17, 0),
            },
            at(2, 9, 0),
        );
        assert_eq!(appointment(&d), Some(at(3, 9, 0)));
        let f = facts_of(&w.finish(&d, at(4, 10, 0))).unwrap();
        assert!(f.has(flag::LATE));
    }

    #[test]
    fn contributions_go_to_the_receiving_and_the_handling_agency() {
        let w = World::new();
        let d = w.received();
        let before = facts_of(&d).unwrap();
        assert_eq!(before.flags, flag::RECEIVED | flag::RECEIVED_ONLINE);
        assert_eq!(before.contributions().len(), 1);
        let other = AgencyCode::parse("000.00.02.H37").unwrap();
        let d = w.act(&d, Action::Transfer { to_agency: other }, at(2, 10, 0));
        let done = w.act(
            &w.finish(&d, at(3, 8, 0)),
            Action::ReturnResult,
            at(3, 9, 0),
        );
        let rated = w.act(
            &done,
            Action::Rate {
                rating: Rating::new(
                    vec![
                        (RatingCriterion::Timeliness, 0),
                        (RatingCriterion::StaffAttitude, 1),
                    ],
                    None,
                )
                .unwrap(),
            },
            at(3, 10, 0),
        );
        let after = facts_of(&rated).unwrap();
        let parts = after.contributions();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].0, "000.01.40.H37");
        assert_eq!(parts[0].2.received, 1);
        assert_eq!(parts[0].2.finished, 0);
        assert_eq!(parts[1].0, "000.00.02.H37");
        let c = parts[1].2;
        assert_eq!((c.finished, c.on_time, c.returned, c.rated), (1, 1, 1, 1));
        // Mean 0.5 → 500 thousandths, below 1: not satisfied.
        assert_eq!((c.rating_milli, c.disliked), (500, 1));
        // The change from receipt to the rated result: only the decision side moves.
        let change = delta(Some(&before), Some(&after));
        assert_eq!(change.len(), 1);
        assert_eq!(change[0].0, "000.00.02.H37");
        // And back again cancels out.
        let mut sum = Counters::default();
        for (_, _, c) in delta(Some(&after), Some(&before)).iter().chain(&change) {
            sum.add(c);
        }
        assert!(sum.is_zero());
    }

    #[test]
    fn nothing_counts_before_receipt_and_withdrawal_keeps_the_receipt() {
        let w = World::new();
        let agency = AgencyCode::parse("000.01.40.H37").unwrap();
        let code = DossierCode::new(&agency, at(2, 8, 0).date(), 3);
        let d = Dossier::submitted(code, Channel::Online, agency, at(2, 8, 0));
        assert_eq!(facts_of(&d), None);
        let refused = w.act(
            &d,
            Action::RefuseAtReceipt {
                reason: "Không thuộc thẩm quyền".into(),
            },
            at(2, 9, 0),
        );
        assert_eq!(facts_of(&refused), None);
        let received = w.received();
        let withdrawn = w.act(
            &received,
            Action::Withdraw {
                reason: "Người nộp rút".into(),
            },
            at(2, 10, 0),
        );
        let f = facts_of(&withdrawn).unwrap();
        assert_eq!(f.flags, flag::RECEIVED | flag::RECEIVED_ONLINE);
        assert_eq!(f.finished_month, None);
    }

    #[test]
    fn counters_round_trip_through_their_columns() {
        let c = Counters {
            received: 3,
            reused: 9,
            ..Counters::default()
        };
        assert_eq!(Counters::from_values(&c.values()), c);
        assert_eq!(Counters::COLUMNS.len(), c.values().len());
        assert_eq!(Counters::COLUMNS[0], "received");
        for f in Figure::ALL {
            assert_eq!(Figure::parse(f.as_str()).unwrap(), f);
        }
    }
}
