//! What the index counts per agency, month and procedure, and the figures read from it.

use super::*;
use serde::{Deserialize, Serialize};

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
    /// Of those, paid in full through the online payment platform.
    paid_online,
    /// Received, counted for the index's timeliness: under the handling agency, in the month
    /// of receipt, each dossier once ([`timeliness`]).
    timed,
    /// Of those, late by the index's rule: ended late, or more than one supplement request;
    /// read with [`Counters::read_with_within_time`], also the open ones past due by then.
    timed_late,
    /// Of those, still open (and, once read, within time).
    timed_open,
    /// Of the open ones, those that can run late (all but the ones waiting for the
    /// applicant's supplement): the reader counts late those no longer within time.
    timed_dated,
    /// Decided dossiers that were late or disliked, each counted once (Decision 766, group 5:
    /// the dossiers the satisfaction rate subtracts).
    dissatisfied,
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
            Figure::Returned => self.returned,
            Figure::Rated => self.rated,
            Figure::Disliked => self.disliked,
            Figure::FeeRequested => self.fee_requested,
            Figure::Paid => self.paid,
            Figure::Dissatisfied => self.dissatisfied,
            Figure::Timed => self.timed,
            Figure::TimedLate => self.timed_late,
            Figure::TimedOpen => self.timed_open,
        }
    }

    /// The counters as read at a moment when `within_time` of the open dossiers that can run
    /// late have not yet passed the time they turn late: the rest count late from then on.
    /// (Counting the few within time, not the backlog past it, keeps the read cheap.)
    pub fn read_with_within_time(mut self, within_time: i64) -> Counters {
        let overdue = self.timed_dated - within_time;
        self.timed_late += overdue;
        self.timed_open -= overdue;
        self.timed_dated = within_time;
        self
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
    // Bit 7 was the electronic-result flag; signed result documents are read instead.
    pub const RETURNED: i64 = 1 << 8;
    pub const RATED: i64 = 1 << 9;
    pub const DISLIKED: i64 = 1 << 10;
    pub const FEE_REQUESTED: i64 = 1 << 11;
    pub const PAID: i64 = 1 << 12;
    pub const PAID_ONLINE: i64 = 1 << 13;
    // Bits 14 and 15 were digitisation and reuse, now read from the documents.
    pub const DISSATISFIED: i64 = 1 << 16;
    pub const TIMED: i64 = 1 << 17;
    pub const TIMED_LATE: i64 = 1 << 18;
    pub const TIMED_OPEN: i64 = 1 << 19;
    pub const TIMED_DATED: i64 = 1 << 20;
}

/// Which date and agency a figure is counted under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The receiving agency, the month of receipt.
    Received,
    /// The handling agency, the month of the decision.
    Finished,
    /// The handling agency, the month of receipt (the index's timeliness).
    Timed,
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
    Returned,
    Rated,
    Disliked,
    FeeRequested,
    Paid,
    Dissatisfied,
    /// Received in the period, counted for the index's timeliness.
    Timed,
    /// Of those, late by the index's rule; the open ones past due when read are added.
    TimedLate,
    /// Of those, still open.
    TimedOpen,
}

impl Figure {
    pub const ALL: [Figure; 16] = [
        Figure::Received,
        Figure::ReceivedOnline,
        Figure::Finished,
        Figure::OnTime,
        Figure::Late,
        Figure::MultiSupplement,
        Figure::WithResult,
        Figure::Returned,
        Figure::Rated,
        Figure::Disliked,
        Figure::FeeRequested,
        Figure::Paid,
        Figure::Dissatisfied,
        Figure::Timed,
        Figure::TimedLate,
        Figure::TimedOpen,
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
            Figure::Returned => "returned",
            Figure::Rated => "rated",
            Figure::Disliked => "disliked",
            Figure::FeeRequested => "fee_requested",
            Figure::Paid => "paid",
            Figure::Dissatisfied => "dissatisfied",
            Figure::Timed => "timed",
            Figure::TimedLate => "timed_late",
            Figure::TimedOpen => "timed_open",
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
            Figure::OnTime => "Giải quyết đúng hạn luật định",
            Figure::Late => "Giải quyết quá hạn luật định",
            Figure::MultiSupplement => "Yêu cầu bổ sung quá một lần",
            Figure::WithResult => "Có kết quả",
            Figure::Returned => "Đã trả kết quả",
            Figure::Rated => "Được đánh giá",
            Figure::Disliked => "Không hài lòng",
            Figure::FeeRequested => "Có nghĩa vụ tài chính",
            Figure::Paid => "Đã nộp đủ nghĩa vụ tài chính",
            Figure::Dissatisfied => "Quá hạn hoặc không hài lòng",
            Figure::Timed => "Hồ sơ tiếp nhận, tính tiến độ",
            Figure::TimedLate => "Quá hạn theo chỉ số 766",
            Figure::TimedOpen => "Đang giải quyết",
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
            Figure::Returned => flag::RETURNED,
            Figure::Rated => flag::RATED,
            Figure::Disliked => flag::DISLIKED,
            Figure::FeeRequested => flag::FEE_REQUESTED,
            Figure::Paid => flag::PAID,
            Figure::Dissatisfied => flag::DISSATISFIED,
            Figure::Timed => flag::TIMED,
            Figure::TimedLate => flag::TIMED_LATE,
            Figure::TimedOpen => flag::TIMED_OPEN,
        }
    }

    pub fn side(self) -> Side {
        match self {
            Figure::Received | Figure::ReceivedOnline | Figure::FeeRequested | Figure::Paid => {
                Side::Received
            }
            Figure::Timed | Figure::TimedLate | Figure::TimedOpen => Side::Timed,
            _ => Side::Finished,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_round_trip_through_their_columns() {
        let c = Counters {
            received: 3,
            dissatisfied: 9,
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
