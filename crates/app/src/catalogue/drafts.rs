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
    let p = validate(procedure)?;
    let audit = who.audit(
        "procedure.draft_saved",
        format!("procedure:{}", p.code),
        audit_detail(&p, via),
    );
    let version = app
        .store
        .save_draft(&p, crate::now(), audit)
        .await
        .map_err(procedure_error)?;
    app.catalogue.refresh(&app.store).await;
    Ok(version)
}
