//! What a use case answers when it cannot do what was asked. No status codes here: the
//! API maps each variant to problem+json in one place (`motcua_web::error`), the pages to
//! a message in one place, the command line to an exit code.

use motcua_domain::dossier::{AccessDenied, DossierError, SubmissionRefused};
use motcua_domain::quality::QualityError;
use motcua_store::StoreError;
use std::borrow::Cow;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Unknown, or not to be known by this principal.
    #[error("{detail}")]
    NotFound { code: &'static str, detail: String },
    /// The use case needs a signed-in account.
    #[error("Cần đăng nhập hoặc mã truy cập (Bearer) hợp lệ.")]
    Unauthenticated,
    /// A machine's request whose signature is missing, wrong, stale or replayed.
    #[error("{detail}")]
    BadSignature { code: &'static str, detail: String },
    /// Signed in, but not allowed.
    #[error("{detail}")]
    Forbidden { detail: String },
    /// Signed in and allowed to act here, but not in this way; `code` says which way.
    #[error("{detail}")]
    NotAllowed { code: &'static str, detail: String },
    /// The input cannot be read at all (a query parameter of the wrong form…).
    #[error("{detail}")]
    Malformed { code: &'static str, detail: String },
    /// The input is readable but breaks a rule; `field` names the form field when one is at fault.
    #[error("{detail}")]
    Invalid {
        code: &'static str,
        detail: String,
        field: Option<&'static str>,
    },
    /// A declaration that breaks its electronic form's rules: every field's problem.
    #[error("Tờ khai chưa hợp lệ: {} trường cần sửa.", problems.len())]
    InvalidForm {
        problems: Vec<motcua_domain::form::FieldProblem>,
    },
    /// The request is at odds with the current state: out-of-order actions, stale versions,
    /// a key reused with another body.
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    /// The change was decided on a version someone else has since changed.
    #[error("{detail}")]
    Stale { detail: String },
    /// A file or body over the size allowed.
    #[error("{detail}")]
    TooLarge { code: &'static str, detail: String },
    /// A file of a type not accepted.
    #[error("{detail}")]
    UnsupportedType { code: &'static str, detail: String },
    /// An idempotency key sent again with a different request.
    #[error("{detail}")]
    KeyReused { detail: String },
    /// Too many failed attempts; try again later.
    #[error("{detail}")]
    TooManyAttempts { code: &'static str, detail: String },
    /// A part the use case needs is switched off or unreachable.
    #[error("{detail}")]
    Unavailable { code: &'static str, detail: String },
    /// The disk is full: nothing was stored, and a retry works once space is freed.
    #[error("{detail}")]
    StorageFull { detail: String },
    /// Stored data is damaged or gone (a missing or corrupt blob): a server fault that is
    /// nonetheless explained.
    #[error("{detail}")]
    Broken { code: &'static str, detail: String },
    /// Anything else: logged, never shown.
    #[error("{0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn not_found(code: &'static str, detail: impl Into<String>) -> AppError {
        AppError::NotFound {
            code,
            detail: detail.into(),
        }
    }
    pub fn forbidden() -> AppError {
        AppError::Forbidden {
            detail: "Tài khoản không có quyền thực hiện thao tác này.".into(),
        }
    }
    pub fn malformed(code: &'static str, detail: impl Into<String>) -> AppError {
        AppError::Malformed {
            code,
            detail: detail.into(),
        }
    }
    pub fn invalid(code: &'static str, detail: impl Into<String>) -> AppError {
        AppError::Invalid {
            code,
            detail: detail.into(),
            field: None,
        }
    }
    /// A rule broken by one form field.
    pub fn invalid_field(
        field: &'static str,
        code: &'static str,
        detail: impl Into<String>,
    ) -> AppError {
        AppError::Invalid {
            code,
            detail: detail.into(),
            field: Some(field),
        }
    }
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> AppError {
        AppError::Conflict {
            code,
            detail: detail.into(),
        }
    }
    pub fn unavailable(code: &'static str, detail: impl Into<String>) -> AppError {
        AppError::Unavailable {
            code,
            detail: detail.into(),
        }
    }
    pub fn internal(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> AppError {
        AppError::Internal(err.into())
    }

    /// The stable code programs match on.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound { code, .. }
            | AppError::Malformed { code, .. }
            | AppError::Invalid { code, .. }
            | AppError::Conflict { code, .. }
            | AppError::NotAllowed { code, .. }
            | AppError::TooManyAttempts { code, .. }
            | AppError::TooLarge { code, .. }
            | AppError::Broken { code, .. }
            | AppError::UnsupportedType { code, .. }
            | AppError::BadSignature { code, .. }
            | AppError::Unavailable { code, .. } => code,
            AppError::Unauthenticated => "unauthenticated",
            AppError::Stale { .. } => "stale_version",
            AppError::InvalidForm { .. } => "invalid_form_data",
            AppError::StorageFull { .. } => "storage_full",
            AppError::KeyReused { .. } => "idempotency_key_reused",
            AppError::Forbidden { .. } => "forbidden",
            AppError::Internal(_) => "internal_error",
        }
    }

    /// The Vietnamese explanation for people (never the internals).
    pub fn detail(&self) -> Cow<'_, str> {
        match self {
            AppError::Internal(_) => "Hệ thống gặp lỗi ngoài dự kiến. Vui lòng thử lại sau.".into(),
            other => motcua_domain::text::sentence(&other.to_string())
                .into_owned()
                .into(),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> AppError {
        match err {
            StoreError::NotFound(what) => {
                AppError::not_found("not_found", format!("Không tìm thấy {what}."))
            }
            StoreError::Conflict {
                code: "idempotency_key_reused",
                detail,
            } => AppError::KeyReused { detail },
            StoreError::Conflict { code, detail } => AppError::Conflict { code, detail },
            StoreError::Invalid { code, detail } => AppError::invalid(code, detail),
            other if other.is_storage_full() => {
                tracing::error!(error = %other, "the disk is full");
                storage_full()
            }
            other if other.is_unavailable() => {
                tracing::warn!(error = %other, "the database is unavailable");
                storage_unavailable()
            }
            other => AppError::internal(other),
        }
    }
}

/// The answer while the database cannot be reached or written: retry, and for a
/// submission with the same Idempotency-Key, so a stored one is answered, not repeated.
pub fn storage_unavailable() -> AppError {
    AppError::Unavailable {
        code: "storage_unavailable",
        detail: "Cơ sở dữ liệu tạm thời không sẵn sàng. Vui lòng thử lại sau ít giây; khi gửi \
                 lại hồ sơ, dùng đúng Idempotency-Key cũ để không tạo hồ sơ thứ hai."
            .into(),
    }
}

/// The answer while the disk is full; the operator is told by the error log.
pub fn storage_full() -> AppError {
    AppError::StorageFull {
        detail: "Máy chủ đã hết chỗ lưu trữ nên chưa lưu được gì. Vui lòng thử lại sau; khi gửi \
                 lại hồ sơ, dùng đúng Idempotency-Key cũ để không tạo hồ sơ thứ hai."
            .into(),
    }
}

/// Rule failures: out-of-order actions and spent allowances are conflicts; missing or
/// bad data is invalid.
impl From<DossierError> for AppError {
    fn from(err: DossierError) -> AppError {
        match err {
            DossierError::ReasonRequired
            | DossierError::NothingMissing
            | DossierError::SupplementByPast
            | DossierError::InvalidAmount
            | DossierError::NewDateNotLater => AppError::invalid(err.code(), err.to_string()),
            _ => AppError::conflict(err.code(), err.to_string()),
        }
    }
}

/// A refused submission: a key reused with another body, a state rule broken on receipt
/// (a conflict, whatever the rule), or something named that is not there (invalid).
impl From<SubmissionRefused> for AppError {
    fn from(refused: SubmissionRefused) -> AppError {
        let (code, detail) = (refused.code(), refused.to_string());
        match refused {
            SubmissionRefused::KeyReused => AppError::KeyReused { detail },
            SubmissionRefused::Rule(_) | SubmissionRefused::FormVersionChanged => {
                AppError::conflict(code, detail)
            }
            SubmissionRefused::UnknownAgency(_)
            | SubmissionRefused::ProcedureNotPublished(_)
            | SubmissionRefused::NoApprovedProcess { .. }
            | SubmissionRefused::WalletItemNotFound(_)
            | SubmissionRefused::WalletItemNotApplicants => AppError::invalid(code, detail),
        }
    }
}

impl From<AccessDenied> for AppError {
    fn from(denied: AccessDenied) -> AppError {
        match denied {
            AccessDenied::Invisible => crate::dossiers::not_found(),
            AccessDenied::Forbidden => AppError::Forbidden {
                detail: denied.to_string(),
            },
        }
    }
}

impl From<crate::calendar::InputError> for AppError {
    fn from(err: crate::calendar::InputError) -> AppError {
        AppError::malformed(err.code, err.detail)
    }
}

/// The index's own failures (search, an interrupted build) are server faults.
impl From<crate::catalogue::CatalogueError> for AppError {
    fn from(err: crate::catalogue::CatalogueError) -> AppError {
        match err {
            crate::catalogue::CatalogueError::Store(e) => e.into(),
            other => AppError::internal(other),
        }
    }
}

/// A scope, period or figure that cannot be read.
impl From<QualityError> for AppError {
    fn from(err: QualityError) -> AppError {
        AppError::malformed(err.code(), err.to_string())
    }
}

/// A page or page size out of range.
impl From<motcua_domain::paging::PagingError> for AppError {
    fn from(err: motcua_domain::paging::PagingError) -> AppError {
        AppError::malformed("invalid_paging", err.to_string())
    }
}

/// A search text over the limit.
impl From<motcua_domain::text::SearchTooLong> for AppError {
    fn from(err: motcua_domain::text::SearchTooLong) -> AppError {
        AppError::malformed("query_too_long", err.to_string())
    }
}
