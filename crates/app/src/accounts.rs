//! Accounts: the sign-in check shared by the login page and the token endpoint, and what
//! administrators do from the command line and their pages (add, list, disable, enable,
//! change role or agency, revoke tokens, bind an identity), each with its audit event.

use crate::password::{dummy_hash, hash_password, verify_password};
use crate::{App, AppError, AppResult, Principal};
use motcua_domain::account::{AccountError, LOGIN_THROTTLE, Role, Username, check_password_policy};
use motcua_domain::agency::AgencyCode;
use motcua_domain::audit::AuditEntry;
use motcua_domain::dossier::{CitizenId, TaxCode};
use motcua_store::{NewUser, ThrottleState, UserRecord};
use std::collections::HashMap;

/// What a failed sign-in tells the person, whatever was wrong (never whether the account exists).
pub const BAD_CREDENTIALS: &str = "Tên đăng nhập hoặc mật khẩu không đúng.";
/// What a locked sign-in tells the person.
pub const LOCKED: &str =
    "Đăng nhập không thành công quá nhiều lần. Vui lòng thử lại sau 15 phút hoặc liên hệ quản trị.";

/// The outcome of checking credentials.
pub enum LoginCheck {
    Ok(UserRecord),
    Rejected,
    Locked,
}

/// Throttling per username and client address, lookup, and a password check that takes as
/// long for an unknown username as for a wrong password.
pub async fn check_credentials(
    app: &App,
    username: &str,
    password: &str,
    client: &str,
) -> AppResult<LoginCheck> {
    let now = crate::now();
    let name = username.trim().to_ascii_lowercase();
    let keys = [format!("user:{name}"), format!("ip:{client}")];
    for key in &keys {
        if let ThrottleState::LockedUntil(_) = app.store.throttle_state(key, now).await? {
            return Ok(LoginCheck::Locked);
        }
    }
    let user = app.store.find_user_by_username(&name).await?;
    let stored = user
        .as_ref()
        .map_or_else(|| dummy_hash().to_owned(), |u| u.password_hash.clone());
    let password = password.to_owned();
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &stored))
        .await
        .unwrap_or(false);
    let working = match user.as_ref().and_then(|u| u.agency_code.as_deref()) {
        Some(agency) => agency_working(app, agency).await?,
        None => true,
    };
    match user {
        Some(user) if matches && user.active && working => {
            app.store.clear_failures(&keys[0]).await?;
            Ok(LoginCheck::Ok(user))
        }
        _ => match app.store.record_failure(&keys, now, LOGIN_THROTTLE).await? {
            ThrottleState::LockedUntil(_) => Ok(LoginCheck::Locked),
            ThrottleState::Open => Ok(LoginCheck::Rejected),
        },
    }
}

/// An audit entry of something a user did about their own account (sign-in, token).
pub fn audit_for(user: &UserRecord, action: &str, detail: serde_json::Value) -> AuditEntry {
    AuditEntry {
        at: crate::now(),
        actor: user.username.clone(),
        actor_role: Some(user.role.as_str().to_owned()),
        agency_code: user.agency_code.clone(),
        action: action.to_owned(),
        subject: format!("user:{}", user.username),
        detail: detail.to_string(),
    }
}

/// A new account as an operator typed it.
pub struct NewAccount {
    pub username: String,
    pub role: String,
    pub agency: Option<String>,
    pub display_name: Option<String>,
    pub password: String,
}

/// The display names of accounts by username, for the people named on a dossier's printed
/// forms; unknown usernames are left out.
pub async fn display_names<I>(app: &App, usernames: I) -> AppResult<HashMap<String, String>>
where
    I: IntoIterator<Item = String>,
{
    let mut names = HashMap::new();
    for username in usernames {
        if names.contains_key(&username) {
            continue;
        }
        if let Some(user) = app.store.find_user_by_username(&username).await? {
            names.insert(username, user.display_name);
        }
    }
    Ok(names)
}

/// Creates an account (operators, from the command line): the username, role, agency and
/// password policy checked, the password hashed with argon2id, one audit event.
pub async fn add_user(app: &App, input: NewAccount) -> AppResult<UserRecord> {
    let invalid = |e: &dyn std::fmt::Display| AppError::invalid("invalid_account", e.to_string());
    let username = Username::parse(&input.username).map_err(|e| invalid(&e))?;
    let role: Role = input.role.parse().map_err(|e| invalid(&e))?;
    let agency = match input.agency {
        Some(_) if !role.requires_agency() => {
            return Err(invalid(&AccountError::AgencyNotAllowed(role)));
        }
        Some(code) => Some(
            AgencyCode::parse(&code)
                .map_err(|e| invalid(&e))?
                .to_string(),
        ),
        None if role.requires_agency() => return Err(invalid(&AccountError::AgencyRequired(role))),
        None => None,
    };
    check_password_policy(&input.password).map_err(|e| invalid(&e))?;
    let password = input.password;
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(AppError::internal)?;
    let user = NewUser {
        display_name: input.display_name.unwrap_or_else(|| username.to_string()),
        username,
        password_hash: hash,
        role,
        agency_code: agency,
    };
    let now = crate::now();
    let mut audit = AuditEntry::system(
        now,
        "user.created",
        format!("user:{}", user.username),
        serde_json::json!({ "role": role.as_str(), "via": "cli" }),
    );
    audit.agency_code = user.agency_code.clone();
    Ok(app.store.create_user(&user, now, audit).await?)
}

/// Binds a citizen ID number or tax code to a citizen account (operators, from the command
/// line), so the account's holder reuses that identity's documents. Returns the identity.
pub async fn link_identity(app: &App, username: &str, identity: &str) -> AppResult<String> {
    let holder = CitizenId::parse(identity)
        .map(|c| c.as_str().to_owned())
        .or_else(|_| TaxCode::parse(identity).map(|t| t.as_str().to_owned()))
        .map_err(|e| AppError::invalid(e.code(), e.to_string()))?;
    let user = app
        .store
        .find_user_by_username(username)
        .await?
        .ok_or_else(|| AppError::not_found("user_not_found", format!("no user {username}")))?;
    if user.role != Role::Citizen {
        return Err(AppError::invalid(
            "not_a_citizen",
            format!("{username} is not a citizen account"),
        ));
    }
    let now = crate::now();
    let audit = AuditEntry::system(
        now,
        "user.identity_linked",
        format!("user:{username}"),
        serde_json::json!({ "identity": holder, "via": "cli" }),
    );
    app.store
        .link_identity(user.id, &holder, now, audit)
        .await?;
    Ok(holder)
}

/// A fresh random secret (256 bits), URL-safe: sessions, API tokens, CSRF and visitor ids.
pub fn random_token() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Secrets are stored only as this hash.
pub fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A secret handed to an account that signed in, and when it stops working.
pub struct Issued {
    pub secret: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// What a secret opens: a browser session or an API token (Bearer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    Session,
    ApiToken,
}

/// Issues a secret for an account whose credentials were just checked; only its hash is
/// stored, with the audit event (`session.login` or `token.issued`).
pub async fn issue_secret(
    app: &App,
    user: &UserRecord,
    client: &str,
    kind: SecretKind,
    lifetime: chrono::Duration,
) -> AppResult<Issued> {
    let secret = random_token();
    let now = crate::now();
    let expires_at = now + lifetime;
    let detail = serde_json::json!({ "client": client });
    let hash = token_hash(&secret);
    match kind {
        SecretKind::Session => {
            let audit = audit_for(user, "session.login", detail);
            app.store
                .create_session(&hash, user.id, now, expires_at, audit)
                .await?
        }
        SecretKind::ApiToken => {
            let audit = audit_for(user, "token.issued", detail);
            app.store
                .create_api_token(&hash, user.id, now, expires_at, audit)
                .await?
        }
    };
    Ok(Issued { secret, expires_at })
}

/// Ends the session of this secret (a no-op for an unknown one); audited when signed in.
pub async fn close_session(
    app: &App,
    secret: &str,
    who: Option<&crate::Principal>,
) -> AppResult<()> {
    let audit = who.map(|u| {
        u.audit(
            "session.logout",
            format!("user:{}", u.username),
            serde_json::json!({}),
        )
    });
    app.store.delete_session(&token_hash(secret), audit).await?;
    Ok(())
}

/// The account a live session secret belongs to.
pub async fn session_owner(app: &App, secret: &str) -> AppResult<Option<UserRecord>> {
    Ok(app
        .store
        .user_for_session(&token_hash(secret), crate::now())
        .await?)
}

/// The account a live API token belongs to.
pub async fn token_owner(app: &App, secret: &str) -> AppResult<Option<UserRecord>> {
    Ok(app
        .store
        .user_for_api_token(&token_hash(secret), crate::now())
        .await?)
}

/// Whether an agency works today: an account of an agency that stopped signs in no more.
async fn agency_working(app: &App, code: &str) -> AppResult<bool> {
    Ok(app
        .store
        .agency(code)
        .await?
        .is_some_and(|a| a.is_valid_at(crate::today_vn())))
}

/// What an administrator does to an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountChange {
    Disable,
    Enable,
    /// A new role, with the agency it needs (or keeping the current one).
    SetRole {
        role: String,
        agency: Option<String>,
    },
    SetAgency {
        agency: String,
    },
    RevokeTokens,
}

impl AccountChange {
    fn action(&self) -> &'static str {
        match self {
            AccountChange::Disable => "user.disabled",
            AccountChange::Enable => "user.enabled",
            AccountChange::SetRole { .. } => "user.role_changed",
            AccountChange::SetAgency { .. } => "user.agency_changed",
            AccountChange::RevokeTokens => "user.tokens_revoked",
        }
    }
}

/// Who administers accounts: an operator at the command line (None), a province
/// administrator (any account), or a unit administrator (the officers of their own agency,
/// among the officer roles, without moving them elsewhere).
pub(crate) fn may_administer(
    by: Option<&Principal>,
    target: &UserRecord,
    change: &AccountChange,
) -> AppResult<()> {
    let Some(by) = by else {
        return Ok(());
    };
    let officer = |r: Role| matches!(r, Role::Receiver | Role::Specialist | Role::Leader);
    let allowed = match by.role {
        Role::ProvinceAdmin => true,
        Role::UnitAdmin => {
            by.agency_code.is_some()
                && target.agency_code == by.agency_code
                && officer(target.role)
                && match change {
                    AccountChange::SetRole { role, agency } => {
                        role.parse::<Role>().is_ok_and(officer)
                            && agency
                                .as_ref()
                                .is_none_or(|a| Some(a) == by.agency_code.as_ref())
                    }
                    AccountChange::SetAgency { .. } => false,
                    _ => true,
                }
        }
        _ => false,
    };
    if !allowed {
        return Err(AppError::Forbidden {
            detail: "Chỉ quản trị cấp tỉnh, hoặc quản trị đơn vị với cán bộ của cơ quan mình, \
                     được thay đổi tài khoản này."
                .into(),
        });
    }
    if target.id == by.id && change != &AccountChange::RevokeTokens {
        return Err(AppError::invalid(
            "own_account",
            "Không tự khóa hoặc đổi vai trò, cơ quan của chính tài khoản mình.",
        ));
    }
    Ok(())
}

/// Changes an account as `change` says, ending its sessions and tokens whenever what it may
/// do changes; one transaction with its audit event.
pub async fn change_account(
    app: &App,
    by: Option<&Principal>,
    username: &str,
    change: AccountChange,
) -> AppResult<UserRecord> {
    let invalid = |e: &dyn std::fmt::Display| AppError::invalid("invalid_account", e.to_string());
    let name = username.trim().to_ascii_lowercase();
    let target = app
        .store
        .find_user_by_username(&name)
        .await?
        .ok_or_else(|| {
            AppError::not_found("user_not_found", format!("Không có tài khoản {name}."))
        })?;
    may_administer(by, &target, &change)?;
    let working_agency = |code: &str| {
        let code = AgencyCode::parse(code)
            .map_err(|e| invalid(&e))?
            .to_string();
        Ok::<_, AppError>(code)
    };
    let mut store_change = motcua_store::UserChange::default();
    let mut detail = serde_json::json!({ "via": if by.is_some() { "web" } else { "cli" } });
    match &change {
        AccountChange::Disable => {
            store_change.active = Some(false);
            store_change.revoke_secrets = true;
        }
        AccountChange::Enable => {
            if let Some(agency) = target.agency_code.as_deref()
                && !agency_working(app, agency).await?
            {
                return Err(AppError::invalid(
                    "agency_not_working",
                    format!(
                        "Cơ quan {agency} của tài khoản đã thôi hoạt động: chuyển tài khoản sang cơ quan khác trước."
                    ),
                ));
            }
            store_change.active = Some(true);
        }
        AccountChange::SetRole { role, agency } => {
            let role: Role = role.parse().map_err(|e| invalid(&e))?;
            let agency = match (agency, role.requires_agency()) {
                (Some(_), false) => return Err(invalid(&AccountError::AgencyNotAllowed(role))),
                (Some(a), true) => Some(working_agency(a)?),
                (None, true) => Some(
                    target
                        .agency_code
                        .clone()
                        .ok_or_else(|| invalid(&AccountError::AgencyRequired(role)))?,
                ),
                (None, false) => None,
            };
            detail["from"] = target.role.as_str().into();
            detail["to"] = role.as_str().into();
            detail["agency"] = agency.clone().into();
            store_change.role = Some(role);
            store_change.agency_code = Some(agency);
            store_change.revoke_secrets = true;
        }
        AccountChange::SetAgency { agency } => {
            if !target.role.requires_agency() {
                return Err(invalid(&AccountError::AgencyNotAllowed(target.role)));
            }
            let agency = working_agency(agency)?;
            detail["from"] = target.agency_code.clone().into();
            detail["to"] = agency.clone().into();
            store_change.agency_code = Some(Some(agency));
            store_change.revoke_secrets = true;
        }
        AccountChange::RevokeTokens => store_change.revoke_secrets = true,
    }
    if let Some(Some(agency)) = &store_change.agency_code
        && !agency_working(app, agency).await?
    {
        return Err(AppError::invalid(
            "agency_not_working",
            format!("Cơ quan {agency} không hoạt động vào hôm nay."),
        ));
    }
    let subject = format!("user:{name}");
    let mut audit = match by {
        Some(by) => by.audit(change.action(), subject, detail),
        None => AuditEntry::system(crate::now(), change.action(), subject, detail),
    };
    if by.is_none() {
        audit.agency_code = target.agency_code.clone();
    }
    app.store
        .change_user(target.id, &store_change, audit)
        .await?
        .ok_or_else(|| AppError::not_found("user_not_found", format!("Không có tài khoản {name}.")))
}

/// The accounts an administrator may see: all for a province administrator or an operator,
/// their own agency's for a unit administrator.
pub async fn list_accounts(
    app: &App,
    by: Option<&Principal>,
    mut filter: motcua_store::UserFilter,
) -> AppResult<Vec<UserRecord>> {
    if let Some(by) = by {
        match by.role {
            Role::ProvinceAdmin => {}
            Role::UnitAdmin => filter.agency_code = by.agency_code.clone(),
            _ => return Err(AppError::forbidden()),
        }
    }
    Ok(app.store.list_users(&filter).await?)
}
