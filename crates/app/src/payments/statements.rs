//! Reconciling a bank statement (Decision 31/2021/QĐ-TTg art. 33): an officer of the agency
//! that owns the account imports what the bank exported; each credit is matched to a dossier
//! by the code in its purpose and by amount. The whole file is refused when a row is broken;
//! otherwise every matched line is recorded in one transaction with the bank's reference, so
//! importing the same statement again changes nothing.

use super::ledger::{Incoming, settlement};
use crate::{App, AppError, AppResult, Principal};
use motcua_domain::account::Role;
use motcua_domain::reconcile::{Match, dossier_codes_in};
use motcua_exchange::RowIssue;
use motcua_exchange::statement::{StatementColumns, StatementError, parse_statement};
use motcua_store::{DossierRecord, PaymentSettlement, StatementImport};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// What to import.
#[derive(Debug, Clone)]
pub struct StatementInput<'a> {
    /// The agency whose account the statement is of.
    pub agency: &'a str,
    pub file_name: &'a str,
    pub bytes: &'a [u8],
    /// The statement's column names (`reference=…,booked_at=…,amount=…,description=…`);
    /// empty: the common Vietnamese headers.
    pub columns: &'a str,
    /// Only show what would be recorded.
    pub dry_run: bool,
}

/// What became of one credit line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineReport {
    pub row: usize,
    pub reference: String,
    pub booked_on: chrono::NaiveDate,
    pub amount_vnd: i64,
    pub description: String,
    pub dossier_code: Option<String>,
    /// `matched`, `short_paid`, `overpaid`, `paid_twice`, `not_owed` (recorded; the last three
    /// with an amount due back), `unmatched` (no dossier of this agency named) or
    /// `already_recorded` (this reference was imported before).
    pub outcome: String,
    pub outcome_label: String,
    pub refund_due_vnd: i64,
}

/// What a statement import found and did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatementReport {
    /// None for a dry run.
    pub import_id: Option<String>,
    pub agency_code: String,
    pub file_name: String,
    pub sha256: String,
    pub dry_run: bool,
    /// When this very file was imported before, and by whom.
    pub imported_before: Option<String>,
    pub lines: Vec<LineReport>,
    /// Lines newly recorded as payments, and their sum.
    pub recorded: usize,
    pub recorded_vnd: i64,
    pub unmatched: usize,
    pub skipped_debits: usize,
}

/// A statement refused as a whole, or read.
#[derive(Debug)]
pub enum StatementOutcome {
    /// Nothing was recorded: every broken row.
    Rejected(Vec<RowIssue>),
    Read(StatementReport),
}

fn may_import(who: &Principal, agency: &str) -> AppResult<()> {
    who.require(&[Role::Receiver, Role::UnitAdmin, Role::ProvinceAdmin])?;
    if who.role == Role::ProvinceAdmin || who.agency_code.as_deref() == Some(agency) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// The largest statement file accepted, whichever way it arrives (a month of a busy
/// agency's account is far smaller).
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

const UNMATCHED: &str = "unmatched";
const ALREADY: &str = "already_recorded";

/// Reads, matches and (unless a dry run) records a statement; audited.
pub async fn import(
    app: &App,
    who: &Principal,
    input: &StatementInput<'_>,
) -> AppResult<StatementOutcome> {
    may_import(who, input.agency)?;
    if input.bytes.len() > MAX_BYTES {
        return Err(AppError::TooLarge {
            code: "statement_too_large",
            detail: format!("Bảng kê quá lớn (tối đa {MAX_BYTES} byte)."),
        });
    }
    let agency = (app.store.agency(input.agency).await?).ok_or_else(|| {
        AppError::not_found(
            "agency_not_found",
            format!("Không có cơ quan {}.", input.agency),
        )
    })?;
    let columns = match input.columns.trim() {
        "" => StatementColumns::default(),
        spec => StatementColumns::parse(spec)
            .map_err(|e| AppError::invalid_field("columns", "statement_columns_invalid", e))?,
    };
    let statement = match parse_statement(input.bytes, &columns) {
        Ok(s) => s,
        Err(StatementError::Rows(issues)) => return Ok(StatementOutcome::Rejected(issues)),
        Err(e) => {
            return Err(AppError::UnsupportedType {
                code: "statement_unreadable",
                detail: crate::capitalise(&e.to_string()) + ".",
            });
        }
    };
    let sha256 = hex::encode(Sha256::digest(input.bytes));
    let imported_before = (app
        .store
        .statement_imported(agency.code.as_str(), &sha256)
        .await?)
        .map(|(_, at, by)| {
            let at = at.with_timezone(&motcua_domain::calendar::VN_OFFSET);
            format!("{} bởi {by}", at.format("%H:%M ngày %d/%m/%Y"))
        });
    let agency_codes: Vec<String> = (app.store.agencies(None).await?)
        .into_iter()
        .map(|a| a.code.to_string())
        .collect();
    let ids: Vec<String> = (statement.lines.iter())
        .map(|l| transaction_id(agency.code.as_str(), &l.reference))
        .collect();
    let known: std::collections::HashSet<String> =
        app.store.ledger_has(&ids).await?.into_iter().collect();
    // Dossiers as the lines before have left them: two lines for one dossier read in order.
    let mut dossiers: HashMap<String, DossierRecord> = HashMap::new();
    let mut lines = Vec::with_capacity(statement.lines.len());
    let mut batch: Vec<PaymentSettlement> = Vec::new();
    for (line, id) in statement.lines.iter().zip(ids) {
        let mut report = LineReport {
            row: line.row,
            reference: line.reference.clone(),
            booked_on: line.booked_on,
            amount_vnd: line.amount_vnd,
            description: line.description.clone(),
            dossier_code: None,
            outcome: UNMATCHED.into(),
            outcome_label: "Không khớp hồ sơ".into(),
            refund_due_vnd: 0,
        };
        if known.contains(&id) {
            report.outcome = ALREADY.into();
            report.outcome_label = "Đã ghi nhận trước đây".into();
            lines.push(report);
            continue;
        }
        let mut record = None;
        for code in dossier_codes_in(&line.description, &agency_codes) {
            if let Some(r) = dossiers.get(&code) {
                record = Some(r.clone());
                break;
            }
            if let Some(r) = app.store.dossier(&code).await? {
                record = Some(r);
                break;
            }
        }
        let Some(record) = record else {
            lines.push(report);
            continue;
        };
        report.dossier_code = Some(record.code().to_owned());
        if super::ledger::collecting_agency(app, &record).await? != agency.code.as_str() {
            report.outcome_label = "Hồ sơ không nộp phí vào tài khoản của cơ quan này".into();
            lines.push(report);
            continue;
        }
        // A statement gives the day only: noon in Vietnam stands for it.
        let paid_at = motcua_domain::calendar::from_vn_local(
            line.booked_on
                .and_time(chrono::NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default()),
        )
        .with_timezone(&chrono::Utc);
        let payment = Incoming {
            transaction_id: id,
            order_id: None,
            channel: "bank",
            reference: Some(line.reference.clone()),
            amount_vnd: line.amount_vnd,
            paid_at,
        };
        let audit = who.audit("payment.received", String::new(), serde_json::Value::Null);
        let (s, applied) = settlement(app, &record, payment, audit).await?;
        report.outcome = serde_plain(applied.outcome);
        report.outcome_label = applied.outcome.label_vi().into();
        report.refund_due_vnd = applied.refund_due_vnd;
        let mut after = record;
        if let Some((_, _, next)) = &s.transition {
            after.dossier = next.clone();
        }
        dossiers.insert(after.code().to_owned(), after);
        batch.push(s);
        lines.push(report);
    }
    let mut report = StatementReport {
        import_id: None,
        agency_code: agency.code.to_string(),
        file_name: input.file_name.to_owned(),
        sha256,
        dry_run: input.dry_run,
        imported_before,
        recorded: batch.len(),
        recorded_vnd: batch.iter().map(|s| s.amount_vnd).sum(),
        unmatched: lines.iter().filter(|l| l.outcome == UNMATCHED).count(),
        skipped_debits: statement.skipped_debits,
        lines,
    };
    if input.dry_run {
        return Ok(StatementOutcome::Read(report));
    }
    let id = uuid::Uuid::now_v7().simple().to_string();
    report.import_id = Some(id.clone());
    let mut audit = who.audit(
        "payment.statement_imported",
        format!("statement:{id}"),
        serde_json::json!({
            "file": report.file_name, "sha256": report.sha256, "lines": report.lines.len(),
            "recorded": report.recorded, "recorded_vnd": report.recorded_vnd,
            "unmatched": report.unmatched,
        }),
    );
    audit.agency_code = Some(agency.code.to_string());
    let import = StatementImport {
        id,
        agency_code: agency.code.to_string(),
        sha256: report.sha256.clone(),
        file_name: report.file_name.clone(),
        imported_by: who.username.clone(),
        at: crate::now(),
        report: serde_json::to_string(&report).map_err(AppError::internal)?,
        audit: audit.clone(),
    };
    app.store.settle_payments(&batch, Some(&import)).await?;
    let mut codes: Vec<&str> = batch.iter().map(|s| s.dossier_code.as_str()).collect();
    codes.dedup();
    for code in codes {
        super::receipts::issue_logged(app, code, &audit).await;
    }
    Ok(StatementOutcome::Read(report))
}

/// The ledger's id for a bank line: the bank's reference is unique only within its account.
fn transaction_id(agency: &str, reference: &str) -> String {
    format!("bank:{agency}:{reference}")
}

fn serde_plain(outcome: Match) -> String {
    serde_json::to_value(outcome)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
