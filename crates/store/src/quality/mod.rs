//! The service-quality index's aggregates: counters per agency, month and procedure, and
//! each dossier's facts for drilling down.
//!
//! [`record`] is the one hook: every dossier write (submission, action, transition move,
//! generated load) calls it in the same transaction with the dossier before and after,
//! and it adds `facts_of(after) − facts_of(before)` (motcua_domain::quality). Most actions
//! (assign, forward, …) change no counter and cost no SQL at all. A recount rebuilds both
//! tables from the dossiers and must find what the hook kept.

use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use motcua_domain::dossier::Dossier;
use motcua_domain::quality::{Counters, DossierFacts, Month, facts_of};
use serde::Serialize;
use sqlx::Row;
use std::collections::BTreeMap;
use std::sync::LazyLock;

mod drill;
pub use drill::{Drill, DrillRow};

/// The setting that says the aggregates were built (a recount sets it); a database that
/// predates them is recounted once on migration.
pub const BUILT_SETTING: &str = "quality.aggregates_built";

/// One dossier write, as the hook sees it.
pub(crate) struct Change<'a> {
    pub procedure_code: &'a str,
    pub before: Option<&'a Dossier>,
    pub after: &'a Dossier,
}

fn columns() -> &'static [&'static str] {
    Counters::COLUMNS
}

static UPSERT_MONTHLY: LazyLock<String> = LazyLock::new(|| {
    let cols = columns();
    let names = cols.join(", ");
    let params: Vec<String> = (0..cols.len()).map(|i| format!("${}", i + 4)).collect();
    let sets: Vec<String> = cols
        .iter()
        .map(|c| format!("{c} = quality_monthly.{c} + excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO quality_monthly (agency_code, month, procedure_code, {names}) \
         VALUES ($1, $2, $3, {}) ON CONFLICT (agency_code, month, procedure_code) DO UPDATE SET {}",
        params.join(", "),
        sets.join(", ")
    )
});

const FACT_COLUMNS: &str = "dossier_code, procedure_code, receiving_agency, handling_agency, received_month, finished_month, flags, late_after";
const FACT_UPDATE: &str = "ON CONFLICT (dossier_code) DO UPDATE SET \
    procedure_code = excluded.procedure_code, receiving_agency = excluded.receiving_agency, \
    handling_agency = excluded.handling_agency, received_month = excluded.received_month, \
    finished_month = excluded.finished_month, flags = excluded.flags, \
    late_after = excluded.late_after";
/// Rows per multi-row insert (8 parameters each). Not more: binding costs SQLite time
/// quadratic in a statement's parameter count (it looks each `$n` up in a list).
const FACT_CHUNK: usize = 100;

async fn add_counters(
    tx: &mut Tx,
    agency: &str,
    month: Month,
    procedure: &str,
    c: &Counters,
) -> Result<(), StoreError> {
    let month = month.to_string();
    let values = c.values();
    on_tx!(tx, |conn| {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(UPSERT_MONTHLY.as_str()))
            .bind(agency)
            .bind(&month)
            .bind(procedure);
        for v in &values {
            q = q.bind(*v);
        }
        q.execute(&mut *conn).await?.rows_affected()
    });
    Ok(())
}

/// Writes facts rows (insert, or replace the row of the same dossier).
async fn put_facts(tx: &mut Tx, rows: &[(String, &str, DossierFacts)]) -> Result<(), StoreError> {
    for chunk in rows.chunks(FACT_CHUNK) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 8;
                let params: Vec<String> = (1..=8).map(|k| format!("${}", b + k)).collect();
                format!("({})", params.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO quality_facts ({FACT_COLUMNS}) VALUES {} {FACT_UPDATE}",
            values.join(", ")
        );
        on_tx!(tx, |conn| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for (code, procedure, f) in chunk {
                q = q
                    .bind(code.as_str())
                    .bind(*procedure)
                    .bind(f.receiving_agency.as_str())
                    .bind(f.handling_agency.as_str())
                    .bind(f.received_month.map(|m| m.to_string()))
                    .bind(f.finished_month.map(|m| m.to_string()))
                    .bind(f.flags)
                    .bind(f.late_after.map(crate::dossiers::row::utc));
            }
            q.execute(&mut *conn).await?.rows_affected()
        });
    }
    Ok(())
}

/// The hook: brings the counters and facts in line with `changes`, in the caller's
/// transaction. Changes that alter no fact write nothing.
pub(crate) async fn record(tx: &mut Tx, changes: &[Change<'_>]) -> Result<(), StoreError> {
    let mut sums: BTreeMap<(String, Month, &str), Counters> = BTreeMap::new();
    let mut put: Vec<(String, &str, DossierFacts)> = Vec::new();
    let mut gone: Vec<String> = Vec::new();
    for change in changes {
        let before = change.before.and_then(facts_of);
        let after = facts_of(change.after);
        if before == after {
            continue;
        }
        for (agency, month, c) in motcua_domain::quality::delta(before.as_ref(), after.as_ref()) {
            sums.entry((agency, month, change.procedure_code))
                .or_default()
                .add(&c);
        }
        let code = change.after.code.to_string();
        match after {
            Some(f) => put.push((code, change.procedure_code, f)),
            None => gone.push(code),
        }
    }
    for ((agency, month, procedure), c) in &sums {
        if !c.is_zero() {
            add_counters(tx, agency, *month, procedure, c).await?;
        }
    }
    put_facts(tx, &put).await?;
    for code in gone {
        on_tx!(tx, |conn| sqlx::query(
            "DELETE FROM quality_facts WHERE dossier_code = $1"
        )
        .bind(&code)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    }
    Ok(())
}

impl Store {
    /// Calls [`record`] unless the hook is off (see [`Store::with_quality_hook`]).
    pub(crate) async fn quality_changed(
        &self,
        tx: &mut Tx,
        changes: &[Change<'_>],
    ) -> Result<(), StoreError> {
        if self.quality_hook {
            record(tx, changes).await
        } else {
            Ok(())
        }
    }
}

/// What to sum, and by what.
#[derive(Debug, Clone, Default)]
pub struct QualityQuery {
    pub months: Vec<Month>,
    /// None: every agency.
    pub agencies: Option<Vec<String>>,
    pub by_agency: bool,
    pub by_month: bool,
    pub by_procedure: bool,
}

/// Counters summed over a query's keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QualitySum {
    pub agency_code: Option<String>,
    pub month: Option<Month>,
    pub procedure_code: Option<String>,
    pub counters: Counters,
}

/// A row of the aggregate table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct QualityRow {
    pub agency_code: String,
    pub month: String,
    pub procedure_code: String,
    pub values: Vec<i64>,
}

/// A row of the facts table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, sqlx::FromRow)]
pub struct FactsRow {
    pub dossier_code: String,
    pub procedure_code: String,
    pub receiving_agency: String,
    pub handling_agency: String,
    pub received_month: Option<String>,
    pub finished_month: Option<String>,
    pub flags: i64,
    pub late_after: Option<DateTime<Utc>>,
}

/// What a recount found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RecountReport {
    pub dossiers: i64,
    pub facts: i64,
    pub rows: i64,
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("dữ liệu chỉ số chất lượng hỏng: {what}"))
}

/// Rows read per page while recounting.
const RECOUNT_PAGE: i64 = 2_000;

impl Store {
    /// Turns the aggregation hook off or on for this handle. Only for measuring what the
    /// hook costs: writes through a handle with it off leave the aggregates stale until
    /// [`Store::recount_quality_aggregates`].
    #[doc(hidden)]
    pub fn with_quality_hook(mut self, on: bool) -> Store {
        self.quality_hook = on;
        self
    }

    /// Counters summed over `q.months` (and agencies), grouped as asked.
    pub async fn quality_sums(&self, q: &QualityQuery) -> Result<Vec<QualitySum>, StoreError> {
        if q.months.is_empty() {
            return Ok(Vec::new());
        }
        let mut keys: Vec<&str> = Vec::new();
        if q.by_agency {
            keys.push("agency_code");
        }
        if q.by_month {
            keys.push("month");
        }
        if q.by_procedure {
            keys.push("procedure_code");
        }
        let sums: Vec<String> = columns()
            .iter()
            .map(|c| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT)"))
            .collect();
        let months: Vec<String> = q.months.iter().map(ToString::to_string).collect();
        let mut clause = format!("month IN ({})", crate::rows::in_list(months.len(), 1));
        let agencies = q.agencies.clone().unwrap_or_default();
        if q.agencies.is_some() {
            if agencies.is_empty() {
                return Ok(Vec::new());
            }
            clause.push_str(&format!(
                " AND agency_code IN ({})",
                crate::rows::in_list(agencies.len(), months.len() + 1)
            ));
        }
        let select_keys = if keys.is_empty() {
            String::new()
        } else {
            format!("{}, ", keys.join(", "))
        };
        let group = if keys.is_empty() {
            String::new()
        } else {
            format!(" GROUP BY {0} ORDER BY {0}", keys.join(", "))
        };
        let sql = format!(
            "SELECT {select_keys}{} FROM quality_monthly WHERE {clause}{group}",
            sums.join(", ")
        );
        let n = keys.len();
        let key_of = |name: &str| keys.iter().position(|k| *k == name);
        let (ia, im, ip) = (
            key_of("agency_code"),
            key_of("month"),
            key_of("procedure_code"),
        );
        let rows: Vec<(Vec<Option<String>>, Vec<i64>)> = on_pool!(self, |pool| {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for m in &months {
                query = query.bind(m.clone());
            }
            for a in &agencies {
                query = query.bind(a.clone());
            }
            let mut out = Vec::new();
            for row in query.fetch_all(pool).await? {
                let mut k = Vec::with_capacity(n);
                for i in 0..n {
                    k.push(row.try_get::<Option<String>, _>(i)?);
                }
                let mut v = Vec::with_capacity(columns().len());
                for i in 0..columns().len() {
                    v.push(row.try_get::<i64, _>(n + i)?);
                }
                out.push((k, v));
            }
            out
        });
        rows.into_iter()
            .map(|(k, v)| {
                let take = |i: Option<usize>| i.and_then(|i| k[i].clone());
                Ok(QualitySum {
                    agency_code: take(ia),
                    month: take(im)
                        .map(|m| Month::parse(&m).map_err(corrupt))
                        .transpose()?,
                    procedure_code: take(ip),
                    counters: Counters::from_values(&v),
                })
            })
            .collect()
    }

    /// The counters of `months` (and agencies) in one sum.
    pub async fn quality_total(
        &self,
        months: &[Month],
        agencies: Option<&[String]>,
    ) -> Result<Counters, StoreError> {
        let q = QualityQuery {
            months: months.to_vec(),
            agencies: agencies.map(<[String]>::to_vec),
            ..QualityQuery::default()
        };
        Ok(self
            .quality_sums(&q)
            .await?
            .pop()
            .map(|s| s.counters)
            .unwrap_or_default())
    }

    /// Every row of the aggregate table whose counters are not all zero, sorted.
    pub async fn quality_rows(&self) -> Result<Vec<QualityRow>, StoreError> {
        let sql = format!(
            "SELECT agency_code, month, procedure_code, {} FROM quality_monthly \
             ORDER BY agency_code, month, procedure_code",
            columns().join(", ")
        );
        let rows: Vec<QualityRow> = on_pool!(self, |pool| {
            let mut out = Vec::new();
            for row in sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .fetch_all(pool)
                .await?
            {
                let mut values = Vec::new();
                for i in 0..columns().len() {
                    values.push(row.try_get::<i64, _>(3 + i)?);
                }
                out.push(QualityRow {
                    agency_code: row.try_get(0)?,
                    month: row.try_get(1)?,
                    procedure_code: row.try_get(2)?,
                    values,
                });
            }
            out
        });
        Ok(rows
            .into_iter()
            .filter(|r| r.values.iter().any(|v| *v != 0))
            .collect())
    }

    /// Every facts row, by dossier code.
    pub async fn quality_facts(&self) -> Result<Vec<FactsRow>, StoreError> {
        let sql = format!("SELECT {FACT_COLUMNS} FROM quality_facts ORDER BY dossier_code");
        Ok(on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
            sql.clone()
        ))
        .fetch_all(pool)
        .await?))
    }

    /// Rebuilds the counters and facts from every dossier, in one transaction that keeps
    /// dossier writes out meanwhile.
    pub async fn recount_quality_aggregates(&self) -> Result<RecountReport, StoreError> {
        let mut tx = self.begin_write().await?;
        if let Tx::Postgres(t) = &mut tx {
            // Writers wait; readers do not.
            sqlx::query("LOCK TABLE dossiers IN SHARE MODE")
                .execute(&mut **t)
                .await?;
        }
        for sql in ["DELETE FROM quality_facts", "DELETE FROM quality_monthly"] {
            on_tx!(&mut tx, |conn| sqlx::query(sql)
                .execute(&mut *conn)
                .await?
                .rows_affected());
        }
        let mut sums: BTreeMap<(String, Month, String), Counters> = BTreeMap::new();
        let mut after = String::new();
        let (mut dossiers, mut facts) = (0i64, 0i64);
        loop {
            let page: Vec<(String, String, String)> = on_tx!(&mut tx, |conn| {
                sqlx::query_as(
                "SELECT code, procedure_code, body FROM dossiers WHERE code > $1 ORDER BY code LIMIT $2"
            )
            .bind(&after)
            .bind(RECOUNT_PAGE)
            .fetch_all(&mut *conn)
            .await?
            });
            let Some(last) = page.last() else { break };
            after = last.0.clone();
            dossiers += page.len() as i64;
            let mut rows: Vec<(String, &str, DossierFacts)> = Vec::new();
            for (code, procedure, body) in &page {
                let d: Dossier = serde_json::from_str(body).map_err(corrupt)?;
                if let Some(f) = facts_of(&d) {
                    for (agency, month, c) in f.contributions() {
                        sums.entry((agency, month, procedure.clone()))
                            .or_default()
                            .add(&c);
                    }
                    rows.push((code.clone(), procedure.as_str(), f));
                }
            }
            facts += rows.len() as i64;
            put_facts(&mut tx, &rows).await?;
        }
        let mut written = 0;
        for ((agency, month, procedure), c) in &sums {
            if !c.is_zero() {
                add_counters(&mut tx, agency, *month, procedure, c).await?;
                written += 1;
            }
        }
        crate::settings::put(&mut tx, BUILT_SETTING, &Utc::now().to_rfc3339()).await?;
        tx.commit().await?;
        Ok(RecountReport {
            dossiers,
            facts,
            rows: written,
        })
    }

    /// By (month of receipt, handling agency), the dossiers received in `months` still open
    /// and not yet past the moment they turn late by the index's rule at `now`. The
    /// counters' `timed_dated` less these are the ones late, though no write said so; these
    /// are few (recent dossiers), where the late ones are the whole backlog.
    pub async fn open_within_time(
        &self,
        months: &[Month],
        now: DateTime<Utc>,
    ) -> Result<BTreeMap<(Month, String), i64>, StoreError> {
        if months.is_empty() {
            return Ok(BTreeMap::new());
        }
        let m = months.len();
        let sql = format!(
            "SELECT received_month, handling_agency, COUNT(*) FROM quality_facts \
             WHERE received_month IN ({}) AND late_after >= ${} \
             GROUP BY received_month, handling_agency",
            crate::rows::in_list(m, 1),
            m + 1
        );
        let rows: Vec<(String, String, i64)> = on_pool!(self, |pool| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
            for month in months {
                q = q.bind(month.to_string());
            }
            // Only open dossiers that can run late have a `late_after` (a partial index).
            q.bind(now).fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|(month, agency, n)| {
                let month = Month::parse(&month).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok(((month, agency), n))
            })
            .collect()
    }

    /// Builds the aggregates once for a database that has dossiers from before them.
    pub(crate) async fn backfill_quality(&self) -> Result<(), StoreError> {
        if self.setting(BUILT_SETTING).await?.is_none() {
            let report = self.recount_quality_aggregates().await?;
            if report.dossiers > 0 {
                tracing::info!(
                    dossiers = report.dossiers,
                    rows = report.rows,
                    "quality aggregates built"
                );
            }
        }
        Ok(())
    }

    /// Agencies with at least one active staff account that works for them.
    pub async fn staffed_agencies(&self) -> Result<Vec<String>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_scalar(
            "SELECT DISTINCT agency_code FROM users WHERE agency_code IS NOT NULL AND active \
             AND role IN ('receiver', 'specialist', 'leader', 'unit_admin') ORDER BY agency_code"
        )
        .fetch_all(pool)
        .await?))
    }
}
