//! A bank statement (sao kê) exported from the bank, CSV or xlsx, read into its credit
//! lines for payment reconciliation. Banks name their columns differently, so the four
//! needed are configurable ([`StatementColumns`]), and the header is looked for below the
//! bank's preamble. As with a catalogue, every bad row is reported and nothing is returned
//! unless all rows read.

use crate::RowIssue;
use calamine::DataRef;
use chrono::{NaiveDate, NaiveTime};
use motcua_domain::text::fold;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::ops::ControlFlow;
type Flow = ControlFlow<()>;

/// Data rows a statement may have: more is not one period of one account's fees.
pub const MAX_LINES: usize = 50_000;

/// The header is looked for in this many rows from the top.
const HEADER_WITHIN: usize = 30;

/// Cells kept of a row above the header: a row of endless cells must not fill memory.
const WIDEST: usize = 1_000;

const REFERENCE: usize = 0;
const BOOKED_AT: usize = 1;
const AMOUNT: usize = 2;
const KEYS: [&str; 4] = ["reference", "booked_at", "amount", "description"];

/// The statement's column headers, as the bank names them (compared folded: case,
/// diacritics, spaces and underscores ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StatementColumns {
    pub reference: String,
    pub booked_at: String,
    pub amount: String,
    pub description: String,
}

impl Default for StatementColumns {
    fn default() -> Self {
        StatementColumns {
            reference: "Số tham chiếu".into(),
            booked_at: "Ngày giao dịch".into(),
            amount: "Số tiền ghi có".into(),
            description: "Nội dung".into(),
        }
    }
}

impl StatementColumns {
    /// `reference=Mã GD,amount=Có`: the columns named, the others left at their defaults.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut columns = Self::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=').unwrap_or((part, ""));
            let (key, value) = (key.trim(), value.trim());
            let slot = match key {
                "reference" => &mut columns.reference,
                "booked_at" => &mut columns.booked_at,
                "amount" => &mut columns.amount,
                "description" => &mut columns.description,
                _ => {
                    return Err(format!("không có cột {key:?}; chỉ có {}", KEYS.join(", ")));
                }
            };
            *slot = value.to_owned();
        }
        // An empty name (or none, without `=`) is refused here.
        columns.check()?;
        Ok(columns)
    }

    fn names(&self) -> [&str; 4] {
        [
            &self.reference,
            &self.booked_at,
            &self.amount,
            &self.description,
        ]
    }

    /// Every column named, and no two alike once folded: one header cell cannot be two fields.
    fn check(&self) -> Result<(), String> {
        let names = self.names();
        for (i, name) in names.iter().enumerate() {
            if key(name).is_empty() {
                return Err(format!("chưa ghi tên cột cho {}", KEYS[i]));
            }
            if let Some(j) = (0..i).find(|&j| key(names[j]) == key(name)) {
                return Err(format!(
                    "cột {} và cột {} cùng tên {name:?}",
                    KEYS[j], KEYS[i]
                ));
            }
        }
        Ok(())
    }
}

/// A header as compared: folded, without spaces or underscores.
fn key(header: &str) -> String {
    fold(header).replace([' ', '_'], "")
}

/// One credit to the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementLine {
    /// 1-based, as the spreadsheet or the CSV file shows it.
    pub row: usize,
    pub reference: String,
    pub booked_on: NaiveDate,
    pub amount_vnd: i64,
    pub description: String,
}

#[derive(Debug, Clone, Default)]
pub struct Statement {
    pub lines: Vec<StatementLine>,
    /// Rows without a credit (debits, fees charged, zero amounts): not payments, not errors.
    pub skipped_debits: usize,
    /// The sheet read, or `CSV`.
    pub sheet: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    /// The file as a whole cannot be read as a statement.
    #[error("không đọc được bảng kê: {0}")]
    WrongType(String),
    /// Rows that did not read; nothing was taken.
    #[error("bảng kê có {} lỗi, đầu tiên: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
    Rows(Vec<RowIssue>),
}

impl StatementError {
    pub fn code(&self) -> &'static str {
        match self {
            StatementError::WrongType(_) => "wrong_file_type",
            StatementError::Rows(_) => "invalid_rows",
        }
    }
}

fn wrong(message: impl Into<String>) -> StatementError {
    StatementError::WrongType(message.into())
}

/// Reads a statement, its type sniffed from the content (xlsx or UTF-8 CSV).
pub fn parse_statement(
    bytes: &[u8],
    columns: &StatementColumns,
) -> Result<Statement, StatementError> {
    columns.check().map_err(wrong)?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(wrong("tệp rỗng"));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return read_xlsx(bytes, columns);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(wrong(
            "tệp Excel 97-2003 (.xls) không được hỗ trợ; hãy lưu lại dưới dạng .xlsx",
        ));
    }
    if bytes.starts_with(b"%PDF") {
        return Err(wrong("đây là tệp PDF; cần sao kê dạng .xlsx hoặc .csv"));
    }
    // Not UTF-8 is refused as binary is (a NUL byte).
    let text = std::str::from_utf8(bytes).unwrap_or("\0");
    if text.contains('\0') {
        return Err(wrong("không phải tệp .xlsx hay CSV mã UTF-8"));
    }
    let text = text.trim_start_matches('\u{feff}');
    read_csv(text, Collector::new(columns, "CSV"))
}

/// A cell as both file types give it.
#[derive(Debug, Clone, Default, PartialEq)]
enum Value {
    #[default]
    Empty,
    Text(String),
    Number(f64),
    /// A date cell; `None` when it holds no real date.
    Date(Option<NaiveDate>),
}

impl Value {
    fn text(text: &str) -> Value {
        match text.trim() {
            "" => Value::Empty,
            t => Value::Text(t.to_owned()),
        }
    }

    fn of(cell: &DataRef) -> Value {
        match cell {
            DataRef::Empty => Value::Empty,
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
                Value::text(s)
            }
            DataRef::SharedString(s) => Value::text(s),
            DataRef::Int(i) => Value::Number(*i as f64),
            DataRef::Float(f) => Value::Number(*f),
            DataRef::Bool(b) => Value::Text(b.to_string()),
            DataRef::Error(e) => Value::Text(e.to_string()),
            // Bounded first: calamine's conversion panics far outside chrono's range.
            DataRef::DateTime(d) => Value::Date(
                (d.is_datetime() && (1.0..=2_958_465.0).contains(&d.as_f64()))
                    .then(|| d.as_datetime())
                    .flatten()
                    .map(|t| t.date()),
            ),
        }
    }

    /// As the cell shows it, for messages and the text fields.
    fn shown(&self) -> String {
        match self {
            Value::Empty => String::new(),
            Value::Text(t) => t.clone(),
            Value::Number(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            Value::Number(f) => f.to_string(),
            Value::Date(Some(d)) => d.format("%d/%m/%Y").to_string(),
            Value::Date(None) => "(ô ngày giờ không hợp lệ)".into(),
        }
    }
}

/// Takes the rows one by one: finds the header, then reads each row below it.
#[derive(Default)]
struct Collector {
    names: [String; 4],
    keys: [String; 4],
    /// The column of each field, once the header is found.
    header: Option<[usize; 4]>,
    /// The row with most of the columns so far, to say which are missing.
    closest: (usize, [bool; 4]),
    rows: usize,
    seen: HashMap<String, usize>,
    issues: Vec<RowIssue>,
    read: Statement,
}

fn header_of(keys: &[String; 4], cells: &[(usize, Value)]) -> [Option<usize>; 4] {
    keys.each_ref().map(|k| {
        let mut columns = cells.iter();
        let found = columns.find(|(_, v)| matches!(v, Value::Text(t) if key(t) == *k));
        found.map(|(c, _)| *c)
    })
}

impl Collector {
    fn new(columns: &StatementColumns, sheet: &str) -> Self {
        let mut collector = Collector {
            names: columns.names().map(str::to_owned),
            keys: columns.names().map(key),
            ..Collector::default()
        };
        collector.read.sheet = sheet.to_owned();
        collector
    }

    /// Whether a cell in this column is needed: all are until the header is found.
    fn wants(&self, column: usize) -> bool {
        self.header.is_none_or(|at| at.contains(&column))
    }

    /// One row's filled cells, in column order.
    fn row(&mut self, row: usize, cells: Vec<(usize, Value)>) -> Result<Flow, StatementError> {
        let Some(at) = self.header else {
            if row > HEADER_WITHIN {
                return Ok(Flow::Break(()));
            }
            let found = header_of(&self.keys, &cells);
            let count = found.iter().flatten().count();
            if count == 4 {
                self.header = Some(found.map(Option::unwrap_or_default));
            } else if count > self.closest.1.iter().filter(|f| **f).count() {
                self.closest = (row, found.map(|f| f.is_some()));
            }
            return Ok(Flow::Continue(()));
        };
        let lead = cells.first().map(|(_, v)| v.clone()).unwrap_or_default();
        let mut values: [Value; 4] = Default::default();
        for (column, value) in cells {
            if let Some(field) = at.iter().position(|c| *c == column) {
                values[field] = value;
            }
        }
        if values.iter().any(|v| *v != Value::Empty) {
            self.rows += 1;
            if self.rows > MAX_LINES {
                return Err(wrong(format!(
                    "bảng kê quá lớn: hơn {MAX_LINES} dòng; hãy xuất sao kê theo kỳ ngắn hơn"
                )));
            }
            self.line(row, values, &lead);
        }
        Ok(Flow::Continue(()))
    }

    fn issue(&mut self, row: usize, field: usize, code: &'static str, message: String) {
        self.issues.push(RowIssue {
            sheet: self.read.sheet.clone(),
            row,
            column: Some(self.names[field].clone()),
            code,
            message,
        });
    }

    /// A data row: a credit, a debit (no amount) or the totals, else an issue per bad cell.
    fn line(&mut self, row: usize, cells: [Value; 4], lead: &Value) {
        let [reference, booked_at, amount, description] = cells;
        let reference = reference.shown();
        if reference.is_empty() && is_totals(&booked_at, &description, lead) {
            return;
        }
        let amount_vnd = match amount_of(&amount) {
            Ok(0) => {
                self.read.skipped_debits += 1;
                return;
            }
            Ok(n) => Some(n),
            Err(why) => {
                let message = format!("số tiền {:?}: {why}", amount.shown());
                self.issue(row, AMOUNT, "bad_amount", message);
                None
            }
        };
        if reference.is_empty() {
            let message = "thiếu số tham chiếu của giao dịch".into();
            self.issue(row, REFERENCE, "missing_reference", message);
        } else if let Some(first) = self.seen.get(&reference) {
            let message = format!("số tham chiếu {reference:?} có ở cả dòng {first} và dòng {row}");
            self.issue(row, REFERENCE, "duplicate_reference", message);
        } else {
            self.seen.insert(reference.clone(), row);
        }
        let booked_on = date_of(&booked_at);
        if booked_on.is_none() {
            let message = match booked_at.shown() {
                shown if shown.is_empty() => "thiếu ngày giao dịch".into(),
                shown => {
                    format!("ngày {shown:?} không đọc được (dd/mm/yyyy, dd-mm-yyyy, yyyy-mm-dd)")
                }
            };
            self.issue(row, BOOKED_AT, "bad_date", message);
        }
        if let (Some(amount_vnd), Some(booked_on)) = (amount_vnd, booked_on) {
            let description = description.shown();
            let line = StatementLine {
                row,
                reference,
                booked_on,
                amount_vnd,
                description,
            };
            self.read.lines.push(line);
        }
    }

    fn finish(mut self) -> Result<Statement, StatementError> {
        if self.header.is_none() {
            let (row, found) = (self.closest.0.max(1), self.closest.1);
            for field in (0..4).filter(|f| !found[*f]) {
                let name = &self.names[field];
                let message = format!("thiếu cột {name:?} (tìm trong {HEADER_WITHIN} dòng đầu)");
                self.issue(row, field, "missing_column", message);
            }
        }
        if !self.issues.is_empty() {
            return Err(StatementError::Rows(self.issues));
        }
        Ok(self.read)
    }
}

/// A totals row (its reference empty): no date, and "Tổng…" or "Cộng…" as its label.
fn is_totals(booked_at: &Value, description: &Value, lead: &Value) -> bool {
    let labelled = |v: &&Value| match v {
        Value::Text(t) => fold(t)
            .split_whitespace()
            .next()
            .is_some_and(|w| matches!(w.trim_end_matches(':'), "tong" | "cong")),
        _ => false,
    };
    date_of(booked_at).is_none() && [description, booked_at, lead].iter().any(labelled)
}

fn read_csv(text: &str, mut collector: Collector) -> Result<Statement, StatementError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter_of(text, &collector.keys))
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    // Rows are counted as lines, which is what an editor shows, and a spreadsheet too unless
    // a quoted cell spans lines (the reader's own count is off on CRLF files).
    let (mut counted_to, mut row) = (0, 1);
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(wrong(format!("CSV hỏng: {e}"))),
        }
        // The record starts past the line ends (and blank lines) before it.
        let from = record.position().map_or(0, |p| p.byte() as usize);
        let rest = text.get(from.max(counted_to)..).unwrap_or_default();
        let start = text.len() - rest.trim_start_matches(['\r', '\n']).len();
        row += text[counted_to..start].matches('\n').count();
        counted_to = start;
        let cells = record.iter().map(Value::text).enumerate();
        let cells = cells.filter(|(_, v)| *v != Value::Empty).collect();
        if collector.row(row, cells)?.is_break() {
            break;
        }
    }
    collector.finish()
}

/// The delimiter the header line uses most: that line is the first one naming the most of
/// the columns.
fn delimiter_of(text: &str, keys: &[String; 4]) -> u8 {
    let named = |l: &&str| keys.iter().filter(|k| key(l).contains(*k)).count();
    let lines = text.lines().take(HEADER_WITHIN).collect::<Vec<_>>();
    let header = lines.into_iter().rev().max_by_key(named).unwrap_or("");
    let used = |d: &u8| header.bytes().filter(|b| b == d).count();
    let candidates = [b'\t', b';', b','];
    candidates.into_iter().max_by_key(used).unwrap_or(b',')
}

fn read_xlsx(bytes: &[u8], columns: &StatementColumns) -> Result<Statement, StatementError> {
    use calamine::{Reader, Xlsx, open_workbook_from_rs};
    crate::read::package::check(bytes).map_err(|e| match e {
        crate::FileError::WrongType(m)
        | crate::FileError::Unreadable(m)
        | crate::FileError::TooManyRows(m) => wrong(m),
    })?;
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| wrong(format!("tệp nén không phải bảng tính Excel (.xlsx): {e}")))?;
    let Some(sheet) = book.sheet_names().first().cloned() else {
        return Err(wrong("bảng tính không có trang nào"));
    };
    let mut collector = Collector::new(columns, &sheet);
    let unreadable = |e: calamine::XlsxError| wrong(format!("trang tính {sheet}: {e}"));
    // Cell by cell, keeping only the columns needed once the header is known: a sheet is
    // never held whole, however wide.
    let mut cells = book.worksheet_cells_reader(&sheet).map_err(unreadable)?;
    let mut current: Option<(usize, Vec<(usize, Value)>)> = None;
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (row, column) = cell.get_position();
        let (row, column) = (row as usize + 1, column as usize);
        if current.as_ref().is_some_and(|(r, _)| *r != row) {
            let (r, row_cells) = current.take().expect("checked above");
            if collector.row(r, row_cells)?.is_break() {
                break;
            }
        }
        let value = Value::of(cell.get_value());
        if value == Value::Empty {
            continue;
        }
        let (_, row_cells) = current.get_or_insert_with(|| (row, Vec::new()));
        // The first filled cell is kept too: a totals label may sit in any column.
        if row_cells.is_empty() || collector.wants(column) && row_cells.len() < WIDEST {
            row_cells.push((column, value));
        }
    }
    if let Some((r, row_cells)) = current {
        let _ = collector.row(r, row_cells)?;
    }
    collector.finish()
}

const NOT_A_NUMBER: &str = "không phải số tiền";
const NEGATIVE: &str = "số tiền âm; cột ghi có chỉ nhận số dương";
const FRACTION: &str = "có phần lẻ dưới một đồng";
const TOO_LARGE: &str = "số tiền quá lớn";
const GROUPING: &str = "cách ghi số không rõ: mỗi nhóm nghìn đủ 3 chữ số, cùng một dấu phân cách";

fn amount_of(value: &Value) -> Result<i64, &'static str> {
    match value {
        Value::Empty => Ok(0),
        Value::Text(t) => parse_amount(t),
        Value::Number(f) if !f.is_finite() => Err(NOT_A_NUMBER),
        Value::Number(f) if *f < 0.0 => Err(NEGATIVE),
        Value::Number(f) if f.fract() != 0.0 => Err(FRACTION),
        Value::Number(f) if *f >= 1e15 => Err(TOO_LARGE),
        Value::Number(f) => Ok(*f as i64),
        Value::Date(_) => Err(NOT_A_NUMBER),
    }
}

/// Whole đồng as banks write them: `1.500.000`, `1,500,000`, `1 500 000`, `1500000`, with
/// `VND` or `đ`, and a zero fraction (`1.500.000,00`, `1,500,000.00`). A separator followed
/// by exactly three digits groups thousands; the last `.` or `,` followed by one or two
/// digits is the decimal point. `-` alone (an accounting format's zero) is zero.
pub(crate) fn parse_amount(text: &str) -> Result<i64, &'static str> {
    let lower = text.trim().to_lowercase();
    let units = ["vnđ", "vnd", "đồng", "đ", "₫"];
    let s = units.iter().fold(lower.as_str(), |s, unit| {
        s.strip_suffix(unit)
            .or(s.strip_prefix(unit))
            .unwrap_or(s)
            .trim()
    });
    if s == "-" {
        return Ok(0);
    }
    if s.starts_with(['-', '(']) || s.ends_with('-') {
        return Err(NEGATIVE);
    }
    let s = s
        .strip_prefix('+')
        .unwrap_or(s)
        .replace(['\u{a0}', '\u{202f}'], " ");
    let (whole, decimal) = match s.rfind(['.', ',']) {
        Some(at) if (1..=2).contains(&(s.len() - at - 1)) && digits(&s[at + 1..]) => {
            if s[at + 1..].bytes().any(|b| b != b'0') {
                return Err(FRACTION);
            }
            (&s[..at], s[at..].chars().next())
        }
        _ => (&s[..], None),
    };
    let groups: Vec<&str> = whole.split(['.', ',', ' ']).collect();
    if !groups.iter().all(|g| digits(g)) {
        return Err(NOT_A_NUMBER);
    }
    // Spaces only ever group; the other separators must be one kind, not the decimal point.
    let seps: Vec<char> = whole.chars().filter(|c| matches!(c, '.' | ',')).collect();
    let mixed = seps.iter().any(|c| *c != seps[0]) || decimal.is_some_and(|d| seps.contains(&d));
    let uneven = !(1..=3).contains(&groups[0].len()) || groups[1..].iter().any(|g| g.len() != 3);
    if groups.len() > 1 && (mixed || uneven) {
        return Err(GROUPING);
    }
    let number = groups.concat();
    if number.trim_start_matches('0').len() > 15 {
        return Err(TOO_LARGE);
    }
    number.parse().map_err(|_| NOT_A_NUMBER)
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn date_of(value: &Value) -> Option<NaiveDate> {
    match value {
        Value::Date(d) => *d,
        Value::Text(t) => parse_date(t),
        Value::Empty | Value::Number(_) => None,
    }
}

/// `dd/mm/yyyy`, `dd-mm-yyyy` or `yyyy-mm-dd`, maybe followed by a time (`HH:MM[:SS]`).
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let (date, time) = text
        .split_once(|c: char| c.is_whitespace() || c == 'T')
        .unwrap_or((text, "0:0"));
    let time = time.trim();
    NaiveTime::parse_from_str(time, "%H:%M:%S%.f")
        .or_else(|_| NaiveTime::parse_from_str(time, "%H:%M"))
        .ok()?;
    let parts: Vec<&str> = date
        .split(if date.contains('/') { '/' } else { '-' })
        .collect();
    let [a, b, c] = parts[..] else { return None };
    if !parts.iter().all(|p| digits(p)) {
        return None;
    }
    let (year, month, day) = match (a.len(), b.len(), c.len()) {
        (4, 1..=2, 1..=2) => (a, b, c),
        (1..=2, 1..=2, 4) => (c, b, a),
        _ => return None,
    };
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

#[cfg(test)]
#[path = "statement_tests.rs"]
mod tests;
