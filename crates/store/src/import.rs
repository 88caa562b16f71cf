//! Imports of unit lists, successions and agencies: each validates everything, then
//! writes everything in one transaction, or nothing and a report naming each bad row.
//!
//! A unit list is the state from its effective date on. Against what is open now, an
//! import opens new intervals, closes changed or missing units the day before, and
//! leaves the rest alone: re-importing the same list changes nothing.

use crate::agencies::{agency_in_tx, insert_agency, update_agency_row};
use crate::audit::append;
use crate::rows::INSERT_CHUNK;
use crate::tx::{Tx, on_tx};
use crate::units::{
    UNIT_COLUMNS, UnitRow, insert_successions, insert_units, search_name, unit_from_row,
};
use crate::{Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::agency::Agency;
use motcua_domain::audit::AuditEntry;
use motcua_domain::import::{
    AgencyEntry, ImportProblem, Sourced, check_agency_list, check_succession_list, check_unit_list,
};
use motcua_domain::unit::{AdminUnit, UnitEntry, UnitSuccession};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Defined with the import rules, so the file parsers need not depend on the store.
pub use motcua_domain::import::ImportSource;

/// Either the import was carried out (and what it did), or it was refused whole.
#[derive(Debug, Clone)]
pub enum ImportOutcome<S> {
    Done(S),
    Rejected(Vec<ImportProblem>),
}

/// Reports how far the writing has got: (done, total) write steps.
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct UnitImportSummary {
    /// New intervals started at the effective date.
    pub opened: usize,
    /// Intervals ended the day before it.
    pub closed: usize,
    pub unchanged: usize,
    /// Intervals that began on the same date, corrected in place or removed.
    pub corrected: usize,
    /// Unchanged units whose new text differs only in tone-mark placement or case
    /// (the existing spelling is kept).
    pub respelled: usize,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LinkImportSummary {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
}

fn problem(source: &str, code: &str, reason: String) -> ImportProblem {
    ImportProblem::new(source, code, reason)
}

async fn record_run(
    tx: &mut Tx,
    kind: &str,
    source: &ImportSource,
    effective: NaiveDate,
    summary: &impl Serialize,
    mut audit: AuditEntry,
) -> Result<(), StoreError> {
    let summary = serde_json::to_value(summary).unwrap_or_default();
    let id = Uuid::now_v7();
    let sql = "INSERT INTO import_runs (id, kind, source, sha256, effective, summary, actor, at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(id)
        .bind(kind)
        .bind(&source.name)
        .bind(&source.sha256)
        .bind(effective)
        .bind(summary.to_string())
        .bind(&audit.actor)
        .bind(audit.at)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    // The caller's detail (a succession import's recodes) is kept beside the run's.
    let mut detail: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&audit.detail).unwrap_or_default();
    if let serde_json::Value::Object(run) = serde_json::json!({
        "run": id,
        "source": source.name,
        "sha256": source.sha256,
        "effective": effective,
        "summary": summary,
    }) {
        detail.extend(run);
    }
    audit.detail = serde_json::Value::Object(detail).to_string();
    append(tx, audit).await?;
    Ok(())
}

/// A record of one import run, newest first in listings.
#[derive(Debug, Clone, Serialize)]
pub struct ImportRun {
    pub kind: String,
    pub source: String,
    pub sha256: String,
    pub effective: NaiveDate,
    pub summary: serde_json::Value,
    pub actor: String,
    pub at: DateTime<Utc>,
}

impl Store {
    /// Imports a unit list that takes effect on `valid_from`. With `scope`, the list
    /// covers only that unit's descendants (and the unit itself if listed); otherwise it
    /// is the whole country and open units missing from it are closed.
    pub async fn import_units(
        &self,
        entries: &[Sourced<UnitEntry>],
        valid_from: NaiveDate,
        scope: Option<&str>,
        source: &ImportSource,
        audit: AuditEntry,
        progress: Progress<'_>,
    ) -> Result<ImportOutcome<UnitImportSummary>, StoreError> {
        let day_before = valid_from
            .pred_opt()
            .ok_or_else(|| StoreError::Config("ngày hiệu lực không hợp lệ".into()))?;
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "SELECT {UNIT_COLUMNS} FROM admin_units WHERE valid_to IS NULL OR valid_to >= $1"
        );
        let rows: Vec<UnitRow> = on_tx!(&mut tx, |conn| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(valid_from)
                .fetch_all(&mut *conn)
                .await?
        });
        let live: Vec<AdminUnit> = rows
            .into_iter()
            .map(unit_from_row)
            .collect::<Result<_, _>>()?;
        let listed: HashSet<&str> = entries.iter().map(|e| e.value.code.as_str()).collect();

        // Which of the units open now the list speaks for.
        let mut problems = Vec::new();
        let (in_scope, outside_parent): (HashSet<&str>, _) = match scope {
            None => (live.iter().map(|u| u.code.as_str()).collect(), None),
            Some(root) => {
                let Some(root_unit) = live
                    .iter()
                    .find(|u| u.code == root && u.validity.contains(valid_from))
                else {
                    return Ok(ImportOutcome::Rejected(vec![problem(
                        "--scope",
                        root,
                        format!("không có đơn vị {root} hiệu lực tại ngày {valid_from}"),
                    )]));
                };
                let mut set: HashSet<&str> = HashSet::new();
                let mut frontier = vec![root];
                while let Some(parent) = frontier.pop() {
                    for u in live
                        .iter()
                        .filter(|u| u.parent_code.as_deref() == Some(parent))
                    {
                        if set.insert(&u.code) {
                            frontier.push(&u.code);
                        }
                    }
                }
                if listed.contains(root) {
                    set.insert(root);
                }
                let outside = (!listed.contains(root)).then_some((root, root_unit.kind));
                (set, outside)
            }
        };
        for u in &live {
            let concerned = in_scope.contains(u.code.as_str()) || listed.contains(u.code.as_str());
            if concerned && (u.validity.valid_from > valid_from || u.validity.valid_to.is_some()) {
                problems.push(problem(
                    "--valid-from",
                    &u.code,
                    format!(
                        "đã có dữ liệu hiệu lực từ {} đến {}, sau ngày {valid_from}: không ghi đè lịch sử",
                        u.validity.valid_from,
                        u.validity
                            .valid_to
                            .map_or_else(|| "nay".to_owned(), |d| d.to_string())
                    ),
                ));
            } else if !in_scope.contains(u.code.as_str()) && listed.contains(u.code.as_str()) {
                problems.push(problem(
                    "--scope",
                    &u.code,
                    "mã đang thuộc một đơn vị ngoài phạm vi nhập".into(),
                ));
            }
        }
        let outside_parent = outside_parent.map(|(r, k): (&str, _)| (r, k));
        problems.extend(check_unit_list(entries, outside_parent));
        if !problems.is_empty() {
            return Ok(ImportOutcome::Rejected(problems));
        }

        let current: HashMap<&str, &AdminUnit> = live
            .iter()
            .filter(|u| in_scope.contains(u.code.as_str()))
            .map(|u| (u.code.as_str(), u))
            .collect();
        let mut summary = UnitImportSummary::default();
        let mut to_close: Vec<&str> = Vec::new();
        let mut to_delete: Vec<&str> = Vec::new();
        let mut to_correct: Vec<AdminUnit> = Vec::new();
        let mut to_open: Vec<AdminUnit> = Vec::new();
        for Sourced { value: e, .. } in entries {
            match current.get(e.code.as_str()) {
                Some(u) if u.same_facts(e) => {
                    summary.unchanged += 1;
                    if e.respells(u) {
                        summary.respelled += 1;
                    }
                }
                Some(u) if u.validity.valid_from == valid_from => {
                    summary.corrected += 1;
                    to_correct.push(e.valid_from(valid_from));
                }
                Some(u) => {
                    summary.closed += 1;
                    summary.opened += 1;
                    to_close.push(&u.code);
                    to_open.push(e.valid_from(valid_from));
                }
                None => {
                    summary.opened += 1;
                    to_open.push(e.valid_from(valid_from));
                }
            }
        }
        for (code, u) in &current {
            if !listed.contains(code) {
                if u.validity.valid_from == valid_from {
                    summary.corrected += 1;
                    to_delete.push(code);
                } else {
                    summary.closed += 1;
                    to_close.push(code);
                }
            }
        }
        if summary.opened + summary.closed + summary.corrected == 0 {
            // Nothing changes: write nothing, not even the run.
            return Ok(ImportOutcome::Done(summary));
        }

        let total = (to_close.len() + to_delete.len() + to_correct.len() + to_open.len()) as u64;
        let mut done = 0u64;
        progress(done, total);
        for chunk in to_close.chunks(INSERT_CHUNK) {
            let sql = format!(
                "UPDATE admin_units SET valid_to = $1 \
                 WHERE valid_to IS NULL AND valid_from < $2 AND code IN ({})",
                crate::rows::in_list(chunk.len(), 3)
            );
            on_tx!(&mut tx, |conn| {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(day_before)
                    .bind(valid_from);
                for code in chunk {
                    q = q.bind(*code);
                }
                q.execute(&mut *conn).await?.rows_affected()
            });
            done += chunk.len() as u64;
            progress(done, total);
        }
        for chunk in to_delete.chunks(INSERT_CHUNK) {
            let sql = format!(
                "DELETE FROM admin_units WHERE valid_from = $1 AND code IN ({})",
                crate::rows::in_list(chunk.len(), 2)
            );
            on_tx!(&mut tx, |conn| {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(valid_from);
                for code in chunk {
                    q = q.bind(*code);
                }
                q.execute(&mut *conn).await?.rows_affected()
            });
            done += chunk.len() as u64;
            progress(done, total);
        }
        for u in &to_correct {
            let sql = "UPDATE admin_units SET name = $3, full_name = $4, kind = $5, \
                parent_code = $6, search_name = $7 WHERE code = $1 AND valid_from = $2";
            on_tx!(&mut tx, |conn| sqlx::query(sql)
                .bind(&u.code)
                .bind(valid_from)
                .bind(&u.name)
                .bind(&u.full_name)
                .bind(u.kind.as_str())
                .bind(&u.parent_code)
                .bind(search_name(u))
                .execute(&mut *conn)
                .await?
                .rows_affected());
            done += 1;
        }
        for chunk in to_open.chunks(INSERT_CHUNK) {
            insert_units(&mut tx, chunk).await?;
            done += chunk.len() as u64;
            progress(done, total);
        }
        record_run(&mut tx, "units", source, valid_from, &summary, audit).await?;
        tx.commit().await?;
        Ok(ImportOutcome::Done(summary))
    }

    /// Imports successions that take effect on `effective`: the old unit must exist the
    /// day before, the new one on the day. Links already there are kept or updated.
    pub async fn import_successions(
        &self,
        entries: &[Sourced<UnitSuccession>],
        effective: NaiveDate,
        source: &ImportSource,
        audit: AuditEntry,
        progress: Progress<'_>,
    ) -> Result<ImportOutcome<LinkImportSummary>, StoreError> {
        let day_before = effective
            .pred_opt()
            .ok_or_else(|| StoreError::Config("ngày hiệu lực không hợp lệ".into()))?;
        let mut tx = self.begin_write().await?;
        let codes_at = "SELECT code FROM admin_units \
            WHERE valid_from <= $1 AND (valid_to IS NULL OR valid_to >= $1)";
        let (before, after): (Vec<String>, Vec<String>) = on_tx!(&mut tx, |conn| {
            let before = sqlx::query_scalar(codes_at)
                .bind(day_before)
                .fetch_all(&mut *conn)
                .await?;
            let after = sqlx::query_scalar(codes_at)
                .bind(effective)
                .fetch_all(&mut *conn)
                .await?;
            (before, after)
        });
        let before: HashSet<String> = before.into_iter().collect();
        let after: HashSet<String> = after.into_iter().collect();
        let mut problems = check_succession_list(entries);
        for Sourced { source, value: s } in entries {
            if s.effective != effective {
                problems.push(problem(
                    source,
                    &s.old_code,
                    format!("ngày hiệu lực {} khác {effective}", s.effective),
                ));
            }
            if !before.contains(&s.old_code) {
                problems.push(problem(
                    source,
                    &s.old_code,
                    format!(
                        "không có đơn vị cũ {} hiệu lực ngày {day_before}",
                        s.old_code
                    ),
                ));
            }
            if !after.contains(&s.new_code) {
                problems.push(problem(
                    source,
                    &s.new_code,
                    format!(
                        "không có đơn vị mới {} hiệu lực ngày {effective}",
                        s.new_code
                    ),
                ));
            }
        }
        if !problems.is_empty() {
            return Ok(ImportOutcome::Rejected(problems));
        }
        let existing_sql = "SELECT old_code, new_code, link, legal_basis FROM unit_successions \
            WHERE effective = $1";
        let existing: Vec<(String, String, String, String)> = on_tx!(&mut tx, |conn| {
            sqlx::query_as(existing_sql)
                .bind(effective)
                .fetch_all(&mut *conn)
                .await?
        });
        let existing: HashMap<(String, String), (String, String)> = existing
            .into_iter()
            .map(|(o, n, l, b)| ((o, n), (l, b)))
            .collect();
        let mut summary = LinkImportSummary::default();
        let mut to_add = Vec::new();
        let mut to_update = Vec::new();
        for Sourced { value: s, .. } in entries {
            match existing.get(&(s.old_code.clone(), s.new_code.clone())) {
                Some((link, basis)) if link == s.link.as_str() && basis == &s.legal_basis => {
                    summary.unchanged += 1
                }
                Some(_) => {
                    summary.updated += 1;
                    to_update.push(s);
                }
                None => {
                    summary.added += 1;
                    to_add.push(s.clone());
                }
            }
        }
        if summary.added + summary.updated == 0 {
            return Ok(ImportOutcome::Done(summary));
        }
        let total = (to_add.len() + to_update.len()) as u64;
        let mut done = 0;
        progress(done, total);
        for chunk in to_add.chunks(INSERT_CHUNK) {
            insert_successions(&mut tx, chunk).await?;
            done += chunk.len() as u64;
            progress(done, total);
        }
        for s in to_update {
            let sql = "UPDATE unit_successions SET link = $4, legal_basis = $5 \
                WHERE old_code = $1 AND new_code = $2 AND effective = $3";
            on_tx!(&mut tx, |conn| sqlx::query(sql)
                .bind(&s.old_code)
                .bind(&s.new_code)
                .bind(s.effective)
                .bind(s.link.as_str())
                .bind(&s.legal_basis)
                .execute(&mut *conn)
                .await?
                .rows_affected());
            done += 1;
        }
        progress(done, total);
        record_run(&mut tx, "successions", source, effective, &summary, audit).await?;
        tx.commit().await?;
        Ok(ImportOutcome::Done(summary))
    }

    /// Imports agencies: new identifiers are added, known ones updated where they differ.
    pub async fn import_agencies(
        &self,
        entries: &[Sourced<AgencyEntry>],
        effective: NaiveDate,
        source: &ImportSource,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<ImportOutcome<LinkImportSummary>, StoreError> {
        let mut tx = self.begin_write().await?;
        let (agency_codes, unit_codes): (Vec<String>, Vec<String>) = on_tx!(&mut tx, |conn| {
            let a = sqlx::query_scalar("SELECT code FROM agencies")
                .fetch_all(&mut *conn)
                .await?;
            let u = sqlx::query_scalar("SELECT DISTINCT code FROM admin_units")
                .fetch_all(&mut *conn)
                .await?;
            (a, u)
        });
        let agency_codes: HashSet<String> = agency_codes.into_iter().collect();
        let unit_codes: HashSet<String> = unit_codes.into_iter().collect();
        let mut problems = check_agency_list(entries, |p| agency_codes.contains(p));
        for Sourced { source, value: a } in entries {
            if !unit_codes.contains(&a.unit_code) {
                problems.push(problem(
                    source,
                    &a.code,
                    format!("không có đơn vị hành chính {}", a.unit_code),
                ));
            }
        }
        let agencies: Vec<Agency> = entries.iter().filter_map(|e| e.value.to_agency()).collect();
        if !problems.is_empty() || agencies.len() != entries.len() {
            return Ok(ImportOutcome::Rejected(problems));
        }
        // Parents before children, so each parent exists when its child is written.
        let mut ordered: Vec<&Agency> = Vec::with_capacity(agencies.len());
        let mut placed: HashSet<&str> = HashSet::new();
        while ordered.len() < agencies.len() {
            let before = ordered.len();
            for a in &agencies {
                let ready = a.parent_code.as_ref().is_none_or(|p| {
                    placed.contains(p.as_str()) || !agencies.iter().any(|other| &other.code == p)
                });
                if !placed.contains(a.code.as_str()) && ready {
                    placed.insert(a.code.as_str());
                    ordered.push(a);
                }
            }
            if ordered.len() == before {
                let stuck = agencies
                    .iter()
                    .zip(entries)
                    .filter(|(a, _)| !placed.contains(a.code.as_str()))
                    .map(|(a, e)| {
                        problem(
                            &e.source,
                            a.code.as_str(),
                            "cơ quan cấp trên tạo thành vòng lặp".into(),
                        )
                    })
                    .collect();
                return Ok(ImportOutcome::Rejected(stuck));
            }
        }
        let mut summary = LinkImportSummary::default();
        for a in ordered {
            match agency_in_tx(&mut tx, a.code.as_str()).await? {
                None => {
                    insert_agency(&mut tx, a, at).await?;
                    summary.added += 1;
                }
                Some(old) => {
                    let mut new = a.clone();
                    new.successor_code = old.successor_code.clone();
                    if new == old {
                        summary.unchanged += 1;
                    } else {
                        update_agency_row(&mut tx, &new).await?;
                        summary.updated += 1;
                    }
                }
            }
        }
        if summary.added + summary.updated == 0 {
            return Ok(ImportOutcome::Done(summary));
        }
        record_run(&mut tx, "agencies", source, effective, &summary, audit).await?;
        tx.commit().await?;
        Ok(ImportOutcome::Done(summary))
    }

    /// The latest import runs.
    pub async fn import_runs(&self, limit: i64) -> Result<Vec<ImportRun>, StoreError> {
        let sql = "SELECT kind, source, sha256, effective, summary, actor, at FROM import_runs \
            ORDER BY at DESC, id DESC LIMIT $1";
        type Row = (
            String,
            String,
            String,
            NaiveDate,
            String,
            String,
            DateTime<Utc>,
        );
        let rows: Vec<Row> = crate::on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(limit)
            .fetch_all(pool)
            .await?);
        Ok(rows
            .into_iter()
            .map(|r| ImportRun {
                kind: r.0,
                source: r.1,
                sha256: r.2,
                effective: r.3,
                summary: serde_json::from_str(&r.4).unwrap_or_default(),
                actor: r.5,
                at: r.6,
            })
            .collect())
    }
}
