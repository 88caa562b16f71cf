//! Internal processes (quy trình nội bộ): the ordered steps an agency follows for a
//! procedure, each with a role, optionally another agency, and a budget in working time.
//! A process is drafted, approved (superseding the one before) and never edited after.

use super::machine::ProcessStep;
use crate::account::Role;
use crate::agency::AgencyCode;
use serde::{Deserialize, Serialize};

/// Longest step name accepted.
pub const STEP_NAME_MAX: usize = 200;
/// Most steps in one process.
pub const MAX_STEPS: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessState {
    Draft,
    Approved,
    Superseded,
}

impl ProcessState {
    pub const ALL: [ProcessState; 3] = [
        ProcessState::Draft,
        ProcessState::Approved,
        ProcessState::Superseded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProcessState::Draft => "draft",
            ProcessState::Approved => "approved",
            ProcessState::Superseded => "superseded",
        }
    }

    pub fn parse(s: &str) -> Option<ProcessState> {
        ProcessState::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            ProcessState::Draft => "Dự thảo",
            ProcessState::Approved => "Đã phê duyệt",
            ProcessState::Superseded => "Đã được thay thế",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProcessError {
    #[error("quy trình phải có ít nhất một bước")]
    NoSteps,
    #[error("quy trình có quá nhiều bước (tối đa {MAX_STEPS})")]
    TooManySteps,
    #[error("bước {0} chưa có tên (hoặc tên quá dài)")]
    StepName(usize),
    #[error("bước {0} phải có thời gian lớn hơn 0")]
    StepBudget(usize),
    #[error(
        "tổng thời gian các bước ({total} phút làm việc) vượt thời hạn giải quyết theo quy định ({legal} phút)"
    )]
    OverLegalTime { total: i64, legal: i64 },
}

impl ProcessError {
    pub fn code(&self) -> &'static str {
        match self {
            ProcessError::NoSteps => "process_without_steps",
            ProcessError::TooManySteps => "process_too_many_steps",
            ProcessError::StepName(_) => "invalid_step_name",
            ProcessError::StepBudget(_) => "invalid_step_budget",
            ProcessError::OverLegalTime { .. } => "process_over_legal_time",
        }
    }
}

/// Checks a process's steps against the procedure's legal time (in working minutes) and
/// returns the total budget, which becomes a dossier's time limit.
pub fn check_steps(steps: &[ProcessStep], legal_minutes: i64) -> Result<u32, ProcessError> {
    if steps.is_empty() {
        return Err(ProcessError::NoSteps);
    }
    if steps.len() > MAX_STEPS {
        return Err(ProcessError::TooManySteps);
    }
    let mut total: i64 = 0;
    for (i, step) in steps.iter().enumerate() {
        let name = step.name.trim();
        if name.is_empty() || name.chars().count() > STEP_NAME_MAX {
            return Err(ProcessError::StepName(i + 1));
        }
        if step.budget_minutes == 0 {
            return Err(ProcessError::StepBudget(i + 1));
        }
        total += i64::from(step.budget_minutes);
    }
    if total > legal_minutes {
        return Err(ProcessError::OverLegalTime {
            total,
            legal: legal_minutes,
        });
    }
    Ok(total as u32)
}

/// Shares of the legal time a suggested process gives its steps, in percent: receipt,
/// appraisal, approval. The rest (10%) is left for issuing and handing over the result.
pub const SUGGESTED_SHARES: [u32; 3] = [10, 60, 20];

/// A starting point for a process, from the legal time: receipt at the receiving desk,
/// appraisal and approval at `handler` (None: the handling agency itself), each a share
/// of the legal time rounded to whole working hours (at least one), never more in total
/// than the legal time.
pub fn suggested_steps(legal_minutes: i64, handler: Option<AgencyCode>) -> Vec<ProcessStep> {
    let legal_hours = (legal_minutes / 60).max(3);
    let share = |percent: u32| {
        let tenths = legal_hours * i64::from(percent);
        // Round half up to whole hours.
        ((tenths + 50) / 100).max(1)
    };
    let receipt = share(SUGGESTED_SHARES[0]);
    let approval = share(SUGGESTED_SHARES[2]);
    let appraisal = share(SUGGESTED_SHARES[1])
        .min(legal_hours - receipt - approval)
        .max(1);
    let step = |name: &str, role: Role, agency: Option<AgencyCode>, hours: i64| ProcessStep {
        name: name.to_owned(),
        role,
        agency,
        budget_minutes: u32::try_from(hours * 60).unwrap_or(u32::MAX),
    };
    vec![
        step("Tiếp nhận, kiểm tra hồ sơ", Role::Receiver, None, receipt),
        step(
            "Thẩm định hồ sơ",
            Role::Specialist,
            handler.clone(),
            appraisal,
        ),
        step("Phê duyệt, ký kết quả", Role::Leader, handler, approval),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggested_processes_fit_the_legal_time() {
        let hours = |steps: &[ProcessStep]| -> Vec<u32> {
            steps.iter().map(|s| s.budget_minutes / 60).collect()
        };
        // One working day: 1 + 5 + 2 hours.
        let one_day = suggested_steps(480, None);
        assert_eq!(hours(&one_day), [1, 5, 2]);
        assert_eq!(check_steps(&one_day, 480), Ok(480));
        // Ten working days: 8 + 48 + 16 of 80 hours.
        let dept = AgencyCode::parse("000.00.02.H37").unwrap();
        let ten = suggested_steps(4800, Some(dept.clone()));
        assert_eq!(hours(&ten), [8, 48, 16]);
        assert_eq!(ten[1].agency.as_ref(), Some(&dept));
        assert_eq!(ten[0].agency, None, "received at the receiving desk");
        for days in 1..=60 {
            let steps = suggested_steps(days * 480, None);
            assert!(check_steps(&steps, days * 480).is_ok(), "{days} days");
        }
    }

    fn step(name: &str, minutes: u32) -> ProcessStep {
        ProcessStep {
            name: name.into(),
            role: Role::Specialist,
            agency: None,
            budget_minutes: minutes,
        }
    }

    #[test]
    fn budgets_add_up_within_the_legal_time() {
        let steps = [step("Tiếp nhận", 240), step("Thẩm định", 960)];
        assert_eq!(check_steps(&steps, 1440), Ok(1200));
        assert_eq!(check_steps(&steps, 1200), Ok(1200));
        assert_eq!(
            check_steps(&steps, 960).unwrap_err().code(),
            "process_over_legal_time"
        );
        assert_eq!(check_steps(&[], 960), Err(ProcessError::NoSteps));
        assert_eq!(
            check_steps(&[step(" ", 10)], 960),
            Err(ProcessError::StepName(1))
        );
        assert_eq!(
            check_steps(&[step("a", 10), step("b", 0)], 960),
            Err(ProcessError::StepBudget(2))
        );
    }
}
