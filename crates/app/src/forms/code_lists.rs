//! Code lists: the official ones (the 54 ethnic groups, nationalities) and the lists an
//! administrator defines, each replaced whole by an import (all or nothing).

use crate::{App, AppError, AppResult, Principal};
use motcua_domain::account::Role;
use motcua_store::{CodeEntry, CodeListRecord, Store};

/// One entry's problem: its row in the file (from 1, the header being row 1) or, for a
/// list sent as JSON, its place in the list plus one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub row: usize,
    pub message: String,
}

/// Reads a code list file: UTF-8 CSV with a header `code,name` and, optionally,
/// `valid_from,valid_to` (YYYY-MM-DD). Every bad row is named.
pub fn read_csv(bytes: &[u8]) -> Result<Vec<CodeEntry>, Vec<RowProblem>> {
    let problem = |row, message: &str| {
        vec![RowProblem {
            row,
            message: message.to_owned(),
        }]
    };
    let text = std::str::from_utf8(bytes)
        .map_err(|_| problem(1, "Tệp không phải văn bản UTF-8 (hãy lưu dạng CSV UTF-8)."))?;
    let mut lines = text.trim_start_matches('\u{FEFF}').lines();
    let header: Vec<String> = match lines.next() {
        Some(h) => h
            .split(',')
            .map(|c| c.trim().to_ascii_lowercase())
            .collect(),
        None => return Err(problem(1, "Tệp rỗng.")),
    };
    let at = |name: &str| header.iter().position(|c| c == name);
    let (Some(code_at), Some(name_at)) = (at("code"), at("name")) else {
        return Err(problem(
            1,
            "Dòng tiêu đề phải có cột code và name (phân cách bằng dấu phẩy).",
        ));
    };
    let (from_at, to_at) = (at("valid_from"), at("valid_to"));
    let mut problems = Vec::new();
    let mut entries = Vec::new();
    for (i, line) in lines.enumerate() {
        let row = i + 2;
        if line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let cell = |at: Option<usize>| at.and_then(|a| cells.get(a).copied()).unwrap_or("");
        let mut date = |at: Option<usize>| {
            let raw = cell(at);
            let parsed = motcua_domain::calendar::parse_iso_date(raw);
            if parsed.is_none() && !raw.is_empty() {
                let message = format!("Ngày {raw:?} không đúng dạng YYYY-MM-DD.");
                problems.push(RowProblem { row, message });
            }
            parsed
        };
        let (valid_from, valid_to) = (date(from_at), date(to_at));
        entries.push((
            row,
            CodeEntry {
                code: cell(Some(code_at)).to_owned(),
                name: cell(Some(name_at)).to_owned(),
                valid_from,
                valid_to,
            },
        ));
    }
    match (checked(entries), problems.is_empty()) {
        (Ok(entries), true) => Ok(entries),
        (Ok(_), false) => Err(problems),
        (Err(mut more), _) => {
            problems.append(&mut more);
            problems.sort_by_key(|p| p.row);
            Err(problems)
        }
    }
}

/// The entries sorted by code, names in NFC; or every entry's problem: a code or name
/// missing, too long or carrying hidden characters, a code repeated, dates out of order.
fn checked(entries: Vec<(usize, CodeEntry)>) -> Result<Vec<CodeEntry>, Vec<RowProblem>> {
    let mut problems = Vec::new();
    let mut out: Vec<CodeEntry> = Vec::with_capacity(entries.len());
    let mut seen = std::collections::HashSet::new();
    for (row, mut e) in entries {
        e.code = e.code.trim().to_owned();
        e.name = motcua_domain::text::nfc(e.name.trim());
        let hidden = [&e.code, &e.name]
            .iter()
            .any(|t| motcua_domain::text::forbidden_char(t).is_some());
        let message = if e.code.is_empty() || e.name.is_empty() {
            "Thiếu mã hoặc tên."
        } else if e.code.chars().count() > 64 || e.name.chars().count() > 300 || hidden {
            "Mã dài quá 64 ký tự, tên dài quá 300 ký tự, hoặc có ký tự không được phép."
        } else if !seen.insert(e.code.clone()) {
            "Mã lặp lại."
        } else if e.valid_from.zip(e.valid_to).is_some_and(|(f, t)| t < f) {
            "Ngày hết hiệu lực trước ngày có hiệu lực."
        } else {
            out.push(e);
            continue;
        };
        problems.push(RowProblem {
            row,
            message: format!("{message} (mã {:?})", e.code),
        });
    }
    if out.is_empty() && problems.is_empty() {
        problems.push(RowProblem {
            row: 1,
            message: "Danh mục không có mục nào.".into(),
        });
    }
    if problems.is_empty() {
        out.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(out)
    } else {
        Err(problems)
    }
}

fn refused(problems: Vec<RowProblem>) -> AppError {
    let rows: Vec<String> = (problems.iter())
        .map(|p| format!("dòng {}: {}", p.row, p.message))
        .collect();
    AppError::invalid(
        "invalid_code_list",
        format!("Không nhập danh mục nào: {}", rows.join("; ")),
    )
}

/// Replaces (or creates) the code list `key` with `entries`, all or nothing, in one
/// transaction with its audit event (province administrators and operators).
pub async fn replace_in(
    store: &Store,
    who: &Principal,
    key: &str,
    name: &str,
    source: &str,
    entries: Vec<CodeEntry>,
) -> AppResult<CodeListRecord> {
    who.require(&[Role::ProvinceAdmin])?;
    let key_ok = key.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && key.len() <= 64;
    if !key_ok || name.trim().is_empty() || motcua_domain::text::forbidden_char(name).is_some() {
        return Err(AppError::invalid(
            "invalid_code_list",
            "Khóa danh mục gồm chữ thường không dấu, số, dấu gạch dưới; danh mục phải có tên.",
        ));
    }
    let numbered = entries
        .into_iter()
        .enumerate()
        .map(|(i, e)| (i + 1, e))
        .collect();
    let entries = checked(numbered).map_err(refused)?;
    let list = CodeListRecord {
        key: key.to_owned(),
        name: motcua_domain::text::nfc(name.trim()),
        source: source.trim().to_owned(),
        updated_at: crate::now(),
        entries,
    };
    let audit = who.audit(
        "code_list.replaced",
        format!("code_list:{key}"),
        serde_json::json!({ "entries": list.entries.len(), "source": list.source }),
    );
    store.replace_code_list(&list, audit).await?;
    Ok(list)
}

/// [`replace_in`] under a running application, whose cached lists it then forgets.
pub async fn replace(
    app: &App,
    who: &Principal,
    key: &str,
    name: &str,
    source: &str,
    entries: Vec<CodeEntry>,
) -> AppResult<CodeListRecord> {
    let list = replace_in(&app.store, who, key, name, source, entries).await?;
    app.forms.forget_lists();
    Ok(list)
}

/// A CSV file imported as the code list `key` (see [`read_csv`]).
pub async fn import_csv(
    store: &Store,
    who: &Principal,
    key: &str,
    name: &str,
    source: &str,
    bytes: &[u8],
) -> AppResult<CodeListRecord> {
    who.require(&[Role::ProvinceAdmin])?;
    let entries = read_csv(bytes).map_err(refused)?;
    replace_in(store, who, key, name, source, entries).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_reads_whole_or_names_each_bad_row() {
        let good = read_csv("code,name\n02,Tày\n01,Kinh\n".as_bytes()).unwrap();
        let codes: Vec<&str> = good.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["01", "02"]);
        let bad = "code,name,valid_from\n01,Kinh,2025-13-01\n01,Kinh lặp,\n,Không mã,\n03,Thái,\n";
        let rows: Vec<usize> = read_csv(bad.as_bytes())
            .unwrap_err()
            .iter()
            .map(|p| p.row)
            .collect();
        assert_eq!(rows, [2, 3, 4]);
        assert!(read_csv(b"ma,ten\n01,Kinh\n").is_err());
        assert!(read_csv(b"code,name\n").is_err());
    }
}
