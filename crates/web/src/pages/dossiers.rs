//! The citizens' side of dossiers: the online form of a procedure (applicant data and
//! document uploads, anonymous or signed in), the public lookup with its rating form,
//! and a signed-in citizen's own dossiers.

use super::dossier_common::{
    agency_names, api_error_page, name_of, queue_has_next, queue_total, when, when_utc,
    working_time,
};
use super::{Chrome, PageError, error_page_with, render};
use crate::AppState;
use crate::auth::{AuthUser, MaybeUser, PageUser};
use crate::dossiers::sniff;
use crate::error::status_of;
use motcua_app::AppError;
use motcua_app::dossiers::act::RatingInput;
use motcua_app::dossiers::attach::{attach_document, rejection};
use motcua_app::dossiers::public::{applicant_audit, public_detail};
use motcua_app::dossiers::queue::QueueQuestion;
use motcua_app::dossiers::submit::{ApplicantInput, FieldError, SubmitRequest};
use motcua_app::dossiers::{self as app_dossiers, MAX_DOCUMENT_BYTES, load_visible};

use askama::Template;
use axum::Form;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{ConnectInfo, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use motcua_domain::account::Role;
use motcua_domain::agency::AgencyKind;
use motcua_domain::dossier::RatingCriterion;
use motcua_domain::procedure::Level;
use motcua_store::{DossierRecord, Submitted, control_sheet};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;

/// The applicant's fields as typed, to fill the form again after a mistake.
#[derive(Debug, Clone, Default)]
pub(crate) struct ApplicantFields {
    pub kind: String,
    pub name: String,
    pub citizen_id: String,
    pub tax_code: String,
    pub phone: String,
    pub email: String,
    pub address: String,
}

impl ApplicantFields {
    pub fn from_map(map: &HashMap<String, String>) -> ApplicantFields {
        let get = |k: &str| map.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
        ApplicantFields {
            kind: Some(get("kind"))
                .filter(|k| !k.is_empty())
                .unwrap_or_else(|| "person".into()),
            name: get("name"),
            citizen_id: get("citizen_id"),
            tax_code: get("tax_code"),
            phone: get("phone"),
            email: get("email"),
            address: get("address"),
        }
    }

    pub fn body(&self) -> ApplicantInput {
        let opt = |v: &str| Some(v.to_owned()).filter(|v| !v.is_empty());
        ApplicantInput {
            kind: self.kind.clone(),
            name: self.name.clone(),
            citizen_id: opt(&self.citizen_id),
            tax_code: opt(&self.tax_code),
            phone: opt(&self.phone),
            email: opt(&self.email),
            address_unit: None,
            address: opt(&self.address),
        }
    }

    pub fn is_business(&self) -> bool {
        self.kind == "business"
    }
}

/// A form problem next to its field.
#[derive(Debug, Clone)]
pub(crate) struct FormError {
    pub field: String,
    pub message: String,
}

impl From<FieldError> for FormError {
    fn from(e: FieldError) -> FormError {
        FormError {
            field: e.field.to_owned(),
            message: e.message,
        }
    }
}

pub(crate) fn error_for<'a>(errors: &'a [FormError], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.as_str())
}

/// A fresh Idempotency-Key for a form: a double click sends it twice, and the second
/// answer is the first dossier again.
pub(crate) fn fresh_key() -> String {
    crate::auth::random_token()
}

pub(crate) fn valid_key(raw: Option<&String>) -> Option<String> {
    raw.map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty() && k.len() <= 200 && k.bytes().all(|b| b.is_ascii_graphic()))
}

// --------------------------------------------------------------- the online form

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
struct SubmitPage {
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

#[derive(Template)]
#[template(path = "dossier_submitted.html")]
struct SubmittedPage {
    chrome: Chrome,
    code: String,
    procedure_name: String,
    agency_name: String,
    submitted_at: String,
    saved_documents: Vec<String>,
    failed_documents: Vec<String>,
    lookup_link: String,
    check_hint: String,
    signed_in_citizen: bool,
    replayed: bool,
}

/// What the form needs about the procedure.
struct ProcedureForm {
    code: String,
    name: String,
    processing_time: String,
    fees: Vec<String>,
    documents: Vec<(String, String)>,
    groups: Vec<AgencyGroup>,
    closed: Option<String>,
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
    let agencies: Vec<_> = state
        .store
        .agencies(None)
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

async fn procedure_form(
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
            .map(|f| format!("{}: {}", f.name, super::catalogue::vnd(f.amount_vnd)))
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

fn unknown_procedure(chrome: Chrome) -> Response {
    error_page_with(
        chrome,
        StatusCode::NOT_FOUND,
        "Không có thủ tục hành chính đang có hiệu lực với mã này.",
    )
}

#[allow(clippy::too_many_arguments)]
fn submit_page(
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
pub(super) async fn submit_form(
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

/// A submitted file: its name and bytes.
struct Upload {
    filename: String,
    bytes: Vec<u8>,
}

/// `POST /procedures/{code}/submit` (multipart, `?csrf_token=`): validates everything,
/// registers the dossier (once per Idempotency-Key), stores its documents, and answers
/// with the dossier code.
pub(super) async fn submit(
    State(state): State<AppState>,
    chrome: Chrome,
    MaybeUser(user): MaybeUser,
    Path(code): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let too_large = |chrome: Chrome| {
        error_page_with(
            chrome,
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "Dữ liệu gửi lên quá lớn. Mỗi tệp tối đa {} MiB.",
                crate::dossiers::MAX_DOCUMENT_BYTES / 1024 / 1024
            ),
        )
    };
    let Ok(mut multipart) = multipart else {
        return Ok(error_page_with(
            chrome,
            StatusCode::BAD_REQUEST,
            "Biểu mẫu phải được gửi dưới dạng multipart/form-data.",
        ));
    };
    let mut text: HashMap<String, String> = HashMap::new();
    let mut files: BTreeMap<usize, Upload> = BTreeMap::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return Ok(too_large(chrome)),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if let Some(index) = name
            .strip_prefix("doc_")
            .and_then(|i| i.parse::<usize>().ok())
        {
            let filename = field.file_name().unwrap_or_default().to_owned();
            let Ok(bytes) = field.bytes().await else {
                return Ok(too_large(chrome));
            };
            if !bytes.is_empty() || !filename.is_empty() {
                files.insert(
                    index,
                    Upload {
                        filename,
                        bytes: bytes.to_vec(),
                    },
                );
            }
        } else {
            let Ok(value) = field.text().await else {
                return Ok(too_large(chrome));
            };
            text.insert(name, value);
        }
    }
    let agency = text
        .get("agency")
        .map(|a| a.trim().to_owned())
        .unwrap_or_default();
    let Some(form) = procedure_form(&state, &code, &agency).await? else {
        return Ok(unknown_procedure(chrome));
    };
    if user.as_ref().is_some_and(|u| u.role != Role::Citizen) {
        return Ok(error_page_with(
            chrome,
            StatusCode::FORBIDDEN,
            "Tài khoản cán bộ không nộp hồ sơ trực tuyến. Để tiếp nhận hồ sơ giấy, dùng trang \
             \"Tiếp nhận hồ sơ tại quầy\" (/work/counter).",
        ));
    }
    if let Some(reason) = &form.closed {
        return Ok(error_page_with(chrome, StatusCode::CONFLICT, reason));
    }
    let fields = ApplicantFields::from_map(&text);
    let mut errors: Vec<FormError> = Vec::new();
    let applicant = match fields.body().fields() {
        Ok(a) => Some(a),
        Err(list) => {
            errors.extend(list.into_iter().map(FormError::from));
            None
        }
    };
    let offered = form
        .groups
        .iter()
        .flat_map(|g| g.options.iter())
        .any(|o| o.code == agency);
    if !offered {
        errors.push(FormError {
            field: "agency".into(),
            message: "Hãy chọn cơ quan tiếp nhận hồ sơ trong danh sách.".into(),
        });
    }
    let mut doc_errors: HashMap<usize, String> = HashMap::new();
    for (index, (name, _)) in form.documents.iter().enumerate() {
        match files.get(&index) {
            None => {
                doc_errors.insert(index, format!("Chưa đính kèm \"{name}\"."));
            }
            Some(upload) => {
                if let Err(r) = sniff(&upload.bytes) {
                    doc_errors.insert(index, rejection(r, MAX_DOCUMENT_BYTES as u64).to_string());
                }
            }
        }
    }
    for (index, message) in &doc_errors {
        errors.push(FormError {
            field: format!("doc_{index}"),
            message: message.clone(),
        });
    }
    let (Some(applicant), true) = (applicant, errors.is_empty()) else {
        let page = submit_page(
            chrome,
            form,
            user.as_ref(),
            fields,
            errors,
            &doc_errors,
            None,
        );
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    // The key's request hash: the form's fields and each file's digest.
    let mut hashed: BTreeMap<String, String> = text
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "csrf_token" | "idempotency_key"))
        .map(|(k, v)| (k.clone(), v.trim().to_owned()))
        .collect();
    hashed.insert("procedure".into(), code.clone());
    for (index, upload) in &files {
        hashed.insert(
            format!("doc_{index}"),
            hex::encode(Sha256::digest(&upload.bytes)),
        );
    }
    let request_hash = hex::encode(Sha256::digest(
        serde_json::to_string(&hashed)
            .unwrap_or_default()
            .as_bytes(),
    ));
    let request = SubmitRequest {
        procedure_code: code.clone(),
        agency_code: Some(agency.clone()),
        channel: Some("online".into()),
        applicant,
        receive: None,
        idempotency: valid_key(text.get("idempotency_key")).map(|k| (k, request_hash)),
        attachments: Vec::new(),
    };
    let who = user.as_ref().map(AuthUser::principal);
    let submitted = match app_dossiers::submit::submit(&state.app, who.as_ref(), request).await {
        Ok(s) => s,
        Err(err) => {
            let err = crate::error::logged(err);
            let message = match &err {
                AppError::KeyReused { .. } => {
                    "Biểu mẫu này đã được dùng để nộp một hồ sơ khác. Hồ sơ mới chưa được nộp; \
                     vui lòng kiểm tra lại thông tin rồi nộp lại."
                        .to_owned()
                }
                other => other.detail().into_owned(),
            };
            let status = status_of(&err);
            let page = submit_page(
                chrome,
                form,
                user.as_ref(),
                fields,
                Vec::new(),
                &HashMap::new(),
                Some(message),
            );
            return Ok(render(status, &page));
        }
    };
    let replayed = matches!(submitted, Submitted::Replayed(_));
    let record = submitted.into_record();
    let mut saved_documents = Vec::new();
    let mut failed_documents = Vec::new();
    if replayed {
        saved_documents = state
            .store
            .documents(record.code())
            .await?
            .into_iter()
            .map(|d| d.name)
            .collect();
    } else {
        for (index, upload) in files {
            let Some((doc_name, _)) = form.documents.get(index) else {
                continue;
            };
            let name = if upload.filename.is_empty() {
                doc_name.clone()
            } else {
                format!("{doc_name} ({})", upload.filename)
            };
            let audit = match &user {
                Some(u) => u.audit("dossier.document_added", "dossier", serde_json::json!({})),
                None => applicant_audit("dossier.document_added"),
            };
            match attach_document(&state.app, record.code(), &name, upload.bytes, audit).await {
                Ok(doc) => saved_documents.push(doc.name),
                Err(err) => {
                    tracing::error!(code = record.code(), error = %err, "a document of an online submission was not stored");
                    failed_documents.push(name);
                }
            }
        }
    }
    let names = agency_names(&state)
        .await
        .map_err(|e| PageError(Box::new(api_error_page(chrome.clone(), e))))?;
    let masked = record.applicant.masked();
    let mut hints = Vec::new();
    if let Some(phone) = &masked.phone {
        hints.push(format!("số điện thoại {phone}"));
    }
    if let Some(id) = &masked.citizen_id {
        hints.push(format!("số định danh {id}"));
    }
    if let Some(tax) = &record.applicant.tax_code {
        let t = tax.as_str();
        hints.push(format!("mã số thuế …{}", &t[t.len().saturating_sub(4)..]));
    }
    let page = SubmittedPage {
        code: record.code().to_owned(),
        procedure_name: record.procedure_name.clone(),
        agency_name: name_of(&names, record.dossier.receiving_agency.as_str()),
        submitted_at: when(&motcua_domain::calendar::from_vn_local(
            record.dossier.submitted_at,
        )),
        saved_documents,
        failed_documents,
        lookup_link: format!(
            "/lookup?{}",
            serde_urlencoded::to_string([("code", record.code())]).unwrap_or_default()
        ),
        check_hint: hints.join(", hoặc "),
        signed_in_citizen: user.is_some(),
        replayed,
        chrome,
    };
    Ok(render(StatusCode::OK, &page))
}

// ------------------------------------------------------------------ public lookup

pub(crate) struct StepLine {
    pub name: String,
    /// `done`, `current` or `pending`.
    pub progress: String,
    pub progress_label: &'static str,
    pub time_in: String,
    pub time_out: String,
}

pub(crate) struct ScoreLine {
    pub label: String,
    pub score: u8,
}

pub(crate) struct Criterion {
    pub key: String,
    pub label: &'static str,
}

/// A dossier as the lookup shows it (personal data masked).
pub(crate) struct LookupResult {
    pub code: String,
    pub procedure_name: String,
    pub agency_name: String,
    pub state: String,
    pub state_label: String,
    pub national_status: u8,
    pub national_label: &'static str,
    pub applicant_name: String,
    pub citizen_id: Option<String>,
    pub phone: Option<String>,
    pub submitted_at: String,
    pub received_at: String,
    pub due_at: String,
    pub finished_at: String,
    pub returned_at: String,
    pub steps: Vec<StepLine>,
    pub can_rate: bool,
    pub rating_average: Option<String>,
    pub rating_scores: Vec<ScoreLine>,
    pub rating_comment: Option<String>,
}

#[derive(Template)]
#[template(path = "lookup.html")]
struct LookupPage {
    chrome: Chrome,
    code: String,
    check: String,
    error: Option<String>,
    notice: Option<String>,
    result: Option<LookupResult>,
    criteria: Vec<Criterion>,
    /// Where the rating form sends the applicant back.
    own: bool,
}

fn criteria() -> Vec<Criterion> {
    RatingCriterion::ALL
        .iter()
        .map(|c| Criterion {
            key: serde_json::to_value(c)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            label: c.label_vi(),
        })
        .collect()
}

/// The lookup's view of a dossier, with the time each step began and ended.
pub(crate) async fn lookup_result(
    state: &AppState,
    record: &DossierRecord,
) -> Result<LookupResult, AppError> {
    let view = public_detail(&state.app, record.clone()).await?;
    let events = state.store.dossier_events(record.code()).await?;
    let sheet = control_sheet(&events);
    let d = &view.record.dossier;
    let national = d.state.national_status();
    let local = |t: chrono::NaiveDateTime| when(&motcua_domain::calendar::from_vn_local(t));
    let steps = view
        .steps
        .iter()
        .map(|s| {
            let rows: Vec<_> = sheet.iter().filter(|r| r.step == s.no as i64).collect();
            StepLine {
                name: s.name.clone(),
                progress_label: s.progress.label_vi(),
                progress: s.progress.as_str().into(),
                time_in: rows
                    .first()
                    .map(|r| when_utc(&r.time_in))
                    .unwrap_or_default(),
                time_out: rows
                    .last()
                    .and_then(|r| r.time_out.as_ref())
                    .map(when_utc)
                    .unwrap_or_default(),
            }
        })
        .collect();
    Ok(LookupResult {
        code: view.record.code().to_owned(),
        procedure_name: view.record.procedure_name.clone(),
        agency_name: view
            .receiving_agency_name
            .clone()
            .unwrap_or_else(|| d.receiving_agency.to_string()),
        state: d.state.as_str().into(),
        state_label: d.state.label_vi().into(),
        national_status: national.into(),
        national_label: national.label_vi(),
        applicant_name: view.applicant.name.clone(),
        citizen_id: view.applicant.citizen_id.clone(),
        phone: view.applicant.phone.clone(),
        submitted_at: local(d.submitted_at),
        received_at: d.received_at.map(local).unwrap_or_default(),
        due_at: d.due_at.map(local).unwrap_or_default(),
        finished_at: d.finished_at.map(local).unwrap_or_default(),
        returned_at: d.returned_at.map(local).unwrap_or_default(),
        steps,
        can_rate: view.can_rate,
        rating_average: d
            .rating
            .as_ref()
            .map(|r| format!("{:.1}", r.average()).replace('.', ",")),
        rating_scores: d
            .rating
            .as_ref()
            .map(|r| {
                r.scores
                    .iter()
                    .map(|(c, score)| ScoreLine {
                        label: c.label_vi().into(),
                        score: *score,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        rating_comment: d.rating.as_ref().and_then(|r| r.comment.clone()),
    })
}

#[derive(Deserialize)]
pub(super) struct LookupQuery {
    code: Option<String>,
    check: Option<String>,
}

/// What a failed lookup tells the person, without saying which part was wrong.
fn lookup_error(err: &AppError) -> String {
    match err {
        AppError::TooManyAttempts { .. } => {
            "Bạn đã tra cứu sai quá nhiều lần. Để bảo vệ thông tin của người \
            nộp, việc tra cứu hồ sơ này tạm khóa; vui lòng thử lại sau 15 phút."
                .into()
        }
        AppError::NotFound { .. } => format!(
            "Không tìm thấy hồ sơ: mã hồ sơ hoặc 4 chữ số kiểm tra chưa đúng. Hãy kiểm tra lại \
             (sau {} lần sai, việc tra cứu tạm khóa 15 phút).",
            motcua_domain::account::LOOKUP_THROTTLE.max_failures
        ),
        other => other.detail().into_owned(),
    }
}

/// `GET /lookup?code=&check=`: the form, and the dossier once both are right.
pub(super) async fn lookup(
    State(state): State<AppState>,
    chrome: Chrome,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Query<LookupQuery>,
) -> Result<Response, PageError> {
    let code = q.code.unwrap_or_default().trim().to_owned();
    let check = q.check.unwrap_or_default().trim().to_owned();
    let mut page = LookupPage {
        chrome,
        code: code.clone(),
        check: check.clone(),
        error: None,
        notice: None,
        result: None,
        criteria: criteria(),
        own: false,
    };
    if code.is_empty() || check.is_empty() {
        if !code.is_empty() {
            page.notice = Some(
                "Nhập 4 chữ số cuối của số điện thoại hoặc số định danh của người nộp để xem hồ sơ."
                    .into(),
            );
        }
        return Ok(render(StatusCode::OK, &page));
    }
    match app_dossiers::public::lookup(&state.app, peer.ip(), &code, &check).await {
        Ok(record) => match lookup_result(&state, &record).await {
            Ok(result) => {
                page.code = result.code.clone();
                page.result = Some(result);
                Ok(render(StatusCode::OK, &page))
            }
            Err(err) => Ok(api_error_page(page.chrome, err)),
        },
        Err(err) => {
            let err = crate::error::logged(err);
            page.error = Some(lookup_error(&err));
            Ok(render(status_of(&err), &page))
        }
    }
}

/// The rating form: `score_<criterion>` = 0, 1 or 2 (or empty: not rated), and a comment.
fn rating_from_form(form: &HashMap<String, String>) -> RatingInput {
    let scores = form
        .iter()
        .filter_map(|(k, v)| {
            let criterion = k.strip_prefix("score_")?;
            let score = v.trim().parse::<u8>().ok()?;
            Some((criterion.to_owned(), score))
        })
        .collect();
    RatingInput {
        scores,
        comment: form
            .get("comment")
            .map(|c| c.trim().chars().take(1000).collect())
            .filter(|c: &String| !c.is_empty()),
    }
}

/// `POST /lookup/{code}/rating`: the applicant rates, with the same check digits.
pub(super) async fn rate(
    State(state): State<AppState>,
    chrome: Chrome,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let check = form
        .get("check")
        .map(|c| c.trim().to_owned())
        .unwrap_or_default();
    let own = form.get("own").is_some_and(|v| v == "1");
    let rating = rating_from_form(&form);
    let mut page = LookupPage {
        chrome,
        code: code.clone(),
        check: check.clone(),
        error: None,
        notice: None,
        result: None,
        criteria: criteria(),
        own,
    };
    let outcome = app_dossiers::public::rate(&state.app, peer.ip(), &code, &check, &rating).await;
    let (record, status) = match outcome {
        Ok(after) => {
            page.notice = Some("Cảm ơn bạn đã đánh giá việc giải quyết hồ sơ.".into());
            (Some(after), StatusCode::OK)
        }
        Err(err) => {
            let err = crate::error::logged(err);
            let unknown = matches!(
                err,
                AppError::TooManyAttempts { .. } | AppError::NotFound { .. }
            );
            page.error = Some(match &err {
                AppError::Invalid {
                    code: "empty_rating",
                    ..
                } => "Hãy chấm điểm ít nhất một tiêu chí.".into(),
                _ if unknown => lookup_error(&err),
                other => other.detail().into_owned(),
            });
            // Show the dossier again when the digits were right.
            let again = if unknown {
                None
            } else {
                app_dossiers::public::lookup(&state.app, peer.ip(), &code, &check)
                    .await
                    .ok()
            };
            (again, status_of(&err))
        }
    };
    if let Some(record) = record {
        match lookup_result(&state, &record).await {
            Ok(result) => page.result = Some(result),
            Err(err) => return Ok(api_error_page(page.chrome, err)),
        }
    }
    Ok(render(status, &page))
}

// ------------------------------------------------------------------ my dossiers

pub(crate) struct MyLine {
    pub code: String,
    pub procedure_name: String,
    pub agency_name: String,
    pub state_label: String,
    pub submitted_at: String,
    pub due_at: String,
    pub remaining: String,
}

#[derive(Template)]
#[template(path = "my_dossiers.html")]
struct MyDossiersPage {
    chrome: Chrome,
    lines: Vec<MyLine>,
    total: String,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct PageQuery {
    page: Option<i64>,
}

fn citizens_only(chrome: Chrome, user: &AuthUser) -> Option<Response> {
    (user.role != Role::Citizen).then(|| {
        error_page_with(
            chrome,
            StatusCode::FORBIDDEN,
            "Trang này dành cho công dân, tổ chức nộp hồ sơ. Cán bộ xem hồ sơ tại trang \"Xử lý hồ sơ\" (/work).",
        )
    })
}

/// `GET /my/dossiers`: every dossier a signed-in citizen submitted.
pub(super) async fn my_dossiers(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    if let Some(denied) = citizens_only(chrome.clone(), &user) {
        return Ok(denied);
    }
    let query = QueueQuestion {
        page: q.page,
        per_page: Some(50),
        ..QueueQuestion::default()
    };
    let (queue, names) = match (
        app_dossiers::queue::queue(&state.app, &user.principal(), query).await,
        agency_names(&state).await,
    ) {
        (Ok(queue), Ok(names)) => (queue, names),
        (Err(err), _) => return Ok(api_error_page(chrome, err)),
        (_, Err(err)) => return Ok(api_error_page(chrome, err)),
    };
    let now = motcua_domain::calendar::to_vn_local(&crate::now());
    let hours = motcua_domain::calendar::WorkingHours::default();
    let holidays = state.calendar.holidays(&state.store).await?;
    let lines: Vec<MyLine> = queue
        .items
        .into_iter()
        .map(|item| {
            let s = item.summary;
            let remaining = match (&s.due_at, item.due_state) {
                (Some(due), Some(d)) => {
                    let minutes = motcua_domain::calendar::working_minutes_between(
                        now,
                        motcua_domain::calendar::to_vn_local(due),
                        &hours,
                        &holidays,
                    );
                    if d == motcua_domain::dossier::DueState::Overdue {
                        format!("Quá hạn {}", working_time(minutes))
                    } else {
                        format!("Còn {}", working_time(minutes))
                    }
                }
                _ => String::new(),
            };
            MyLine {
                agency_name: name_of(&names, &s.receiving_agency),
                state_label: item
                    .state
                    .map(|st| st.label_vi())
                    .unwrap_or_default()
                    .into(),
                submitted_at: when_utc(&s.submitted_at),
                due_at: s.due_at.as_ref().map(when_utc).unwrap_or_default(),
                code: s.code,
                procedure_name: s.procedure_name,
                remaining,
            }
        })
        .collect();
    let has_next = queue_has_next(
        queue.total,
        queue.total_exact,
        queue.page,
        queue.per_page,
        lines.len(),
    );
    let page = MyDossiersPage {
        chrome,
        total: queue_total(queue.total, queue.total_exact),
        lines,
        page: queue.page,
        prev: (queue.page > 1).then(|| format!("/my/dossiers?page={}", queue.page - 1)),
        next: has_next.then(|| format!("/my/dossiers?page={}", queue.page + 1)),
    };
    Ok(render(StatusCode::OK, &page))
}

/// `GET /my/dossiers/{code}`: one of the citizen's dossiers, as the lookup shows it,
/// with the rating form once the result is back.
pub(super) async fn my_dossier(
    State(state): State<AppState>,
    chrome: Chrome,
    PageUser(user): PageUser,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    if let Some(denied) = citizens_only(chrome.clone(), &user) {
        return Ok(denied);
    }
    let record = match load_visible(&state.app, &user.principal(), &code).await {
        Ok(r) => r,
        Err(err) => return Ok(api_error_page(chrome, err)),
    };
    let result = match lookup_result(&state, &record).await {
        Ok(r) => r,
        Err(err) => return Ok(api_error_page(chrome, err)),
    };
    // The owner rates without typing the digits: the form carries one of them.
    let check = record
        .applicant
        .check_values()
        .into_iter()
        .next()
        .unwrap_or_default();
    let page = LookupPage {
        chrome,
        code: result.code.clone(),
        check,
        error: None,
        notice: None,
        result: Some(result),
        criteria: criteria(),
        own: true,
    };
    Ok(render(StatusCode::OK, &page))
}
