//! Multi-row statements: their placeholders, and how many rows go in one.

use crate::Backend;

/// `(…), (…)` for `rows` rows of `cols` columns: `$1, $2, …` on PostgreSQL, anonymous `?`
/// bound in order on SQLite, which looks a numbered placeholder up by a linear scan of the
/// statement's names for each value bound (quadratic in a batch insert's 400 values; 2 % of
/// a submission's CPU).
pub(crate) fn values_placeholders(backend: Backend, rows: usize, cols: usize) -> String {
    let row = |r: usize| -> String {
        let marks: Vec<String> = match backend {
            Backend::Sqlite => vec!["?".to_owned(); cols],
            Backend::Postgres => (1..=cols).map(|c| format!("${}", r * cols + c)).collect(),
        };
        format!("({})", marks.join(", "))
    };
    (0..rows).map(row).collect::<Vec<_>>().join(", ")
}

/// `$first, $first+1, …`: `n` placeholders for an `IN (…)` list.
pub(crate) fn in_list(n: usize, first: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows per multi-row INSERT: well under both backends' limits on bound parameters.
pub(crate) const INSERT_CHUNK: usize = 500;

/// Rows per multi-row statement on SQLite in a submission batch: every statement is a hop
/// to and from SQLite's own thread, which cost more than the insert itself when each row had
/// its own.
pub(crate) const SQLITE_ROWS_PER_STATEMENT: usize = 16;
