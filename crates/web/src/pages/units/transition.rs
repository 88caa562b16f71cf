//! `/transition`: the plan for moving what is bound to abolished agencies and units to
//! their successors, as `app::transition` decides it, and what has been moved.

use super::page_date;
use crate::AppState;
use crate::auth::PageUser;
use crate::pages::{Chrome, PageError, error_page_with, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use motcua_app::transition;
use motcua_domain::account::Role;
use motcua_domain::transition::{Assignment, PlanRules, TransitionPlan, Undecided};
use motcua_store::{TransitionMove, bound_kind_label};
use serde::Deserialize;

#[derive(Deserialize)]
pub(crate) struct TransitionForm {
    effective: Option<String>,
    /// One `OLD=NEW` per line or separated by spaces.
    assign: Option<String>,
    by_address: Option<String>,
}

pub(crate) struct MoveRow {
    pub kind: &'static str,
    pub key: String,
    pub label: String,
    pub target: String,
    pub decision: String,
}

pub(crate) struct PlanRow {
    pub agency: String,
    pub unit: String,
    pub successors: String,
    pub target: String,
    pub decision: String,
    pub items: Vec<MoveRow>,
}

pub(crate) struct CountRow {
    pub kind: &'static str,
    pub total: usize,
    pub decided: usize,
}

pub(crate) struct UndecidedRow {
    pub what: String,
    pub reason: String,
    pub hint: String,
}

pub(crate) struct DoneRow {
    pub kind: &'static str,
    pub key: String,
    pub from: String,
    pub to: String,
    pub decision: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "transition.html")]
struct TransitionPage {
    chrome: Chrome,
    effective: String,
    assign: String,
    by_address: bool,
    rows: Vec<PlanRow>,
    undecided: Vec<UndecidedRow>,
    warnings: Vec<String>,
    done: Vec<DoneRow>,
    item_count: usize,
    decided_count: usize,
    counts: Vec<CountRow>,
}

fn plan_rows(plan: &TransitionPlan) -> Vec<PlanRow> {
    plan.agencies
        .iter()
        .map(|m| PlanRow {
            agency: format!("{} {}", m.agency.code, m.agency.name),
            unit: format!("{} {}", m.unit.code, m.unit.full_name),
            successors: m
                .successors
                .iter()
                .map(|(u, l)| format!("{} {} ({})", u.code, u.full_name, l.as_str()))
                .collect::<Vec<_>>()
                .join("; "),
            target: m
                .target
                .as_ref()
                .map_or_else(String::new, |t| format!("{} {}", t.code, t.name)),
            decision: m.decision.label_vi(),
            items: m
                .items
                .iter()
                .map(|i| MoveRow {
                    kind: bound_kind_label(&i.kind),
                    key: i.key.clone(),
                    label: i.label.clone(),
                    target: i
                        .target
                        .as_ref()
                        .map_or_else(String::new, |t| t.code.clone()),
                    decision: i.decision.label_vi(),
                })
                .collect(),
        })
        .collect()
}

fn undecided_row(u: &Undecided) -> UndecidedRow {
    UndecidedRow {
        what: match &u.item {
            None => format!("Cơ quan {} {}", u.agency.code, u.agency.name),
            Some((kind, key)) => format!("{} {key} ({})", bound_kind_label(kind), u.agency.code),
        },
        reason: u.reason.clone(),
        hint: u.hint.clone(),
    }
}

fn done_row(m: &TransitionMove) -> DoneRow {
    DoneRow {
        kind: bound_kind_label(&m.kind),
        key: m.item_key.clone(),
        from: m.from_agency.clone(),
        to: m.to_agency.clone(),
        decision: m.decision.clone(),
        at: m
            .at
            .with_timezone(&motcua_domain::calendar::VN_OFFSET)
            .format("%d/%m/%Y %H:%M")
            .to_string(),
    }
}

/// `/transition`: the plan for a date (with trial assignments) and what has been done.
pub(crate) async fn transition(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Query(form): Query<TransitionForm>,
) -> Result<Response, PageError> {
    if !matches!(user.role, Role::ProvinceAdmin | Role::Auditor) {
        return Ok(error_page_with(
            chrome,
            StatusCode::FORBIDDEN,
            "Chỉ quản trị cấp tỉnh và thanh tra được xem kế hoạch chuyển tiếp.",
        ));
    }
    let raw = form
        .effective
        .clone()
        .unwrap_or_else(|| "2025-07-01".into());
    let effective = match page_date(Some(&raw), &chrome) {
        Ok(d) => d,
        Err(page) => return Ok(*page),
    };
    let assign_text = form.assign.clone().unwrap_or_default();
    let mut warnings = Vec::new();
    let assignments: Vec<Assignment> = assign_text
        .split_whitespace()
        .filter_map(|a| match a.parse() {
            Ok(a) => Some(a),
            Err(e) => {
                warnings.push(e);
                None
            }
        })
        .collect();
    let rules = PlanRules {
        assignments,
        by_address: form.by_address.is_some(),
    };
    let who = user.principal();
    let plan = transition::plan(&state.app, &who, effective, &rules)
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?;
    warnings.extend(plan.unused_assignments.iter().map(|a| {
        format!(
            "Phân định {}={} không khớp cơ quan hay đơn vị nào bị bãi bỏ.",
            a.old, a.new
        )
    }));
    let done = transition::moves(&state.app, &who, effective)
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?;
    let page = TransitionPage {
        chrome,
        effective: effective.to_string(),
        assign: assign_text,
        by_address: rules.by_address,
        rows: plan_rows(&plan),
        undecided: plan.undecided().iter().map(undecided_row).collect(),
        warnings,
        done: done.iter().map(done_row).collect(),
        item_count: plan.item_count(),
        decided_count: plan.moved_item_count(),
        counts: plan
            .counts_by_kind()
            .into_iter()
            .map(|c| CountRow {
                kind: bound_kind_label(&c.kind),
                total: c.total,
                decided: c.decided,
            })
            .collect(),
    };
    Ok(render(StatusCode::OK, &page))
}
