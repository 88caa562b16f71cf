//! Drafts of the submission page for signed-in citizens: what they typed, kept for
//! [`DRAFT_DAYS`] days so they can come back and finish. Files are not kept (they would
//! hold personal documents outside any dossier); the page says so.

use crate::{App, AppError, AppResult, Principal};
use chrono::{DateTime, Duration, Utc};
use motcua_domain::account::Role;
use motcua_store::FormDraftRecord;
use std::collections::{BTreeMap, HashMap};

/// How long a draft is kept after it was last saved.
pub const DRAFT_DAYS: i64 = 30;
/// The most a draft may hold, as JSON: far above any form's inputs (400 fields of a line).
pub const DRAFT_MAX_BYTES: usize = 512 * 1024;

/// The inputs a draft keeps: the form's (`f.…`), its groups' counts (`n.…`), the applicant's,
/// the receiving agency and the step. Tokens, keys, files and store choices are not kept.
fn kept(name: &str) -> bool {
    name.starts_with("f.")
        || name.starts_with("n.")
        || matches!(
            name,
            "kind"
                | "name"
                | "citizen_id"
                | "tax_code"
                | "phone"
                | "email"
                | "address"
                | "agency"
                | "step"
        )
}

/// A draft as the page uses it.
#[derive(Debug, Clone)]
pub struct FormDraft {
    pub procedure_code: String,
    pub procedure_name: String,
    pub inputs: HashMap<String, String>,
    pub saved_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The form was replaced since: the inputs of fields that no longer exist are dropped.
    pub form_changed: bool,
}

fn citizen(who: &Principal) -> AppResult<()> {
    who.require(&[Role::Citizen])
        .map_err(|_| AppError::Forbidden {
            detail: "Chỉ công dân, tổ chức đã đăng nhập mới có bản nháp hồ sơ.".into(),
        })
}

/// Saves what the citizen typed on the submission page of a published procedure (replacing
/// their earlier draft of it), with an audit event naming the procedure only.
pub async fn save(
    app: &App,
    who: &Principal,
    procedure_code: &str,
    inputs: &HashMap<String, String>,
) -> AppResult<FormDraft> {
    citizen(who)?;
    let version = super::published_or_not_found(app, procedure_code).await?;
    let kept: BTreeMap<&str, &str> = inputs
        .iter()
        .filter(|(name, _)| kept(name))
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let json = serde_json::to_string(&kept).map_err(|e| AppError::Internal(e.into()))?;
    if json.len() > DRAFT_MAX_BYTES {
        return Err(AppError::invalid(
            "draft_too_large",
            format!(
                "Bản nháp quá lớn (tối đa {} KB); hãy rút gọn nội dung rồi lưu lại.",
                DRAFT_MAX_BYTES / 1024
            ),
        ));
    }
    let now = crate::now();
    let record = FormDraftRecord {
        owner_id: who.id,
        procedure_code: version.procedure.code.to_string(),
        version_id: version.id,
        inputs: json,
        saved_at: now,
        expires_at: now + Duration::days(DRAFT_DAYS),
    };
    let audit = who.audit(
        "form_draft.saved",
        format!("procedure:{}", record.procedure_code),
        serde_json::json!({ "inputs": kept.len() }),
    );
    app.store.save_form_draft(&record, audit).await?;
    Ok(draft_of(record, version.procedure.name, false))
}

fn draft_of(record: FormDraftRecord, procedure_name: String, form_changed: bool) -> FormDraft {
    let inputs: HashMap<String, String> = serde_json::from_str(&record.inputs).unwrap_or_default();
    FormDraft {
        procedure_code: record.procedure_code,
        procedure_name,
        inputs,
        saved_at: record.saved_at,
        expires_at: record.expires_at,
        form_changed,
    }
}

/// The citizen's draft of a procedure, if they have one that has not expired. A draft typed
/// on a form since replaced comes with the inputs of the fields that still exist.
pub async fn of_procedure(
    app: &App,
    who: &Principal,
    procedure_code: &str,
) -> AppResult<Option<FormDraft>> {
    if who.role != Role::Citizen {
        return Ok(None);
    }
    let Some(record) = (app.store)
        .form_draft(who.id, procedure_code.trim(), crate::now())
        .await?
    else {
        return Ok(None);
    };
    let Some(version) = super::published_version(app, &record.procedure_code, false).await? else {
        return Ok(None); // withdrawn: nothing to submit it to
    };
    let changed = version.id != record.version_id;
    let mut draft = draft_of(record, version.procedure.name.clone(), changed);
    if changed {
        let form = version.procedure.form.as_ref();
        draft.inputs.retain(|name, _| {
            !(name.starts_with("f.") || name.starts_with("n."))
                || form.is_some_and(|f| motcua_domain::form::inputs::section_of(f, name).is_some())
        });
        draft.inputs.remove("step");
    }
    Ok(Some(draft))
}

/// The citizen's drafts that have not expired, the latest first.
pub async fn mine(app: &App, who: &Principal) -> AppResult<Vec<FormDraft>> {
    citizen(who)?;
    let mut drafts = Vec::new();
    for record in app.store.form_drafts(who.id, crate::now()).await? {
        // A citizen keeps a handful of drafts at most; each names its procedure as published.
        let version = super::published_version(app, &record.procedure_code, false).await?;
        let changed = version.as_ref().is_some_and(|v| v.id != record.version_id);
        let name = version.map_or_else(
            || record.procedure_code.clone(),
            |v| v.procedure.name.clone(),
        );
        drafts.push(draft_of(record, name, changed));
    }
    Ok(drafts)
}

/// Deletes the citizen's draft of a procedure; false when there was none. (A dossier
/// submitted uses its draft up in the submission's own transaction.)
pub async fn discard(app: &App, who: &Principal, procedure_code: &str) -> AppResult<bool> {
    citizen(who)?;
    let audit = who.audit(
        "form_draft.deleted",
        format!("procedure:{}", procedure_code.trim()),
        serde_json::json!({}),
    );
    Ok(app
        .store
        .delete_form_draft(who.id, procedure_code.trim(), audit)
        .await?)
}
