//! Reading the catalogue: a procedure and its versions, what applies at a date, the sectors.
//! Public, except drafts, which only province administrators see.

use super::{Snapshot, not_published};
use crate::{App, AppResult, Principal};
use chrono::NaiveDate;
use motcua_domain::account::Role;
use motcua_domain::procedure::{Level, VersionState};
use motcua_store::{
    ApplicableProcedure, ProcedureRecord, PublishedEntry, Sector, VersionRecord, VersionSummary,
};
use std::sync::Arc;

/// Whether the asker sees drafts.
pub fn sees_drafts(who: Option<&Principal>) -> bool {
    who.is_some_and(|u| u.role == Role::ProvinceAdmin)
}

/// A procedure with its assignments, sets and versions (404 for an unknown code).
pub async fn record(app: &App, code: &str) -> AppResult<ProcedureRecord> {
    app.store
        .procedure_record(code)
        .await?
        .ok_or_else(|| not_published(code))
}

/// The record and the version asked for (the published one by default); drafts only for
/// province administrators, others get 404 as for an unknown code.
pub async fn version(
    app: &App,
    who: Option<&Principal>,
    code: &str,
    number: Option<i64>,
) -> AppResult<(ProcedureRecord, VersionRecord)> {
    let mut record = record(app, code).await?;
    let version = match number {
        None => record.current.take(),
        Some(no) => app.store.procedure_version(code, no).await?,
    };
    let version = version
        .filter(|v| v.state != VersionState::Draft || sees_drafts(who))
        .ok_or_else(|| not_published(code))?;
    Ok((record, version))
}

/// The catalogue's index, rebuilt when the store changed.
pub async fn snapshot(app: &App) -> AppResult<Arc<Snapshot>> {
    Ok(app.catalogue.current(&app.store).await?)
}

/// The procedures in force at `at`, of a level and (by identifier or kind) an agency.
pub async fn applicable(
    app: &App,
    at: NaiveDate,
    level: Option<Level>,
    agency: Option<&str>,
) -> AppResult<Vec<ApplicableProcedure>> {
    let wanted = match agency {
        Some(a) => Some(snapshot(app).await?.agency_filter(a)),
        None => None,
    };
    let rows = app.store.applicable_at(at).await?;
    Ok(rows
        .into_iter()
        .filter(|r| level.is_none_or(|l| l == r.level))
        .filter(|r| {
            wanted.as_ref().is_none_or(|wanted| {
                r.agency_code.as_ref().is_some_and(|c| wanted.contains(c))
                    || r.agency_kind
                        .is_some_and(|k| wanted.iter().any(|w| w == k.as_str()))
            })
        })
        .collect())
}

/// The sectors procedures belong to.
pub async fn sectors(app: &App) -> AppResult<Vec<Sector>> {
    Ok(app.store.sectors().await?)
}

/// Every procedure's published version, by code.
pub async fn published(app: &App) -> AppResult<Vec<PublishedEntry>> {
    Ok(app.store.published_catalogue().await?)
}

/// The drafts waiting for publication (province administrators; empty for anyone else).
pub async fn drafts(app: &App, who: Option<&Principal>) -> AppResult<Vec<VersionSummary>> {
    if !sees_drafts(who) {
        return Ok(Vec::new());
    }
    Ok(app.store.drafts().await?)
}
