//! What the benchmarks share: their settings, medians, and a store of their own.
// Each benchmark uses its part.
#![allow(dead_code)]

use motcua_domain::audit::AuditEntry;
use motcua_domain::calendar::{HolidayCalendar, WorkingHours, to_vn_local};
use motcua_domain::dossier::{Action, Context, Dossier};
use motcua_store::DossierRecord;
use motcua_store::Store;
use std::path::Path;
use std::time::Duration;

/// A setting from the environment, or its default.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn median(list: &mut [Duration]) -> Duration {
    list.sort();
    list.get(list.len() / 2).copied().unwrap_or_default()
}

/// A fresh, migrated store: SQLite in `dir` with the production settings, or with
/// `BACKEND=postgres` a throwaway PostgreSQL database from the test kit.
pub async fn open_store(dir: &Path) -> anyhow::Result<Store> {
    let database_url = match std::env::var("BACKEND").as_deref() {
        Ok("postgres") => Some(
            motcua_testkit::fresh_postgres_url()
                .await
                .ok_or_else(|| anyhow::anyhow!("no PostgreSQL available"))?,
        ),
        _ => None,
    };
    let location = motcua::DataLocation {
        data_dir: dir.to_path_buf(),
        database_url,
        documents_url: None,
        database_wait: motcua::DATABASE_WAIT,
    };
    Ok(location.open_and_migrate().await?.0)
}

/// The same with the demo's agencies and accounts and the sample procedures.
pub async fn seeded_store(dir: &Path) -> anyhow::Result<Store> {
    let store = open_store(dir).await?;
    let (seed, _) = motcua::demo::build(|u| format!("{u}-bench-password"))?;
    let audit = AuditEntry::system(
        motcua_app::now(),
        "demo.seeded",
        "demo",
        serde_json::json!({}),
    );
    store.load_seed(&seed, motcua_app::now(), audit).await?;
    motcua::samples::load(&store).await?;
    Ok(store)
}

/// Where `action` takes `record` now, on the default working hours and no holidays.
pub fn next(record: &DossierRecord, action: &Action) -> anyhow::Result<Dossier> {
    let at = motcua_app::now();
    let (hours, holidays) = (WorkingHours::default(), HolidayCalendar::default());
    let ctx = Context {
        now: to_vn_local(&at),
        hours: &hours,
        holidays: &holidays,
        steps: &record.steps,
        budget_minutes: record.budget_minutes as u32,
    };
    Ok(record.dossier.apply(action, &ctx)?)
}
