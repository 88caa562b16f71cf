//! One dossier as officers see it: facts, steps, documents, history and the forms of the
//! actions this user may take.

use crate::AppState;
use crate::auth::{AuthUser, PageUser};
use crate::pages::dossier_common::{
    agency_names, api_error_page, channel_label, due_label, due_mark, hours, name_of, role_label,
    state_label, when, when_opt, when_utc, working_time,
};
use crate::pages::{Chrome, PageError, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::actions::{ActionForm, action_forms};
use super::staff_only;
use crate::pages::view::{StepLine, step_lines};
use motcua_app::AppError;
use motcua_app::dossiers::load_visible;
use motcua_app::dossiers::read::{ApplicantDetails, Detail};
use motcua_domain::calendar::from_vn_local;
use motcua_domain::calendar::{WORKING_DAY_MINUTES, to_vn_local, working_minutes_between};
use motcua_domain::document::DocumentKind;
use motcua_domain::dossier::ActionKind;
use motcua_domain::dossier::event_label;
use motcua_store::DossierRecord;
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

pub(crate) struct Line {
    pub label: String,
    pub value: String,
}

pub(crate) struct DocLine {
    pub id: String,
    pub name: String,
    pub kind: String,
    /// What it is in the dossier: a component, the receipt, a draft or a signed result.
    pub role: &'static str,
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
    /// What the applicant declared on the electronic form, as people read it.
    declaration: Vec<motcua_app::forms::readable::ReadableSection>,
    /// The title of the result this officer may make from the declaration now.
    result_from_form: Option<String>,
    steps: Vec<StepLine>,
    budget: String,
    documents: Vec<DocLine>,
    /// A signed result to print with its QR code.
    printable_result: bool,
    fees: Option<super::fees::FeeBox>,
    events: Vec<EventLine>,
    /// What the applicant and the national portal were sent about the dossier.
    sent: Vec<SentLine>,
    forms: Vec<(String, &'static str)>,
    actions: Vec<ActionForm>,
    version: i64,
    notice: Option<String>,
    error: Option<String>,
}

/// One outbound message about the dossier, as officers see it (never its recipient).
struct SentLine {
    queued: String,
    channel: &'static str,
    subject: String,
    outcome: String,
}

fn sent_line(m: &motcua_store::OutboxMessage) -> SentLine {
    let outcome = match m.status.as_str() {
        "sent" => format!(
            "Đã gửi lúc {}",
            m.sent_at.as_ref().map(when_utc).unwrap_or_default()
        ),
        "skipped" => format!("Không gửi: {}", m.last_error.clone().unwrap_or_default()),
        "dead" => format!(
            "Lỗi sau {} lần thử: {}",
            m.attempts,
            m.last_error.clone().unwrap_or_default()
        ),
        "dropped" => "Đã hủy".into(),
        _ if m.attempts > 0 => format!(
            "Đang chờ gửi lại (đã thử {} lần: {})",
            m.attempts,
            m.last_error.clone().unwrap_or_default()
        ),
        _ => "Đang chờ gửi".into(),
    };
    SentLine {
        queued: when_utc(&m.created_at),
        channel: crate::pages::integrations::connector_label(m.channel),
        subject: m.subject.clone(),
        outcome,
    }
}

/// The applicant as the read model lets this reader see them (masked for administrators
/// and auditors: the rule is the domain's `sees_applicant_in_full`).
pub(crate) fn applicant_lines(a: &ApplicantDetails) -> Vec<Line> {
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
        parts.push(format!("Số tiền: {}", crate::pages::catalogue::vnd(n)));
    }
    if let Some(items) = data.get("items").and_then(Value::as_array) {
        parts.extend(items.iter().filter_map(fee_line));
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

/// The dossier page for `record`, with an optional notice or error (the status tells which).
pub(super) async fn dossier_page(
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
    let actions = action_forms(state, &detail).await?;
    let fees = super::fees::fee_box(state, &detail.record).await?;
    let mut applicant = applicant_lines(&detail.applicant);
    let chosen = &detail.record.applicant.notify;
    applicant.push(Line {
        label: "Nhận thông báo qua".into(),
        value: if chosen.is_empty() {
            "Không đăng ký".into()
        } else {
            chosen
                .iter()
                .map(|c| c.label_vi())
                .collect::<Vec<_>>()
                .join(", ")
        },
    });
    let holidays = motcua_app::calendar::holidays(&state.app).await?;
    let d = &detail.record.dossier;
    let hours_of =
        motcua_app::calendar::hours::hours_or_default(&state.app, d.handling_agency.as_str())
            .await?;
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
            Some(u) => {
                let names = motcua_app::accounts::display_names(&state.app, [u.clone()]).await?;
                match names.get(u) {
                    Some(name) => format!("{name} ({u})"),
                    None => u.clone(),
                }
            }
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
                crate::pages::catalogue::vnd(d.fee_requested_vnd),
                crate::pages::catalogue::vnd(d.paid_vnd)
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
    let steps = step_lines(&detail.record.steps, &names, current);
    let budget = detail.record.budget_minutes;
    let budget = format!(
        "{} giờ làm việc ({} ngày)",
        hours(budget),
        crate::pages::dossier_common::hours(budget * 60 / i64::from(WORKING_DAY_MINUTES))
    );
    let printable_result = detail.documents.iter().any(|doc| {
        doc.kind == DocumentKind::Result.as_str()
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
            role: match DocumentKind::parse(&doc.kind) {
                Some(DocumentKind::Result) if detail.signed.contains(&doc.id) => "kết quả đã ký số",
                Some(DocumentKind::Result) => "dự thảo kết quả",
                Some(DocumentKind::Receipt) => "giấy tiếp nhận",
                Some(DocumentKind::FeeReceipt) => "biên lai thu phí",
                _ => "thành phần",
            },
            size: crate::pages::documents::human_size(doc.size_bytes),
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
    let declaration = match &detail.declaration {
        Some(d) => {
            let choices = motcua_app::forms::choices(&state.app).await?;
            motcua_app::forms::readable::readable(d, &choices)
        }
        None => Vec::new(),
    };
    let result_from_form = detail
        .declaration
        .as_ref()
        .filter(|d| !d.masked && d.data.is_object())
        .and_then(|d| d.form().result.as_ref())
        .filter(|_| {
            use motcua_domain::account::Role;
            matches!(user.role, Role::Receiver | Role::Specialist | Role::Leader)
                && d.state.result_stage().accepts_results()
        })
        .map(|t| t.title.clone());
    let sent = motcua_app::connectors::notices::sent_for(
        &state.app,
        &user.principal(),
        detail.record.code(),
    )
    .await?
    .iter()
    .map(sent_line)
    .collect();
    let page = DossierPage {
        sent,
        result_from_form,
        declaration,
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
        fees,
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
pub(crate) struct DossierQuery {
    done: Option<String>,
}

/// `GET /work/dossiers/{code}`.
pub(crate) async fn dossier(
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
    let notice = q.done.as_deref().and_then(|done| match done {
        "result_from_form" => {
            Some("Đã lập kết quả từ tờ khai: dự thảo kết quả, được ký số khi phê duyệt.".to_owned())
        }
        _ => ActionKind::ALL
            .iter()
            .find(|k| k.as_str() == done)
            .map(|k| format!("Đã thực hiện: {}.", k.label_vi())),
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

/// `GET /work/dossiers/{code}/documents/{id}`.
pub(crate) async fn document(
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

/// An assessed fee of a request, as the history shows it: "Phí bản sao × 3 bản: 24.000 đ".
fn fee_line(item: &Value) -> Option<String> {
    let name = item.get("name")?.as_str()?;
    let amount = crate::pages::catalogue::vnd(item.get("amount_vnd")?.as_i64()?);
    let quantity = match item.get("per").and_then(Value::as_str) {
        Some(per) => format!(" × {} {per}", item.get("quantity")?.as_u64()?),
        None => String::new(),
    };
    let exempt = match item.get("exemption").and_then(|e| e.get("who")?.as_str()) {
        Some(who) => format!(" (miễn: {who})"),
        None => String::new(),
    };
    Some(format!("{name}{quantity}: {amount}{exempt}"))
}
