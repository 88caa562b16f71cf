//! A plain table as a file: CSV (UTF-8 with a byte-order mark, cells a spreadsheet would
//! run as a formula neutralised), XLSX (one sheet, the header in bold) or JSON (an array of
//! objects keyed by the header). For exports that are not the catalogue, such as the data
//! declared on a procedure's forms.

use crate::{ExportError, Format};
use motcua_domain::text::csv_cell;

pub fn table(
    format: Format,
    sheet: &str,
    header: &[String],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, ExportError> {
    match format {
        Format::Csv => {
            let mut bytes = "\u{feff}".as_bytes().to_vec();
            {
                let mut writer = csv::Writer::from_writer(&mut bytes);
                writer.write_record(header)?;
                for row in rows {
                    writer.write_record(row.iter().map(|c| csv_cell(c).into_owned()))?;
                }
                writer.flush().map_err(csv::Error::from)?;
            }
            Ok(bytes)
        }
        Format::Xlsx => {
            use rust_xlsxwriter::{Format as CellFormat, Workbook};
            let mut workbook = Workbook::new();
            let bold = CellFormat::new().set_bold();
            let ws = workbook.add_worksheet();
            ws.set_name(sheet)?;
            for (c, column) in header.iter().enumerate() {
                ws.write_string_with_format(0, c as u16, column, &bold)?;
                ws.set_column_width(c as u16, 20)?;
            }
            ws.set_freeze_panes(1, 0)?;
            for (r, row) in rows.iter().enumerate() {
                for (c, cell) in row.iter().enumerate().filter(|(_, c)| !c.is_empty()) {
                    ws.write_string(r as u32 + 1, c as u16, cell)?;
                }
            }
            Ok(workbook.save_to_buffer()?)
        }
        Format::Json => {
            let objects: Vec<serde_json::Map<String, serde_json::Value>> = rows
                .iter()
                .map(|row| {
                    (header.iter().cloned())
                        .zip(row.iter().map(|c| serde_json::Value::String(c.clone())))
                        .collect()
                })
                .collect();
            let mut bytes = serde_json::to_vec_pretty(&objects)?;
            bytes.push(b'\n');
            Ok(bytes)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_is_written_in_each_format_with_formulas_neutralised() {
        let header = vec!["ma".to_owned(), "ten".to_owned()];
        let rows = vec![vec!["01".to_owned(), "=1+1".to_owned()]];
        let csv = String::from_utf8(table(Format::Csv, "x", &header, &rows).unwrap()).unwrap();
        assert_eq!(csv, "\u{feff}ma,ten\n01,'=1+1\n");
        let json: serde_json::Value =
            serde_json::from_slice(&table(Format::Json, "x", &header, &rows).unwrap()).unwrap();
        assert_eq!(json[0]["ten"], "=1+1");
        let xlsx = table(Format::Xlsx, "Dữ liệu", &header, &rows).unwrap();
        assert!(xlsx.starts_with(b"PK"));
    }
}
