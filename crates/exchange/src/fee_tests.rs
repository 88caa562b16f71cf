//! Fees per unit and exemptions in every format, and files written before they existed.

use crate::tests::{entry, known};
use crate::*;
use motcua_domain::procedure::{Fee, FeeExemption};

fn with_fees() -> Entry {
    let mut e = entry("1.001193");
    e.procedure.fees[1] = Fee {
        name: "Phí bản sao".into(),
        amount_vnd: 8000,
        per: Some("bản".into()),
        exemptions: vec![
            FeeExemption {
                who: "Người thuộc hộ nghèo".into(),
                legal_basis: "Điều 5 Nghị quyết 12/2020/NQ-HĐND".into(),
            },
            FeeExemption {
                who: "Trẻ em dưới 6 tuổi".into(),
                legal_basis: "Khoản 2 Điều 10 Luật Phí và lệ phí 2015".into(),
            },
        ],
    };
    e
}

/// The workbook again, every cell as text: `edit` may change a cell or drop it (None).
fn rewrite(xlsx: Vec<u8>, edit: impl Fn(&str, &str, u32, &str) -> Option<String>) -> Vec<u8> {
    use calamine::{Reader, Xlsx, open_workbook_from_rs};
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let mut workbook = rust_xlsxwriter::Workbook::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).unwrap();
        let header: Vec<String> = (0..range.width())
            .map(|c| range.get((0, c)).map(|h| h.to_string()).unwrap_or_default())
            .collect();
        let sheet = workbook.add_worksheet();
        sheet.set_name(&name).unwrap();
        for (row, col, value) in range.used_cells() {
            let column = header[col].as_str();
            if let Some(text) = edit(&name, column, row as u32, &value.to_string()) {
                sheet.write_string(row as u32, col as u16, text).unwrap();
            }
        }
    }
    workbook.save_to_buffer().unwrap()
}

#[test]
fn units_and_exemptions_round_trip_in_every_format() {
    let entries = vec![with_fees()];
    for format in [Format::Xlsx, Format::Csv, Format::Json] {
        let bytes = export(&entries, format).unwrap();
        let parsed = parse(&bytes).unwrap();
        assert!(parsed.issues.is_empty(), "{format}: {:?}", parsed.issues);
        assert_eq!(parsed.entries(), entries, "{format}");
    }
    // In the sheet: the unit in its own column, one exemption a line.
    use calamine::{Reader, Xlsx, open_workbook_from_rs};
    let xlsx = export(&entries, Format::Xlsx).unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let fees = book.worksheet_range(FEES_SHEET).unwrap();
    let header: Vec<String> = (0..5)
        .map(|c| fees.get((0, c)).unwrap().to_string())
        .collect();
    assert_eq!(header, FEE_COLUMNS);
    assert_eq!(fees.get((2, 3)).unwrap().to_string(), "bản");
    assert_eq!(
        fees.get((2, 4)).unwrap().to_string(),
        "Người thuộc hộ nghèo | Điều 5 Nghị quyết 12/2020/NQ-HĐND\n\
         Trẻ em dưới 6 tuổi | Khoản 2 Điều 10 Luật Phí và lệ phí 2015"
    );
}

#[test]
fn a_file_without_the_unit_and_exemption_columns_still_reads() {
    let old = rewrite(
        export(&[entry("1.001193")], Format::Xlsx).unwrap(),
        |sheet, column, _, text| {
            let new = sheet == FEES_SHEET && matches!(column, "don_vi_tinh" | "mien_giam");
            (!new).then(|| text.to_owned())
        },
    );
    let parsed = parse(&old).unwrap();
    assert!(parsed.issues.is_empty(), "{:?}", parsed.issues);
    assert_eq!(parsed.entries(), vec![entry("1.001193")]);
    let fee = &parsed.entries()[0].procedure.fees[1];
    assert_eq!((fee.per.as_deref(), fee.exemptions.len()), (None, 0));

    // A CSV whose fee objects lack the new fields, as written before them.
    let csv = String::from_utf8(export(&[entry("1.001193")], Format::Csv).unwrap()).unwrap();
    assert!(!csv.contains("\"\"per\"\""), "{csv}");
    assert_eq!(
        parse(csv.as_bytes()).unwrap().entries(),
        vec![entry("1.001193")]
    );
}

#[test]
fn a_bad_exemption_is_reported_with_sheet_row_and_column() {
    let xlsx = export(&[with_fees()], Format::Xlsx).unwrap();
    // Row 3 of the fee sheet is the per-copy fee; its second line has no `|`.
    let bad = rewrite(xlsx.clone(), |sheet, column, row, text| {
        Some(match (sheet, column, row) {
            (FEES_SHEET, "mien_giam", 2) => format!("{text}\nNgười có công"),
            _ => text.to_owned(),
        })
    });
    let parsed = parse(&bad).unwrap();
    let found: Vec<_> = (parsed.issues.iter())
        .map(|i| (i.sheet.as_str(), i.row, i.column.as_deref(), i.code))
        .collect();
    assert_eq!(
        found,
        [("Phí, lệ phí", 3, Some("mien_giam"), "invalid_value")]
    );
    assert!(
        parsed.issues[0].message.contains("dòng thứ 3 trong ô"),
        "{}",
        parsed.issues[0]
    );

    // Well formed but without a legal basis: the domain's rule, placed on the same cell.
    let empty_basis = rewrite(xlsx, |sheet, column, row, text| {
        Some(match (sheet, column, row) {
            (FEES_SHEET, "mien_giam", 2) => "Người có công |".into(),
            _ => text.to_owned(),
        })
    });
    let parsed = parse(&empty_basis).unwrap();
    assert!(parsed.issues.is_empty(), "{:?}", parsed.issues);
    let (s, ag, sets) = known();
    let known = Known {
        sectors: &s,
        agencies: &ag,
        sets: &sets,
    };
    let found: Vec<_> = (check(&parsed, &known).iter())
        .map(|i| (i.sheet.clone(), i.row, i.column.clone(), i.code))
        .collect();
    assert_eq!(
        found,
        [(
            FEES_SHEET.to_owned(),
            3,
            Some("mien_giam".to_owned()),
            "invalid_fee_exemption"
        )]
    );
}
