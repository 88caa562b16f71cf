//! Internal processes: drafted per procedure for one agency or as a level's default,
//! approved (superseding the one before), and looked up when a dossier starts.

use crate::audit::append;
use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::agency::{Agency, AgencyCode, AgencyKind};
use motcua_domain::audit::AuditEntry;
use motcua_domain::dossier::{ProcessState, ProcessStep, check_steps};
use motcua_domain::procedure::{Level, Procedure};
use serde::Serialize;
use uuid::Uuid;

/// A process to draft (or to redraft: an open draft of the same scope is rewritten).
#[derive(Debug, Clone)]
pub struct ProcessDraft {
    pub procedure_code: String,
    /// The agency the process is for; None for the default of `level`.
    pub agency_code: Option<AgencyCode>,
    /// The level; for an agency's own process it follows from the agency's kind.
    pub level: Level,
    pub steps: Vec<ProcessStep>,
    pub note: String,
}

/// One version of a process.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessRecord {
    pub id: Uuid,
    pub procedure_code: String,
    /// `agency:<code>` or `level:<level>`.
    pub scope: String,
    pub agency_code: Option<String>,
    pub level: Level,
    pub version_no: i64,
    pub state: ProcessState,
    pub steps: Vec<ProcessStep>,
    /// The steps' total, in working minutes: a dossier's time limit.
    pub budget_minutes: i64,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub superseded_at: Option<DateTime<Utc>>,
}

/// A published procedure, where it applies, with no approved process for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingProcess {
    pub procedure_code: String,
    pub name: String,
    pub level: Level,
    pub agency_code: Option<String>,
    pub agency_kind: Option<AgencyKind>,
}

/// The scopes of the processes that may cover a procedure at an agency: its own, and its
/// level's default.
fn scopes_for(agency: &Agency) -> (String, String) {
    (
        scope_of(Some(agency.code.as_str()), Level::Province),
        scope_of(None, level_of_kind(agency.kind)),
    )
}

pub(crate) fn scope_of(agency: Option<&str>, level: Level) -> String {
    match agency {
        Some(code) => format!("agency:{code}"),
        None => format!("level:{}", level.as_str()),
    }
}

/// The level whose dossiers an agency handles.
pub fn level_of_kind(kind: AgencyKind) -> Level {
    if kind == AgencyKind::CommuneCommittee {
        Level::Commune
    } else {
        Level::Province
    }
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("dữ liệu quy trình hỏng: {what}"))
}

#[derive(sqlx::FromRow)]
struct ProcessRow {
    id: Uuid,
    procedure_code: String,
    scope: String,
    agency_code: Option<String>,
    level: String,
    version_no: i64,
    state: String,
    steps: String,
    budget_minutes: i64,
    note: String,
    created_by: String,
    created_at: DateTime<Utc>,
    approved_by: Option<String>,
    approved_at: Option<DateTime<Utc>>,
    superseded_at: Option<DateTime<Utc>>,
}

pub(crate) const SELECT_PROCESS: &str = "SELECT id, procedure_code, scope, agency_code, level, \
    version_no, state, steps, budget_minutes, note, created_by, created_at, approved_by, \
    approved_at, superseded_at FROM processes";

impl TryFrom<ProcessRow> for ProcessRecord {
    type Error = StoreError;
    fn try_from(r: ProcessRow) -> Result<Self, StoreError> {
        Ok(ProcessRecord {
            id: r.id,
            procedure_code: r.procedure_code,
            scope: r.scope,
            agency_code: r.agency_code,
            level: r.level.parse().map_err(corrupt)?,
            version_no: r.version_no,
            state: ProcessState::parse(&r.state).ok_or_else(|| corrupt(&r.state))?,
            steps: serde_json::from_str(&r.steps).map_err(corrupt)?,
            budget_minutes: r.budget_minutes,
            note: r.note,
            created_by: r.created_by,
            created_at: r.created_at,
            approved_by: r.approved_by,
            approved_at: r.approved_at,
            superseded_at: r.superseded_at,
        })
    }
}

/// The published version of a procedure by id, number and name, without reading its body
/// (the submission's writer needs no more, and a long form is costly to parse there).
pub(crate) async fn published_ref_in_tx(
    tx: &mut Tx,
    code: &str,
) -> Result<Option<(Uuid, i64, String)>, StoreError> {
    let sql = "SELECT v.id, v.version_no, v.name FROM procedures p \
        JOIN procedure_versions v ON v.id = p.current_version_id WHERE p.code = $1";
    Ok(on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?))
}

/// The published version of a procedure: its id, number and body.
pub(crate) async fn published_in_tx(
    tx: &mut Tx,
    code: &str,
) -> Result<Option<(Uuid, i64, String, Procedure)>, StoreError> {
    let sql = "SELECT v.id, v.version_no, v.name, v.body FROM procedures p \
        JOIN procedure_versions v ON v.id = p.current_version_id WHERE p.code = $1";
    let row: Option<(Uuid, i64, String, String)> = on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?);
    row.map(|(id, no, name, body)| {
        let procedure: Procedure = serde_json::from_str(&body).map_err(corrupt)?;
        Ok((id, no, name, procedure))
    })
    .transpose()
}

pub(crate) async fn agency_kind_in_tx(
    tx: &mut Tx,
    code: &str,
) -> Result<Option<AgencyKind>, StoreError> {
    let kind: Option<String> = on_tx!(tx, |conn| sqlx::query_scalar(
        "SELECT kind FROM agencies WHERE code = $1"
    )
    .bind(code)
    .fetch_optional(&mut *conn)
    .await?);
    kind.map(|k| k.parse::<AgencyKind>().map_err(corrupt))
        .transpose()
}

/// The approved process for a procedure received at an agency: the agency's own, else the
/// default of the agency's level, else the default of another level (a commune centre
/// receives province procedures too, Decree 118/2025).
pub(crate) async fn approved_for_in_tx(
    tx: &mut Tx,
    procedure_code: &str,
    agency_code: &str,
    kind: AgencyKind,
) -> Result<Option<ProcessRecord>, StoreError> {
    let own = scope_of(Some(agency_code), Level::Province);
    let default = scope_of(None, level_of_kind(kind));
    let sql = format!(
        "{SELECT_PROCESS} WHERE procedure_code = $1 AND state = 'approved' \
         AND scope IN ($2, $3, 'level:province', 'level:commune') \
         ORDER BY CASE WHEN scope = $2 THEN 0 WHEN scope = $3 THEN 1 ELSE 2 END LIMIT 1"
    );
    let row: Option<ProcessRow> = on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(procedure_code)
        .bind(&own)
        .bind(&default)
        .fetch_optional(&mut *conn)
        .await?);
    row.map(ProcessRecord::try_from).transpose()
}

async fn process_in_tx(tx: &mut Tx, id: Uuid) -> Result<Option<ProcessRecord>, StoreError> {
    let sql = format!("{SELECT_PROCESS} WHERE id = $1");
    let row: Option<ProcessRow> = on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?);
    row.map(ProcessRecord::try_from).transpose()
}

/// Checks the steps against the legal time of the procedure's published version.
async fn check_against_published(
    tx: &mut Tx,
    procedure_code: &str,
    steps: &[ProcessStep],
) -> Result<u32, StoreError> {
    let Some((_, _, _, procedure)) = published_in_tx(tx, procedure_code).await? else {
        return Err(StoreError::Conflict {
            code: "procedure_not_published",
            detail: format!("Thủ tục {procedure_code} chưa được công bố."),
        });
    };
    let legal = procedure.processing_time.minutes();
    check_steps(steps, legal).map_err(|e| StoreError::Invalid {
        code: e.code(),
        detail: e.to_string(),
    })
}

impl Store {
    /// Drafts a process, or rewrites the open draft of the same scope. The steps must fit
    /// within the legal time of the procedure's published version.
    pub async fn save_process_draft(
        &self,
        draft: &ProcessDraft,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<ProcessRecord, StoreError> {
        let mut tx = self.begin_write().await?;
        let budget = check_against_published(&mut tx, &draft.procedure_code, &draft.steps).await?;
        let mut level = draft.level;
        if let Some(agency) = &draft.agency_code {
            let kind = agency_kind_in_tx(&mut tx, agency.as_str())
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("cơ quan {agency}")))?;
            level = level_of_kind(kind);
        }
        for step in &draft.steps {
            if let Some(agency) = &step.agency
                && agency_kind_in_tx(&mut tx, agency.as_str()).await?.is_none()
            {
                return Err(StoreError::Invalid {
                    code: "unknown_agency",
                    detail: format!("Không có cơ quan {agency} (bước {}).", step.name),
                });
            }
        }
        let agency = draft.agency_code.as_ref().map(AgencyCode::as_str);
        let scope = scope_of(agency, level);
        let steps = serde_json::to_string(&draft.steps).map_err(corrupt)?;
        let by = audit.actor.clone();
        let open: Option<Uuid> = on_tx!(&mut tx, |conn| {
            sqlx::query_scalar(
            "SELECT id FROM processes WHERE procedure_code = $1 AND scope = $2 AND state = 'draft'"
        )
        .bind(&draft.procedure_code)
        .bind(&scope)
        .fetch_optional(&mut *conn)
        .await?
        });
        let id = match open {
            Some(id) => {
                let sql = "UPDATE processes SET steps = $2, budget_minutes = $3, note = $4, \
                    created_by = $5, created_at = $6 WHERE id = $1";
                on_tx!(&mut tx, |conn| sqlx::query(sql)
                    .bind(id)
                    .bind(&steps)
                    .bind(i64::from(budget))
                    .bind(draft.note.trim())
                    .bind(&by)
                    .bind(at)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected());
                id
            }
            None => {
                let next: i64 = on_tx!(&mut tx, |conn| sqlx::query_scalar(
                    "SELECT COALESCE(MAX(version_no), 0) + 1 FROM processes \
                     WHERE procedure_code = $1 AND scope = $2"
                )
                .bind(&draft.procedure_code)
                .bind(&scope)
                .fetch_one(&mut *conn)
                .await?);
                let id = Uuid::now_v7();
                let sql = "INSERT INTO processes (id, procedure_code, scope, agency_code, level, \
                    version_no, state, steps, budget_minutes, note, created_by, created_at) \
                    VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $8, $9, $10, $11)";
                on_tx!(&mut tx, |conn| sqlx::query(sql)
                    .bind(id)
                    .bind(&draft.procedure_code)
                    .bind(&scope)
                    .bind(agency)
                    .bind(level.as_str())
                    .bind(next)
                    .bind(&steps)
                    .bind(i64::from(budget))
                    .bind(draft.note.trim())
                    .bind(&by)
                    .bind(at)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected());
                id
            }
        };
        let mut audit = audit;
        audit.subject = format!("process:{id}");
        append(&mut tx, audit).await?;
        let record = process_in_tx(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("quy trình {id}")))?;
        tx.commit().await?;
        Ok(record)
    }

    /// Approves a draft: it becomes the process new dossiers start on, and the approved
    /// one before it is superseded (dossiers already started keep theirs).
    pub async fn approve_process(
        &self,
        id: Uuid,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<ProcessRecord, StoreError> {
        let mut tx = self.begin_write().await?;
        let process = process_in_tx(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("quy trình {id}")))?;
        if process.state != ProcessState::Draft {
            return Err(StoreError::Conflict {
                code: "process_not_draft",
                detail: format!(
                    "Quy trình này đang ở trạng thái \"{}\"; chỉ phê duyệt được bản dự thảo.",
                    process.state.label_vi()
                ),
            });
        }
        check_against_published(&mut tx, &process.procedure_code, &process.steps).await?;
        let by = audit.actor.clone();
        on_tx!(&mut tx, |conn| sqlx::query(
            "UPDATE processes SET state = 'superseded', superseded_at = $3 \
             WHERE procedure_code = $1 AND scope = $2 AND state = 'approved'"
        )
        .bind(&process.procedure_code)
        .bind(&process.scope)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected());
        on_tx!(&mut tx, |conn| {
            sqlx::query(
            "UPDATE processes SET state = 'approved', approved_by = $2, approved_at = $3 WHERE id = $1"
        )
        .bind(id)
        .bind(&by)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        });
        let mut audit = audit;
        audit.subject = format!("process:{id}");
        append(&mut tx, audit).await?;
        let record = process_in_tx(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("quy trình {id}")))?;
        tx.commit().await?;
        Ok(record)
    }

    pub async fn process(&self, id: Uuid) -> Result<Option<ProcessRecord>, StoreError> {
        let sql = format!("{SELECT_PROCESS} WHERE id = $1");
        let row: Option<ProcessRow> =
            on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await?);
        row.map(ProcessRecord::try_from).transpose()
    }

    /// Processes by procedure and scope, newest version first; optionally one procedure's,
    /// one agency's (its own and its level's defaults are both listed) or one state's.
    pub async fn processes(
        &self,
        procedure_code: Option<&str>,
        agency_code: Option<&str>,
        state: Option<ProcessState>,
    ) -> Result<Vec<ProcessRecord>, StoreError> {
        let sql = format!(
            "{SELECT_PROCESS} WHERE ($1 IS NULL OR procedure_code = $1) \
             AND ($2 IS NULL OR agency_code = $2 OR agency_code IS NULL) \
             AND ($3 IS NULL OR state = $3) \
             ORDER BY procedure_code, scope, version_no DESC"
        );
        let state = state.map(ProcessState::as_str);
        let rows: Vec<ProcessRow> = on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(procedure_code)
            .bind(agency_code)
            .bind(state)
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(ProcessRecord::try_from).collect()
    }

    /// The approved process a new dossier of `procedure_code` received at `agency_code`
    /// would start on: the agency's own, else its level's default.
    pub async fn approved_process_for(
        &self,
        procedure_code: &str,
        agency_code: &str,
    ) -> Result<Option<ProcessRecord>, StoreError> {
        let Some(agency) = self.agency(agency_code).await? else {
            return Ok(None);
        };
        let (own, default) = scopes_for(&agency);
        let sql = format!(
            "{SELECT_PROCESS} WHERE procedure_code = $1 AND state = 'approved' \
             AND scope IN ($2, $3, 'level:province', 'level:commune') \
         ORDER BY CASE WHEN scope = $2 THEN 0 WHEN scope = $3 THEN 1 ELSE 2 END LIMIT 1"
        );
        let row: Option<ProcessRow> =
            on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(procedure_code)
                .bind(&own)
                .bind(&default)
                .fetch_optional(pool)
                .await?);
        row.map(ProcessRecord::try_from).transpose()
    }

    /// Whether an approved process covers the procedure at the agency (its own, or the
    /// level's default), without reading it.
    pub async fn has_approved_process(
        &self,
        procedure_code: &str,
        agency: &Agency,
    ) -> Result<bool, StoreError> {
        let (own, default) = scopes_for(agency);
        let sql = "SELECT 1 FROM processes WHERE procedure_code = $1 AND state = 'approved' \
                   AND scope IN ($2, $3, 'level:province', 'level:commune') LIMIT 1";
        let row: Option<(i32,)> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(procedure_code)
            .bind(&own)
            .bind(&default)
            .fetch_optional(pool)
            .await?);
        Ok(row.is_some())
    }

    /// Published procedures, with their assignments in force at `date`, that no approved
    /// process covers: neither the assigned agency's own nor the level's default.
    pub async fn procedures_without_process(
        &self,
        date: NaiveDate,
    ) -> Result<Vec<MissingProcess>, StoreError> {
        let applicable = self.applicable_at(date).await?;
        let approved = self
            .processes(None, None, Some(ProcessState::Approved))
            .await?;
        let covered = |code: &str, scope: &str| {
            approved
                .iter()
                .any(|p| p.procedure_code == code && p.scope == scope)
        };
        let mut missing = Vec::new();
        for a in applicable {
            let default = scope_of(None, a.level);
            let own = a.agency_code.as_deref().map(|c| scope_of(Some(c), a.level));
            let has = covered(&a.code, &default) || own.is_some_and(|s| covered(&a.code, &s));
            if !has {
                missing.push(MissingProcess {
                    procedure_code: a.code,
                    name: a.name,
                    level: a.level,
                    agency_code: a.agency_code,
                    agency_kind: a.agency_kind,
                });
            }
        }
        Ok(missing)
    }
}
