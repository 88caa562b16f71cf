//! Internal processes (the steps a procedure's dossiers go through, with their budgets):
//! list, draft, approve, and the published procedures that no approved process covers.

use crate::{App, AppError, AppResult, Principal};
use chrono::NaiveDate;
use motcua_domain::account::Role;
use motcua_domain::agency::AgencyCode;
use motcua_domain::dossier::{ProcessState, ProcessStep};
use motcua_domain::procedure::Level;
use motcua_store::{MissingProcess, ProcessDraft, ProcessRecord};
use serde::Deserialize;
use uuid::Uuid;

/// One step as sent: a budget in working hours or working minutes (one of them).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = StepBody))]
pub struct StepInput {
    #[cfg_attr(feature = "openapi", schema(example = "Thẩm định hồ sơ"))]
    pub name: String,
    /// `receiver`, `specialist` or `leader` (any role name is accepted).
    #[cfg_attr(feature = "openapi", schema(example = "specialist"))]
    pub role: String,
    /// Another agency that does this step (inter-agency handling).
    pub agency_code: Option<String>,
    pub budget_hours: Option<u32>,
    pub budget_minutes: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ProcessBody))]
pub struct ProcessInput {
    #[cfg_attr(feature = "openapi", schema(example = "1.001193"))]
    pub procedure_code: String,
    /// The agency the process is for; leave out for a level's default.
    pub agency_code: Option<String>,
    /// `province` or `commune`, for a level's default.
    pub level: Option<String>,
    pub steps: Vec<StepInput>,
    #[serde(default)]
    pub note: String,
}

/// Staff and auditors see processes; citizens do not.
pub fn staff(who: &Principal) -> AppResult<()> {
    who.require(&[
        Role::Receiver,
        Role::Specialist,
        Role::Leader,
        Role::UnitAdmin,
        Role::ProvinceAdmin,
        Role::Auditor,
    ])
}

/// Who may draft or approve for a scope: a province administrator anywhere; the agency's
/// own leader (and, to draft, its unit administrator) for the agency's own process.
pub fn may_manage(who: &Principal, agency: Option<&str>, approving: bool) -> AppResult<()> {
    match who.role {
        Role::ProvinceAdmin => Ok(()),
        Role::Leader | Role::UnitAdmin
            if (!approving || who.role == Role::Leader)
                && agency.is_some()
                && who.agency_code.as_deref() == agency =>
        {
            Ok(())
        }
        _ => Err(AppError::forbidden()),
    }
}

/// Whether the account may draft processes at all (for its own agency at least).
pub fn may_draft(who: &Principal) -> bool {
    matches!(
        who.role,
        Role::ProvinceAdmin | Role::Leader | Role::UnitAdmin
    )
}

fn not_found() -> AppError {
    AppError::not_found("not_found", "Không tìm thấy quy trình.")
}

/// A process id as typed; an unreadable one is simply not found.
pub fn parse_id(raw: &str) -> AppResult<Uuid> {
    Uuid::parse_str(raw).map_err(|_| not_found())
}

pub fn parse_steps(input: &[StepInput]) -> AppResult<Vec<ProcessStep>> {
    input
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let role: Role = s.role.parse().map_err(|_| {
                AppError::invalid(
                    "invalid_role",
                    format!("Bước {}: vai trò không hợp lệ \"{}\".", i + 1, s.role),
                )
            })?;
            let agency = s
                .agency_code
                .as_deref()
                .filter(|a| !a.trim().is_empty())
                .map(AgencyCode::parse)
                .transpose()
                .map_err(|e| AppError::invalid(e.code(), format!("Bước {}: {e}", i + 1)))?;
            let budget_minutes = match (s.budget_hours, s.budget_minutes) {
                (Some(h), None) => h.saturating_mul(60),
                (None, Some(m)) => m,
                _ => {
                    return Err(AppError::invalid(
                        "invalid_step_budget",
                        format!(
                            "Bước {}: nhập đúng một trong hai: budget_hours hoặc budget_minutes.",
                            i + 1
                        ),
                    ));
                }
            };
            Ok(ProcessStep {
                name: s.name.trim().to_owned(),
                role,
                agency,
                budget_minutes,
            })
        })
        .collect()
}

/// Processes, newest version first within each procedure and scope.
pub async fn list(
    app: &App,
    who: &Principal,
    procedure: Option<&str>,
    agency: Option<&str>,
    state: Option<ProcessState>,
) -> AppResult<Vec<ProcessRecord>> {
    staff(who)?;
    Ok(app.store.processes(procedure, agency, state).await?)
}

/// One process version.
pub async fn one(app: &App, who: &Principal, id: Uuid) -> AppResult<ProcessRecord> {
    staff(who)?;
    app.store.process(id).await?.ok_or_else(not_found)
}

/// Drafts a process (or rewrites the open draft of the same procedure and scope). The
/// steps' budgets must add up to no more than the procedure's legal time.
pub async fn draft(app: &App, who: &Principal, input: ProcessInput) -> AppResult<ProcessRecord> {
    let agency = input
        .agency_code
        .as_deref()
        .filter(|a| !a.trim().is_empty())
        .map(AgencyCode::parse)
        .transpose()
        .map_err(|e| AppError::invalid(e.code(), e.to_string()))?;
    may_manage(who, agency.as_ref().map(AgencyCode::as_str), false)?;
    let level = match (&agency, input.level.as_deref()) {
        (_, Some(l)) => l
            .parse::<Level>()
            .map_err(|e| AppError::invalid("invalid_level", e))?,
        (Some(_), None) => Level::Province,
        (None, None) => {
            return Err(AppError::invalid(
                "invalid_level",
                "Quy trình mặc định phải nêu cấp: province hoặc commune.",
            ));
        }
    };
    let draft = ProcessDraft {
        procedure_code: input.procedure_code.trim().to_owned(),
        agency_code: agency,
        level,
        steps: parse_steps(&input.steps)?,
        note: input.note,
    };
    let audit = who.audit(
        "process.drafted",
        "process",
        serde_json::json!({ "procedure": draft.procedure_code, "agency": draft.agency_code, "level": level.as_str() }),
    );
    Ok(app
        .store
        .save_process_draft(&draft, crate::now(), audit)
        .await?)
}

/// Approves a draft: new dossiers start on it; the approved version before it is superseded.
pub async fn approve(app: &App, who: &Principal, id: Uuid) -> AppResult<ProcessRecord> {
    let process = one(app, who, id).await?;
    may_manage(who, process.agency_code.as_deref(), true)?;
    let audit = who.audit(
        "process.approved",
        "process",
        serde_json::json!({ "procedure": process.procedure_code, "scope": process.scope, "version": process.version_no }),
    );
    Ok(app.store.approve_process(id, crate::now(), audit).await?)
}

/// Steps to start a new process from, split by the procedure's legal time: None when the
/// procedure is not published. The handling department is named only for a province-wide
/// scope (`level:province`).
pub async fn suggestion(app: &App, code: &str, scope: &str) -> AppResult<Option<Vec<ProcessStep>>> {
    let Some(version) = app.store.published_version(code).await? else {
        return Ok(None);
    };
    let p = &version.procedure;
    let handler = (scope == "level:province")
        .then(|| p.agency_code.clone())
        .flatten();
    Ok(Some(motcua_domain::dossier::suggested_steps(
        p.processing_time.minutes(),
        handler,
    )))
}

/// Published procedures, as assigned on `date`, that no approved process covers.
pub async fn missing(
    app: &App,
    who: &Principal,
    date: NaiveDate,
) -> AppResult<Vec<MissingProcess>> {
    staff(who)?;
    Ok(app.store.procedures_without_process(date).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(role: Role, agency: Option<&str>) -> Principal {
        Principal {
            id: Uuid::nil(),
            username: "u".into(),
            role,
            agency_code: agency.map(str::to_owned),
        }
    }

    #[test]
    fn leaders_approve_their_own_unit_administrators_only_draft() {
        let own = Some("000.00.00.H37");
        let leader = who(Role::Leader, own);
        let unit_admin = who(Role::UnitAdmin, own);
        assert!(may_manage(&leader, own, true).is_ok());
        assert!(may_manage(&unit_admin, own, false).is_ok());
        assert!(may_manage(&unit_admin, own, true).is_err());
        assert!(may_manage(&leader, Some("000.00.01.H37"), false).is_err());
        assert!(
            may_manage(&leader, None, false).is_err(),
            "a level's default"
        );
        assert!(may_manage(&who(Role::ProvinceAdmin, None), None, true).is_ok());
        assert!(may_manage(&who(Role::Specialist, own), own, false).is_err());
    }

    #[test]
    fn a_step_has_exactly_one_budget() {
        let step = |hours, minutes| StepInput {
            name: " Thẩm định ".into(),
            role: "specialist".into(),
            agency_code: None,
            budget_hours: hours,
            budget_minutes: minutes,
        };
        let steps = parse_steps(&[step(Some(2), None), step(None, Some(30))]).unwrap();
        assert_eq!(steps[0].budget_minutes, 120);
        assert_eq!(steps[1].budget_minutes, 30);
        assert_eq!(steps[0].name, "Thẩm định");
        for bad in [step(None, None), step(Some(1), Some(60))] {
            assert_eq!(
                parse_steps(&[bad]).unwrap_err().code(),
                "invalid_step_budget"
            );
        }
        let mut wrong_role = step(Some(1), None);
        wrong_role.role = "mayor".into();
        assert_eq!(
            parse_steps(&[wrong_role]).unwrap_err().code(),
            "invalid_role"
        );
    }
}
