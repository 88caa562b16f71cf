//! The form designer (province administrators): the newest form of a procedure, and one
//! edit at a time applied to it and saved as a new draft through the same
//! [`crate::catalogue::drafts::save_form`] the API's `PUT …/form` calls.

use crate::catalogue::drafts;
use crate::{App, AppError, AppResult, Principal};
use motcua_domain::account::Role;
use motcua_domain::form::FormDefinition;
use motcua_domain::form::edit::{self, FormEdit};
use motcua_store::VersionRecord;
use sha2::{Digest, Sha256};

/// What the designer works on: the procedure's newest text (its open draft, or else the
/// published version) and the form in it.
#[derive(Debug, Clone)]
pub struct Designing {
    pub code: String,
    pub name: String,
    pub version_no: i64,
    /// The newest text is an open draft (not yet published by a decision).
    pub in_draft: bool,
    pub form: Option<FormDefinition>,
    /// The procedure's components, which the form may stand for and file fields name.
    pub components: Vec<String>,
    /// The form as it was read: an edit decided on it is refused once it has changed,
    /// since edits name sections and fields by position.
    pub stamp: String,
}

/// A short fingerprint of a form (or of having none).
fn stamp(form: Option<&FormDefinition>) -> String {
    let bytes = serde_json::to_vec(&form).unwrap_or_default();
    hex::encode(&Sha256::digest(bytes)[..12])
}

/// The newest form of the procedure `code`.
pub async fn current(app: &App, who: &Principal, code: &str) -> AppResult<Designing> {
    who.require(&[Role::ProvinceAdmin])?;
    let version = drafts::newest(app, code.trim()).await?.ok_or_else(|| {
        AppError::not_found("procedure_not_found", format!("Không có thủ tục {code}."))
    })?;
    Ok(Designing {
        stamp: stamp(version.procedure.form.as_ref()),
        in_draft: version.state == motcua_domain::procedure::VersionState::Draft,
        code: version.code,
        version_no: version.version_no,
        components: (version.procedure.documents.iter())
            .map(|d| d.name.clone())
            .collect(),
        name: version.procedure.name,
        form: version.procedure.form,
    })
}

/// Applies `change` to the newest form and saves it as a new draft. `seen` is the
/// [`Designing::stamp`] the change was decided on, if the caller has one.
pub async fn edit(
    app: &App,
    who: &Principal,
    code: &str,
    seen: Option<&str>,
    change: FormEdit,
) -> AppResult<VersionRecord> {
    let now = current(app, who, code).await?;
    if seen.is_some_and(|s| s != now.stamp) {
        return Err(AppError::Stale {
            detail:
                "Biểu mẫu vừa được thay đổi ở nơi khác; hãy xem lại nội dung mới nhất rồi sửa tiếp."
                    .into(),
        });
    }
    let mut form = now.form.unwrap_or_else(edit::blank);
    change
        .apply(&mut form)
        .map_err(|e| AppError::invalid(e.code(), e.to_string()))?;
    drafts::save_form(app, who, &now.code, Some(form)).await
}
