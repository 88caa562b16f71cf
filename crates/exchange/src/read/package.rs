//! A look through an xlsx package before calamine reads it, for the numbers calamine 0.38
//! trusts as they are written: a cell reference past Excel's grid overflows its `u32`
//! arithmetic (a panic in debug builds, a wrong position in release; tafia/calamine#694,
//! #709), a range whose end is before its start underflows the same way, and the count of
//! shared strings is reserved in memory before any is read. Such a file is refused here,
//! with the place named, instead of crashing or exhausting the server.
//!
//! Every entry of the archive is read as calamine reads XML (it finds parts by names the
//! package itself declares, so no name is skipped), and attributes are split as calamine
//! splits them, so both see the same values. An entry that is not XML stops being read at
//! its first error, where calamine would stop too.

use crate::FileError;
use std::io::{BufReader, Cursor};

/// Excel's grid: columns A to XFD, rows 1 to 1,048,576.
const MAX_COLUMN: u64 = 16_384;
const MAX_ROW: u64 = 1_048_576;

/// Shared strings a package may declare: more distinct texts than four full sheets of a
/// catalogue (each row a few dozen cells) can hold is not a catalogue.
const MAX_SHARED_STRINGS: u64 = 4 * super::MAX_ROWS as u64 * 32;

/// Refuses a package with a reference or a count that calamine cannot read safely. A package
/// that is not a readable zip passes: calamine names that problem itself.
pub(crate) fn check(bytes: &[u8]) -> Result<(), FileError> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    for index in 0..archive.len() {
        let Ok(entry) = archive.by_index(index) else {
            continue;
        };
        let name = entry
            .name()
            .map_or_else(|_| format!("mục {index} của tệp nén"), |n| n.into_owned());
        check_entry(&name, BufReader::new(entry))?;
    }
    Ok(())
}

fn check_entry(name: &str, xml: impl std::io::BufRead) -> Result<(), FileError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    // As calamine configures its reader, so that both read the same events.
    let config = reader.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(element)) | Ok(Event::Empty(element)) => {
                let element_name = element.local_name();
                let is_shared_strings = element_name.as_ref() == "sst";
                for (key, value) in raw_attributes(element.attributes_raw()) {
                    match key {
                        "r" | "ref" => check_reference(name, value)?,
                        "uniqueCount" if is_shared_strings => check_shared_strings(name, value)?,
                        _ => {}
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
}

/// An element's attributes as calamine splits them: the key up to `=`, the value between
/// quotes, unescaped neither; the first malformed attribute ends the list.
fn raw_attributes(raw: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut rest = raw;
    std::iter::from_fn(move || {
        let (key, after) = rest.trim_ascii_start().split_once('=')?;
        let after = after.trim_ascii_start();
        let quote = after.chars().next().filter(|q| matches!(q, '"' | '\''))?;
        let value_and_rest = &after[1..];
        let (value, next) = value_and_rest
            .split_once(quote)
            .unwrap_or((value_and_rest, ""));
        rest = next;
        Some((key.trim_ascii_end(), value))
    })
}

/// A cell reference (`B7`), a row (`7`) or a range (`A1:S20`) must stay inside Excel's grid,
/// and a range must not end before it starts.
fn check_reference(entry: &str, value: &str) -> Result<(), FileError> {
    let mut cells = Vec::new();
    for part in value.split(':') {
        match corner(part) {
            Corner::OutsideGrid => {
                return Err(FileError::Unreadable(format!(
                    "bảng tính hỏng: ô {value:?} trong {entry:?} nằm ngoài giới hạn của Excel \
                     (cột XFD, dòng 1048576)"
                )));
            }
            Corner::Cell(row, column) => cells.push(Some((row, column))),
            Corner::Malformed => cells.push(None),
        }
    }
    if let [Some((top, left)), Some((bottom, right))] = cells[..]
        && (bottom < top || right < left)
    {
        return Err(FileError::Unreadable(format!(
            "bảng tính hỏng: vùng {value:?} trong {entry:?} kết thúc trước ô bắt đầu"
        )));
    }
    Ok(())
}

/// One side of a reference, as calamine reads it: letters, then digits.
enum Corner {
    /// Row and column, both 1-based.
    Cell(u64, u64),
    /// Partial or not a reference: calamine reports it as an error of its own.
    Malformed,
    /// A part goes past the grid while being read, which is where calamine would overflow.
    OutsideGrid,
}

fn corner(reference: &str) -> Corner {
    let (mut row, mut column) = (0u64, 0u64);
    let mut bytes = reference.bytes().peekable();
    while let Some(letter) = bytes.next_if(u8::is_ascii_alphabetic) {
        column = column * 26 + u64::from(letter.to_ascii_uppercase() - b'A') + 1;
        if column > MAX_COLUMN {
            return Corner::OutsideGrid;
        }
    }
    while let Some(digit) = bytes.next_if(u8::is_ascii_digit) {
        row = row * 10 + u64::from(digit - b'0');
        if row > MAX_ROW {
            return Corner::OutsideGrid;
        }
    }
    if bytes.next().is_none() && row > 0 && column > 0 {
        Corner::Cell(row, column)
    } else {
        Corner::Malformed
    }
}

fn check_shared_strings(entry: &str, value: &str) -> Result<(), FileError> {
    let digits = value.strip_prefix('+').unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(());
    }
    let declared = digits.bytes().fold(0u64, |n, digit| {
        n.saturating_mul(10).saturating_add(u64::from(digit - b'0'))
    });
    if declared > MAX_SHARED_STRINGS {
        return Err(FileError::Unreadable(format!(
            "bảng tính hỏng: {entry:?} khai báo {value} chuỗi văn bản, nhiều hơn mọi danh mục \
             thủ tục (tối đa {MAX_SHARED_STRINGS})"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_inside_the_grid_pass_and_others_are_named() {
        for fine in [
            "A1",
            "xfd1048576",
            "7",
            "A1:S20",
            "B2:B2",
            "A",
            "A1:B",
            "$A$1",
            "A1B",
        ] {
            assert!(check_reference("sheet1.xml", fine).is_ok(), "{fine}");
        }
        for (bad, says) in [
            ("XFE1", "ngoài giới hạn"),
            ("ZZZZZZZZZZ1", "ngoài giới hạn"),
            ("A1048577", "ngoài giới hạn"),
            ("A99999999999999999999", "ngoài giới hạn"),
            ("A1:ZZZZZZZ", "ngoài giới hạn"),
            ("B2:A1", "kết thúc trước"),
            ("A2:B1", "kết thúc trước"),
        ] {
            let err = check_reference("sheet1.xml", bad).unwrap_err();
            assert_eq!(err.code(), "unreadable_file");
            assert!(err.to_string().contains(says), "{bad}: {err}");
            assert!(err.to_string().contains("sheet1.xml"), "{err}");
        }
    }

    #[test]
    fn attributes_are_split_as_calamine_splits_them() {
        let attributes: Vec<_> =
            raw_attributes(r#" r="A1" s = '2' t="s"  ref="A1:B2" broken"#).collect();
        assert_eq!(
            attributes,
            [("r", "A1"), ("s", "2"), ("t", "s"), ("ref", "A1:B2")]
        );
        assert_eq!(
            raw_attributes(r#"r="A1"#).collect::<Vec<_>>(),
            [("r", "A1")]
        );
    }

    #[test]
    fn a_shared_string_count_past_any_catalogue_is_refused() {
        for fine in ["0", "64", "+12", "0002560000", "lots", "-5"] {
            assert!(
                check_shared_strings("sharedStrings.xml", fine).is_ok(),
                "{fine}"
            );
        }
        for bad in ["2560001", "99999999999999999999999"] {
            let err = check_shared_strings("sharedStrings.xml", bad).unwrap_err();
            assert!(err.to_string().contains(bad), "{err}");
        }
    }
}
