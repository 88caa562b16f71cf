//! Agencies (cơ quan, đơn vị) and their electronic identifiers.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An agency's electronic identifier (mã định danh điện tử).
///
/// Two layouts are in use (DOMAIN.md §3), and both are accepted:
/// - QCVN 102:2016 `V1V2V3.Z1Z2.Y1Y2.MX1X2`, e.g. `000.00.00.H37`;
/// - the 2025 layout `MX1X2.Y1Y2Y3.Z1Z2`, e.g. `H37.001.05`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct AgencyCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("mã định danh cơ quan không hợp lệ: {0:?} (dạng 000.00.00.H37 hoặc H37.001.05)")]
pub struct InvalidAgencyCode(pub String);

impl InvalidAgencyCode {
    pub fn code(&self) -> &'static str {
        "invalid_agency_code"
    }
}

impl AgencyCode {
    pub fn parse(raw: &str) -> Result<Self, InvalidAgencyCode> {
        let code = raw.trim().to_ascii_uppercase();
        let parts: Vec<&str> = code.split('.').collect();
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        let level_one =
            |s: &str| s.len() == 3 && s.as_bytes()[0].is_ascii_uppercase() && digits(&s[1..], 2);
        let valid = match parts.as_slice() {
            [v, z, y, m] => digits(v, 3) && digits(z, 2) && digits(y, 2) && level_one(m),
            [m, y, z] => level_one(m) && digits(y, 3) && digits(z, 2),
            _ => false,
        };
        if valid {
            Ok(AgencyCode(code))
        } else {
            Err(InvalidAgencyCode(raw.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for AgencyCode {
    type Err = InvalidAgencyCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AgencyCode::parse(s)
    }
}

impl<'de> Deserialize<'de> for AgencyCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        AgencyCode::parse(&raw).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for AgencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    /// Ủy ban nhân dân tỉnh.
    ProvincialCommittee,
    /// Sở, ban, ngành.
    Department,
    /// Trung tâm phục vụ hành chính công.
    ServiceCentre,
    /// Ủy ban nhân dân xã, phường, đặc khu.
    CommuneCommittee,
    Other,
}

impl AgencyKind {
    pub const ALL: [AgencyKind; 5] = [
        AgencyKind::ProvincialCommittee,
        AgencyKind::Department,
        AgencyKind::ServiceCentre,
        AgencyKind::CommuneCommittee,
        AgencyKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::ProvincialCommittee => "provincial_committee",
            AgencyKind::Department => "department",
            AgencyKind::ServiceCentre => "service_centre",
            AgencyKind::CommuneCommittee => "commune_committee",
            AgencyKind::Other => "other",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            AgencyKind::ProvincialCommittee => "UBND cấp tỉnh",
            AgencyKind::Department => "Sở, ban, ngành",
            AgencyKind::ServiceCentre => "Trung tâm phục vụ hành chính công",
            AgencyKind::CommuneCommittee => "UBND cấp xã",
            AgencyKind::Other => "Cơ quan khác",
        }
    }
}

impl FromStr for AgencyKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AgencyKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("loại cơ quan không hợp lệ: {s}"))
    }
}

/// A body that receives or handles dossiers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Agency {
    pub code: AgencyCode,
    pub name: String,
    pub kind: AgencyKind,
    /// The administrative unit it serves (province or commune code).
    pub unit_code: String,
    pub parent_code: Option<AgencyCode>,
    /// First day the agency works; None: since before our records.
    pub valid_from: Option<NaiveDate>,
    /// Last day the agency works (inclusive); None: still working.
    pub valid_to: Option<NaiveDate>,
    /// The agency that took over its work when it was abolished (set by the transition).
    pub successor_code: Option<AgencyCode>,
}

impl Agency {
    /// A working agency with no end date.
    pub fn new(
        code: AgencyCode,
        name: impl Into<String>,
        kind: AgencyKind,
        unit_code: impl Into<String>,
        parent_code: Option<AgencyCode>,
    ) -> Agency {
        Agency {
            code,
            name: name.into(),
            kind,
            unit_code: unit_code.into(),
            parent_code,
            valid_from: None,
            valid_to: None,
            successor_code: None,
        }
    }

    pub fn is_valid_at(&self, date: NaiveDate) -> bool {
        self.valid_from.is_none_or(|from| from <= date) && self.valid_to.is_none_or(|to| date <= to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_both_layouts_and_normalises_case() {
        assert_eq!(
            AgencyCode::parse("000.00.00.H37").unwrap().as_str(),
            "000.00.00.H37"
        );
        assert_eq!(
            AgencyCode::parse(" 000.12.31.h37 ").unwrap().as_str(),
            "000.12.31.H37"
        );
        assert_eq!(
            AgencyCode::parse("H37.001.05").unwrap().as_str(),
            "H37.001.05"
        );
    }

    #[test]
    fn rejects_malformed_identifiers() {
        for bad in [
            "",
            "H37",
            "000.00.00",
            "000.00.00.37",
            "00.00.00.H37",
            "000.0A.00.H37",
            "000.00.00.H371",
            "37H.001.05",
            "H37.01.05",
            "000-00-00-H37",
        ] {
            assert!(AgencyCode::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn deserialising_validates() {
        let ok: AgencyCode = serde_json::from_str("\"000.00.00.H37\"").unwrap();
        assert_eq!(ok.as_str(), "000.00.00.H37");
        assert!(serde_json::from_str::<AgencyCode>("\"nope\"").is_err());
    }
}
