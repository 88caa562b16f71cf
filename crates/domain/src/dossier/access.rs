//! Who may see a dossier and who may act on it (role plus agency scope).

use super::machine::{ActionKind, Dossier, ProcessStep};
use crate::account::Role;
use crate::agency::AgencyCode;

/// Who sees an applicant's numbers and contact details in full: the applicant, and the
/// officers of the agencies involved, who handle the dossier and may need to call them.
/// Administrators and auditors oversee the work and see them masked (Decree 13/2023 Art. 3:
/// personal data only as far as the purpose needs).
pub fn sees_applicant_in_full(role: Role) -> bool {
    matches!(
        role,
        Role::Citizen | Role::Receiver | Role::Specialist | Role::Leader
    )
}

/// The person asking, as the rules need them.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub role: Role,
    pub agency: Option<&'a AgencyCode>,
    /// The actor is the dossier's applicant (a signed-in citizen whose dossier it is).
    pub is_applicant: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccessDenied {
    /// The actor may not even know the dossier exists: answer 404.
    #[error("không tìm thấy hồ sơ")]
    Invisible,
    /// The actor sees the dossier but may not do this: answer 403.
    #[error("tài khoản không có quyền thực hiện thao tác này với hồ sơ")]
    Forbidden,
}

impl AccessDenied {
    pub fn code(&self) -> &'static str {
        match self {
            AccessDenied::Invisible => "dossier_not_found",
            AccessDenied::Forbidden => "forbidden",
        }
    }
}

fn involves(dossier: &Dossier, steps: &[ProcessStep], agency: &AgencyCode) -> bool {
    *agency == dossier.receiving_agency
        || *agency == dossier.handling_agency
        || steps.iter().any(|s| s.agency.as_ref() == Some(agency))
}

/// Province administrators and auditors see everything; officers see their agencies'
/// dossiers; a citizen sees their own.
pub fn can_view(actor: Actor<'_>, dossier: &Dossier, steps: &[ProcessStep]) -> bool {
    match actor.role {
        Role::ProvinceAdmin | Role::Auditor => true,
        Role::Citizen => actor.is_applicant,
        Role::Receiver | Role::Specialist | Role::Leader | Role::UnitAdmin => {
            actor.agency.is_some_and(|a| involves(dossier, steps, a))
        }
    }
}

/// Whether `actor` may take `action` now. Visibility comes first, so a stranger gets
/// `Invisible` whatever the action.
pub fn can_act(
    actor: Actor<'_>,
    dossier: &Dossier,
    steps: &[ProcessStep],
    action: ActionKind,
) -> Result<(), AccessDenied> {
    use ActionKind as A;
    if !can_view(actor, dossier, steps) {
        return Err(AccessDenied::Invisible);
    }
    let at = |agency: &AgencyCode| actor.agency == Some(agency);
    let at_receiving = at(&dossier.receiving_agency);
    let at_step = at(dossier.step_agency(steps));
    let step_role = steps.get(dossier.step).map(|s| s.role);
    let allowed = match actor.role {
        // Reading is all an auditor does; administrators manage, they do not decide dossiers.
        Role::Auditor | Role::ProvinceAdmin | Role::UnitAdmin => false,
        Role::Citizen => matches!(
            action,
            A::Withdraw | A::SupplementReceived | A::RecordPayment | A::Rate
        ),
        Role::Receiver => {
            at_receiving
                && matches!(
                    action,
                    A::Accept
                        | A::RequestSupplement
                        | A::SupplementReceived
                        | A::RefuseAtReceipt
                        | A::RecordPayment
                        | A::ReturnResult
                        | A::Withdraw
                )
                || (at_step
                    && step_role == Some(Role::Receiver)
                    && matches!(action, A::Forward | A::Finish))
                // The one-stop desk hands a dossier at its own agency to a colleague there
                // (the machine keeps it to Received and Processing; the assignee is checked
                // against the step's agency when the action is taken).
                || (at_step && at_receiving && action == A::Assign)
        }
        Role::Specialist => {
            at_step
                && matches!(
                    action,
                    A::Forward
                        | A::SendBack
                        | A::Transfer
                        | A::RequestSupplement
                        | A::RequestPayment
                        | A::Finish
                )
        }
        Role::Leader => {
            at_step
                && matches!(
                    action,
                    A::Assign
                        | A::Forward
                        | A::SendBack
                        | A::Transfer
                        | A::RequestSupplement
                        | A::RequestPayment
                        | A::Approve
                        | A::RefuseAfterAppraisal
                        | A::Finish
                        | A::Stop
                        | A::Apologise
                )
        }
    };
    if allowed {
        Ok(())
    } else {
        Err(AccessDenied::Forbidden)
    }
}

/// The actions `actor` may take now: the state machine's, less those the access rules refuse.
pub fn allowed_for(actor: Actor<'_>, dossier: &Dossier, steps: &[ProcessStep]) -> Vec<ActionKind> {
    dossier
        .allowed_actions(steps)
        .into_iter()
        .filter(|a| can_act(actor, dossier, steps, *a).is_ok())
        .collect()
}
