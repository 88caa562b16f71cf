//! Administrative units (đơn vị hành chính) and their validity in time.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// Tỉnh.
    Province,
    /// Thành phố trực thuộc trung ương.
    CentralCity,
    /// Huyện, quận, thị xã, thành phố thuộc tỉnh: abolished on 1/7/2025, kept for history.
    District,
    /// Xã.
    Commune,
    /// Phường.
    Ward,
    /// Thị trấn: a commune-level kind that ended with the district tier.
    Township,
    /// Đặc khu (island special zone).
    SpecialZone,
}

impl UnitKind {
    pub const ALL: [UnitKind; 7] = [
        UnitKind::Province,
        UnitKind::CentralCity,
        UnitKind::District,
        UnitKind::Commune,
        UnitKind::Ward,
        UnitKind::Township,
        UnitKind::SpecialZone,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Province => "province",
            UnitKind::CentralCity => "central_city",
            UnitKind::District => "district",
            UnitKind::Commune => "commune",
            UnitKind::Ward => "ward",
            UnitKind::Township => "township",
            UnitKind::SpecialZone => "special_zone",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            UnitKind::Province => "Tỉnh",
            UnitKind::CentralCity => "Thành phố trực thuộc trung ương",
            UnitKind::District => "Cấp huyện (trước 1/7/2025)",
            UnitKind::Commune => "Xã",
            UnitKind::Ward => "Phường",
            UnitKind::Township => "Thị trấn",
            UnitKind::SpecialZone => "Đặc khu",
        }
    }

    /// Province level: the upper of the two tiers.
    pub fn is_province_level(self) -> bool {
        matches!(self, UnitKind::Province | UnitKind::CentralCity)
    }

    /// Commune level: the lower tier (and its historical township kind).
    pub fn is_commune_level(self) -> bool {
        matches!(
            self,
            UnitKind::Commune | UnitKind::Ward | UnitKind::Township | UnitKind::SpecialZone
        )
    }

    /// How many digits a statistics code of this kind has.
    pub fn code_len(self) -> usize {
        if self.is_province_level() {
            2
        } else if self == UnitKind::District {
            3
        } else {
            5
        }
    }

    /// Whether a unit of this kind may sit under a unit of `parent` kind
    /// (None: at the top). Communes sit under a province, or under a district before 2025.
    pub fn may_have_parent(self, parent: Option<UnitKind>) -> bool {
        match parent {
            None => self.is_province_level(),
            Some(p) if p.is_province_level() => !self.is_province_level(),
            Some(UnitKind::District) => self.is_commune_level(),
            Some(_) => false,
        }
    }

    /// The word a full name starts with, e.g. "Phường" in "Phường Đông Kinh".
    pub fn name_prefixes(self) -> &'static [&'static str] {
        match self {
            UnitKind::Province => &["Tỉnh"],
            UnitKind::CentralCity => &["Thành phố"],
            UnitKind::District => &["Thành phố", "Thị xã", "Huyện", "Quận"],
            UnitKind::Commune => &["Xã"],
            UnitKind::Ward => &["Phường"],
            UnitKind::Township => &["Thị trấn"],
            UnitKind::SpecialZone => &["Đặc khu"],
        }
    }

    /// The short name inside a full name: "Phường Đông Kinh" → "Đông Kinh".
    /// A name without a known kind word is returned as it is.
    pub fn short_name(self, full_name: &str) -> String {
        let full = full_name.trim();
        for prefix in self.name_prefixes() {
            if let Some(rest) = strip_prefix_ignoring_case(full, prefix) {
                let rest = rest.trim_start();
                if !rest.is_empty() && rest.len() < full.len() {
                    return rest.to_owned();
                }
            }
        }
        full.to_owned()
    }

    /// A full name from a short one: "Đông Kinh" → "Phường Đông Kinh".
    pub fn full_name(self, short_name: &str) -> String {
        let short = short_name.trim();
        if self.short_name(short) != short {
            return short.to_owned();
        }
        format!("{} {short}", self.name_prefixes()[0])
    }
}

fn strip_prefix_ignoring_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let mut rest = text;
    for expected in prefix.chars() {
        let mut chars = rest.chars();
        let c = chars.next()?;
        if !c.to_lowercase().eq(expected.to_lowercase()) {
            return None;
        }
        rest = chars.as_str();
    }
    rest.starts_with(char::is_whitespace).then_some(rest)
}

impl FromStr for UnitKind {
    type Err = String;
    /// Accepts our English names and the Vietnamese ones used in data files.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let kind = match s.trim() {
            "province" | "tinh" => UnitKind::Province,
            "central_city" | "thanh_pho_tw" => UnitKind::CentralCity,
            "district" | "huyen" => UnitKind::District,
            "commune" | "xa" => UnitKind::Commune,
            "ward" | "phuong" => UnitKind::Ward,
            "township" | "thi_tran" => UnitKind::Township,
            "special_zone" | "dac_khu" => UnitKind::SpecialZone,
            other => return Err(format!("loại đơn vị hành chính không hợp lệ: {other}")),
        };
        Ok(kind)
    }
}

/// A unit's life: from `valid_from` to `valid_to`, both inclusive; open-ended when `valid_to` is None.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validity {
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

impl Validity {
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && self.valid_to.is_none_or(|to| date <= to)
    }
}

/// A statistics code: 2 digits for a province, 3 for a district, 5 for a commune.
pub fn is_valid_unit_code(code: &str) -> bool {
    matches!(code.len(), 2 | 3 | 5) && code.bytes().all(|b| b.is_ascii_digit())
}

/// One administrative unit over one validity interval. Codes are reused across the
/// reform (05977 was Phường Vĩnh Trại, then Phường Đông Kinh), so a unit is a code at a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdminUnit {
    pub code: String,
    /// The short name, e.g. "Đông Kinh".
    pub name: String,
    /// The name with its kind word, e.g. "Phường Đông Kinh".
    pub full_name: String,
    pub kind: UnitKind,
    pub parent_code: Option<String>,
    #[serde(flatten)]
    pub validity: Validity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuccessionLink {
    /// The whole old unit went into the new one.
    Full,
    /// Only part of the old unit went into the new one.
    Partial,
}

impl SuccessionLink {
    pub fn as_str(self) -> &'static str {
        match self {
            SuccessionLink::Full => "full",
            SuccessionLink::Partial => "partial",
        }
    }
}

impl FromStr for SuccessionLink {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "full" => Ok(SuccessionLink::Full),
            "partial" => Ok(SuccessionLink::Partial),
            other => Err(format!("kiểu kế thừa không hợp lệ: {other}")),
        }
    }
}

impl AdminUnit {
    /// Whether this interval says the same as `other`: same kind and parent, and names
    /// that differ at most in tone-mark placement or case.
    pub fn same_facts(&self, other: &UnitEntry) -> bool {
        self.kind == other.kind
            && self.parent_code == other.parent_code
            && crate::text::same_spelling(&self.name, &other.name)
            && crate::text::same_spelling(&self.full_name, &other.full_name)
    }
}

/// One row of a unit list being imported: a unit without its validity, which the
/// import's effective date supplies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitEntry {
    pub code: String,
    pub name: String,
    pub full_name: String,
    pub kind: UnitKind,
    pub parent_code: Option<String>,
}

impl UnitEntry {
    pub fn valid_from(&self, date: NaiveDate) -> AdminUnit {
        AdminUnit {
            code: self.code.clone(),
            name: self.name.clone(),
            full_name: self.full_name.clone(),
            kind: self.kind,
            parent_code: self.parent_code.clone(),
            validity: Validity {
                valid_from: date,
                valid_to: None,
            },
        }
    }

    /// Whether the texts differ although [`AdminUnit::same_facts`] holds.
    pub fn respells(&self, unit: &AdminUnit) -> bool {
        self.name != unit.name || self.full_name != unit.full_name
    }
}

/// An old unit's link to a unit that succeeded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitSuccession {
    pub old_code: String,
    pub new_code: String,
    pub link: SuccessionLink,
    pub effective: NaiveDate,
    pub legal_basis: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn validity_is_inclusive_at_both_ends() {
        let v = Validity {
            valid_from: d(2008, 1, 1),
            valid_to: Some(d(2025, 6, 30)),
        };
        assert!(v.contains(d(2008, 1, 1)));
        assert!(v.contains(d(2025, 6, 30)));
        assert!(!v.contains(d(2025, 7, 1)));
        assert!(!v.contains(d(2007, 12, 31)));
        let open = Validity {
            valid_from: d(2025, 7, 1),
            valid_to: None,
        };
        assert!(open.contains(d(2100, 1, 1)));
    }

    #[test]
    fn kinds_parse_from_english_and_vietnamese_names() {
        for kind in UnitKind::ALL {
            assert_eq!(kind.as_str().parse::<UnitKind>().unwrap(), kind);
        }
        assert_eq!("phuong".parse::<UnitKind>().unwrap(), UnitKind::Ward);
        assert_eq!("thi_tran".parse::<UnitKind>().unwrap(), UnitKind::Township);
        assert!("huyện".parse::<UnitKind>().is_err());
    }

    #[test]
    fn names_split_into_kind_word_and_short_name() {
        assert_eq!(UnitKind::Ward.short_name("Phường Đông Kinh"), "Đông Kinh");
        assert_eq!(UnitKind::Commune.short_name("xã Bắc Sơn"), "Bắc Sơn");
        assert_eq!(
            UnitKind::District.short_name("Thành phố Lạng Sơn"),
            "Lạng Sơn"
        );
        assert_eq!(
            UnitKind::Township.short_name("Thị trấn Thất Khê"),
            "Thất Khê"
        );
        assert_eq!(UnitKind::Commune.short_name("Xã"), "Xã");
        assert_eq!(UnitKind::Commune.short_name("Xãi Lý"), "Xãi Lý");
        assert_eq!(UnitKind::Ward.full_name("Đông Kinh"), "Phường Đông Kinh");
        assert_eq!(
            UnitKind::Ward.full_name("Phường Đông Kinh"),
            "Phường Đông Kinh"
        );
        assert!(UnitKind::Commune.may_have_parent(Some(UnitKind::District)));
        assert!(UnitKind::Ward.may_have_parent(Some(UnitKind::CentralCity)));
        assert!(!UnitKind::District.may_have_parent(Some(UnitKind::District)));
        assert!(!UnitKind::Commune.may_have_parent(None));
        assert!(UnitKind::Province.may_have_parent(None));
    }

    #[test]
    fn unit_codes_have_two_three_or_five_digits() {
        for ok in ["20", "178", "05977"] {
            assert!(is_valid_unit_code(ok));
        }
        for bad in ["2", "2000", "0597a", "123456", ""] {
            assert!(!is_valid_unit_code(bad));
        }
    }
}
