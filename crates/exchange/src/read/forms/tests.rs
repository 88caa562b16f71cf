use crate::tests::{entry, known};
use crate::{Entry, FORMS_SHEET, Format, Known, check, export, parse};

/// A procedure with a form of two sections (a conditional, repeating one after a plain one)
/// with rules of several kinds, prefills (one from an earlier result), hints, a file field
/// and a result template.
fn with_form(code: &str) -> Entry {
    let mut e = entry(code);
    e.procedure.form = Some(
        serde_json::from_value(serde_json::json!({
            "template_no": "Mẫu số 01/HT",
            "title": "TỜ KHAI ĐĂNG KÝ KHAI SINH",
            "stands_for": "Tờ khai",
            "result": {"title": "TRÍCH LỤC KHAI SINH", "signer": "TM. ỦY BAN NHÂN DÂN",
                       "rows": [{"label": "Họ và tên", "value": "{ho_ten}"},
                                {"label": "Số", "value": "{@so}"}]},
            "sections": [
                {"key": "nguoi_khai", "title": "Người đi khai", "fields": [
                    {"key": "ho_ten", "label": "Họ và tên", "kind": "text", "required": true,
                     "rules": [{"rule": "length", "min": 1, "max": 100},
                               {"rule": "pattern", "regex": "[^0-9]+", "message": "Không ghi chữ số"}],
                     "searchable": true, "personal": true, "prefill": "name",
                     "hint": "Ghi đúng như trên thẻ căn cước"},
                    {"key": "ngay_sinh", "label": "Ngày sinh", "kind": "date",
                     "rules": [{"rule": "not_in_future"}], "prefill": "birth_date"},
                    {"key": "dan_toc", "label": "Dân tộc", "kind": "choice", "code_list": "dan_toc"},
                    {"key": "dien_thoai", "label": "Điện thoại", "kind": "phone",
                     "rules": [{"rule": "at_least_one_of", "fields": ["thu_dien_tu"]}]},
                    {"key": "thu_dien_tu", "label": "Thư điện tử", "kind": "email",
                     "show_when": {"field": "dien_thoai"}},
                    {"key": "co_con", "label": "Có con chung", "kind": "yes_no"},
                    {"key": "to_khai", "label": "Tờ khai đã ký", "kind": "file",
                     "component": "Tờ khai"}
                ]},
                {"key": "con", "title": "Các con", "repeat": {"min": 0, "max": 20},
                 "show_when": {"field": "co_con", "equals": ["true"]}, "fields": [
                    {"key": "ten_con", "label": "Tên con", "kind": "text", "required": true,
                     "hint": "Một dòng\nhai dòng",
                     "from_result": {"procedure": "1.001193", "row": "Họ, chữ đệm, tên"}},
                    {"key": "sinh_con", "label": "Ngày sinh của con", "kind": "date",
                     "rules": [{"rule": "not_in_future"}, {"rule": "before", "field": "het_han"}]},
                    {"key": "het_han", "label": "Hết hạn", "kind": "date"},
                    {"key": "tro_cap", "label": "Trợ cấp", "kind": "money",
                     "rules": [{"rule": "range", "min": 0, "max": 5000000}],
                     "show_when": {"field": "ten_con", "equals": ["An", "Bình"]}}
                ]}
            ]
        }))
        .unwrap(),
    );
    e
}

fn checked(parsed: &crate::Parsed) -> Vec<crate::RowIssue> {
    let (sectors, agencies, sets) = known();
    check(
        parsed,
        &Known {
            sectors: &sectors,
            agencies: &agencies,
            sets: &sets,
        },
    )
}

/// The exported workbook with every sheet copied cell by cell, each cell's text through
/// `edit(sheet, row, column, text)`.
fn rewritten(xlsx: Vec<u8>, edit: impl Fn(&str, u32, &str, String) -> String) -> Vec<u8> {
    use calamine::{Reader, Xlsx, open_workbook_from_rs};
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let mut workbook = rust_xlsxwriter::Workbook::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).unwrap();
        let sheet = workbook.add_worksheet();
        sheet.set_name(&name).unwrap();
        let header: Vec<String> = range
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        for (r, row) in range.rows().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let text = edit(&name, r as u32 + 1, &header[c], cell.to_string());
                sheet.write_string(r as u32, c as u16, text).unwrap();
            }
        }
    }
    workbook.save_to_buffer().unwrap()
}

#[test]
fn a_form_round_trips_exactly_through_xlsx_and_csv() {
    let entries = vec![with_form("1.001193"), entry("1.000656")];
    for format in [Format::Xlsx, Format::Csv, Format::Json] {
        let bytes = export(&entries, format).unwrap();
        let parsed = parse(&bytes).unwrap();
        assert!(parsed.issues.is_empty(), "{format}: {:?}", parsed.issues);
        assert_eq!(checked(&parsed), [], "{format}");
        let mut got = parsed.entries();
        got.sort_by(|a, b| b.procedure.code.cmp(&a.procedure.code));
        assert_eq!(got, entries, "{format}");
    }
}

#[test]
fn bad_form_rows_are_named_and_their_procedure_is_not_imported() {
    let xlsx = export(&[with_form("1.001193")], Format::Xlsx).unwrap();
    // Row 2 is the first field; rows 9 to 12 the repeating section's.
    let bad = rewritten(xlsx, |sheet, row, column, text| {
        match (sheet == FORMS_SHEET, row, column) {
            (true, 2, "loai") => "banana".into(),
            (true, 3, "dien_san") => "mother".into(),
            (true, 4, "quy_tac") => "[{\"rule\": \"often\"}".into(),
            (true, 9.., "lap_lai") => "5-2x".into(),
            _ => text,
        }
    });
    let parsed = parse(&bad).unwrap();
    assert!(parsed.entries().is_empty());
    let found: Vec<_> = parsed
        .issues
        .iter()
        .map(|i| {
            (
                i.sheet.as_str(),
                i.row,
                i.column.as_deref().unwrap(),
                i.code,
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("Biểu mẫu", 2, "loai", "invalid_value"),
            ("Biểu mẫu", 3, "dien_san", "invalid_value"),
            ("Biểu mẫu", 4, "quy_tac", "invalid_value"),
            ("Biểu mẫu", 9, "lap_lai", "invalid_value"),
            ("Biểu mẫu", 10, "lap_lai", "invalid_value"),
            ("Biểu mẫu", 11, "lap_lai", "invalid_value"),
            ("Biểu mẫu", 12, "lap_lai", "invalid_value"),
        ]
    );
    assert!(
        parsed.issues[0].message.contains("banana"),
        "{}",
        parsed.issues[0]
    );
    assert!(
        parsed.issues[3].message.contains("0-20"),
        "{}",
        parsed.issues[3]
    );
}

#[test]
fn form_rows_that_disagree_or_name_no_procedure_are_reported() {
    let xlsx = export(&[with_form("1.001193")], Format::Xlsx).unwrap();
    let bad = rewritten(xlsx, |sheet, row, column, text| {
        match (sheet == FORMS_SHEET, row, column) {
            (true, 3, "tieu_de") => "TỜ KHAI KHÁC".into(),
            (true, 10, "ten_phan") => "Con".into(),
            (true, 12, "ma_thu_tuc") => "9.999999".into(),
            _ => text,
        }
    });
    let parsed = parse(&bad).unwrap();
    assert!(parsed.entries().is_empty());
    let found: Vec<_> = parsed
        .issues
        .iter()
        .map(|i| (i.row, i.column.as_deref().unwrap(), i.code))
        .collect();
    assert_eq!(
        found,
        [
            (3, "tieu_de", "inconsistent_form"),
            (10, "ten_phan", "inconsistent_form"),
            (12, "ma_thu_tuc", "unknown_procedure"),
        ]
    );
    assert!(
        parsed.issues[1].message.contains("dòng 9"),
        "{}",
        parsed.issues[1]
    );
}

#[test]
fn the_domains_form_problems_are_placed_on_their_form_row() {
    let xlsx = export(&[with_form("1.001193")], Format::Xlsx).unwrap();
    let bad = rewritten(xlsx, |sheet, row, column, text| {
        match (sheet == FORMS_SHEET, row, column) {
            (true, 4, "khoa") => "ho_ten".into(),
            (true, 8, "thanh_phan") => "Giấy khác".into(),
            (true, 9.., "phan_hien_khi") => "khong_co".into(),
            (true, _, "mau_ket_qua") => text.replace("{@so}", "{@so"),
            _ => text,
        }
    });
    let parsed = parse(&bad).unwrap();
    assert!(parsed.issues.is_empty(), "{:?}", parsed.issues);
    let issues = checked(&parsed);
    let found: Vec<_> = issues
        .iter()
        .map(|i| {
            (
                i.sheet.as_str(),
                i.row,
                i.column.as_deref().unwrap(),
                i.code,
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("Biểu mẫu", 2, "mau_ket_qua", "invalid_placeholder"),
            ("Biểu mẫu", 4, "khoa", "duplicate_form_key"),
            ("Biểu mẫu", 8, "thanh_phan", "unknown_component"),
            ("Biểu mẫu", 9, "phan_hien_khi", "unknown_form_field"),
        ]
    );
    assert!(
        issues[1].message.ends_with("đã dùng ở dòng 2"),
        "{}",
        issues[1]
    );

    // In CSV the whole form is one cell.
    let mut e = with_form("1.001193");
    e.procedure.form.as_mut().unwrap().sections[0].fields[2].key = "ho_ten".into();
    let parsed = parse(&export(&[e], Format::Csv).unwrap()).unwrap();
    let issue = &checked(&parsed)[0];
    assert_eq!((issue.row, issue.column.as_deref()), (2, Some("bieu_mau")));
    assert_eq!(issue.code, "duplicate_form_key");
}

#[test]
fn a_csv_form_that_is_not_json_is_reported_in_its_cell() {
    let csv = String::from_utf8(export(&[with_form("1.001193")], Format::Csv).unwrap()).unwrap();
    let broken = csv.replacen("{\"\"template_no", "{{\"\"template_no", 1);
    let parsed = parse(broken.as_bytes()).unwrap();
    assert!(parsed.rows.is_empty());
    assert_eq!(parsed.issues.len(), 1, "{:?}", parsed.issues);
    assert_eq!(parsed.issues[0].column.as_deref(), Some("bieu_mau"));
}
