//! The officers' side: `/work`, the queue of their desk with filters, due-state marks and
//! counts per agency; a dossier with its history and one form per action this user may
//! take; the counter receipt of paper dossiers; and the printable forms 01–05.

use super::dossier_common::{
    agency_names, api_error_page, channel_label, date_line, due_label, due_mark, hours, lookup_url,
    name_of, public_base, qr_svg, queue_has_next, queue_total, role_label, state_label, when,
    when_opt, when_utc, working_time,
};
use super::dossiers::{ApplicantFields, FormError, error_for, fresh_key, valid_key};
use super::{Chrome, PageError, error_page_with, render};
use crate::AppState;
use crate::auth::{AuthUser, PageUser};
use crate::error::status_of;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use motcua_app::AppError;
use motcua_app::dossiers::act::ActionInput as ActionBody;
use motcua_app::dossiers::queue::QueueQuestion;
use motcua_app::dossiers::read::{ApplicantDetails, Detail};
use motcua_app::dossiers::submit::SubmitRequest;
use motcua_app::dossiers::{self as app_dossiers, load_visible};
use motcua_domain::account::Role;
use motcua_domain::calendar::from_vn_local;
use motcua_domain::calendar::{
    WORKING_DAY_MINUTES, WorkingHours, to_vn_local, working_minutes_between,
};
use motcua_domain::dossier::event_label;
use motcua_domain::dossier::{ActionKind, DossierState};
use motcua_store::DossierRecord;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

pub(crate) struct SelectOpt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn select(items: Vec<(String, String)>, current: &str) -> Vec<SelectOpt> {
    items
        .into_iter()
        .map(|(value, label)| SelectOpt {
            selected: value == current,
            value,
            label,
        })
        .collect()
}

fn staff_only(chrome: Chrome, user: &AuthUser) -> Option<Response> {
    (!user.role.is_staff()).then(|| {
        error_page_with(
            chrome,
            StatusCode::FORBIDDEN,
            "Trang này dành cho cán bộ. Công dân xem hồ sơ của mình tại \"Hồ sơ của tôi\" (/my/dossiers).",
        )
    })
}

// ------------------------------------------------------------------------- queue

#[derive(Debug, Default, Deserialize)]
pub(super) struct WorkQuery {
    status: Option<String>,
    step: Option<String>,
    due: Option<String>,
    q: Option<String>,
    scope: Option<String>,
    agency: Option<String>,
    page: Option<String>,
}

impl WorkQuery {
    fn get(v: &Option<String>) -> Option<String> {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    }

    /// The link to this filter on another page.
    fn link(&self, page: Option<i64>) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        for (k, v) in [
            ("status", &self.status),
            ("step", &self.step),
            ("due", &self.due),
            ("q", &self.q),
            ("scope", &self.scope),
            ("agency", &self.agency),
        ] {
            if let Some(v) = WorkQuery::get(v) {
                pairs.push((k, v));
            }
        }
        if let Some(p) = page {
            pairs.push(("page", p.to_string()));
        }
        format!(
            "/work?{}",
            serde_urlencoded::to_string(pairs).unwrap_or_default()
        )
    }
}

pub(crate) struct QueueLine {
    pub code: String,
    pub procedure_name: String,
    pub applicant_name: String,
    pub state_label: String,
    pub step: String,
    pub assignee: String,
    pub desk: String,
    pub submitted_at: String,
    pub due_at: String,
    pub due_state: String,
    pub due_label: &'static str,
    pub due_mark: &'static str,
    pub channel: &'static str,
}

pub(crate) struct CountLine {
    pub agency_code: String,
    pub agency_name: String,
    pub open: i64,
    pub due_soon: i64,
    pub overdue: i64,
}

#[derive(Template)]
#[template(path = "work_queue.html")]
struct QueuePage {
    chrome: Chrome,
    heading_agency: Option<String>,
    lines: Vec<QueueLine>,
    /// The count as shown: "hơn 10.000" once the count stops at its cap.
    total: String,
    /// False once the count is capped: the number of pages is then unknown.
    exact: bool,
    counts: Vec<CountLine>,
    status_options: Vec<SelectOpt>,
    step_options: Vec<SelectOpt>,
    due_options: Vec<SelectOpt>,
    scope_options: Vec<SelectOpt>,
    q: String,
    page: i64,
    pages: i64,
    prev: Option<String>,
    next: Option<String>,
    is_receiver: bool,
    error: Option<String>,
    filtered: bool,
}

/// Most steps offered in the step filter.
const STEP_CHOICES: usize = 6;

/// `GET /work`: the queue. Officers see their desk (the dossiers their agency must act on)
/// unless they ask for everything their agency is involved in; administrators and auditors
/// see every agency's.
pub(super) async fn queue(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Query(q): Query<WorkQuery>,
) -> Result<Response, PageError> {
    if let Some(denied) = staff_only(chrome.clone(), &user) {
        return Ok(denied);
    }
    let status = WorkQuery::get(&q.status).unwrap_or_default();
    let states = match status.as_str() {
        "" => None,
        "all" => Some(
            DossierState::ALL
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(","),
        ),
        one => Some(one.to_owned()),
    };
    let step = WorkQuery::get(&q.step).and_then(|s| s.parse::<i64>().ok());
    let officer = user.agency_code.is_some();
    let query = QueueQuestion {
        status: states,
        agency: WorkQuery::get(&q.agency),
        scope: if officer {
            WorkQuery::get(&q.scope)
        } else {
            None
        },
        due: WorkQuery::get(&q.due),
        q: WorkQuery::get(&q.q),
        step: step.map(|s| (s - 1).max(0)),
        assignee: None,
        procedure: None,
        page: WorkQuery::get(&q.page).and_then(|p| p.parse().ok()),
        per_page: Some(25),
    };
    let names = agency_names(&state)
        .await
        .map_err(|e| PageError::api(chrome.clone(), e))?;
    let who = user.principal();
    let (items, (total, exact), page, per_page, error, status_code) =
        match app_dossiers::queue::queue(&state.app, &who, query).await {
            Ok(view) => (
                view.items,
                (view.total, view.total_exact),
                view.page,
                view.per_page,
                None,
                StatusCode::OK,
            ),
            Err(err) => {
                let err = crate::error::logged(err);
                let status = status_of(&err);
                (
                    Vec::new(),
                    (0, true),
                    1,
                    25,
                    Some(err.detail().into_owned()),
                    status,
                )
            }
        };
    let counts = app_dossiers::queue::counts(&state.app, &who)
        .await
        .map_err(|e| PageError::api(chrome.clone(), e))?
        .into_iter()
        .map(|c| CountLine {
            agency_name: name_of(&names, &c.agency_code),
            agency_code: c.agency_code,
            open: c.open,
            due_soon: c.due_soon,
            overdue: c.overdue,
        })
        .collect();
    let has_next = queue_has_next(total, exact, page, per_page, items.len());
    let lines = items
        .into_iter()
        .map(|item| {
            let s = item.summary;
            let due_state = item
                .due_state
                .map(|d| d.as_str().to_owned())
                .unwrap_or_default();
            QueueLine {
                due_label: due_label(&due_state),
                due_mark: due_mark(&due_state),
                due_state,
                state_label: item
                    .state
                    .map(|st| st.label_vi())
                    .unwrap_or_default()
                    .into(),
                step: format!("Bước {}", s.step_no + 1),
                assignee: s.assignee.unwrap_or_default(),
                desk: if user.agency_code.as_deref() == Some(s.desk_agency.as_str()) {
                    String::new()
                } else {
                    name_of(&names, &s.desk_agency)
                },
                submitted_at: when_utc(&s.submitted_at),
                due_at: s.due_at.as_ref().map(when_utc).unwrap_or_default(),
                channel: channel_label(&s.channel),
                code: s.code,
                procedure_name: s.procedure_name,
                applicant_name: s.applicant_name,
            }
        })
        .collect();
    let pages = ((total + per_page - 1) / per_page.max(1)).max(1);
    let mut status_items = vec![
        (String::new(), "Đang mở (chưa kết thúc)".to_owned()),
        ("all".to_owned(), "Tất cả trạng thái".to_owned()),
    ];
    status_items.extend(
        DossierState::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), s.label_vi().to_owned())),
    );
    let mut step_items = vec![(String::new(), "Mọi bước".to_owned())];
    step_items.extend((1..=STEP_CHOICES).map(|n| (n.to_string(), format!("Bước {n}"))));
    let due_items = vec![
        (String::new(), "Mọi thời hạn".to_owned()),
        ("overdue".to_owned(), "✖ Quá hạn".to_owned()),
        (
            "due_soon".to_owned(),
            "⚠ Sắp đến hạn (trong 1 ngày làm việc)".to_owned(),
        ),
        ("on_time".to_owned(), "✔ Trong hạn".to_owned()),
    ];
    let scope_options = if officer {
        select(
            vec![
                (
                    "desk".to_owned(),
                    "Việc của cơ quan tôi (đang chờ cơ quan tôi xử lý)".to_owned(),
                ),
                (
                    "involved".to_owned(),
                    "Mọi hồ sơ cơ quan tôi tiếp nhận hoặc tham gia".to_owned(),
                ),
            ],
            &WorkQuery::get(&q.scope).unwrap_or_else(|| "desk".into()),
        )
    } else {
        Vec::new()
    };
    let filtered = [&q.status, &q.step, &q.due, &q.q, &q.agency]
        .iter()
        .any(|v| WorkQuery::get(v).is_some());
    let page_view = QueuePage {
        heading_agency: user.agency_code.as_deref().map(|c| name_of(&names, c)),
        lines,
        total: queue_total(total, exact),
        exact,
        counts,
        status_options: select(status_items, &status),
        step_options: select(step_items, &step.map(|s| s.to_string()).unwrap_or_default()),
        due_options: select(due_items, &WorkQuery::get(&q.due).unwrap_or_default()),
        scope_options,
        q: WorkQuery::get(&q.q).unwrap_or_default(),
        page,
        pages,
        prev: (page > 1).then(|| q.link(Some(page - 1))),
        next: has_next.then(|| q.link(Some(page + 1))),
        is_receiver: user.role == Role::Receiver,
        error,
        filtered,
        chrome,
    };
    Ok(render(status_code, &page_view))
}

// ---------------------------------------------------------------------- a dossier

pub(crate) struct Line {
    pub label: String,
    pub value: String,
}

pub(crate) struct StepLine {
    pub no: usize,
    pub name: String,
    pub role: &'static str,
    pub agency: String,
    pub hours: String,
    pub current: bool,
}

pub(crate) struct DocLine {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub size: String,
    pub uploaded: String,
}

pub(crate) struct EventLine {
    pub at: String,
    pub label: String,
    pub change: String,
    pub step: String,
    pub actor: String,
    pub detail: String,
}

pub(crate) struct ActionForm {
    pub action: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub reason: bool,
    pub missing: Vec<String>,
    pub assignees: Vec<SelectOpt>,
    pub agencies: Vec<SelectOpt>,
    pub amount: bool,
    pub result: Option<String>,
    pub new_due: Option<String>,
    pub danger: bool,
}

impl ActionForm {
    fn needs_missing(&self) -> bool {
        self.action == "request_supplement"
    }
}

#[derive(Template)]
#[template(path = "work_dossier.html")]
struct DossierPage {
    chrome: Chrome,
    code: String,
    procedure_code: String,
    procedure_name: String,
    state: String,
    state_label: String,
    national: String,
    facts: Vec<Line>,
    due_state: String,
    due_label: &'static str,
    due_mark: &'static str,
    remaining: String,
    due_at: String,
    applicant: Vec<Line>,
    applicant_masked: bool,
    steps: Vec<StepLine>,
    budget: String,
    documents: Vec<DocLine>,
    /// A signed result to print with its QR code.
    printable_result: bool,
    events: Vec<EventLine>,
    forms: Vec<(String, &'static str)>,
    actions: Vec<ActionForm>,
    version: i64,
    notice: Option<String>,
    error: Option<String>,
}

/// The applicant as the read model lets this reader see them (masked for administrators
/// and auditors: the rule is the domain's `sees_applicant_in_full`).
fn applicant_lines(a: &ApplicantDetails) -> Vec<Line> {
    let mut lines = vec![
        Line {
            label: "Người nộp".into(),
            value: match a.kind {
                motcua_domain::dossier::ApplicantKind::Person => "Cá nhân".into(),
                motcua_domain::dossier::ApplicantKind::Business => "Tổ chức, doanh nghiệp".into(),
            },
        },
        Line {
            label: "Họ và tên (tên tổ chức)".into(),
            value: a.name.clone(),
        },
    ];
    let mut line = |label: &str, value: &Option<String>| {
        if let Some(v) = value {
            lines.push(Line {
                label: label.into(),
                value: v.clone(),
            });
        }
    };
    line("Số định danh cá nhân", &a.citizen_id);
    line("Mã số thuế", &a.tax_code);
    line("Điện thoại", &a.phone);
    line("Thư điện tử", &a.email);
    line("Địa chỉ", &a.address);
    lines
}

/// The action's data in words: reasons, what is missing, amounts, the new date…
fn event_detail(data: &Value, names: &HashMap<String, String>) -> String {
    let mut parts = Vec::new();
    let text = |k: &str| data.get(k).and_then(Value::as_str).map(str::to_owned);
    if let Some(r) = text("reason") {
        parts.push(format!("Lý do: {r}"));
    }
    if let Some(list) = data.get("missing").and_then(Value::as_array) {
        let items: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
        parts.push(format!("Cần bổ sung: {}", items.join("; ")));
    }
    if let Some(a) = text("assignee") {
        parts.push(format!("Giao cho: {a}"));
    }
    if let Some(a) = text("to_agency") {
        parts.push(format!("Chuyển đến: {}", name_of(names, &a)));
    }
    if let Some(n) = data.get("amount_vnd").and_then(Value::as_i64) {
        parts.push(format!("Số tiền: {}", super::catalogue::vnd(n)));
    }
    if let Some(r) = text("result") {
        parts.push(format!("Kết quả: {r}"));
    }
    if let Some(d) = text("new_due") {
        let shown = chrono::NaiveDateTime::parse_from_str(&d, "%Y-%m-%dT%H:%M:%S")
            .map(|t| t.format("%H:%M %d/%m/%Y").to_string())
            .unwrap_or(d);
        parts.push(format!("Hẹn mới: {shown}"));
    }
    if let Some(name) = text("name").filter(|_| data.get("sha256").is_some()) {
        parts.push(name);
    }
    if let Some(c) = text("channel") {
        parts.push(format!("Kênh: {}", channel_label(&c)));
    }
    parts.join(" · ")
}

fn forms_available(detail: &Detail) -> Vec<(String, &'static str)> {
    let has = |action: &str| detail.events.iter().any(|e| e.action == action);
    let d = &detail.record.dossier;
    let mut forms = Vec::new();
    if d.received_at.is_some() {
        forms.push((
            "01".to_owned(),
            "Mẫu 01 · Giấy tiếp nhận và hẹn trả kết quả",
        ));
    }
    if has("request_supplement") {
        forms.push(("02".to_owned(), "Mẫu 02 · Phiếu yêu cầu bổ sung hồ sơ"));
    }
    if has("refuse_at_receipt") || has("refuse_after_appraisal") {
        forms.push(("03".to_owned(), "Mẫu 03 · Phiếu từ chối giải quyết hồ sơ"));
    }
    if d.apology.is_some() {
        forms.push((
            "04".to_owned(),
            "Mẫu 04 · Phiếu xin lỗi và hẹn lại ngày trả",
        ));
    }
    if !detail.control_sheet.is_empty() {
        forms.push((
            "05".to_owned(),
            "Mẫu 05 · Phiếu kiểm soát quá trình giải quyết",
        ));
    }
    forms
}

/// One small form per action this user may take now.
async fn action_forms(
    state: &AppState,
    record: &DossierRecord,
    allowed: &[ActionKind],
    names: &HashMap<String, String>,
) -> Result<Vec<ActionForm>, motcua_store::StoreError> {
    let mut forms = Vec::new();
    for kind in allowed {
        let mut form = ActionForm {
            action: kind.as_str(),
            label: kind.label_vi(),
            hint: "",
            reason: false,
            missing: Vec::new(),
            assignees: Vec::new(),
            agencies: Vec::new(),
            amount: false,
            result: None,
            new_due: None,
            danger: false,
        };
        match kind {
            ActionKind::Accept => {
                form.hint = "Hồ sơ đầy đủ: cấp giấy tiếp nhận (mẫu 01) với ngày hẹn trả.";
            }
            ActionKind::RequestSupplement => {
                form.hint = "Nêu đầy đủ một lần mọi thành phần còn thiếu (mẫu 02).";
                let procedure = state
                    .store
                    .procedure_version(&record.procedure_code, record.procedure_version_no)
                    .await?;
                form.missing = procedure
                    .map(|v| v.procedure.documents.into_iter().map(|d| d.name).collect())
                    .unwrap_or_default();
            }
            ActionKind::RefuseAtReceipt | ActionKind::RefuseAfterAppraisal => {
                form.reason = true;
                form.danger = true;
                form.hint = "Nêu rõ lý do (in trên mẫu 03).";
            }
            ActionKind::SendBack | ActionKind::Withdraw | ActionKind::Stop => {
                form.reason = true;
                form.danger = *kind != ActionKind::SendBack;
            }
            ActionKind::Assign => {
                let agency = record.dossier.step_agency(&record.steps).to_string();
                let users = state.store.active_users_of_agency(&agency).await?;
                form.assignees = users
                    .into_iter()
                    .filter(|u| u.role.is_staff())
                    .map(|u| SelectOpt {
                        selected: record.dossier.assignee.as_deref() == Some(&u.username),
                        label: format!(
                            "{} ({}, {})",
                            u.display_name,
                            u.username,
                            u.role.label_vi()
                        ),
                        value: u.username,
                    })
                    .collect();
            }
            ActionKind::Transfer => {
                let mut agencies: Vec<SelectOpt> = names
                    .iter()
                    .filter(|(code, _)| code.as_str() != record.dossier.handling_agency.as_str())
                    .map(|(code, name)| SelectOpt {
                        value: code.clone(),
                        label: name.clone(),
                        selected: false,
                    })
                    .collect();
                agencies.sort_by(|a, b| a.label.cmp(&b.label));
                form.agencies = agencies;
            }
            ActionKind::RequestPayment | ActionKind::RecordPayment => form.amount = true,
            ActionKind::Finish => {
                let procedure = state
                    .store
                    .procedure_version(&record.procedure_code, record.procedure_version_no)
                    .await?;
                form.result = Some(
                    procedure
                        .and_then(|v| v.procedure.results.first().map(|r| r.name.clone()))
                        .unwrap_or_default(),
                );
                form.hint = "Ghi tên kết quả giải quyết đã ban hành.";
            }
            ActionKind::Apologise => {
                form.reason = true;
                form.hint = "Chỉ hẹn lại một lần, trước hạn ít nhất 1 ngày làm việc (mẫu 04).";
                let suggested = record
                    .dossier
                    .due_at
                    .map(|d| {
                        (d.date() + chrono::Duration::days(7))
                            .format("%Y-%m-%d")
                            .to_string()
                    })
                    .unwrap_or_default();
                form.new_due = Some(suggested);
            }
            ActionKind::ReturnResult => {
                form.hint = "Đã trao kết quả cho người nộp.";
            }
            _ => {}
        }
        forms.push(form);
    }
    Ok(forms)
}

/// The dossier page for `record`, with an optional notice or error (the status tells which).
async fn dossier_page(
    state: &AppState,
    chrome: Chrome,
    user: &AuthUser,
    record: DossierRecord,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let names = agency_names(state).await?;
    let detail =
        motcua_app::dossiers::read::detail_of(&state.app, &user.principal(), record).await?;
    let actions = action_forms(state, &detail.record, &detail.allowed, &names).await?;
    let applicant = applicant_lines(&detail.applicant);
    let holidays = state.calendar.holidays(&state.store).await?;
    let d = &detail.record.dossier;
    let hours_of = crate::calendar::agency_hours(&state.store, d.handling_agency.as_str())
        .await?
        .unwrap_or_else(WorkingHours::default);
    let due_state = detail
        .due_state
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default();
    let due_at = d.due_at.map(from_vn_local);
    let remaining = match (&due_at, due_state.as_str()) {
        (Some(due), s) if !s.is_empty() => {
            let now = to_vn_local(&detail.read_at);
            let minutes = working_minutes_between(now, due.naive_local(), &hours_of, &holidays);
            if s == "overdue" {
                format!("Đã quá hạn {}", working_time(minutes))
            } else {
                format!("Còn {}", working_time(minutes))
            }
        }
        _ => String::new(),
    };
    let national = d.state.national_status();
    let national = format!("{} · {}", u8::from(national), national.label_vi());
    let mut facts = vec![
        Line {
            label: "Kênh tiếp nhận".into(),
            value: d.channel.label_vi().into(),
        },
        Line {
            label: "Cơ quan tiếp nhận".into(),
            value: name_of(&names, d.receiving_agency.as_str()),
        },
        Line {
            label: "Cơ quan giải quyết".into(),
            value: name_of(&names, d.handling_agency.as_str()),
        },
        Line {
            label: "Đang chờ cơ quan".into(),
            value: name_of(&names, &detail.record.desk_agency),
        },
    ];
    if let Some(step) = &detail.current_step {
        facts.push(Line {
            label: "Bước hiện tại".into(),
            value: format!(
                "Bước {}/{}: {} — {}, {}",
                step.no + 1,
                detail.record.steps.len(),
                step.name,
                step.role.label_vi(),
                name_of(&names, &step.agency_code)
            ),
        });
        let assignee = match &d.assignee {
            Some(u) => match state.store.find_user_by_username(u).await? {
                Some(found) => format!("{} ({u})", found.display_name),
                None => u.clone(),
            },
            None => "Chưa phân công".into(),
        };
        facts.push(Line {
            label: "Người được giao".into(),
            value: assignee,
        });
    }
    let local = |t: chrono::NaiveDateTime| when(&from_vn_local(t));
    facts.push(Line {
        label: "Nộp lúc".into(),
        value: local(d.submitted_at),
    });
    if let Some(t) = d.received_at {
        facts.push(Line {
            label: "Tiếp nhận lúc".into(),
            value: local(t),
        });
    }
    if let Some(a) = &d.apology {
        facts.push(Line {
            label: "Đã xin lỗi, hẹn lại".into(),
            value: format!(
                "Hẹn cũ {}; lý do: {}",
                a.previous_due.format("%H:%M %d/%m/%Y"),
                a.reason
            ),
        });
    }
    if let Some(t) = d.finished_at {
        facts.push(Line {
            label: "Kết thúc xử lý lúc".into(),
            value: format!(
                "{}{}",
                local(t),
                if detail.late { " (trễ hạn)" } else { "" }
            ),
        });
    }
    if let Some(r) = &d.result {
        facts.push(Line {
            label: "Kết quả".into(),
            value: r.name.clone(),
        });
    }
    if let Some(t) = d.returned_at {
        facts.push(Line {
            label: "Trả kết quả lúc".into(),
            value: local(t),
        });
    }
    if d.fee_requested_vnd > 0 {
        facts.push(Line {
            label: "Nghĩa vụ tài chính".into(),
            value: format!(
                "Yêu cầu {}; đã nộp {}",
                super::catalogue::vnd(d.fee_requested_vnd),
                super::catalogue::vnd(d.paid_vnd)
            ),
        });
    }
    if let Some(r) = &d.rating {
        facts.push(Line {
            label: "Đánh giá của người nộp".into(),
            value: format!("{:.1} / 2", r.average()).replace('.', ","),
        });
    }
    let current = detail.current_step.as_ref().map(|s| s.no);
    let steps = detail
        .record
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| StepLine {
            no: i + 1,
            name: s.name.clone(),
            role: s.role.label_vi(),
            agency: s.agency.as_ref().map_or_else(
                || "Cơ quan giải quyết".to_owned(),
                |a| name_of(&names, a.as_str()),
            ),
            hours: hours(i64::from(s.budget_minutes)),
            current: current == Some(i),
        })
        .collect();
    let budget = detail.record.budget_minutes;
    let budget = format!(
        "{} giờ làm việc ({} ngày)",
        hours(budget),
        super::dossier_common::hours(budget * 60 / i64::from(WORKING_DAY_MINUTES))
    );
    let printable_result = detail.documents.iter().any(|doc| {
        doc.kind == motcua_domain::document::DocumentKind::Result.as_str()
            && detail.signed.contains(&doc.id)
            && doc.destroyed_at.is_none()
    });
    let documents = detail
        .documents
        .iter()
        .map(|doc| DocLine {
            id: doc.id.to_string(),
            name: doc.name.clone(),
            kind: match doc.content_type.as_str() {
                "application/pdf" => "PDF".into(),
                "image/png" => "PNG".into(),
                "image/jpeg" => "JPEG".into(),
                other => other.to_owned(),
            },
            size: format!("{:.0} KiB", (doc.size_bytes as f64 / 1024.0).ceil()),
            uploaded: format!("{} · {}", when_utc(&doc.uploaded_at), doc.uploaded_by),
        })
        .collect();
    let events = detail
        .events
        .iter()
        .map(|e| EventLine {
            at: when_utc(&e.at),
            label: event_label(&e.action),
            change: match (&e.from_state, &e.to_state) {
                (Some(f), Some(t)) if f != t => {
                    format!("{} → {}", state_label(f), state_label(t))
                }
                (None, Some(t)) => state_label(t).to_owned(),
                _ => String::new(),
            },
            step: e
                .step
                .filter(|_| e.action != "document_added")
                .map(|s| format!("Bước {}", s + 1))
                .unwrap_or_default(),
            actor: format!(
                "{}{}",
                e.actor,
                e.actor_role
                    .as_deref()
                    .map(|r| format!(" ({})", role_label(r)))
                    .unwrap_or_default()
            ),
            detail: event_detail(&e.data, &names),
        })
        .collect();
    let page = DossierPage {
        forms: forms_available(&detail),
        code: detail.record.code().to_owned(),
        procedure_code: detail.record.procedure_code.clone(),
        procedure_name: detail.record.procedure_name.clone(),
        state: d.state.as_str().into(),
        state_label: d.state.label_vi().into(),
        national,
        facts,
        due_label: due_label(&due_state),
        due_mark: due_mark(&due_state),
        due_state,
        remaining,
        due_at: when_opt(&due_at),
        applicant,
        applicant_masked: detail.applicant.masked,
        steps,
        budget,
        printable_result,
        documents,
        events,
        actions,
        version: d.version,
        notice,
        error,
        chrome,
    };
    Ok(render(status, &page))
}

#[derive(Deserialize)]
pub(super) struct DossierQuery {
    done: Option<String>,
}

/// `GET /work/dossiers/{code}`.
pub(super) async fn dossier(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Query(q): Query<DossierQuery>,
) -> Result<Response, PageError> {
    if let Some(denied) = staff_only(chrome.clone(), &user) {
        return Ok(denied);
    }
    let record = match load_visible(&state.app, &user.principal(), &code).await {
        Ok(r) => r,
        Err(err) => return Ok(api_error_page(chrome, err)),
    };
    let notice = q.done.as_deref().and_then(|done| {
        ActionKind::ALL
            .iter()
            .find(|k| k.as_str() == done)
            .map(|k| format!("Đã thực hiện: {}.", k.label_vi()))
    });
    dossier_page(
        &state,
        chrome.clone(),
        &user,
        record,
        notice,
        None,
        StatusCode::OK,
    )
    .await
    .map_err(|e| PageError::app(chrome, e))
}

/// The action form's fields as an [`ActionBody`].
fn action_body(pairs: &[(String, String)]) -> Result<ActionBody, AppError> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let bad = |detail: &str| AppError::invalid("invalid_form", detail);
    let version = get("version")
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or_else(|| bad("Biểu mẫu thiếu phiên bản hồ sơ; hãy tải lại trang."))?;
    let mut missing: Vec<String> = pairs
        .iter()
        .filter(|(k, v)| k == "missing" && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_owned())
        .collect();
    if let Some(other) = get("missing_other") {
        missing.extend(
            other
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned),
        );
    }
    let amount_vnd = match get("amount_vnd") {
        Some(raw) => Some(
            raw.replace(['.', ' ', ','], "")
                .parse::<i64>()
                .map_err(|_| bad("Số tiền phải là số đồng, ví dụ 100000."))?,
        ),
        None => None,
    };
    let new_due = match get("new_due") {
        Some(day) => {
            let date = crate::calendar::parse_date(&day).map_err(|e| bad(&e.detail))?;
            // The new appointment is the end of that working day.
            Some(format!("{}T17:00:00+07:00", date.format("%Y-%m-%d")))
        }
        None => None,
    };
    Ok(ActionBody {
        action: get("action").unwrap_or_default(),
        version,
        reason: get("reason"),
        missing: Some(missing),
        assignee: get("assignee"),
        to_agency: get("to_agency"),
        amount_vnd,
        result: get("result"),
        electronic: Some(get("electronic").is_some()),
        new_due,
        rating: None,
    })
}

/// `POST /work/dossiers/{code}/actions`: one action with the version it was decided on.
/// A stale version or an action this user may not take changes nothing and shows the
/// dossier again with the reason (409, 403 or 422).
pub(super) async fn act(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    if let Some(denied) = staff_only(chrome.clone(), &user) {
        return Ok(denied);
    }
    let record = match load_visible(&state.app, &user.principal(), &code).await {
        Ok(r) => r,
        Err(err) => return Ok(api_error_page(chrome, err)),
    };
    let attempt = async {
        let body = action_body(&pairs)?;
        let kind = body.parse()?.kind();
        motcua_app::dossiers::act::act(&state.app, &user.principal(), record.code(), &body).await?;
        Ok::<_, AppError>(kind)
    };
    match attempt.await {
        Ok(kind) => Ok(Redirect::to(&format!(
            "/work/dossiers/{}?done={}",
            record.code(),
            kind.as_str()
        ))
        .into_response()),
        Err(err) => {
            let err = crate::error::logged(err);
            let message = match &err {
                AppError::Stale { detail } => {
                    format!("Chưa thực hiện được: {detail} Trang dưới đây là trạng thái mới nhất.")
                }
                other => format!("Chưa thực hiện được: {}", other.detail()),
            };
            // Show the dossier as it is now (nothing changed).
            let fresh = match state.store.dossier(record.code()).await? {
                Some(r) => r,
                None => record,
            };
            dossier_page(
                &state,
                chrome.clone(),
                &user,
                fresh,
                None,
                Some(message),
                status_of(&err),
            )
            .await
            .map_err(|e| PageError::app(chrome.clone(), e))
        }
    }
}

/// `GET /work/dossiers/{code}/documents/{id}`.
pub(super) async fn document(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    if let Some(denied) = staff_only(chrome.clone(), &user) {
        return Ok(denied);
    }
    let response = async {
        let record = load_visible(&state.app, &user.principal(), &code).await?;
        crate::download::dossier_document(&state.app, &record, &id).await
    };
    Ok(response
        .await
        .unwrap_or_else(|err| PageError::app(chrome, err).into_response()))
}

// ------------------------------------------------------------------------ counter

#[derive(Template)]
#[template(path = "work_counter.html")]
struct CounterPage {
    chrome: Chrome,
    agency_name: String,
    procedures: Vec<SelectOpt>,
    channels: Vec<SelectOpt>,
    fields: ApplicantFields,
    errors: Vec<FormError>,
    general_error: Option<String>,
    idempotency_key: String,
}

impl CounterPage {
    fn err(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

fn receivers_only(chrome: Chrome, user: &AuthUser) -> Option<Response> {
    (user.role != Role::Receiver || user.agency_code.is_none()).then(|| {
        error_page_with(
            chrome,
            StatusCode::FORBIDDEN,
            "Chỉ cán bộ một cửa tiếp nhận hồ sơ tại quầy.",
        )
    })
}

async fn counter_page(
    state: &AppState,
    chrome: Chrome,
    user: &AuthUser,
    form: HashMap<String, String>,
    errors: Vec<FormError>,
    general_error: Option<String>,
) -> Result<CounterPage, PageError> {
    let names = agency_names(state)
        .await
        .map_err(|e| PageError::api(chrome.clone(), e))?;
    let chosen = form.get("procedure").cloned().unwrap_or_default();
    let mut procedures: Vec<(String, String)> = state
        .store
        .published_catalogue()
        .await?
        .into_iter()
        .map(|e| {
            let label = format!("{} ({})", e.version.procedure.name, e.version.code);
            (e.version.code, label)
        })
        .collect();
    procedures.sort_by(|a, b| a.1.cmp(&b.1));
    procedures.insert(0, (String::new(), "— Chọn thủ tục —".into()));
    let channel = form
        .get("channel")
        .cloned()
        .unwrap_or_else(|| "paper".into());
    Ok(CounterPage {
        agency_name: user
            .agency_code
            .as_deref()
            .map(|c| name_of(&names, c))
            .unwrap_or_default(),
        procedures: select(procedures, &chosen),
        channels: select(
            vec![
                ("paper".into(), "Trực tiếp tại quầy (hồ sơ giấy)".into()),
                ("postal".into(), "Qua bưu chính công ích".into()),
            ],
            &channel,
        ),
        fields: ApplicantFields::from_map(&form),
        errors,
        general_error,
        idempotency_key: fresh_key(),
        chrome,
    })
}

/// `GET /work/counter`: register and receive a paper dossier in one go.
pub(super) async fn counter_form(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    if let Some(denied) = receivers_only(chrome.clone(), &user) {
        return Ok(denied);
    }
    let page = counter_page(&state, chrome, &user, HashMap::new(), Vec::new(), None).await?;
    Ok(render(StatusCode::OK, &page))
}

/// `POST /work/counter`: registered and received at once; then the receipt slip (form 01).
pub(super) async fn counter(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    if let Some(denied) = receivers_only(chrome.clone(), &user) {
        return Ok(denied);
    }
    let fields = ApplicantFields::from_map(&form);
    let procedure = form
        .get("procedure")
        .map(|p| p.trim().to_owned())
        .unwrap_or_default();
    let mut errors: Vec<FormError> = Vec::new();
    if procedure.is_empty() {
        errors.push(FormError {
            field: "procedure".into(),
            message: "Hãy chọn thủ tục.".into(),
        });
    }
    let applicant = match fields.body().fields() {
        Ok(a) => Some(a),
        Err(list) => {
            errors.extend(list.into_iter().map(FormError::from));
            None
        }
    };
    let (Some(applicant), true) = (applicant, errors.is_empty()) else {
        let page = counter_page(&state, chrome, &user, form, errors, None).await?;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let mut hashed: Vec<(&String, &String)> = form
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "csrf_token" | "idempotency_key"))
        .collect();
    hashed.sort();
    let request_hash = hex::encode(Sha256::digest(
        serde_json::to_string(&hashed)
            .unwrap_or_default()
            .as_bytes(),
    ));
    let request = SubmitRequest {
        procedure_code: procedure,
        agency_code: user.agency_code.clone(),
        channel: form.get("channel").cloned(),
        applicant,
        receive: Some(true),
        idempotency: valid_key(form.get("idempotency_key")).map(|k| (k, request_hash)),
        attachments: Vec::new(),
    };
    match app_dossiers::submit::submit(&state.app, Some(&user.principal()), request).await {
        Ok(submitted) => Ok(Redirect::to(&format!(
            "/work/dossiers/{}/forms/01",
            submitted.record().code()
        ))
        .into_response()),
        Err(err) => {
            let err = crate::error::logged(err);
            let status = status_of(&err);
            let detail = err.detail().into_owned();
            let page = counter_page(&state, chrome, &user, form, Vec::new(), Some(detail)).await?;
            Ok(render(status, &page))
        }
    }
}

// ----------------------------------------------------------------- printed forms

pub(crate) struct SheetLine {
    pub no: usize,
    pub step: String,
    pub agency: String,
    pub handler: String,
    pub time_in: String,
    pub time_out: String,
    pub outcome: String,
}

#[derive(Template)]
#[template(path = "dossier_print.html")]
struct PrintPage {
    chrome: Chrome,
    form_no: String,
    title: String,
    authority: String,
    agency: String,
    agency_name: String,
    place_date: String,
    code: String,
    procedure_name: String,
    applicant_name: String,
    applicant: Vec<Line>,
    received_at: String,
    due_at: String,
    channel: String,
    officer: String,
    documents: Vec<String>,
    missing: Vec<String>,
    reason: String,
    previous_due: String,
    new_due: String,
    sheet: Vec<SheetLine>,
    qr: String,
    lookup: String,
    result_name: String,
    check_hint: String,
}

/// `GET /work/dossiers/{code}/forms/{01..05}`: a printable form (A4) with a QR code
/// linking to the public lookup.
pub(super) async fn print_form(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Path((code, form_no)): Path<(String, String)>,
) -> Result<Response, PageError> {
    if let Some(denied) = staff_only(chrome.clone(), &user) {
        return Ok(denied);
    }
    let record = match load_visible(&state.app, &user.principal(), &code).await {
        Ok(r) => r,
        Err(err) => return Ok(api_error_page(chrome, err)),
    };
    let names = agency_names(&state)
        .await
        .map_err(|e| PageError::api(chrome.clone(), e))?;
    let steps = record.steps.clone();
    let applicant = applicant_lines(&ApplicantDetails::for_reader(&record.applicant, user.role));
    let applicant_name = record.applicant.name.clone();
    let check_hint = {
        let masked = record.applicant.masked();
        let mut hints = Vec::new();
        if let Some(p) = masked.phone {
            hints.push(format!("số điện thoại {p}"));
        }
        if let Some(id) = masked.citizen_id {
            hints.push(format!("số định danh {id}"));
        }
        hints.join(" hoặc ")
    };
    let documents: Vec<String> = state
        .store
        .procedure_version(&record.procedure_code, record.procedure_version_no)
        .await?
        .map(|v| {
            v.procedure
                .documents
                .into_iter()
                .map(|d| {
                    let mut n = d.name;
                    if d.originals > 0 || d.copies > 0 {
                        n.push_str(&format!(
                            " ({} bản chính, {} bản sao)",
                            d.originals, d.copies
                        ));
                    }
                    n
                })
                .collect()
        })
        .unwrap_or_default();
    let detail = app_dossiers::read::detail_of(&state.app, &user.principal(), record)
        .await
        .map_err(|e| PageError::app(chrome.clone(), e))?;
    let d = &detail.record.dossier;
    let code = detail.record.code().to_owned();
    let event = |action: &str| detail.events.iter().rev().find(|e| e.action == action);
    let not_applicable = |what: &str| {
        Ok(error_page_with(
            chrome.clone(),
            StatusCode::NOT_FOUND,
            &format!("Hồ sơ {code} chưa có {what}."),
        ))
    };
    let vn =
        |t: &chrono::DateTime<chrono::Utc>| t.with_timezone(&motcua_domain::calendar::VN_OFFSET);
    let data_text = |e: &motcua_store::DossierEvent, k: &str| {
        e.data
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut missing = Vec::new();
    let mut reason = String::new();
    let mut previous_due = String::new();
    let mut new_due = String::new();
    let mut officer_event = None;
    let (title, dated) = match form_no.as_str() {
        "01" => {
            let Some(at) = d.received_at.map(from_vn_local) else {
                return not_applicable("giấy tiếp nhận (hồ sơ chưa được tiếp nhận)");
            };
            officer_event = event("accept").or_else(|| event("submitted"));
            ("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", at)
        }
        "02" => {
            let Some(e) = event("request_supplement") else {
                return not_applicable("yêu cầu bổ sung");
            };
            missing = e
                .data
                .get("missing")
                .and_then(Value::as_array)
                .map(|l| {
                    l.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            officer_event = Some(e);
            ("PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", vn(&e.at))
        }
        "03" => {
            let Some(e) = event("refuse_at_receipt").or_else(|| event("refuse_after_appraisal"))
            else {
                return not_applicable("quyết định từ chối");
            };
            reason = data_text(e, "reason");
            officer_event = Some(e);
            ("PHIẾU TỪ CHỐI TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ", vn(&e.at))
        }
        "04" => {
            let Some(a) = &d.apology else {
                return not_applicable("phiếu xin lỗi");
            };
            reason = a.reason.clone();
            previous_due = when(&from_vn_local(a.previous_due));
            new_due = when(&from_vn_local(a.new_due));
            officer_event = event("apologise");
            (
                "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
                from_vn_local(a.at),
            )
        }
        "05" => {
            if detail.control_sheet.is_empty() {
                return not_applicable("quá trình giải quyết (hồ sơ chưa được tiếp nhận)");
            }
            (
                "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
                from_vn_local(d.received_at.unwrap_or(d.submitted_at)),
            )
        }
        _ => {
            return Ok(error_page_with(
                chrome,
                StatusCode::NOT_FOUND,
                "Chỉ có các mẫu 01 đến 05.",
            ));
        }
    };
    // Display names of the people in the forms.
    let mut people: HashMap<String, String> = HashMap::new();
    let mut usernames: Vec<String> = detail
        .control_sheet
        .iter()
        .filter_map(|r| r.handler.clone())
        .collect();
    usernames.extend(officer_event.map(|e| e.actor.clone()));
    for u in usernames {
        if let std::collections::hash_map::Entry::Vacant(slot) = people.entry(u.clone())
            && let Some(found) = state.store.find_user_by_username(&u).await?
        {
            slot.insert(found.display_name);
        }
    }
    let person = |u: &str| people.get(u).cloned().unwrap_or_else(|| u.to_owned());
    let holidays = state.calendar.holidays(&state.store).await?;
    let work_hours = WorkingHours::default();
    let sheet = detail
        .control_sheet
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let budget = steps
                .get(r.step as usize)
                .map(|s| i64::from(s.budget_minutes))
                .unwrap_or_default();
            let outcome = match &r.time_out {
                Some(out) => {
                    let used = working_minutes_between(
                        to_vn_local(&r.time_in),
                        to_vn_local(out),
                        &work_hours,
                        &holidays,
                    );
                    if used <= budget {
                        format!("Đúng hạn ({})", working_time(used))
                    } else {
                        format!("Quá hạn ({})", working_time(used))
                    }
                }
                None => "Đang xử lý".into(),
            };
            SheetLine {
                no: i + 1,
                step: r
                    .step_name
                    .clone()
                    .unwrap_or_else(|| format!("Bước {}", r.step + 1)),
                agency: r
                    .agency_code
                    .as_deref()
                    .map(|a| name_of(&names, a))
                    .unwrap_or_default(),
                handler: r.handler.as_deref().map(person).unwrap_or_default(),
                time_in: when_utc(&r.time_in),
                time_out: r.time_out.as_ref().map(when_utc).unwrap_or_default(),
                outcome,
            }
        })
        .collect();
    let agency_code = match form_no.as_str() {
        "04" | "05" => d.handling_agency.as_str(),
        _ => d.receiving_agency.as_str(),
    };
    let base = public_base(&state, &headers);
    let lookup = lookup_url(&base, &code);
    let place = chrome
        .province_name
        .trim_start_matches("Tỉnh ")
        .trim_start_matches("Thành phố ")
        .to_owned();
    let page = PrintPage {
        title: title.into(),
        authority: format!("UBND {}", chrome.province_name.to_uppercase()),
        agency: name_of(&names, agency_code).to_uppercase(),
        agency_name: name_of(&names, agency_code),
        place_date: format!("{place}, {}", date_line(&dated)),
        procedure_name: detail.record.procedure_name.clone(),
        applicant_name,
        applicant,
        received_at: d
            .received_at
            .map(|t| when(&from_vn_local(t)))
            .unwrap_or_default(),
        due_at: d
            .due_at
            .map(|t| when(&from_vn_local(t)))
            .unwrap_or_default(),
        channel: d.channel.label_vi().into(),
        officer: officer_event.map(|e| person(&e.actor)).unwrap_or_default(),
        documents,
        missing,
        reason,
        previous_due,
        new_due,
        sheet,
        qr: qr_svg(&lookup, &format!("Mã QR tra cứu hồ sơ {code}")),
        lookup,
        result_name: d
            .result
            .as_ref()
            .map(|r| r.name.clone())
            .unwrap_or_default(),
        code,
        check_hint,
        form_no,
        chrome,
    };
    Ok(render(StatusCode::OK, &page))
}
