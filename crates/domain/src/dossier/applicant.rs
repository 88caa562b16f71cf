//! The applicant of a dossier: a person (with a 12-digit citizen ID) or a business
//! (with a tax code), how to reach them, and what the public lookup may show of them.

use super::identity::{CitizenId, PhoneNumber, TaxCode};
use crate::notice::NoticeChannel;
use serde::{Deserialize, Serialize};

pub const NAME_MAX: usize = 200;
pub const EMAIL_MAX: usize = 254;
pub const ADDRESS_MAX: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    Person,
    Business,
}

impl ApplicantKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicantKind::Person => "person",
            ApplicantKind::Business => "business",
        }
    }

    pub fn parse(s: &str) -> Option<ApplicantKind> {
        match s {
            "person" => Some(ApplicantKind::Person),
            "business" => Some(ApplicantKind::Business),
            _ => None,
        }
    }
}

/// Who applies. A person carries a citizen ID; a business a tax code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    pub kind: ApplicantKind,
    pub name: String,
    #[serde(default)]
    pub citizen_id: Option<CitizenId>,
    #[serde(default)]
    pub tax_code: Option<TaxCode>,
    #[serde(default)]
    pub phone: Option<PhoneNumber>,
    #[serde(default)]
    pub email: Option<String>,
    /// The commune-level unit of the address (statistics code).
    #[serde(default)]
    pub address_unit: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    /// The channels the applicant chose to hear about the dossier on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notify: Vec<NoticeChannel>,
    /// The facts an identity provider vouched for when the dossier was submitted (the
    /// applicant signed in with their electronic identity and could not edit them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<crate::verified::VerifiedFacts>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplicantError {
    #[error("phải có họ tên (hoặc tên tổ chức), tối đa {NAME_MAX} ký tự")]
    Name,
    #[error("người nộp là cá nhân phải có số định danh cá nhân 12 chữ số")]
    CitizenIdRequired,
    #[error("người nộp là tổ chức, doanh nghiệp phải có mã số thuế")]
    TaxCodeRequired,
    #[error("địa chỉ thư điện tử không hợp lệ")]
    Email,
    #[error("địa chỉ quá dài (tối đa {ADDRESS_MAX} ký tự)")]
    Address,
    #[error("phải có số điện thoại hoặc số định danh để tra cứu hồ sơ")]
    NoCheck,
    #[error("muốn nhận tin qua thư điện tử thì phải có địa chỉ thư điện tử")]
    NoticeWithoutEmail,
    #[error("muốn nhận tin qua SMS hoặc Zalo thì phải có số điện thoại")]
    NoticeWithoutPhone,
}

impl ApplicantError {
    pub fn code(&self) -> &'static str {
        match self {
            ApplicantError::Name => "invalid_applicant_name",
            ApplicantError::CitizenIdRequired => "citizen_id_required",
            ApplicantError::TaxCodeRequired => "tax_code_required",
            ApplicantError::Email => "invalid_email",
            ApplicantError::Address => "invalid_address",
            ApplicantError::NoCheck => "no_check_digits",
            ApplicantError::NoticeWithoutEmail => "notice_without_email",
            ApplicantError::NoticeWithoutPhone => "notice_without_phone",
        }
    }
}

impl Applicant {
    /// Trims the text fields and checks the rules for the kind of applicant.
    pub fn validated(mut self) -> Result<Applicant, ApplicantError> {
        self.name = self.name.split_whitespace().collect::<Vec<_>>().join(" ");
        if self.name.is_empty() || self.name.chars().count() > NAME_MAX {
            return Err(ApplicantError::Name);
        }
        match self.kind {
            ApplicantKind::Person if self.citizen_id.is_none() => {
                return Err(ApplicantError::CitizenIdRequired);
            }
            ApplicantKind::Business if self.tax_code.is_none() => {
                return Err(ApplicantError::TaxCodeRequired);
            }
            _ => {}
        }
        let trim = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        self.email = trim(self.email);
        self.address = trim(self.address);
        self.address_unit = trim(self.address_unit);
        if let Some(email) = &self.email
            && !plausible_email(email)
        {
            return Err(ApplicantError::Email);
        }
        if self
            .address
            .as_ref()
            .is_some_and(|a| a.chars().count() > ADDRESS_MAX)
        {
            return Err(ApplicantError::Address);
        }
        if self.check_values().is_empty() {
            return Err(ApplicantError::NoCheck);
        }
        self.notify.sort();
        self.notify.dedup();
        if self.notify.contains(&NoticeChannel::Email) && self.email.is_none() {
            return Err(ApplicantError::NoticeWithoutEmail);
        }
        if self.notify.iter().any(|c| c.needs_phone()) && self.phone.is_none() {
            return Err(ApplicantError::NoticeWithoutPhone);
        }
        Ok(self)
    }

    /// The four-digit values the public lookup accepts: the last four digits of the
    /// phone number, the citizen ID or the tax code.
    pub fn check_values(&self) -> Vec<String> {
        let last4 = |s: &str| {
            let digits: String = s.chars().filter(char::is_ascii_digit).collect();
            (digits.len() >= 4).then(|| digits[digits.len() - 4..].to_owned())
        };
        [
            self.phone.as_ref().map(|p| p.as_str().to_owned()),
            self.citizen_id.as_ref().map(|c| c.as_str().to_owned()),
            self.tax_code.as_ref().map(|t| t.as_str().to_owned()),
        ]
        .into_iter()
        .flatten()
        .filter_map(|v| last4(&v))
        .collect()
    }

    /// Whether `check` (what the person typed) matches one of [`Applicant::check_values`].
    pub fn matches_check(&self, check: &str) -> bool {
        let check = check.trim();
        check.len() == 4
            && check.bytes().all(|b| b.is_ascii_digit())
            && self.check_values().iter().any(|v| v == check)
    }

    /// What a public page may show: initials for a person, the name for a business,
    /// and masked numbers.
    pub fn masked(&self) -> MaskedApplicant {
        MaskedApplicant {
            kind: self.kind,
            name: match self.kind {
                ApplicantKind::Person => mask_name(&self.name),
                ApplicantKind::Business => self.name.clone(),
            },
            citizen_id: self.citizen_id.as_ref().map(CitizenId::masked),
            phone: self.phone.as_ref().map(PhoneNumber::masked),
        }
    }
}

/// "Nguyễn Văn An" → "N. V. An": the given name stays, the rest become initials.
/// An e-mail address as far as a form can tell: one `@`, a dotted host, no spaces.
pub fn plausible_email(email: &str) -> bool {
    email.len() <= EMAIL_MAX
        && !email.contains(char::is_whitespace)
        && email
            .split_once('@')
            .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'))
}

pub fn mask_name(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    match words.split_last() {
        None => String::new(),
        Some((given, rest)) => {
            let mut out: Vec<String> = rest
                .iter()
                .filter_map(|w| w.chars().next().map(|c| format!("{c}.")))
                .collect();
            out.push((*given).to_owned());
            out.join(" ")
        }
    }
}

/// The applicant as the public lookup shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MaskedApplicant {
    pub kind: ApplicantKind,
    pub name: String,
    pub citizen_id: Option<String>,
    pub phone: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person() -> Applicant {
        Applicant {
            kind: ApplicantKind::Person,
            name: "  Nguyễn   Văn An ".into(),
            citizen_id: Some(CitizenId::parse("020095001234").unwrap()),
            tax_code: None,
            phone: Some(PhoneNumber::parse("0912345678").unwrap()),
            email: Some(" an@example.vn ".into()),
            address_unit: None,
            address: None,
            notify: Vec::new(),
            verified: None,
        }
    }

    #[test]
    fn applicants_validate_and_mask() {
        let a = person().validated().unwrap();
        assert_eq!(a.name, "Nguyễn Văn An");
        assert_eq!(a.email.as_deref(), Some("an@example.vn"));
        assert!(a.matches_check("5678") && a.matches_check("1234"));
        assert!(!a.matches_check("0000") && !a.matches_check("12345"));
        let m = a.masked();
        assert_eq!(m.name, "N. V. An");
        assert_eq!(m.citizen_id.as_deref(), Some("********1234"));
        assert_eq!(m.phone.as_deref(), Some("091****678"));
        let mut no_id = person();
        no_id.citizen_id = None;
        assert_eq!(
            no_id.validated().unwrap_err(),
            ApplicantError::CitizenIdRequired
        );
        let mut business = person();
        business.kind = ApplicantKind::Business;
        assert_eq!(
            business.clone().validated().unwrap_err(),
            ApplicantError::TaxCodeRequired
        );
        business.tax_code = Some(TaxCode::parse("0100109106").unwrap());
        assert!(business.validated().unwrap().matches_check("9106"));
        let mut bad_mail = person();
        bad_mail.email = Some("nope".into());
        assert_eq!(bad_mail.validated().unwrap_err().code(), "invalid_email");
    }
}
