//! Pages for administrative units (public), agency administration, and the transition.

use super::{Chrome, PageError, error_page_with, render};
use crate::AppState;
use crate::api::units::{AgencyInput, agency_from_input, may_edit_agency};
use crate::auth::PageUser;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use motcua_domain::account::Role;
use motcua_domain::agency::{Agency, AgencyCode, AgencyKind};
use motcua_domain::transition::{Assignment, PlanRules, TransitionPlan, Undecided, plan};
use motcua_domain::unit::{AdminUnit, UnitKind};
use motcua_store::{AgencyQuery, SuccessionDetail, TransitionMove, UnitQuery, bound_kind_label};
use serde::Deserialize;

fn date_vn(d: &NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// "01/07/2025 – nay" for a validity interval.
fn interval(u: &AdminUnit) -> String {
    format!(
        "{} – {}",
        date_vn(&u.validity.valid_from),
        u.validity
            .valid_to
            .as_ref()
            .map_or_else(|| "nay".to_owned(), date_vn)
    )
}

/// A unit as pages show it.
pub(crate) struct UnitRow {
    pub code: String,
    pub full_name: String,
    pub kind: &'static str,
    pub interval: String,
    /// `?at=` for a link that finds this interval.
    pub at: String,
}

impl From<&AdminUnit> for UnitRow {
    fn from(u: &AdminUnit) -> UnitRow {
        UnitRow {
            code: u.code.clone(),
            full_name: u.full_name.clone(),
            kind: u.kind.label_vi(),
            interval: interval(u),
            at: u.validity.valid_from.to_string(),
        }
    }
}

#[derive(Deserialize)]
pub(super) struct UnitsForm {
    q: Option<String>,
    at: Option<String>,
}

fn page_date(raw: Option<&str>, chrome: &Chrome) -> Result<NaiveDate, Box<Response>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(crate::today_vn()),
        Some(raw) => NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
            Box::new(error_page_with(
                chrome.clone(),
                StatusCode::BAD_REQUEST,
                "Ngày không hợp lệ. Dùng dạng năm-tháng-ngày, ví dụ 2025-07-01.",
            ))
        }),
    }
}

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsPage {
    chrome: Chrome,
    q: String,
    at: String,
    at_vn: String,
    searching: bool,
    total: i64,
    rows: Vec<UnitRow>,
}

/// `/units`: the provinces, or the results of a search.
pub(super) async fn units(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(form): Query<UnitsForm>,
) -> Result<Response, PageError> {
    let at = match page_date(form.at.as_deref(), &chrome) {
        Ok(d) => d,
        Err(page) => return Ok(*page),
    };
    let q = form.q.unwrap_or_default().trim().to_owned();
    let searching = !q.is_empty();
    let page = if searching {
        state
            .store
            .search_units(&UnitQuery {
                at,
                kind: None,
                parent: None,
                q: Some(q.clone()),
                limit: 200,
                offset: 0,
            })
            .await?
    } else {
        let mut provinces = Vec::new();
        let mut total = 0;
        for kind in [UnitKind::CentralCity, UnitKind::Province] {
            let page = state
                .store
                .search_units(&UnitQuery {
                    at,
                    kind: Some(kind),
                    parent: None,
                    q: None,
                    limit: 100,
                    offset: 0,
                })
                .await?;
            total += page.total;
            provinces.extend(page.units);
        }
        provinces.sort_by(|a, b| a.code.cmp(&b.code));
        motcua_store::UnitPage {
            total,
            units: provinces,
        }
    };
    let page = UnitsPage {
        chrome,
        q,
        at: at.to_string(),
        at_vn: date_vn(&at),
        searching,
        total: page.total,
        rows: page.units.iter().map(Into::into).collect(),
    };
    Ok(render(StatusCode::OK, &page))
}

/// A succession as the unit page shows it: the other unit and the link.
pub(crate) struct LinkRow {
    pub code: String,
    pub full_name: String,
    pub at: String,
    pub link: &'static str,
    pub effective: String,
    pub legal_basis: String,
    /// For a predecessor: what else it became (when it was split).
    pub became: Vec<UnitRow>,
}

fn link_label(d: &SuccessionDetail) -> &'static str {
    match d.succession.link {
        motcua_domain::unit::SuccessionLink::Full => "toàn bộ",
        motcua_domain::unit::SuccessionLink::Partial => "một phần",
    }
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    chrome: Chrome,
    unit: UnitRow,
    at_vn: String,
    parent: Option<UnitRow>,
    children: Vec<UnitRow>,
    predecessors: Vec<LinkRow>,
    successors: Vec<LinkRow>,
    agencies: Vec<AgencyRow>,
    history: Vec<UnitRow>,
}

/// `/units/{code}`: one unit at a date, its history and its agencies.
pub(super) async fn unit(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(code): Path<String>,
    Query(form): Query<UnitsForm>,
) -> Result<Response, PageError> {
    let at = match page_date(form.at.as_deref(), &chrome) {
        Ok(d) => d,
        Err(page) => return Ok(*page),
    };
    let store = &state.store;
    let history = store.unit_history(&code).await?;
    // Without a date, a code no longer in force shows its latest interval.
    let unit = match store.unit_at(&code, at).await? {
        Some(u) => u,
        None => match (form.at.is_none(), history.last()) {
            (true, Some(last)) => last.clone(),
            _ => {
                return Ok(error_page_with(
                    chrome,
                    StatusCode::NOT_FOUND,
                    &format!(
                        "Không có đơn vị hành chính mã {code} có hiệu lực ngày {}.",
                        date_vn(&at)
                    ),
                ));
            }
        },
    };
    let on = if unit.validity.contains(at) {
        at
    } else {
        unit.validity.valid_from
    };
    let parent = match &unit.parent_code {
        Some(p) => store.unit_at(p, on).await?,
        None => None,
    };
    let children = store.child_units_at(&unit.code, on).await?;
    let mut predecessors = Vec::new();
    for d in store.predecessors(&unit).await? {
        let mut became = Vec::new();
        if let Some(old) = &d.old_unit {
            for s in store.successors(old).await? {
                if let Some(new) = s.new_unit.as_ref().filter(|n| n.code != unit.code) {
                    became.push(new.into());
                }
            }
        }
        predecessors.push(link_row(
            &d,
            d.old_unit.as_ref(),
            &d.succession.old_code,
            became,
        ));
    }
    let successors = store
        .successors(&unit)
        .await?
        .iter()
        .map(|d| link_row(d, d.new_unit.as_ref(), &d.succession.new_code, vec![]))
        .collect();
    let agencies = store
        .find_agencies(&AgencyQuery {
            unit: Some(unit.code.clone()),
            ..AgencyQuery::default()
        })
        .await?
        .iter()
        .filter(|a| {
            // Agencies of this interval: working during it.
            a.valid_to.is_none_or(|to| to >= unit.validity.valid_from)
                && a.valid_from
                    .is_none_or(|from| unit.validity.valid_to.is_none_or(|to| from <= to))
        })
        .map(Into::into)
        .collect();
    let page = UnitPage {
        chrome,
        unit: (&unit).into(),
        at_vn: date_vn(&on),
        parent: parent.as_ref().map(Into::into),
        children: children.iter().map(Into::into).collect(),
        predecessors,
        successors,
        agencies,
        history: history.iter().map(Into::into).collect(),
    };
    Ok(render(StatusCode::OK, &page))
}

fn link_row(
    d: &SuccessionDetail,
    other: Option<&AdminUnit>,
    code: &str,
    became: Vec<UnitRow>,
) -> LinkRow {
    LinkRow {
        code: code.to_owned(),
        full_name: other.map_or_else(|| "(không rõ)".to_owned(), |u| u.full_name.clone()),
        at: other.map_or_else(String::new, |u| u.validity.valid_from.to_string()),
        link: link_label(d),
        effective: date_vn(&d.succession.effective),
        legal_basis: d.succession.legal_basis.clone(),
        became,
    }
}

/// An agency as pages show it.
pub(crate) struct AgencyRow {
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub unit_code: String,
    pub parent_code: String,
    pub working: String,
    pub successor_code: String,
    pub editable: bool,
}

impl From<&Agency> for AgencyRow {
    fn from(a: &Agency) -> AgencyRow {
        let from = a
            .valid_from
            .as_ref()
            .map_or_else(|| "…".to_owned(), date_vn);
        let to = a
            .valid_to
            .as_ref()
            .map_or_else(|| "nay".to_owned(), date_vn);
        AgencyRow {
            code: a.code.to_string(),
            name: a.name.clone(),
            kind: a.kind.label_vi(),
            unit_code: a.unit_code.clone(),
            parent_code: a
                .parent_code
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            working: format!("{from} – {to}"),
            successor_code: a
                .successor_code
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            editable: false,
        }
    }
}

/// The form's fields, kept to show again with an error.
#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct AgencyForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    unit_code: String,
    #[serde(default)]
    parent_code: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_to: String,
}

impl AgencyForm {
    fn of(a: &Agency) -> AgencyForm {
        AgencyForm {
            code: a.code.to_string(),
            name: a.name.clone(),
            kind: a.kind.as_str().to_owned(),
            unit_code: a.unit_code.clone(),
            parent_code: a
                .parent_code
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            valid_from: a.valid_from.map(|d| d.to_string()).unwrap_or_default(),
            valid_to: a.valid_to.map(|d| d.to_string()).unwrap_or_default(),
        }
    }

    fn input(&self) -> Result<AgencyInput, String> {
        let date = |raw: &str, label: &str| -> Result<Option<NaiveDate>, String> {
            match raw.trim() {
                "" => Ok(None),
                s => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| format!("{label} không hợp lệ (dạng 2025-07-01)")),
            }
        };
        Ok(AgencyInput {
            code: Some(self.code.clone()),
            name: self.name.clone(),
            kind: self.kind.clone(),
            unit_code: self.unit_code.clone(),
            parent_code: Some(self.parent_code.clone()),
            valid_from: date(&self.valid_from, "Ngày bắt đầu")?,
            valid_to: date(&self.valid_to, "Ngày kết thúc")?,
        })
    }
}

pub(crate) struct KindOption {
    pub value: &'static str,
    pub label: &'static str,
}

fn kind_options() -> Vec<KindOption> {
    AgencyKind::ALL
        .iter()
        .map(|k| KindOption {
            value: k.as_str(),
            label: k.label_vi(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "agencies.html")]
struct AgenciesPage {
    chrome: Chrome,
    agencies: Vec<AgencyRow>,
    can_create: bool,
    form: AgencyForm,
    kinds: Vec<KindOption>,
    error: Option<String>,
    notice: Option<String>,
}

fn forbidden(chrome: Chrome) -> Response {
    error_page_with(
        chrome,
        StatusCode::FORBIDDEN,
        "Tài khoản của bạn không có quyền quản trị cơ quan.",
    )
}

#[derive(Deserialize)]
pub(super) struct Notice {
    saved: Option<String>,
}

async fn agencies_page(
    state: &AppState,
    chrome: Chrome,
    user: &crate::auth::AuthUser,
    form: AgencyForm,
    error: Option<String>,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let mut agencies: Vec<AgencyRow> = state
        .store
        .agencies(None)
        .await?
        .iter()
        .filter(|a| {
            user.role == Role::ProvinceAdmin || user.agency_code.as_deref() == Some(a.code.as_str())
        })
        .map(Into::into)
        .collect();
    for a in &mut agencies {
        a.editable = may_edit_agency(user, &a.code);
    }
    let page = AgenciesPage {
        chrome,
        agencies,
        can_create: user.role == Role::ProvinceAdmin,
        form,
        kinds: kind_options(),
        error,
        notice,
    };
    Ok(render(status, &page))
}

/// `/admin/agencies`: the agencies an administrator may manage, and a form for a new one.
pub(super) async fn agencies(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Query(notice): Query<Notice>,
) -> Result<Response, PageError> {
    if !matches!(user.role, Role::ProvinceAdmin | Role::UnitAdmin) {
        return Ok(forbidden(chrome));
    }
    let notice = notice.saved.map(|code| format!("Đã lưu cơ quan {code}."));
    let form = AgencyForm {
        kind: AgencyKind::CommuneCommittee.as_str().into(),
        ..AgencyForm::default()
    };
    agencies_page(&state, chrome, &user, form, None, notice, StatusCode::OK).await
}

fn store_error_message(err: motcua_store::StoreError) -> Result<String, PageError> {
    match err {
        motcua_store::StoreError::NotFound(what) => Ok(format!("Không tìm thấy {what}.")),
        motcua_store::StoreError::Conflict { detail, .. } => Ok(detail),
        other => Err(other.into()),
    }
}

pub(super) async fn create_agency(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Form(form): Form<AgencyForm>,
) -> Result<Response, PageError> {
    if user.role != Role::ProvinceAdmin {
        return Ok(forbidden(chrome));
    }
    let result = match form.input() {
        Ok(input) => agency_from_input(&form.code, &input).map_err(|e| e.detail),
        Err(message) => Err(message),
    };
    let agency = match result {
        Ok(agency) => agency,
        Err(message) => {
            return agencies_page(
                &state,
                chrome,
                &user,
                form,
                Some(message),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let audit = user.audit(
        "agency.created",
        format!("agency:{}", agency.code),
        serde_json::json!({ "name": agency.name, "via": "page" }),
    );
    match state
        .store
        .create_agency(&agency, crate::now(), audit)
        .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("/admin/agencies?saved={}", agency.code)).into_response())
        }
        Err(err) => {
            let message = store_error_message(err)?;
            agencies_page(
                &state,
                chrome,
                &user,
                form,
                Some(message),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "agency_edit.html")]
struct AgencyEditPage {
    chrome: Chrome,
    code: String,
    form: AgencyForm,
    kinds: Vec<KindOption>,
    only_name: bool,
    error: Option<String>,
    successor_code: String,
}

async fn load_editable(
    state: &AppState,
    user: &crate::auth::AuthUser,
    code: &str,
) -> Result<Result<Agency, (StatusCode, &'static str)>, PageError> {
    let Ok(parsed) = AgencyCode::parse(code) else {
        return Ok(Err((StatusCode::NOT_FOUND, "Không có cơ quan này.")));
    };
    if !may_edit_agency(user, parsed.as_str()) {
        return Ok(Err((
            StatusCode::FORBIDDEN,
            "Bạn chỉ được quản trị cơ quan của mình.",
        )));
    }
    Ok(match state.store.agency(parsed.as_str()).await? {
        Some(a) => Ok(a),
        None => Err((StatusCode::NOT_FOUND, "Không có cơ quan này.")),
    })
}

/// `/admin/agencies/{code}`: the edit form.
pub(super) async fn edit_agency(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let agency = match load_editable(&state, &user, &code).await? {
        Ok(a) => a,
        Err((status, message)) => return Ok(error_page_with(chrome, status, message)),
    };
    let page = AgencyEditPage {
        chrome,
        code: agency.code.to_string(),
        form: AgencyForm::of(&agency),
        kinds: kind_options(),
        only_name: user.role != Role::ProvinceAdmin,
        error: None,
        successor_code: agency
            .successor_code
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
    };
    Ok(render(StatusCode::OK, &page))
}

pub(super) async fn save_agency(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Form(mut form): Form<AgencyForm>,
) -> Result<Response, PageError> {
    let current = match load_editable(&state, &user, &code).await? {
        Ok(a) => a,
        Err((status, message)) => return Ok(error_page_with(chrome, status, message)),
    };
    let only_name = user.role != Role::ProvinceAdmin;
    if only_name {
        let name = form.name.clone();
        form = AgencyForm {
            name,
            ..AgencyForm::of(&current)
        };
    }
    form.code = current.code.to_string();
    let result = match form.input() {
        Ok(input) => agency_from_input(&form.code, &input).map_err(|e| e.detail),
        Err(message) => Err(message),
    };
    let show = |form: AgencyForm, message: String| AgencyEditPage {
        chrome: chrome.clone(),
        code: current.code.to_string(),
        form,
        kinds: kind_options(),
        only_name,
        error: Some(message),
        successor_code: current
            .successor_code
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
    };
    let mut agency = match result {
        Ok(a) => a,
        Err(message) => {
            return Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &show(form, message),
            ));
        }
    };
    agency.successor_code = current.successor_code.clone();
    let audit = user.audit(
        "agency.updated",
        format!("agency:{}", agency.code),
        serde_json::json!({ "name": agency.name, "via": "page" }),
    );
    match state.store.update_agency(&agency, audit).await {
        Ok(()) => {
            Ok(Redirect::to(&format!("/admin/agencies?saved={}", agency.code)).into_response())
        }
        Err(err) => {
            let message = store_error_message(err)?;
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &show(form, message),
            ))
        }
    }
}

#[derive(Deserialize)]
pub(super) struct TransitionForm {
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
pub(super) async fn transition(
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
    let (abolished, working) = state.store.transition_facts(effective).await?;
    let plan = plan(effective, &abolished, &working, &rules);
    warnings.extend(plan.unused_assignments.iter().map(|a| {
        format!(
            "Phân định {}={} không khớp cơ quan hay đơn vị nào bị bãi bỏ.",
            a.old, a.new
        )
    }));
    let done = state.store.transition_moves(effective).await?;
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
