//! View-model pieces shared by several pages.
// `processes.rs` still has its own step line (with each step's share of the legal time);
// it can take this one once both agree on the fields.

use super::dossier_common::{hours, name_of};
use motcua_domain::dossier::ProcessStep;
use std::collections::HashMap;

pub(crate) struct SelectOpt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub(super) fn select(items: Vec<(String, String)>, current: &str) -> Vec<SelectOpt> {
    items
        .into_iter()
        .map(|(value, label)| SelectOpt {
            selected: value == current,
            value,
            label,
        })
        .collect()
}

pub(crate) struct StepLine {
    pub no: usize,
    pub name: String,
    pub role: &'static str,
    pub agency: String,
    pub hours: String,
    pub current: bool,
}

/// The steps of a process as lines, `current` (0-based) marked.
pub(super) fn step_lines(
    steps: &[ProcessStep],
    names: &HashMap<String, String>,
    current: Option<usize>,
) -> Vec<StepLine> {
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| StepLine {
            no: i + 1,
            name: s.name.clone(),
            role: s.role.label_vi(),
            agency: s.agency.as_ref().map_or_else(
                || "Cơ quan giải quyết".to_owned(),
                |a| name_of(names, a.as_str()),
            ),
            hours: hours(i64::from(s.budget_minutes)),
            current: current == Some(i),
        })
        .collect()
}
