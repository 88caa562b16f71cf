//! The procedure catalogue: drafts, publication decisions, versions, assignments to
//! levels and agencies over time, named sets, and the revision counter that tells
//! every app node when its search index is stale.

mod draft;
mod load;
mod publish;
mod read;

pub(crate) use load::load_catalogue_in_tx;

use crate::StoreError;
use crate::tx::{Tx, on_tx};
use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::agency::{AgencyCode, AgencyKind};
use motcua_domain::audit::AuditEntry;
use motcua_domain::procedure::{
    Assignment, Level, Procedure, ProcedureCode, ProcedureError, VersionState,
};
use motcua_domain::text::fold;
use serde::Serialize;
use uuid::Uuid;

/// A sector (lĩnh vực) from the sectors table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Sector {
    pub code: String,
    pub name: String,
}

/// A named set of procedures, e.g. the 25 essential online services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcedureSet {
    pub code: String,
    pub name: String,
    pub description: String,
    pub members: Vec<String>,
}

/// A publication decision as the edge gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDecision {
    pub number: String,
    pub decided_on: NaiveDate,
    pub signer: String,
    pub required_count: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Decision {
    pub id: Uuid,
    pub number: String,
    pub decided_on: NaiveDate,
    pub signer: String,
    pub required_count: Option<i64>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A decision with the number of procedures published under it.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionCount {
    #[serde(flatten)]
    pub decision: Decision,
    pub published: i64,
    pub withdrawn: i64,
}

/// A decision as a version refers to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecisionRef {
    pub number: String,
    pub decided_on: NaiveDate,
    pub signer: String,
}

/// One version of a procedure, with its whole body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionRecord {
    pub id: Uuid,
    pub code: String,
    pub version_no: i64,
    pub state: VersionState,
    pub procedure: Procedure,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub published_by: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub published_decision: Option<DecisionRef>,
    pub ended_by: Option<String>,
    pub ended_at: Option<DateTime<Utc>>,
    pub ended_decision: Option<DecisionRef>,
}

/// A procedure version published by a decision, as the index's publicity reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    pub code: String,
    pub decided_on: NaiveDate,
    pub valid_from: Option<NaiveDate>,
}

/// An assignment as stored, with what made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssignmentRecord {
    pub id: Uuid,
    pub procedure_code: String,
    #[serde(flatten)]
    pub assignment: Assignment,
    pub decision_number: Option<String>,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// Everything known about one procedure code.
#[derive(Debug, Clone, Serialize)]
pub struct ProcedureRecord {
    pub code: String,
    /// The version in force, if one is published.
    pub current: Option<VersionRecord>,
    /// The draft being prepared, if any.
    pub draft: Option<VersionRecord>,
    /// Every version, newest first, without bodies.
    pub versions: Vec<VersionSummary>,
    pub assignments: Vec<AssignmentRecord>,
    pub sets: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionSummary {
    pub code: String,
    pub version_no: i64,
    pub state: VersionState,
    pub name: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub published_decision: Option<String>,
    pub ended_decision: Option<String>,
}

/// A published procedure with where it is handled and the sets it belongs to.
#[derive(Debug, Clone, Serialize)]
pub struct PublishedEntry {
    pub version: VersionRecord,
    pub assignments: Vec<AssignmentRecord>,
    pub sets: Vec<String>,
}

/// Which procedures apply at a date, at which level and agency.
#[derive(Debug, Clone, Serialize)]
pub struct ApplicableProcedure {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub agency_code: Option<String>,
    pub agency_kind: Option<AgencyKind>,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
}

/// A set of publications and withdrawals under one decision.
#[derive(Debug, Clone)]
pub struct Publication {
    pub decision: NewDecision,
    pub publish: Vec<ProcedureCode>,
    pub withdraw: Vec<ProcedureCode>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicationOutcome {
    pub decision: Decision,
    /// (code, version number) for each published procedure.
    pub published: Vec<(String, i64)>,
    pub withdrawn: Vec<String>,
}

/// Moving a procedure to another level or agency from a date.
#[derive(Debug, Clone)]
pub struct Devolution {
    pub code: ProcedureCode,
    /// Only the assignments at this level move; None moves them all.
    pub from_level: Option<Level>,
    pub to_level: Level,
    pub agency_code: Option<AgencyCode>,
    pub agency_kind: Option<AgencyKind>,
    pub effective_from: NaiveDate,
    pub note: String,
}

/// A whole catalogue to load at once: every procedure is published under `decision`.
#[derive(Debug, Clone)]
pub struct CatalogueLoad {
    pub decision: NewDecision,
    pub procedures: Vec<Procedure>,
    /// (set code, procedure code).
    pub memberships: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct LoadOutcome {
    pub created: Vec<String>,
    pub updated: Vec<String>,
}

pub(super) fn invalid(err: &ProcedureError) -> StoreError {
    StoreError::Invalid {
        code: err.code(),
        detail: err.to_string(),
    }
}

pub(super) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("dữ liệu danh mục hỏng: {what}"))
}

pub(super) fn derived(
    template: &AuditEntry,
    action: &str,
    subject: String,
    detail: serde_json::Value,
) -> AuditEntry {
    AuditEntry {
        action: action.to_owned(),
        subject,
        detail: detail.to_string(),
        ..template.clone()
    }
}

pub(super) fn levels_text(levels: &[Level]) -> String {
    levels
        .iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

// ---------------------------------------------------------------- writes inside a transaction

pub(super) async fn bump_revision(tx: &mut Tx) -> Result<(), StoreError> {
    let sql = "UPDATE catalogue_revision SET revision = revision + 1 WHERE id = 1";
    on_tx!(tx, |conn| sqlx::query(sql)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(())
}

/// Refuses a sector or agency that is not in the catalogues.
pub(super) async fn check_references(tx: &mut Tx, p: &Procedure) -> Result<(), StoreError> {
    let sector_sql = "SELECT COUNT(*) FROM sectors WHERE code = $1";
    let sectors: i64 = on_tx!(tx, |conn| sqlx::query_scalar(sector_sql)
        .bind(&p.sector)
        .fetch_one(&mut *conn)
        .await?);
    if sectors == 0 {
        return Err(invalid(&ProcedureError::UnknownSector(p.sector.clone())));
    }
    if let Some(agency) = &p.agency_code {
        check_agency(tx, agency).await?;
    }
    Ok(())
}

pub(super) async fn check_agency(tx: &mut Tx, agency: &AgencyCode) -> Result<(), StoreError> {
    let sql = "SELECT COUNT(*) FROM agencies WHERE code = $1";
    let n: i64 = on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(agency.as_str())
        .fetch_one(&mut *conn)
        .await?);
    if n == 0 {
        return Err(invalid(&ProcedureError::UnknownAgency(agency.to_string())));
    }
    Ok(())
}

pub(super) async fn procedure_exists(tx: &mut Tx, code: &str) -> Result<bool, StoreError> {
    let sql = "SELECT COUNT(*) FROM procedures WHERE code = $1";
    let n: i64 = on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(code)
        .fetch_one(&mut *conn)
        .await?);
    Ok(n > 0)
}

pub(super) async fn insert_procedure_row(
    tx: &mut Tx,
    code: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO procedures (code, current_version_id, created_at) VALUES ($1, NULL, $2)";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(code)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(())
}

/// The newest version's (id, number, state), if any.
pub(super) async fn latest_version(
    tx: &mut Tx,
    code: &str,
) -> Result<Option<(Uuid, i64, VersionState)>, StoreError> {
    let sql = "SELECT id, version_no, state FROM procedure_versions WHERE code = $1 \
        ORDER BY version_no DESC LIMIT 1";
    let row: Option<(Uuid, i64, String)> = on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?);
    row.map(|(id, no, state)| Ok((id, no, state.parse().map_err(corrupt)?)))
        .transpose()
}

pub(super) async fn current_version_id(
    tx: &mut Tx,
    code: &str,
) -> Result<Option<Uuid>, StoreError> {
    let sql = "SELECT current_version_id FROM procedures WHERE code = $1";
    let row: Option<Option<Uuid>> = on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?);
    Ok(row.flatten())
}

pub(super) async fn insert_version(
    tx: &mut Tx,
    p: &Procedure,
    version_no: i64,
    by: &str,
    at: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    let body = serde_json::to_string(p).map_err(corrupt)?;
    let sql = "INSERT INTO procedure_versions (id, code, version_no, state, name, name_folded, \
        sector_code, levels, online_level, agency_code, agency_kind, valid_from, valid_to, body, \
        created_by, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(id)
        .bind(p.code.as_str())
        .bind(version_no)
        .bind(VersionState::Draft.as_str())
        .bind(&p.name)
        .bind(fold(&p.name))
        .bind(&p.sector)
        .bind(levels_text(&p.levels))
        .bind(p.online_level.as_str())
        .bind(p.agency_code.as_ref().map(AgencyCode::as_str))
        .bind(p.agency_kind.map(AgencyKind::as_str))
        .bind(p.valid_from)
        .bind(p.valid_to)
        .bind(body)
        .bind(by)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(id)
}
