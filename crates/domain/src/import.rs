//! Rules for importing lists (units, successions, agencies): every bad row is named,
//! and a list with any bad row is refused whole.

use crate::agency::AgencyCode;
use crate::unit::{UnitEntry, UnitKind, UnitSuccession, is_valid_unit_code};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::fmt;

/// A value together with where it was read: a file row (`dòng 12`) or a JSON path
/// (`data[19].level2s[3]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sourced<T> {
    pub source: String,
    pub value: T,
}

impl<T> Sourced<T> {
    pub fn new(source: impl Into<String>, value: T) -> Sourced<T> {
        Sourced {
            source: source.into(),
            value,
        }
    }
}

/// The file an import read, recorded with the run: its name and the SHA-256 of its bytes.
#[derive(Debug, Clone)]
pub struct ImportSource {
    pub name: String,
    pub sha256: String,
}

impl ImportSource {
    /// The source for a file's bytes, hashed here so every importer names a file alike.
    pub fn of(name: impl Into<String>, bytes: &[u8]) -> ImportSource {
        use sha2::{Digest, Sha256};
        ImportSource {
            name: name.into(),
            sha256: hex::encode(Sha256::digest(bytes)),
        }
    }
}

/// One bad row: where, which code, and why (in Vietnamese).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportProblem {
    pub source: String,
    pub code: String,
    pub reason: String,
}

impl ImportProblem {
    pub fn new(
        source: impl Into<String>,
        code: impl Into<String>,
        reason: impl Into<String>,
    ) -> ImportProblem {
        ImportProblem {
            source: source.into(),
            code: code.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.code.is_empty() {
            write!(f, "{}: {}", self.source, self.reason)
        } else {
            write!(f, "{} (mã {}): {}", self.source, self.code, self.reason)
        }
    }
}

/// Checks a unit list on its own: codes, kinds, names, duplicates and parents.
/// A parent must be in the list, or be `outside_parent` (the unit the list is scoped
/// to, which the store checks exists).
pub fn check_unit_list(
    entries: &[Sourced<UnitEntry>],
    outside_parent: Option<(&str, UnitKind)>,
) -> Vec<ImportProblem> {
    let mut problems = Vec::new();
    let mut first_seen: HashMap<&str, &str> = HashMap::new();
    let mut kinds: HashMap<&str, UnitKind> = HashMap::new();
    for Sourced { source, value: u } in entries {
        if let Some(first) = first_seen.get(u.code.as_str()) {
            problems.push(ImportProblem::new(
                source,
                &u.code,
                format!("mã trùng với {first}"),
            ));
            continue;
        }
        first_seen.insert(&u.code, source);
        kinds.insert(&u.code, u.kind);
    }
    for Sourced { source, value: u } in entries {
        let mut bad = |reason: String| problems.push(ImportProblem::new(source, &u.code, reason));
        if !is_valid_unit_code(&u.code) || u.code.len() != u.kind.code_len() {
            bad(format!(
                "mã không hợp lệ: {} phải có {} chữ số",
                u.kind.label_vi(),
                u.kind.code_len()
            ));
        }
        if u.name.trim().is_empty() || u.full_name.trim().is_empty() {
            bad("thiếu tên đơn vị".into());
        }
        let parent_kind = match u.parent_code.as_deref() {
            None => None,
            Some(p) => match (kinds.get(p), outside_parent) {
                (Some(kind), _) => Some(*kind),
                (None, Some((root, kind))) if root == p => Some(kind),
                (None, _) => {
                    bad(format!("đơn vị cấp trên {p} không có trong danh sách"));
                    continue;
                }
            },
        };
        if u.parent_code.as_deref() == Some(u.code.as_str()) {
            bad("đơn vị không thể là cấp trên của chính nó".into());
        } else if !u.kind.may_have_parent(parent_kind) {
            bad(match (parent_kind, &u.parent_code) {
                (None, _) => format!("{} phải có đơn vị cấp trên", u.kind.label_vi()),
                (Some(k), Some(p)) => format!(
                    "{} không thể trực thuộc {} ({p})",
                    u.kind.label_vi(),
                    k.label_vi()
                ),
                (Some(_), None) => unreachable!("a parent kind needs a parent"),
            });
        }
    }
    problems
}

/// Checks a succession list on its own: code formats and repeated links.
pub fn check_succession_list(entries: &[Sourced<UnitSuccession>]) -> Vec<ImportProblem> {
    let mut problems = Vec::new();
    let mut seen: HashMap<(&str, &str), &str> = HashMap::new();
    for Sourced { source, value: s } in entries {
        for code in [&s.old_code, &s.new_code] {
            if !is_valid_unit_code(code) {
                problems.push(ImportProblem::new(
                    source,
                    code,
                    "mã đơn vị hành chính không hợp lệ",
                ));
            }
        }
        let key = (s.old_code.as_str(), s.new_code.as_str());
        if let Some(first) = seen.get(&key) {
            problems.push(ImportProblem::new(
                source,
                format!("{}→{}", s.old_code, s.new_code),
                format!("liên kết trùng với {first}"),
            ));
        } else {
            seen.insert(key, source);
        }
    }
    problems
}

/// A unit code in a succession file read as another (`--recode OLD=NEW`): for sources that
/// name a unit by a different code than the unit lists (merges.json's 06970 for 06978).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recode {
    pub old: String,
    pub new: String,
}

impl std::str::FromStr for Recode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (old, new) = s
            .split_once('=')
            .map(|(o, n)| (o.trim(), n.trim()))
            .ok_or_else(|| format!("đổi mã phải có dạng CŨ=MỚI: {s}"))?;
        for code in [old, new] {
            if !is_valid_unit_code(code) {
                return Err(format!(
                    "mã đơn vị hành chính không hợp lệ trong {s}: {code:?} (2, 3 hoặc 5 chữ số)"
                ));
            }
        }
        if old.len() != new.len() {
            return Err(format!(
                "hai mã trong {s} không cùng cấp (số chữ số khác nhau)"
            ));
        }
        if old == new {
            return Err(format!("mã cũ và mã mới trùng nhau: {s}"));
        }
        Ok(Recode {
            old: old.to_owned(),
            new: new.to_owned(),
        })
    }
}

/// Reads every successor code `old` in `entries` as `new`, and returns how many links
/// each recode touched, in order. Only successors: a file's old codes are those of the
/// old list, where the same code may be another unit (06970 was Thị trấn Ba Chẽ, 23737
/// Xã Ia Mơ Nông). A repeated or chained `old`, or one that touches nothing (a typo must
/// not pass silently), is a problem and nothing is changed.
pub fn apply_recodes(
    entries: &mut [Sourced<UnitSuccession>],
    recodes: &[Recode],
) -> Result<Vec<usize>, Vec<ImportProblem>> {
    let place = |r: &Recode| ImportProblem::new("--recode", format!("{}={}", r.old, r.new), "");
    let mut problems = Vec::new();
    let mut by_old: HashMap<&str, usize> = HashMap::new();
    for (i, r) in recodes.iter().enumerate() {
        if by_old.insert(&r.old, i).is_some() {
            problems.push(ImportProblem {
                reason: format!("mã cũ {} được đổi hơn một lần", r.old),
                ..place(r)
            });
        }
    }
    for r in recodes {
        if by_old.contains_key(r.new.as_str()) {
            problems.push(ImportProblem {
                reason: format!("mã mới {} lại được đổi tiếp (đổi mã nối tiếp)", r.new),
                ..place(r)
            });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut touched = vec![0; recodes.len()];
    let mut recoded = Vec::new();
    for (at, Sourced { value: s, .. }) in entries.iter().enumerate() {
        if let Some(&i) = by_old.get(s.new_code.as_str()) {
            touched[i] += 1;
            recoded.push((at, i));
        }
    }
    for (r, &n) in recodes.iter().zip(&touched) {
        if n == 0 {
            problems.push(ImportProblem {
                reason: format!("không liên kết nào trong tệp có mã {}", r.old),
                ..place(r)
            });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    for (at, i) in recoded {
        entries[at].value.new_code = recodes[i].new.clone();
    }
    Ok(touched)
}

/// An agency row being imported, before its identifier is validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyEntry {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub unit_code: String,
    pub parent_code: Option<String>,
    pub valid_from: Option<chrono::NaiveDate>,
    pub valid_to: Option<chrono::NaiveDate>,
}

impl AgencyEntry {
    /// The agency, once [`check_agency_list`] found nothing wrong with the row.
    pub fn to_agency(&self) -> Option<crate::agency::Agency> {
        Some(crate::agency::Agency {
            code: AgencyCode::parse(&self.code).ok()?,
            name: self.name.trim().to_owned(),
            kind: self.kind.parse().ok()?,
            unit_code: self.unit_code.clone(),
            parent_code: match &self.parent_code {
                Some(p) => Some(AgencyCode::parse(p).ok()?),
                None => None,
            },
            valid_from: self.valid_from,
            valid_to: self.valid_to,
            successor_code: None,
        })
    }
}

/// Checks agency identifiers, kinds, duplicates and parents within the list (a parent
/// not in the list must already exist, which `known_parent` answers).
pub fn check_agency_list(
    entries: &[Sourced<AgencyEntry>],
    known_parent: impl Fn(&str) -> bool,
) -> Vec<ImportProblem> {
    let mut problems = Vec::new();
    let mut codes = HashSet::new();
    for Sourced { source, value: a } in entries {
        let mut bad = |reason: String| problems.push(ImportProblem::new(source, &a.code, reason));
        match AgencyCode::parse(&a.code) {
            Ok(code) => {
                if !codes.insert(code.to_string()) {
                    bad("mã định danh cơ quan bị trùng".into());
                }
            }
            Err(e) => bad(e.to_string()),
        }
        if a.name.trim().is_empty() {
            bad("thiếu tên cơ quan".into());
        }
        if let Err(e) = a.kind.parse::<crate::agency::AgencyKind>() {
            bad(e);
        }
        if !is_valid_unit_code(&a.unit_code) {
            bad(format!(
                "mã đơn vị hành chính không hợp lệ: {}",
                a.unit_code
            ));
        }
        if let Some(p) = &a.parent_code
            && let Err(e) = AgencyCode::parse(p)
        {
            bad(format!("cơ quan cấp trên: {e}"));
        }
        if let (Some(from), Some(to)) = (a.valid_from, a.valid_to)
            && to < from
        {
            bad("ngày kết thúc trước ngày bắt đầu".into());
        }
    }
    for Sourced { source, value: a } in entries {
        if let Some(Ok(p)) = a.parent_code.as_deref().map(AgencyCode::parse)
            && !codes.contains(p.as_str())
            && !known_parent(p.as_str())
        {
            problems.push(ImportProblem::new(
                source,
                &a.code,
                format!("cơ quan cấp trên {p} không tồn tại"),
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(code: &str, kind: UnitKind, parent: Option<&str>) -> Sourced<UnitEntry> {
        Sourced::new(
            format!("dòng {code}"),
            UnitEntry {
                code: code.into(),
                name: "Tên".into(),
                full_name: "Tên đầy đủ".into(),
                kind,
                parent_code: parent.map(Into::into),
            },
        )
    }

    #[test]
    fn a_good_list_has_no_problems() {
        let list = [
            entry("20", UnitKind::Province, None),
            entry("178", UnitKind::District, Some("20")),
            entry("05977", UnitKind::Ward, Some("178")),
            entry("06040", UnitKind::Commune, Some("20")),
        ];
        assert_eq!(check_unit_list(&list, None), []);
    }

    #[test]
    fn each_bad_row_is_named() {
        let list = [
            entry("20", UnitKind::Province, None),
            entry("20", UnitKind::Province, None),
            entry("0597", UnitKind::Ward, Some("20")),
            entry("06040", UnitKind::Commune, Some("99")),
            entry("06043", UnitKind::Commune, None),
            entry("21", UnitKind::Province, Some("20")),
        ];
        let problems = check_unit_list(&list, None);
        let named: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.code.as_str(), p.reason.as_str()))
            .collect();
        assert_eq!(problems.len(), 5, "{named:?}");
        assert!(problems[0].reason.contains("trùng"));
        assert!(
            named
                .iter()
                .any(|(c, r)| *c == "0597" && r.contains("5 chữ số"))
        );
        assert!(named.iter().any(|(c, r)| *c == "06040" && r.contains("99")));
        assert!(named.iter().any(|(c, _)| *c == "06043"));
        assert!(named.iter().any(|(c, _)| *c == "21"));
    }

    #[test]
    fn a_scoped_list_may_name_its_root_as_parent() {
        let list = [entry("06040", UnitKind::Commune, Some("20"))];
        assert_eq!(check_unit_list(&list, Some(("20", UnitKind::Province))), []);
        assert_eq!(check_unit_list(&list, None).len(), 1);
    }

    #[test]
    fn agency_rows_need_valid_identifiers_and_known_parents() {
        let row = |code: &str, parent: Option<&str>| {
            Sourced::new(
                format!("dòng {code}"),
                AgencyEntry {
                    code: code.into(),
                    name: "UBND".into(),
                    kind: "commune_committee".into(),
                    unit_code: "06040".into(),
                    parent_code: parent.map(Into::into),
                    valid_from: None,
                    valid_to: None,
                },
            )
        };
        let list = [
            row("000.00.00.H37", None),
            row("000.01.40.H37", Some("000.00.00.H37")),
            row("H37.001.05", Some("000.00.09.H37")),
            row("nope", None),
        ];
        let problems = check_agency_list(&list, |_| false);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].code, "nope");
        assert!(problems[1].reason.contains("000.00.09.H37"));
    }

    fn link(old: &str, new: &str) -> Sourced<UnitSuccession> {
        Sourced::new(
            format!("{old}→{new}"),
            UnitSuccession {
                old_code: old.into(),
                new_code: new.into(),
                link: crate::unit::SuccessionLink::Full,
                effective: chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
                legal_basis: "NQ".into(),
            },
        )
    }

    #[test]
    fn recodes_are_two_different_codes_of_one_tier() {
        let ok: Recode = " 06970 = 06978 ".parse().unwrap();
        assert_eq!((ok.old.as_str(), ok.new.as_str()), ("06970", "06978"));
        for (bad, says) in [
            ("06970", "CŨ=MỚI"),
            ("0697=06978", "\"0697\""),
            ("06970=0697a", "\"0697a\""),
            ("=06978", "\"\""),
            ("06970=069", "không cùng cấp"),
            ("06978=06978", "trùng nhau"),
        ] {
            let err = bad.parse::<Recode>().unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn recodes_rewrite_successors_and_count_links_or_change_nothing() {
        let r = |s: &str| s.parse::<Recode>().unwrap();
        let list = vec![
            link("06985", "06970"),
            link("06970", "06970"),
            link("23737", "24000"),
            link("23938", "23737"),
        ];
        let mut entries = list.clone();
        let counts = apply_recodes(&mut entries, &[r("06970=06978"), r("23737=23938")]).unwrap();
        assert_eq!(counts, [2, 1]);
        // 06970 and 23737 as old units are other units, and stay.
        let codes: Vec<(&str, &str)> = entries
            .iter()
            .map(|e| (e.value.old_code.as_str(), e.value.new_code.as_str()))
            .collect();
        assert_eq!(
            codes,
            [
                ("06985", "06978"),
                ("06970", "06978"),
                ("23737", "24000"),
                ("23938", "23938")
            ]
        );
        for (recodes, says) in [
            (vec![r("06970=06978"), r("11111=22222")], "11111"),
            (vec![r("06970=06978"), r("06970=06979")], "hơn một lần"),
            (vec![r("06970=06978"), r("06978=06979")], "nối tiếp"),
        ] {
            let mut entries = list.clone();
            let problems = apply_recodes(&mut entries, &recodes).unwrap_err();
            assert!(
                problems.len() == 1 && problems[0].reason.contains(says),
                "{problems:?}"
            );
            assert_eq!(problems[0].source, "--recode");
            assert_eq!(
                entries, list,
                "nothing is recoded when any recode is refused"
            );
        }
    }
}
