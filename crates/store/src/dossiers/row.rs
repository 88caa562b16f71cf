//! The dossier row: how a dossier is stored and read back, its audit event, and the
//! inserts and updates every dossier write shares. Submission, actions, moves, the bulk
//! load, the quality hook and the public lookup build on this; it depends on none of them.

use crate::Backend;
use crate::StoreError;
use crate::rows::{SQLITE_ROWS_PER_STATEMENT, values_placeholders};
use crate::tx::{Tx, on_tx};
use chrono::{DateTime, NaiveDateTime, Utc};
use motcua_domain::audit::{AuditEntry, AuditEvent};
use motcua_domain::calendar::from_vn_local;
use motcua_domain::dossier::{Applicant, Dossier, ProcessStep};
use motcua_domain::text::fold;
use serde::Serialize;
use uuid::Uuid;

/// Vietnamese local time → the UTC instant stored.
pub fn utc(local: NaiveDateTime) -> DateTime<Utc> {
    from_vn_local(local).with_timezone(&Utc)
}

pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("dữ liệu hồ sơ hỏng: {what}"))
}

pub(crate) fn json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(corrupt)
}

/// A dossier with what it refers to.
#[derive(Debug, Clone)]
pub struct DossierRecord {
    /// The state as the rules see it (times in Vietnamese local time).
    pub dossier: Dossier,
    pub procedure_code: String,
    pub procedure_name: String,
    pub procedure_version_id: Uuid,
    pub procedure_version_no: i64,
    pub process_id: Uuid,
    pub process_version_no: i64,
    /// The steps of the process version the dossier started on.
    pub steps: Vec<ProcessStep>,
    pub budget_minutes: i64,
    pub applicant: Applicant,
    pub owner: Option<String>,
    pub desk_agency: String,
    pub updated_at: DateTime<Utc>,
}

impl DossierRecord {
    pub fn code(&self) -> &str {
        self.dossier.code.as_str()
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RecordRow {
    body: String,
    applicant: String,
    owner: Option<String>,
    procedure_code: String,
    procedure_version_id: Uuid,
    process_id: Uuid,
    desk_agency: String,
    updated_at: DateTime<Utc>,
    procedure_name: String,
    procedure_version_no: i64,
    steps: String,
    budget_minutes: i64,
    process_version_no: i64,
}

pub(crate) const SELECT_RECORD: &str = "SELECT d.body, d.applicant, d.owner, d.procedure_code, \
    d.procedure_version_id, d.process_id, d.desk_agency, d.updated_at, v.name AS procedure_name, \
    v.version_no AS procedure_version_no, p.steps, p.budget_minutes, p.version_no AS process_version_no \
    FROM dossiers d JOIN procedure_versions v ON v.id = d.procedure_version_id \
    JOIN processes p ON p.id = d.process_id WHERE d.code = $1";

impl TryFrom<RecordRow> for DossierRecord {
    type Error = StoreError;
    fn try_from(r: RecordRow) -> Result<Self, StoreError> {
        Ok(DossierRecord {
            dossier: serde_json::from_str(&r.body).map_err(corrupt)?,
            applicant: serde_json::from_str(&r.applicant).map_err(corrupt)?,
            owner: r.owner,
            procedure_code: r.procedure_code,
            procedure_name: r.procedure_name,
            procedure_version_id: r.procedure_version_id,
            procedure_version_no: r.procedure_version_no,
            process_id: r.process_id,
            process_version_no: r.process_version_no,
            steps: serde_json::from_str(&r.steps).map_err(corrupt)?,
            budget_minutes: r.budget_minutes,
            desk_agency: r.desk_agency,
            updated_at: r.updated_at,
        })
    }
}

pub(crate) async fn record_in_tx(
    tx: &mut Tx,
    code: &str,
) -> Result<Option<DossierRecord>, StoreError> {
    let row: Option<RecordRow> = on_tx!(tx, |conn| sqlx::query_as(SELECT_RECORD)
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?);
    row.map(DossierRecord::try_from).transpose()
}

/// The audit event of a dossier change.
pub(crate) fn event_entry(
    actor: &AuditEntry,
    at: DateTime<Utc>,
    kind: &str,
    before: Option<&Dossier>,
    after: &Dossier,
    steps: &[ProcessStep],
    extra: serde_json::Value,
) -> AuditEntry {
    let step = steps.get(after.step);
    let detail = serde_json::json!({
        "from": before.map(|d| d.state.as_str()),
        "to": after.state.as_str(),
        "step": after.step,
        "step_name": step.map(|s| s.name.as_str()),
        "desk_agency": after.desk_agency(steps).as_str(),
        "assignee": after.assignee,
        "version": after.version,
        "data": extra,
    });
    AuditEntry {
        at,
        action: format!("dossier.{kind}"),
        subject: format!("dossier:{}", after.code),
        detail: detail.to_string(),
        ..actor.clone()
    }
}

/// Writes the dossier's new state if its version is still `expected`; false otherwise.
pub(crate) async fn update_dossier(
    tx: &mut Tx,
    d: &Dossier,
    desk_agency: &str,
    expected: i64,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let sql = "UPDATE dossiers SET receiving_agency = $2, handling_agency = $3, desk_agency = $4, \
        state = $5, national_status = $6, step_no = $7, assignee = $8, received_at = $9, \
        due_at = $10, finished_at = $11, returned_at = $12, version = $13, body = $14, \
        updated_at = $15 WHERE code = $1 AND version = $16";
    let body = json(d)?;
    let n = on_tx!(tx, |conn| sqlx::query(sql)
        .bind(d.code.as_str())
        .bind(d.receiving_agency.as_str())
        .bind(d.handling_agency.as_str())
        .bind(desk_agency)
        .bind(d.state.as_str())
        .bind(i64::from(u8::from(d.state.national_status())))
        .bind(d.step as i64)
        .bind(&d.assignee)
        .bind(d.received_at.map(utc))
        .bind(d.due_at.map(utc))
        .bind(d.finished_at.map(utc))
        .bind(d.returned_at.map(utc))
        .bind(d.version)
        .bind(&body)
        .bind(at)
        .bind(expected)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(n == 1)
}

pub(crate) fn stale(code: &str) -> StoreError {
    StoreError::Conflict {
        code: "stale_version",
        detail: format!(
            "Hồ sơ {code} vừa được người khác cập nhật. Hãy tải lại hồ sơ rồi thực hiện lại."
        ),
    }
}

/// The item kind of an in-flight dossier in transition plans, reports and moves.
pub const DOSSIER_KIND: &str = "dossier";

/// A dossier's event, as the history and the processing control sheet (form 05) need it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DossierEvent {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub actor_role: Option<String>,
    pub agency_code: Option<String>,
    /// `submitted`, `accept`, `forward`, … `moved`, `document_added`.
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub step: Option<i64>,
    pub step_name: Option<String>,
    pub desk_agency: Option<String>,
    pub assignee: Option<String>,
    /// The action's own data (reason, missing documents, amount, new date…).
    pub data: serde_json::Value,
}

/// A dossier's audit event as its history shows it.
pub(crate) fn dossier_event(e: AuditEvent) -> DossierEvent {
    let detail: serde_json::Value = serde_json::from_str(&e.entry.detail).unwrap_or_default();
    let text = |k: &str| detail.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    DossierEvent {
        seq: e.seq,
        at: e.entry.at,
        actor: e.entry.actor,
        actor_role: e.entry.actor_role,
        agency_code: e.entry.agency_code,
        action: e
            .entry
            .action
            .strip_prefix("dossier.")
            .unwrap_or(&e.entry.action)
            .to_owned(),
        from_state: text("from"),
        to_state: text("to"),
        step: detail.get("step").and_then(serde_json::Value::as_i64),
        step_name: text("step_name"),
        desk_agency: text("desk_agency"),
        assignee: text("assignee"),
        data: detail.get("data").cloned().unwrap_or_default(),
    }
}

/// The columns of a dossier row, as bound.
struct DossierRow {
    code: String,
    procedure_code: String,
    procedure_version_id: Uuid,
    process_id: Uuid,
    receiving_agency: String,
    handling_agency: String,
    desk_agency: String,
    state: String,
    national_status: i64,
    channel: String,
    step_no: i64,
    assignee: Option<String>,
    applicant_kind: String,
    applicant_name: String,
    applicant_name_folded: String,
    applicant_id: Option<String>,
    applicant: String,
    owner: Option<String>,
    submitted_at: DateTime<Utc>,
    received_at: Option<DateTime<Utc>>,
    due_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    returned_at: Option<DateTime<Utc>>,
    version: i64,
    body: String,
    updated_at: DateTime<Utc>,
}

pub(crate) const DOSSIER_COLUMNS: &str = "code, procedure_code, procedure_version_id, \
    process_id, receiving_agency, handling_agency, desk_agency, state, national_status, \
    channel, step_no, assignee, applicant_kind, applicant_name, applicant_name_folded, \
    applicant_id, applicant, owner, submitted_at, received_at, due_at, finished_at, \
    returned_at, version, body, updated_at";

impl DossierRow {
    fn of(record: &DossierRecord, at: DateTime<Utc>) -> Result<DossierRow, StoreError> {
        let d = &record.dossier;
        let a = &record.applicant;
        Ok(DossierRow {
            code: d.code.to_string(),
            procedure_code: record.procedure_code.clone(),
            procedure_version_id: record.procedure_version_id,
            process_id: record.process_id,
            receiving_agency: d.receiving_agency.to_string(),
            handling_agency: d.handling_agency.to_string(),
            desk_agency: record.desk_agency.clone(),
            state: d.state.as_str().to_owned(),
            national_status: i64::from(u8::from(d.state.national_status())),
            channel: d.channel.as_str().to_owned(),
            step_no: d.step as i64,
            assignee: d.assignee.clone(),
            applicant_kind: a.kind.as_str().to_owned(),
            applicant_name: a.name.clone(),
            applicant_name_folded: fold(&a.name),
            applicant_id: a
                .citizen_id
                .as_ref()
                .map(|c| c.as_str().to_owned())
                .or_else(|| a.tax_code.as_ref().map(|t| t.as_str().to_owned())),
            applicant: json(a)?,
            owner: record.owner.clone(),
            submitted_at: utc(d.submitted_at),
            received_at: d.received_at.map(utc),
            due_at: d.due_at.map(utc),
            finished_at: d.finished_at.map(utc),
            returned_at: d.returned_at.map(utc),
            version: d.version,
            body: json(d)?,
            updated_at: at,
        })
    }
}

/// Inserts new dossier rows: one statement on PostgreSQL, one per
/// [`SQLITE_ROWS_PER_STATEMENT`] rows on SQLite.
pub(crate) async fn insert_dossiers(
    tx: &mut Tx,
    records: &[(&DossierRecord, DateTime<Utc>)],
) -> Result<(), StoreError> {
    let rows = records
        .iter()
        .map(|(r, at)| DossierRow::of(r, *at))
        .collect::<Result<Vec<_>, _>>()?;
    match tx {
        Tx::Postgres(t) if !rows.is_empty() => {
            let sql = format!(
                "INSERT INTO dossiers ({DOSSIER_COLUMNS}) SELECT * FROM UNNEST(\
                 $1::text[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], \
                 $7::text[], $8::text[], $9::bigint[], $10::text[], $11::bigint[], $12::text[], \
                 $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], \
                 $19::timestamptz[], $20::timestamptz[], $21::timestamptz[], $22::timestamptz[], \
                 $23::timestamptz[], $24::bigint[], $25::text[], $26::timestamptz[])"
            );
            macro_rules! col {
                ($f:ident) => {
                    rows.iter().map(|r| r.$f.clone()).collect::<Vec<_>>()
                };
            }
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(col!(code))
                .bind(col!(procedure_code))
                .bind(col!(procedure_version_id))
                .bind(col!(process_id))
                .bind(col!(receiving_agency))
                .bind(col!(handling_agency))
                .bind(col!(desk_agency))
                .bind(col!(state))
                .bind(col!(national_status))
                .bind(col!(channel))
                .bind(col!(step_no))
                .bind(col!(assignee))
                .bind(col!(applicant_kind))
                .bind(col!(applicant_name))
                .bind(col!(applicant_name_folded))
                .bind(col!(applicant_id))
                .bind(col!(applicant))
                .bind(col!(owner))
                .bind(col!(submitted_at))
                .bind(col!(received_at))
                .bind(col!(due_at))
                .bind(col!(finished_at))
                .bind(col!(returned_at))
                .bind(col!(version))
                .bind(col!(body))
                .bind(col!(updated_at))
                .execute(&mut **t)
                .await?;
        }
        Tx::Postgres(_) => {}
        Tx::Sqlite(t) => {
            // Several rows per statement: each statement is a hop to SQLite's thread.
            for chunk in rows.chunks(SQLITE_ROWS_PER_STATEMENT) {
                let sql = format!(
                    "INSERT INTO dossiers ({DOSSIER_COLUMNS}) VALUES {}",
                    values_placeholders(Backend::Sqlite, chunk.len(), 26)
                );
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                for r in chunk {
                    query = query
                        .bind(&r.code)
                        .bind(&r.procedure_code)
                        .bind(r.procedure_version_id)
                        .bind(r.process_id)
                        .bind(&r.receiving_agency)
                        .bind(&r.handling_agency)
                        .bind(&r.desk_agency)
                        .bind(&r.state)
                        .bind(r.national_status)
                        .bind(&r.channel)
                        .bind(r.step_no)
                        .bind(&r.assignee)
                        .bind(&r.applicant_kind)
                        .bind(&r.applicant_name)
                        .bind(&r.applicant_name_folded)
                        .bind(&r.applicant_id)
                        .bind(&r.applicant)
                        .bind(&r.owner)
                        .bind(r.submitted_at)
                        .bind(r.received_at)
                        .bind(r.due_at)
                        .bind(r.finished_at)
                        .bind(r.returned_at)
                        .bind(r.version)
                        .bind(&r.body)
                        .bind(r.updated_at);
                }
                query.execute(&mut **t).await?;
            }
        }
    }
    Ok(())
}
