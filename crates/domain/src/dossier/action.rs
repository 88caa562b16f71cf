//! What officers, applicants and the public can do to a dossier (the actions), and why the
//! state machine refuses one (the errors, each with a stable code).

use super::machine::{APOLOGY_NOTICE_DAYS, SUPPLEMENT_WINDOW_DAYS};
use super::rating::Rating;
use super::status::DossierState;
use crate::agency::AgencyCode;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    Accept,
    RequestSupplement {
        missing: Vec<String>,
        /// Why, and how to supply it: shown to the applicant and printed on form 02.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        /// The date the agency asks the supplement by, when it sets one (told to the applicant).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        supplement_by: Option<chrono::NaiveDate>,
    },
    SupplementReceived,
    RefuseAtReceipt {
        reason: String,
    },
    Assign {
        assignee: String,
    },
    Forward,
    SendBack {
        reason: String,
    },
    Transfer {
        to_agency: AgencyCode,
    },
    RequestPayment {
        amount_vnd: i64,
        /// Why the amount differs from the catalogue's fees (required then).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// The catalogue's fees as assessed for this dossier (quantities, exemptions).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        items: Vec<crate::fee::AssessedFee>,
    },
    RecordPayment {
        amount_vnd: i64,
        /// Through the online payment platform (confirmed by its notification), not at the
        /// counter.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        online: bool,
    },
    Approve,
    RefuseAfterAppraisal {
        reason: String,
    },
    Finish {
        result: String,
        electronic: bool,
    },
    ReturnResult,
    Withdraw {
        reason: String,
    },
    Stop {
        reason: String,
    },
    Apologise {
        reason: String,
        new_due: NaiveDateTime,
    },
    Rate {
        rating: Rating,
    },
}

/// The action without its data, for access rules and event names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Accept,
    RequestSupplement,
    SupplementReceived,
    RefuseAtReceipt,
    Assign,
    Forward,
    SendBack,
    Transfer,
    RequestPayment,
    RecordPayment,
    Approve,
    RefuseAfterAppraisal,
    Finish,
    ReturnResult,
    Withdraw,
    Stop,
    Apologise,
    Rate,
}

impl ActionKind {
    pub const ALL: [ActionKind; 18] = [
        ActionKind::Accept,
        ActionKind::RequestSupplement,
        ActionKind::SupplementReceived,
        ActionKind::RefuseAtReceipt,
        ActionKind::Assign,
        ActionKind::Forward,
        ActionKind::SendBack,
        ActionKind::Transfer,
        ActionKind::RequestPayment,
        ActionKind::RecordPayment,
        ActionKind::Approve,
        ActionKind::RefuseAfterAppraisal,
        ActionKind::Finish,
        ActionKind::ReturnResult,
        ActionKind::Withdraw,
        ActionKind::Stop,
        ActionKind::Apologise,
        ActionKind::Rate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Accept => "accept",
            ActionKind::RequestSupplement => "request_supplement",
            ActionKind::SupplementReceived => "supplement_received",
            ActionKind::RefuseAtReceipt => "refuse_at_receipt",
            ActionKind::Assign => "assign",
            ActionKind::Forward => "forward",
            ActionKind::SendBack => "send_back",
            ActionKind::Transfer => "transfer",
            ActionKind::RequestPayment => "request_payment",
            ActionKind::RecordPayment => "record_payment",
            ActionKind::Approve => "approve",
            ActionKind::RefuseAfterAppraisal => "refuse_after_appraisal",
            ActionKind::Finish => "finish",
            ActionKind::ReturnResult => "return_result",
            ActionKind::Withdraw => "withdraw",
            ActionKind::Stop => "stop",
            ActionKind::Apologise => "apologise",
            ActionKind::Rate => "rate",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            ActionKind::Accept => "Tiếp nhận",
            ActionKind::RequestSupplement => "Yêu cầu bổ sung",
            ActionKind::SupplementReceived => "Nhận hồ sơ bổ sung",
            ActionKind::RefuseAtReceipt => "Từ chối tiếp nhận",
            ActionKind::Assign => "Phân công",
            ActionKind::Forward => "Chuyển bước tiếp theo",
            ActionKind::SendBack => "Trả lại bước trước",
            ActionKind::Transfer => "Liên thông sang cơ quan khác",
            ActionKind::RequestPayment => "Yêu cầu thực hiện nghĩa vụ tài chính",
            ActionKind::RecordPayment => "Ghi nhận thanh toán",
            ActionKind::Approve => "Phê duyệt",
            ActionKind::RefuseAfterAppraisal => "Từ chối giải quyết",
            ActionKind::Finish => "Hoàn thành, có kết quả",
            ActionKind::ReturnResult => "Trả kết quả",
            ActionKind::Withdraw => "Rút hồ sơ",
            ActionKind::Stop => "Dừng xử lý",
            ActionKind::Apologise => "Xin lỗi, hẹn lại ngày trả",
            ActionKind::Rate => "Đánh giá",
        }
    }
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Accept => ActionKind::Accept,
            Action::RequestSupplement { .. } => ActionKind::RequestSupplement,
            Action::SupplementReceived => ActionKind::SupplementReceived,
            Action::RefuseAtReceipt { .. } => ActionKind::RefuseAtReceipt,
            Action::Assign { .. } => ActionKind::Assign,
            Action::Forward => ActionKind::Forward,
            Action::SendBack { .. } => ActionKind::SendBack,
            Action::Transfer { .. } => ActionKind::Transfer,
            Action::RequestPayment { .. } => ActionKind::RequestPayment,
            Action::RecordPayment { .. } => ActionKind::RecordPayment,
            Action::Approve => ActionKind::Approve,
            Action::RefuseAfterAppraisal { .. } => ActionKind::RefuseAfterAppraisal,
            Action::Finish { .. } => ActionKind::Finish,
            Action::ReturnResult => ActionKind::ReturnResult,
            Action::Withdraw { .. } => ActionKind::Withdraw,
            Action::Stop { .. } => ActionKind::Stop,
            Action::Apologise { .. } => ActionKind::Apologise,
            Action::Rate { .. } => ActionKind::Rate,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DossierError {
    #[error("không thể \"{}\" khi hồ sơ ở trạng thái \"{}\"", .action.label_vi(), .state.label_vi())]
    NotAllowedInState {
        action: ActionKind,
        state: DossierState,
    },
    #[error("đã yêu cầu bổ sung một lần ở giai đoạn này; không được yêu cầu lần nữa")]
    SupplementAlreadyRequested,
    #[error(
        "quá thời hạn {SUPPLEMENT_WINDOW_DAYS} ngày làm việc kể từ khi tiếp nhận để yêu cầu bổ sung"
    )]
    SupplementWindowPassed,
    #[error("phải nêu ít nhất một thành phần cần bổ sung")]
    NothingMissing,
    #[error("hạn bổ sung phải sau ngày hôm nay")]
    SupplementByPast,
    #[error("đây là bước cuối của quy trình; hãy phê duyệt hoặc từ chối")]
    NoNextStep,
    #[error("đây là bước đầu của quy trình")]
    NoPreviousStep,
    #[error("chỉ phê duyệt ở bước cuối của quy trình")]
    NotAtLastStep,
    #[error("phải nêu lý do")]
    ReasonRequired,
    #[error("số tiền phải lớn hơn 0")]
    InvalidAmount,
    #[error("chỉ được hẹn lại ngày trả kết quả một lần")]
    ApologyAlreadyGiven,
    #[error("phải xin lỗi và hẹn lại ít nhất {APOLOGY_NOTICE_DAYS} ngày làm việc trước hạn")]
    ApologyTooLate,
    #[error("ngày hẹn mới phải sau ngày hẹn cũ")]
    NewDateNotLater,
    #[error("hồ sơ chưa có ngày hẹn trả")]
    NoDueDate,
    #[error("hồ sơ đã được đánh giá")]
    AlreadyRated,
    #[error("quy trình không có bước nào")]
    EmptyProcess,
    #[error("cơ quan nhận liên thông trùng cơ quan đang giải quyết")]
    TransferToSelf,
}

impl DossierError {
    pub fn code(&self) -> &'static str {
        match self {
            DossierError::NotAllowedInState { .. } => "action_not_allowed",
            DossierError::SupplementAlreadyRequested => "supplement_already_requested",
            DossierError::SupplementWindowPassed => "supplement_window_passed",
            DossierError::NothingMissing => "nothing_missing",
            DossierError::SupplementByPast => "supplement_by_past",
            DossierError::NoNextStep => "no_next_step",
            DossierError::NoPreviousStep => "no_previous_step",
            DossierError::NotAtLastStep => "not_at_last_step",
            DossierError::ReasonRequired => "reason_required",
            DossierError::InvalidAmount => "invalid_amount",
            DossierError::ApologyAlreadyGiven => "apology_already_given",
            DossierError::ApologyTooLate => "apology_too_late",
            DossierError::NewDateNotLater => "new_date_not_later",
            DossierError::NoDueDate => "no_due_date",
            DossierError::AlreadyRated => "already_rated",
            DossierError::EmptyProcess => "empty_process",
            DossierError::TransferToSelf => "transfer_to_self",
        }
    }
}
