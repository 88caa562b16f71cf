//! The time every use case stamps its changes with.

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};

/// Now, at the precision both databases keep (microseconds), so what is stored
/// reads back equal.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Today's date in Vietnam (UTC+7).
pub fn today_vn() -> NaiveDate {
    now()
        .with_timezone(&motcua_domain::calendar::VN_OFFSET)
        .date_naive()
}
