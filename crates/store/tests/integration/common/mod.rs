//! Helpers the store's test modules share.

use chrono::NaiveDate;
use motcua_domain::account::Role;
use motcua_domain::agency::AgencyCode;
use motcua_domain::dossier::ProcessStep;
use motcua_store::{Store, StoreError};

pub const COMMUNE_A: &str = "000.01.40.H37";
pub const COMMUNE_B: &str = "000.02.40.H37";
pub const JUSTICE: &str = "000.00.02.H37";
pub const BIRTH: &str = "1.001193";

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn ac(code: &str) -> AgencyCode {
    AgencyCode::parse(code).unwrap()
}

pub fn code_of(err: &StoreError) -> &'static str {
    match err {
        StoreError::Conflict { code, .. } | StoreError::Invalid { code, .. } => code,
        StoreError::NotFound(_) => "not_found",
        _ => "other",
    }
}

/// Receipt, appraisal and approval, with these budgets in working minutes.
pub fn steps(minutes: [u32; 3]) -> Vec<ProcessStep> {
    let step = |name: &str, role, budget| ProcessStep {
        name: name.into(),
        role,
        agency: None,
        budget_minutes: budget,
    };
    vec![
        step("Tiếp nhận", Role::Receiver, minutes[0]),
        step("Thẩm định", Role::Specialist, minutes[1]),
        step("Phê duyệt", Role::Leader, minutes[2]),
    ]
}

/// A new SQLite database in `dir`, not migrated.
pub async fn sqlite_store(dir: &tempfile::TempDir) -> Store {
    Store::open_sqlite(&dir.path().join("test.sqlite3"))
        .await
        .unwrap()
}

/// A new PostgreSQL database, not migrated; None after the test kit's loud skip.
pub async fn postgres_store() -> Option<Store> {
    let url = motcua_testkit::fresh_postgres_url().await?;
    Some(Store::open_postgres(&url).await.unwrap())
}
