//! Registering a dossier: online by a citizen (or an applicant without an account), or at
//! the counter by a receiver, who receives it at once with its appointment date.

use crate::{App, AppError, AppResult, Principal};
use motcua_domain::account::Role;
use motcua_domain::agency::AgencyCode;
use motcua_domain::calendar::{Channel, WorkingHours};
use motcua_domain::dossier::{
    Applicant, ApplicantError, ApplicantKind, CitizenId, IdentityError, PhoneNumber, TaxCode,
};
use motcua_domain::notice::NoticeChannel;
use motcua_store::{IdempotencyKey, ReceiveNow, Submission, Submitted, WalletAttachment};
use serde::Deserialize;

/// Whose idempotency keys anonymous online submissions use (the keys are random).
pub const ANONYMOUS_PRINCIPAL: &str = "anonymous";

// An applicant as typed (the API's `ApplicantBody`).
#[derive(Debug, Default, Clone, Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ApplicantBody))]
pub struct ApplicantInput {
    /// `person` or `business`.
    #[cfg_attr(feature = "openapi", schema(example = "person"))]
    pub kind: String,
    #[cfg_attr(feature = "openapi", schema(example = "Nguyễn Văn An"))]
    pub name: String,
    /// A person's 12-digit identification number.
    #[cfg_attr(feature = "openapi", schema(example = "020095001234"))]
    pub citizen_id: Option<String>,
    /// A business's tax code (10 digits with a check digit, optionally `-NNN`).
    pub tax_code: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = "0912345678"))]
    pub phone: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = "an.nguyen@example.vn"))]
    pub email: Option<String>,
    /// The commune-level unit of the address (statistics code).
    pub address_unit: Option<String>,
    pub address: Option<String>,
    /// Where the applicant wants to hear about the dossier: `email`, `sms`, `zalo` (the
    /// address or phone above must be given).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Vec<NoticeChannelName>, example = json!(["email"]))
    )]
    pub notify: Vec<String>,
}

/// The channel names `notify` takes (for the API's schema; the field is read as text so that
/// an unknown name gets a field error of its own).
#[cfg(feature = "openapi")]
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum NoticeChannelName {
    Email,
    Sms,
    Zalo,
}

/// One input field's problem, for a form to show next to the field.
#[derive(Debug, Clone)]
pub struct FieldError {
    /// The field's name in the form (`name`, `citizen_id`, `tax_code`, `phone`, …).
    pub field: &'static str,
    pub code: &'static str,
    pub message: String,
}

/// The text of an optional field, trimmed; None when blank.
pub fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl ApplicantInput {
    /// The applicant, or every field's problem at once (the rules are the domain's:
    /// identity formats, then what each kind of applicant must give).
    pub fn fields(&self) -> Result<Applicant, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = ApplicantKind::parse(self.kind.trim());
        if kind.is_none() {
            errors.push(FieldError {
                field: "kind",
                code: "invalid_applicant_kind",
                message: "Loại người nộp: person (cá nhân) hoặc business (tổ chức).".into(),
            });
        }
        fn field<T>(
            errors: &mut Vec<FieldError>,
            name: &'static str,
            raw: &Option<String>,
            parse: fn(&str) -> Result<T, IdentityError>,
        ) -> Option<T> {
            match present(raw).map(parse).transpose() {
                Ok(v) => v,
                Err(e) => {
                    errors.push(FieldError {
                        field: name,
                        code: e.code(),
                        message: e.to_string(),
                    });
                    None
                }
            }
        }
        let citizen_id = field(
            &mut errors,
            "citizen_id",
            &self.citizen_id,
            CitizenId::parse,
        );
        let tax_code = field(&mut errors, "tax_code", &self.tax_code, TaxCode::parse);
        let phone = field(&mut errors, "phone", &self.phone, PhoneNumber::parse);
        // Free text: no control or bidirectional characters, and stored in NFC (a page's
        // multipart form does not pass the edge's check, so it is made here too).
        for (name, text) in [
            ("name", Some(&self.name)),
            ("email", self.email.as_ref()),
            ("address", self.address.as_ref()),
            ("address_unit", self.address_unit.as_ref()),
        ] {
            if let Some(Err(e)) = text.map(|t| motcua_domain::text::check_text(name, t)) {
                errors.push(FieldError {
                    field: name,
                    code: e.code(),
                    message: e.to_string(),
                });
            }
        }
        let mut notify = Vec::new();
        for raw in &self.notify {
            match NoticeChannel::parse(raw) {
                Some(channel) => notify.push(channel),
                None => errors.push(FieldError {
                    field: "notify",
                    code: "invalid_notice_channel",
                    message: "Kênh nhận tin: email, sms hoặc zalo.".into(),
                }),
            }
        }
        let Some(kind) = kind else {
            return Err(errors);
        };
        let nfc = motcua_domain::text::nfc;
        let applicant = Applicant {
            kind,
            name: nfc(&self.name),
            citizen_id,
            tax_code,
            phone,
            email: self.email.clone(),
            address_unit: self.address_unit.clone(),
            address: self.address.as_deref().map(nfc),
            notify,
            verified: None,
        };
        match applicant.validated() {
            Ok(a) if errors.is_empty() => Ok(a),
            Ok(_) => Err(errors),
            Err(e) => {
                let field = match e {
                    ApplicantError::Name => "name",
                    ApplicantError::CitizenIdRequired => "citizen_id",
                    ApplicantError::TaxCodeRequired => "tax_code",
                    ApplicantError::Email => "email",
                    ApplicantError::Address => "address",
                    ApplicantError::NoCheck => "phone",
                    ApplicantError::NoticeWithoutEmail => "email",
                    ApplicantError::NoticeWithoutPhone => "phone",
                };
                // A badly typed number already explains why it is missing.
                if !errors.iter().any(|x| x.field == field) {
                    errors.push(FieldError {
                        field,
                        code: e.code(),
                        message: e.to_string(),
                    });
                }
                Err(errors)
            }
        }
    }

    /// The applicant, or the first field's problem.
    pub fn parse(&self) -> AppResult<Applicant> {
        self.fields()
            .map_err(|errors| match errors.into_iter().next() {
                Some(e) => AppError::invalid_field(e.field, e.code, e.message),
                None => AppError::internal("an applicant refused without a reason"),
            })
    }
}

/// A registration, parsed, from the API or a page.
pub struct SubmitRequest {
    pub procedure_code: String,
    pub agency_code: Option<String>,
    pub channel: Option<String>,
    pub applicant: Applicant,
    /// At the counter: receive at once (default true).
    pub receive: Option<bool>,
    /// The Idempotency-Key and the hash of what was sent with it.
    pub idempotency: Option<(String, String)>,
    /// Components reused from the applicant's document store.
    pub attachments: Vec<WalletAttachment>,
    /// What the applicant declared on the procedure's electronic form (`None`: nothing).
    pub form_data: Option<serde_json::Value>,
    /// The form was offered filled with what the citizen's account and store know (the
    /// submission page): the fields kept as offered are recorded as reused.
    pub offered_known: bool,
}

/// Registers a dossier for `who`: a citizen (or, on the public form, an applicant without an
/// account: `None`) submits online; a receiver registers at their own counter and receives
/// at once (then the signed receipt is issued).
pub async fn submit(
    app: &App,
    who: Option<&Principal>,
    body: SubmitRequest,
) -> AppResult<Submitted> {
    Ok(submit_from(app, who, None, body).await?.0)
}

/// What a submission came to, with the dossier as its submitter now sees it.
pub struct Answered {
    pub detail: super::read::Detail,
    /// The idempotency key had been used with the same body: the first answer again.
    pub replayed: bool,
}

/// [`submit`], answered with the dossier's detail (the API's 201). A new dossier neither
/// received at once (its receipt is signed after the commit) nor given documents is answered
/// from what its submission wrote instead of read back.
pub async fn submit_and_show(
    app: &App,
    who: &Principal,
    body: SubmitRequest,
) -> AppResult<Answered> {
    let (submitted, form_data) = submit_from(app, Some(who), None, body).await?;
    Ok(match submitted {
        Submitted::Created(record, Some(history)) if record.dossier.received_at.is_none() => {
            Answered {
                detail: super::read::detail_of_new(app, who, record, history, form_data).await?,
                replayed: false,
            }
        }
        other => Answered {
            replayed: matches!(other, Submitted::Replayed(_)),
            detail: super::read::detail_of(app, who, other.into_record()).await?,
        },
    })
}

/// Who registers a dossier that another system received (the national portal): the audit
/// entry and the namespace of its idempotency keys.
pub(crate) struct Relayed {
    pub actor: motcua_domain::audit::AuditEntry,
    pub principal: String,
}

/// [`submit`], also for an applicant without an account whose dossier another system
/// relays; with the declaration as stored (JSON), if there was one.
pub(crate) async fn submit_from(
    app: &App,
    who: Option<&Principal>,
    relayed: Option<Relayed>,
    mut body: SubmitRequest,
) -> AppResult<(Submitted, Option<String>)> {
    let role = who.map_or(Role::Citizen, |u| u.role);
    if !matches!(role, Role::Citizen | Role::Receiver) {
        return Err(AppError::forbidden());
    }
    // What the citizen's electronic identity vouched for, read once for the applicant and
    // the declaration.
    let verified = match who.filter(|u| u.role == Role::Citizen) {
        Some(citizen) => crate::identity::verified_profile_of(app, citizen).await?,
        None => None,
    };
    if let Some(profile) = &verified {
        body.applicant.verified = verified_facts(profile, &body.applicant)?;
    }
    let channel = match body.channel.as_deref() {
        Some(c) => {
            crate::calendar::parse_channel(c).map_err(|e| AppError::invalid(e.code, e.detail))?
        }
        None if role == Role::Citizen => Channel::Online,
        None => Channel::Paper,
    };
    let agency_raw = match (&body.agency_code, who) {
        (Some(a), _) if !a.trim().is_empty() => a.clone(),
        (_, Some(u)) if u.role == Role::Receiver => u.agency_code.clone().unwrap_or_default(),
        _ => {
            return Err(AppError::invalid(
                "agency_required",
                "Phải chọn cơ quan tiếp nhận (agency_code).",
            ));
        }
    };
    let agency =
        AgencyCode::parse(&agency_raw).map_err(|e| AppError::invalid(e.code(), e.to_string()))?;
    let now = crate::now();
    let (owner, receive) = match role {
        Role::Citizen => {
            if channel != Channel::Online {
                return Err(AppError::invalid(
                    "invalid_channel",
                    "Công dân nộp hồ sơ trực tuyến (channel online).",
                ));
            }
            (who.map(|u| u.username.clone()), None)
        }
        _ => {
            if who.and_then(|u| u.agency_code.as_deref()) != Some(agency.as_str()) {
                return Err(AppError::forbidden());
            }
            if channel == Channel::Online {
                return Err(AppError::invalid(
                    "invalid_channel",
                    "Tại quầy, kênh tiếp nhận là paper hoặc postal.",
                ));
            }
            let receive = if body.receive.unwrap_or(true) {
                let hours = crate::calendar::agency_hours(&app.store, agency.as_str())
                    .await?
                    .unwrap_or_else(WorkingHours::default);
                let holidays = app.calendar.holidays(&app.store).await?;
                Some(ReceiveNow { hours, holidays })
            } else {
                None
            };
            (None, receive)
        }
    };
    let (actor, principal) = match (who, relayed) {
        (_, Some(relayed)) => (relayed.actor, relayed.principal),
        (Some(u), None) => (
            u.audit("dossier.submitted", "dossier", serde_json::json!({})),
            u.username.clone(),
        ),
        (None, None) => (
            super::public::applicant_audit("dossier.submitted"),
            ANONYMOUS_PRINCIPAL.to_owned(),
        ),
    };
    if !body.attachments.is_empty() {
        // Reuse comes only from the store of an identity bound to the signed-in citizen;
        // officers at the counter attach what the applicant shows them.
        match who {
            Some(u) if u.role == Role::Citizen => {
                let holder = body
                    .applicant
                    .citizen_id
                    .as_ref()
                    .map(|c| c.as_str().to_owned())
                    .or_else(|| {
                        body.applicant
                            .tax_code
                            .as_ref()
                            .map(|t| t.as_str().to_owned())
                    });
                let mine = app.store.identities_of(u.id).await?;
                if !holder.is_some_and(|h| mine.contains(&h)) {
                    return Err(AppError::invalid(
                        "wallet_item_not_applicants",
                        "Chỉ dùng lại giấy tờ trong kho dữ liệu của chính mình (số định danh gắn với tài khoản).",
                    ));
                }
            }
            Some(_) => {}
            None => {
                return Err(AppError::invalid(
                    "wallet_requires_account",
                    "Cần đăng nhập để dùng lại giấy tờ trong kho dữ liệu.",
                ));
            }
        }
    }
    // The form is checked against the published version this node holds; the store refuses
    // the dossier if another was published meanwhile, and then it is read again once.
    let mut fresh = false;
    let (submitted, declared_data) = loop {
        let form = declared(app, who, verified.clone(), &body, channel, fresh).await?;
        let data = form.as_ref().map(|f| f.data.clone());
        let submission = Submission {
            procedure_code: body.procedure_code.trim().to_owned(),
            agency: agency.clone(),
            channel,
            applicant: body.applicant.clone(),
            owner: owner.clone(),
            idempotency: (body.idempotency.clone()).map(|(key, request_hash)| IdempotencyKey {
                principal: principal.clone(),
                key,
                request_hash,
            }),
            at: now,
            actor: actor.clone(),
            receive: receive.clone(),
            attachments: body.attachments.clone(),
            form,
            uses_draft_of: who.filter(|w| w.role == Role::Citizen).map(|w| w.id),
        };
        match app.submitter.submit(submission).await {
            Err(AppError::Conflict {
                code: "form_version_changed",
                ..
            }) if !fresh => {
                app.forms.forget_published(body.procedure_code.trim());
                fresh = true;
            }
            other => break (other?, data),
        }
    };
    // A dossier received at once gets its signed receipt (form 01) right away.
    let record = match &submitted {
        Submitted::Created(r, _) | Submitted::Replayed(r) => r,
    };
    if !matches!(submitted, Submitted::Replayed(_)) && record.dossier.received_at.is_some() {
        crate::signing::settle_logged(app, record.code(), &actor).await;
    }
    Ok((submitted, declared_data))
}

/// The declaration checked against the procedure's published form (read from the store when
/// `fresh`, else as this node last read it), with the values the citizen kept of those the
/// page offered. Online the declaration is data; at the counter a paper declaration may be
/// received as it is (scanned as a component), and data typed from it is checked the same.
async fn declared(
    app: &App,
    who: Option<&Principal>,
    verified: Option<(String, String, motcua_domain::verified::VerifiedIdentity)>,
    body: &SubmitRequest,
    channel: Channel,
    fresh: bool,
) -> AppResult<Option<motcua_store::DeclaredForm>> {
    if body.form_data.is_none() && matches!(channel, Channel::Paper | Channel::Postal) {
        return Ok(None);
    }
    let Some(version) = crate::forms::published_version(app, &body.procedure_code, fresh).await?
    else {
        return Ok(None);
    };
    let data = body.form_data.as_ref().unwrap_or(&serde_json::Value::Null);
    let mut declared = crate::forms::declare(app, &version, data, None).await?;
    if let (Some(form), Some(d), Some(profile)) = (&version.procedure.form, &declared, verified) {
        let known = crate::forms::known::Known::of_verified(profile);
        let clean: serde_json::Value = serde_json::from_str(&d.data).unwrap_or_default();
        let changed = known.verified_changed(form, &clean);
        if !changed.is_empty() {
            return Err(AppError::invalid(
                "verified_identity_changed",
                format!(
                    "{} đã được xác thực qua tài khoản định danh điện tử, không sửa được.",
                    changed.join(", ")
                ),
            ));
        }
    }
    if let (Some(form), Some(declared), true) =
        (&version.procedure.form, &mut declared, body.offered_known)
    {
        let known = crate::forms::known::known(app, who).await?;
        let clean: serde_json::Value = serde_json::from_str(&declared.data).unwrap_or_default();
        declared.reused = known.reused(form, &clean);
    }
    Ok(declared)
}

/// A citizen who signed in with their electronic identity applies as the person it verified:
/// the name and number are theirs, not typed (Decree 69/2024 art. 13), and are recorded as
/// verified. Applying for an organisation, the verified person is not the applicant.
fn verified_facts(
    (_, key, identity): &(String, String, motcua_domain::verified::VerifiedIdentity),
    applicant: &Applicant,
) -> AppResult<Option<motcua_domain::verified::VerifiedFacts>> {
    use motcua_domain::dossier::ApplicantKind;
    if applicant.kind != ApplicantKind::Person {
        return Ok(None);
    }
    let same = |a: &str, b: &str| {
        let fold = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        fold(&motcua_domain::text::nfc(a)) == fold(&motcua_domain::text::nfc(b))
    };
    let name_ok = identity
        .full_name
        .as_deref()
        .is_none_or(|n| same(n, &applicant.name));
    let id_ok = identity.citizen_id.is_none() || identity.citizen_id == applicant.citizen_id;
    if !name_ok || !id_ok {
        return Err(AppError::invalid(
            "verified_identity_changed",
            "Họ tên và số định danh đã được xác thực qua tài khoản định danh điện tử, không sửa \
             được. Nộp thay cho người khác thì ghi thông tin người đó trong tờ khai.",
        ));
    }
    let mut fields = vec!["name".to_owned()];
    if identity.citizen_id.is_some() {
        fields.push("citizen_id".to_owned());
    }
    Ok(Some(motcua_domain::verified::VerifiedFacts {
        provider: key.clone(),
        fields,
    }))
}
