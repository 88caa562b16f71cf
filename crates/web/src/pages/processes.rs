//! Internal processes: the list (with the published procedures that still have no approved
//! process, which the province must redraw after devolution), drafting with steps and
//! budgets checked against the legal time, approval, and adjusting an approved process.

use super::dossier_common::{agency_names, api_error_page, hours, name_of, when_utc};
use super::work::SelectOpt;
use super::{Chrome, PageError, error_page_with, render};
use crate::AppState;
use crate::api::processes::{
    ProcessBody, StepBody, approve_for, draft_for, may_manage, parse_id, staff,
};
use crate::auth::{AuthUser, PageUser};
use crate::error::ApiError;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_domain::account::Role;
use motcua_domain::agency::AgencyKind;
use motcua_domain::calendar::WORKING_DAY_MINUTES;
use motcua_domain::dossier::{ProcessState, ProcessStep, suggested_steps};
use motcua_domain::procedure::Level;
use motcua_store::ProcessRecord;
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

fn options(items: Vec<(String, String)>, current: &str) -> Vec<SelectOpt> {
    items
        .into_iter()
        .map(|(value, label)| SelectOpt {
            selected: value == current,
            value,
            label,
        })
        .collect()
}

fn staff_page(chrome: &Chrome, user: &AuthUser) -> Option<Response> {
    staff(user).err().map(|_| {
        error_page_with(
            chrome.clone(),
            StatusCode::FORBIDDEN,
            "Quy trình nội bộ dành cho cán bộ và quản trị.",
        )
    })
}

fn scope_label(p: &ProcessRecord, names: &HashMap<String, String>) -> String {
    match &p.agency_code {
        Some(code) => name_of(names, code),
        None => {
            let level = match p.level {
                Level::Commune => "Mặc định cho mọi Ủy ban nhân dân cấp xã",
                Level::Province => "Mặc định cấp tỉnh",
            };
            // The department a default routes the dossiers to, if its steps name one.
            match p.steps.iter().find_map(|s| s.agency.as_ref()) {
                Some(a) => format!("{level} · giải quyết tại {}", name_of(names, a.as_str())),
                None => level.to_owned(),
            }
        }
    }
}

fn legal_text(minutes: i64) -> String {
    let day = i64::from(WORKING_DAY_MINUTES);
    if minutes % day == 0 {
        format!(
            "{} ngày làm việc ({} giờ làm việc)",
            minutes / day,
            hours(minutes)
        )
    } else {
        format!("{} giờ làm việc", hours(minutes))
    }
}

/// Published procedures by code: (name, legal time in working minutes).
async fn published(state: &AppState) -> Result<HashMap<String, (String, i64)>, PageError> {
    Ok(state
        .store
        .published_catalogue()
        .await?
        .into_iter()
        .map(|e| {
            (
                e.version.code.clone(),
                (
                    e.version.procedure.name.clone(),
                    e.version.procedure.processing_time.minutes(),
                ),
            )
        })
        .collect())
}

// -------------------------------------------------------------------------- list

#[derive(Debug, Default, Deserialize)]
pub(super) struct ListQuery {
    procedure: Option<String>,
    agency: Option<String>,
    state: Option<String>,
}

pub(crate) struct MissingLine {
    pub code: String,
    pub name: String,
    pub level: &'static str,
    pub agency: String,
    pub draft_link: String,
}

pub(crate) struct ProcessLine {
    pub id: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub scope: String,
    pub version_no: i64,
    pub state: &'static str,
    pub state_label: &'static str,
    pub steps: usize,
    pub budget: String,
    pub approved_at: String,
}

#[derive(Template)]
#[template(path = "processes.html")]
struct ListPage {
    chrome: Chrome,
    missing: Vec<MissingLine>,
    lines: Vec<ProcessLine>,
    procedure: String,
    agency_options: Vec<SelectOpt>,
    state_options: Vec<SelectOpt>,
    can_draft: bool,
}

fn can_draft(user: &AuthUser) -> bool {
    matches!(
        user.role,
        Role::ProvinceAdmin | Role::Leader | Role::UnitAdmin
    )
}

/// `GET /processes`.
pub(super) async fn list(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    if let Some(denied) = staff_page(&chrome, &user) {
        return Ok(denied);
    }
    let names = agency_names(&state)
        .await
        .map_err(|e| PageError(Box::new(api_error_page(chrome.clone(), e))))?;
    let catalogue = published(&state).await?;
    let trimmed = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let wanted_state = trimmed(&q.state).and_then(|s| ProcessState::parse(&s));
    let procedure = trimmed(&q.procedure);
    let agency = trimmed(&q.agency);
    let processes = state
        .store
        .processes(procedure.as_deref(), agency.as_deref(), wanted_state)
        .await?;
    let missing = state
        .store
        .procedures_without_process(crate::today_vn())
        .await?
        .into_iter()
        .map(|m| {
            let scope = format!("level:{}", m.level.as_str());
            MissingLine {
                draft_link: format!(
                    "/processes/new?{}",
                    serde_urlencoded::to_string([
                        ("procedure", m.procedure_code.as_str()),
                        ("scope", scope.as_str())
                    ])
                    .unwrap_or_default()
                ),
                level: m.level.label_vi(),
                agency: match (&m.agency_code, m.agency_kind) {
                    (Some(code), _) => name_of(&names, code),
                    (None, Some(kind)) => kind.label_vi().to_owned(),
                    (None, None) => String::new(),
                },
                code: m.procedure_code,
                name: m.name,
            }
        })
        .collect();
    let lines = processes
        .iter()
        .map(|p| ProcessLine {
            id: p.id.to_string(),
            procedure_code: p.procedure_code.clone(),
            procedure_name: catalogue
                .get(&p.procedure_code)
                .map(|(n, _)| n.clone())
                .unwrap_or_default(),
            scope: scope_label(p, &names),
            version_no: p.version_no,
            state: p.state.as_str(),
            state_label: p.state.label_vi(),
            steps: p.steps.len(),
            budget: hours(p.budget_minutes),
            approved_at: p.approved_at.as_ref().map(when_utc).unwrap_or_default(),
        })
        .collect();
    let mut agency_items = vec![(String::new(), "— Mọi cơ quan —".to_owned())];
    let mut listed: Vec<(String, String)> = state
        .store
        .agencies(None)
        .await?
        .into_iter()
        .filter(|a| a.is_valid_at(crate::today_vn()) && a.kind != AgencyKind::CommuneCommittee)
        .map(|a| (a.code.to_string(), a.name))
        .collect();
    listed.sort_by(|a, b| a.1.cmp(&b.1));
    agency_items.extend(listed);
    if let Some(own) = &user.agency_code
        && !agency_items.iter().any(|(c, _)| c == own)
    {
        agency_items.push((own.clone(), name_of(&names, own)));
    }
    let mut state_items = vec![(String::new(), "— Mọi trạng thái —".to_owned())];
    state_items.extend(
        ProcessState::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), s.label_vi().to_owned())),
    );
    let page = ListPage {
        missing,
        lines,
        procedure: procedure.unwrap_or_default(),
        agency_options: options(agency_items, agency.as_deref().unwrap_or("")),
        state_options: options(
            state_items,
            wanted_state.map(ProcessState::as_str).unwrap_or(""),
        ),
        can_draft: can_draft(&user),
        chrome,
    };
    Ok(render(StatusCode::OK, &page))
}

// ---------------------------------------------------------------- one process

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
struct ProcessPage {
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
struct Draft {
    procedure: String,
    scope: String,
    steps: Vec<(String, String, String, String)>,
    note: String,
}

impl Draft {
    fn from_steps(procedure: &str, scope: &str, steps: &[ProcessStep], note: &str) -> Draft {
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

    fn from_form(form: &HashMap<String, String>) -> Draft {
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
    fn body(&self) -> Result<ProcessBody, String> {
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
            steps.push(StepBody {
                name: name.clone(),
                role: role.clone(),
                agency_code: Some(agency.clone()).filter(|a| !a.is_empty()),
                budget_hours: None,
                budget_minutes: Some((value * 60.0).round() as u32),
            });
        }
        Ok(ProcessBody {
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

struct FormContext {
    procedures: Vec<(String, String)>,
    scopes: Vec<(String, String)>,
    step_agencies: Vec<(String, String)>,
    catalogue: HashMap<String, (String, i64)>,
}

async fn form_context(state: &AppState, user: &AuthUser) -> Result<FormContext, PageError> {
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
    let agencies: Vec<_> = state
        .store
        .agencies(None)
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
fn draft_error(err: &ApiError, draft: &Draft, ctx: &FormContext) -> String {
    if err.code == "process_over_legal_time"
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
    err.detail.clone()
}

#[allow(clippy::too_many_arguments)]
async fn process_page(
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
            let manages = may_manage(user, p.agency_code.as_deref(), false).is_ok();
            (
                Some(facts),
                steps,
                draft_state && manages,
                draft_state && may_manage(user, p.agency_code.as_deref(), true).is_ok(),
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

#[derive(Debug, Default, Deserialize)]
pub(super) struct NewQuery {
    procedure: Option<String>,
    scope: Option<String>,
    from: Option<String>,
}

/// `GET /processes/new[?procedure=&scope=][?from=ID]`: a blank draft, a suggestion from
/// the legal time, or a copy of an approved process to adjust.
pub(super) async fn new_form(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    if let Some(denied) = staff_page(&chrome, &user) {
        return Ok(denied);
    }
    if !can_draft(&user) {
        return Ok(error_page_with(
            chrome,
            StatusCode::FORBIDDEN,
            "Chỉ quản trị cấp tỉnh, lãnh đạo hoặc quản trị đơn vị được soạn quy trình.",
        ));
    }
    let own_scope = user.agency_code.as_ref().map(|a| format!("agency:{a}"));
    let mut draft = Draft::default();
    if let Some(from) = q.from.as_deref().and_then(|f| Uuid::parse_str(f).ok())
        && let Some(p) = state.store.process(from).await?
    {
        draft = Draft::from_steps(&p.procedure_code, &p.scope, &p.steps, &p.note);
    } else if let Some(code) = q.procedure.as_deref().filter(|c| !c.is_empty()) {
        let scope = match user.role {
            Role::ProvinceAdmin => q.scope.clone().unwrap_or_else(|| "level:commune".into()),
            _ => own_scope.clone().unwrap_or_default(),
        };
        if let Some(v) = state.store.published_version(code).await? {
            let p = &v.procedure;
            let handler = if scope == "level:province" {
                p.agency_code.clone()
            } else {
                None
            };
            let steps = suggested_steps(p.processing_time.minutes(), handler);
            draft = Draft::from_steps(
                code,
                &scope,
                &steps,
                "Gợi ý theo thời hạn giải quyết: tiếp nhận 10%, thẩm định 60%, phê duyệt 20%.",
            );
        }
    }
    if draft.scope.is_empty()
        && let Some(own) = own_scope
    {
        draft.scope = own;
    }
    let page = process_page(&state, chrome, &user, None, draft, None, None).await?;
    Ok(render(StatusCode::OK, &page))
}

async fn save_draft(
    state: &AppState,
    chrome: Chrome,
    user: &AuthUser,
    existing: Option<&ProcessRecord>,
    draft: Draft,
) -> Result<Response, PageError> {
    let body = match draft.body() {
        Ok(body) => body,
        Err(message) => {
            let page =
                process_page(state, chrome, user, existing, draft, Some(message), None).await?;
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    match draft_for(state, user, body).await {
        Ok(record) => {
            Ok(Redirect::to(&format!("/processes/{}?saved=1", record.id)).into_response())
        }
        Err(err) => {
            let ctx = form_context(state, user).await?;
            let message = draft_error(&err, &draft, &ctx);
            let page =
                process_page(state, chrome, user, existing, draft, Some(message), None).await?;
            Ok(render(err.status, &page))
        }
    }
}

/// `POST /processes/new`.
pub(super) async fn create(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    if let Some(denied) = staff_page(&chrome, &user) {
        return Ok(denied);
    }
    save_draft(&state, chrome, &user, None, Draft::from_form(&form)).await
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct DetailQuery {
    saved: Option<String>,
    approved: Option<String>,
}

async fn load(state: &AppState, chrome: &Chrome, id: &str) -> Result<ProcessRecord, Response> {
    let not_found = || {
        error_page_with(
            chrome.clone(),
            StatusCode::NOT_FOUND,
            "Không tìm thấy quy trình.",
        )
    };
    let id = parse_id(id).map_err(|_| not_found())?;
    match state.store.process(id).await {
        Ok(Some(p)) => Ok(p),
        Ok(None) => Err(not_found()),
        Err(e) => Err(PageError::from(e).into_response()),
    }
}

/// `GET /processes/{id}`: the process; a draft is edited here and approved from here.
pub(super) async fn detail(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, PageError> {
    if let Some(denied) = staff_page(&chrome, &user) {
        return Ok(denied);
    }
    let process = match load(&state, &chrome, &id).await {
        Ok(p) => p,
        Err(response) => return Ok(response),
    };
    let notice = if q.approved.is_some() {
        Some("Đã phê duyệt: hồ sơ mới của thủ tục này sẽ theo quy trình này.".to_owned())
    } else if q.saved.is_some() {
        Some("Đã lưu dự thảo.".to_owned())
    } else {
        None
    };
    let draft = Draft::from_steps(
        &process.procedure_code,
        &process.scope,
        &process.steps,
        &process.note,
    );
    let page = process_page(&state, chrome, &user, Some(&process), draft, None, notice).await?;
    Ok(render(StatusCode::OK, &page))
}

/// `POST /processes/{id}`: saves the draft (same procedure and scope).
pub(super) async fn save(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    if let Some(denied) = staff_page(&chrome, &user) {
        return Ok(denied);
    }
    let process = match load(&state, &chrome, &id).await {
        Ok(p) => p,
        Err(response) => return Ok(response),
    };
    let mut draft = Draft::from_form(&form);
    draft.procedure = process.procedure_code.clone();
    draft.scope = process.scope.clone();
    save_draft(&state, chrome, &user, Some(&process), draft).await
}

/// `POST /processes/{id}/approve`.
pub(super) async fn approve(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    if let Some(denied) = staff_page(&chrome, &user) {
        return Ok(denied);
    }
    let process = match load(&state, &chrome, &id).await {
        Ok(p) => p,
        Err(response) => return Ok(response),
    };
    match approve_for(&state, &user, process.id).await {
        Ok(p) => Ok(Redirect::to(&format!("/processes/{}?approved=1", p.id)).into_response()),
        Err(err) => {
            let draft = Draft::from_steps(
                &process.procedure_code,
                &process.scope,
                &process.steps,
                &process.note,
            );
            let status = err.status;
            let page = process_page(
                &state,
                chrome,
                &user,
                Some(&process),
                draft,
                Some(format!("Chưa phê duyệt được: {}", err.detail)),
                None,
            )
            .await?;
            Ok(render(status, &page))
        }
    }
}
