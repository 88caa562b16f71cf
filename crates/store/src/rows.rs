//! Multi-row statements: their placeholders, and how many rows go in one.

/// `($1, $2, …), (…)` for `rows` rows of `cols` columns.
pub(crate) fn values_placeholders(rows: usize, cols: usize) -> String {
    let mut out = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..cols {
            if c > 0 {
                out.push_str(", ");
            }
            out.push_str(&format!("${}", r * cols + c + 1));
        }
        out.push(')');
    }
    out
}

/// [`values_placeholders`] for SQLite alone, with anonymous `?` placeholders bound in
/// order: SQLite looks a numbered one up by a linear scan of the statement's names for each
/// value bound, which for the batches' 400-value statements was 2 % of a submission's CPU.
pub(crate) fn sqlite_values_placeholders(rows: usize, cols: usize) -> String {
    let row = format!("({})", vec!["?"; cols].join(", "));
    vec![row; rows].join(", ")
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
