//! What administrators decide about single sign-on: which officer account a subject at the
//! organisation's provider opens, and which agencies let their staff sign in that way. The
//! provider's claims never decide a role or an agency.

use crate::accounts::{AccountChange, may_administer};
use crate::{App, AppError, AppResult, Principal};
use motcua_domain::account::Role;
use motcua_domain::audit::AuditEntry;
use std::collections::HashMap;

/// The key officers' sign-ins are recorded under.
pub const STAFF_PROVIDER: &str = "staff";
/// The key citizens' sign-ins with the national electronic identity are recorded under.
pub const CITIZEN_PROVIDER: &str = "vneid";

fn audit_by(
    by: Option<&Principal>,
    action: &str,
    subject: String,
    detail: serde_json::Value,
) -> AuditEntry {
    match by {
        Some(p) => p.audit(action, subject, detail),
        None => AuditEntry::system(crate::now(), action, subject, detail),
    }
}

fn checked_subject(raw: &str) -> AppResult<String> {
    let subject = raw.trim();
    if subject.is_empty() || subject.len() > 255 || subject.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "invalid_subject",
            "Mã tài khoản công vụ (subject) phải có từ 1 đến 255 ký tự, không chứa ký tự điều khiển.",
        ));
    }
    Ok(subject.to_owned())
}

/// Binds an officer's account to their subject at the organisation's provider (or, with
/// `bind` false, unbinds it). Province administrators bind any staff account, unit
/// administrators the officers of their agency, operators any. The account's sessions end.
pub async fn bind_staff_subject(
    app: &App,
    by: Option<&Principal>,
    username: &str,
    subject: &str,
    bind: bool,
) -> AppResult<bool> {
    let subject = checked_subject(subject)?;
    let target = (app.store.find_user_by_username(username).await?).ok_or_else(|| {
        AppError::not_found("user_not_found", format!("Không có tài khoản {username}."))
    })?;
    may_administer(by, &target, &AccountChange::RevokeTokens)?;
    if target.role == Role::Citizen {
        return Err(AppError::invalid(
            "not_staff",
            "Chỉ tài khoản cán bộ mới đăng nhập một lần qua tài khoản công vụ.",
        ));
    }
    let action = if bind {
        "user.sso_bound"
    } else {
        "user.sso_unbound"
    };
    let mut audit = audit_by(
        by,
        action,
        format!("user:{username}"),
        serde_json::json!({ "provider": STAFF_PROVIDER, "subject": subject }),
    );
    audit.agency_code = target.agency_code.clone();
    Ok(app
        .store
        .set_external_binding(
            STAFF_PROVIDER,
            &subject,
            target.id,
            bind,
            crate::now(),
            audit,
        )
        .await?)
}

/// Lets an agency's staff sign in through the organisation's provider, or stops it: the
/// province's administrators for any agency, a unit administrator for their own.
pub async fn set_agency_sso(
    app: &App,
    by: Option<&Principal>,
    agency: &str,
    allowed: bool,
) -> AppResult<bool> {
    if let Some(by) = by {
        let own = by.role == Role::UnitAdmin && by.agency_code.as_deref() == Some(agency);
        if by.role != Role::ProvinceAdmin && !own {
            return Err(AppError::forbidden());
        }
    }
    if app.store.agency(agency).await?.is_none() {
        return Err(AppError::not_found(
            "agency_not_found",
            format!("Không có cơ quan {agency}."),
        ));
    }
    let action = if allowed {
        "agency.sso_allowed"
    } else {
        "agency.sso_stopped"
    };
    let mut audit = audit_by(
        by,
        action,
        format!("agency:{agency}"),
        serde_json::json!({}),
    );
    audit.agency_code = Some(agency.to_owned());
    Ok(app
        .store
        .set_agency_sso(agency, allowed, crate::now(), audit)
        .await?)
}

/// Whether an agency lets its staff use single sign-on.
pub async fn agency_sso_allowed(app: &App, agency: &str) -> AppResult<bool> {
    Ok(app.store.agency_sso_allowed(agency).await?)
}

/// The subjects bound to staff accounts, by account id (for the accounts page).
pub async fn staff_subjects(app: &App) -> AppResult<HashMap<uuid::Uuid, String>> {
    Ok(app
        .store
        .external_subjects(STAFF_PROVIDER)
        .await?
        .into_iter()
        .collect())
}
