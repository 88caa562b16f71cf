//! The registers of units, successions and agencies, imported from files.
//!
//! Formats (read by `motcua_exchange::registers`):
//! - units: the thanglequoc JSON (`full_json_generated_data_vn_units*.json`), the dvhcvn
//!   pre-2025 JSON (`dvhcvn.json`, three tiers), or a CSV with the columns
//!   `code,name,kind,parent_code` and optionally `full_name`;
//! - successions: dvhcvn's `merges.json`, or a CSV `old_code,new_code,link[,legal_basis]`;
//! - agencies: a CSV `code,name,kind,unit_code,parent_code[,valid_from,valid_to]`.
//!
//! A file that cannot be read at all, and each row that cannot be understood, become
//! problems with the row's place; the store then checks the rest in one transaction.

mod parse;

pub use parse::{Parsed, parse_agencies, parse_successions, parse_units};

use chrono::NaiveDate;
use motcua_domain::audit::AuditEntry;
use motcua_domain::import::{ImportProblem, Recode, apply_recodes};
use motcua_store::{
    ImportOutcome, ImportSource, LinkImportSummary, Progress, Store, UnitImportSummary,
};
use std::path::Path;

/// What an import command reports.
#[derive(Debug, Clone)]
pub enum Report<S> {
    Done {
        summary: S,
        rows: usize,
        seconds: f64,
    },
    Rejected(Vec<ImportProblem>),
}

fn audit(action: &str, source: &ImportSource, detail: serde_json::Value) -> AuditEntry {
    AuditEntry::system(
        crate::now(),
        action,
        format!("import:{}", source.name),
        detail,
    )
}

fn finish<S>(outcome: ImportOutcome<S>, rows: usize, started: std::time::Instant) -> Report<S> {
    match outcome {
        ImportOutcome::Done(summary) => Report::Done {
            summary,
            rows,
            seconds: started.elapsed().as_secs_f64(),
        },
        ImportOutcome::Rejected(problems) => Report::Rejected(problems),
    }
}

/// Reads and imports a unit list; a file with unreadable rows is refused before the store.
pub async fn import_units(
    store: &Store,
    path: &Path,
    valid_from: NaiveDate,
    scope: Option<&str>,
    progress: Progress<'_>,
) -> anyhow::Result<Report<UnitImportSummary>> {
    let started = std::time::Instant::now();
    let parsed = parse_units(path)?;
    if !parsed.problems.is_empty() {
        return Ok(Report::Rejected(parsed.problems));
    }
    let outcome = store
        .import_units(
            &parsed.rows,
            valid_from,
            scope,
            &parsed.source,
            audit("units.imported", &parsed.source, serde_json::json!({})),
            progress,
        )
        .await?;
    Ok(finish(outcome, parsed.rows.len(), started))
}

/// A succession import's counts, and how many links each `--recode` touched.
#[derive(Debug, Clone)]
pub struct SuccessionSummary {
    pub links: LinkImportSummary,
    pub recoded: Vec<(Recode, usize)>,
}

/// Reads and imports successions, reading each recode's old successor code as its new one first.
pub async fn import_successions(
    store: &Store,
    path: &Path,
    effective: NaiveDate,
    legal_basis: Option<&str>,
    recodes: &[Recode],
    progress: Progress<'_>,
) -> anyhow::Result<Report<SuccessionSummary>> {
    let started = std::time::Instant::now();
    let mut parsed = parse_successions(path, effective, legal_basis)?;
    if !parsed.problems.is_empty() {
        return Ok(Report::Rejected(parsed.problems));
    }
    let touched = match apply_recodes(&mut parsed.rows, recodes) {
        Ok(touched) => touched,
        Err(problems) => return Ok(Report::Rejected(problems)),
    };
    let recoded: Vec<(Recode, usize)> = recodes.iter().cloned().zip(touched).collect();
    let detail = serde_json::json!({
        "recodes": recoded
            .iter()
            .map(|(r, links)| serde_json::json!({"old": r.old, "new": r.new, "links": links}))
            .collect::<Vec<_>>(),
    });
    let outcome = store
        .import_successions(
            &parsed.rows,
            effective,
            &parsed.source,
            audit("successions.imported", &parsed.source, detail),
            progress,
        )
        .await?;
    Ok(match finish(outcome, parsed.rows.len(), started) {
        Report::Done {
            summary,
            rows,
            seconds,
        } => Report::Done {
            summary: SuccessionSummary {
                links: summary,
                recoded,
            },
            rows,
            seconds,
        },
        Report::Rejected(problems) => Report::Rejected(problems),
    })
}

pub async fn import_agencies(
    store: &Store,
    path: &Path,
) -> anyhow::Result<Report<LinkImportSummary>> {
    let started = std::time::Instant::now();
    let parsed = parse_agencies(path)?;
    if !parsed.problems.is_empty() {
        return Ok(Report::Rejected(parsed.problems));
    }
    let outcome = store
        .import_agencies(
            &parsed.rows,
            crate::today_vn(),
            &parsed.source,
            crate::now(),
            audit("agencies.imported", &parsed.source, serde_json::json!({})),
        )
        .await?;
    Ok(finish(outcome, parsed.rows.len(), started))
}

/// The report's lines for people: the summary, or every bad row.
pub fn describe_units(report: &Report<UnitImportSummary>) -> String {
    match report {
        Report::Done {
            summary: s,
            rows,
            seconds,
        } => {
            let mut line = format!(
                "Đã đọc {rows} đơn vị trong {seconds:.2} giây: {} mở mới, {} đóng lại, {} giữ nguyên, {} sửa cùng ngày.\n\
                 Imported {rows} units in {seconds:.2} s: {} opened, {} closed, {} unchanged, {} corrected.",
                s.opened,
                s.closed,
                s.unchanged,
                s.corrected,
                s.opened,
                s.closed,
                s.unchanged,
                s.corrected
            );
            if s.respelled > 0 {
                line.push_str(&format!(
                    "\n{} đơn vị chỉ khác cách đặt dấu thanh hoặc chữ hoa: giữ cách viết đang có.",
                    s.respelled
                ));
            }
            line
        }
        Report::Rejected(problems) => describe_problems(problems),
    }
}

pub fn describe_links(report: &Report<LinkImportSummary>, what: &str) -> String {
    match report {
        Report::Done {
            summary: s,
            rows,
            seconds,
        } => format!(
            "Đã đọc {rows} {what} trong {seconds:.2} giây: {} thêm mới, {} cập nhật, {} giữ nguyên.\n\
             Imported {rows} rows in {seconds:.2} s: {} added, {} updated, {} unchanged.",
            s.added, s.updated, s.unchanged, s.added, s.updated, s.unchanged
        ),
        Report::Rejected(problems) => describe_problems(problems),
    }
}

/// The links' summary, then one line per recode with the links it touched.
pub fn describe_successions(report: &Report<SuccessionSummary>) -> String {
    let (summary, rows, seconds) = match report {
        Report::Done {
            summary,
            rows,
            seconds,
        } => (summary, *rows, *seconds),
        Report::Rejected(problems) => return describe_problems(problems),
    };
    let links = Report::Done {
        summary: summary.links,
        rows,
        seconds,
    };
    let mut text = describe_links(&links, "liên kết kế thừa");
    for (r, n) in &summary.recoded {
        text.push_str(&format!(
            "\nĐổi mã {} thành {}: {n} liên kết. Recoded {} as {} in {n} link(s).",
            r.old, r.new, r.old, r.new
        ));
    }
    text
}

fn describe_problems(problems: &[ImportProblem]) -> String {
    let mut out = format!(
        "Tệp có {} dòng lỗi; không ghi gì vào cơ sở dữ liệu. {} bad row(s); nothing was written.\n",
        problems.len(),
        problems.len()
    );
    for p in problems {
        out.push_str(&format!("  {p}\n"));
    }
    out
}
