//! Who may know about a dossier and what they may do with it, for a [`Principal`].

use crate::{App, AppError, AppResult, Principal};
use motcua_domain::account::Role;
use motcua_domain::agency::AgencyCode;
use motcua_domain::dossier::{ActionKind, Actor, DossierCode, allowed_for, can_view};
use motcua_store::DossierRecord;

/// The answer for a dossier that does not exist or that the principal may not know about.
pub fn not_found() -> AppError {
    AppError::not_found("dossier_not_found", "Không tìm thấy hồ sơ.")
}

/// The principal as the domain's access rules see them for this dossier.
pub(crate) fn actor_of<'a>(
    who: &Principal,
    agency: Option<&'a AgencyCode>,
    r: &DossierRecord,
) -> Actor<'a> {
    Actor {
        role: who.role,
        agency,
        is_applicant: who.role == Role::Citizen && r.owner.as_deref() == Some(&who.username),
    }
}

/// `dossier_not_found` unless the principal may know about the dossier.
pub(crate) fn may_see(who: &Principal, record: &DossierRecord) -> AppResult<()> {
    let agency = who.agency();
    if can_view(
        actor_of(who, agency.as_ref(), record),
        &record.dossier,
        &record.steps,
    ) {
        Ok(())
    } else {
        Err(not_found())
    }
}

/// Loads a dossier the principal may see; `dossier_not_found` for a bad code, an unknown
/// one, or one they may not know about.
pub async fn load_visible(app: &App, who: &Principal, code: &str) -> AppResult<DossierRecord> {
    let code = DossierCode::parse(code).map_err(|_| not_found())?;
    let record = app
        .store
        .dossier(code.as_str())
        .await?
        .ok_or_else(not_found)?;
    may_see(who, &record)?;
    Ok(record)
}

/// What the principal may do with the dossier now (state machine ∩ access rules).
pub fn allowed_actions(who: &Principal, r: &DossierRecord) -> Vec<ActionKind> {
    let agency = who.agency();
    allowed_for(actor_of(who, agency.as_ref(), r), &r.dossier, &r.steps)
}
