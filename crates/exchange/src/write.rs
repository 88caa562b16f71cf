//! Writing entries as xlsx, CSV or JSON.

use crate::{
    CSV_JSON_COLUMNS, DOCUMENT_COLUMNS, DOCUMENTS_SHEET, Entry, FEE_COLUMNS, FEES_SHEET,
    FORM_COLUMNS, FORMS_SHEET, Format, JSON_FORMAT, MAIN_COLUMNS, MAIN_SHEET, RESULT_COLUMNS,
    RESULTS_SHEET,
};
use chrono::NaiveDate;
use motcua_domain::form::Condition;
use motcua_domain::procedure::Retention;
use motcua_domain::text::csv_cell;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Serialize, Deserialize)]
struct JsonFile {
    format: String,
    version: u32,
    procedures: Vec<serde_json::Value>,
}

fn join<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(";")
}

fn date_text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// The main sheet's cells for one entry, in `MAIN_COLUMNS` order.
fn main_cells(e: &Entry) -> Vec<String> {
    let p = &e.procedure;
    let norm_unit = p.service_norm.map(|n| n.unit.as_str().to_owned());
    vec![
        p.code.to_string(),
        p.name.clone(),
        p.sector.clone(),
        join(&p.levels),
        p.agency_code
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        p.agency_kind
            .map(|k| k.as_str().to_owned())
            .unwrap_or_default(),
        join(&p.applicants),
        p.processing_time.value.to_string(),
        p.processing_time.unit.as_str().into(),
        p.service_norm
            .map(|n| n.value.to_string())
            .unwrap_or_default(),
        norm_unit.unwrap_or_default(),
        join(&p.channels),
        p.online_level.as_str().into(),
        p.online_reason.clone().unwrap_or_default(),
        p.steps.clone(),
        p.legal_bases.join("\n"),
        date_text(p.valid_from),
        date_text(p.valid_to),
        e.sets.join(";"),
    ]
}

fn retention_text(r: Retention) -> String {
    match r {
        Retention::Permanent => "vinh_vien".into(),
        Retention::Years(n) => n.to_string(),
    }
}

/// `field` or `field=v1|v2`, as the `Biểu mẫu` sheet reads it.
fn condition_text(c: &Option<Condition>) -> String {
    match c {
        None => String::new(),
        Some(c) if c.equals.is_empty() => c.field.clone(),
        Some(c) => format!("{}={}", c.field, c.equals.join("|")),
    }
}

/// The `Biểu mẫu` sheet: one row per field, in `FORM_COLUMNS` order.
fn form_rows(entries: &[Entry]) -> Result<Vec<Vec<String>>, ExportError> {
    let mut rows = Vec::new();
    for e in entries {
        let Some(form) = &e.procedure.form else {
            continue;
        };
        let result = match &form.result {
            Some(result) => serde_json::to_string(result)?,
            None => String::new(),
        };
        for section in &form.sections {
            for f in &section.fields {
                let rules = match f.rules.is_empty() {
                    true => String::new(),
                    false => serde_json::to_string(&f.rules)?,
                };
                rows.push(vec![
                    e.procedure.code.to_string(),
                    form.template_no.clone().unwrap_or_default(),
                    form.title.clone(),
                    form.stands_for.clone().unwrap_or_default(),
                    section.key.clone(),
                    section.title.clone(),
                    section
                        .repeat
                        .map(|r| format!("{}-{}", r.min, r.max))
                        .unwrap_or_default(),
                    condition_text(&section.show_when),
                    f.key.clone(),
                    f.label.clone(),
                    f.kind.as_str().into(),
                    yes_no(f.required).into(),
                    f.code_list.clone().unwrap_or_default(),
                    f.component.clone().unwrap_or_default(),
                    rules,
                    condition_text(&f.show_when),
                    yes_no(f.searchable).into(),
                    yes_no(f.personal).into(),
                    f.prefill.map(|p| p.as_str()).unwrap_or_default().into(),
                    (f.from_result.as_ref())
                        .map(|r| r.written())
                        .unwrap_or_default(),
                    f.hint.clone().unwrap_or_default(),
                    result.clone(),
                ]);
            }
        }
    }
    Ok(rows)
}

fn yes_no(b: bool) -> &'static str {
    if b { "có" } else { "không" }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("không tạo được tệp Excel: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("không tạo được tệp CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("không tạo được tệp JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Writes the entries, sorted by code, in the given format.
pub fn export(entries: &[Entry], format: Format) -> Result<Vec<u8>, ExportError> {
    let mut entries = entries.to_vec();
    entries.sort_by(|a, b| a.procedure.code.cmp(&b.procedure.code));
    match format {
        Format::Json => export_json(&entries),
        Format::Csv => export_csv(&entries),
        Format::Xlsx => export_xlsx(&entries),
    }
}

fn export_json(entries: &[Entry]) -> Result<Vec<u8>, ExportError> {
    let file = JsonFile {
        format: JSON_FORMAT.into(),
        version: 1,
        procedures: entries
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<_, _>>()?,
    };
    let mut bytes = serde_json::to_vec_pretty(&file)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Cells are neutralised against formula injection; the import undoes it.
fn export_csv(entries: &[Entry]) -> Result<Vec<u8>, ExportError> {
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::Writer::from_writer(&mut bytes);
        let header: Vec<&str> = MAIN_COLUMNS
            .iter()
            .map(|c| c.0)
            .chain(CSV_JSON_COLUMNS)
            .collect();
        writer.write_record(&header)?;
        for e in entries {
            let mut cells = main_cells(e);
            cells.push(serde_json::to_string(&e.procedure.documents)?);
            cells.push(serde_json::to_string(&e.procedure.fees)?);
            cells.push(serde_json::to_string(&e.procedure.results)?);
            cells.push(match &e.procedure.form {
                Some(form) => serde_json::to_string(form)?,
                None => String::new(),
            });
            writer.write_record(cells.iter().map(|c| csv_cell(c).into_owned()))?;
        }
        writer.flush().map_err(csv::Error::from)?;
    }
    Ok(bytes)
}

fn export_xlsx(entries: &[Entry]) -> Result<Vec<u8>, ExportError> {
    use rust_xlsxwriter::{Format as CellFormat, Workbook};
    let mut workbook = Workbook::new();
    let bold = CellFormat::new().set_bold();
    let wrap = CellFormat::new().set_text_wrap();
    let numeric = |column: &str| {
        matches!(
            column,
            "thoi_han" | "chuan_phuc_vu" | "ban_chinh" | "ban_sao" | "so_tien_vnd"
        )
    };
    let mut sheet =
        |name: &str, columns: &[&str], rows: Vec<Vec<String>>| -> Result<(), ExportError> {
            let ws = workbook.add_worksheet();
            ws.set_name(name)?;
            for (c, column) in columns.iter().enumerate() {
                ws.write_string_with_format(0, c as u16, *column, &bold)?;
                let wide = column.starts_with("ten") || *column == "mien_giam";
                ws.set_column_width(c as u16, if wide { 48 } else { 18 })?;
            }
            ws.set_freeze_panes(1, 0)?;
            for (r, row) in rows.iter().enumerate() {
                let r = r as u32 + 1;
                for (c, cell) in row.iter().enumerate() {
                    if cell.is_empty() {
                        continue;
                    }
                    match cell.parse::<f64>() {
                        Ok(n) if numeric(columns[c]) => ws.write_number(r, c as u16, n)?,
                        _ if cell.contains('\n') => {
                            ws.write_string_with_format(r, c as u16, cell, &wrap)?
                        }
                        _ => ws.write_string(r, c as u16, cell)?,
                    };
                }
            }
            Ok(())
        };
    let main_header: Vec<&str> = MAIN_COLUMNS.iter().map(|c| c.0).collect();
    sheet(
        MAIN_SHEET,
        &main_header,
        entries.iter().map(main_cells).collect(),
    )?;
    let mut documents = Vec::new();
    let mut fees = Vec::new();
    let mut results = Vec::new();
    for e in entries {
        let code = e.procedure.code.to_string();
        for d in &e.procedure.documents {
            documents.push(vec![
                code.clone(),
                d.name.clone(),
                d.originals.to_string(),
                d.copies.to_string(),
                d.form_template.clone().unwrap_or_default(),
                yes_no(d.digitisation_required).into(),
                yes_no(d.reusable).into(),
            ]);
        }
        for f in &e.procedure.fees {
            let exemptions: Vec<String> = (f.exemptions.iter())
                .map(|x| format!("{} | {}", x.who, x.legal_basis))
                .collect();
            fees.push(vec![
                code.clone(),
                f.name.clone(),
                f.amount_vnd.to_string(),
                f.per.clone().unwrap_or_default(),
                exemptions.join("\n"),
            ]);
        }
        for r in &e.procedure.results {
            results.push(vec![
                code.clone(),
                r.name.clone(),
                r.form.as_str().into(),
                retention_text(r.retention),
            ]);
        }
    }
    sheet(DOCUMENTS_SHEET, &DOCUMENT_COLUMNS, documents)?;
    sheet(FEES_SHEET, &FEE_COLUMNS, fees)?;
    sheet(RESULTS_SHEET, &RESULT_COLUMNS, results)?;
    sheet(FORMS_SHEET, &FORM_COLUMNS, form_rows(entries)?)?;
    Ok(workbook.save_to_buffer()?)
}
