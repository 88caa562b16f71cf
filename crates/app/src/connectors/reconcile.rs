//! The daily reconciliation with the national portal: which dossiers it does not know as they
//! are, and queuing them again.

use crate::error::AppResult;
use crate::principal::Principal;
use crate::{App, now};
use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use motcua_domain::account::Role;
use motcua_domain::audit::AuditEntry;
use motcua_domain::calendar::from_vn_local;
use motcua_store::Reconciliation;

/// The reconciliation looks this far back.
pub const RECONCILE_DAYS: u64 = 90;

/// How many dossiers a report lists (the counts cover them all).
const LISTED: i64 = 200;

/// From the first day's Vietnamese midnight to the one after the last day.
fn span(from: NaiveDate, to: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let at = |d: NaiveDate| from_vn_local(d.and_time(chrono::NaiveTime::MIN)).with_timezone(&Utc);
    (
        at(from),
        at(to.checked_add_days(Days::new(1)).unwrap_or(to)),
    )
}

/// The dossiers submitted from `from` to `to` (both days included) that the portal does not
/// know as they are. Leaders see their agency's; province administrators and auditors all.
pub async fn reconciliation(
    app: &App,
    who: &Principal,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Reconciliation> {
    who.require(&[Role::Leader, Role::ProvinceAdmin, Role::Auditor])?;
    let agency = (who.role == Role::Leader).then(|| who.agency_code.clone().unwrap_or_default());
    let (start, end) = span(from, to);
    Ok(app
        .store
        .national_reconciliation(start, end, agency.as_deref(), LISTED)
        .await?)
}

/// Queues again, for the portal, the dossiers of the last [`RECONCILE_DAYS`] it does not know
/// as they are and that have nothing on the way; returns how many.
pub async fn resync(app: &App) -> AppResult<u64> {
    if !app.store.national_sync() {
        return Ok(0);
    }
    let at = now();
    let from = at - TimeDelta::days(RECONCILE_DAYS as i64);
    let audit = AuditEntry::system(
        at,
        "national.reconciled",
        "connector:national_portal",
        serde_json::json!({}),
    );
    Ok(app
        .store
        .resync_national(from, at + TimeDelta::minutes(1), at, 5_000, audit)
        .await?)
}

/// Runs [`resync`] at start and then once a day.
pub fn spawn_daily(app: App) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match resync(&app).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(
                    queued = n,
                    "national portal: reconciliation queued dossiers again"
                ),
                Err(err) => tracing::warn!(error = %err, "national portal: reconciliation failed"),
            }
        }
    })
}
