//! The procedure list the national catalogue publishes for a province, read as a catalogue.
//!
//! Its contract is not public; docs/design/connectors.md lists the field names this adapter
//! expects and which of them come from public descriptions of the national procedures
//! database. Each item becomes a row of the main sheet (the national names renamed to our
//! columns, its Vietnamese values to our codes), and is then read and checked by exactly the
//! rules of a catalogue file, so the import stays all or nothing with every bad item named
//! (by the national field).

use super::{Table, main_table};
use crate::{CSV_JSON_COLUMNS, FileError, Format, MAIN_COLUMNS, Parsed, RowIssue};
use motcua_domain::text::fold;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The sheet name issues carry.
pub const SHEET: &str = "DVCQG";

/// How the national catalogue's items read as ours.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NationalMapping {
    /// National field → our column; added to (and overriding) [`default_fields`].
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// National sector code → ours (`ho_tich`…); a code not listed is kept as it is.
    #[serde(default)]
    pub sectors: BTreeMap<String, String>,
}

/// The national field names this adapter reads, and the column each fills.
pub fn default_fields() -> BTreeMap<String, String> {
    [
        ("MaTTHC", "ma_thu_tuc"),
        ("TenTTHC", "ten_thu_tuc"),
        ("MaLinhVuc", "linh_vuc"),
        ("CapThucHien", "cap_thuc_hien"),
        ("MaCoQuanThucHien", "co_quan_thuc_hien"),
        ("DoiTuongThucHien", "doi_tuong"),
        ("ThoiHanGiaiQuyet", "thoi_han"),
        ("DonViThoiHan", "don_vi_thoi_han"),
        ("CachThucThucHien", "cach_thuc_nop"),
        ("MucDoDVC", "muc_do_truc_tuyen"),
        ("LyDoChuaToanTrinh", "ly_do_chua_toan_trinh"),
        ("TrinhTuThucHien", "trinh_tu"),
        ("CanCuPhapLy", "can_cu_phap_ly"),
        ("HieuLucTu", "hieu_luc_tu"),
        ("HieuLucDen", "hieu_luc_den"),
        ("ThanhPhanHoSo", "thanh_phan_ho_so"),
        ("PhiLePhi", "phi_le_phi"),
        ("KetQuaThucHien", "ket_qua"),
    ]
    .into_iter()
    .map(|(theirs, ours)| (theirs.to_owned(), ours.to_owned()))
    .collect()
}

/// Reads the list: a JSON array, or an object with it under `procedures`, `data` or `items`.
pub fn parse_national(bytes: &[u8], mapping: &NationalMapping) -> Result<Parsed, FileError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| FileError::Unreadable(format!("JSON không đúng cú pháp: {e}")))?;
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut object) => ["procedures", "data", "items"]
            .iter()
            .find_map(|k| match object.remove(*k) {
                Some(Value::Array(items)) => Some(items),
                _ => None,
            })
            .ok_or_else(|| {
                FileError::WrongType(
                    "danh mục của Cổng DVCQG phải là một danh sách (procedures, data hoặc items)"
                        .into(),
                )
            })?,
        _ => return Err(FileError::WrongType("danh mục phải là JSON".into())),
    };
    if items.len() >= super::MAX_ROWS {
        return Err(FileError::TooManyRows(format!(
            "{} thủ tục (tối đa {})",
            items.len(),
            super::MAX_ROWS - 1
        )));
    }
    let mut fields = default_fields();
    fields.extend(mapping.fields.clone());
    let header: Vec<String> = MAIN_COLUMNS
        .iter()
        .map(|c| c.0)
        .chain(CSV_JSON_COLUMNS)
        .map(str::to_owned)
        .collect();
    let mut issues = Vec::new();
    let mut rows = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let row = i + 1;
        let Value::Object(item) = item else {
            issues.push(issue(
                row,
                None,
                "invalid_value",
                "mục không phải đối tượng JSON".into(),
            ));
            continue;
        };
        let mut cells = vec![String::new(); header.len()];
        let mut readable = true;
        for (theirs, value) in item {
            let Some(ours) = fields.get(theirs) else {
                continue;
            };
            let Some(at) = header.iter().position(|h| h == ours) else {
                continue;
            };
            match cell(ours, value, mapping) {
                Ok(text) => cells[at] = text,
                Err((code, message)) => {
                    readable = false;
                    issues.push(issue(row, Some(theirs), code, message));
                }
            }
        }
        // Its problem is said; reading the rest would only say it again.
        if !readable {
            continue;
        }
        let column = |name: &str| header.iter().position(|h| h == name).unwrap_or(0);
        if cells[column("don_vi_thoi_han")].is_empty() {
            cells[column("don_vi_thoi_han")] = "working_days".into();
        }
        // A procedure of the commune tier alone is handled by every commune People's
        // Committee; any other needs its agency's code.
        if cells[column("co_quan_thuc_hien")].is_empty()
            && cells[column("loai_co_quan")].is_empty()
            && cells[column("cap_thuc_hien")] == "commune"
        {
            cells[column("loai_co_quan")] = "commune_committee".into();
        }
        rows.push((row, cells));
    }
    let table = Table {
        sheet: SHEET.into(),
        header,
        rows,
    };
    // Read as CSV rows are, so that the checks name our columns, which map back.
    let mut parsed = main_table(&table, Format::Csv);
    name_national_fields(&mut parsed.issues, mapping);
    issues.extend(std::mem::take(&mut parsed.issues));
    parsed.issues = issues;
    Ok(parsed)
}

/// Problems name the national field, which is what the sender knows, wherever our column
/// comes from one.
pub fn name_national_fields(issues: &mut [RowIssue], mapping: &NationalMapping) {
    let mut fields = default_fields();
    fields.extend(mapping.fields.clone());
    for issue in issues {
        if let Some(column) = &issue.column
            && let Some((theirs, _)) = fields.iter().find(|(_, ours)| *ours == column)
        {
            issue.column = Some(theirs.clone());
        }
    }
}

fn issue(row: usize, column: Option<&str>, code: &'static str, message: String) -> RowIssue {
    RowIssue {
        sheet: SHEET.into(),
        row,
        column: column.map(str::to_owned),
        code,
        message,
    }
}

type CellError = (&'static str, String);

fn text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A list given as a JSON array or as text separated by `;` or `,`.
fn items(value: &Value) -> Vec<String> {
    match value {
        Value::Array(list) => list.iter().map(text).collect(),
        other => text(other)
            .split([';', ','])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    }
}

/// The national value as our column's text.
fn cell(ours: &str, value: &Value, mapping: &NationalMapping) -> Result<String, CellError> {
    let codes = |read: fn(&str) -> Option<&'static str>| -> Result<String, CellError> {
        let mut out: Vec<&str> = Vec::new();
        for item in items(value) {
            match read(&fold(&item)) {
                Some(code) if !out.contains(&code) => out.push(code),
                Some(_) => {}
                None => return Err(("invalid_value", format!("giá trị không nhận ra: {item:?}"))),
            }
        }
        Ok(out.join("; "))
    };
    match ours {
        "cap_thuc_hien" => {
            if items(value).iter().any(|l| fold(l).contains("huyen")) {
                return Err((
                    "district_level_abolished",
                    "cấp huyện không còn từ 01/7/2025: thủ tục phải do cấp tỉnh hoặc cấp xã thực hiện"
                        .into(),
                ));
            }
            codes(|l| match l {
                l if l.contains("tinh") || l == "province" => Some("province"),
                l if l.contains("xa") || l.contains("phuong") || l == "commune" => Some("commune"),
                _ => None,
            })
        }
        "doi_tuong" => codes(|a| match a {
            a if a.contains("doanh nghiep")
                || a.contains("to chuc")
                || a.contains("hop tac xa") =>
            {
                Some("business")
            }
            a if a.contains("cong dan") || a.contains("ca nhan") || a.contains("nguoi") => {
                Some("citizen")
            }
            "citizen" => Some("citizen"),
            "business" => Some("business"),
            _ => None,
        }),
        "cach_thuc_nop" => codes(|c| match c {
            c if c.contains("truc tiep") || c == "in_person" => Some("in_person"),
            c if c.contains("truc tuyen") || c == "online" => Some("online"),
            c if c.contains("buu chinh") || c == "postal" => Some("postal"),
            _ => None,
        }),
        "muc_do_truc_tuyen" => {
            let level = fold(&text(value));
            Ok(match level.as_str() {
                l if l.contains("toan trinh") || l == "full" => "full",
                l if l.contains("mot phan") || l == "partial" => "partial",
                l if l.contains("khong") || l == "none" => "none",
                _ => return Err(("invalid_value", format!("mức độ không nhận ra: {level:?}"))),
            }
            .into())
        }
        "don_vi_thoi_han" => {
            let unit = fold(&text(value));
            Ok(if unit.contains("gio") || unit == "working_hours" {
                "working_hours".into()
            } else {
                "working_days".into()
            })
        }
        "thoi_han" => Ok(text(value).trim().trim_start_matches('0').to_owned())
            .map(|n| if n.is_empty() { "0".into() } else { n }),
        "linh_vuc" => {
            let code = text(value).trim().to_owned();
            Ok(mapping.sectors.get(&code).cloned().unwrap_or(code))
        }
        "can_cu_phap_ly" => Ok(match value {
            Value::Array(list) => list.iter().map(text).collect::<Vec<_>>().join("\n"),
            other => text(other),
        }),
        "thanh_phan_ho_so" => list_of(value, |d| {
            json!({
                "name": text(&d["TenGiayTo"]),
                "originals": count(&d["SoBanChinh"]),
                "copies": count(&d["SoBanSao"]),
                "form_template": Some(text(&d["MauDon"])).filter(|m| !m.is_empty()),
            })
        }),
        "phi_le_phi" => list_of(value, |f| {
            json!({
                "name": text(&f["TenPhiLePhi"]),
                "amount_vnd": text(&f["MucPhi"]).chars().filter(char::is_ascii_digit).collect::<String>().parse::<i64>().unwrap_or(0),
            })
        }),
        "ket_qua" => list_of(value, |r| {
            let electronic = fold(&text(&r["HinhThuc"])).contains("dien tu");
            json!({
                "name": text(&r["TenKetQua"]),
                "form": if electronic { "electronic" } else { "paper" },
                "retention": "permanent",
            })
        }),
        _ => Ok(text(value)),
    }
}

fn count(value: &Value) -> u32 {
    text(value).trim().parse().unwrap_or(0)
}

/// A list of objects as the JSON array our column holds.
fn list_of(value: &Value, each: impl Fn(&Value) -> Value) -> Result<String, CellError> {
    match value {
        Value::Null => Ok(String::new()),
        Value::Array(list) => Ok(Value::Array(list.iter().map(each).collect()).to_string()),
        _ => Err(("invalid_value", "phải là một danh sách".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> Value {
        json!({
            "MaTTHC": "1.001193",
            "TenTTHC": "Đăng ký khai sinh",
            "MaLinhVuc": "G09-HT",
            "CapThucHien": "Cấp Xã",
            "DoiTuongThucHien": "Công dân Việt Nam; Người nước ngoài",
            "ThoiHanGiaiQuyet": "01",
            "CachThucThucHien": ["Trực tiếp", "Trực tuyến", "Dịch vụ bưu chính"],
            "MucDoDVC": "Toàn trình",
            "LoaiCoQuan": "ignored: not mapped",
            "CanCuPhapLy": ["Luật Hộ tịch 2014", "Nghị định 123/2015/NĐ-CP"],
            "ThanhPhanHoSo": [{"TenGiayTo": "Tờ khai đăng ký khai sinh", "SoBanChinh": 1, "MauDon": "Mẫu số 01"}],
            "PhiLePhi": [{"TenPhiLePhi": "Lệ phí", "MucPhi": "0"}],
            "KetQuaThucHien": [{"TenKetQua": "Giấy khai sinh", "HinhThuc": "Bản điện tử"}]
        })
    }

    fn mapping() -> NationalMapping {
        NationalMapping {
            fields: BTreeMap::new(),
            sectors: BTreeMap::from([("G09-HT".into(), "ho_tich".into())]),
        }
    }

    #[test]
    fn national_items_read_as_catalogue_entries() {
        let body = json!({ "data": [item()] }).to_string();
        let parsed = parse_national(body.as_bytes(), &mapping()).unwrap();
        assert!(parsed.issues.is_empty(), "{:?}", parsed.issues);
        let p = &parsed.rows[0].entry.procedure;
        assert_eq!(p.code.as_str(), "1.001193");
        assert_eq!(p.sector, "ho_tich");
        assert_eq!(p.processing_time.value, 1);
        assert_eq!(p.channels.len(), 3);
        assert_eq!(p.applicants, [motcua_domain::procedure::Applicant::Citizen]);
        assert_eq!(p.legal_bases.len(), 2);
        assert_eq!(p.documents[0].form_template.as_deref(), Some("Mẫu số 01"));
        assert_eq!(
            p.results[0].form,
            motcua_domain::procedure::ResultForm::Electronic
        );
    }

    #[test]
    fn bad_items_are_named_by_their_national_field() {
        let mut district = item();
        district["CapThucHien"] = json!("Cấp Huyện");
        let mut unreadable = item();
        unreadable["MucDoDVC"] = json!("Mức 9");
        let mut timeless = item();
        timeless["ThoiHanGiaiQuyet"] = json!("ba ngày");
        let body = json!([item(), district, unreadable, timeless, 7]).to_string();
        let parsed = parse_national(body.as_bytes(), &mapping()).unwrap();
        let named: Vec<(usize, Option<&str>, &str)> = parsed
            .issues
            .iter()
            .map(|i| (i.row, i.column.as_deref(), i.code))
            .collect();
        assert!(
            named.contains(&(2, Some("CapThucHien"), "district_level_abolished")),
            "{named:?}"
        );
        assert!(
            named.contains(&(3, Some("MucDoDVC"), "invalid_value")),
            "{named:?}"
        );
        assert!(
            named.contains(&(4, Some("ThoiHanGiaiQuyet"), "invalid_value")),
            "{named:?}"
        );
        assert!(named.contains(&(5, None, "invalid_value")), "{named:?}");
        assert_eq!(named.len(), 4, "each problem once: {named:?}");
        assert_eq!(parsed.rows.len(), 1, "only the good item is read");
        assert!(parse_national(b"{\"x\": 1}", &mapping()).is_err());
    }
}
