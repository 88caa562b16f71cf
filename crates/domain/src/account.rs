//! User accounts: roles, usernames and the password policy.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a user may do. Agency-bound roles act only within their agency's scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Citizen,
    Receiver,
    Specialist,
    Leader,
    UnitAdmin,
    ProvinceAdmin,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Citizen,
        Role::Receiver,
        Role::Specialist,
        Role::Leader,
        Role::UnitAdmin,
        Role::ProvinceAdmin,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Citizen => "citizen",
            Role::Receiver => "receiver",
            Role::Specialist => "specialist",
            Role::Leader => "leader",
            Role::UnitAdmin => "unit_admin",
            Role::ProvinceAdmin => "province_admin",
            Role::Auditor => "auditor",
        }
    }

    /// The Vietnamese label shown on pages.
    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Citizen => "Công dân, tổ chức",
            Role::Receiver => "Cán bộ một cửa",
            Role::Specialist => "Chuyên viên",
            Role::Leader => "Lãnh đạo",
            Role::UnitAdmin => "Quản trị đơn vị",
            Role::ProvinceAdmin => "Quản trị cấp tỉnh",
            Role::Auditor => "Thanh tra, kiểm tra",
        }
    }

    /// Officers and unit administrators work for one agency; the others do not need one.
    pub fn requires_agency(self) -> bool {
        matches!(
            self,
            Role::Receiver | Role::Specialist | Role::Leader | Role::UnitAdmin
        )
    }

    /// Citizens act for themselves; every other role is staff of the province.
    pub fn is_staff(self) -> bool {
        self != Role::Citizen
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("vai trò không hợp lệ: {0}")]
    UnknownRole(String),
    #[error(
        "tên đăng nhập phải dài 3–64 ký tự, gồm chữ thường không dấu, số, dấu chấm, gạch ngang hoặc gạch dưới"
    )]
    InvalidUsername,
    #[error("mật khẩu phải dài ít nhất {min} ký tự")]
    PasswordTooShort { min: usize },
    #[error("mật khẩu dài quá {max} ký tự")]
    PasswordTooLong { max: usize },
    #[error("vai trò {0} phải gắn với một cơ quan")]
    AgencyRequired(Role),
    #[error("vai trò {0} không gắn với cơ quan nào; bỏ --agency")]
    AgencyNotAllowed(Role),
}

impl AccountError {
    /// Stable machine code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            AccountError::UnknownRole(_) => "unknown_role",
            AccountError::InvalidUsername => "invalid_username",
            AccountError::PasswordTooShort { .. } => "password_too_short",
            AccountError::PasswordTooLong { .. } => "password_too_long",
            AccountError::AgencyRequired(_) => "agency_required",
            AccountError::AgencyNotAllowed(_) => "agency_not_allowed",
        }
    }
}

impl FromStr for Role {
    type Err = AccountError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| AccountError::UnknownRole(s.to_owned()))
    }
}

/// A login name: lowercase ASCII letters, digits, `.`, `-`, `_`; 3 to 64 characters.
/// Parsing lowercases, so `Admin` and `admin` are the same account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        let name = raw.trim().to_ascii_lowercase();
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
        if (3..=64).contains(&name.len()) && name.chars().all(allowed) {
            Ok(Username(name))
        } else {
            Err(AccountError::InvalidUsername)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub const PASSWORD_MIN_CHARS: usize = 10;
pub const PASSWORD_MAX_BYTES: usize = 256;

/// Length is the rule that matters (NIST SP 800-63B); the upper bound keeps hashing cheap.
pub fn check_password_policy(password: &str) -> Result<(), AccountError> {
    if password.chars().count() < PASSWORD_MIN_CHARS {
        return Err(AccountError::PasswordTooShort {
            min: PASSWORD_MIN_CHARS,
        });
    }
    if password.len() > PASSWORD_MAX_BYTES {
        return Err(AccountError::PasswordTooLong {
            max: PASSWORD_MAX_BYTES,
        });
    }
    Ok(())
}

/// Failed logins tolerated per key (username or client address) inside the window.
pub const LOGIN_MAX_FAILURES: i64 = 5;
/// The window, and how long a key stays locked once it passes the limit.
pub const LOGIN_LOCK_MINUTES: i64 = 15;

/// How many failures inside a window lock a key (a username, a client address, a dossier
/// code), and for how long: the window's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    pub max_failures: i64,
    pub window_minutes: i64,
}

/// Sign-in: 5 failures in 15 minutes lock the username and the client address for 15 minutes.
pub const LOGIN_THROTTLE: ThrottlePolicy = ThrottlePolicy {
    max_failures: LOGIN_MAX_FAILURES,
    window_minutes: LOGIN_LOCK_MINUTES,
};

/// The public dossier lookup: 10 wrong check digits in 15 minutes lock the client address
/// and the dossier code for 15 minutes (the digits are only 4, so guesses must stay few).
pub const LOOKUP_THROTTLE: ThrottlePolicy = ThrottlePolicy {
    max_failures: 10,
    window_minutes: 15,
};

/// Ratings of news without an account: 10 an hour from one client address, so a reader who
/// throws the visitor cookie away cannot vote again and again (an office behind one
/// address still rates; accounts rate once per article, unthrottled).
pub const ANONYMOUS_RATING_THROTTLE: ThrottlePolicy = ThrottlePolicy {
    max_failures: 10,
    window_minutes: 60,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert_eq!("boss".parse::<Role>().unwrap_err().code(), "unknown_role");
    }

    #[test]
    fn usernames_are_normalised_and_validated() {
        assert_eq!(Username::parse(" Le.Van_A ").unwrap().as_str(), "le.van_a");
        for bad in ["ab", "có dấu", "a b c", "x/y", &"a".repeat(65)] {
            assert_eq!(
                Username::parse(bad),
                Err(AccountError::InvalidUsername),
                "{bad}"
            );
        }
    }

    #[test]
    fn password_policy_counts_characters_not_bytes() {
        assert!(check_password_policy("ngắn").is_err());
        assert!(check_password_policy("mậtkhẩuđủdài").is_ok());
        assert!(check_password_policy(&"x".repeat(300)).is_err());
    }

    #[test]
    fn only_officer_roles_need_an_agency() {
        let bound: Vec<_> = Role::ALL
            .into_iter()
            .filter(|r| r.requires_agency())
            .collect();
        assert_eq!(
            bound,
            [
                Role::Receiver,
                Role::Specialist,
                Role::Leader,
                Role::UnitAdmin
            ]
        );
    }
}
