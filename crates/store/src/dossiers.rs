//! Dossiers: submission with a per-agency daily code sequence allocated in the database,
//! idempotent online submission, actions under optimistic concurrency, the officers'
//! queue, events (audit events with subject `dossier:<code>`), the transition hook and
//! public-lookup throttling.

use crate::audit::append;
use crate::processes::agency_kind_in_tx;
use crate::quality::Change;
use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use motcua_domain::agency::AgencyCode;
use motcua_domain::audit::{AuditEntry, AuditEvent};
use motcua_domain::calendar::{Channel, HolidayCalendar, WorkingHours, from_vn_local};
use motcua_domain::dossier::{
    Action, Applicant, Dossier, DossierCode, DossierState, DueState, ProcessStep,
};
use motcua_domain::text::fold;
use motcua_domain::transition::BoundItem;
use serde::Serialize;
use std::sync::Arc;
use uuid::Uuid;

/// Vietnamese local time → the UTC instant stored.
pub fn utc(local: NaiveDateTime) -> DateTime<Utc> {
    from_vn_local(local).with_timezone(&Utc)
}

pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Config(format!("dữ liệu hồ sơ hỏng: {what}"))
}

pub(crate) fn json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(corrupt)
}

pub fn channel_str(channel: Channel) -> &'static str {
    match channel {
        Channel::Paper => "paper",
        Channel::Online => "online",
        Channel::Postal => "postal",
    }
}

/// The key an online submission was sent with, per principal (user).
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub principal: String,
    pub key: String,
    /// A hash of the request body: the same key with another body is refused.
    pub request_hash: String,
}

/// Receive the dossier at once (a paper dossier at the counter): the calendar to date it.
#[derive(Clone)]
pub struct ReceiveNow {
    pub hours: WorkingHours,
    pub holidays: Arc<HolidayCalendar>,
}

/// A dossier to register.
#[derive(Clone)]
pub struct Submission {
    pub procedure_code: String,
    /// The receiving agency; its code opens the dossier code.
    pub agency: AgencyCode,
    pub channel: Channel,
    pub applicant: Applicant,
    /// The signed-in citizen who submitted, if any: they see it among their dossiers.
    pub owner: Option<String>,
    pub idempotency: Option<IdempotencyKey>,
    pub at: DateTime<Utc>,
    /// Who submits; the store fills in action, subject and detail.
    pub actor: AuditEntry,
    pub receive: Option<ReceiveNow>,
    /// Documents taken from the applicant's store instead of being supplied again; each
    /// must be kept under the applicant's citizen ID or tax code.
    pub attachments: Vec<crate::WalletAttachment>,
}

/// What a submission came to.
#[derive(Debug, Clone)]
pub enum Submitted {
    Created(DossierRecord),
    /// The idempotency key was seen before with the same body: the first answer again.
    Replayed(DossierRecord),
}

impl Submitted {
    pub fn record(&self) -> &DossierRecord {
        match self {
            Submitted::Created(r) | Submitted::Replayed(r) => r,
        }
    }
    pub fn into_record(self) -> DossierRecord {
        match self {
            Submitted::Created(r) | Submitted::Replayed(r) => r,
        }
    }
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

/// The writer's page cache while bulk loading (negative: KiB), so a batch's index pages
/// stay in memory until it commits.
const BULK_LOAD_CACHE: &str = "PRAGMA cache_size = -524288";

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
async fn update_dossier(
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

fn stale(code: &str) -> StoreError {
    StoreError::Conflict {
        code: "stale_version",
        detail: format!(
            "Hồ sơ {code} vừa được người khác cập nhật. Hãy tải lại hồ sơ rồi thực hiện lại."
        ),
    }
}

/// A page of the queue.
#[derive(Debug, Clone, Serialize)]
pub struct DossierPage {
    pub items: Vec<DossierSummary>,
    /// Matching dossiers, counted up to a cap: when `total_exact` is false, more than
    /// `total` match.
    pub total: i64,
    pub total_exact: bool,
    pub page: i64,
    pub per_page: i64,
}

/// One line of a queue.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DossierSummary {
    pub code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub applicant_name: String,
    pub state: String,
    pub national_status: i64,
    pub channel: String,
    pub receiving_agency: String,
    pub handling_agency: String,
    pub desk_agency: String,
    pub step_no: i64,
    pub assignee: Option<String>,
    pub submitted_at: DateTime<Utc>,
    pub received_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub version: i64,
}

/// Whose dossiers a caller may list.
#[derive(Debug, Clone)]
pub enum Visibility {
    All,
    /// Received, handled or now at this agency.
    Agency(String),
    /// Now at this agency's desk: its work to do.
    Desk(String),
    /// Submitted by this signed-in citizen.
    Owner(String),
}

/// The queue's filters. `now` and `soon` (one working day later) define the due states.
#[derive(Debug, Clone)]
pub struct DossierFilter {
    pub visibility: Visibility,
    /// Empty: every state.
    pub states: Vec<DossierState>,
    /// Received, handled or now at this agency.
    pub agency: Option<String>,
    pub due: Option<DueState>,
    pub now: DateTime<Utc>,
    pub soon: DateTime<Utc>,
    /// A dossier code (or its beginning), a citizen ID or tax code, or part of a name.
    pub q: Option<String>,
    pub step: Option<i64>,
    pub assignee: Option<String>,
    pub procedure_code: Option<String>,
    /// From 1.
    pub page: i64,
    pub per_page: i64,
}

/// Open dossiers at an agency's desk.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AgencyCount {
    pub agency_code: String,
    pub open: i64,
    pub due_soon: i64,
    pub overdue: i64,
}

enum Bind {
    Text(String),
    Int(i64),
    Time(DateTime<Utc>),
}

const IN_FLIGHT: &str =
    "('received','processing','awaiting_supplement','awaiting_payment','approved')";
macro_rules! closed_states {
    () => {
        "('refused_at_receipt','returned','withdrawn','stopped')"
    };
}
const CLOSED: &str = closed_states!();
/// Open dossiers received, handled or at the desk at agency `$1`.
const BOUND_OPEN: &str = concat!(
    "(d.desk_agency = $1 OR d.receiving_agency = $1 OR d.handling_agency = $1) AND d.state NOT IN ",
    closed_states!()
);
/// The item kind of an in-flight dossier in transition plans, reports and moves.
pub const DOSSIER_KIND: &str = "dossier";

/// Builds the WHERE clause (and its binds) of a queue query.
fn queue_where(f: &DossierFilter) -> (String, Vec<Bind>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut binds: Vec<Bind> = Vec::new();
    let bind = |b: Bind, binds: &mut Vec<Bind>| {
        binds.push(b);
        format!("${}", binds.len())
    };
    let agency_clause = |code: &str, binds: &mut Vec<Bind>| {
        let p = bind(Bind::Text(code.to_owned()), binds);
        format!("(d.desk_agency = {p} OR d.receiving_agency = {p} OR d.handling_agency = {p})")
    };
    match &f.visibility {
        Visibility::All => {}
        Visibility::Agency(code) => clauses.push(agency_clause(code, &mut binds)),
        Visibility::Desk(code) => {
            let p = bind(Bind::Text(code.clone()), &mut binds);
            clauses.push(format!("d.desk_agency = {p}"));
        }
        Visibility::Owner(user) => {
            let p = bind(Bind::Text(user.clone()), &mut binds);
            clauses.push(format!("d.owner = {p}"));
        }
    }
    if let Some(agency) = &f.agency {
        clauses.push(agency_clause(agency, &mut binds));
    }
    if !f.states.is_empty() {
        let list: Vec<String> = f
            .states
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        clauses.push(format!("d.state IN ({})", list.join(",")));
    }
    if let Some(due) = f.due {
        clauses.push(format!("d.state IN {IN_FLIGHT}"));
        let now = bind(Bind::Time(f.now), &mut binds);
        match due {
            DueState::Overdue => clauses.push(format!("d.due_at < {now}")),
            DueState::DueSoon => {
                let soon = bind(Bind::Time(f.soon), &mut binds);
                clauses.push(format!("d.due_at >= {now} AND d.due_at <= {soon}"));
            }
            DueState::OnTime => {
                let soon = bind(Bind::Time(f.soon), &mut binds);
                clauses.push(format!("d.due_at > {soon}"));
            }
        }
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        if let Ok(code) = DossierCode::parse(q) {
            let p = bind(Bind::Text(code.to_string()), &mut binds);
            clauses.push(format!("d.code = {p}"));
        } else if q.chars().all(|c| c.is_ascii_digit() || c == '-') && q.len() >= 10 {
            let p = bind(Bind::Text(q.to_owned()), &mut binds);
            clauses.push(format!("d.applicant_id = {p}"));
        } else if q.contains('.') && q.chars().any(|c| c.is_ascii_digit()) {
            let p = bind(
                Bind::Text(format!("{}%", like_escape(&q.to_ascii_uppercase()))),
                &mut binds,
            );
            clauses.push(format!("d.code LIKE {p} ESCAPE '\\'"));
        } else {
            let p = bind(
                Bind::Text(format!("%{}%", like_escape(&fold(q)))),
                &mut binds,
            );
            clauses.push(format!("d.applicant_name_folded LIKE {p} ESCAPE '\\'"));
        }
    }
    if let Some(step) = f.step {
        let p = bind(Bind::Int(step), &mut binds);
        clauses.push(format!("d.step_no = {p}"));
    }
    if let Some(assignee) = &f.assignee {
        let p = bind(Bind::Text(assignee.clone()), &mut binds);
        clauses.push(format!("d.assignee = {p}"));
    }
    if let Some(code) = &f.procedure_code {
        let p = bind(Bind::Text(code.clone()), &mut binds);
        clauses.push(format!("d.procedure_code = {p}"));
    }
    let sql = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    (sql, binds)
}

fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut q = $query;
        for b in $binds {
            q = match b {
                Bind::Text(s) => q.bind(s.clone()),
                Bind::Int(i) => q.bind(*i),
                Bind::Time(t) => q.bind(*t),
            };
        }
        q
    }};
}

/// A dossier's event, as the history and the processing control sheet (form 05) need it.
#[derive(Debug, Clone, Serialize)]
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

/// One row of the processing control sheet (form 05): a step, who handled it, time in and out.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ControlSheetRow {
    pub step: i64,
    pub step_name: Option<String>,
    pub agency_code: Option<String>,
    /// Who moved the dossier on (or the assignee while it is still there).
    pub handler: Option<String>,
    pub time_in: DateTime<Utc>,
    pub time_out: Option<DateTime<Utc>>,
}

/// Rows of form 05 from a dossier's events: a row opens when the dossier is received or
/// arrives at a step (or another agency) and closes when it leaves.
pub fn control_sheet(events: &[DossierEvent]) -> Vec<ControlSheetRow> {
    let mut rows: Vec<ControlSheetRow> = Vec::new();
    for e in events {
        // Document events (added, digitised, signed…) do not move the dossier.
        if e.to_state.is_none() {
            continue;
        }
        let in_flight = e
            .to_state
            .as_deref()
            .and_then(DossierState::parse)
            .is_some_and(DossierState::is_in_flight);
        let key = (e.step, e.desk_agency.clone());
        match rows.last_mut() {
            Some(open) if open.time_out.is_none() => {
                let same = (Some(open.step), open.agency_code.clone()) == key;
                if !in_flight || !same {
                    open.time_out = Some(e.at);
                    open.handler = Some(e.actor.clone());
                } else if e.assignee.is_some() {
                    open.handler = e.assignee.clone();
                }
            }
            _ => {}
        }
        let open_now = rows.last().is_some_and(|r| r.time_out.is_none());
        if in_flight && !open_now {
            rows.push(ControlSheetRow {
                step: e.step.unwrap_or(0),
                step_name: e.step_name.clone(),
                agency_code: e.desk_agency.clone(),
                handler: e.assignee.clone(),
                time_in: e.at,
                time_out: None,
            });
        }
    }
    rows
}

/// How many matching dossiers the queue counts before it reports "more than this".
pub const QUEUE_COUNT_CAP: i64 = 10_000;

impl Store {
    pub async fn dossier(&self, code: &str) -> Result<Option<DossierRecord>, StoreError> {
        let row: Option<RecordRow> = on_pool!(self, |pool| sqlx::query_as(SELECT_RECORD)
            .bind(code)
            .fetch_optional(pool)
            .await?);
        row.map(DossierRecord::try_from).transpose()
    }

    /// Commits an action the domain has already applied (`after = before.apply(action)`),
    /// with its audit event, if nobody changed the dossier since `before` was read:
    /// otherwise `Conflict { code: "stale_version" }`.
    pub async fn commit_dossier_action(
        &self,
        before: &DossierRecord,
        action: &Action,
        after: &Dossier,
        at: DateTime<Utc>,
        actor: AuditEntry,
    ) -> Result<DossierRecord, StoreError> {
        let code = before.code();
        let desk = after.desk_agency(&before.steps).to_string();
        let mut tx = self.begin_write().await?;
        if !update_dossier(&mut tx, after, &desk, before.dossier.version, at).await? {
            return Err(stale(code));
        }
        let change = Change {
            procedure_code: &before.procedure_code,
            before: Some(&before.dossier),
            after,
        };
        self.quality_changed(&mut tx, &[change]).await?;
        if after.state.is_closed() && !before.dossier.state.is_closed() {
            crate::archive::retain_in_tx(&mut tx, code, before.procedure_version_id, at).await?;
        }
        let data = serde_json::to_value(action).map_err(corrupt)?;
        let entry = event_entry(
            &actor,
            at,
            action.kind().as_str(),
            Some(&before.dossier),
            after,
            &before.steps,
            data,
        );
        append(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(DossierRecord {
            dossier: after.clone(),
            desk_agency: desk,
            updated_at: at,
            ..before.clone()
        })
    }

    /// The events of a dossier, oldest first.
    pub async fn dossier_events(&self, code: &str) -> Result<Vec<DossierEvent>, StoreError> {
        let events = self.audit_events_for(&format!("dossier:{code}")).await?;
        Ok(events.into_iter().map(dossier_event).collect())
    }

    /// The queue: filtered, most urgent first (due date, then submission), one page,
    /// with the total counted up to [`QUEUE_COUNT_CAP`].
    pub async fn dossier_queue(&self, f: &DossierFilter) -> Result<DossierPage, StoreError> {
        self.dossier_queue_counting_to(f, QUEUE_COUNT_CAP).await
    }

    /// [`Store::dossier_queue`] with the count stopping after `cap` matching dossiers.
    pub async fn dossier_queue_counting_to(
        &self,
        f: &DossierFilter,
        cap: i64,
    ) -> Result<DossierPage, StoreError> {
        let per_page = f.per_page.clamp(1, 200);
        let page = f.page.max(1);
        let cap = cap.max(0);
        let (clause, binds) = queue_where(f);
        // A full count costs O(backlog) on a desk with hundreds of thousands of dossiers;
        // counting one row past the cap tells "exactly n" from "more than cap".
        let count_sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM dossiers d{clause} LIMIT {}) t",
            cap + 1
        );
        let counted: i64 = on_pool!(self, |pool| {
            bind_all!(
                sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql.clone())),
                &binds
            )
            .fetch_one(pool)
            .await?
        });
        // The page's codes come from the covering indexes alone (state, due date,
        // submission, code); only those rows are then read whole.
        let order = "ORDER BY d.due_at IS NULL, d.due_at, d.submitted_at, d.code";
        let sql = format!(
            "SELECT d.code, d.procedure_code, v.name AS procedure_name, d.applicant_name, d.state, \
             d.national_status, d.channel, d.receiving_agency, d.handling_agency, d.desk_agency, \
             d.step_no, d.assignee, d.submitted_at, d.received_at, d.due_at, d.finished_at, d.version \
             FROM dossiers d JOIN procedure_versions v ON v.id = d.procedure_version_id \
             WHERE d.code IN (SELECT d.code FROM dossiers d{clause} {order} LIMIT {per_page} OFFSET {}) \
             {order}",
            (page - 1) * per_page
        );
        let items: Vec<DossierSummary> = on_pool!(self, |pool| {
            bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &binds)
                .fetch_all(pool)
                .await?
        });
        Ok(DossierPage {
            items,
            total: counted.min(cap),
            total_exact: counted <= cap,
            page,
            per_page,
        })
    }

    /// Open dossiers per desk agency, with how many are due soon or overdue.
    pub async fn dossier_counts(
        &self,
        visibility: &Visibility,
        now: DateTime<Utc>,
        soon: DateTime<Utc>,
    ) -> Result<Vec<AgencyCount>, StoreError> {
        let (scope, param) = match visibility {
            Visibility::All => ("", None),
            Visibility::Agency(code) => (
                " AND (desk_agency = $3 OR receiving_agency = $3 OR handling_agency = $3)",
                Some(code.clone()),
            ),
            Visibility::Owner(user) => (" AND owner = $3", Some(user.clone())),
            Visibility::Desk(code) => (" AND desk_agency = $3", Some(code.clone())),
        };
        let sql = format!(
            "SELECT desk_agency AS agency_code, COUNT(*) AS open, \
             SUM(CASE WHEN state IN {IN_FLIGHT} AND due_at >= $1 AND due_at <= $2 THEN 1 ELSE 0 END) AS due_soon, \
             SUM(CASE WHEN state IN {IN_FLIGHT} AND due_at < $1 THEN 1 ELSE 0 END) AS overdue \
             FROM dossiers WHERE state NOT IN {CLOSED}{scope} GROUP BY desk_agency ORDER BY desk_agency"
        );
        let rows: Vec<AgencyCount> = on_pool!(self, |pool| {
            let q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(now)
                .bind(soon);
            let q = match &param {
                Some(p) => q.bind(p.clone()),
                None => q,
            };
            q.fetch_all(pool).await?
        });
        Ok(rows)
    }

    /// The transition hook: moves the open dossiers of `from` (received, handled or at the
    /// desk there) to `to`, deadlines and history unchanged, one audit event each, all in
    /// one transaction. Returns how many moved.
    pub async fn move_in_flight_dossiers(
        &self,
        from: &AgencyCode,
        to: &AgencyCode,
        audit_actor: AuditEntry,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        if agency_kind_in_tx(&mut tx, to.as_str()).await?.is_none() {
            return Err(StoreError::NotFound(format!("cơ quan {to}")));
        }
        let sql = format!("SELECT d.code FROM dossiers d WHERE {BOUND_OPEN} ORDER BY d.code");
        let codes: Vec<String> =
            on_tx!(&mut tx, |conn| sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(from.as_str())
                .fetch_all(&mut *conn)
                .await?);
        let mut moved = 0;
        for code in codes {
            if self
                .move_dossier_in_tx(
                    &mut tx,
                    &code,
                    from,
                    to,
                    &audit_actor,
                    serde_json::json!({}),
                )
                .await?
            {
                moved += 1;
            }
        }
        tx.commit().await?;
        Ok(moved)
    }

    /// Moves one open dossier from `from` to `to` in the caller's transaction: whichever of
    /// its receiving, handling and desk agency is `from` becomes `to`; deadlines, pauses
    /// and history stay; the version goes up; one `dossier.moved` event (its data: the two
    /// agencies and `extra`). False, writing nothing, when the dossier is closed or no longer
    /// at `from` (so a second run moves nothing).
    pub(crate) async fn move_dossier_in_tx(
        &self,
        tx: &mut Tx,
        code: &str,
        from: &AgencyCode,
        to: &AgencyCode,
        actor: &AuditEntry,
        extra: serde_json::Value,
    ) -> Result<bool, StoreError> {
        let Some(record) = record_in_tx(tx, code).await? else {
            return Ok(false);
        };
        let before = &record.dossier;
        let bound = before.receiving_agency == *from
            || before.handling_agency == *from
            || record.desk_agency == from.as_str();
        if before.state.is_closed() || !bound {
            return Ok(false);
        }
        let at = actor.at;
        let mut after = before.clone();
        if after.receiving_agency == *from {
            after.receiving_agency = to.clone();
        }
        if after.handling_agency == *from {
            after.handling_agency = to.clone();
        }
        after.version += 1;
        let mut desk = after.desk_agency(&record.steps).to_string();
        if desk == from.as_str() {
            // A step assigned to the abolished agency itself goes to the successor too.
            desk = to.to_string();
        }
        if !update_dossier(tx, &after, &desk, before.version, at).await? {
            return Err(stale(code));
        }
        let change = Change {
            procedure_code: &record.procedure_code,
            before: Some(before),
            after: &after,
        };
        self.quality_changed(tx, &[change]).await?;
        let mut data =
            serde_json::json!({ "from_agency": from.as_str(), "to_agency": to.as_str() });
        if let (Some(data), serde_json::Value::Object(extra)) = (data.as_object_mut(), extra) {
            data.extend(extra);
        }
        let mut entry = event_entry(
            actor,
            at,
            "moved",
            Some(before),
            &after,
            &record.steps,
            data,
        );
        entry.detail = {
            let mut d: serde_json::Value = serde_json::from_str(&entry.detail).unwrap_or_default();
            d["desk_agency"] = serde_json::Value::String(desk);
            d.to_string()
        };
        append(tx, entry).await?;
        Ok(true)
    }

    /// The open dossiers received, handled or at the desk at `agency`, for the transition
    /// plan: key the code, label the procedure and the applicant's masked name, and the
    /// applicant's address for the address rule.
    pub(crate) async fn in_flight_items(&self, agency: &str) -> Result<Vec<BoundItem>, StoreError> {
        let sql = format!(
            "SELECT d.code, v.name, d.applicant FROM dossiers d \
             JOIN procedure_versions v ON v.id = d.procedure_version_id \
             WHERE {BOUND_OPEN} ORDER BY d.code"
        );
        let rows: Vec<(String, String, String)> =
            on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(agency)
                .fetch_all(pool)
                .await?);
        rows.into_iter()
            .map(|(code, procedure, applicant)| {
                let applicant: Applicant = serde_json::from_str(&applicant).map_err(corrupt)?;
                Ok(BoundItem {
                    kind: DOSSIER_KIND.to_owned(),
                    key: code,
                    label: format!("{procedure} — {}", applicant.masked().name),
                    address: applicant.address,
                })
            })
            .collect()
    }

    /// How many dossiers there are.
    pub async fn count_dossiers(&self) -> Result<i64, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM dossiers"
        )
        .fetch_one(pool)
        .await?))
    }
}

impl Store {
    /// Inserts ready-made dossiers as they are (the data generator), raises each agency's
    /// daily sequence past the codes used, and records one audit event for the lot.
    pub async fn load_dossiers(
        &self,
        records: &[DossierRecord],
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        if let Tx::Sqlite(t) = &mut tx {
            // A batch touches thousands of index pages: in SQLite's 2 MiB default cache they
            // would spill to the WAL again and again before the commit.
            sqlx::query(BULK_LOAD_CACHE).execute(&mut **t).await?;
        }
        let mut lasts: std::collections::BTreeMap<(String, NaiveDate), i64> = Default::default();
        let rows: Vec<(&DossierRecord, DateTime<Utc>)> =
            records.iter().map(|r| (r, r.updated_at)).collect();
        crate::submit::insert_dossiers(&mut tx, &rows).await?;
        for r in records {
            let seq: i64 = r
                .code()
                .rsplit('-')
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let key = (
                r.dossier.receiving_agency.to_string(),
                r.dossier.submitted_at.date(),
            );
            let last = lasts.entry(key).or_default();
            *last = (*last).max(seq);
        }
        let sql = "INSERT INTO dossier_sequences (agency_code, day, last) VALUES ($1, $2, $3) \
            ON CONFLICT (agency_code, day) DO UPDATE SET \
            last = CASE WHEN dossier_sequences.last > $3 THEN dossier_sequences.last ELSE $3 END";
        let changes: Vec<Change<'_>> = records
            .iter()
            .map(|r| Change {
                procedure_code: &r.procedure_code,
                before: None,
                after: &r.dossier,
            })
            .collect();
        self.quality_changed(&mut tx, &changes).await?;
        for ((agency, day), last) in lasts {
            on_tx!(&mut tx, |conn| sqlx::query(sql)
                .bind(&agency)
                .bind(day)
                .bind(last)
                .execute(&mut *conn)
                .await?
                .rows_affected());
        }
        append(&mut tx, audit).await?;
        tx.commit().await
    }

    /// Every agency's last sequence number per day.
    pub async fn dossier_sequences(
        &self,
    ) -> Result<std::collections::HashMap<(String, NaiveDate), i64>, StoreError> {
        let rows: Vec<(String, NaiveDate, i64)> = on_pool!(self, |pool| sqlx::query_as(
            "SELECT agency_code, day, last FROM dossier_sequences"
        )
        .fetch_all(pool)
        .await?);
        Ok(rows.into_iter().map(|(a, d, l)| ((a, d), l)).collect())
    }

    /// Up to `n` dossier codes picked at random (benchmarks).
    pub async fn sample_dossier_codes(&self, n: i64) -> Result<Vec<String>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_scalar(
            "SELECT code FROM dossiers ORDER BY random() LIMIT $1"
        )
        .bind(n)
        .fetch_all(pool)
        .await?))
    }
}
