//! Writes a catalogue workbook with as many procedure rows as asked, every cell a distinct
//! text, to measure what importing a hostile file costs (`scripts/import-memory.sh`).
//!
//! `cargo run --release -p motcua-exchange --example large_workbook -- 1000000 big.xlsx`

use motcua_exchange::{MAIN_COLUMNS, MAIN_SHEET};
use rust_xlsxwriter::Workbook;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let rows: u32 = args.next().ok_or("số dòng?")?.parse()?;
    let path = args.next().ok_or("tệp?")?;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(MAIN_SHEET)?;
    for (column, (name, _, _)) in MAIN_COLUMNS.iter().enumerate() {
        sheet.write_string(0, column as u16, *name)?;
    }
    for row in 1..=rows {
        sheet.write_string(row, 0, format!("9.{row:07}"))?;
        sheet.write_string(row, 1, format!("Thủ tục thử số {row}"))?;
        sheet.write_string(row, 2, "ho_tich")?;
        sheet.write_string(row, 3, "commune")?;
    }
    book.save(&path)?;
    Ok(())
}
