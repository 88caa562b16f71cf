//! The procedure catalogue: drafts, publication decisions, versions, assignments to
//! levels and agencies over time, named sets, and the revision counter that tells
//! every app node when its search index is stale.

use crate::audit::append;
use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::agency::{AgencyCode, AgencyKind};
use motcua_domain::audit::AuditEntry;
use motcua_domain::procedure::{
    Assignment, Cut, Level, Procedure, ProcedureCode, ProcedureError, VersionState,
    check_transition, cut_at,
};
use motcua_domain::text::fold;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
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

fn invalid(err: &ProcedureError) -> StoreError {
    StoreError::Invalid {
        code: err.code(),
        detail: err.to_string(),
    }
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Config(format!("dữ liệu danh mục hỏng: {what}"))
}

fn derived(
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

fn levels_text(levels: &[Level]) -> String {
    levels
        .iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    id: Uuid,
    code: String,
    version_no: i64,
    state: String,
    body: String,
    created_by: String,
    created_at: DateTime<Utc>,
    published_by: Option<String>,
    published_at: Option<DateTime<Utc>>,
    published_number: Option<String>,
    published_on: Option<NaiveDate>,
    published_signer: Option<String>,
    ended_by: Option<String>,
    ended_at: Option<DateTime<Utc>>,
    ended_number: Option<String>,
    ended_on: Option<NaiveDate>,
    ended_signer: Option<String>,
}

const SELECT_VERSION: &str = "SELECT v.id, v.code, v.version_no, v.state, v.body, v.created_by, \
    v.created_at, v.published_by, v.published_at, pd.number AS published_number, \
    pd.decided_on AS published_on, pd.signer AS published_signer, v.ended_by, v.ended_at, \
    ed.number AS ended_number, ed.decided_on AS ended_on, ed.signer AS ended_signer \
    FROM procedure_versions v \
    LEFT JOIN publication_decisions pd ON pd.id = v.published_decision_id \
    LEFT JOIN publication_decisions ed ON ed.id = v.ended_decision_id";

fn decision_ref(
    number: Option<String>,
    on: Option<NaiveDate>,
    signer: Option<String>,
) -> Option<DecisionRef> {
    Some(DecisionRef {
        number: number?,
        decided_on: on?,
        signer: signer.unwrap_or_default(),
    })
}

impl TryFrom<VersionRow> for VersionRecord {
    type Error = StoreError;
    fn try_from(r: VersionRow) -> Result<Self, StoreError> {
        let procedure: Procedure = serde_json::from_str(&r.body).map_err(corrupt)?;
        Ok(VersionRecord {
            id: r.id,
            code: r.code,
            version_no: r.version_no,
            state: r.state.parse().map_err(corrupt)?,
            procedure,
            created_by: r.created_by,
            created_at: r.created_at,
            published_by: r.published_by,
            published_at: r.published_at,
            published_decision: decision_ref(
                r.published_number,
                r.published_on,
                r.published_signer,
            ),
            ended_by: r.ended_by,
            ended_at: r.ended_at,
            ended_decision: decision_ref(r.ended_number, r.ended_on, r.ended_signer),
        })
    }
}

#[derive(sqlx::FromRow)]
struct AssignmentRow {
    id: Uuid,
    procedure_code: String,
    level: String,
    agency_code: Option<String>,
    agency_kind: Option<String>,
    effective_from: NaiveDate,
    effective_to: Option<NaiveDate>,
    decision_number: Option<String>,
    note: String,
    created_by: String,
    created_at: DateTime<Utc>,
}

const SELECT_ASSIGNMENT: &str = "SELECT a.id, a.procedure_code, a.level, a.agency_code, \
    a.agency_kind, a.effective_from, a.effective_to, d.number AS decision_number, a.note, \
    a.created_by, a.created_at FROM procedure_assignments a \
    LEFT JOIN publication_decisions d ON d.id = a.decision_id";

impl TryFrom<AssignmentRow> for AssignmentRecord {
    type Error = StoreError;
    fn try_from(r: AssignmentRow) -> Result<Self, StoreError> {
        Ok(AssignmentRecord {
            id: r.id,
            procedure_code: r.procedure_code,
            assignment: Assignment {
                level: r.level.parse().map_err(corrupt)?,
                agency_code: r
                    .agency_code
                    .as_deref()
                    .map(AgencyCode::parse)
                    .transpose()
                    .map_err(corrupt)?,
                agency_kind: r
                    .agency_kind
                    .as_deref()
                    .map(str::parse)
                    .transpose()
                    .map_err(corrupt)?,
                effective_from: r.effective_from,
                effective_to: r.effective_to,
            },
            decision_number: r.decision_number,
            note: r.note,
            created_by: r.created_by,
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    code: String,
    version_no: i64,
    state: String,
    name: String,
    created_by: String,
    created_at: DateTime<Utc>,
    published_number: Option<String>,
    ended_number: Option<String>,
}

const SELECT_SUMMARY: &str = "SELECT v.code, v.version_no, v.state, v.name, v.created_by, \
    v.created_at, pd.number AS published_number, ed.number AS ended_number \
    FROM procedure_versions v \
    LEFT JOIN publication_decisions pd ON pd.id = v.published_decision_id \
    LEFT JOIN publication_decisions ed ON ed.id = v.ended_decision_id";

impl TryFrom<SummaryRow> for VersionSummary {
    type Error = StoreError;
    fn try_from(r: SummaryRow) -> Result<Self, StoreError> {
        Ok(VersionSummary {
            code: r.code,
            version_no: r.version_no,
            state: r.state.parse().map_err(corrupt)?,
            name: r.name,
            created_by: r.created_by,
            created_at: r.created_at,
            published_decision: r.published_number,
            ended_decision: r.ended_number,
        })
    }
}

// ---------------------------------------------------------------- writes inside a transaction

async fn bump_revision(tx: &mut Tx) -> Result<(), StoreError> {
    let sql = "UPDATE catalogue_revision SET revision = revision + 1 WHERE id = 1";
    on_tx!(tx, |conn| sqlx::query(sql)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(())
}

/// Refuses a sector or agency that is not in the catalogues.
async fn check_references(tx: &mut Tx, p: &Procedure) -> Result<(), StoreError> {
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

async fn check_agency(tx: &mut Tx, agency: &AgencyCode) -> Result<(), StoreError> {
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

async fn procedure_exists(tx: &mut Tx, code: &str) -> Result<bool, StoreError> {
    let sql = "SELECT COUNT(*) FROM procedures WHERE code = $1";
    let n: i64 = on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(code)
        .fetch_one(&mut *conn)
        .await?);
    Ok(n > 0)
}

async fn insert_procedure_row(
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
async fn latest_version(
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

async fn current_version_id(tx: &mut Tx, code: &str) -> Result<Option<Uuid>, StoreError> {
    let sql = "SELECT current_version_id FROM procedures WHERE code = $1";
    let row: Option<Option<Uuid>> = on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?);
    Ok(row.flatten())
}

async fn insert_version(
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

async fn update_draft(
    tx: &mut Tx,
    id: Uuid,
    p: &Procedure,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let body = serde_json::to_string(p).map_err(corrupt)?;
    let sql = "UPDATE procedure_versions SET name = $2, name_folded = $3, sector_code = $4, \
        levels = $5, online_level = $6, agency_code = $7, agency_kind = $8, valid_from = $9, \
        valid_to = $10, body = $11, created_by = $12, created_at = $13 WHERE id = $1";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(id)
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
    Ok(())
}

/// Creates the draft, or rewrites the open one. Returns (version id, version number, created).
async fn write_draft(
    tx: &mut Tx,
    p: &Procedure,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(Uuid, i64), StoreError> {
    check_references(tx, p).await?;
    match latest_version(tx, p.code.as_str()).await? {
        Some((id, no, VersionState::Draft)) => {
            update_draft(tx, id, p, by, at).await?;
            Ok((id, no))
        }
        Some((_, no, _)) => Ok((insert_version(tx, p, no + 1, by, at).await?, no + 1)),
        None => Ok((insert_version(tx, p, 1, by, at).await?, 1)),
    }
}

async fn insert_decision(
    tx: &mut Tx,
    d: &NewDecision,
    by: &str,
    at: DateTime<Utc>,
) -> Result<Decision, StoreError> {
    if d.number.trim().is_empty() || d.signer.trim().is_empty() {
        return Err(StoreError::Invalid {
            code: "invalid_decision",
            detail: "Quyết định công bố phải có số và người ký.".into(),
        });
    }
    if d.required_count.is_some_and(|n| n < 0) {
        return Err(StoreError::Invalid {
            code: "invalid_decision",
            detail: "Số thủ tục phải công bố không được âm.".into(),
        });
    }
    let decision = Decision {
        id: Uuid::now_v7(),
        number: d.number.trim().to_owned(),
        decided_on: d.decided_on,
        signer: d.signer.trim().to_owned(),
        required_count: d.required_count,
        created_by: by.to_owned(),
        created_at: at,
    };
    let sql = "INSERT INTO publication_decisions (id, number, decided_on, signer, required_count, \
        created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
    let e = &decision;
    let result = on_tx!(tx, |conn| sqlx::query(sql)
        .bind(e.id)
        .bind(&e.number)
        .bind(e.decided_on)
        .bind(&e.signer)
        .bind(e.required_count)
        .bind(&e.created_by)
        .bind(e.created_at)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()));
    match result {
        Ok(_) => Ok(decision),
        Err(err) if StoreError::is_unique_violation(&err) => Err(StoreError::Conflict {
            code: "duplicate_decision_number",
            detail: format!("Đã có quyết định số {}.", decision.number),
        }),
        Err(err) => Err(err.into()),
    }
}

async fn open_assignments(tx: &mut Tx, code: &str) -> Result<Vec<AssignmentRecord>, StoreError> {
    let sql = format!(
        "{SELECT_ASSIGNMENT} WHERE a.procedure_code = $1 ORDER BY a.effective_from, a.level"
    );
    let rows: Vec<AssignmentRow> = on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(code)
        .fetch_all(&mut *conn)
        .await?);
    rows.into_iter().map(AssignmentRecord::try_from).collect()
}

/// Cuts the assignments `which` selects so that new ones can start on `from`.
async fn cut_assignments(
    tx: &mut Tx,
    code: &str,
    from: NaiveDate,
    which: impl Fn(&Assignment) -> bool,
) -> Result<(), StoreError> {
    for record in open_assignments(tx, code).await? {
        if !which(&record.assignment) {
            continue;
        }
        match cut_at(&record.assignment, from) {
            Some(Cut::Drop) => {
                let sql = "DELETE FROM procedure_assignments WHERE id = $1";
                on_tx!(tx, |conn| sqlx::query(sql)
                    .bind(record.id)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected());
            }
            Some(Cut::CloseOn(to)) => {
                let sql = "UPDATE procedure_assignments SET effective_to = $2 WHERE id = $1";
                on_tx!(tx, |conn| sqlx::query(sql)
                    .bind(record.id)
                    .bind(to)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected());
            }
            None => {}
        }
    }
    Ok(())
}

async fn insert_assignment(
    tx: &mut Tx,
    code: &str,
    a: &Assignment,
    decision: Option<Uuid>,
    note: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO procedure_assignments (id, procedure_code, level, agency_code, \
        agency_kind, effective_from, effective_to, decision_id, note, created_by, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(Uuid::now_v7())
        .bind(code)
        .bind(a.level.as_str())
        .bind(a.agency_code.as_ref().map(AgencyCode::as_str))
        .bind(a.agency_kind.map(AgencyKind::as_str))
        .bind(a.effective_from)
        .bind(a.effective_to)
        .bind(decision)
        .bind(note)
        .bind(by)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(())
}

/// The same place of handling, whatever the dates.
fn same_place(a: &Assignment, b: &Assignment) -> bool {
    a.level == b.level && a.agency_code == b.agency_code && a.agency_kind == b.agency_kind
}

/// Publishes the newest draft of `code` under `decision`; the version it replaces is
/// superseded. Assignments change only where the levels or agency changed.
async fn publish_in_tx(
    tx: &mut Tx,
    code: &str,
    decision: &Decision,
    by: &str,
    at: DateTime<Utc>,
    template: &AuditEntry,
) -> Result<i64, StoreError> {
    let Some((draft_id, version_no, state)) = latest_version(tx, code).await? else {
        return Err(StoreError::NotFound(format!("thủ tục {code}")));
    };
    check_transition(state, VersionState::Published).map_err(|e| match state {
        VersionState::Published => StoreError::Conflict {
            code: "invalid_state_transition",
            detail: format!("Thủ tục {code} không có dự thảo mới để công bố ({e})."),
        },
        _ => StoreError::Conflict {
            code: e.code(),
            detail: e.to_string(),
        },
    })?;
    let previous = current_version_id(tx, code).await?;
    if let Some(previous) = previous {
        let sql = "UPDATE procedure_versions SET state = $2, ended_by = $3, ended_at = $4, \
            ended_decision_id = $5 WHERE id = $1";
        on_tx!(tx, |conn| sqlx::query(sql)
            .bind(previous)
            .bind(VersionState::Superseded.as_str())
            .bind(by)
            .bind(at)
            .bind(decision.id)
            .execute(&mut *conn)
            .await?
            .rows_affected());
    }
    let sql = "UPDATE procedure_versions SET state = $2, published_by = $3, published_at = $4, \
        published_decision_id = $5 WHERE id = $1";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(draft_id)
        .bind(VersionState::Published.as_str())
        .bind(by)
        .bind(at)
        .bind(decision.id)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    let sql = "UPDATE procedures SET current_version_id = $2 WHERE code = $1";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(code)
        .bind(draft_id)
        .execute(&mut *conn)
        .await?
        .rows_affected());

    // Where it is handled: a first publication from its validity date (or the decision's
    // date); a later one changes the arrangement no earlier than its decision.
    let body_sql = "SELECT body FROM procedure_versions WHERE id = $1";
    let body: String = on_tx!(tx, |conn| sqlx::query_scalar(body_sql)
        .bind(draft_id)
        .fetch_one(&mut *conn)
        .await?);
    let procedure: Procedure = serde_json::from_str(&body).map_err(corrupt)?;
    let all: Vec<Assignment> = open_assignments(tx, code)
        .await?
        .into_iter()
        .map(|r| r.assignment)
        .collect();
    let stated = procedure.valid_from.unwrap_or(decision.decided_on);
    let from = if all.is_empty() {
        stated
    } else {
        stated.max(decision.decided_on)
    };
    let wanted = procedure.assignments_from(from);
    let existing: Vec<&Assignment> = all.iter().filter(|a| a.effective_to.is_none()).collect();
    let unchanged = existing.len() == wanted.len()
        && wanted
            .iter()
            .all(|w| existing.iter().any(|e| same_place(e, w)));
    if !unchanged {
        cut_assignments(tx, code, from, |_| true).await?;
        for a in &wanted {
            insert_assignment(tx, code, a, Some(decision.id), "Công bố", by, at).await?;
        }
    }
    append(
        tx,
        derived(
            template,
            "procedure.published",
            format!("procedure:{code}"),
            serde_json::json!({ "version": version_no, "decision": decision.number }),
        ),
    )
    .await?;
    Ok(version_no)
}

async fn withdraw_in_tx(
    tx: &mut Tx,
    code: &str,
    decision: &Decision,
    by: &str,
    at: DateTime<Utc>,
    template: &AuditEntry,
) -> Result<(), StoreError> {
    if !procedure_exists(tx, code).await? {
        return Err(StoreError::NotFound(format!("thủ tục {code}")));
    }
    let Some(current) = current_version_id(tx, code).await? else {
        let state = latest_version(tx, code)
            .await?
            .map_or(VersionState::Draft, |v| v.2);
        let e = check_transition(state, VersionState::Withdrawn)
            .err()
            .unwrap_or(ProcedureError::InvalidStateTransition {
                from: state,
                to: VersionState::Withdrawn,
            });
        return Err(StoreError::Conflict {
            code: e.code(),
            detail: format!("Thủ tục {code} chưa được công bố nên không thể bãi bỏ ({e})."),
        });
    };
    let sql = "UPDATE procedure_versions SET state = $2, ended_by = $3, ended_at = $4, \
        ended_decision_id = $5 WHERE id = $1";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(current)
        .bind(VersionState::Withdrawn.as_str())
        .bind(by)
        .bind(at)
        .bind(decision.id)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    let sql = "UPDATE procedures SET current_version_id = NULL WHERE code = $1";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(code)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    cut_assignments(tx, code, decision.decided_on, |_| true).await?;
    append(
        tx,
        derived(
            template,
            "procedure.withdrawn",
            format!("procedure:{code}"),
            serde_json::json!({ "decision": decision.number }),
        ),
    )
    .await?;
    Ok(())
}

async fn load_in_tx(
    tx: &mut Tx,
    load: &CatalogueLoad,
    by: &str,
    at: DateTime<Utc>,
    template: &AuditEntry,
) -> Result<(Decision, LoadOutcome), StoreError> {
    let decision = insert_decision(tx, &load.decision, by, at).await?;
    let mut outcome = LoadOutcome::default();
    let mut seen = BTreeSet::new();
    for p in &load.procedures {
        let code = p.code.as_str();
        if !seen.insert(code) {
            return Err(StoreError::Conflict {
                code: "duplicate_procedure_code",
                detail: format!("Mã thủ tục {code} xuất hiện hai lần."),
            });
        }
        if procedure_exists(tx, code).await? {
            outcome.updated.push(code.to_owned());
        } else {
            insert_procedure_row(tx, code, at).await?;
            outcome.created.push(code.to_owned());
        }
        write_draft(tx, p, by, at).await?;
        publish_in_tx(tx, code, &decision, by, at, template).await?;
        let sql = "DELETE FROM procedure_set_members WHERE procedure_code = $1";
        on_tx!(tx, |conn| sqlx::query(sql)
            .bind(code)
            .execute(&mut *conn)
            .await?
            .rows_affected());
    }
    for (set, code) in &load.memberships {
        let n: i64 = on_tx!(tx, |conn| sqlx::query_scalar(
            "SELECT COUNT(*) FROM procedure_sets WHERE code = $1"
        )
        .bind(set)
        .fetch_one(&mut *conn)
        .await?);
        if n == 0 {
            return Err(StoreError::Invalid {
                code: "unknown_set",
                detail: format!("Không có bộ thủ tục {set:?}."),
            });
        }
        let sql = "INSERT INTO procedure_set_members (set_code, procedure_code) VALUES ($1, $2) \
            ON CONFLICT (set_code, procedure_code) DO NOTHING";
        on_tx!(tx, |conn| sqlx::query(sql)
            .bind(set)
            .bind(code)
            .execute(&mut *conn)
            .await?
            .rows_affected());
    }
    bump_revision(tx).await?;
    Ok((decision, outcome))
}

pub(crate) async fn load_catalogue_in_tx(
    tx: &mut Tx,
    load: &CatalogueLoad,
    at: DateTime<Utc>,
    template: &AuditEntry,
) -> Result<(), StoreError> {
    load_in_tx(tx, load, &template.actor, at, template).await?;
    Ok(())
}

impl Store {
    pub async fn sectors(&self) -> Result<Vec<Sector>, StoreError> {
        let sql = "SELECT code, name FROM sectors ORDER BY name";
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .fetch_all(pool)
            .await?))
    }

    pub async fn procedure_sets(&self) -> Result<Vec<ProcedureSet>, StoreError> {
        let sets: Vec<(String, String, String)> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT code, name, description FROM procedure_sets ORDER BY code"
        )
        .fetch_all(pool)
        .await?);
        let members: Vec<(String, String)> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT set_code, procedure_code FROM procedure_set_members ORDER BY procedure_code"
        )
        .fetch_all(pool)
        .await?);
        Ok(sets
            .into_iter()
            .map(|(code, name, description)| ProcedureSet {
                members: members
                    .iter()
                    .filter(|(s, _)| *s == code)
                    .map(|(_, p)| p.clone())
                    .collect(),
                code,
                name,
                description,
            })
            .collect())
    }

    /// Bumped by every catalogue write: a cheap staleness check for search indexes.
    pub async fn catalogue_revision(&self) -> Result<i64, StoreError> {
        let sql = "SELECT revision FROM catalogue_revision WHERE id = 1";
        Ok(on_pool!(self, |pool| sqlx::query_scalar(sql)
            .fetch_one(pool)
            .await?))
    }

    /// Creates a new procedure as a first draft. Its code must be new.
    pub async fn create_procedure(
        &self,
        p: &Procedure,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<VersionRecord, StoreError> {
        let code = p.code.as_str();
        let mut tx = self.begin_write().await?;
        if procedure_exists(&mut tx, code).await? {
            return Err(StoreError::Conflict {
                code: "duplicate_procedure_code",
                detail: format!("Đã có thủ tục mã {code}."),
            });
        }
        insert_procedure_row(&mut tx, code, at).await?;
        let by = audit.actor.clone();
        write_draft(&mut tx, p, &by, at).await?;
        bump_revision(&mut tx).await?;
        append(&mut tx, audit).await?;
        tx.commit().await?;
        self.draft(code)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("thủ tục {code}")))
    }

    /// Writes the draft of an existing procedure: a new version after the published
    /// one, or the open draft rewritten.
    pub async fn save_draft(
        &self,
        p: &Procedure,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<VersionRecord, StoreError> {
        let code = p.code.as_str();
        let mut tx = self.begin_write().await?;
        if !procedure_exists(&mut tx, code).await? {
            return Err(StoreError::NotFound(format!("thủ tục {code}")));
        }
        let by = audit.actor.clone();
        write_draft(&mut tx, p, &by, at).await?;
        bump_revision(&mut tx).await?;
        append(&mut tx, audit).await?;
        tx.commit().await?;
        self.draft(code)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("thủ tục {code}")))
    }

    /// Publishes and withdraws procedures under one decision, all or nothing.
    /// `audit` is the decision's event; each procedure gets its own event as well.
    pub async fn publish(
        &self,
        publication: &Publication,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<PublicationOutcome, StoreError> {
        let both: Vec<_> = publication
            .publish
            .iter()
            .filter(|c| publication.withdraw.contains(c))
            .collect();
        if let Some(code) = both.first() {
            return Err(StoreError::Invalid {
                code: "publish_and_withdraw",
                detail: format!("Thủ tục {code} không thể vừa công bố vừa bãi bỏ."),
            });
        }
        if publication.publish.is_empty() && publication.withdraw.is_empty() {
            return Err(StoreError::Invalid {
                code: "empty_publication",
                detail: "Quyết định phải công bố hoặc bãi bỏ ít nhất một thủ tục.".into(),
            });
        }
        let by = audit.actor.clone();
        let mut tx = self.begin_write().await?;
        let decision = insert_decision(&mut tx, &publication.decision, &by, at).await?;
        let mut published = Vec::new();
        for code in unique(&publication.publish) {
            let no = publish_in_tx(&mut tx, code, &decision, &by, at, &audit).await?;
            published.push((code.to_owned(), no));
        }
        let mut withdrawn = Vec::new();
        for code in unique(&publication.withdraw) {
            withdraw_in_tx(&mut tx, code, &decision, &by, at, &audit).await?;
            withdrawn.push(code.to_owned());
        }
        bump_revision(&mut tx).await?;
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(PublicationOutcome {
            decision,
            published,
            withdrawn,
        })
    }

    /// Moves a published procedure to another level or agency from a date.
    pub async fn devolve(
        &self,
        d: &Devolution,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        let code = d.code.as_str();
        if d.agency_code.is_none() && d.agency_kind.is_none() {
            return Err(invalid(&ProcedureError::Missing {
                field: "agency_code",
                label: "cơ quan hoặc loại cơ quan thực hiện",
            }));
        }
        let by = audit.actor.clone();
        let mut tx = self.begin_write().await?;
        if !procedure_exists(&mut tx, code).await? {
            return Err(StoreError::NotFound(format!("thủ tục {code}")));
        }
        if current_version_id(&mut tx, code).await?.is_none() {
            return Err(StoreError::Conflict {
                code: "procedure_not_published",
                detail: format!("Thủ tục {code} chưa được công bố nên chưa thể phân cấp."),
            });
        }
        if let Some(agency) = &d.agency_code {
            check_agency(&mut tx, agency).await?;
        }
        let from_level = d.from_level;
        cut_assignments(&mut tx, code, d.effective_from, |a| {
            from_level.is_none_or(|l| l == a.level)
        })
        .await?;
        let new = Assignment {
            level: d.to_level,
            agency_code: d.agency_code.clone(),
            agency_kind: d.agency_kind,
            effective_from: d.effective_from,
            effective_to: None,
        };
        insert_assignment(&mut tx, code, &new, None, d.note.trim(), &by, at).await?;
        bump_revision(&mut tx).await?;
        append(&mut tx, audit).await?;
        tx.commit().await
    }

    /// Loads many procedures at once, each published under one decision: the import.
    /// All or nothing.
    pub async fn load_catalogue(
        &self,
        load: &CatalogueLoad,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<(Decision, LoadOutcome), StoreError> {
        let by = audit.actor.clone();
        let mut tx = self.begin_write().await?;
        let result = load_in_tx(&mut tx, load, &by, at, &audit).await?;
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(result)
    }

    async fn version_where(
        &self,
        condition: &str,
        code: &str,
    ) -> Result<Option<VersionRecord>, StoreError> {
        let sql = format!("{SELECT_VERSION} WHERE {condition} ORDER BY v.version_no DESC LIMIT 1");
        let row: Option<VersionRow> =
            on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(code)
                .fetch_optional(pool)
                .await?);
        row.map(VersionRecord::try_from).transpose()
    }

    /// The open draft of a procedure, if any.
    pub async fn draft(&self, code: &str) -> Result<Option<VersionRecord>, StoreError> {
        self.version_where("v.code = $1 AND v.state = 'draft'", code)
            .await
    }

    /// The version in force, if the procedure is published.
    pub async fn published_version(&self, code: &str) -> Result<Option<VersionRecord>, StoreError> {
        self.version_where(
            "v.id = (SELECT current_version_id FROM procedures WHERE code = $1)",
            code,
        )
        .await
    }

    /// One version by number: dossiers refer to the version they started on.
    pub async fn procedure_version(
        &self,
        code: &str,
        version_no: i64,
    ) -> Result<Option<VersionRecord>, StoreError> {
        let sql = format!("{SELECT_VERSION} WHERE v.code = $1 AND v.version_no = $2");
        let row: Option<VersionRow> =
            on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(code)
                .bind(version_no)
                .fetch_optional(pool)
                .await?);
        row.map(VersionRecord::try_from).transpose()
    }

    pub async fn assignments(&self, code: &str) -> Result<Vec<AssignmentRecord>, StoreError> {
        let sql = format!(
            "{SELECT_ASSIGNMENT} WHERE a.procedure_code = $1 ORDER BY a.effective_from, a.level"
        );
        let rows: Vec<AssignmentRow> =
            on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(code)
                .fetch_all(pool)
                .await?);
        rows.into_iter().map(AssignmentRecord::try_from).collect()
    }

    /// Everything about one procedure code, or None if the code is unknown.
    pub async fn procedure_record(
        &self,
        code: &str,
    ) -> Result<Option<ProcedureRecord>, StoreError> {
        let exists: i64 = on_pool!(self, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM procedures WHERE code = $1"
        )
        .bind(code)
        .fetch_one(pool)
        .await?);
        if exists == 0 {
            return Ok(None);
        }
        let sql = format!("{SELECT_SUMMARY} WHERE v.code = $1 ORDER BY v.version_no DESC");
        let rows: Vec<SummaryRow> = on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(code)
            .fetch_all(pool)
            .await?);
        let sets: Vec<String> = on_pool!(self, |pool| {
            sqlx::query_scalar(
            "SELECT set_code FROM procedure_set_members WHERE procedure_code = $1 ORDER BY set_code"
        )
        .bind(code)
        .fetch_all(pool)
        .await?
        });
        Ok(Some(ProcedureRecord {
            code: code.to_owned(),
            current: self.published_version(code).await?,
            draft: self.draft(code).await?,
            versions: rows
                .into_iter()
                .map(VersionSummary::try_from)
                .collect::<Result<_, _>>()?,
            assignments: self.assignments(code).await?,
            sets,
        }))
    }

    /// Every open draft, by code.
    pub async fn drafts(&self) -> Result<Vec<VersionSummary>, StoreError> {
        let sql = format!("{SELECT_SUMMARY} WHERE v.state = 'draft' ORDER BY v.code");
        let rows: Vec<SummaryRow> = on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(VersionSummary::try_from).collect()
    }

    /// Every published procedure with its assignments and sets, by code.
    pub async fn published_catalogue(&self) -> Result<Vec<PublishedEntry>, StoreError> {
        let sql = format!(
            "{SELECT_VERSION} JOIN procedures p ON p.current_version_id = v.id ORDER BY v.code"
        );
        let rows: Vec<VersionRow> = on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool)
            .await?);
        let sql =
            format!("{SELECT_ASSIGNMENT} ORDER BY a.procedure_code, a.effective_from, a.level");
        let assignments: Vec<AssignmentRow> =
            on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_all(pool)
                .await?);
        let mut by_code: BTreeMap<String, Vec<AssignmentRecord>> = BTreeMap::new();
        for row in assignments {
            let record = AssignmentRecord::try_from(row)?;
            by_code
                .entry(record.procedure_code.clone())
                .or_default()
                .push(record);
        }
        let members: Vec<(String, String)> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT procedure_code, set_code FROM procedure_set_members ORDER BY set_code"
        )
        .fetch_all(pool)
        .await?);
        let mut sets: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (code, set) in members {
            sets.entry(code).or_default().push(set);
        }
        rows.into_iter()
            .map(|row| {
                let version = VersionRecord::try_from(row)?;
                Ok(PublishedEntry {
                    assignments: by_code.remove(&version.code).unwrap_or_default(),
                    sets: sets.remove(&version.code).unwrap_or_default(),
                    version,
                })
            })
            .collect()
    }

    /// Which procedures apply at `date`, at which level and agency, by code.
    pub async fn applicable_at(
        &self,
        date: NaiveDate,
    ) -> Result<Vec<ApplicableProcedure>, StoreError> {
        let sql = "SELECT a.procedure_code, \
              (SELECT v.name FROM procedure_versions v WHERE v.code = a.procedure_code \
               AND v.state <> 'draft' ORDER BY v.version_no DESC LIMIT 1), \
              a.level, a.agency_code, a.agency_kind, a.effective_from, a.effective_to \
            FROM procedure_assignments a \
            WHERE a.effective_from <= $1 AND (a.effective_to IS NULL OR a.effective_to >= $1) \
            ORDER BY a.procedure_code, a.level";
        type Row = (
            String,
            Option<String>,
            String,
            Option<String>,
            Option<String>,
            NaiveDate,
            Option<NaiveDate>,
        );
        let rows: Vec<Row> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(date)
            .fetch_all(pool)
            .await?);
        rows.into_iter()
            .map(|r| {
                Ok(ApplicableProcedure {
                    code: r.0,
                    name: r.1.unwrap_or_default(),
                    level: r.2.parse().map_err(corrupt)?,
                    agency_code: r.3,
                    agency_kind: r
                        .4
                        .as_deref()
                        .map(str::parse)
                        .transpose()
                        .map_err(corrupt)?,
                    effective_from: r.5,
                    effective_to: r.6,
                })
            })
            .collect()
    }

    /// Every decision with how many procedures it published and withdrew, newest first.
    pub async fn decisions(&self) -> Result<Vec<DecisionCount>, StoreError> {
        let sql = "SELECT id, number, decided_on, signer, required_count, created_by, created_at \
            FROM publication_decisions ORDER BY decided_on DESC, number";
        let decisions: Vec<Decision> =
            on_pool!(self, |pool| sqlx::query_as(sql).fetch_all(pool).await?);
        let published: Vec<(Uuid, i64)> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT published_decision_id, COUNT(*) FROM procedure_versions \
             WHERE published_decision_id IS NOT NULL GROUP BY published_decision_id"
        )
        .fetch_all(pool)
        .await?);
        let withdrawn: Vec<(Uuid, i64)> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT ended_decision_id, COUNT(*) FROM procedure_versions \
             WHERE ended_decision_id IS NOT NULL AND state = 'withdrawn' GROUP BY ended_decision_id"
        )
        .fetch_all(pool)
        .await?);
        let count = |list: &[(Uuid, i64)], id: Uuid| {
            list.iter().find(|(d, _)| *d == id).map_or(0, |(_, n)| *n)
        };
        Ok(decisions
            .into_iter()
            .map(|decision| DecisionCount {
                published: count(&published, decision.id),
                withdrawn: count(&withdrawn, decision.id),
                decision,
            })
            .collect())
    }
}

fn unique(codes: &[ProcedureCode]) -> Vec<&str> {
    let mut seen = BTreeSet::new();
    codes
        .iter()
        .map(ProcedureCode::as_str)
        .filter(|c| seen.insert(*c))
        .collect()
}
