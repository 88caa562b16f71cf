//! Catalogue files in and out: Excel (xlsx), CSV and JSON.
//!
//! - **xlsx**: a main sheet `Thủ tục`, one row per procedure, and sub-sheets
//!   `Thành phần hồ sơ`, `Phí, lệ phí` and `Kết quả`, one row per item, keyed by
//!   `ma_thu_tuc`.
//! - **CSV**: UTF-8 (with a byte-order mark so Excel reads the diacritics), one row per
//!   procedure with the main sheet's columns plus `thanh_phan_ho_so`, `phi_le_phi` and
//!   `ket_qua` holding JSON arrays.
//! - **JSON**: `{"format": "motcua-catalogue", "version": 1, "procedures": [...]}`, each
//!   procedure as the API gives it plus its `sets`.
//!
//! Lists inside a cell (levels, applicants, channels, sets) are separated by `;`; legal
//! bases by line breaks. The type of an incoming file is sniffed from its content, never
//! its name. Parsing reports every bad row (sheet, row, column, reason in Vietnamese) and
//! [`check`] adds the domain rules and the references; an import writes nothing unless
//! both come back empty.

use chrono::NaiveDate;
use motcua_domain::agency::{AgencyCode, AgencyKind};
use motcua_domain::procedure::{
    Applicant, Fee, Level, OnlineLevel, Procedure, ProcedureCode, ProcedureError, ProcedureResult,
    ProcessingTime, RequiredDocument, ResultForm, Retention, SubmissionChannel, TimeUnit,
};
use motcua_domain::text::fold;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Xlsx,
    Csv,
    Json,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
        }
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "xlsx" => Ok(Format::Xlsx),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            other => Err(format!(
                "định dạng không hỗ trợ: {other:?} (xlsx, csv hoặc json)"
            )),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One procedure in a file: its body and the named sets it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    #[serde(flatten)]
    pub procedure: Procedure,
    #[serde(default)]
    pub sets: Vec<String>,
}

/// One problem in an incoming file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowIssue {
    pub sheet: String,
    /// 1-based, as a spreadsheet shows it (the header is row 1); the item's place in JSON.
    pub row: usize,
    pub column: Option<String>,
    pub code: &'static str,
    pub message: String,
}

impl fmt::Display for RowIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, dòng {}", self.sheet, self.row)?;
        if let Some(column) = &self.column {
            write!(f, ", cột {column}")?;
        }
        write!(f, ": {} [{}]", self.message, self.code)
    }
}

/// A procedure read from a file, with where it came from.
#[derive(Debug, Clone)]
pub struct ParsedRow {
    pub sheet: String,
    pub row: usize,
    pub entry: Entry,
    /// For xlsx: the sub-sheet rows of each document, fee and result, in order.
    document_rows: Vec<usize>,
    fee_rows: Vec<usize>,
    result_rows: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Parsed {
    pub format: Format,
    pub rows: Vec<ParsedRow>,
    pub issues: Vec<RowIssue>,
}

impl Parsed {
    pub fn entries(&self) -> Vec<Entry> {
        self.rows.iter().map(|r| r.entry.clone()).collect()
    }
}

/// The file as a whole cannot be read as a catalogue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("sai loại tệp: {0}")]
    WrongType(String),
    #[error("không đọc được tệp: {0}")]
    Unreadable(String),
}

impl FileError {
    pub fn code(&self) -> &'static str {
        match self {
            FileError::WrongType(_) => "wrong_file_type",
            FileError::Unreadable(_) => "unreadable_file",
        }
    }
}

pub const MAIN_SHEET: &str = "Thủ tục";
pub const DOCUMENTS_SHEET: &str = "Thành phần hồ sơ";
pub const FEES_SHEET: &str = "Phí, lệ phí";
pub const RESULTS_SHEET: &str = "Kết quả";
pub const JSON_FORMAT: &str = "motcua-catalogue";

/// The main sheet's columns: (name, required, what it holds).
pub const MAIN_COLUMNS: [(&str, bool, &str); 19] = [
    ("ma_thu_tuc", true, "mã thủ tục, ví dụ 1.001193"),
    ("ten_thu_tuc", true, "tên thủ tục"),
    ("linh_vuc", true, "mã lĩnh vực, ví dụ ho_tich"),
    ("cap_thuc_hien", true, "province; commune"),
    (
        "co_quan_thuc_hien",
        false,
        "mã định danh cơ quan, ví dụ 000.00.02.H37",
    ),
    (
        "loai_co_quan",
        false,
        "provincial_committee, department, service_centre, commune_committee, other",
    ),
    ("doi_tuong", true, "citizen; business"),
    ("thoi_han", true, "thời hạn giải quyết theo quy định (số)"),
    ("don_vi_thoi_han", true, "working_days hoặc working_hours"),
    (
        "chuan_phuc_vu",
        false,
        "chuẩn phục vụ (số), không vượt thời hạn",
    ),
    (
        "don_vi_chuan_phuc_vu",
        false,
        "working_days hoặc working_hours (mặc định: như thời hạn)",
    ),
    ("cach_thuc_nop", true, "in_person; online; postal"),
    ("muc_do_truc_tuyen", true, "full, partial hoặc none"),
    (
        "ly_do_chua_toan_trinh",
        false,
        "bắt buộc khi không phải full",
    ),
    ("trinh_tu", false, "trình tự thực hiện"),
    ("can_cu_phap_ly", false, "mỗi văn bản một dòng"),
    ("hieu_luc_tu", false, "YYYY-MM-DD"),
    ("hieu_luc_den", false, "YYYY-MM-DD"),
    ("bo_thu_tuc", false, "mã bộ thủ tục, ví dụ dvc_thiet_yeu"),
];
/// CSV only: nested lists as JSON arrays.
pub const CSV_JSON_COLUMNS: [&str; 3] = ["thanh_phan_ho_so", "phi_le_phi", "ket_qua"];
pub const DOCUMENT_COLUMNS: [&str; 7] = [
    "ma_thu_tuc",
    "ten_giay_to",
    "ban_chinh",
    "ban_sao",
    "mau_don",
    "so_hoa",
    "tai_su_dung",
];
pub const FEE_COLUMNS: [&str; 3] = ["ma_thu_tuc", "ten_khoan", "so_tien_vnd"];
pub const RESULT_COLUMNS: [&str; 4] = ["ma_thu_tuc", "ten_ket_qua", "hinh_thuc", "luu_tru"];

// ------------------------------------------------------------------------ writing

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
            writer.write_record(&cells)?;
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
                ws.set_column_width(c as u16, if column.starts_with("ten") { 48 } else { 18 })?;
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
            fees.push(vec![code.clone(), f.name.clone(), f.amount_vnd.to_string()]);
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
    Ok(workbook.save_to_buffer()?)
}

// ------------------------------------------------------------------------ reading

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
            Ok(entry) => parsed.rows.push(ParsedRow {
                sheet: sheet.clone(),
                row: i + 1,
                entry,
                document_rows: Vec::new(),
                fee_rows: Vec::new(),
                result_rows: Vec::new(),
            }),
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
        records.push((i + 1, record.iter().map(str::to_owned).collect::<Vec<_>>()));
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
    let mut parsed = Parsed {
        format: Format::Csv,
        rows: Vec::new(),
        issues: Vec::new(),
    };
    let required: Vec<&str> = MAIN_COLUMNS.iter().filter(|c| c.1).map(|c| c.0).collect();
    if table.missing(&required, &mut parsed.issues) {
        return Ok(parsed);
    }
    for (row, cells) in &table.rows {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut cell = Cells::new(&table, *row, cells, &mut parsed.issues);
        let Some(mut entry) = main_entry(&mut cell) else {
            continue;
        };
        entry.procedure.documents = cell.json("thanh_phan_ho_so");
        entry.procedure.fees = cell.json("phi_le_phi");
        entry.procedure.results = cell.json("ket_qua");
        if cell.ok {
            parsed.rows.push(ParsedRow {
                sheet: table.sheet.clone(),
                row: *row,
                entry,
                document_rows: Vec::new(),
                fee_rows: Vec::new(),
                result_rows: Vec::new(),
            });
        }
    }
    Ok(parsed)
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

fn parse_xlsx(bytes: &[u8]) -> Result<Parsed, FileError> {
    use calamine::{Reader, Xlsx, open_workbook_from_rs};
    let mut workbook: Xlsx<_> =
        open_workbook_from_rs(std::io::Cursor::new(bytes)).map_err(|e| {
            FileError::WrongType(format!("tệp nén không phải bảng tính Excel (.xlsx): {e}"))
        })?;
    let names = workbook.sheet_names();
    let mut read = |wanted: &str| -> Result<Option<Table>, FileError> {
        let Some(name) = names.iter().find(|n| fold(n) == fold(wanted)).cloned() else {
            return Ok(None);
        };
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| FileError::Unreadable(format!("trang tính {name}: {e}")))?;
        let first_row = range.start().map_or(0, |(r, _)| r as usize);
        let first_col = range.start().map_or(0, |(_, c)| c as usize);
        let mut rows = range.rows().enumerate().map(|(i, cells)| {
            let mut texts = vec![String::new(); first_col];
            texts.extend(cells.iter().map(cell_text));
            (first_row + i + 1, texts)
        });
        let header = match rows.next() {
            Some((_, h)) => h.iter().map(|h| column_key(h)).collect(),
            None => Vec::new(),
        };
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
    let mut parsed = Parsed {
        format: Format::Xlsx,
        rows: Vec::new(),
        issues: Vec::new(),
    };
    let required: Vec<&str> = MAIN_COLUMNS.iter().filter(|c| c.1).map(|c| c.0).collect();
    let mut broken = main.missing(&required, &mut parsed.issues);
    for (table, columns) in [
        (&documents, &DOCUMENT_COLUMNS[..3]),
        (&fees, &FEE_COLUMNS[..]),
        (&results, &RESULT_COLUMNS[..]),
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
            parsed.rows.push(ParsedRow {
                sheet: main.sheet.clone(),
                row: *row,
                entry,
                document_rows: Vec::new(),
                fee_rows: Vec::new(),
                result_rows: Vec::new(),
            });
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
            if let (true, Some(amount_vnd)) = (cell.ok, amount) {
                target.entry.procedure.fees.push(Fee { name, amount_vnd });
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
    parsed.rows = rows;
    parsed.issues.sort_by_key(|i| sheet_order(&i.sheet, i.row));
    Ok(parsed)
}

fn sheet_order(sheet: &str, row: usize) -> (usize, usize) {
    let order = [MAIN_SHEET, DOCUMENTS_SHEET, FEES_SHEET, RESULTS_SHEET]
        .iter()
        .position(|s| fold(s) == fold(sheet))
        .unwrap_or(0);
    (order, row)
}

/// Reads typed values from one row, noting each problem with its column.
struct Cells<'a> {
    table: &'a Table,
    row: usize,
    cells: &'a [String],
    issues: &'a mut Vec<RowIssue>,
    ok: bool,
}

impl<'a> Cells<'a> {
    fn new(
        table: &'a Table,
        row: usize,
        cells: &'a [String],
        issues: &'a mut Vec<RowIssue>,
    ) -> Self {
        Cells {
            table,
            row,
            cells,
            issues,
            ok: true,
        }
    }

    fn problem(&mut self, column: &str, code: &'static str, message: String) {
        self.ok = false;
        self.issues.push(RowIssue {
            sheet: self.table.sheet.clone(),
            row: self.row,
            column: Some(column.into()),
            code,
            message,
        });
    }

    fn text(&self, column: &str) -> String {
        self.table
            .column(column)
            .and_then(|i| self.cells.get(i))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    }

    fn optional(&self, column: &str) -> Option<String> {
        Some(self.text(column)).filter(|s| !s.is_empty())
    }

    fn parsed<T: FromStr<Err = String>>(&mut self, column: &str) -> Option<T> {
        let raw = self.text(column);
        match raw.parse() {
            Ok(v) => Some(v),
            Err(e) => {
                self.problem(column, "invalid_value", e);
                None
            }
        }
    }

    fn list<T: FromStr<Err = String>>(&mut self, column: &str) -> Vec<T> {
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

    fn number(&mut self, column: &str) -> Option<u32> {
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

    fn integer(&mut self, column: &str) -> Option<i64> {
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

    fn flag(&mut self, column: &str) -> bool {
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

    fn date(&mut self, column: &str) -> Option<NaiveDate> {
        let raw = self.optional(column)?;
        match NaiveDate::parse_from_str(&raw, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(&raw, "%d/%m/%Y"))
        {
            Ok(d) => Some(d),
            Err(_) => {
                self.problem(
                    column,
                    "invalid_value",
                    format!("ngày không hợp lệ: {raw:?} (YYYY-MM-DD)"),
                );
                None
            }
        }
    }

    fn retention(&mut self, column: &str) -> Option<Retention> {
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

    fn json<T: for<'de> Deserialize<'de> + Default>(&mut self, column: &str) -> T {
        let raw = self.text(column);
        if raw.is_empty() {
            return T::default();
        }
        match serde_json::from_str(&raw) {
            Ok(v) => v,
            Err(e) => {
                self.problem(
                    column,
                    "invalid_value",
                    format!("danh sách JSON không hợp lệ: {e}"),
                );
                T::default()
            }
        }
    }
}

/// Reads the main sheet's columns into an entry (without documents, fees, results).
fn main_entry(cell: &mut Cells) -> Option<Entry> {
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
    let procedure = Procedure {
        code: code?,
        name: cell.text("ten_thu_tuc"),
        sector: cell.text("linh_vuc"),
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
    };
    Some(Entry { procedure, sets })
}

// ------------------------------------------------------------------------ checking

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
                _ => None,
            };
            match placed {
                Some((sheet, at, column)) => issue(
                    sheet,
                    at,
                    column.into(),
                    problem.code(),
                    problem.to_string(),
                ),
                None => issue(
                    &row.sheet,
                    row.row,
                    column_for(format, problem.field()),
                    problem.code(),
                    problem.to_string(),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(code: &str) -> Entry {
        let json = serde_json::json!({
            "code": code,
            "name": "Đăng ký khai sinh",
            "sector": "ho_tich",
            "levels": ["commune"],
            "agency_kind": "commune_committee",
            "applicants": ["citizen"],
            "processing_time": {"value": 1, "unit": "working_days"},
            "service_norm": {"value": 4, "unit": "working_hours"},
            "fees": [{"name": "Lệ phí", "amount_vnd": 0}, {"name": "Phí bản sao", "amount_vnd": 8000}],
            "documents": [{"name": "Tờ khai", "originals": 1, "copies": 0, "form_template": "Mẫu 01",
                           "digitisation_required": true, "reusable": false}],
            "steps": "Bước 1: nộp hồ sơ.\nBước 2: nhận kết quả.",
            "channels": ["in_person", "online"],
            "online_level": "full",
            "results": [{"name": "Giấy khai sinh", "form": "electronic", "retention": "permanent"},
                        {"name": "Bản sao", "form": "paper", "retention": {"years": 5}}],
            "legal_bases": ["Luật Hộ tịch 2014", "Nghị định 123/2015/NĐ-CP"],
            "valid_from": "2025-07-01",
            "sets": ["dvc_thiet_yeu"]
        });
        serde_json::from_value(json).unwrap()
    }

    fn known() -> (BTreeSet<String>, BTreeSet<String>, BTreeSet<String>) {
        (
            ["ho_tich".to_string()].into(),
            ["000.00.02.H37".to_string()].into(),
            ["dvc_thiet_yeu".to_string()].into(),
        )
    }

    #[test]
    fn every_format_round_trips() {
        let entries = vec![entry("1.001193"), entry("1.000656")];
        for format in [Format::Json, Format::Csv, Format::Xlsx] {
            let bytes = export(&entries, format).unwrap();
            let parsed = parse(&bytes).unwrap();
            assert_eq!(parsed.format, format);
            assert!(parsed.issues.is_empty(), "{format}: {:?}", parsed.issues);
            let mut expected = entries.clone();
            expected.sort_by(|a, b| a.procedure.code.cmp(&b.procedure.code));
            assert_eq!(parsed.entries(), expected, "{format}");
            let again = export(&parsed.entries(), format).unwrap();
            if format != Format::Xlsx {
                assert_eq!(again, bytes, "{format} exports identically");
            }
        }
    }

    #[test]
    fn wrong_types_are_named() {
        for (bytes, what) in [
            (&b""[..], "rỗng"),
            (b"%PDF-1.7 ...", "PDF"),
            (&[0xD0, 0xCF, 0x11, 0xE0, 0, 1][..], ".xls"),
            (&[0xff, 0xfe, 0x00, 0x41][..], "UTF-8"),
            (b"PK\x03\x04not really a zip", ".xlsx"),
            (b"hello,world\n1,2\n", "không phải danh mục"),
        ] {
            let err = parse(bytes).unwrap_err();
            assert_eq!(err.code(), "wrong_file_type");
            assert!(err.to_string().contains(what), "{err}");
        }
    }

    #[test]
    fn bad_rows_are_reported_with_sheet_row_and_column() {
        let mut a = entry("1.001193");
        a.procedure.fees[1].amount_vnd = -5;
        let mut b = entry("1.000656");
        b.procedure.sector = "khong_co".into();
        b.procedure.service_norm = Some(ProcessingTime::days(3));
        let c = entry("1.001193");
        let bytes = export(&[a, b, c], Format::Xlsx).unwrap();
        let parsed = parse(&bytes).unwrap();
        let (s, ag, sets) = known();
        let issues = check(
            &parsed,
            &Known {
                sectors: &s,
                agencies: &ag,
                sets: &sets,
            },
        );
        let found: Vec<_> = issues
            .iter()
            .map(|i| {
                (
                    i.sheet.as_str(),
                    i.row,
                    i.column.as_deref().unwrap_or(""),
                    i.code,
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                (
                    "Thủ tục",
                    2,
                    "chuan_phuc_vu",
                    "service_norm_exceeds_legal_time"
                ),
                ("Thủ tục", 2, "linh_vuc", "unknown_sector"),
                ("Thủ tục", 4, "ma_thu_tuc", "duplicate_procedure_code"),
                ("Phí, lệ phí", 5, "so_tien_vnd", "invalid_fee"),
            ]
        );
    }

    #[test]
    fn a_missing_column_stops_the_sheet() {
        let bytes = export(&[entry("1.001193")], Format::Csv).unwrap();
        let text = String::from_utf8(bytes)
            .unwrap()
            .replacen("linh_vuc", "linh_vuc_cu", 1);
        let parsed = parse(text.as_bytes()).unwrap();
        assert!(parsed.rows.is_empty());
        assert_eq!(parsed.issues.len(), 1);
        assert_eq!(parsed.issues[0].code, "missing_column");
        assert_eq!(parsed.issues[0].column.as_deref(), Some("linh_vuc"));
        assert_eq!(
            parsed.issues[0].to_string(),
            "CSV, dòng 1, cột linh_vuc: thiếu cột linh_vuc [missing_column]"
        );
    }

    #[test]
    fn cells_are_read_leniently_but_wrong_values_are_reported() {
        let csv = "\u{feff}Mã thủ tục,Tên thủ tục,Lĩnh vực,Cấp thực hiện,Đối tượng,Thời hạn,Đơn vị thời hạn,Cách thức nộp,Mức độ trực tuyến,Lý do chưa toàn trình\n\
                   1.1,Thử,ho_tich,commune,citizen,3,working_days,in_person,none,Phải có mặt\n\
                   1.2,Thử,ho_tich,tinh,citizen,ba,working_days,in_person,none,Phải có mặt\n";
        let parsed = parse(csv.as_bytes()).unwrap();
        assert_eq!(parsed.rows.len(), 1);
        let columns: Vec<_> = parsed
            .issues
            .iter()
            .map(|i| (i.row, i.column.clone().unwrap()))
            .collect();
        assert_eq!(
            columns,
            [(3, "thoi_han".into()), (3, "cap_thuc_hien".into())]
        );
    }
}
