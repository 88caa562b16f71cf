use super::*;
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn line(
    row: usize,
    reference: &str,
    booked_on: NaiveDate,
    amount: i64,
    description: &str,
) -> StatementLine {
    StatementLine {
        row,
        reference: reference.into(),
        booked_on,
        amount_vnd: amount,
        description: description.into(),
    }
}

/// Each issue as (row, column, code).
fn places(err: StatementError) -> Vec<(usize, String, &'static str)> {
    let StatementError::Rows(issues) = err else {
        panic!("expected rows, got {err}");
    };
    issues
        .into_iter()
        .map(|i| (i.row, i.column.unwrap_or_default(), i.code))
        .collect()
}

fn place(row: usize, column: &str, code: &'static str) -> (usize, String, &'static str) {
    (row, column.into(), code)
}

#[test]
fn a_csv_with_a_byte_order_mark_and_semicolons_reads_its_credits() {
    let csv = "\u{feff}Số tham chiếu;Ngày giao dịch;Số tiền ghi nợ;Số tiền ghi có;Nội dung\r\n\
               FT25182001;01/07/2025 09:15:02;;1.500.000;\"NGUYEN VAN A; nop phi H37-0001\"\r\n\
               FT25182002;01/07/2025;20.000;;Phi SMS\r\n\
               \r\n\
               FT25182003;2025-07-02;;\"1,500,000.00\";Chuyen tien\r\n\
               FT25182004;03-07-2025 14:05;;0;Dieu chinh\r\n\
               ;;20.000;3.000.000;Tổng cộng\r\n";
    let statement = parse_statement(csv.as_bytes(), &StatementColumns::default()).unwrap();
    assert_eq!(statement.sheet, "CSV");
    assert_eq!(
        statement.lines,
        [
            line(
                2,
                "FT25182001",
                date(2025, 7, 1),
                1_500_000,
                "NGUYEN VAN A; nop phi H37-0001"
            ),
            line(5, "FT25182003", date(2025, 7, 2), 1_500_000, "Chuyen tien"),
        ]
    );
    assert_eq!(statement.skipped_debits, 2);
}

#[test]
fn configured_columns_are_found_below_a_preamble_and_compared_folded() {
    let columns = StatementColumns::parse(
        "reference=Mã GD, booked_at=Ngày GD,amount=Có,description=Diễn giải",
    )
    .unwrap();
    assert_eq!(columns.amount, "Có");
    let csv = "NGAN HANG TMCP X,,,\n\
               So tai khoan: 0011001234567,,,\n\
               MA_GD,ngay gd,CO,DIEN GIAI,NO\n\
               12001,2025-07-01,\"250,000\",\"nop phi, le phi\",\n";
    let statement = parse_statement(csv.as_bytes(), &columns).unwrap();
    assert_eq!(
        statement.lines,
        [line(
            4,
            "12001",
            date(2025, 7, 1),
            250_000,
            "nop phi, le phi"
        )]
    );
    // The defaults do not name these columns: each one missing is told, at the header row
    // that came closest (none here, so row 1).
    let err = parse_statement(csv.as_bytes(), &StatementColumns::default()).unwrap_err();
    assert_eq!(err.code(), "invalid_rows");
    assert_eq!(
        places(err),
        [
            place(1, "Số tham chiếu", "missing_column"),
            place(1, "Ngày giao dịch", "missing_column"),
            place(1, "Số tiền ghi có", "missing_column"),
            place(1, "Nội dung", "missing_column"),
        ]
    );
}

#[test]
fn a_missing_column_is_named_at_the_row_that_looked_like_the_header() {
    let csv = "Sao kê tài khoản\nSố tham chiếu;Ngày giao dịch;Số tiền;Nội dung\nA;01/07/2025;5;x\n";
    let err = parse_statement(csv.as_bytes(), &StatementColumns::default()).unwrap_err();
    let StatementError::Rows(issues) = &err else {
        panic!("{err}")
    };
    assert_eq!(issues.len(), 1);
    assert_eq!(
        issues[0].to_string(),
        "CSV, dòng 2, cột Số tiền ghi có: thiếu cột \"Số tiền ghi có\" (tìm trong 30 dòng đầu) \
         [missing_column]"
    );
}

/// A bank's export: a preamble, a numbered table from column A, a date cell, numbers, a
/// debit, an empty row and a totals row whose sum is a formula.
fn bank_workbook() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Sao kê").unwrap();
    sheet
        .write_string(0, 0, "NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM")
        .unwrap();
    sheet
        .write_string(1, 0, "Số tài khoản: 0011001234567")
        .unwrap();
    sheet
        .write_string(2, 0, "Từ ngày 01/07/2025 đến ngày 31/07/2025")
        .unwrap();
    let header = [
        "STT",
        "Số tham chiếu",
        "Ngày giao dịch",
        "Số tiền ghi nợ",
        "Số tiền ghi có",
        "Nội dung",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(3, c as u16, *h).unwrap();
    }
    let day = Format::new().set_num_format("dd/mm/yyyy");
    sheet.write_number(4, 0, 1).unwrap();
    sheet.write_string(4, 1, "FT001").unwrap();
    let first = ExcelDateTime::from_ymd(2025, 7, 1).unwrap();
    sheet
        .write_datetime_with_format(4, 2, &first, &day)
        .unwrap();
    sheet.write_number(4, 4, 1_500_000).unwrap();
    sheet.write_string(4, 5, "NGUYEN VAN A nop phi").unwrap();
    sheet.write_number(5, 0, 2).unwrap();
    sheet.write_string(5, 1, "FT002").unwrap();
    sheet.write_string(5, 2, "02/07/2025 10:30").unwrap();
    sheet.write_number(5, 3, 50_000).unwrap();
    sheet.write_string(5, 5, "Phi dich vu").unwrap();
    sheet.write_number(6, 0, 3).unwrap();
    sheet.write_number(6, 1, 12_345_678).unwrap();
    let third = ExcelDateTime::from_ymd(2025, 7, 3)
        .unwrap()
        .and_hms(8, 0, 0)
        .unwrap();
    sheet
        .write_datetime_with_format(6, 2, &third, &day)
        .unwrap();
    sheet.write_string(6, 4, "2.000.000 VND").unwrap();
    sheet.write_string(8, 0, "Tổng cộng").unwrap();
    sheet
        .write_formula(8, 3, Formula::new("=SUM(D5:D8)").set_result("50000"))
        .unwrap();
    sheet
        .write_formula(8, 4, Formula::new("=SUM(E5:E8)").set_result("3500000"))
        .unwrap();
    // A second sheet is never read.
    workbook
        .add_worksheet()
        .write_string(0, 0, "Số tham chiếu")
        .unwrap();
    workbook.save_to_buffer().unwrap()
}

#[test]
fn an_xlsx_statement_reads_below_its_preamble() {
    let statement = parse_statement(&bank_workbook(), &StatementColumns::default()).unwrap();
    assert_eq!(statement.sheet, "Sao kê");
    assert_eq!(
        statement.lines,
        [
            line(
                5,
                "FT001",
                date(2025, 7, 1),
                1_500_000,
                "NGUYEN VAN A nop phi"
            ),
            line(7, "12345678", date(2025, 7, 3), 2_000_000, ""),
        ]
    );
    assert_eq!(statement.skipped_debits, 1);
}

#[test]
fn every_bad_row_is_reported_at_once() {
    let csv = "Số tham chiếu,Ngày giao dịch,Số tiền ghi có,Nội dung\n\
               A1,01/07/2025,\"1,5\",x\n\
               A2,31/02/2025,100000,x\n\
               ,01/07/2025,100000,x\n\
               A1,01/07/2025,100000,x\n\
               A5,01/07/2025,-100000,x\n\
               A6,hôm qua,abc,x\n\
               A7,01/07/2025,100000,x\n\
               A8,,100000,\n";
    let err = parse_statement(csv.as_bytes(), &StatementColumns::default()).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("bảng kê có 8 lỗi, đầu tiên: CSV, dòng 2"),
        "{err}"
    );
    let StatementError::Rows(issues) = &err else {
        panic!("{err}")
    };
    let duplicate = issues
        .iter()
        .find(|i| i.code == "duplicate_reference")
        .unwrap();
    assert!(
        duplicate.message.contains("dòng 2") && duplicate.message.contains("dòng 5"),
        "{duplicate}"
    );
    let (amount, day, reference) = ("Số tiền ghi có", "Ngày giao dịch", "Số tham chiếu");
    assert_eq!(
        places(err),
        [
            place(2, amount, "bad_amount"),
            place(3, day, "bad_date"),
            place(4, reference, "missing_reference"),
            place(5, reference, "duplicate_reference"),
            place(6, amount, "bad_amount"),
            place(7, amount, "bad_amount"),
            place(7, day, "bad_date"),
            place(9, day, "bad_date"),
        ]
    );
}

#[test]
fn amounts_read_as_banks_write_them() {
    for (text, expected) in [
        ("1.500.000", Ok(1_500_000)),
        ("1,500,000", Ok(1_500_000)),
        ("1 500 000", Ok(1_500_000)),
        ("1\u{a0}500\u{a0}000", Ok(1_500_000)),
        ("1500000", Ok(1_500_000)),
        ("1.500.000 VND", Ok(1_500_000)),
        ("1.500.000 VNĐ", Ok(1_500_000)),
        ("1.500.000đ", Ok(1_500_000)),
        ("VND 1,500,000", Ok(1_500_000)),
        ("+1.500.000", Ok(1_500_000)),
        ("1,500,000.00", Ok(1_500_000)),
        ("1.500.000,00", Ok(1_500_000)),
        ("1 500 000,0", Ok(1_500_000)),
        ("1500000.00", Ok(1_500_000)),
        ("1.500", Ok(1_500)),
        ("999", Ok(999)),
        ("0", Ok(0)),
        ("0,00", Ok(0)),
        ("-", Ok(0)),
        ("-1.500.000", Err(NEGATIVE)),
        ("1.500.000-", Err(NEGATIVE)),
        ("(1.500.000)", Err(NEGATIVE)),
        ("1,5", Err(FRACTION)),
        ("1.500.000,50", Err(FRACTION)),
        ("1,500,000.05", Err(FRACTION)),
        ("1.500,000", Err(GROUPING)),
        ("1,500.000", Err(GROUPING)),
        ("1.500.00", Err(GROUPING)),
        ("15,00,000", Err(GROUPING)),
        ("1234.567", Err(GROUPING)),
        ("1.5000", Err(GROUPING)),
        ("1.500.000,000", Err(GROUPING)),
        ("1..500", Err(NOT_A_NUMBER)),
        (".500", Err(NOT_A_NUMBER)),
        ("1.500.", Err(NOT_A_NUMBER)),
        ("1e6", Err(NOT_A_NUMBER)),
        ("abc", Err(NOT_A_NUMBER)),
        ("VND", Err(NOT_A_NUMBER)),
        ("#N/A", Err(NOT_A_NUMBER)),
        ("9.999.999.999.999.999.999", Err(TOO_LARGE)),
    ] {
        assert_eq!(parse_amount(text), expected, "{text:?}");
    }
    for (number, expected) in [
        (1_500_000.0, Ok(1_500_000)),
        (0.0, Ok(0)),
        (1.5, Err(FRACTION)),
        (-5.0, Err(NEGATIVE)),
        (f64::NAN, Err(NOT_A_NUMBER)),
        (1e300, Err(TOO_LARGE)),
    ] {
        assert_eq!(amount_of(&Value::Number(number)), expected, "{number}");
    }
}

#[test]
fn dates_read_in_the_forms_banks_use() {
    for (text, expected) in [
        ("01/07/2025", Some(date(2025, 7, 1))),
        ("1/7/2025", Some(date(2025, 7, 1))),
        ("01-07-2025", Some(date(2025, 7, 1))),
        ("2025-07-01", Some(date(2025, 7, 1))),
        ("01/07/2025 09:15", Some(date(2025, 7, 1))),
        ("01/07/2025 09:15:02", Some(date(2025, 7, 1))),
        ("2025-07-01T09:15:02", Some(date(2025, 7, 1))),
        ("2025-07-01 09:15:02.123", Some(date(2025, 7, 1))),
        ("29/02/2024", Some(date(2024, 2, 29))),
        ("29/02/2025", None),
        ("07/01/25", None),
        ("2025/07", None),
        ("01/07-2025", None),
        ("01/07/2025 sáng", None),
        ("01/07/2025 25:00", None),
        ("hôm qua", None),
        ("", None),
    ] {
        assert_eq!(parse_date(text), expected, "{text:?}");
    }
}

#[test]
fn files_that_are_not_statements_are_the_wrong_type() {
    for (bytes, says) in [
        (&b""[..], "rỗng"),
        (b" \n", "rỗng"),
        (b"%PDF-1.7 ...", "PDF"),
        (&[0xD0, 0xCF, 0x11, 0xE0, 0, 1][..], ".xls"),
        (&[0xff, 0xfe, 0x53, 0x00][..], "UTF-8"),
        (&[0x8f, 0x01, 0xc3, 0x28, 0x00, 0x9a][..], "UTF-8"),
        (b"PK\x03\x04not really a zip", ".xlsx"),
    ] {
        let err = parse_statement(bytes, &StatementColumns::default()).unwrap_err();
        assert_eq!(err.code(), "wrong_file_type", "{err}");
        assert!(err.to_string().contains(says), "{err}");
    }
    // Bytes of any kind give an answer, never a panic.
    let mut seed: u32 = 0x9E37_79B9;
    for len in 0..200 {
        let mut bytes: Vec<u8> = (0..len)
            .map(|_| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (seed >> 24) as u8
            })
            .collect();
        if len % 2 == 0 && len >= 4 {
            bytes[..4].copy_from_slice(b"PK\x03\x04");
        }
        let _ = parse_statement(&bytes, &StatementColumns::default());
    }
}

#[test]
fn a_package_calamine_cannot_read_safely_is_refused_before_it_reads() {
    use std::io::{Read, Write};
    let original = bank_workbook();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(original)).unwrap();
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut text = String::new();
        entry.read_to_string(&mut text).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            text = text.replacen("r=\"A1\"", "r=\"XFE1\"", 1);
        }
        writer
            .start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(text.as_bytes()).unwrap();
    }
    let bytes = writer.finish().unwrap().into_inner();
    let err = parse_statement(&bytes, &StatementColumns::default()).unwrap_err();
    assert_eq!(err.code(), "wrong_file_type");
    assert!(err.to_string().contains("ngoài giới hạn"), "{err}");
}

#[test]
fn a_statement_past_any_period_is_refused() {
    let mut csv = String::from("Số tham chiếu,Ngày giao dịch,Số tiền ghi có,Nội dung\n");
    for i in 0..=MAX_LINES {
        csv.push_str(&format!("FT{i},01/07/2025,1000,x\n"));
    }
    let err = parse_statement(csv.as_bytes(), &StatementColumns::default()).unwrap_err();
    assert_eq!(err.code(), "wrong_file_type");
    assert!(err.to_string().contains("bảng kê quá lớn"), "{err}");
}

#[test]
fn columns_are_configured_by_key_and_checked() {
    assert_eq!(
        StatementColumns::parse("").unwrap(),
        StatementColumns::default()
    );
    let columns = StatementColumns::parse("amount=Số tiền có,").unwrap();
    assert_eq!(columns.amount, "Số tiền có");
    assert_eq!(columns.reference, "Số tham chiếu");
    for (spec, says) in [
        ("amount", "chưa ghi tên cột cho amount"),
        ("so_tien=Có", "không có cột \"so_tien\""),
        ("amount= ", "chưa ghi tên cột cho amount"),
        ("description=SO THAM CHIEU", "cùng tên"),
    ] {
        let err = StatementColumns::parse(spec).unwrap_err();
        assert!(err.contains(says), "{spec}: {err}");
    }
    // A configuration read from JSON keeps the defaults it leaves out, and is checked too.
    let json: StatementColumns = serde_json::from_str(r#"{"amount": "Có"}"#).unwrap();
    assert_eq!(json.description, "Nội dung");
    let clash = StatementColumns {
        reference: "Nội dung".into(),
        ..StatementColumns::default()
    };
    let err = parse_statement(b"a,b\n", &clash).unwrap_err();
    assert_eq!(err.code(), "wrong_file_type", "{err}");
}

#[test]
fn rows_are_numbered_as_lines_and_the_header_is_looked_for_in_the_first_thirty() {
    let header = "Số tham chiếu,Ngày giao dịch,Số tiền ghi có,Nội dung\n";
    let csv = format!("{header}\nA1,01/07/2025,1000,\"hai\ndòng\"\n\n\nA2,01/07/2025,abc,x\n");
    let err = parse_statement(csv.as_bytes(), &StatementColumns::default()).unwrap_err();
    assert_eq!(places(err), [place(7, "Số tiền ghi có", "bad_amount")]);

    let late = format!("{}{header}A,01/07/2025,1,x\n", "tiêu đề\n".repeat(30));
    let err = parse_statement(late.as_bytes(), &StatementColumns::default()).unwrap_err();
    let codes: Vec<_> = places(err).into_iter().map(|(_, _, code)| code).collect();
    assert_eq!(codes, ["missing_column"; 4]);
}

#[test]
fn a_date_cell_far_outside_the_calendar_is_a_bad_date() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (c, h) in [
        "Số tham chiếu",
        "Ngày giao dịch",
        "Số tiền ghi có",
        "Nội dung",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let day = Format::new().set_num_format("dd/mm/yyyy");
    for (row, serial) in [(1, -1e300), (2, 1e300)] {
        sheet.write_string(row, 0, format!("FT{row}")).unwrap();
        sheet
            .write_number_with_format(row, 1, serial, &day)
            .unwrap();
        sheet.write_number(row, 2, 1000).unwrap();
    }
    let bytes = workbook.save_to_buffer().unwrap();
    let err = parse_statement(&bytes, &StatementColumns::default()).unwrap_err();
    let day = "Ngày giao dịch";
    assert_eq!(
        places(err),
        [place(2, day, "bad_date"), place(3, day, "bad_date")]
    );
}
