//! What a procedure's dossiers declared, as a table for statistics: one row per dossier,
//! one column per field of the published form (a repeating group as JSON in one cell).
//! Officers get their agency's dossiers in full; province administrators and auditors the
//! whole province with personal fields masked, as they see applicants. Each export is a read
//! of citizens' data and is audited.

use crate::{App, AppError, AppResult, Principal};
use motcua_domain::account::Role;
use motcua_domain::dossier::sees_applicant_in_full;
use motcua_domain::form::{FieldKind, FormDefinition};
use motcua_exchange::Format;
use serde_json::Value;

/// The most dossiers one export holds (newest are left out past it; the count says so).
pub const EXPORT_MAX: i64 = 200_000;

pub struct DeclarationsFile {
    pub format: Format,
    pub bytes: Vec<u8>,
    pub file_name: String,
    pub rows: usize,
}

pub async fn declarations(
    app: &App,
    who: &Principal,
    procedure_code: &str,
    format: Format,
) -> AppResult<DeclarationsFile> {
    let agencies = match who.role {
        Role::Citizen => return Err(AppError::forbidden()),
        Role::ProvinceAdmin | Role::Auditor => None,
        _ => Some(vec![
            who.agency_code.clone().ok_or_else(AppError::forbidden)?,
        ]),
    };
    let published = super::published(app, procedure_code).await?;
    let form = &published.form.definition;
    let full = sees_applicant_in_full(who.role);
    let stored = app
        .store
        .procedure_forms(&published.version.code, agencies.as_deref(), EXPORT_MAX)
        .await?;
    let mut header = vec!["ma_ho_so".to_owned(), "thoi_diem_nop".to_owned()];
    header.extend(columns(form).into_iter().map(|(key, _)| key));
    let mut rows = Vec::with_capacity(stored.len());
    for (code, submitted_at, text) in stored {
        let data: Value = serde_json::from_str(&text).map_err(AppError::internal)?;
        let data = super::shown(form, data, full);
        let mut row = vec![
            code,
            motcua_domain::calendar::to_vn_local(&submitted_at)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
        ];
        row.extend(
            columns(form)
                .into_iter()
                .map(|(key, kind)| cell(data.get(&key), kind)),
        );
        rows.push(row);
    }
    let count = rows.len();
    let audit = who.audit(
        "form_data.exported",
        format!("procedure:{}", published.version.code),
        serde_json::json!({ "rows": count, "masked": !full, "format": format.as_str() }),
    );
    app.store.record_audit(audit).await?;
    let bytes = tokio::task::spawn_blocking(move || {
        motcua_exchange::table(format, "Dữ liệu tờ khai", &header, &rows)
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::internal)?;
    Ok(DeclarationsFile {
        file_name: format!("to-khai-{}.{}", published.version.code, format.as_str()),
        format,
        bytes,
        rows: count,
    })
}

/// The columns: each top-level field, and each repeating group as one; files are not data.
fn columns(form: &FormDefinition) -> Vec<(String, Option<FieldKind>)> {
    let mut out = Vec::new();
    for section in &form.sections {
        match section.repeat {
            Some(_) => out.push((section.key.clone(), None)),
            None => out.extend(
                (section.fields.iter())
                    .filter(|f| f.kind != FieldKind::File)
                    .map(|f| (f.key.clone(), Some(f.kind))),
            ),
        }
    }
    out
}

fn cell(value: Option<&Value>, kind: Option<FieldKind>) -> String {
    match (value, kind) {
        (None | Some(Value::Null), _) => String::new(),
        (Some(Value::Bool(b)), _) => if *b { "có" } else { "không" }.into(),
        (Some(Value::String(s)), _) => s.clone(),
        (Some(Value::Object(a)), Some(FieldKind::Address)) => {
            let part = |k: &str| {
                a.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            format!("{} | {}", part("street"), part("unit"))
        }
        (Some(other), _) => other.to_string(),
    }
}
