//! The registers of units, successions and agencies, read from a file's bytes into rows,
//! each bad row a problem with its place.
//!
//! Formats:
//! - units: the thanglequoc JSON (`full_json_generated_data_vn_units*.json`), the dvhcvn
//!   pre-2025 JSON (`dvhcvn.json`, three tiers), or a CSV with the columns
//!   `code,name,kind,parent_code` and optionally `full_name`;
//! - successions: dvhcvn's `merges.json`, or a CSV `old_code,new_code,link[,legal_basis]`;
//! - agencies: a CSV `code,name,kind,unit_code,parent_code[,valid_from,valid_to]`.
//!
//! A file's name only tells CSV (`.csv`) from JSON; everything else is read from its bytes.
//! The rows are not checked against each other or the store here: see
//! `motcua_domain::import` for that.

use chrono::NaiveDate;
use motcua_domain::import::{AgencyEntry, ImportProblem, ImportSource, Sourced};
use motcua_domain::unit::{SuccessionLink, UnitEntry, UnitKind, UnitSuccession};
use serde::Deserialize;
use serde_json::Value;

/// A file's rows, or the problems that kept them from being read.
pub struct Parsed<T> {
    pub source: ImportSource,
    pub rows: Vec<Sourced<T>>,
    pub problems: Vec<ImportProblem>,
}

impl<T> Parsed<T> {
    fn of(name: &str, bytes: &[u8]) -> Parsed<T> {
        Parsed {
            source: ImportSource::of(name, bytes),
            rows: vec![],
            problems: vec![],
        }
    }
}

/// What is wrong with the file as a whole, told once with what to do, before any row is read:
/// a spreadsheet where text was expected, another encoding than UTF-8, a CSV separated by `;`.
fn whole_file_problem(bytes: &[u8], csv: bool) -> Option<ImportProblem> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Some(whole_file(
            "tệp là bảng tính Excel (xlsx); hãy lưu thành CSV (UTF-8) hoặc dùng tệp JSON",
        ));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            return Some(whole_file(format!(
                "tệp không phải UTF-8 (byte {} không đọc được; có thể là Windows-1258 hoặc \
                 TCVN3): hãy lưu lại với bảng mã UTF-8",
                e.valid_up_to()
            )));
        }
    };
    let header = text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or_default();
    if csv && header.contains(';') && !header.contains(',') {
        return Some(whole_file(
            "tệp CSV ngăn cột bằng dấu chấm phẩy (;): hãy lưu lại với dấu phẩy (,)",
        ));
    }
    None
}

fn is_csv(name: &str) -> bool {
    std::path::Path::new(name)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
}

fn whole_file(reason: impl Into<String>) -> ImportProblem {
    ImportProblem::new("tệp", "", reason)
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).map(str::trim)
}

/// Reads a unit list in any of the supported formats from the bytes of the file `name`.
pub fn parse_units(name: &str, bytes: &[u8]) -> Parsed<UnitEntry> {
    let mut parsed = Parsed::of(name, bytes);
    if let Some(problem) = whole_file_problem(bytes, is_csv(name)) {
        parsed.problems.push(problem);
        return parsed;
    }
    if is_csv(name) {
        units_from_csv(bytes, &mut parsed);
        return parsed;
    }
    let json: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            parsed.problems.push(whole_file(format!(
                "không phải JSON hợp lệ (dòng {}, cột {}): {e}",
                e.line(),
                e.column()
            )));
            return parsed;
        }
    };
    match &json {
        Value::Array(provinces) => units_from_thanglequoc(provinces, &mut parsed),
        Value::Object(o) if o.get("data").is_some_and(Value::is_array) => {
            units_from_dvhcvn(&json["data"], &mut parsed)
        }
        _ => parsed.problems.push(whole_file(
            "định dạng JSON không nhận ra: cần danh sách tỉnh (thanglequoc) hoặc {data:[…]} (dvhcvn)",
        )),
    }
    parsed
}

fn units_from_thanglequoc(provinces: &[Value], parsed: &mut Parsed<UnitEntry>) {
    let kind_of = |v: &Value| match v.get("AdministrativeUnitId").and_then(Value::as_i64) {
        Some(1) => Ok(UnitKind::CentralCity),
        Some(2) => Ok(UnitKind::Province),
        Some(3) => Ok(UnitKind::Ward),
        Some(4) => Ok(UnitKind::Commune),
        Some(5) => Ok(UnitKind::SpecialZone),
        other => Err(format!("AdministrativeUnitId không hợp lệ: {other:?}")),
    };
    let mut push = |path: String, v: &Value, parent: Option<String>| {
        let code = text(v, "Code").unwrap_or_default().to_owned();
        let (Some(name), Some(full_name)) = (text(v, "Name"), text(v, "FullName")) else {
            parsed
                .problems
                .push(ImportProblem::new(path, code, "thiếu Name hoặc FullName"));
            return;
        };
        match kind_of(v) {
            Ok(kind) => parsed.rows.push(Sourced::new(
                path,
                UnitEntry {
                    code,
                    name: name.to_owned(),
                    full_name: full_name.to_owned(),
                    kind,
                    parent_code: parent,
                },
            )),
            Err(reason) => parsed.problems.push(ImportProblem::new(path, code, reason)),
        }
    };
    for (i, p) in provinces.iter().enumerate() {
        push(format!("[{i}]"), p, None);
        let province = text(p, "Code").unwrap_or_default().to_owned();
        for (j, w) in p
            .get("Wards")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let parent = text(w, "ProvinceCode").map_or_else(|| province.clone(), str::to_owned);
            push(format!("[{i}].Wards[{j}]"), w, Some(parent));
        }
    }
}

fn dvhcvn_kind(level: usize, label: &str) -> Option<UnitKind> {
    Some(match (level, label) {
        (1, "Tỉnh") => UnitKind::Province,
        (1, "Thành phố Trung ương") => UnitKind::CentralCity,
        (2, "Huyện" | "Thành phố" | "Thị xã" | "Quận") => UnitKind::District,
        (3, "Xã") => UnitKind::Commune,
        (3, "Phường") => UnitKind::Ward,
        (3, "Thị trấn") => UnitKind::Township,
        (3, "Đặc khu") => UnitKind::SpecialZone,
        _ => return None,
    })
}

fn units_from_dvhcvn(data: &Value, parsed: &mut Parsed<UnitEntry>) {
    fn walk(
        parsed: &mut Parsed<UnitEntry>,
        items: &Value,
        level: usize,
        path: &str,
        parent: Option<&str>,
    ) {
        let key = format!("level{level}_id");
        let children = format!("level{}s", level + 1);
        for (i, v) in items
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let here = format!("{path}[{i}]");
            let code = text(v, &key).unwrap_or_default().to_owned();
            let label = text(v, "type").unwrap_or_default();
            let (Some(full_name), Some(kind)) = (text(v, "name"), dvhcvn_kind(level, label)) else {
                parsed.problems.push(ImportProblem::new(
                    here,
                    code,
                    format!("thiếu tên hoặc loại đơn vị không hợp lệ: {label:?}"),
                ));
                continue;
            };
            parsed.rows.push(Sourced::new(
                here.clone(),
                UnitEntry {
                    code: code.clone(),
                    name: kind.short_name(full_name),
                    full_name: full_name.to_owned(),
                    kind,
                    parent_code: parent.map(str::to_owned),
                },
            ));
            if level < 3 {
                walk(
                    parsed,
                    &v[&children],
                    level + 1,
                    &format!("{here}.{children}"),
                    Some(&code),
                );
            }
        }
    }
    walk(parsed, data, 1, "data", None);
}

#[derive(Deserialize)]
struct UnitCsvRow {
    code: String,
    name: String,
    kind: String,
    #[serde(default)]
    parent_code: Option<String>,
    #[serde(default)]
    full_name: Option<String>,
}

fn csv_reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(bytes)
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

/// Each record of a CSV file as (`dòng N`, row), or a problem for the row.
fn csv_rows<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    problems: &mut Vec<ImportProblem>,
) -> Vec<(String, T)> {
    // Names and codes are one line of plain text: a control or bidirectional character, or a
    // line break inside a quoted cell, refuses the row (it would be stored as it is).
    let mut raw = csv_reader(bytes);
    let headers = raw.headers().cloned().unwrap_or_default();
    let mut refused = std::collections::BTreeSet::new();
    for record in raw.records().filter_map(Result::ok) {
        let line = record.position().map_or(0, |p| p.line());
        for (i, cell) in record.iter().enumerate() {
            let column = headers.get(i).unwrap_or("?");
            let reason = if let Err(e) = motcua_domain::text::check_text(column, cell) {
                e.to_string()
            } else if cell.contains(['\n', '\r']) {
                format!("Trường {column} xuống dòng giữa ô: tên và mã phải trên một dòng.")
            } else {
                continue;
            };
            problems.push(ImportProblem::new(format!("dòng {line}"), "", reason));
            refused.insert(line);
            break;
        }
    }
    let mut reader = csv_reader(bytes);
    let mut rows = Vec::new();
    for result in reader.deserialize::<T>() {
        match result {
            Ok(row) => rows.push(row),
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                let reason = match e.kind() {
                    csv::ErrorKind::Deserialize { err, .. } => {
                        format!("không đọc được dòng: {err}")
                    }
                    _ => format!("tệp CSV lỗi: {e}"),
                };
                problems.push(ImportProblem::new(format!("dòng {line}"), "", reason));
                continue;
            }
        }
    }
    // Line numbers of the records that were read: the deserializer does not return them.
    let mut positions = csv_reader(bytes);
    let lines: Vec<u64> = positions
        .records()
        .filter_map(Result::ok)
        .map(|r| r.position().map_or(0, |p| p.line()))
        .collect();
    let mut lines = lines.into_iter();
    rows.into_iter()
        .map(|row| (lines.next().unwrap_or(0), row))
        .filter(|(line, _)| !refused.contains(line))
        .map(|(line, row)| (format!("dòng {line}"), row))
        .collect()
}

fn units_from_csv(bytes: &[u8], parsed: &mut Parsed<UnitEntry>) {
    for (source, row) in csv_rows::<UnitCsvRow>(bytes, &mut parsed.problems) {
        let kind = match row.kind.parse::<UnitKind>() {
            Ok(k) => k,
            Err(reason) => {
                parsed
                    .problems
                    .push(ImportProblem::new(source, row.code, reason));
                continue;
            }
        };
        let (name, full_name) = match non_empty(row.full_name) {
            Some(full) => (row.name, full),
            // Without a full name, `name` may be either form ("Phường Đông Kinh" or "Đông Kinh").
            None => (kind.short_name(&row.name), kind.full_name(&row.name)),
        };
        parsed.rows.push(Sourced::new(
            source,
            UnitEntry {
                code: row.code,
                name,
                full_name,
                kind,
                parent_code: non_empty(row.parent_code),
            },
        ));
    }
}

/// Reads successions (dvhcvn `merges.json` or CSV) that take effect on `effective`, from the
/// bytes of the file `name`.
pub fn parse_successions(
    name: &str,
    bytes: &[u8],
    effective: NaiveDate,
    legal_basis: Option<&str>,
) -> Parsed<UnitSuccession> {
    let default_basis = legal_basis
        .map(str::to_owned)
        .unwrap_or_else(|| format!("theo tệp {name}"));
    let mut parsed = Parsed::of(name, bytes);
    if let Some(problem) = whole_file_problem(bytes, is_csv(name)) {
        parsed.problems.push(problem);
        return parsed;
    }
    let link_of = |s: &str| s.parse::<SuccessionLink>();
    if is_csv(name) {
        #[derive(Deserialize)]
        struct Row {
            old_code: String,
            new_code: String,
            link: String,
            #[serde(default)]
            legal_basis: Option<String>,
            #[serde(default)]
            effective: Option<NaiveDate>,
        }
        for (src, row) in csv_rows::<Row>(bytes, &mut parsed.problems) {
            match link_of(&row.link) {
                Ok(link) => parsed.rows.push(Sourced::new(
                    src,
                    UnitSuccession {
                        old_code: row.old_code,
                        new_code: row.new_code,
                        link,
                        effective: row.effective.unwrap_or(effective),
                        legal_basis: non_empty(row.legal_basis)
                            .unwrap_or_else(|| default_basis.clone()),
                    },
                )),
                Err(reason) => parsed
                    .problems
                    .push(ImportProblem::new(src, row.old_code, reason)),
            }
        }
        return parsed;
    }
    let json: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            parsed.problems.push(whole_file(format!(
                "không phải JSON hợp lệ (dòng {}, cột {}): {e}",
                e.line(),
                e.column()
            )));
            return parsed;
        }
    };
    let Some(data) = json.get("data").and_then(Value::as_array) else {
        parsed.problems.push(whole_file(
            "định dạng không nhận ra: cần {data:[…]} như merges.json",
        ));
        return parsed;
    };
    let mut links = |path: String, new_code: &str, merges: &Value| {
        for (k, m) in merges
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let here = format!("{path}.merges[{k}]");
            let old = text(m, "old_id").unwrap_or_default().to_owned();
            match link_of(text(m, "type").unwrap_or_default()) {
                Ok(link) => parsed.rows.push(Sourced::new(
                    here,
                    UnitSuccession {
                        old_code: old,
                        new_code: new_code.to_owned(),
                        link,
                        effective,
                        legal_basis: default_basis.clone(),
                    },
                )),
                Err(reason) => parsed.problems.push(ImportProblem::new(here, old, reason)),
            }
        }
    };
    for (i, p) in data.iter().enumerate() {
        let code = text(p, "level1_id").unwrap_or_default();
        links(format!("data[{i}]"), code, &p["merges"]);
        for (j, c) in p["level2s"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let code = text(c, "level2_id").unwrap_or_default();
            links(format!("data[{i}].level2s[{j}]"), code, &c["merges"]);
        }
    }
    parsed
}

/// Reads agencies from the bytes of the CSV file `name`.
pub fn parse_agencies(name: &str, bytes: &[u8]) -> Parsed<AgencyEntry> {
    let mut parsed = Parsed::of(name, bytes);
    if let Some(problem) = whole_file_problem(bytes, is_csv(name)) {
        parsed.problems.push(problem);
        return parsed;
    }
    #[derive(Deserialize)]
    struct Row {
        code: String,
        name: String,
        kind: String,
        unit_code: String,
        #[serde(default)]
        parent_code: Option<String>,
        #[serde(default)]
        valid_from: Option<NaiveDate>,
        #[serde(default)]
        valid_to: Option<NaiveDate>,
    }
    for (src, row) in csv_rows::<Row>(bytes, &mut parsed.problems) {
        parsed.rows.push(Sourced::new(
            src,
            AgencyEntry {
                code: row.code,
                name: row.name,
                kind: row.kind,
                unit_code: row.unit_code,
                parent_code: non_empty(row.parent_code),
                valid_from: row.valid_from,
                valid_to: row.valid_to,
            },
        ));
    }
    parsed
}
