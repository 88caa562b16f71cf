//! A dossier's internal state, and its mapping to the ten statuses exchanged with the
//! national public service portal (DOMAIN.md §4).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DossierState {
    /// Registered (online, or entered at the counter) and not yet received.
    Submitted,
    /// Incomplete at receipt: the applicant was told everything missing, once.
    AwaitingSupplementAtReceipt,
    /// Outside the agency's scope: refused at receipt, with reasons.
    RefusedAtReceipt,
    /// Received with a receipt slip; the clock runs; at the first step.
    Received,
    /// Moving through the internal process.
    Processing,
    /// Appraisal found something missing; the clock is stopped until it arrives.
    AwaitingSupplement,
    /// Waiting for the applicant to pay a financial obligation; the clock is stopped.
    AwaitingPayment,
    /// The decision-maker approved; the result is being issued.
    Approved,
    /// Finished with a written refusal after appraisal.
    Refused,
    /// Finished with a result, ready to hand over.
    Finished,
    /// The result (or refusal) was handed to the applicant.
    Returned,
    /// Withdrawn at the applicant's request.
    Withdrawn,
    /// Processing stopped (for example, the supplement never came).
    Stopped,
}

impl DossierState {
    pub const ALL: [DossierState; 13] = [
        DossierState::Submitted,
        DossierState::AwaitingSupplementAtReceipt,
        DossierState::RefusedAtReceipt,
        DossierState::Received,
        DossierState::Processing,
        DossierState::AwaitingSupplement,
        DossierState::AwaitingPayment,
        DossierState::Approved,
        DossierState::Refused,
        DossierState::Finished,
        DossierState::Returned,
        DossierState::Withdrawn,
        DossierState::Stopped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DossierState::Submitted => "submitted",
            DossierState::AwaitingSupplementAtReceipt => "awaiting_supplement_at_receipt",
            DossierState::RefusedAtReceipt => "refused_at_receipt",
            DossierState::Received => "received",
            DossierState::Processing => "processing",
            DossierState::AwaitingSupplement => "awaiting_supplement",
            DossierState::AwaitingPayment => "awaiting_payment",
            DossierState::Approved => "approved",
            DossierState::Refused => "refused",
            DossierState::Finished => "finished",
            DossierState::Returned => "returned",
            DossierState::Withdrawn => "withdrawn",
            DossierState::Stopped => "stopped",
        }
    }

    pub fn parse(s: &str) -> Option<DossierState> {
        DossierState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            DossierState::Submitted => "Mới đăng ký, chờ tiếp nhận",
            DossierState::AwaitingSupplementAtReceipt => "Chờ bổ sung để tiếp nhận",
            DossierState::RefusedAtReceipt => "Không tiếp nhận",
            DossierState::Received => "Đã tiếp nhận",
            DossierState::Processing => "Đang xử lý",
            DossierState::AwaitingSupplement => "Chờ bổ sung hồ sơ",
            DossierState::AwaitingPayment => "Chờ thực hiện nghĩa vụ tài chính",
            DossierState::Approved => "Đã phê duyệt, đang trả kết quả",
            DossierState::Refused => "Từ chối giải quyết",
            DossierState::Finished => "Đã có kết quả",
            DossierState::Returned => "Đã trả kết quả",
            DossierState::Withdrawn => "Rút hồ sơ",
            DossierState::Stopped => "Dừng xử lý",
        }
    }

    /// The status code exchanged with the national portal.
    pub fn national_status(self) -> NationalStatus {
        match self {
            DossierState::Submitted => NationalStatus::NewlyRegistered,
            DossierState::RefusedAtReceipt => NationalStatus::NotReceived,
            DossierState::Received => NationalStatus::Received,
            DossierState::Processing | DossierState::Approved => NationalStatus::Processing,
            DossierState::AwaitingSupplementAtReceipt | DossierState::AwaitingSupplement => {
                NationalStatus::SupplementRequested
            }
            DossierState::AwaitingPayment => NationalStatus::FinancialObligationRequested,
            DossierState::Withdrawn => NationalStatus::Withdrawn,
            DossierState::Stopped => NationalStatus::ProcessingStopped,
            DossierState::Refused | DossierState::Finished => NationalStatus::ProcessingFinished,
            DossierState::Returned => NationalStatus::ResultReturned,
        }
    }

    /// No action can follow except a rating.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            DossierState::RefusedAtReceipt
                | DossierState::Returned
                | DossierState::Withdrawn
                | DossierState::Stopped
        )
    }

    /// What becomes of a result document attached in this state. Decree 61/2018, art. 18:
    /// the competent person approves and signs the result, which art. 19 then hands over.
    pub fn result_stage(self) -> ResultStage {
        match self {
            DossierState::Received
            | DossierState::Processing
            | DossierState::AwaitingSupplement
            | DossierState::AwaitingPayment => ResultStage::Draft,
            DossierState::Approved => ResultStage::Signed,
            DossierState::Finished | DossierState::Returned => ResultStage::Delivered,
            DossierState::Submitted
            | DossierState::AwaitingSupplementAtReceipt
            | DossierState::RefusedAtReceipt
            | DossierState::Refused
            | DossierState::Withdrawn
            | DossierState::Stopped => ResultStage::None,
        }
    }

    /// Between receipt and a decision: the statutory clock applies (paused or running).
    pub fn is_in_flight(self) -> bool {
        matches!(
            self,
            DossierState::Received
                | DossierState::Processing
                | DossierState::AwaitingSupplement
                | DossierState::AwaitingPayment
                | DossierState::Approved
        )
    }
}

/// A dossier's result documents, by its state (see [`DossierState::result_stage`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultStage {
    /// No result belongs here: not received yet, or refused, withdrawn or stopped.
    None,
    /// Being handled: a draft result may be attached for the decision-maker to review.
    Draft,
    /// Approved: every result attached is signed by the handling agency.
    Signed,
    /// Finished: signed results also go to the applicant and into their store.
    Delivered,
}

impl ResultStage {
    /// A result document may be attached (a draft before approval).
    pub fn accepts_results(self) -> bool {
        self != ResultStage::None
    }

    /// Results attached are signed.
    pub fn signs(self) -> bool {
        matches!(self, ResultStage::Signed | ResultStage::Delivered)
    }

    /// Signed results are the applicant's to see and keep.
    pub fn delivers(self) -> bool {
        self == ResultStage::Delivered
    }
}

/// The ten statuses of the national portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "u8")]
pub enum NationalStatus {
    NewlyRegistered = 1,
    Received = 2,
    NotReceived = 3,
    Processing = 4,
    SupplementRequested = 5,
    FinancialObligationRequested = 6,
    Withdrawn = 7,
    ProcessingStopped = 8,
    ProcessingFinished = 9,
    ResultReturned = 10,
}

impl NationalStatus {
    /// The status's name as the national portal shows it.
    pub fn label_vi(self) -> &'static str {
        match self {
            NationalStatus::NewlyRegistered => "Mới đăng ký",
            NationalStatus::Received => "Đã tiếp nhận",
            NationalStatus::NotReceived => "Không tiếp nhận",
            NationalStatus::Processing => "Đang xử lý",
            NationalStatus::SupplementRequested => "Yêu cầu bổ sung",
            NationalStatus::FinancialObligationRequested => "Yêu cầu thực hiện nghĩa vụ tài chính",
            NationalStatus::Withdrawn => "Công dân rút hồ sơ",
            NationalStatus::ProcessingStopped => "Dừng xử lý",
            NationalStatus::ProcessingFinished => "Đã xử lý xong",
            NationalStatus::ResultReturned => "Đã trả kết quả",
        }
    }
}

impl From<NationalStatus> for u8 {
    fn from(status: NationalStatus) -> u8 {
        status as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_maps_to_a_national_status_and_all_ten_are_used() {
        let mut used: Vec<u8> = DossierState::ALL
            .iter()
            .map(|s| u8::from(s.national_status()))
            .collect();
        used.sort_unstable();
        used.dedup();
        assert_eq!(used, (1..=10).collect::<Vec<u8>>());
        for state in DossierState::ALL {
            assert_eq!(DossierState::parse(state.as_str()), Some(state));
        }
    }

    #[test]
    fn results_are_drafts_until_approval_signed_then_and_delivered_once_finished() {
        use DossierState as S;
        let stage = |s: S| s.result_stage();
        assert!(!stage(S::Submitted).accepts_results());
        assert!(!stage(S::Refused).accepts_results());
        for draft in [S::Received, S::Processing, S::AwaitingSupplement] {
            assert!(
                stage(draft).accepts_results() && !stage(draft).signs(),
                "{draft:?}"
            );
        }
        assert!(stage(S::Approved).signs() && !stage(S::Approved).delivers());
        assert!(stage(S::Finished).signs() && stage(S::Finished).delivers());
        assert!(stage(S::Returned).delivers());
    }
}

/// Where an open dossier stands against its appointment date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueState {
    OnTime,
    /// Due within one working day.
    DueSoon,
    Overdue,
}

impl DueState {
    pub fn as_str(self) -> &'static str {
        match self {
            DueState::OnTime => "on_time",
            DueState::DueSoon => "due_soon",
            DueState::Overdue => "overdue",
        }
    }

    pub fn parse(s: &str) -> Option<DueState> {
        [DueState::OnTime, DueState::DueSoon, DueState::Overdue]
            .into_iter()
            .find(|d| d.as_str() == s)
    }

    /// `soon` is the instant one working day from `now`. None for a dossier without a
    /// running appointment date (not received yet, paused, or decided).
    pub fn of<T: PartialOrd>(due: Option<&T>, now: &T, soon: &T) -> Option<DueState> {
        let due = due?;
        Some(if due < now {
            DueState::Overdue
        } else if due <= soon {
            DueState::DueSoon
        } else {
            DueState::OnTime
        })
    }
}
