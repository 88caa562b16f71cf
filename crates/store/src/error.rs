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
    /// The database cannot be reached or cannot take writes now (connection lost, pool
    /// exhausted, disk full, locked): a retry later may well succeed.
    pub fn is_unavailable(&self) -> bool {
        let StoreError::Database(err) = self else {
            return false;
        };
        match err {
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Tls(_) => true,
            sqlx::Error::Database(db) => {
                let code = db.code().unwrap_or_default();
                // PostgreSQL: connection exceptions (08), insufficient resources (53, disk
                // full among them), operator intervention (57: shutdown, cannot connect now).
                // SQLite: busy (5), locked (6), I/O error (10), full (13).
                code.starts_with("08")
                    || code.starts_with("53")
                    || code.starts_with("57")
                    || matches!(code.parse::<i32>().map(|c| c & 0xff), Ok(5 | 6 | 10 | 13))
            }
            _ => false,
        }
    }

    /// The disk (or the database's quota) is full: SQLite's SQLITE_FULL, PostgreSQL's
    /// disk_full, or ENOSPC from the file system. Retrying helps only once space is freed.
    pub fn is_storage_full(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(db)) => {
                let code = db.code().unwrap_or_default();
                code == "53100" || code.parse::<i32>().is_ok_and(|c| c & 0xff == 13)
            }
            StoreError::Database(sqlx::Error::Io(io)) => is_disk_full(io),
            _ => false,
        }
    }

    pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
        matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
    }
}

/// ENOSPC (and EDQUOT, a full quota), as the file system reports them.
pub fn is_disk_full(err: &std::io::Error) -> bool {
    err.kind() == std::io::ErrorKind::StorageFull || err.kind() == std::io::ErrorKind::QuotaExceeded
}

#[cfg(test)]
mod tests {
    use super::StoreError;

    #[test]
    fn lost_connections_are_unavailable_rule_failures_are_not() {
        for e in [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
            sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused)),
        ] {
            assert!(StoreError::Database(e).is_unavailable());
        }
        assert!(!StoreError::Database(sqlx::Error::RowNotFound).is_unavailable());
        assert!(!StoreError::NotFound("x".into()).is_unavailable());
        assert!(!StoreError::Config("x".into()).is_unavailable());
    }

    #[test]
    fn a_full_disk_is_told_apart() {
        let enospc = std::io::Error::from_raw_os_error(28);
        assert!(StoreError::Database(sqlx::Error::Io(enospc)).is_storage_full());
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(!StoreError::Database(sqlx::Error::Io(refused)).is_storage_full());
        assert!(!StoreError::Database(sqlx::Error::PoolTimedOut).is_storage_full());
    }
}
