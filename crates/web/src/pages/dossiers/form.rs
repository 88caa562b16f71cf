//! The online form of a procedure: the agencies that receive it and the documents it asks.

use super::{ApplicantFields, FormError, error_for, fresh_key};
use crate::AppState;
use crate::auth::{AuthUser, MaybeUser};
use crate::pages::{Chrome, PageError, error_page_with, render};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use motcua_domain::account::Role;
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
    /// A file chosen before and kept while the rest of the form is put right.
    pub kept: Option<motcua_app::dossiers::attach::HeldUpload>,
    /// Documents in the signed-in citizen's store that could supply it instead.
    pub wallet: Vec<WalletChoice>,
}

/// A document in the citizen's store, offered for reuse on the form.
pub(crate) struct WalletChoice {
    pub id: String,
    pub label: String,
    pub selected: bool,
    /// The item was stored as this very component.
    pub matches: bool,
}

/// Offers each component the signed-in citizen's stored documents (those named for the
/// component first), keeping what was chosen in `chosen` (index → item id, or empty for
/// "upload a file"). Where nothing was chosen yet and no file is kept, an item stored as
/// the very component is chosen already: the store is not asked for what it holds.
pub(super) async fn offer_wallet(
    state: &AppState,
    user: Option<&AuthUser>,
    documents: &mut [DocumentInput],
    chosen: &HashMap<usize, String>,
) -> Result<(), PageError> {
    let Some(user) = user.filter(|u| u.role == Role::Citizen) else {
        return Ok(());
    };
    let wallet =
        motcua_app::documents::wallet::wallet(&state.app, &user.principal(), None, None).await?;
    for d in documents.iter_mut() {
        let mut items: Vec<&motcua_store::WalletItemRecord> = wallet.items.iter().collect();
        items.sort_by_key(|i| i.component.as_deref() != Some(d.name.as_str()));
        let first_match = items
            .first()
            .filter(|i| i.component.as_deref() == Some(d.name.as_str()))
            .map(|i| i.id);
        d.wallet = items
            .into_iter()
            .map(|i| WalletChoice {
                selected: match chosen.get(&d.index) {
                    Some(id) => *id == i.id.to_string(),
                    None => d.kept.is_none() && first_match == Some(i.id),
                },
                matches: i.component.as_deref() == Some(d.name.as_str()),
                id: i.id.to_string(),
                label: format!(
                    "{} (từ hồ sơ {}, {})",
                    i.component.as_deref().unwrap_or(&i.name),
                    i.source_dossier,
                    crate::pages::dossier_common::when_utc(&i.added_at)
                ),
            })
            .collect();
    }
    Ok(())
}

#[derive(Template)]
#[template(path = "dossier_submit.html")]
pub(super) struct SubmitPage {
    chrome: Chrome,
    code: String,
    name: String,
    processing_time: String,
    fees: Vec<String>,
    pub(super) documents: Vec<DocumentInput>,
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
    /// The procedure's electronic form, as drawn, and as defined.
    eform: Option<super::eform::FormBlock>,
    prepared: Option<std::sync::Arc<motcua_domain::form::PreparedForm>>,
    /// A long form is filled in steps: the form's own, then the applicant, the receiving
    /// agency and the files. `step` is where the page is; the last step submits.
    step: usize,
    progress: Vec<StepMark>,
    /// A signed-in citizen may save what they typed and come back (`form_action=save`).
    can_save_draft: bool,
    draft_days: i64,
    /// The draft this page was filled from, or just saved.
    pub(super) draft: Option<DraftNotice>,
    /// The citizen signed in with their electronic identity: its label (the name and
    /// number then come from it and cannot be edited).
    verified: Option<String>,
    /// Without an account: where signing in with the electronic identity starts.
    identity_sign_in: Option<String>,
}

/// What the page says about a draft.
pub(crate) struct DraftNotice {
    pub saved_at: String,
    pub expires_at: String,
    /// The form was replaced since the draft was saved.
    pub form_changed: bool,
    /// Saved just now (rather than being continued).
    pub just_saved: bool,
}

impl DraftNotice {
    fn of(draft: &motcua_app::forms::drafts::FormDraft, just_saved: bool) -> DraftNotice {
        DraftNotice {
            saved_at: crate::pages::dossier_common::when_utc(&draft.saved_at),
            expires_at: crate::pages::dossier_common::when_utc(&draft.expires_at),
            form_changed: draft.form_changed,
            just_saved,
        }
    }
}

/// One step on the progress line.
pub(crate) struct StepMark {
    pub no: usize,
    pub title: String,
    pub current: bool,
}

impl SubmitPage {
    fn err(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }

    /// The steps of the form: the sections each of the form's own steps draws, then the
    /// last step (applicant, agency, files), which draws none of them. A short form is one
    /// step with everything.
    pub(super) fn steps(&self) -> Vec<Vec<usize>> {
        match &self.prepared {
            None => vec![Vec::new()],
            Some(p) => {
                let steps = motcua_domain::form::inputs::steps(&p.definition);
                if steps.len() == 1 {
                    steps
                } else {
                    steps.into_iter().chain([Vec::new()]).collect()
                }
            }
        }
    }

    /// The components the signed-in citizen's store holds an item for, with the item's label.
    fn held_components(&self) -> HashMap<String, String> {
        (self.documents.iter())
            .filter_map(|d| {
                Some((
                    d.name.clone(),
                    d.wallet.iter().find(|w| w.matches)?.label.clone(),
                ))
            })
            .collect()
    }

    /// The procedure's electronic form, if it has one.
    pub(super) fn prepared(&self) -> Option<&std::sync::Arc<motcua_domain::form::PreparedForm>> {
        self.prepared.as_ref()
    }

    /// Whether this is the step that submits (the only one of a short form).
    fn last_step(&self) -> bool {
        self.step + 1 >= self.steps().len()
    }

    /// Draws the electronic form at `step` with what was typed (`inputs`), what the
    /// signed-in citizen's account already says, and the form's problems beside their
    /// fields; the other steps' inputs travel hidden.
    pub(super) async fn fill_eform(
        &mut self,
        state: &AppState,
        user: Option<&AuthUser>,
        inputs: &HashMap<String, String>,
        step: usize,
    ) -> Result<(), PageError> {
        let who = user.map(AuthUser::principal);
        // What is known holds the verified profile too: read once.
        let known = match &self.prepared {
            Some(_) => motcua_app::forms::known::known(&state.app, who.as_ref()).await?,
            None => Default::default(),
        };
        if let Some(citizen) = user.filter(|u| u.role == Role::Citizen) {
            let profile = match &self.prepared {
                Some(_) => known.verified().cloned(),
                None => {
                    motcua_app::identity::verified_profile_of(&state.app, &citizen.principal())
                        .await?
                }
            };
            if let Some((label, _, identity)) = profile.filter(|_| !self.fields.is_business()) {
                if let Some(name) = identity.full_name {
                    self.fields.name = name;
                }
                if let Some(number) = identity.citizen_id {
                    self.fields.citizen_id = number.as_str().to_owned();
                }
                if self.fields.address.is_empty() {
                    self.fields.address = identity.address.unwrap_or_default();
                }
                self.verified = Some(label);
            }
        }
        let Some(prepared) = self.prepared.clone() else {
            return Ok(());
        };
        let steps = self.steps();
        self.step = step.min(steps.len() - 1);
        if steps.len() > 1 {
            self.progress = (steps.iter().enumerate())
                .map(|(no, sections)| StepMark {
                    no,
                    title: match sections.first() {
                        Some(&s) => prepared.definition.sections[s].title.clone(),
                        None => "Người nộp, nơi nộp và giấy tờ".to_owned(),
                    },
                    current: no == self.step,
                })
                .collect();
        }
        let choices = motcua_app::forms::choices(&state.app).await?;
        self.eform = Some(super::eform::form_block(
            &prepared,
            &steps[self.step],
            inputs,
            &self.errors,
            &choices,
            &known,
            &self.held_components(),
        ));
        Ok(())
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
    pub(super) eform: Option<std::sync::Arc<motcua_domain::form::PreparedForm>>,
}

pub(super) async fn procedure_form(
    state: &AppState,
    code: &str,
    selected_agency: &str,
) -> Result<Option<ProcedureForm>, PageError> {
    let Some(online) = motcua_app::dossiers::online::online_form(&state.app, code).await? else {
        return Ok(None);
    };
    let groups = online
        .receiving
        .iter()
        .map(|g| AgencyGroup {
            label: g.tier.label_vi().to_owned(),
            options: g
                .agencies
                .iter()
                .map(|a| AgencyOption {
                    selected: a.code.as_str() == selected_agency,
                    code: a.code.to_string(),
                    name: a.name.clone(),
                })
                .collect(),
        })
        .collect();
    let closed = online.closed.map(|c| c.detail_vi().to_owned());
    let version = online.version;
    let eform = motcua_app::forms::of_version(&state.app, &version);
    let p = &version.procedure;
    Ok(Some(ProcedureForm {
        code: code.to_owned(),
        name: version.procedure.name.clone(),
        processing_time: p.processing_time.to_string(),
        fees: p
            .fees
            .iter()
            .map(|f| {
                let amount = crate::pages::catalogue::fee_amount(f.amount_vnd, f.per.as_deref());
                format!("{}: {amount}", f.name)
            })
            .collect(),
        // The paper declaration an electronic form replaces is filled in, not uploaded.
        documents: p
            .documents
            .iter()
            .filter(|d| {
                p.form.as_ref().and_then(|f| f.stands_for.as_deref()) != Some(d.name.as_str())
            })
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
        eform,
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
                kept: None,
                wallet: Vec::new(),
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
        eform: None,
        prepared: form.eform,
        step: 0,
        progress: Vec::new(),
        can_save_draft: user.is_some_and(|u| u.role == Role::Citizen),
        draft_days: motcua_app::forms::drafts::DRAFT_DAYS,
        draft: None,
        verified: None,
        identity_sign_in: None,
        chrome,
    }
}

#[derive(serde::Deserialize)]
pub(crate) struct SubmitFormQuery {
    /// `saved` after a draft was saved.
    draft: Option<String>,
}

/// `GET /procedures/{code}/submit`: the online form, filled from the signed-in citizen's
/// draft of it when they saved one.
pub(crate) async fn submit_form(
    State(state): State<AppState>,
    chrome: Chrome,
    MaybeUser(user): MaybeUser,
    Path(code): Path<String>,
    Query(q): Query<SubmitFormQuery>,
) -> Result<Response, PageError> {
    let draft = match &user {
        Some(u) => {
            motcua_app::forms::drafts::of_procedure(&state.app, &u.principal(), &code).await?
        }
        None => None,
    };
    let inputs = draft.as_ref().map(|d| d.inputs.clone()).unwrap_or_default();
    let agency = inputs.get("agency").map_or("", String::as_str);
    let Some(form) = procedure_form(&state, &code, agency).await? else {
        return Ok(unknown_procedure(chrome));
    };
    let fields = match &draft {
        Some(_) => ApplicantFields::from_map(&inputs),
        None => ApplicantFields {
            kind: "person".into(),
            ..ApplicantFields::default()
        },
    }
    .offering(motcua_app::connectors::notices::offered(&state.app));
    let mut page = submit_page(
        chrome,
        form,
        user.as_ref(),
        fields,
        Vec::new(),
        &HashMap::new(),
        None,
    );
    page.draft = (draft.as_ref()).map(|d| DraftNotice::of(d, q.draft.as_deref() == Some("saved")));
    if user.is_none()
        && let Some(key) = state.app.identity_providers().citizen_key()
    {
        let back = format!("/procedures/{code}/submit");
        page.identity_sign_in = Some(crate::pages::login::identity_start(key, &back));
    }
    offer_wallet(&state, user.as_ref(), &mut page.documents, &HashMap::new()).await?;
    let step = inputs.get("step").and_then(|s| s.parse().ok()).unwrap_or(0);
    page.fill_eform(&state, user.as_ref(), &inputs, step)
        .await?;
    Ok(render(StatusCode::OK, &page))
}
