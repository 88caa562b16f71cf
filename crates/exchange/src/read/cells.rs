//! Typed values from one row, and the main sheet's columns as an entry.

use super::Table;
use crate::{Entry, RowIssue};
use chrono::NaiveDate;
use motcua_domain::agency::{AgencyCode, AgencyKind};
use motcua_domain::procedure::{
    Applicant, FeeExemption, Level, OnlineLevel, Procedure, ProcedureCode, ProcessingTime,
    Retention, SubmissionChannel, TimeUnit,
};
use motcua_domain::text::fold;
use serde::Deserialize;
use std::str::FromStr;

/// Reads typed values from one row, noting each problem with its column.
pub(super) struct Cells<'a> {
    table: &'a Table,
    row: usize,
    cells: &'a [String],
    issues: &'a mut Vec<RowIssue>,
    pub(super) ok: bool,
}

impl<'a> Cells<'a> {
    pub(super) fn new(
        table: &'a Table,
        row: usize,
        cells: &'a [String],
        issues: &'a mut Vec<RowIssue>,
    ) -> Self {
        let mut this = Cells {
            table,
            row,
            cells,
            issues,
            ok: true,
        };
        // No cell of a catalogue carries a control or bidirectional character.
        for (i, cell) in cells.iter().enumerate() {
            let column = table.header.get(i).cloned().unwrap_or_default();
            if let Err(e) = motcua_domain::text::check_text(&column, cell) {
                this.problem(&column, e.code(), e.to_string());
            }
        }
        this
    }

    pub(super) fn problem(&mut self, column: &str, code: &'static str, message: String) {
        self.ok = false;
        self.issues.push(RowIssue {
            sheet: self.table.sheet.clone(),
            row: self.row,
            column: Some(column.into()),
            code,
            message,
        });
    }

    pub(super) fn text(&self, column: &str) -> String {
        self.table
            .column(column)
            .and_then(|i| self.cells.get(i))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    }

    /// A name is one line: a line break inside (a quoted newline in CSV, Alt+Enter in Excel)
    /// is refused rather than stored.
    pub(super) fn one_line(&mut self, column: &str) -> String {
        let text = self.text(column);
        if text.contains(['\n', '\r']) {
            self.problem(
                column,
                "line_break_in_name",
                "tên chỉ được có một dòng: ô có dấu xuống dòng, hãy nối thành một dòng".into(),
            );
        }
        text
    }

    pub(super) fn optional(&self, column: &str) -> Option<String> {
        Some(self.text(column)).filter(|s| !s.is_empty())
    }

    pub(super) fn parsed<T: FromStr<Err = String>>(&mut self, column: &str) -> Option<T> {
        let raw = self.text(column);
        match raw.parse() {
            Ok(v) => Some(v),
            Err(e) => {
                self.problem(column, "invalid_value", e);
                None
            }
        }
    }

    pub(super) fn list<T: FromStr<Err = String>>(&mut self, column: &str) -> Vec<T> {
        let raw = self.text(column);
        let mut items = Vec::new();
        for part in raw
            .split([';', ','])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match part.parse() {
                Ok(v) => items.push(v),
                Err(e) => self.problem(column, "invalid_value", e),
            }
        }
        items
    }

    pub(super) fn number(&mut self, column: &str) -> Option<u32> {
        let raw = self.text(column);
        if raw.is_empty() {
            return None;
        }
        match raw.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.problem(
                    column,
                    "invalid_value",
                    format!("phải là số nguyên không âm, không phải {raw:?}"),
                );
                None
            }
        }
    }

    pub(super) fn integer(&mut self, column: &str) -> Option<i64> {
        let raw = self.text(column).replace(['.', ' '], "");
        match raw.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.problem(
                    column,
                    "invalid_value",
                    format!("phải là số tiền (đồng), không phải {raw:?}"),
                );
                None
            }
        }
    }

    pub(super) fn flag(&mut self, column: &str) -> bool {
        let raw = fold(&self.text(column));
        match raw.as_str() {
            "co" | "x" | "1" | "true" | "yes" => true,
            "" | "khong" | "0" | "false" | "no" => false,
            _ => {
                self.problem(
                    column,
                    "invalid_value",
                    format!("ghi \"có\" hoặc \"không\", không phải {raw:?}"),
                );
                false
            }
        }
    }

    pub(super) fn date(&mut self, column: &str) -> Option<NaiveDate> {
        let raw = self.optional(column)?;
        match motcua_domain::calendar::parse_date_either(&raw) {
            Some(d) => Some(d),
            None => {
                self.problem(
                    column,
                    "invalid_value",
                    format!("ngày không hợp lệ: {raw:?} (YYYY-MM-DD)"),
                );
                None
            }
        }
    }

    pub(super) fn retention(&mut self, column: &str) -> Option<Retention> {
        let raw = fold(&self.text(column));
        if matches!(raw.as_str(), "vinh_vien" | "vinh vien" | "permanent") {
            return Some(Retention::Permanent);
        }
        match raw.trim_end_matches(" nam").parse::<u32>() {
            Ok(n) => Some(Retention::Years(n)),
            Err(_) => {
                self.problem(
                    column,
                    "invalid_value",
                    format!("ghi số năm hoặc \"vinh_vien\", không phải {raw:?}"),
                );
                None
            }
        }
    }

    /// Exemptions, one a line, each `who | legal basis`, split at the first `|`.
    pub(super) fn exemptions(&mut self, column: &str) -> Vec<FeeExemption> {
        let raw = self.text(column);
        let mut items = Vec::new();
        for (i, line) in raw.lines().map(str::trim).enumerate() {
            if line.is_empty() {
                continue;
            }
            match line.split_once('|') {
                Some((who, basis)) => items.push(FeeExemption {
                    who: who.trim().to_owned(),
                    legal_basis: basis.trim().to_owned(),
                }),
                None => self.problem(
                    column,
                    "invalid_value",
                    format!(
                        "dòng thứ {} trong ô: ghi \"đối tượng | căn cứ pháp lý\", không phải {line:?}",
                        i + 1
                    ),
                ),
            }
        }
        items
    }

    /// A JSON value; an empty cell is the default (no items, no form).
    pub(super) fn json<T: for<'de> Deserialize<'de> + Default>(&mut self, column: &str) -> T {
        let raw = self.text(column);
        if raw.is_empty() {
            return T::default();
        }
        match serde_json::from_str(&raw) {
            Ok(v) => v,
            Err(e) => {
                self.problem(column, "invalid_value", format!("JSON không hợp lệ: {e}"));
                T::default()
            }
        }
    }
}

/// Reads the main sheet's columns into an entry (without documents, fees, results).
pub(super) fn main_entry(cell: &mut Cells) -> Option<Entry> {
    let code = match ProcedureCode::parse(&cell.text("ma_thu_tuc")) {
        Ok(code) => Some(code),
        Err(e) => {
            cell.problem("ma_thu_tuc", e.code(), e.to_string());
            None
        }
    };
    let agency_code = match cell
        .optional("co_quan_thuc_hien")
        .map(|c| AgencyCode::parse(&c))
    {
        Some(Ok(code)) => Some(code),
        Some(Err(e)) => {
            cell.problem("co_quan_thuc_hien", "unknown_agency", e.to_string());
            None
        }
        None => None,
    };
    let agency_kind = match cell.optional("loai_co_quan") {
        Some(_) => cell.parsed::<AgencyKind>("loai_co_quan"),
        None => None,
    };
    let unit = cell.parsed::<TimeUnit>("don_vi_thoi_han");
    let value = cell.number("thoi_han");
    if value.is_none() && cell.ok {
        cell.problem(
            "thoi_han",
            "missing_field",
            "thiếu thời hạn giải quyết".into(),
        );
    }
    let norm_value = cell.number("chuan_phuc_vu");
    let norm_unit = match cell.optional("don_vi_chuan_phuc_vu") {
        Some(_) => cell.parsed::<TimeUnit>("don_vi_chuan_phuc_vu"),
        None => unit,
    };
    let levels = cell.list::<Level>("cap_thuc_hien");
    let applicants = cell.list::<Applicant>("doi_tuong");
    let channels = cell.list::<SubmissionChannel>("cach_thuc_nop");
    let online_level = cell.parsed::<OnlineLevel>("muc_do_truc_tuyen");
    let valid_from = cell.date("hieu_luc_tu");
    let valid_to = cell.date("hieu_luc_den");
    let legal_bases = cell
        .text("can_cu_phap_ly")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let sets = cell
        .text("bo_thu_tuc")
        .split([';', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let name = cell.one_line("ten_thu_tuc");
    let sector = cell.one_line("linh_vuc");
    let procedure = Procedure {
        code: code?,
        name,
        sector,
        levels,
        agency_code,
        agency_kind,
        applicants,
        processing_time: ProcessingTime {
            value: value?,
            unit: unit?,
        },
        service_norm: match (norm_value, norm_unit) {
            (Some(value), Some(unit)) => Some(ProcessingTime { value, unit }),
            _ => None,
        },
        fees: Vec::new(),
        documents: Vec::new(),
        steps: cell.text("trinh_tu"),
        channels,
        online_level: online_level?,
        online_reason: cell.optional("ly_do_chua_toan_trinh"),
        results: Vec::new(),
        legal_bases,
        valid_from,
        valid_to,
        form: None,
    };
    Some(Entry { procedure, sets })
}
