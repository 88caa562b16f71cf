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
    pub name: String,
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
    fn unit_codes_have_two_three_or_five_digits() {
        for ok in ["20", "178", "05977"] {
            assert!(is_valid_unit_code(ok));
        }
        for bad in ["2", "2000", "0597a", "123456", ""] {
            assert!(!is_valid_unit_code(bad));
        }
    }
}
