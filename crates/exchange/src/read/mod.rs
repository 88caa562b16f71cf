//! Reading a file: sniffing its type, then its sheets or rows into entries.

mod cells;
mod forms;
pub(crate) mod national;
pub(crate) mod package;

use crate::{
    DOCUMENT_COLUMNS, DOCUMENTS_SHEET, Entry, FEE_COLUMNS, FEES_SHEET, FORMS_SHEET, FileError,
    Format, MAIN_COLUMNS, MAIN_SHEET, Parsed, ParsedRow, RESULT_COLUMNS, RESULTS_SHEET, RowIssue,
};
use cells::{Cells, main_entry};
use motcua_domain::procedure::{Fee, ProcedureResult, RequiredDocument, ResultForm};
use motcua_domain::text::{fold, from_csv_cell};
use std::collections::BTreeMap;

/// A sheet as text: its header and its rows with their 1-based row numbers.
struct Table {
    sheet: String,
    header: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

/// A header cell as a column name: folded, spaces as underscores ("Mã thủ tục" stays
/// itself, "MA_THU_TUC" and "ma thu tuc" both read as `ma_thu_tuc`).
fn column_key(header: &str) -> String {
    fold(header.trim())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("_")
}

impl Table {
    fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// Reports required columns that are missing.
    fn missing(&self, required: &[&str], issues: &mut Vec<RowIssue>) -> bool {
        let mut any = false;
        for name in required {
            if self.column(name).is_none() {
                any = true;
                issues.push(RowIssue {
                    sheet: self.sheet.clone(),
                    row: 1,
                    column: Some((*name).into()),
                    code: "missing_column",
                    message: format!("thiếu cột {name}"),
                });
            }
        }
        any
    }
}

/// Sniffs the file type from its content and reads it.
pub fn parse(bytes: &[u8]) -> Result<Parsed, FileError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(FileError::WrongType("tệp rỗng".into()));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return parse_xlsx(bytes);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(FileError::WrongType(
            "tệp Excel 97-2003 (.xls) không được hỗ trợ; hãy lưu lại dưới dạng .xlsx".into(),
        ));
    }
    if bytes.starts_with(b"%PDF") {
        return Err(FileError::WrongType(
            "đây là tệp PDF; cần tệp .xlsx, .csv hoặc .json".into(),
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| {
        FileError::WrongType("không phải tệp Excel (.xlsx), CSV hay JSON mã UTF-8".into())
    })?;
    let text = text.trim_start_matches('\u{feff}');
    match text.trim_start().chars().next() {
        Some('{') | Some('[') => parse_json(text),
        _ => parse_csv(text),
    }
}

fn parse_json(text: &str) -> Result<Parsed, FileError> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| FileError::Unreadable(format!("JSON không đúng cú pháp: {e}")))?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(mut object) => match object.remove("procedures") {
            Some(serde_json::Value::Array(items)) => items,
            _ => {
                return Err(FileError::WrongType(
                    "tệp JSON không có danh sách \"procedures\"".into(),
                ));
            }
        },
        _ => {
            return Err(FileError::WrongType(
                "tệp JSON phải là một đối tượng có \"procedures\"".into(),
            ));
        }
    };
    let sheet = "procedures".to_string();
    let mut parsed = Parsed {
        format: Format::Json,
        rows: Vec::new(),
        issues: Vec::new(),
    };
    for (i, item) in items.into_iter().enumerate() {
        match serde_json::from_value::<Entry>(item) {
            Ok(entry) => parsed
                .rows
                .push(ParsedRow::new(sheet.clone(), i + 1, entry)),
            Err(e) => parsed.issues.push(RowIssue {
                sheet: sheet.clone(),
                row: i + 1,
                column: None,
                code: "invalid_value",
                message: format!("thủ tục không đọc được: {e}"),
            }),
        }
    }
    Ok(parsed)
}

fn parse_csv(text: &str) -> Result<Parsed, FileError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record =
            record.map_err(|e| FileError::Unreadable(format!("CSV hỏng ở dòng {}: {e}", i + 1)))?;
        records.push((
            i + 1,
            record
                .iter()
                .map(|c| from_csv_cell(c).to_owned())
                .collect::<Vec<_>>(),
        ));
    }
    let Some((_, header)) = records.first().cloned() else {
        return Err(FileError::WrongType("tệp rỗng".into()));
    };
    let table = Table {
        sheet: "CSV".into(),
        header: header.iter().map(|h| column_key(h)).collect(),
        rows: records.into_iter().skip(1).collect(),
    };
    if !MAIN_COLUMNS.iter().any(|c| table.column(c.0).is_some()) {
        return Err(FileError::WrongType(
            "không phải danh mục thủ tục: không có cột nào như ma_thu_tuc, ten_thu_tuc".into(),
        ));
    }
    Ok(main_table(&table, Format::Csv))
}

/// One row per procedure with the main sheet's columns and the CSV's JSON columns.
fn main_table(table: &Table, format: Format) -> Parsed {
    let mut parsed = Parsed {
        format,
        rows: Vec::new(),
        issues: Vec::new(),
    };
    let required: Vec<&str> = MAIN_COLUMNS.iter().filter(|c| c.1).map(|c| c.0).collect();
    if table.missing(&required, &mut parsed.issues) {
        return parsed;
    }
    for (row, cells) in &table.rows {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut cell = Cells::new(table, *row, cells, &mut parsed.issues);
        let Some(mut entry) = main_entry(&mut cell) else {
            continue;
        };
        entry.procedure.documents = cell.json("thanh_phan_ho_so");
        entry.procedure.fees = cell.json("phi_le_phi");
        entry.procedure.results = cell.json("ket_qua");
        entry.procedure.form = cell.json("bieu_mau");
        if cell.ok {
            parsed
                .rows
                .push(ParsedRow::new(table.sheet.clone(), *row, entry));
        }
    }
    parsed
}

fn cell_text(data: &calamine::Data) -> String {
    use calamine::{Data, DataType};
    match data {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(_) | Data::DateTimeIso(_) => data
            .as_date()
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        Data::DurationIso(s) => s.clone(),
    }
}

/// Rows a sheet may have (the header included) before the file is refused.
pub const MAX_ROWS: usize = 20_000;

/// Columns a sheet may have: Excel's last is XFD.
const MAX_COLUMNS: usize = 16_384;

fn parse_xlsx(bytes: &[u8]) -> Result<Parsed, FileError> {
    use calamine::{Reader, Xlsx, open_workbook_from_rs};
    package::check(bytes)?;
    let mut workbook: Xlsx<_> =
        open_workbook_from_rs(std::io::Cursor::new(bytes)).map_err(|e| {
            FileError::WrongType(format!("tệp nén không phải bảng tính Excel (.xlsx): {e}"))
        })?;
    let names = workbook.sheet_names();
    let mut formula_cells: Vec<RowIssue> = Vec::new();
    let mut read = |wanted: &str| -> Result<Option<Table>, FileError> {
        let Some(name) = names.iter().find(|n| fold(n) == fold(wanted)).cloned() else {
            return Ok(None);
        };
        // Cell by cell, never the whole sheet in memory, and no further than a catalogue can
        // be: a province publishes a few thousand procedures.
        let mut cells = workbook
            .worksheet_cells_reader(&name)
            .map_err(|e| FileError::Unreadable(format!("trang tính {name}: {e}")))?;
        let mut grid: Vec<(usize, Vec<String>)> = Vec::new();
        while let Some(cell) = cells
            .next_cell()
            .map_err(|e| FileError::Unreadable(format!("trang tính {name}: {e}")))?
        {
            let (row, col) = cell.get_position();
            let (row, col) = (row as usize + 1, col as usize);
            // Cells without a reference follow the one before, so a row may still run past
            // the grid; each column costs memory below.
            if col >= MAX_COLUMNS {
                return Err(FileError::Unreadable(format!(
                    "trang tính {name}, dòng {row}: ô nằm ngoài cột cuối cùng của Excel (XFD)"
                )));
            }
            if grid.last().is_none_or(|(r, _)| *r != row) {
                if grid.len() > MAX_ROWS {
                    return Err(FileError::TooManyRows(format!(
                        "trang tính {name} có hơn {MAX_ROWS} dòng; một danh mục thủ tục chỉ có vài \
                         nghìn dòng: hãy kiểm tra lại tệp hoặc tách thành nhiều tệp"
                    )));
                }
                grid.push((row, Vec::new()));
            }
            let texts = &mut grid.last_mut().expect("pushed above").1;
            if texts.len() <= col {
                texts.resize(col + 1, String::new());
            }
            texts[col] = cell_text(&calamine::Data::from(cell.get_value().clone()));
        }
        drop(cells);
        let mut rows = grid.into_iter();
        let header: Vec<String> = match rows.next() {
            Some((_, h)) => h.iter().map(|h| column_key(h)).collect(),
            None => Vec::new(),
        };
        // A formula's cached value is whatever the file's last save computed, maybe nothing
        // or from another workbook: refused, cell by cell, rather than taken silently.
        let mut formulas = workbook
            .worksheet_cells_reader(&name)
            .map_err(|e| FileError::Unreadable(format!("trang tính {name}: {e}")))?;
        while let Some(cell) = formulas
            .next_formula()
            .map_err(|e| FileError::Unreadable(format!("trang tính {name}: {e}")))?
        {
            if cell.get_value().is_empty() {
                continue;
            }
            let (row, col) = cell.get_position();
            formula_cells.push(RowIssue {
                sheet: name.clone(),
                row: row as usize + 1,
                column: Some(
                    header
                        .get(col as usize)
                        .cloned()
                        .unwrap_or_else(|| format!("cột {}", col + 1)),
                ),
                code: "formula_cell",
                message: "ô chứa công thức; hãy thay bằng giá trị (sao chép rồi Dán đặc biệt → \
                          Giá trị) trước khi nhập"
                    .into(),
            });
        }
        Ok(Some(Table {
            sheet: name,
            header,
            rows: rows.collect(),
        }))
    };
    let Some(main) = read(MAIN_SHEET)? else {
        return Err(FileError::WrongType(format!(
            "bảng tính không có trang \"{MAIN_SHEET}\""
        )));
    };
    let documents = read(DOCUMENTS_SHEET)?;
    let fees = read(FEES_SHEET)?;
    let results = read(RESULTS_SHEET)?;
    let form_sheet = read(FORMS_SHEET)?;
    let mut parsed = Parsed {
        format: Format::Xlsx,
        rows: Vec::new(),
        issues: Vec::new(),
    };
    parsed.issues.append(&mut formula_cells);
    let required: Vec<&str> = MAIN_COLUMNS.iter().filter(|c| c.1).map(|c| c.0).collect();
    let mut broken = main.missing(&required, &mut parsed.issues);
    for (table, columns) in [
        (&documents, &DOCUMENT_COLUMNS[..3]),
        (&fees, &FEE_COLUMNS[..3]),
        (&results, &RESULT_COLUMNS[..]),
        (&form_sheet, &forms::REQUIRED[..]),
    ] {
        if let Some(table) = table {
            broken |= table.missing(columns, &mut parsed.issues);
        }
    }
    if broken {
        return Ok(parsed);
    }
    let mut by_code: BTreeMap<String, usize> = BTreeMap::new();
    for (row, cells) in &main.rows {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut cell = Cells::new(&main, *row, cells, &mut parsed.issues);
        let entry = main_entry(&mut cell);
        if let Some(entry) = entry.filter(|_| cell.ok) {
            by_code
                .entry(entry.procedure.code.to_string())
                .or_insert(parsed.rows.len());
            parsed
                .rows
                .push(ParsedRow::new(main.sheet.clone(), *row, entry));
        } else if let Some(code) = cells
            .get(main.column("ma_thu_tuc").unwrap_or(0))
            .map(|c| c.trim().to_owned())
        {
            // Known but broken: its sub-sheet rows are not reported as orphans.
            by_code.entry(code).or_insert(usize::MAX);
        }
    }
    let attach = |table: &Option<Table>,
                  issues: &mut Vec<RowIssue>,
                  rows: &mut Vec<ParsedRow>,
                  add: &dyn Fn(&mut Cells, &mut ParsedRow, usize)| {
        let Some(table) = table else { return };
        for (row, cells) in &table.rows {
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let mut cell = Cells::new(table, *row, cells, issues);
            let code = cell.text("ma_thu_tuc");
            match by_code.get(code.trim()) {
                Some(&usize::MAX) => {}
                Some(&i) => add(&mut cell, &mut rows[i], *row),
                None => cell.problem(
                    "ma_thu_tuc",
                    "unknown_procedure",
                    format!("mã thủ tục {code:?} không có trong trang {MAIN_SHEET}"),
                ),
            }
        }
    };
    let mut rows = std::mem::take(&mut parsed.rows);
    attach(
        &documents,
        &mut parsed.issues,
        &mut rows,
        &|cell, target, row| {
            let name = cell.text("ten_giay_to");
            let originals = cell.number("ban_chinh").unwrap_or(0);
            let copies = cell.number("ban_sao").unwrap_or(0);
            let form_template = Some(cell.text("mau_don")).filter(|t| !t.trim().is_empty());
            let digitisation_required = cell.flag("so_hoa");
            let reusable = cell.flag("tai_su_dung");
            if cell.ok {
                target.entry.procedure.documents.push(RequiredDocument {
                    name,
                    originals,
                    copies,
                    form_template,
                    digitisation_required,
                    reusable,
                });
                target.document_rows.push(row);
            }
        },
    );
    attach(
        &fees,
        &mut parsed.issues,
        &mut rows,
        &|cell, target, row| {
            let name = cell.text("ten_khoan");
            let amount = cell.integer("so_tien_vnd");
            let per = cell.optional("don_vi_tinh");
            let exemptions = cell.exemptions("mien_giam");
            if let (true, Some(amount_vnd)) = (cell.ok, amount) {
                target.entry.procedure.fees.push(Fee {
                    name,
                    amount_vnd,
                    per,
                    exemptions,
                });
                target.fee_rows.push(row);
            }
        },
    );
    attach(
        &results,
        &mut parsed.issues,
        &mut rows,
        &|cell, target, row| {
            let name = cell.text("ten_ket_qua");
            let form = cell.parsed::<ResultForm>("hinh_thuc");
            let retention = cell.retention("luu_tru");
            if let (true, Some(form), Some(retention)) = (cell.ok, form, retention) {
                target.entry.procedure.results.push(ProcedureResult {
                    name,
                    form,
                    retention,
                });
                target.result_rows.push(row);
            }
        },
    );
    if let Some(form_sheet) = &form_sheet {
        // A procedure with a bad form row is not imported at all, rather than without
        // (or with part of) its form.
        let broken = forms::attach(form_sheet, &by_code, &mut rows, &mut parsed.issues);
        rows = rows
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !broken.contains(i))
            .map(|(_, row)| row)
            .collect();
    }
    parsed.rows = rows;
    parsed.issues.sort_by_key(|i| sheet_order(&i.sheet, i.row));
    Ok(parsed)
}

pub(crate) fn sheet_order(sheet: &str, row: usize) -> (usize, usize) {
    let order = [
        MAIN_SHEET,
        DOCUMENTS_SHEET,
        FEES_SHEET,
        RESULTS_SHEET,
        FORMS_SHEET,
    ]
    .iter()
    .position(|s| fold(s) == fold(sheet))
    .unwrap_or(0);
    (order, row)
}
