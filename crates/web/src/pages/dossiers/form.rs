//! The online form of a procedure: the agencies that receive it and the documents it asks.

use super::{ApplicantFields, FormError, error_for, fresh_key};
use crate::AppState;
use crate::auth::{AuthUser, MaybeUser};
use crate::pages::{Chrome, PageError, error_page_with, render};

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use motcua_domain::account::Role;
use motcua_domain::agency::AgencyKind;
use motcua_domain::procedure::Level;
use std::collections::HashMap;

pub(crate) struct AgencyOption {
    pub code: String,
    pub name: String,
    pub selected: bool,
}

pub(crate) struct AgencyGroup {
    pub label: String,
    pub options: Vec<AgencyOption>,
}

pub(crate) struct DocumentInput {
    pub index: usize,
    pub name: String,
    pub note: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "dossier_submit.html")]
pub(super) struct SubmitPage {
    chrome: Chrome,
    code: String,
    name: String,
    processing_time: String,
    fees: Vec<String>,
    documents: Vec<DocumentInput>,
    groups: Vec<AgencyGroup>,
    fields: ApplicantFields,
    idempotency_key: String,
    errors: Vec<FormError>,
    general_error: Option<String>,
    /// Why no form is offered, if none is.
    closed: Option<String>,
    staff_user: bool,
    citizen_name: Option<String>,
    max_mib: usize,
}

impl SubmitPage {
    fn err(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

/// What the form needs about the procedure.
pub(super) struct ProcedureForm {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) processing_time: String,
    pub(super) fees: Vec<String>,
    pub(super) documents: Vec<(String, String)>,
    pub(super) groups: Vec<AgencyGroup>,
    pub(super) closed: Option<String>,
}

/// The agencies that receive a procedure today: the commune committees for commune-level
/// procedures; for province-level ones the assigned department and the provincial service
/// centre, and every commune's one-stop desk (Decree 118/2025 lets any of them receive).
async fn receiving_groups(
    state: &AppState,
    assignments: &[motcua_store::AssignmentRecord],
    fallback_levels: &[Level],
    fallback_agency: Option<&str>,
    selected: &str,
) -> Result<Vec<AgencyGroup>, PageError> {
    let today = crate::today_vn();
    let agencies: Vec<_> = motcua_app::register::agencies(&state.app, &Default::default())
        .await?
        .into_iter()
        .filter(|a| a.is_valid_at(today))
        .collect();
    let in_force: Vec<_> = assignments
        .iter()
        .filter(|a| a.assignment.in_force(today))
        .collect();
    let mut levels: Vec<Level> = in_force.iter().map(|a| a.assignment.level).collect();
    let mut assigned: Vec<String> = in_force
        .iter()
        .filter_map(|a| a.assignment.agency_code.as_ref().map(|c| c.to_string()))
        .collect();
    let kinds: Vec<AgencyKind> = in_force
        .iter()
        .filter_map(|a| a.assignment.agency_kind)
        .collect();
    if in_force.is_empty() {
        levels = fallback_levels.to_vec();
        assigned.extend(fallback_agency.map(str::to_owned));
    }
    let option = |a: &motcua_domain::agency::Agency| AgencyOption {
        selected: a.code.as_str() == selected,
        code: a.code.to_string(),
        name: a.name.clone(),
    };
    let communes: Vec<AgencyOption> = agencies
        .iter()
        .filter(|a| a.kind == AgencyKind::CommuneCommittee)
        .map(option)
        .collect();
    let mut groups = Vec::new();
    if levels.contains(&Level::Province) {
        let provincial: Vec<AgencyOption> = agencies
            .iter()
            .filter(|a| {
                a.kind == AgencyKind::ServiceCentre
                    || assigned.contains(&a.code.to_string())
                    || (assigned.is_empty()
                        && a.kind != AgencyKind::CommuneCommittee
                        && kinds.contains(&a.kind))
            })
            .map(option)
            .collect();
        groups.push(AgencyGroup {
            label: "Cơ quan cấp tỉnh".into(),
            options: provincial,
        });
        groups.push(AgencyGroup {
            label: "Bộ phận một cửa cấp xã (tiếp nhận không phụ thuộc địa giới hành chính)".into(),
            options: communes,
        });
    } else if levels.contains(&Level::Commune) {
        groups.push(AgencyGroup {
            label: "Ủy ban nhân dân cấp xã".into(),
            options: communes,
        });
    }
    groups.retain(|g| !g.options.is_empty());
    Ok(groups)
}

pub(super) async fn procedure_form(
    state: &AppState,
    code: &str,
    selected_agency: &str,
) -> Result<Option<ProcedureForm>, PageError> {
    let Some(version) = state.store.published_version(code).await? else {
        return Ok(None);
    };
    let p = &version.procedure;
    let assignments = state.store.assignments(code).await?;
    let groups = receiving_groups(
        state,
        &assignments,
        &p.levels,
        p.agency_code.as_ref().map(|a| a.as_str()),
        selected_agency,
    )
    .await?;
    let mut closed = None;
    if !p.is_online() {
        closed = Some(
            "Thủ tục này chưa cung cấp dịch vụ công trực tuyến. Vui lòng nộp hồ sơ trực tiếp \
             hoặc qua bưu chính tại Bộ phận một cửa."
                .to_owned(),
        );
    } else if let Some(first) = groups.first().and_then(|g| g.options.first()) {
        if state
            .store
            .approved_process_for(code, &first.code)
            .await?
            .is_none()
        {
            closed = Some(
                "Thủ tục này đang được xây dựng lại quy trình nội bộ (sau khi phân cấp), nên tạm \
                 thời chưa tiếp nhận hồ sơ trực tuyến. Vui lòng quay lại sau."
                    .to_owned(),
            );
        }
    } else {
        closed = Some("Chưa có cơ quan tiếp nhận thủ tục này.".to_owned());
    }
    Ok(Some(ProcedureForm {
        code: code.to_owned(),
        name: version.procedure.name.clone(),
        processing_time: p.processing_time.to_string(),
        fees: p
            .fees
            .iter()
            .map(|f| format!("{}: {}", f.name, crate::pages::catalogue::vnd(f.amount_vnd)))
            .collect(),
        documents: p
            .documents
            .iter()
            .map(|d| {
                let mut note = Vec::new();
                if d.originals > 0 {
                    note.push(format!("{} bản chính", d.originals));
                }
                if d.copies > 0 {
                    note.push(format!("{} bản sao", d.copies));
                }
                if let Some(t) = &d.form_template {
                    note.push(format!("theo {t}"));
                }
                (d.name.clone(), note.join(", "))
            })
            .collect(),
        groups,
        closed,
    }))
}

pub(super) fn unknown_procedure(chrome: Chrome) -> Response {
    error_page_with(
        chrome,
        StatusCode::NOT_FOUND,
        "Không có thủ tục hành chính đang có hiệu lực với mã này.",
    )
}

#[allow(clippy::too_many_arguments)]
pub(super) fn submit_page(
    chrome: Chrome,
    form: ProcedureForm,
    user: Option<&AuthUser>,
    fields: ApplicantFields,
    errors: Vec<FormError>,
    doc_errors: &HashMap<usize, String>,
    general_error: Option<String>,
) -> SubmitPage {
    let staff_user = user.is_some_and(|u| u.role != Role::Citizen);
    let citizen_name = user
        .filter(|u| u.role == Role::Citizen)
        .map(|u| u.display_name.clone());
    let mut fields = fields;
    if fields.name.is_empty()
        && let Some(name) = &citizen_name
    {
        fields.name = name.clone();
    }
    SubmitPage {
        documents: form
            .documents
            .into_iter()
            .enumerate()
            .map(|(index, (name, note))| DocumentInput {
                error: doc_errors.get(&index).cloned(),
                index,
                name,
                note,
            })
            .collect(),
        code: form.code,
        name: form.name,
        processing_time: form.processing_time,
        fees: form.fees,
        groups: form.groups,
        fields,
        idempotency_key: fresh_key(),
        errors,
        general_error,
        closed: if staff_user { None } else { form.closed },
        staff_user,
        citizen_name,
        max_mib: crate::dossiers::MAX_DOCUMENT_BYTES / 1024 / 1024,
        chrome,
    }
}

/// `GET /procedures/{code}/submit`: the online form.
pub(crate) async fn submit_form(
    State(state): State<AppState>,
    chrome: Chrome,
    MaybeUser(user): MaybeUser,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let Some(form) = procedure_form(&state, &code, "").await? else {
        return Ok(unknown_procedure(chrome));
    };
    let page = submit_page(
        chrome,
        form,
        user.as_ref(),
        ApplicantFields {
            kind: "person".into(),
            ..ApplicantFields::default()
        },
        Vec::new(),
        &HashMap::new(),
        None,
    );
    Ok(render(StatusCode::OK, &page))
}
