//! Who asks: the signed-in account a use case acts for.

use crate::error::AppError;
use motcua_domain::account::Role;
use motcua_domain::agency::AgencyCode;
use motcua_domain::audit::AuditEntry;
use uuid::Uuid;

/// A signed-in account, as every use case sees it (the edges build it from a session,
/// a token or the command line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub id: Uuid,
    pub username: String,
    pub role: Role,
    /// The agency a staff account works at.
    pub agency_code: Option<String>,
}

impl Principal {
    /// Whoever runs a command on the server itself: they hold the database and the keys, so
    /// they may do what a province administrator may. Audited as `system`, as before there
    /// were principals. The nil id is reserved for them (accounts have UUIDv7 ids).
    pub fn operator() -> Principal {
        Principal {
            id: Uuid::nil(),
            username: "system".to_owned(),
            role: Role::ProvinceAdmin,
            agency_code: None,
        }
    }

    /// Whether this is [`Principal::operator`].
    pub fn is_operator(&self) -> bool {
        self.id.is_nil()
    }

    /// `Forbidden` unless the account has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }

    /// The agency as a parsed code (None for accounts without one).
    pub fn agency(&self) -> Option<AgencyCode> {
        self.agency_code
            .as_deref()
            .and_then(|a| AgencyCode::parse(a).ok())
    }

    /// An audit entry of something this account did, stamped now.
    pub fn audit(
        &self,
        action: &str,
        subject: impl Into<String>,
        detail: serde_json::Value,
    ) -> AuditEntry {
        AuditEntry {
            at: crate::now(),
            actor: self.username.clone(),
            actor_role: (!self.is_operator()).then(|| self.role.as_str().to_owned()),
            agency_code: self.agency_code.clone(),
            action: action.to_owned(),
            subject: subject.into(),
            detail: detail.to_string(),
        }
    }
}
