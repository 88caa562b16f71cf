//! The audit chain: checking that no event was changed, deleted or inserted.

use crate::{App, AppError, Principal};
use motcua_domain::account::Role;
use motcua_store::AuditVerification;

/// Re-hashes the whole chain (province administrators, auditors and the operator).
pub async fn verify_chain(app: &App, who: &Principal) -> Result<AuditVerification, AppError> {
    who.require(&[Role::ProvinceAdmin, Role::Auditor])?;
    Ok(app.store.verify_audit_chain().await?)
}
