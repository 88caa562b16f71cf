use motcua_domain::dossier::SubmissionRefused;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("không tìm thấy: {0}")]
    NotFound(String),
    /// A uniqueness or state rule was violated; `code` is stable for API clients.
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    /// The input breaks a rule or names something that does not exist (a sector, an agency).
    #[error("{detail}")]
    Invalid { code: &'static str, detail: String },
    #[error("cấu hình cơ sở dữ liệu không hợp lệ: {0}")]
    Config(String),
    /// Stored data that cannot be read back (a damaged row or JSON body).
    #[error("{0}")]
    Corrupt(String),
    #[error("lỗi cơ sở dữ liệu: {0}")]
    Database(#[from] sqlx::Error),
    #[error("lỗi nâng cấp cơ sở dữ liệu: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

/// For callers that take every failure as a `StoreError`: a refusal keeps its code,
/// invalid input or a conflict as the rule says.
impl From<SubmissionRefused> for StoreError {
    fn from(refused: SubmissionRefused) -> StoreError {
        let (code, detail) = (refused.code(), refused.to_string());
        if refused.is_conflict() {
            StoreError::Conflict { code, detail }
        } else {
            StoreError::Invalid { code, detail }
        }
    }
}

impl StoreError {
    pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
        matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
    }
}
