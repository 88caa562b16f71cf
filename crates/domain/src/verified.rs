//! Identities verified by an OpenID provider: which claims carry what, and what a sign-in
//! must carry to open a citizen's account (Decree 69/2024 on electronic identification).

use crate::dossier::CitizenId;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The claim names a provider uses for what motcua needs. The national platform's are not
/// fully public, so each is configurable; the defaults are OpenID Connect's standard claims,
/// with `citizen_id` for the 12-digit personal identification number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClaimNames {
    pub citizen_id: String,
    pub full_name: String,
    pub birth_date: String,
    pub phone: String,
    pub email: String,
    pub address: String,
}

impl Default for ClaimNames {
    fn default() -> Self {
        ClaimNames {
            citizen_id: "citizen_id".into(),
            full_name: "name".into(),
            birth_date: "birthdate".into(),
            phone: "phone_number".into(),
            email: "email".into(),
            address: "address".into(),
        }
    }
}

impl ClaimNames {
    /// Overrides from `key=claim` pairs separated by commas, e.g.
    /// `citizen_id=so_dinh_danh,full_name=ho_va_ten`.
    pub fn parse_overrides(raw: &str) -> Result<ClaimNames, ClaimError> {
        let mut names = ClaimNames::default();
        for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, claim) = pair
                .split_once('=')
                .map(|(k, c)| (k.trim(), c.trim()))
                .filter(|(_, c)| !c.is_empty())
                .ok_or_else(|| ClaimError::BadClaimMapping(pair.to_owned()))?;
            let slot = match key {
                "citizen_id" => &mut names.citizen_id,
                "full_name" => &mut names.full_name,
                "birth_date" => &mut names.birth_date,
                "phone" => &mut names.phone,
                "email" => &mut names.email,
                "address" => &mut names.address,
                _ => return Err(ClaimError::BadClaimMapping(pair.to_owned())),
            };
            *slot = claim.to_owned();
        }
        Ok(names)
    }
}

/// What a provider vouched for about the person who signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedIdentity {
    /// The provider's stable identifier of the person (`sub`).
    pub subject: String,
    pub citizen_id: Option<CitizenId>,
    pub full_name: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

/// Which of a dossier's applicant facts came verified from an identity provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedFacts {
    /// The provider's key, e.g. `vneid`.
    pub provider: String,
    /// The applicant's fields it vouched for: `name`, `citizen_id`, `birth_date`, `address`.
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimError {
    #[error("tài khoản định danh điện tử không cho biết số định danh cá nhân hợp lệ")]
    NoCitizenId,
    #[error("tài khoản định danh điện tử không cho biết họ tên")]
    NoName,
    #[error("cách đọc thông tin từ nhà cung cấp định danh không hợp lệ: {0}")]
    BadClaimMapping(String),
}

impl ClaimError {
    pub fn code(&self) -> &'static str {
        match self {
            ClaimError::NoCitizenId => "identity_without_citizen_id",
            ClaimError::NoName => "identity_without_name",
            ClaimError::BadClaimMapping(_) => "bad_claim_mapping",
        }
    }
}

fn text(claims: &Map<String, Value>, name: &str) -> Option<String> {
    let value = claims.get(name)?;
    // An address claim may be OpenID's object with `formatted`.
    let raw = value
        .as_str()
        .or_else(|| value.get("formatted").and_then(Value::as_str))?;
    let trimmed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    (!trimmed.is_empty()).then_some(trimmed)
}

/// Dates come as `YYYY-MM-DD` (OpenID's `birthdate`) or `DD/MM/YYYY` (Vietnamese papers).
fn date(raw: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(raw, "%d/%m/%Y"))
        .ok()
}

impl VerifiedIdentity {
    /// Reads the claims (the ID token's and the user info's, merged) by the provider's names.
    /// Values that do not parse are left out rather than trusted half-way.
    pub fn from_claims(subject: &str, claims: &Map<String, Value>, names: &ClaimNames) -> Self {
        VerifiedIdentity {
            subject: subject.to_owned(),
            citizen_id: text(claims, &names.citizen_id).and_then(|c| CitizenId::parse(&c).ok()),
            full_name: text(claims, &names.full_name),
            birth_date: text(claims, &names.birth_date).and_then(|d| date(&d)),
            phone: text(claims, &names.phone),
            email: text(claims, &names.email),
            address: text(claims, &names.address),
        }
    }

    /// A citizen's account is bound to a verified personal number and carries a name.
    pub fn check_for_citizen(&self) -> Result<(), ClaimError> {
        if self.citizen_id.is_none() {
            return Err(ClaimError::NoCitizenId);
        }
        if self.full_name.is_none() {
            return Err(ClaimError::NoName);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn standard_claims_are_read_and_an_address_object_gives_its_formatted_line() {
        let c = claims(json!({
            "citizen_id": "001090001234", "name": "  Nguyễn   Văn An ",
            "birthdate": "1990-05-17", "phone_number": "0912345678",
            "address": { "formatted": "Số 1, phường Đông Kinh" }
        }));
        let id = VerifiedIdentity::from_claims("s-1", &c, &ClaimNames::default());
        assert_eq!(id.citizen_id.unwrap().as_str(), "001090001234");
        assert_eq!(id.full_name.as_deref(), Some("Nguyễn Văn An"));
        assert_eq!(id.birth_date, NaiveDate::from_ymd_opt(1990, 5, 17));
        assert_eq!(id.address.as_deref(), Some("Số 1, phường Đông Kinh"));
        assert_eq!(id.email, None);
    }

    #[test]
    fn renamed_claims_and_vietnamese_dates_are_read() {
        let names =
            ClaimNames::parse_overrides("citizen_id=so_dinh_danh, birth_date=ngay_sinh").unwrap();
        let c = claims(json!({ "so_dinh_danh": "001090001234", "ngay_sinh": "17/05/1990" }));
        let id = VerifiedIdentity::from_claims("s", &c, &names);
        assert!(id.citizen_id.is_some());
        assert_eq!(id.birth_date, NaiveDate::from_ymd_opt(1990, 5, 17));
    }

    #[test]
    fn a_citizen_needs_a_valid_number_and_a_name() {
        let names = ClaimNames::default();
        let bad = VerifiedIdentity::from_claims(
            "s",
            &claims(json!({ "citizen_id": "12345", "name": "An" })),
            &names,
        );
        assert_eq!(bad.check_for_citizen(), Err(ClaimError::NoCitizenId));
        let nameless = VerifiedIdentity::from_claims(
            "s",
            &claims(json!({ "citizen_id": "001090001234" })),
            &names,
        );
        assert_eq!(nameless.check_for_citizen(), Err(ClaimError::NoName));
    }

    #[test]
    fn unknown_mapping_keys_are_refused() {
        assert!(ClaimNames::parse_overrides("nickname=x").is_err());
        assert!(ClaimNames::parse_overrides("full_name=").is_err());
    }
}
