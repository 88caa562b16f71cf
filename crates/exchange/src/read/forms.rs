//! The `Biểu mẫu` sheet: one row per field, built into each procedure's form.
//!
//! The form's own rules (keys, kinds, conditions) are the domain's, checked with the
//! procedure in [`crate::check`]; here only what the cells say and whether the repeated
//! form and section columns agree.

use super::Table;
use super::cells::Cells;
use crate::{MAIN_SHEET, ParsedRow, RowIssue};
use motcua_domain::form::{
    Condition, Field, FieldKind, FormDefinition, Prefill, Repeat, ResultSource, ResultTemplate,
    Rule, Section,
};
use std::collections::{BTreeMap, BTreeSet};

/// Columns the sheet cannot do without; the others may be left out.
pub(super) const REQUIRED: [&str; 7] = [
    "ma_thu_tuc",
    "tieu_de",
    "phan",
    "ten_phan",
    "khoa",
    "nhan",
    "loai",
];

/// A form being read: where it and each section started, for naming the row a later,
/// disagreeing one is compared with.
struct Building {
    form: FormDefinition,
    first_row: usize,
    rows: Vec<Vec<usize>>,
    broken: bool,
}

/// Builds the form of every procedure that has rows, in row order (sections in the order
/// they first appear). Returns the procedures (indices into `rows`) with a bad form row.
pub(super) fn attach(
    table: &Table,
    by_code: &BTreeMap<String, usize>,
    rows: &mut [ParsedRow],
    issues: &mut Vec<RowIssue>,
) -> BTreeSet<usize> {
    let mut forms: BTreeMap<usize, Building> = BTreeMap::new();
    for (row, cells) in &table.rows {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut cell = Cells::new(table, *row, cells, issues);
        let code = cell.text("ma_thu_tuc");
        let index = match by_code.get(code.trim()) {
            // Its main row is already reported.
            Some(&usize::MAX) => continue,
            Some(&i) => i,
            None => {
                cell.problem(
                    "ma_thu_tuc",
                    "unknown_procedure",
                    format!("mã thủ tục {code:?} không có trong trang {MAIN_SHEET}"),
                );
                continue;
            }
        };
        let template_no = cell.optional("mau_so");
        let title = cell.text("tieu_de");
        let stands_for = cell.optional("thay_the");
        let result = cell.json::<Option<ResultTemplate>>("mau_ket_qua");
        let section = Section {
            key: cell.text("phan"),
            title: cell.text("ten_phan"),
            show_when: condition(&cell.text("phan_hien_khi")),
            repeat: repeat(&mut cell, "lap_lai"),
            fields: Vec::new(),
        };
        let field = field(&mut cell);
        let form = forms.entry(index).or_insert_with(|| Building {
            form: FormDefinition {
                template_no: template_no.clone(),
                title: title.clone(),
                stands_for: stands_for.clone(),
                sections: Vec::new(),
                result: result.clone(),
            },
            first_row: *row,
            rows: Vec::new(),
            broken: false,
        });
        let first = form.first_row;
        let differs = |what: &str| format!("{what} khác với dòng {first} của cùng thủ tục");
        if form.form.template_no != template_no {
            cell.problem("mau_so", "inconsistent_form", differs("mẫu số"));
        }
        if form.form.title != title {
            cell.problem("tieu_de", "inconsistent_form", differs("tiêu đề tờ khai"));
        }
        if form.form.stands_for != stands_for {
            cell.problem(
                "thay_the",
                "inconsistent_form",
                differs("thành phần thay thế"),
            );
        }
        if form.form.result != result {
            cell.problem("mau_ket_qua", "inconsistent_form", differs("mẫu kết quả"));
        }
        let s = match form.form.sections.iter().position(|s| s.key == section.key) {
            Some(s) => {
                let (known, first) = (&form.form.sections[s], form.rows[s][0]);
                let differs = |what: &str| {
                    format!(
                        "{what} khác với dòng {first}, dòng đầu của phần {:?}",
                        known.key
                    )
                };
                for (column, what, same) in [
                    ("ten_phan", "tên phần", known.title == section.title),
                    ("lap_lai", "số mục lặp lại", known.repeat == section.repeat),
                    (
                        "phan_hien_khi",
                        "điều kiện hiện phần",
                        known.show_when == section.show_when,
                    ),
                ] {
                    if !same {
                        cell.problem(column, "inconsistent_form", differs(what));
                    }
                }
                s
            }
            None => {
                form.form.sections.push(section);
                form.rows.push(Vec::new());
                form.form.sections.len() - 1
            }
        };
        form.form.sections[s].fields.push(field);
        form.rows[s].push(*row);
        form.broken |= !cell.ok;
    }
    let mut broken = BTreeSet::new();
    for (index, form) in forms {
        if form.broken {
            broken.insert(index);
        } else {
            rows[index].entry.procedure.form = Some(form.form);
            rows[index].form_rows = form.rows;
        }
    }
    broken
}

fn field(cell: &mut Cells) -> Field {
    let raw = cell.text("loai");
    let kind = FieldKind::parse(&raw).unwrap_or_else(|| {
        let known: Vec<_> = FieldKind::ALL.iter().map(|k| k.as_str()).collect();
        cell.problem(
            "loai",
            "invalid_value",
            format!(
                "loại trường không có: {raw:?} (ghi một trong: {})",
                known.join(", ")
            ),
        );
        FieldKind::Text
    });
    let prefill = cell.optional("dien_san").and_then(|raw| {
        let found = Prefill::parse(&raw);
        if found.is_none() {
            let known: Vec<_> = Prefill::ALL.iter().map(|p| p.as_str()).collect();
            cell.problem(
                "dien_san",
                "invalid_value",
                format!(
                    "nguồn điền sẵn không có: {raw:?} (ghi một trong: {})",
                    known.join(", ")
                ),
            );
        }
        found
    });
    let from_result = cell.optional("tu_ket_qua").and_then(|raw| {
        let found = ResultSource::parse_written(&raw);
        if found.is_none() {
            cell.problem(
                "tu_ket_qua",
                "invalid_value",
                format!(
                    "kết quả để điền sẵn ghi dạng «mã thủ tục | nhãn dòng», không phải {raw:?}"
                ),
            );
        }
        found
    });
    Field {
        key: cell.text("khoa"),
        label: cell.text("nhan"),
        kind,
        required: cell.flag("bat_buoc"),
        code_list: cell.optional("danh_muc"),
        component: cell.optional("thanh_phan"),
        rules: cell.json::<Vec<Rule>>("quy_tac"),
        show_when: condition(&cell.text("hien_khi")),
        searchable: cell.flag("tim_kiem"),
        personal: cell.flag("ca_nhan"),
        prefill,
        from_result,
        hint: cell.optional("goi_y"),
    }
}

/// `field` (shown when it is filled) or `field=v1|v2` (when it holds one of them).
fn condition(raw: &str) -> Option<Condition> {
    if raw.is_empty() {
        return None;
    }
    let (field, equals) = match raw.split_once('=') {
        Some((field, values)) => (field, values.split('|').map(|v| v.trim().into()).collect()),
        None => (raw, Vec::new()),
    };
    Some(Condition {
        field: field.trim().into(),
        equals,
    })
}

/// `min-max`, e.g. `0-20`; empty: the section does not repeat.
fn repeat(cell: &mut Cells, column: &str) -> Option<Repeat> {
    let raw = cell.optional(column)?;
    let bounds = raw
        .split_once('-')
        .and_then(|(min, max)| Some((min.trim().parse().ok()?, max.trim().parse().ok()?)));
    if bounds.is_none() {
        cell.problem(
            column,
            "invalid_value",
            format!(
                "ghi số mục tối thiểu-tối đa, ví dụ 0-20, không phải {raw:?} (để ô ở dạng văn \
                 bản, Excel không đổi thành ngày)"
            ),
        );
    }
    bounds.map(|(min, max)| Repeat { min, max })
}

#[cfg(test)]
mod tests;
