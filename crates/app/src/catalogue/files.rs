//! The catalogue as files: import (all or nothing, every bad row named) and export.

use chrono::NaiveDate;
use motcua_domain::audit::AuditEntry;
use motcua_exchange::{FileError, Format, Known, RowIssue};
use motcua_store::{CatalogueLoad, NewDecision, Store, StoreError};
use std::collections::BTreeSet;

/// The decision every imported procedure is published under.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub decision: Option<String>,
    pub decision_date: Option<NaiveDate>,
    pub signer: Option<String>,
    pub required_count: Option<i64>,
    /// Check only; write nothing.
    pub dry_run: bool,
}

/// One line of the report: a row and what became of it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RowReport {
    pub sheet: String,
    pub row: usize,
    pub code: String,
    pub name: String,
    /// `created`, `updated` or `valid` (for a dry run).
    pub outcome: &'static str,
}

#[derive(Debug)]
pub enum ImportReport {
    /// Nothing was written: every problem, by sheet and row.
    Rejected { issues: Vec<RowIssue>, rows: usize },
    Imported {
        decision: String,
        format: Format,
        rows: Vec<RowReport>,
        dry_run: bool,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads, checks everything, and loads all of it or nothing.
pub async fn import(
    store: &Store,
    bytes: &[u8],
    options: &ImportOptions,
    now: chrono::DateTime<chrono::Utc>,
    today: NaiveDate,
) -> Result<ImportReport, ImportError> {
    let parsed = motcua_exchange::parse(bytes)?;
    import_parsed(store, parsed, options, now, today).await
}

/// Checks what a file or a connector read against the catalogue's rules and references,
/// and loads all of it or nothing.
pub async fn import_parsed(
    store: &Store,
    parsed: motcua_exchange::Parsed,
    options: &ImportOptions,
    now: chrono::DateTime<chrono::Utc>,
    today: NaiveDate,
) -> Result<ImportReport, ImportError> {
    let sectors: BTreeSet<String> = store.sectors().await?.into_iter().map(|s| s.code).collect();
    let agencies: BTreeSet<String> = store
        .agencies(None)
        .await?
        .into_iter()
        .map(|a| a.code.to_string())
        .collect();
    let sets: BTreeSet<String> = store
        .procedure_sets()
        .await?
        .into_iter()
        .map(|s| s.code)
        .collect();
    let mut issues = parsed.issues.clone();
    issues.extend(motcua_exchange::check(
        &parsed,
        &Known {
            sectors: &sectors,
            agencies: &agencies,
            sets: &sets,
        },
    ));
    if !issues.is_empty() || parsed.rows.is_empty() {
        if parsed.rows.is_empty() && issues.is_empty() {
            issues.push(RowIssue {
                sheet: "-".into(),
                row: 1,
                column: None,
                code: "empty_catalogue",
                message: "tệp không có thủ tục nào".into(),
            });
        }
        return Ok(ImportReport::Rejected {
            issues,
            rows: parsed.rows.len(),
        });
    }
    let number = options
        .decision
        .clone()
        .unwrap_or_else(|| format!("NHAP-{}", now.format("%Y%m%d-%H%M%S")));
    let mut rows: Vec<RowReport> = Vec::new();
    for row in &parsed.rows {
        let code = row.entry.procedure.code.to_string();
        let exists = store.procedure_record(&code).await?.is_some();
        rows.push(RowReport {
            sheet: row.sheet.clone(),
            row: row.row,
            name: row.entry.procedure.name.clone(),
            outcome: match (options.dry_run, exists) {
                (true, _) => "valid",
                (false, true) => "updated",
                (false, false) => "created",
            },
            code,
        });
    }
    if !options.dry_run {
        let entries = parsed.entries();
        let load = CatalogueLoad {
            decision: NewDecision {
                number: number.clone(),
                decided_on: options.decision_date.unwrap_or(today),
                signer: options
                    .signer
                    .clone()
                    .unwrap_or_else(|| "Quản trị hệ thống (nhập từ tệp)".into()),
                required_count: options.required_count,
            },
            memberships: entries
                .iter()
                .flat_map(|e| {
                    e.sets
                        .iter()
                        .map(|s| (s.clone(), e.procedure.code.to_string()))
                })
                .collect(),
            procedures: entries
                .into_iter()
                .map(|e| e.procedure.normalised())
                .collect(),
        };
        let audit = AuditEntry::system(
            now,
            "catalogue.imported",
            format!("decision:{number}"),
            serde_json::json!({ "format": parsed.format, "procedures": load.procedures.len() }),
        );
        store.load_catalogue(&load, now, audit).await?;
    }
    Ok(ImportReport::Imported {
        decision: number,
        format: parsed.format,
        rows,
        dry_run: options.dry_run,
    })
}

/// The published catalogue, as a file: the same bytes as the export API.
pub async fn export(store: &Store, format: Format) -> anyhow::Result<Vec<u8>> {
    Ok(crate::catalogue::export::export(store, format).await?.bytes)
}
