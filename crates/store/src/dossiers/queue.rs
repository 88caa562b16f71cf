//! The officers' queue: filters turned into SQL, one page with a capped count, read by
//! number or from a place.

use crate::{Backend, Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use motcua_domain::dossier::{DossierCode, DossierState, DueState};
use motcua_domain::text::fold;
use serde::Serialize;

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
    /// Where the next page starts, when more dossiers follow this page.
    pub next: Option<QueueCursor>,
    /// Where the previous page ends, when dossiers come before this page.
    pub prev: Option<QueueCursor>,
}

/// A place in the queue's order: the sort key of one dossier (due date, dated ones first;
/// submission; code). A page read from a place costs the same however deep it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueCursor {
    pub due_at: Option<DateTime<Utc>>,
    pub submitted_at: DateTime<Utc>,
    pub code: String,
}

impl QueueCursor {
    pub fn of(s: &DossierSummary) -> QueueCursor {
        QueueCursor {
            due_at: s.due_at,
            submitted_at: s.submitted_at,
            code: s.code.clone(),
        }
    }
}

/// A page read from a place in the queue rather than by its number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keyset {
    /// The dossiers just after this place.
    After(QueueCursor),
    /// The dossiers just before it.
    Before(QueueCursor),
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
    /// From 1; ignored when `keyset` is given.
    pub page: i64,
    pub per_page: i64,
    /// Read from a place instead of by page number: deep pages cost no more than the first.
    pub keyset: Option<Keyset>,
}

#[derive(Clone)]
enum Bind {
    Text(String),
    Int(i64),
    Time(DateTime<Utc>),
    Bool(bool),
}

pub(super) const IN_FLIGHT: &str =
    "('received','processing','awaiting_supplement','awaiting_payment','approved')";
pub(super) const CLOSED: &str = "('refused_at_receipt','returned','withdrawn','stopped')";

/// Builds the WHERE clause (and its binds) of a queue query.
fn queue_where(f: &DossierFilter) -> (String, Vec<Bind>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut binds: Vec<Bind> = Vec::new();
    let bind = |b: Bind, binds: &mut Vec<Bind>| push_bind(binds, b);
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
    if all_open(&f.states) {
        // Worded as the open-dossier indexes' condition, so that they apply.
        clauses.push(format!("d.state NOT IN {CLOSED}"));
    } else if !f.states.is_empty() {
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
            // The applicant's name, or a field the form marks searchable (the child's
            // name on a birth registration).
            clauses.push(format!(
                "(d.applicant_name_folded LIKE {p} ESCAPE '\\' OR EXISTS (SELECT 1 FROM \
                 dossier_forms f WHERE f.dossier_code = d.code AND f.search_folded LIKE {p} \
                 ESCAPE '\\'))"
            ));
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

/// Whether `states` are exactly the open ones (the staff's default queue).
fn all_open(states: &[DossierState]) -> bool {
    let open = DossierState::ALL.into_iter().filter(|s| !s.is_closed());
    open.clone().count() == states.len() && open.into_iter().all(|s| states.contains(&s))
}

/// The default queue of a desk: its open dossiers, nothing else asked. Its total is kept as
/// dossiers change (`desk_open_counts`), so it is never counted.
fn plain_desk(f: &DossierFilter) -> Option<&str> {
    match &f.visibility {
        Visibility::Desk(code)
            if all_open(&f.states)
                && f.agency.is_none()
                && f.due.is_none()
                && f.q.is_none()
                && f.step.is_none()
                && f.assignee.is_none()
                && f.procedure_code.is_none() =>
        {
            Some(code)
        }
        _ => None,
    }
}

/// The queue's order: most urgent first, undated last. PostgreSQL sorts NULLs last by
/// default and its desk index is in exactly that order (migration 0023); SQLite sorts them
/// first, so its index leads with the expression `due_at IS NULL`.
fn order(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "ORDER BY d.due_at IS NULL, d.due_at, d.submitted_at, d.code",
        Backend::Postgres => PART_ORDER,
    }
}
/// The order within the dated or the undated dossiers, either way. Without the `IS NULL`
/// term, which each part fixes, SQLite reads the index in order instead of sorting the part.
const PART_ORDER: &str = "ORDER BY d.due_at, d.submitted_at, d.code";
const PART_ORDER_BACKWARDS: &str = "ORDER BY d.due_at DESC, d.submitted_at DESC, d.code DESC";

fn push_bind(binds: &mut Vec<Bind>, b: Bind) -> String {
    binds.push(b);
    format!("${}", binds.len())
}

/// The conditions of the dossiers on one side of a place, as one or two ranges of the
/// open-dossier index (dated dossiers, then undated ones), each with the order it is read in.
/// Each is worded so that the backend seeks to the place rather than skip the dossiers before
/// it: SQLite fixes its index's `due_at IS NULL` column by equality; PostgreSQL, whose index
/// has no such column, takes `due_at IS NULL` / `IS NOT NULL` as written (a bound boolean
/// would leave a generic plan filtering instead of seeking).
fn keyset_parts(
    keyset: &Keyset,
    backend: Backend,
    binds: &mut Vec<Bind>,
) -> Vec<(String, &'static str)> {
    let (cursor, backwards) = match keyset {
        Keyset::After(c) => (c, false),
        Keyset::Before(c) => (c, true),
    };
    let cmp = if backwards { "<" } else { ">" };
    let order = if backwards {
        PART_ORDER_BACKWARDS
    } else {
        PART_ORDER
    };
    let submitted = push_bind(binds, Bind::Time(cursor.submitted_at));
    let code = push_bind(binds, Bind::Text(cursor.code.clone()));
    let (all_dated, all_undated) = match backend {
        Backend::Sqlite => {
            let dated = push_bind(binds, Bind::Bool(false));
            let undated = push_bind(binds, Bind::Bool(true));
            (
                format!("(d.due_at IS NULL) = {dated}"),
                format!("(d.due_at IS NULL) = {undated} AND d.due_at IS NULL"),
            )
        }
        Backend::Postgres => (
            "d.due_at IS NOT NULL".to_owned(),
            "d.due_at IS NULL".to_owned(),
        ),
    };
    match cursor.due_at {
        Some(due) => {
            let due = push_bind(binds, Bind::Time(due));
            let near = format!(
                "{all_dated} AND (d.due_at, d.submitted_at, d.code) {cmp} \
                 ({due}, {submitted}, {code})"
            );
            if backwards {
                vec![(near, order)]
            } else {
                vec![(near, order), (all_undated, order)]
            }
        }
        None => {
            let near =
                format!("{all_undated} AND (d.submitted_at, d.code) {cmp} ({submitted}, {code})");
            if backwards {
                vec![(near, order), (all_dated, order)]
            } else {
                vec![(near, order)]
            }
        }
    }
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
                Bind::Bool(b) => q.bind(*b),
            };
        }
        q
    }};
}

/// How many matching dossiers the queue counts before it reports "more than this".
pub const QUEUE_COUNT_CAP: i64 = 10_000;

impl Store {
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
        // A full count costs O(backlog) on a desk with hundreds of thousands of dossiers:
        // a desk's default queue reads its kept total; other questions count one row past the
        // cap, which tells "exactly n" from "more than cap".
        let count_sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM dossiers d{clause} LIMIT {}) t",
            cap + 1
        );
        let counted: i64 = match plain_desk(f) {
            Some(desk) => on_pool!(self, |pool| {
                sqlx::query_scalar("SELECT open FROM desk_open_counts WHERE agency_code = $1")
                    .bind(desk)
                    .fetch_optional(pool)
                    .await?
                    .unwrap_or(0)
            }),
            None => on_pool!(self, |pool| {
                bind_all!(
                    sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql.clone())),
                    &binds
                )
                .fetch_one(pool)
                .await?
            }),
        };
        // The page's codes come from the indexes alone (for the default queue, a desk's open
        // dossiers already in this order); only those rows are then read whole. One row more
        // than the page tells whether another page follows.
        let wanted = per_page + 1;
        let (codes, binds) = match &f.keyset {
            None => {
                let offset = (page - 1).saturating_mul(per_page);
                let order = order(self.backend());
                let codes = format!(
                    "SELECT d.code FROM dossiers d{clause} {order} LIMIT {wanted} OFFSET {offset}"
                );
                (codes, binds)
            }
            Some(keyset) => {
                let mut binds = binds;
                let parts = keyset_parts(keyset, self.backend(), &mut binds);
                let joined = if clause.is_empty() { " WHERE" } else { " AND" };
                let selects: Vec<String> = parts
                    .iter()
                    .enumerate()
                    .map(|(i, (part, order))| {
                        format!(
                            "SELECT code FROM (SELECT d.code FROM dossiers d{clause}{joined} \
                             {part} {order} LIMIT {wanted}) AS part{i}"
                        )
                    })
                    .collect();
                (selects.join(" UNION ALL "), binds)
            }
        };
        self.queue_page(f, codes, binds, counted, cap).await
    }

    /// Reads the dossiers `codes` selects (at most a page and one) in the queue's order and
    /// makes them a page, with the places before and after it.
    async fn queue_page(
        &self,
        f: &DossierFilter,
        codes: String,
        binds: Vec<Bind>,
        counted: i64,
        cap: i64,
    ) -> Result<DossierPage, StoreError> {
        let per_page = f.per_page.clamp(1, 200) as usize;
        let page = f.page.max(1);
        let order = order(self.backend());
        let sql = format!(
            "SELECT d.code, d.procedure_code, v.name AS procedure_name, d.applicant_name, d.state, \
             d.national_status, d.channel, d.receiving_agency, d.handling_agency, d.desk_agency, \
             d.step_no, d.assignee, d.submitted_at, d.received_at, d.due_at, d.finished_at, d.version \
             FROM dossiers d JOIN procedure_versions v ON v.id = d.procedure_version_id \
             WHERE d.code IN ({codes}) {order}"
        );
        let mut items: Vec<DossierSummary> = on_pool!(self, |pool| {
            bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &binds)
                .fetch_all(pool)
                .await?
        });
        let (more_after, more_before) = match &f.keyset {
            None => {
                items.truncate(per_page + 1);
                (items.len() > per_page, page > 1)
            }
            Some(Keyset::After(_)) => {
                items.truncate(per_page + 1);
                (items.len() > per_page, true)
            }
            Some(Keyset::Before(_)) => {
                // Each part brought the dossiers nearest the place: the last ones in order.
                let extra = items.len().saturating_sub(per_page + 1);
                items.drain(..extra);
                let more_before = items.len() > per_page;
                if more_before {
                    items.remove(0);
                }
                (true, more_before)
            }
        };
        items.truncate(per_page);
        let kept = plain_desk(f).is_some();
        Ok(DossierPage {
            next: more_after
                .then(|| items.last().map(QueueCursor::of))
                .flatten(),
            prev: more_before
                .then(|| items.first().map(QueueCursor::of))
                .flatten(),
            items,
            total: if kept { counted } else { counted.min(cap) },
            total_exact: kept || counted <= cap,
            page,
            per_page: per_page as i64,
        })
    }

    /// Which of `codes` wait for a supplement that has arrived: a component added since
    /// the request, the dossier's last change. One query for a page of the queue.
    pub async fn supplements_arrived(
        &self,
        codes: &[String],
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        if codes.is_empty() {
            return Ok(Default::default());
        }
        let list = crate::rows::in_list(codes.len(), 1);
        let sql = format!(
            "SELECT d.code FROM dossiers d WHERE d.code IN ({list}) \
             AND d.state IN ('awaiting_supplement', 'awaiting_supplement_at_receipt') \
             AND EXISTS (SELECT 1 FROM dossier_documents x WHERE x.dossier_code = d.code \
             AND x.kind = 'component' AND x.uploaded_at > d.updated_at)"
        );
        let rows: Vec<(String,)> = on_pool!(self, |pool| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
            for code in codes {
                q = q.bind(code.clone());
            }
            q.fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(|(c,)| c).collect())
    }
}
