//! The domain's rules and the references, for every parsed row.

use crate::read::sheet_order;
use crate::{
    DOCUMENTS_SHEET, FEES_SHEET, FORMS_SHEET, Format, Parsed, ParsedRow, RESULTS_SHEET, RowIssue,
};
use motcua_domain::procedure::ProcedureError;
use std::collections::{BTreeMap, BTreeSet};

/// What the catalogues in force hold, for checking references.
pub struct Known<'a> {
    pub sectors: &'a BTreeSet<String>,
    pub agencies: &'a BTreeSet<String>,
    pub sets: &'a BTreeSet<String>,
}

/// The file column for a procedure field.
fn column_for(format: Format, field: &str) -> String {
    if format == Format::Json {
        return field.to_owned();
    }
    let column = match field {
        "code" => "ma_thu_tuc",
        "name" => "ten_thu_tuc",
        "sector" => "linh_vuc",
        "levels" => "cap_thuc_hien",
        "agency_code" => "co_quan_thuc_hien",
        "agency_kind" => "loai_co_quan",
        "applicants" => "doi_tuong",
        "processing_time" => "thoi_han",
        "service_norm" => "chuan_phuc_vu",
        "channels" => "cach_thuc_nop",
        "online_level" => "muc_do_truc_tuyen",
        "online_reason" => "ly_do_chua_toan_trinh",
        "steps" => "trinh_tu",
        "legal_bases" => "can_cu_phap_ly",
        "valid_from" => "hieu_luc_tu",
        "valid_to" => "hieu_luc_den",
        "documents" => "thanh_phan_ho_so",
        "fees" => "phi_le_phi",
        "results" => "ket_qua",
        "form" => "bieu_mau",
        other => other,
    };
    column.to_owned()
}

/// Every rule and reference, for every row: duplicates, the domain's rules, unknown
/// sectors, agencies and sets. Fees, documents and results from sub-sheets are reported
/// on their own sheet's row.
pub fn check(parsed: &Parsed, known: &Known) -> Vec<RowIssue> {
    let format = parsed.format;
    let mut issues = Vec::new();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for row in &parsed.rows {
        let p = &row.entry.procedure;
        let mut issue = |sheet: &str, at: usize, column: String, code, message: String| {
            issues.push(RowIssue {
                sheet: sheet.to_owned(),
                row: at,
                column: Some(column),
                code,
                message,
            })
        };
        if let Some(first) = seen.insert(p.code.as_str(), row.row) {
            issue(
                &row.sheet,
                row.row,
                column_for(format, "code"),
                "duplicate_procedure_code",
                format!("mã thủ tục {} trùng với dòng {first}", p.code),
            );
        }
        let normalised = p.clone().normalised();
        let mut problems = normalised.problems();
        problems.extend(normalised.reference_problems(
            |s| known.sectors.contains(s),
            |a| known.agencies.contains(a.as_str()),
        ));
        for problem in problems {
            let sub = |rows: &[usize], index: usize| rows.get(index.saturating_sub(1)).copied();
            let placed = match &problem {
                ProcedureError::InvalidDocument { index } => {
                    sub(&row.document_rows, *index).map(|r| (DOCUMENTS_SHEET, r, "ten_giay_to"))
                }
                ProcedureError::InvalidResult { index } => {
                    sub(&row.result_rows, *index).map(|r| (RESULTS_SHEET, r, "ten_ket_qua"))
                }
                ProcedureError::InvalidFee { name, amount_vnd } => p
                    .fees
                    .iter()
                    .position(|f| &f.name == name && f.amount_vnd == *amount_vnd)
                    .and_then(|i| row.fee_rows.get(i).copied())
                    .map(|r| (FEES_SHEET, r, "so_tien_vnd")),
                ProcedureError::InvalidFeeUnit { index } => {
                    sub(&row.fee_rows, *index).map(|r| (FEES_SHEET, r, "don_vi_tinh"))
                }
                ProcedureError::InvalidFeeExemption { index, .. } => {
                    sub(&row.fee_rows, *index).map(|r| (FEES_SHEET, r, "mien_giam"))
                }
                ProcedureError::InvalidForm(p) => {
                    form_place(row, &p.path, p.code).map(|(at, column)| (FORMS_SHEET, at, column))
                }
                _ => None,
            };
            // On its own row of the form sheet, the problem's path would say it twice, and
            // another field it names is a row too.
            let message = match (&problem, placed) {
                (ProcedureError::InvalidForm(p), Some(_)) => with_rows(row, &p.message),
                _ => problem.to_string(),
            };
            match placed {
                Some((sheet, at, column)) => {
                    issue(sheet, at, column.into(), problem.code(), message)
                }
                None => issue(
                    &row.sheet,
                    row.row,
                    column_for(format, problem.field()),
                    problem.code(),
                    message,
                ),
            }
        }
        for set in &row.entry.sets {
            if !known.sets.contains(set) {
                issue(
                    &row.sheet,
                    row.row,
                    if format == Format::Json {
                        "sets"
                    } else {
                        "bo_thu_tuc"
                    }
                    .to_owned(),
                    "unknown_set",
                    format!("bộ thủ tục không có trong danh mục: {set:?}"),
                );
            }
        }
    }
    issues.sort_by_key(|i| sheet_order(&i.sheet, i.row));
    issues
}

/// The `Biểu mẫu` row and column of a form problem at `path` (`title`, `result.rows[0]`,
/// `sections[1].repeat`, `sections[0].fields[2].rules[0]`), when the form came from that
/// sheet.
fn form_place(row: &ParsedRow, path: &str, code: &str) -> Option<(usize, &'static str)> {
    let first = *row.form_rows.first()?.first()?;
    let Some(rest) = path.strip_prefix("sections[") else {
        let column = match path {
            "title" => "tieu_de",
            "stands_for" => "thay_the",
            _ if path.starts_with("result") => "mau_ket_qua",
            _ => "khoa",
        };
        return Some((first, column));
    };
    let (s, rest) = rest.split_once(']')?;
    let rows = row.form_rows.get(s.parse::<usize>().ok()?)?;
    let Some(rest) = rest.strip_prefix(".fields[") else {
        let column = match rest {
            ".repeat" => "lap_lai",
            ".show_when" => "phan_hien_khi",
            _ if code == "form_title_missing" => "ten_phan",
            _ => "phan",
        };
        return Some((*rows.first()?, column));
    };
    let (f, rest) = rest.split_once(']')?;
    let at = *rows.get(f.parse::<usize>().ok()?)?;
    let column = match code {
        _ if rest.starts_with(".rules") => "quy_tac",
        _ if rest.starts_with(".show_when") => "hien_khi",
        "form_label_missing" => "nhan",
        "code_list_missing" => "danh_muc",
        "component_missing" | "unknown_component" => "thanh_phan",
        _ => "khoa",
    };
    Some((at, column))
}

/// `sections[0].fields[2]` in a message as the `Biểu mẫu` row it came from.
fn with_rows(row: &ParsedRow, message: &str) -> String {
    let mut message = message.to_owned();
    for (s, rows) in row.form_rows.iter().enumerate() {
        for (f, at) in rows.iter().enumerate() {
            let path = format!("sections[{s}].fields[{f}]");
            if message.contains(&path) {
                message = message.replace(&path, &format!("dòng {at}"));
            }
        }
    }
    message
}
