//! The applicant's own side of a dossier, whether they signed in as its owner or proved
//! themselves with the code and check from the receipt (the lookup): what the agency sent
//! them (the receipt, supplement requests, refusals, apologies, the signed result), their
//! documents, and sending a supplement online.
//!
//! Proof by check earns a pass: a token bound to the code that runs out after
//! [`PASS_MINUTES`], so downloads and the supplement form need not carry the digits.
//! Passes are MACs under the master key: no table, and a new key ends them all.

use super::access::not_found;
use super::public::{PublicDetail, applicant_audit, public_detail};
use crate::dossiers::attach::{blobs, upload_error};
use crate::{App, AppError, AppResult, Principal};
use chrono::{DateTime, Utc};
use motcua_domain::account::Role;
use motcua_domain::audit::AuditEntry;
use motcua_domain::document::{DocumentKind, check_name};
use motcua_domain::dossier::{Apology, DossierCode, DossierState};
use motcua_store::{Channel, DocumentRecord, DossierEvent, DossierRecord, NewDocument, NewMessage};
use std::net::IpAddr;
use subtle::ConstantTimeEq;
use uuid::Uuid;

/// The applicant rates the handling once the result is back.
pub async fn rate(
    app: &App,
    access: &ApplicantAccess,
    rating: &super::act::RatingInput,
) -> AppResult<DossierRecord> {
    let action = motcua_domain::dossier::Action::Rate {
        rating: rating.parse()?,
    };
    let actor = motcua_domain::dossier::Actor {
        role: Role::Citizen,
        agency: None,
        is_applicant: true,
    };
    let audit = access.audit("dossier.rate", serde_json::json!({}));
    super::act::perform(app, &access.record, &action, actor, audit).await
}

/// How long a pass earned at the lookup lasts.
pub const PASS_MINUTES: i64 = 60;

/// A dossier whose applicant is asking, and how they proved it.
#[derive(Debug, Clone)]
pub struct ApplicantAccess {
    record: DossierRecord,
    /// The signed-in owner; None for someone holding the code and its check.
    owner: Option<Principal>,
}

impl ApplicantAccess {
    pub fn record(&self) -> &DossierRecord {
        &self.record
    }

    /// The applicant's details as this proof may see them: in full for the signed-in owner,
    /// masked for someone who holds only the code and a check.
    pub fn applicant_details(&self) -> super::read::ApplicantDetails {
        super::read::ApplicantDetails::shown(&self.record.applicant, self.signed_in())
    }

    /// Whether the applicant is signed in as the dossier's owner.
    pub fn signed_in(&self) -> bool {
        self.owner.is_some()
    }

    pub(crate) fn audit(&self, action: &str, detail: serde_json::Value) -> AuditEntry {
        let subject = format!("dossier:{}", self.record.code());
        match &self.owner {
            Some(who) => who.audit(action, subject, detail),
            None => AuditEntry {
                subject,
                detail: detail.to_string(),
                ..applicant_audit(action)
            },
        }
    }
}

/// The signed-in citizen who submitted the dossier; `dossier_not_found` for anyone else.
pub async fn by_owner(app: &App, who: &Principal, code: &str) -> AppResult<ApplicantAccess> {
    let code = DossierCode::parse(code).map_err(|_| not_found())?;
    let record = app
        .store
        .dossier(code.as_str())
        .await?
        .filter(|r| who.role == Role::Citizen && r.owner.as_deref() == Some(&who.username))
        .ok_or_else(not_found)?;
    Ok(ApplicantAccess {
        record,
        owner: Some(who.clone()),
    })
}

/// The code with its check (the lookup, throttled as there), and a pass for what follows.
pub async fn by_check(
    app: &App,
    client: IpAddr,
    code: &str,
    check: &str,
) -> AppResult<(ApplicantAccess, String)> {
    let record = super::public::lookup(app, client, code, check).await?;
    let pass = issue_pass(app, record.code(), crate::now())?;
    Ok((
        ApplicantAccess {
            record,
            owner: None,
        },
        pass,
    ))
}

/// The dossier a pass opens, while it lasts; `dossier_not_found` otherwise (a forged or
/// stale pass says no more than a wrong code).
pub async fn by_pass(app: &App, code: &str, pass: &str) -> AppResult<ApplicantAccess> {
    let code = DossierCode::parse(code).map_err(|_| not_found())?;
    let (expires, mac) = pass.split_once('.').ok_or_else(not_found)?;
    let expires: i64 = expires.parse().map_err(|_| not_found())?;
    let given = hex::decode(mac).map_err(|_| not_found())?;
    if expires < crate::now().timestamp() {
        return Err(not_found());
    }
    let expected = pass_mac(app, code.as_str(), expires)?;
    if !bool::from(expected.as_slice().ct_eq(given.as_slice())) {
        return Err(not_found());
    }
    let record = app
        .store
        .dossier(code.as_str())
        .await?
        .ok_or_else(not_found)?;
    Ok(ApplicantAccess {
        record,
        owner: None,
    })
}

fn pass_mac(app: &App, code: &str, expires: i64) -> AppResult<[u8; 32]> {
    let signer = app.signer.as_ref().ok_or_else(|| AppError::Unavailable {
        code: "lookup_secret_unavailable",
        detail: "Chưa có khóa để cấp quyền xem hồ sơ.".into(),
    })?;
    signer
        .purpose_mac("applicant pass", format!("{code}\0{expires}").as_bytes())
        .map_err(|e| AppError::internal(e.to_string()))
}

/// A pass to `code` from `now` for [`PASS_MINUTES`]: `<expiry>.<mac>`.
pub fn issue_pass(app: &App, code: &str, now: DateTime<Utc>) -> AppResult<String> {
    let expires = now.timestamp() + PASS_MINUTES * 60;
    Ok(format!(
        "{expires}.{}",
        hex::encode(pass_mac(app, code, expires)?)
    ))
}

/// What the agency asked the applicant to supplement (form 02), while it waits for it.
#[derive(Debug, Clone)]
pub struct SupplementRequest {
    pub asked_at: DateTime<Utc>,
    /// Asked before the dossier was received: it is received once complete. Otherwise the
    /// time limit stands still until the supplement is complete, then starts again.
    pub at_receipt: bool,
    pub missing: Vec<String>,
    /// What the officer added: why, and how to supply it.
    pub note: Option<String>,
    /// Documents the applicant sent since the request, by component.
    pub sent: Vec<DocumentRecord>,
}

/// A refusal (form 03) with its reason.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub at: DateTime<Utc>,
    pub reason: String,
    /// Refused at the counter rather than after appraisal.
    pub at_receipt: bool,
}

/// A printed form the agency issued to the applicant (Circular 01/2018/TT-VPCP, forms
/// 01–04); each is shown only once it exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssuedForm {
    Receipt,
    Supplement,
    Refusal,
    Apology,
}

impl IssuedForm {
    pub fn number(self) -> &'static str {
        match self {
            IssuedForm::Receipt => "01",
            IssuedForm::Supplement => "02",
            IssuedForm::Refusal => "03",
            IssuedForm::Apology => "04",
        }
    }

    pub fn parse(number: &str) -> Option<IssuedForm> {
        [
            IssuedForm::Receipt,
            IssuedForm::Supplement,
            IssuedForm::Refusal,
            IssuedForm::Apology,
        ]
        .into_iter()
        .find(|f| f.number() == number)
    }

    pub fn title_vi(self) -> &'static str {
        match self {
            IssuedForm::Receipt => "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
            IssuedForm::Supplement => "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
            IssuedForm::Refusal => "Phiếu từ chối tiếp nhận, giải quyết hồ sơ",
            IssuedForm::Apology => "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
        }
    }
}

/// Everything the applicant sees of their dossier.
#[derive(Debug, Clone)]
pub struct ApplicantView {
    pub public: PublicDetail,
    /// The documents they may download: their components, the signed receipt, and the
    /// signed results once the dossier is finished.
    pub documents: Vec<DocumentRecord>,
    /// The ids among `documents` that carry the agency's signature.
    pub signed: Vec<Uuid>,
    pub supplement: Option<SupplementRequest>,
    pub refusal: Option<Refusal>,
    pub apology: Option<Apology>,
    pub forms: Vec<IssuedForm>,
    /// They may send a supplement now.
    pub can_supplement: bool,
    /// When each step began and ended (from the events this view read).
    pub control_sheet: Vec<motcua_store::ControlSheetRow>,
    /// The procedure's components with no document in the dossier (an online submission
    /// whose file could not be stored; paper dossiers keep theirs on paper).
    pub components_without_file: Vec<String>,
}

impl ApplicantView {
    pub fn receipt(&self) -> Option<&DocumentRecord> {
        self.documents
            .iter()
            .find(|d| d.kind == DocumentKind::Receipt.as_str())
    }

    /// The signed results, to download and print.
    pub fn results(&self) -> impl Iterator<Item = &DocumentRecord> {
        self.documents
            .iter()
            .filter(|d| d.kind == DocumentKind::Result.as_str())
    }
}

fn awaiting_supplement(state: DossierState) -> bool {
    matches!(
        state,
        DossierState::AwaitingSupplement | DossierState::AwaitingSupplementAtReceipt
    )
}

fn text_of(e: &DossierEvent, key: &str) -> Option<String> {
    e.data
        .get(key)
        .and_then(serde_json::Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// The applicant's view of their dossier. A read by someone not signed in is logged: they
/// proved only a code and a few digits.
pub async fn view(app: &App, access: &ApplicantAccess) -> AppResult<ApplicantView> {
    let view = assemble(app, access).await?;
    if !access.signed_in() {
        // Not one of the dossier's own events: its history stays the handling.
        let mut entry = access.audit("dossier.applicant_read", serde_json::json!({}));
        entry.subject = format!("lookup:{}", access.record.code());
        app.store.record_audit(entry).await?;
    }
    Ok(view)
}

async fn assemble(app: &App, access: &ApplicantAccess) -> AppResult<ApplicantView> {
    let record = access.record.clone();
    let code = record.code().to_owned();
    let events = app.store.dossier_events(&code).await?;
    let docs = app.store.documents(&code).await?;
    let signed: Vec<Uuid> = app
        .store
        .signatures_for_dossier(&code)
        .await?
        .into_iter()
        .map(|s| s.document_id)
        .collect();
    let d = &record.dossier;
    let result_out = matches!(d.state, DossierState::Finished | DossierState::Returned);
    let documents: Vec<DocumentRecord> = docs
        .into_iter()
        .filter(|doc| doc.destroyed_at.is_none())
        .filter(|doc| match DocumentKind::parse(&doc.kind) {
            Some(DocumentKind::Component) => true,
            Some(DocumentKind::Receipt | DocumentKind::FeeReceipt) => signed.contains(&doc.id),
            Some(DocumentKind::Result) => result_out && signed.contains(&doc.id),
            None => false,
        })
        .collect();
    let last = |action: &str| events.iter().rev().find(|e| e.action == action);
    let supplement = match last("request_supplement") {
        Some(e) if awaiting_supplement(d.state) => Some(SupplementRequest {
            asked_at: e.at,
            at_receipt: d.state == DossierState::AwaitingSupplementAtReceipt,
            missing: e
                .data
                .get("missing")
                .and_then(serde_json::Value::as_array)
                .map(|l| {
                    l.iter()
                        .filter_map(serde_json::Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            note: text_of(e, "note"),
            sent: documents
                .iter()
                .filter(|doc| doc.uploaded_at >= e.at && doc.kind == "component")
                .cloned()
                .collect(),
        }),
        _ => None,
    };
    let refusal = match d.state {
        DossierState::RefusedAtReceipt | DossierState::Refused => last("refuse_at_receipt")
            .or_else(|| last("refuse_after_appraisal"))
            .map(|e| Refusal {
                at: e.at,
                reason: text_of(e, "reason").unwrap_or_default(),
                at_receipt: e.action == "refuse_at_receipt",
            }),
        _ => None,
    };
    let mut forms = Vec::new();
    if d.received_at.is_some() {
        forms.push(IssuedForm::Receipt);
    }
    if last("request_supplement").is_some() {
        forms.push(IssuedForm::Supplement);
    }
    if refusal.is_some() {
        forms.push(IssuedForm::Refusal);
    }
    if d.apology.is_some() {
        forms.push(IssuedForm::Apology);
    }
    let can_supplement = supplement.is_some();
    let apology = d.apology.clone();
    let components_without_file = app
        .store
        .procedure_version(&record.procedure_code, record.procedure_version_no)
        .await?
        .map(|v| {
            // The paper declaration an electronic form stands for comes as data.
            let declared = v.procedure.form.and_then(|f| f.stands_for);
            v.procedure
                .documents
                .into_iter()
                .map(|c| c.name)
                .filter(|name| {
                    Some(name) != declared.as_ref()
                        && !documents
                            .iter()
                            .any(|doc| doc.component.as_deref() == Some(name.as_str()))
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(ApplicantView {
        public: public_detail(app, record).await?,
        documents,
        signed,
        supplement,
        refusal,
        apology,
        forms,
        can_supplement,
        components_without_file,
        control_sheet: motcua_store::control_sheet(&events),
    })
}

/// One document the applicant may download ([`ApplicantView::documents`]).
pub async fn document(app: &App, access: &ApplicantAccess, id: &str) -> AppResult<DocumentRecord> {
    let id = Uuid::parse_str(id).map_err(|_| document_not_found())?;
    assemble(app, access)
        .await?
        .documents
        .into_iter()
        .find(|d| d.id == id)
        .ok_or_else(document_not_found)
}

fn document_not_found() -> AppError {
    AppError::not_found("document_not_found", "Không tìm thấy tài liệu.")
}

/// A supplement the applicant sends for one missing component, checked before the body
/// is read ([`prepare_supplement`]), then streamed in ([`send_supplement`]).
pub struct PreparedSupplement {
    access: ApplicantAccess,
    component: String,
    name: String,
}

/// Every check that needs no body: the dossier waits for a supplement, the component is
/// one it asks for, and the file name is acceptable.
pub fn prepare_supplement(
    access: ApplicantAccess,
    component: &str,
    file_name: Option<&str>,
) -> AppResult<PreparedSupplement> {
    if !awaiting_supplement(access.record.dossier.state) {
        return Err(AppError::conflict(
            "no_supplement_requested",
            "Hồ sơ không ở trạng thái chờ bổ sung; không cần gửi thêm tài liệu.",
        ));
    }
    let component = component.trim();
    if component.is_empty() {
        return Err(AppError::invalid(
            "component_required",
            "Hãy chọn thành phần hồ sơ mà tệp này bổ sung.",
        ));
    }
    let name = match file_name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => check_name(n).map_err(|e| AppError::invalid(e.code(), e.to_string()))?,
        None => {
            return Err(AppError::invalid(
                "file_required",
                format!("Chưa chọn tệp cho thành phần \"{component}\"."),
            ));
        }
    };
    Ok(PreparedSupplement {
        component: component.chars().take(500).collect(),
        name,
        access,
    })
}

/// Streams the file in, records it against its component, and tells the desk holding
/// the dossier, in the same transaction. The receiver then takes "supplement received".
pub async fn send_supplement<S, E>(
    app: &App,
    prepared: PreparedSupplement,
    body: S,
) -> AppResult<DocumentRecord>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Send,
    E: std::fmt::Display,
{
    let record = &prepared.access.record;
    // The request may have been answered while the file was chosen.
    let fresh = app
        .store
        .dossier(record.code())
        .await?
        .ok_or_else(not_found)?;
    let missing = assemble(
        app,
        &ApplicantAccess {
            record: fresh,
            owner: prepared.access.owner.clone(),
        },
    )
    .await?
    .supplement
    .map(|s| s.missing)
    .ok_or_else(|| {
        AppError::conflict(
            "no_supplement_requested",
            "Hồ sơ không ở trạng thái chờ bổ sung; không cần gửi thêm tài liệu.",
        )
    })?;
    if !missing.iter().any(|m| m == &prepared.component) {
        return Err(AppError::invalid(
            "component_not_requested",
            format!(
                "Thành phần \"{}\" không có trong yêu cầu bổ sung.",
                prepared.component
            ),
        ));
    }
    let blobs = blobs(app)?;
    let max = blobs.max_bytes();
    let staged = blobs
        .receive(body, None)
        .await
        .map_err(|e| upload_error(e, max))?;
    let now = crate::now();
    let doc = NewDocument {
        component: Some(prepared.component.clone()),
        ..NewDocument::upload(
            record.code(),
            &staged.sha256,
            &prepared.name,
            staged.content_type,
            staged.size as i64,
            now,
        )
    };
    let desk = record.dossier.desk_agency(&record.steps).to_string();
    let subject = format!("Hồ sơ {} đã có tài liệu bổ sung", record.code());
    let body_text = format!(
        "Người nộp đã gửi \"{}\" cho thành phần \"{}\". Kiểm tra rồi chọn \"Nhận hồ sơ bổ sung\".",
        prepared.name, prepared.component
    );
    let messages: Vec<NewMessage> = app
        .store
        .agency_staff(&desk)
        .await?
        .into_iter()
        .map(|user| NewMessage {
            kind: "supplement_arrived".into(),
            channel: Channel::InApp,
            dedup_key: format!("supplement:{}:{}:{}", record.code(), doc.id, user.id),
            recipient_user_id: Some(user.id),
            recipient_email: None,
            subject: subject.clone(),
            body: body_text.clone(),
            link: Some(format!("/work/dossiers/{}", record.code())),
            ordering_key: None,
            payload: None,
        })
        .collect();
    let audit = prepared.access.audit(
        "dossier.supplement_sent",
        serde_json::json!({ "component": prepared.component }),
    );
    let row = match app.store.add_document_telling(&doc, audit, &messages).await {
        Ok(row) => row,
        Err(err) => {
            blobs.discard(staged).await;
            return Err(err.into());
        }
    };
    if let Err(e) = blobs.keep(staged).await {
        tracing::error!(error = %e, sha256 = %row.sha256, "supplement row committed but its blob could not be stored");
        return Err(AppError::internal(e));
    }
    Ok(row)
}

/// What a printed form needs beyond the dossier.
pub struct FormMaterial {
    pub events: Vec<DossierEvent>,
    pub control_sheet: Vec<motcua_store::ControlSheetRow>,
    pub procedure: std::sync::Arc<motcua_domain::procedure::Procedure>,
}

/// The material of a form the agency issued to this applicant; `form_not_issued` when
/// there is no such form for the dossier (yet).
pub async fn form_material(
    app: &App,
    access: &ApplicantAccess,
    form: IssuedForm,
) -> AppResult<FormMaterial> {
    if !assemble(app, access).await?.forms.contains(&form) {
        return Err(AppError::not_found(
            "form_not_issued",
            format!(
                "Hồ sơ {} chưa có {}.",
                access.record.code(),
                form.title_vi().to_lowercase()
            ),
        ));
    }
    let parts = crate::dossiers::read::parts_of(app, &access.record).await?;
    Ok(FormMaterial {
        control_sheet: motcua_store::control_sheet(&parts.events),
        events: parts.events,
        procedure: parts.procedure,
    })
}
