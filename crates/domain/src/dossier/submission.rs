//! Why a submission is refused before anything is written. The store finds out which
//! (it looks the agency, the published version and the approved process up); the rule's
//! wording and code live here so every edge reports it the same way.

use super::DossierError;

/// A submission the rules refuse (Decree 118/2025: a dossier is received only for a
/// published procedure, at an agency with an approved internal process for it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmissionRefused {
    #[error("Không có cơ quan {0}.")]
    UnknownAgency(String),
    #[error("Thủ tục {0} chưa được công bố.")]
    ProcedureNotPublished(String),
    #[error("Thủ tục {procedure} chưa có quy trình nội bộ được phê duyệt tại cơ quan {agency}.")]
    NoApprovedProcess { procedure: String, agency: String },
    /// Receiving the dossier at once (at the counter) broke a state rule.
    #[error(transparent)]
    Rule(DossierError),
    /// The idempotency key was sent before with another body.
    #[error("Khóa Idempotency-Key này đã được dùng cho một yêu cầu khác.")]
    KeyReused,
    /// A document named from the applicant's store is not there.
    #[error("Không có giấy tờ {0} trong kho dữ liệu của người nộp.")]
    WalletItemNotFound(String),
    /// A document from the store is kept under another identity number (Circular 01/2023).
    #[error(
        "Giấy tờ trong kho dữ liệu không thuộc người nộp hồ sơ này (số định danh hoặc mã số thuế khác)."
    )]
    WalletItemNotApplicants,
    /// The form was filled in on a version the catalogue has since replaced.
    #[error(
        "Thủ tục vừa được công bố phiên bản mới, với tờ khai đã thay đổi. Vui lòng mở lại tờ khai và nộp lại."
    )]
    FormVersionChanged,
}

impl SubmissionRefused {
    /// The stable code programs match on.
    pub fn code(&self) -> &'static str {
        match self {
            SubmissionRefused::UnknownAgency(_) => "unknown_agency",
            SubmissionRefused::ProcedureNotPublished(_) => "procedure_not_published",
            SubmissionRefused::NoApprovedProcess { .. } => "no_approved_process",
            SubmissionRefused::Rule(err) => err.code(),
            SubmissionRefused::KeyReused => "idempotency_key_reused",
            SubmissionRefused::WalletItemNotFound(_) => "wallet_item_not_found",
            SubmissionRefused::WalletItemNotApplicants => "wallet_item_not_applicants",
            SubmissionRefused::FormVersionChanged => "form_version_changed",
        }
    }

    /// Whether the request is at odds with the current state (a conflict) rather than
    /// naming something that is not there or not the applicant's (invalid input).
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            SubmissionRefused::Rule(_)
                | SubmissionRefused::KeyReused
                | SubmissionRefused::FormVersionChanged
        )
    }
}
