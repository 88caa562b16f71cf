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

mod counters;
mod facts;
mod period;
mod scoring;

pub use counters::*;
pub use facts::*;
pub use period::*;
pub use scoring::*;
