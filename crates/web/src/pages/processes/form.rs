//! The process page: its facts and steps, and the draft form with its step rows.

use super::{can_draft, legal_text, options, published, scope_label};
use crate::AppState;
use crate::auth::AuthUser;
use crate::pages::dossier_common::{agency_names, api_error_page, hours, name_of, when_utc};
use crate::pages::work::SelectOpt;
use crate::pages::{Chrome, PageError};
use askama::Template;
use motcua_app::AppError;
use motcua_app::processes::{ProcessInput, StepInput, may_manage};
use motcua_domain::account::Role;
use motcua_domain::agency::AgencyKind;
use motcua_domain::dossier::{ProcessState, ProcessStep};
use motcua_store::ProcessRecord;
use std::collections::HashMap;

pub(crate) struct StepRow {
    pub index: usize,
    pub name: String,
    pub roles: Vec<SelectOpt>,
    pub agencies: Vec<SelectOpt>,
    pub hours: String,
}

pub(crate) struct StepLine {
    pub no: usize,
    pub name: String,
    pub role: &'static str,
    pub agency: String,
    pub hours: String,
    pub share: String,
}

pub(crate) struct Facts {
    pub id: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub scope: String,
    pub version_no: i64,
    pub state: &'static str,
    pub state_label: &'static str,
    pub created: String,
    pub approved: String,
    pub note: String,
    pub total: String,
}

#[derive(Template)]
#[template(path = "process.html")]
pub(super) struct ProcessPage {
    chrome: Chrome,
    heading: String,
    facts: Option<Facts>,
    steps: Vec<StepLine>,
    editable: bool,
    can_approve: bool,
    can_adjust: bool,
    form_action: String,
    procedure_options: Vec<SelectOpt>,
    fixed_procedure: Option<String>,
    scope_options: Vec<SelectOpt>,
    fixed_scope: Option<String>,
    rows: Vec<StepRow>,
    note: String,
    legal: Option<String>,
    error: Option<String>,
    notice: Option<String>,
}

/// The form's values: the procedure, the scope (`level:…` or `agency:…`), the steps.
#[derive(Debug, Clone, Default)]
pub(super) struct Draft {
    pub procedure: String,
    pub scope: String,
    pub steps: Vec<(String, String, String, String)>,
    pub note: String,
}

impl Draft {
    pub(super) fn from_steps(
        procedure: &str,
        scope: &str,
        steps: &[ProcessStep],
        note: &str,
    ) -> Draft {
        Draft {
            procedure: procedure.to_owned(),
            scope: scope.to_owned(),
            steps: steps
                .iter()
                .map(|s| {
                    (
                        s.name.clone(),
                        s.role.as_str().to_owned(),
                        s.agency.as_ref().map(|a| a.to_string()).unwrap_or_default(),
                        hours(i64::from(s.budget_minutes)),
                    )
                })
                .collect(),
            note: note.to_owned(),
        }
    }

    pub(super) fn from_form(form: &HashMap<String, String>) -> Draft {
        let get = |k: &str| form.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
        let mut steps = Vec::new();
        for i in 0..MAX_ROWS {
            let row = (
                get(&format!("step_name_{i}")),
                get(&format!("step_role_{i}")),
                get(&format!("step_agency_{i}")),
                get(&format!("step_hours_{i}")),
            );
            if !row.0.is_empty() || !row.3.is_empty() {
                steps.push(row);
            }
        }
        Draft {
            procedure: get("procedure"),
            scope: get("scope"),
            steps,
            note: get("note"),
        }
    }

    /// The API's body, or a readable problem with the rows.
    pub(super) fn body(&self) -> Result<ProcessInput, String> {
        let (agency_code, level) = match self.scope.split_once(':') {
            Some(("agency", code)) => (Some(code.to_owned()), None),
            Some(("level", level)) => (None, Some(level.to_owned())),
            _ => return Err("Hãy chọn phạm vi áp dụng của quy trình.".into()),
        };
        if self.procedure.is_empty() {
            return Err("Hãy chọn thủ tục.".into());
        }
        let mut steps = Vec::new();
        for (i, (name, role, agency, hours)) in self.steps.iter().enumerate() {
            let n = i + 1;
            if name.is_empty() {
                return Err(format!("Bước {n} chưa có tên."));
            }
            let value: f64 = hours.replace(',', ".").parse().map_err(|_| {
                format!("Bước {n}: thời gian phải là số giờ làm việc, ví dụ 4 hoặc 1,5.")
            })?;
            if !(value > 0.0 && value <= 10_000.0) {
                return Err(format!("Bước {n}: thời gian phải lớn hơn 0 giờ."));
            }
            steps.push(StepInput {
                name: name.clone(),
                role: role.clone(),
                agency_code: Some(agency.clone()).filter(|a| !a.is_empty()),
                budget_hours: None,
                budget_minutes: Some((value * 60.0).round() as u32),
            });
        }
        Ok(ProcessInput {
            procedure_code: self.procedure.clone(),
            agency_code,
            level,
            steps,
            note: self.note.clone(),
        })
    }
}

/// Step rows shown in the form: the draft's, then blank ones.
const MAX_ROWS: usize = 12;
const BLANK_ROWS: usize = 2;

fn role_options(current: &str) -> Vec<SelectOpt> {
    options(
        [Role::Receiver, Role::Specialist, Role::Leader]
            .iter()
            .map(|r| (r.as_str().to_owned(), r.label_vi().to_owned()))
            .collect(),
        current,
    )
}

pub(super) struct FormContext {
    procedures: Vec<(String, String)>,
    scopes: Vec<(String, String)>,
    step_agencies: Vec<(String, String)>,
    catalogue: HashMap<String, (String, i64)>,
}

pub(super) async fn form_context(
    state: &AppState,
    user: &AuthUser,
) -> Result<FormContext, PageError> {
    let catalogue = published(state).await?;
    let mut procedures: Vec<(String, String)> = catalogue
        .iter()
        .map(|(code, (name, legal))| {
            (
                code.clone(),
                format!("{name} ({code}; {})", legal_text(*legal)),
            )
        })
        .collect();
    procedures.sort_by(|a, b| a.1.cmp(&b.1));
    procedures.insert(0, (String::new(), "— Chọn thủ tục —".into()));
    let today = crate::today_vn();
    let agencies: Vec<_> = motcua_app::register::agencies(&state.app, &Default::default())
        .await?
        .into_iter()
        .filter(|a| a.is_valid_at(today))
        .collect();
    let mut provincial: Vec<(String, String)> = agencies
        .iter()
        .filter(|a| a.kind != AgencyKind::CommuneCommittee)
        .map(|a| (a.code.to_string(), a.name.clone()))
        .collect();
    provincial.sort_by(|a, b| a.1.cmp(&b.1));
    let mut scopes = Vec::new();
    if user.role == Role::ProvinceAdmin {
        scopes.push((
            "level:commune".to_owned(),
            "Mặc định cho mọi Ủy ban nhân dân cấp xã".to_owned(),
        ));
        scopes.push(("level:province".to_owned(), "Mặc định cấp tỉnh".to_owned()));
        scopes.extend(agencies.iter().map(|a| {
            (
                format!("agency:{}", a.code),
                format!("Riêng của {}", a.name),
            )
        }));
    } else if let Some(own) = &user.agency_code {
        let name = agencies
            .iter()
            .find(|a| a.code.as_str() == own)
            .map_or_else(|| own.clone(), |a| a.name.clone());
        scopes.push((format!("agency:{own}"), format!("Riêng của {name}")));
    }
    let mut step_agencies = vec![(String::new(), "Cơ quan giải quyết hồ sơ".to_owned())];
    step_agencies.extend(provincial);
    Ok(FormContext {
        procedures,
        scopes,
        step_agencies,
        catalogue,
    })
}

fn rows_of(draft: &Draft, ctx: &FormContext) -> Vec<StepRow> {
    let count = (draft.steps.len() + BLANK_ROWS).clamp(4, MAX_ROWS);
    (0..count)
        .map(|i| {
            let (name, role, agency, hours) = draft.steps.get(i).cloned().unwrap_or_default();
            StepRow {
                index: i,
                name,
                roles: role_options(if role.is_empty() { "specialist" } else { &role }),
                agencies: options(ctx.step_agencies.clone(), &agency),
                hours,
            }
        })
        .collect()
}

fn facts_of(
    p: &ProcessRecord,
    names: &HashMap<String, String>,
    ctx: &FormContext,
) -> (Facts, Vec<StepLine>) {
    let legal = ctx
        .catalogue
        .get(&p.procedure_code)
        .map(|(_, l)| *l)
        .unwrap_or_default();
    let steps = p
        .steps
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
            share: if legal > 0 {
                format!("{}%", i64::from(s.budget_minutes) * 100 / legal)
            } else {
                String::new()
            },
        })
        .collect();
    let facts = Facts {
        id: p.id.to_string(),
        procedure_code: p.procedure_code.clone(),
        procedure_name: ctx
            .catalogue
            .get(&p.procedure_code)
            .map(|(n, _)| n.clone())
            .unwrap_or_default(),
        scope: scope_label(p, names),
        version_no: p.version_no,
        state: p.state.as_str(),
        state_label: p.state.label_vi(),
        created: format!("{} · {}", when_utc(&p.created_at), p.created_by),
        approved: match (&p.approved_at, &p.approved_by) {
            (Some(at), Some(by)) => format!("{} · {by}", when_utc(at)),
            _ => String::new(),
        },
        note: p.note.clone(),
        total: if legal > 0 {
            format!(
                "{} giờ làm việc trên thời hạn {}",
                hours(p.budget_minutes),
                legal_text(legal)
            )
        } else {
            format!("{} giờ làm việc", hours(p.budget_minutes))
        },
    };
    (facts, steps)
}

/// Explains a refused draft in hours rather than minutes.
pub(super) fn draft_error(err: &AppError, draft: &Draft, ctx: &FormContext) -> String {
    if err.code() == "process_over_legal_time"
        && let Some((_, legal)) = ctx.catalogue.get(&draft.procedure)
    {
        let total: f64 = draft
            .steps
            .iter()
            .filter_map(|s| s.3.replace(',', ".").parse::<f64>().ok())
            .sum();
        return format!(
            "Tổng thời gian các bước là {} giờ làm việc, vượt thời hạn giải quyết theo quy định \
             là {}. Hãy giảm thời gian của các bước.",
            format!("{total}").replace('.', ","),
            legal_text(*legal)
        );
    }
    err.detail().into_owned()
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn process_page(
    state: &AppState,
    chrome: Chrome,
    user: &AuthUser,
    existing: Option<&ProcessRecord>,
    draft: Draft,
    error: Option<String>,
    notice: Option<String>,
) -> Result<ProcessPage, PageError> {
    let ctx = form_context(state, user).await?;
    let names = agency_names(state)
        .await
        .map_err(|e| PageError(Box::new(api_error_page(chrome.clone(), e))))?;
    let (facts, steps, editable, can_approve, can_adjust) = match existing {
        Some(p) => {
            let (facts, steps) = facts_of(p, &names, &ctx);
            let draft_state = p.state == ProcessState::Draft;
            let who = user.principal();
            let manages = may_manage(&who, p.agency_code.as_deref(), false).is_ok();
            (
                Some(facts),
                steps,
                draft_state && manages,
                draft_state && may_manage(&who, p.agency_code.as_deref(), true).is_ok(),
                !draft_state && manages,
            )
        }
        None => (None, Vec::new(), can_draft(user), false, false),
    };
    let legal = ctx
        .catalogue
        .get(&draft.procedure)
        .map(|(_, l)| legal_text(*l));
    let fixed_procedure = existing.map(|p| p.procedure_code.clone());
    let fixed_scope = existing.map(|p| p.scope.clone());
    Ok(ProcessPage {
        heading: match existing {
            Some(p) => format!(
                "Quy trình {} · phiên bản {}",
                p.procedure_code, p.version_no
            ),
            None => "Soạn quy trình nội bộ".into(),
        },
        form_action: existing.map_or_else(
            || "/processes/new".into(),
            |p| format!("/processes/{}", p.id),
        ),
        procedure_options: options(ctx.procedures.clone(), &draft.procedure),
        scope_options: options(ctx.scopes.clone(), &draft.scope),
        rows: rows_of(&draft, &ctx),
        note: draft.note.clone(),
        facts,
        steps,
        editable,
        can_approve,
        can_adjust,
        fixed_procedure,
        fixed_scope,
        legal,
        error,
        notice,
        chrome,
    })
}
