//! Catalogue files in and out: Excel (xlsx), CSV and JSON; and the registers of units,
//! successions and agencies read from files ([`registers`]).
//!
//! - **xlsx**: a main sheet `Thủ tục`, one row per procedure, and sub-sheets
//!   `Thành phần hồ sơ`, `Phí, lệ phí` and `Kết quả`, one row per item, and `Biểu mẫu`,
//!   one row per field of the electronic form, keyed by `ma_thu_tuc`. Optional columns
//!   may be left out: files written before they existed still read.
//! - **CSV**: UTF-8 (with a byte-order mark so Excel reads the diacritics), one row per
//!   procedure with the main sheet's columns plus `thanh_phan_ho_so`, `phi_le_phi` and
//!   `ket_qua` holding JSON arrays and `bieu_mau` the form as a JSON object (empty: none).
//! - **JSON**: `{"format": "motcua-catalogue", "version": 1, "procedures": [...]}`, each
//!   procedure as the API gives it plus its `sets`.
//!
//! Lists inside a cell (levels, applicants, channels, sets) are separated by `;`; legal
//! bases by line breaks. The type of an incoming file is sniffed from its content, never
//! its name. Parsing reports every bad row (sheet, row, column, reason in Vietnamese) and
//! [`check`] adds the domain rules and the references; an import writes nothing unless
//! both come back empty.

use motcua_domain::procedure::Procedure;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

mod check;
#[cfg(test)]
mod fee_tests;
#[doc(hidden)]
pub mod fuzzing;
mod read;
pub mod registers;
pub mod statement;
mod table;
mod write;

pub use check::{Known, check};
pub use read::national::{
    NationalMapping, default_fields as national_fields, name_national_fields, parse_national,
};
pub use read::parse;
pub use table::table;
pub use write::{ExportError, export};

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
    /// For xlsx: the `Biểu mẫu` row of each field, section by section.
    form_rows: Vec<Vec<usize>>,
}

impl ParsedRow {
    pub(crate) fn new(sheet: String, row: usize, entry: Entry) -> Self {
        ParsedRow {
            sheet,
            row,
            entry,
            document_rows: Vec::new(),
            fee_rows: Vec::new(),
            result_rows: Vec::new(),
            form_rows: Vec::new(),
        }
    }
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
    #[error("tệp quá nhiều dòng: {0}")]
    TooManyRows(String),
}

impl FileError {
    pub fn code(&self) -> &'static str {
        match self {
            FileError::WrongType(_) => "wrong_file_type",
            FileError::Unreadable(_) => "unreadable_file",
            FileError::TooManyRows(_) => "too_many_rows",
        }
    }
}

pub const MAIN_SHEET: &str = "Thủ tục";
pub const DOCUMENTS_SHEET: &str = "Thành phần hồ sơ";
pub const FEES_SHEET: &str = "Phí, lệ phí";
pub const RESULTS_SHEET: &str = "Kết quả";
pub const FORMS_SHEET: &str = "Biểu mẫu";
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
/// CSV only: nested lists as JSON arrays, and the form as a JSON object.
pub const CSV_JSON_COLUMNS: [&str; 4] = ["thanh_phan_ho_so", "phi_le_phi", "ket_qua", "bieu_mau"];
pub const DOCUMENT_COLUMNS: [&str; 7] = [
    "ma_thu_tuc",
    "ten_giay_to",
    "ban_chinh",
    "ban_sao",
    "mau_don",
    "so_hoa",
    "tai_su_dung",
];
/// The first three are required. `don_vi_tinh` is the unit an amount is charged per (empty:
/// a fixed amount); `mien_giam` the exemptions, one a line, each `đối tượng | căn cứ pháp lý`.
pub const FEE_COLUMNS: [&str; 5] = [
    "ma_thu_tuc",
    "ten_khoan",
    "so_tien_vnd",
    "don_vi_tinh",
    "mien_giam",
];
pub const RESULT_COLUMNS: [&str; 4] = ["ma_thu_tuc", "ten_ket_qua", "hinh_thuc", "luu_tru"];
/// One row per field. The form's and the section's columns repeat on each of their rows
/// (readable when filtered) and must agree. A condition is `field` (when filled) or
/// `field=v1|v2`; `lap_lai` is `min-max`; `quy_tac` a JSON array of rules; `mau_ket_qua`
/// the result issued from the declaration, as JSON (last: it is long); `thay_the` the
/// component (the paper declaration) the form replaces; `tu_ket_qua` a row of an earlier
/// result to fill the field from, `mã thủ tục | nhãn dòng`.
pub const FORM_COLUMNS: [&str; 22] = [
    "ma_thu_tuc",
    "mau_so",
    "tieu_de",
    "thay_the",
    "phan",
    "ten_phan",
    "lap_lai",
    "phan_hien_khi",
    "khoa",
    "nhan",
    "loai",
    "bat_buoc",
    "danh_muc",
    "thanh_phan",
    "quy_tac",
    "hien_khi",
    "tim_kiem",
    "ca_nhan",
    "dien_san",
    "tu_ket_qua",
    "goi_y",
    "mau_ket_qua",
];

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_domain::procedure::ProcessingTime;
    use std::collections::BTreeSet;

    pub(crate) fn entry(code: &str) -> Entry {
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

    pub(crate) fn known() -> (BTreeSet<String>, BTreeSet<String>, BTreeSet<String>) {
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
    fn a_formula_in_a_name_is_written_as_text_and_read_back_as_written() {
        let evil = "=HYPERLINK(\"http://evil.example/\",\"x\")";
        let mut e = entry("1.001193");
        e.procedure.name = evil.into();
        e.procedure.steps = "-1+2 bước".into();
        let csv =
            String::from_utf8(export(std::slice::from_ref(&e), Format::Csv).unwrap()).unwrap();
        let mut reader = ::csv::ReaderBuilder::new().from_reader(csv.as_bytes());
        for record in reader.records() {
            for cell in record.unwrap().iter() {
                assert!(!cell.starts_with(['=', '+', '-', '@']), "{cell:?}");
            }
        }
        assert!(csv.contains("'=HYPERLINK"), "{csv}");
        // An XLSX cell holds a string, never a formula.
        use calamine::{Reader, Xlsx, open_workbook_from_rs};
        let xlsx = export(std::slice::from_ref(&e), Format::Xlsx).unwrap();
        let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
        for sheet in book.sheet_names() {
            let formulas = book.worksheet_formula(&sheet).unwrap();
            assert!(
                formulas.used_cells().all(|(_, _, f)| f.is_empty()),
                "{sheet}"
            );
        }
        for format in [Format::Csv, Format::Xlsx, Format::Json] {
            let bytes = export(std::slice::from_ref(&e), format).unwrap();
            assert_eq!(
                parse(&bytes).unwrap().entries(),
                vec![e.clone()],
                "{format}"
            );
        }
    }

    #[test]
    fn formula_cells_and_names_on_two_lines_are_refused_with_their_place() {
        let e = entry("1.001193");
        let xlsx = export(std::slice::from_ref(&e), Format::Xlsx).unwrap();
        // The exported workbook, with a formula (and its cached value) put in the name.
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
        use calamine::Reader;
        let main = book.worksheet_range(crate::MAIN_SHEET).unwrap();
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name(crate::MAIN_SHEET).unwrap();
        for (row, col, value) in main.used_cells() {
            let text = value.to_string();
            let (row, col) = (row as u32, col as u16);
            if row == 1
                && main
                    .get((0, col as usize))
                    .is_some_and(|h| *h == calamine::Data::String("ten_thu_tuc".into()))
            {
                let formula = rust_xlsxwriter::Formula::new("=\"Đăng ký \"&\"khai sinh\"")
                    .set_result("Đăng ký khai sinh");
                sheet.write_formula(row, col, formula).unwrap();
            } else {
                sheet.write_string(row, col, text).unwrap();
            }
        }
        let bytes = workbook.save_to_buffer().unwrap();
        let parsed = parse(&bytes).unwrap();
        let issue = parsed
            .issues
            .iter()
            .find(|i| i.code == "formula_cell")
            .unwrap_or_else(|| panic!("{:?}", parsed.issues));
        assert_eq!(issue.row, 2);
        assert_eq!(issue.column.as_deref(), Some("ten_thu_tuc"));

        // A quoted line break inside a name, in CSV.
        let mut two_lines = entry("1.001193");
        two_lines.procedure.name = "Đăng ký\nkhai sinh".into();
        let csv = export(std::slice::from_ref(&two_lines), Format::Csv).unwrap();
        let parsed = parse(&csv).unwrap();
        assert!(parsed.rows.is_empty());
        let issue = &parsed.issues[0];
        assert_eq!(issue.code, "line_break_in_name", "{issue}");
        assert_eq!(issue.column.as_deref(), Some("ten_thu_tuc"));
    }

    #[test]
    fn a_sheet_past_any_catalogue_is_refused_without_reading_it_whole() {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name(crate::MAIN_SHEET).unwrap();
        sheet.write_string(0, 0, "ma_thu_tuc").unwrap();
        for row in 1..=(read::MAX_ROWS as u32 + 5) {
            sheet.write_string(row, 0, format!("1.{row:06}")).unwrap();
        }
        let bytes = workbook.save_to_buffer().unwrap();
        let err = parse(&bytes).unwrap_err();
        assert_eq!(err.code(), "too_many_rows", "{err}");
        assert!(err.to_string().contains("20000"), "{err}");
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
