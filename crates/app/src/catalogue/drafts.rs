//! Writing procedures: a new procedure as its first draft, and new drafts of existing
//! ones (the published version stays in force until a decision publishes the draft).

use super::procedure_error;
use crate::{App, AppError, AppResult, Principal};
use motcua_domain::account::Role;
use motcua_domain::procedure::Procedure;
use motcua_store::VersionRecord;

/// Where the text was written, noted in the audit event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Api,
    /// The drafting form.
    Page,
}

/// All of the domain's rules on a procedure, as one error naming every problem.
pub fn validate(p: Procedure) -> AppResult<Procedure> {
    p.validated().map_err(|problems| {
        let detail = problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        AppError::invalid(
            problems[0].code(),
            format!("Thủ tục không hợp lệ: {detail}."),
        )
    })
}

fn audit_detail(p: &Procedure, via: Via) -> serde_json::Value {
    match via {
        Via::Api => serde_json::json!({ "name": p.name }),
        Via::Page => serde_json::json!({ "name": p.name, "via": "page" }),
    }
}

/// Creates a procedure as its first draft (province administrators).
pub async fn create(
    app: &App,
    who: &Principal,
    procedure: Procedure,
    via: Via,
) -> AppResult<VersionRecord> {
    who.require(&[Role::ProvinceAdmin])?;
    let p = validate(procedure)?;
    let audit = who.audit(
        "procedure.created",
        format!("procedure:{}", p.code),
        audit_detail(&p, via),
    );
    let version = app.store.create_procedure(&p, crate::now(), audit).await?;
    app.catalogue.refresh(&app.store).await;
    Ok(version)
}

/// Writes a new draft of the procedure `code` (province administrators); the text's
/// code must be `code`.
pub async fn save_draft(
    app: &App,
    who: &Principal,
    code: &str,
    procedure: Procedure,
    via: Via,
) -> AppResult<VersionRecord> {
    who.require(&[Role::ProvinceAdmin])?;
    if procedure.code.as_str() != code.trim() {
        return Err(AppError::invalid(
            "code_mismatch",
            format!(
                "Mã trong nội dung ({}) khác mã trên đường dẫn ({code}).",
                procedure.code
            ),
        ));
    }
    let mut procedure = procedure;
    if via == Via::Page {
        // The drafting page edits everything but the electronic form, which keeps.
        procedure.form = newest(app, code).await?.and_then(|v| v.procedure.form);
    }
    let p = validate(procedure)?;
    let audit = who.audit(
        "procedure.draft_saved",
        format!("procedure:{}", p.code),
        audit_detail(&p, via),
    );
    write_draft(app, &p, audit).await
}

/// The newest text of a procedure: its open draft, or else the published version.
pub(crate) async fn newest(app: &App, code: &str) -> AppResult<Option<VersionRecord>> {
    Ok(match app.store.draft(code).await? {
        Some(draft) => Some(draft),
        None => app.store.published_version(code).await?,
    })
}

/// Writes a new draft of the procedure `code` with `form` as its electronic form (or
/// without one), the rest as in its newest text (province administrators). A published
/// form never changes: a changed form is a new draft, published by a decision.
pub async fn save_form(
    app: &App,
    who: &Principal,
    code: &str,
    form: Option<motcua_domain::form::FormDefinition>,
) -> AppResult<VersionRecord> {
    who.require(&[Role::ProvinceAdmin])?;
    let newest = newest(app, code).await?.ok_or_else(|| {
        AppError::not_found("procedure_not_found", format!("Không có thủ tục {code}."))
    })?;
    let mut procedure = newest.procedure;
    procedure.form = form;
    let problems: Vec<_> = procedure
        .problems()
        .into_iter()
        .filter_map(|p| match p {
            motcua_domain::procedure::ProcedureError::InvalidForm(p) => Some(p),
            _ => None,
        })
        .collect();
    if !problems.is_empty() {
        // The designer shows each problem where it is, as a declaration's are shown.
        return Err(AppError::invalid_form(
            problems
                .into_iter()
                .map(|p| motcua_domain::form::FieldProblem {
                    path: p.path,
                    code: p.code,
                    message: p.message,
                })
                .collect(),
        ));
    }
    let p = validate(procedure)?;
    let audit = who.audit(
        "procedure.form_saved",
        format!("procedure:{}", p.code),
        serde_json::json!({ "name": p.name, "fields": p.form.as_ref().map_or(0, |f| f.fields().count()) }),
    );
    write_draft(app, &p, audit).await
}

/// Writes the draft with its audit event; the catalogue's index follows.
async fn write_draft(
    app: &App,
    p: &Procedure,
    audit: motcua_domain::audit::AuditEntry,
) -> AppResult<VersionRecord> {
    let version = app
        .store
        .save_draft(p, crate::now(), audit)
        .await
        .map_err(procedure_error)?;
    app.catalogue.refresh(&app.store).await;
    Ok(version)
}
