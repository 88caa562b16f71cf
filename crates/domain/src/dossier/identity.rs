//! Identifiers a dossier carries: its national code, and the applicant's citizen ID,
//! tax code and phone number, with masking for pages that do not need them in full.

use crate::agency::AgencyCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("mã hồ sơ không hợp lệ: {0:?} (dạng <mã cơ quan>-YYMMDD-NNNN)")]
    DossierCode(String),
    #[error("số định danh cá nhân phải gồm đúng 12 chữ số, bắt đầu bằng mã tỉnh hợp lệ")]
    CitizenId,
    #[error(
        "mã số thuế không hợp lệ (10 chữ số có số kiểm tra, có thể kèm -NNN, hoặc số định danh 12 chữ số)"
    )]
    TaxCode,
    #[error("số điện thoại không hợp lệ (10 chữ số bắt đầu bằng 0, hoặc +84)")]
    Phone,
}

impl IdentityError {
    pub fn code(&self) -> &'static str {
        match self {
            IdentityError::DossierCode(_) => "invalid_dossier_code",
            IdentityError::CitizenId => "invalid_citizen_id",
            IdentityError::TaxCode => "invalid_tax_code",
            IdentityError::Phone => "invalid_phone",
        }
    }
}

/// The national dossier code (Circular 01/2018/TT-VPCP Art. 19):
/// `<receiving agency>-YYMMDD-NNNN`, the sequence per agency and day, at least 4 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DossierCode(String);

impl TryFrom<String> for DossierCode {
    type Error = IdentityError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        DossierCode::parse(&value)
    }
}

impl From<DossierCode> for String {
    fn from(code: DossierCode) -> String {
        code.0
    }
}

impl DossierCode {
    pub fn new(agency: &AgencyCode, received_on: NaiveDate, sequence: u32) -> DossierCode {
        DossierCode(format!(
            "{}-{}-{:04}",
            agency,
            received_on.format("%y%m%d"),
            sequence
        ))
    }

    /// Parses a code; the agency part may use either identifier layout. Codes of nationally
    /// centralised services (Circular 04/2025) may be longer, so only the shape is checked.
    pub fn parse(raw: &str) -> Result<DossierCode, IdentityError> {
        let code = raw.trim().to_ascii_uppercase();
        let mut parts = code.rsplitn(3, '-');
        let (Some(seq), Some(date), Some(agency)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(IdentityError::DossierCode(raw.to_owned()));
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let date_ok =
            date.len() == 6 && digits(date) && NaiveDate::parse_from_str(date, "%y%m%d").is_ok();
        if seq.len() >= 4 && digits(seq) && date_ok && AgencyCode::parse(agency).is_ok() {
            Ok(DossierCode(code))
        } else {
            Err(IdentityError::DossierCode(raw.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The receiving agency's identifier.
    pub fn agency_part(&self) -> &str {
        self.0.rsplitn(3, '-').nth(2).unwrap_or_default()
    }
}

impl fmt::Display for DossierCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Province codes that open a 12-digit personal identification number (the place of birth
/// registration, as numbered before the 2025 mergers).
const ID_PROVINCE_CODES: [u16; 63] = [
    1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37,
    38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77,
    79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
];

/// A 12-digit personal identification number (số định danh cá nhân, on the citizen ID card).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CitizenId(String);

impl CitizenId {
    /// Spaces between the digits are dropped on purpose (people copy the number in groups,
    /// "020 095 001 234"); any other character, a tab or a line break, is refused.
    pub fn parse(raw: &str) -> Result<CitizenId, IdentityError> {
        let id: String = raw.trim().chars().filter(|&c| c != ' ').collect();
        if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdentityError::CitizenId);
        }
        let province: u16 = id[..3].parse().map_err(|_| IdentityError::CitizenId)?;
        if !ID_PROVINCE_CODES.contains(&province) {
            return Err(IdentityError::CitizenId);
        }
        Ok(CitizenId(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last four digits, which the public lookup asks for.
    pub fn last4(&self) -> &str {
        &self.0[8..]
    }

    /// `********9012`: enough to recognise, not enough to misuse.
    pub fn masked(&self) -> String {
        format!("********{}", self.last4())
    }
}

impl TryFrom<String> for CitizenId {
    type Error = IdentityError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        CitizenId::parse(&value)
    }
}

impl From<CitizenId> for String {
    fn from(id: CitizenId) -> String {
        id.0
    }
}

/// Never print the full number by accident.
impl fmt::Debug for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CitizenId({})", self.masked())
    }
}

/// An enterprise tax code: 10 digits whose last is a check digit, optionally `-NNN` for a
/// branch; since 7/2025 a person's 12-digit identification number also serves as tax code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TaxCode(String);

const TAX_WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];

impl TaxCode {
    pub fn parse(raw: &str) -> Result<TaxCode, IdentityError> {
        let code = raw.trim();
        let (main, branch) = code
            .split_once('-')
            .map_or((code, None), |(m, b)| (m, Some(b)));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        // A branch is 001 to 999 (Circular 105/2020/TT-BTC, art. 5): `-000` names none.
        if let Some(branch) = branch
            && (branch.len() != 3 || !digits(branch) || branch == "000")
        {
            return Err(IdentityError::TaxCode);
        }
        if main.len() == 12 && branch.is_none() {
            return CitizenId::parse(main)
                .map(|_| TaxCode(main.to_owned()))
                .map_err(|_| IdentityError::TaxCode);
        }
        if main.len() != 10 || !digits(main) {
            return Err(IdentityError::TaxCode);
        }
        let d: Vec<u32> = main.bytes().map(|b| u32::from(b - b'0')).collect();
        let sum: u32 = TAX_WEIGHTS.iter().zip(&d).map(|(w, x)| w * x).sum();
        let check = 10 - (sum % 11);
        if check == d[9] {
            Ok(TaxCode(code.to_owned()))
        } else {
            Err(IdentityError::TaxCode)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TaxCode {
    type Error = IdentityError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        TaxCode::parse(&value)
    }
}

impl From<TaxCode> for String {
    fn from(code: TaxCode) -> String {
        code.0
    }
}

/// A Vietnamese phone number, stored as 10 digits starting with 0.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(raw: &str) -> Result<PhoneNumber, IdentityError> {
        let compact: String = raw
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-'))
            .collect();
        let national = match compact.strip_prefix("+84") {
            Some(rest) => format!("0{rest}"),
            None => compact,
        };
        if national.len() == 10
            && national.starts_with('0')
            && national.bytes().all(|b| b.is_ascii_digit())
        {
            Ok(PhoneNumber(national))
        } else {
            Err(IdentityError::Phone)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn last4(&self) -> &str {
        &self.0[6..]
    }

    /// `091****678`.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = IdentityError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        PhoneNumber::parse(&value)
    }
}

impl From<PhoneNumber> for String {
    fn from(phone: PhoneNumber) -> String {
        phone.0
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dossier_codes_follow_the_national_format() {
        let agency = AgencyCode::parse("000.00.01.H37").unwrap();
        let code = DossierCode::new(&agency, NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(), 7);
        assert_eq!(code.as_str(), "000.00.01.H37-250701-0007");
        assert_eq!(DossierCode::parse(code.as_str()).unwrap(), code);
        assert_eq!(code.agency_part(), "000.00.01.H37");
        let long = DossierCode::new(
            &agency,
            NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
            123_456,
        );
        assert_eq!(long.as_str(), "000.00.01.H37-250701-123456");
        assert!(DossierCode::parse("H37.001.05-260101-0001").is_ok());
        for bad in [
            "000.00.01.H37-250701-01",
            "000.00.01.H37-251399-0001",
            "nope-250701-0001",
            "250701-0001",
            "",
        ] {
            assert!(DossierCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn citizen_ids_have_twelve_digits_and_a_real_province() {
        let id = CitizenId::parse("020 095 001 234").unwrap();
        assert_eq!(id.as_str(), "020095001234");
        assert_eq!(id.masked(), "********1234");
        assert_eq!(format!("{id:?}"), "CitizenId(********1234)");
        for bad in [
            "02009500123",
            "0200950012345",
            "02009500123a",
            "003095001234",
            "099095001234",
            "020095\t001234",
            "020095\n001234",
            "020\u{a0}095001234",
        ] {
            assert!(CitizenId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tax_codes_check_their_digit() {
        assert!(TaxCode::parse("0100109106").is_ok());
        assert!(TaxCode::parse("0100109106-001").is_ok());
        assert!(TaxCode::parse("0100109107").is_err(), "wrong check digit");
        assert!(TaxCode::parse("0100109106-01").is_err());
        assert!(TaxCode::parse("0100109106-000").is_err(), "no branch 000");
        assert!(
            TaxCode::parse("020095001234").is_ok(),
            "a personal number serves as tax code"
        );
        assert!(TaxCode::parse("abc").is_err());
    }

    #[test]
    fn phones_normalise_and_mask() {
        let p = PhoneNumber::parse("+84 912 345 678").unwrap();
        assert_eq!(p.as_str(), "0912345678");
        assert_eq!(p.masked(), "091****678");
        assert_eq!(p.last4(), "5678");
        assert!(PhoneNumber::parse("091234567").is_err());
        assert!(PhoneNumber::parse("1912345678").is_err());
    }
}
