//! Sign-in through OpenID providers: citizens with the national electronic identity (VNeID,
//! Decree 69/2024) and officers through their organisation's provider.
//!
//! A citizen's first sign-in makes their account, bound to the verified personal number;
//! later ones find it by the provider's subject. Dossiers filed under that number without an
//! account follow, and so does the document store (it is the number's). A local account that
//! already holds the number is linked only after its password is given too. Officers sign in
//! only to an account an administrator bound to their subject, in an agency that allows it:
//! roles and agency are motcua's, never the provider's.

pub mod admin;
pub mod oidc;

pub use admin::{CITIZEN_PROVIDER, STAFF_PROVIDER};

use crate::accounts::{Issued, LoginCheck, audit_for, check_credentials, random_token, token_hash};
use crate::{App, AppError, AppResult, Principal};
use motcua_domain::account::{Role, Username};
use motcua_domain::audit::AuditEntry;
use motcua_domain::verified::VerifiedIdentity;
use motcua_store::{ExternalSignIn, NewUser, PendingLink, PendingLogin, SignInAccount, UserRecord};
use oidc::{Audience, OidcConfig, OidcProvider, refused};
use std::sync::Arc;

/// How long a sign-in sent to a provider may take to come back.
const LOGIN_TTL_MINUTES: i64 = 10;
/// How long a verified sign-in waits for the local account's password.
const LINK_TTL_MINUTES: i64 = 10;
/// The path the provider sends people back to.
pub const CALLBACK_PATH: &str = "/auth/oidc/callback";
/// Accounts made by a provider have no password: this never verifies.
const NO_PASSWORD: &str = "!external";

/// The configured providers (none, one or both).
#[derive(Clone, Default)]
pub struct Providers {
    citizens: Option<Arc<OidcProvider>>,
    staff: Option<Arc<OidcProvider>>,
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Providers")
            .field(
                "citizens",
                &self.citizens.as_ref().map(|p| &p.config.issuer),
            )
            .field("staff", &self.staff.as_ref().map(|p| &p.config.issuer))
            .finish()
    }
}

impl Providers {
    pub fn new(citizens: Option<OidcConfig>, staff: Option<OidcConfig>) -> Providers {
        Providers {
            citizens: citizens.map(|c| Arc::new(OidcProvider::new(c))),
            staff: staff.map(|c| Arc::new(OidcProvider::new(c))),
        }
    }

    fn get(&self, key: &str) -> Option<&Arc<OidcProvider>> {
        [&self.citizens, &self.staff]
            .into_iter()
            .flatten()
            .find(|p| p.config.key == key)
    }

    /// The providers people may choose on the sign-in page: (key, label, audience).
    pub fn offered(&self) -> Vec<(String, String, Audience)> {
        [&self.citizens, &self.staff]
            .into_iter()
            .flatten()
            .map(|p| {
                let c = &p.config;
                (c.key.clone(), c.label.clone(), c.audience)
            })
            .collect()
    }

    /// The citizens' provider's key, when there is one.
    pub fn citizen_key(&self) -> Option<&str> {
        self.citizens.as_ref().map(|p| p.config.key.as_str())
    }

    pub fn staff_key(&self) -> Option<&str> {
        self.staff.as_ref().map(|p| p.config.key.as_str())
    }
}

fn unknown_provider() -> AppError {
    AppError::not_found(
        "identity_provider_unknown",
        "Không có nhà cung cấp định danh này.",
    )
}

/// The address the provider sends the person back to.
fn redirect_uri(provider: &OidcProvider, origin: &str) -> String {
    provider
        .config
        .redirect_url
        .clone()
        .unwrap_or_else(|| format!("{}{CALLBACK_PATH}", origin.trim_end_matches('/')))
}

/// A sign-in to send the browser to, and the state the browser must bring back (kept in a
/// cookie, so that a code obtained in someone else's browser cannot be finished in this one).
pub struct Started {
    pub url: String,
    pub state: String,
}

/// Starts a sign-in with a provider; `origin` is this site's address as the browser sees it.
pub async fn begin(app: &App, key: &str, next: &str, origin: &str) -> AppResult<Started> {
    let provider = app.identity.get(key).ok_or_else(unknown_provider)?;
    let redirect = redirect_uri(provider, origin);
    let auth = provider.authorize(&redirect).await?;
    let login = PendingLogin {
        provider: key.to_owned(),
        nonce: auth.nonce,
        pkce_verifier: auth.pkce_verifier,
        redirect_uri: redirect,
        next_path: next.to_owned(),
        expires_at: crate::now() + chrono::Duration::minutes(LOGIN_TTL_MINUTES),
    };
    app.store
        .begin_external_login(&token_hash(&auth.state), &login)
        .await?;
    Ok(Started {
        url: auth.url,
        state: auth.state,
    })
}

/// What came back from the provider to the callback.
pub struct Callback<'a> {
    pub state: &'a str,
    /// The state this browser was given when it started (its cookie).
    pub browser_state: Option<&'a str>,
    pub code: Option<&'a str>,
    /// The provider's `error`, e.g. `access_denied` when the person cancelled.
    pub error: Option<&'a str>,
    /// The client's address, for the audit.
    pub client: &'a str,
    pub session_lifetime: chrono::Duration,
}

/// How a sign-in ended.
pub enum Finished {
    SignedIn {
        user: UserRecord,
        session: Issued,
        next: String,
        /// Dossiers filed under the verified number that now follow the account.
        claimed: Vec<String>,
    },
    /// A local account holds the verified number: its password links the two.
    LinkNeeded { token: String, expires_minutes: i64 },
}

/// Finishes a sign-in: the state is taken (once), checked against the browser's, and the
/// provider's answer verified; then the account is found, made or offered for linking.
/// Anything refused leaves no account, session or binding behind.
pub async fn finish(app: &App, cb: Callback<'_>) -> AppResult<Finished> {
    let now = crate::now();
    let pending = app
        .store
        .take_external_login(&token_hash(cb.state), now)
        .await?
        .ok_or_else(|| refused("unknown, used or expired state"))?;
    let same_browser = cb.browser_state.is_some_and(|b| {
        use subtle::ConstantTimeEq;
        bool::from(
            token_hash(b)
                .as_bytes()
                .ct_eq(token_hash(cb.state).as_bytes()),
        )
    });
    if !same_browser {
        return Err(refused("state not started in this browser"));
    }
    if let Some(error) = cb.error {
        return Err(AppError::invalid(
            "identity_sign_in_cancelled",
            format!(
                "Hệ thống định danh điện tử không cho đăng nhập ({}). Bạn có thể thử lại.",
                error.chars().take(60).collect::<String>()
            ),
        ));
    }
    let provider = app
        .identity
        .get(&pending.provider)
        .ok_or_else(unknown_provider)?;
    let code = cb.code.ok_or_else(|| refused("no code"))?;
    let identity = provider
        .finish(
            code,
            &pending.redirect_uri,
            &pending.nonce,
            &pending.pkce_verifier,
        )
        .await?;
    match provider.config.audience {
        Audience::Citizens => citizen_sign_in(app, provider, identity, &pending, &cb).await,
        Audience::Staff => staff_sign_in(app, provider, identity, &pending, &cb).await,
    }
}

fn login_audit(user_like: &UserRecord, key: &str, subject: &str, client: &str) -> AuditEntry {
    audit_for(
        user_like,
        "session.login",
        serde_json::json!({
            "client": client, "method": "oidc", "provider": key, "subject": subject,
        }),
    )
}

/// A username for an account a provider made: not the personal number, which would show in
/// lists and audit records.
fn username_for(key: &str, subject: &str) -> AppResult<Username> {
    let digest = token_hash(&format!("{key}\u{0}{subject}"));
    Username::parse(&format!("{key}-{}", &digest[..16]))
        .map_err(|e| AppError::internal(e.to_string()))
}

async fn write_sign_in(
    app: &App,
    provider: &OidcProvider,
    identity: &VerifiedIdentity,
    account: SignInAccount,
    mut audits: Vec<AuditEntry>,
    (client, lifetime): (&str, chrono::Duration),
) -> AppResult<(UserRecord, Issued, Vec<String>)> {
    let now = crate::now();
    let secret = random_token();
    let key = &provider.config.key;
    let shown = match &account {
        SignInAccount::Existing(u) => u.clone(),
        SignInAccount::New(n) => UserRecord {
            id: uuid::Uuid::nil(),
            username: n.username.to_string(),
            display_name: n.display_name.clone(),
            password_hash: String::new(),
            role: n.role,
            agency_code: n.agency_code.clone(),
            active: true,
            created_at: now,
        },
    };
    audits.push(login_audit(&shown, key, &identity.subject, client));
    let citizen = provider.config.audience == Audience::Citizens;
    let sign_in = ExternalSignIn {
        provider: key.clone(),
        subject: identity.subject.clone(),
        account,
        holder_id: (identity.citizen_id.as_ref())
            .filter(|_| citizen)
            .map(|c| c.as_str().to_owned()),
        profile: citizen
            .then(|| serde_json::to_string(identity))
            .transpose()
            .map_err(AppError::internal)?,
        session_hash: token_hash(&secret),
        at: now,
        expires_at: now + lifetime,
        audits,
    };
    let (user, claimed) = app.store.sign_in_external(&sign_in).await?;
    Ok((
        user,
        Issued {
            secret,
            expires_at: sign_in.expires_at,
        },
        claimed,
    ))
}

async fn citizen_sign_in(
    app: &App,
    provider: &OidcProvider,
    identity: VerifiedIdentity,
    pending: &PendingLogin,
    cb: &Callback<'_>,
) -> AppResult<Finished> {
    let key = &provider.config.key;
    identity
        .check_for_citizen()
        .map_err(|e| AppError::invalid(e.code(), crate::capitalise(&e.to_string()) + "."))?;
    let bound = app.store.external_account(key, &identity.subject).await?;
    let account = match bound {
        Some(user) if !user.active || user.role != Role::Citizen => {
            return Err(AppError::invalid(
                "account_disabled",
                "Tài khoản gắn với định danh này đang bị khóa. Vui lòng liên hệ bộ phận một cửa.",
            ));
        }
        Some(user) => SignInAccount::Existing(user),
        None => {
            let number = identity.citizen_id.as_ref().map(|c| c.as_str().to_owned());
            let holders = match &number {
                Some(n) => app.store.citizen_accounts_holding(n).await?,
                None => Vec::new(),
            };
            if let Some(local) = holders.into_iter().find(|u| u.active) {
                return offer_link(app, key, &identity, local).await;
            }
            SignInAccount::New(new_citizen(key, &identity)?)
        }
    };
    let audits = match &account {
        SignInAccount::New(n) => vec![created_audit(n, key)],
        SignInAccount::Existing(_) => vec![],
    };
    let made_now = matches!(account, SignInAccount::New(_));
    let written = write_sign_in(
        app,
        provider,
        &identity,
        account,
        audits,
        (cb.client, cb.session_lifetime),
    )
    .await;
    let (user, session, claimed) = match written {
        // The same person's first sign-in in another tab got there first: theirs is the account.
        Err(AppError::Conflict { .. }) if made_now => {
            let user = (app.store.external_account(key, &identity.subject).await?)
                .ok_or_else(|| refused("account conflict"))?;
            let lifetime = (cb.client, cb.session_lifetime);
            let existing = SignInAccount::Existing(user);
            write_sign_in(app, provider, &identity, existing, vec![], lifetime).await?
        }
        other => other?,
    };
    Ok(Finished::SignedIn {
        user,
        session,
        next: pending.next_path.clone(),
        claimed,
    })
}

fn new_citizen(key: &str, identity: &VerifiedIdentity) -> AppResult<NewUser> {
    Ok(NewUser {
        username: username_for(key, &identity.subject)?,
        display_name: identity.full_name.clone().unwrap_or_default(),
        password_hash: NO_PASSWORD.to_owned(),
        role: Role::Citizen,
        agency_code: None,
    })
}

fn created_audit(new: &NewUser, key: &str) -> AuditEntry {
    AuditEntry::system(
        crate::now(),
        "user.created",
        format!("user:{}", new.username),
        serde_json::json!({ "role": "citizen", "via": "oidc", "provider": key }),
    )
}

async fn offer_link(
    app: &App,
    key: &str,
    identity: &VerifiedIdentity,
    local: UserRecord,
) -> AppResult<Finished> {
    let token = random_token();
    let link = PendingLink {
        provider: key.to_owned(),
        user_id: local.id,
        identity: serde_json::to_string(identity).map_err(AppError::internal)?,
        expires_at: crate::now() + chrono::Duration::minutes(LINK_TTL_MINUTES),
    };
    app.store
        .put_pending_link(&token_hash(&token), &link)
        .await?;
    Ok(Finished::LinkNeeded {
        token,
        expires_minutes: LINK_TTL_MINUTES,
    })
}

/// A verified sign-in waiting to be linked, as its page shows it.
pub struct LinkOffer {
    /// The provider's label.
    pub provider: String,
    /// The verified name.
    pub name: String,
}

/// The sign-in waiting behind a link token, if still live.
pub async fn link_offer(app: &App, token: &str) -> AppResult<Option<LinkOffer>> {
    let Some(link) = app
        .store
        .pending_link(&token_hash(token), crate::now(), false)
        .await?
    else {
        return Ok(None);
    };
    let identity: VerifiedIdentity =
        serde_json::from_str(&link.identity).map_err(AppError::internal)?;
    let provider = app
        .identity
        .get(&link.provider)
        .ok_or_else(unknown_provider)?;
    Ok(Some(LinkOffer {
        provider: provider.config.label.clone(),
        name: identity.full_name.unwrap_or_default(),
    }))
}

/// How the citizen answers the link offer.
pub enum LinkAnswer<'a> {
    /// The local account's credentials: linked when they are right and are that account's.
    Prove {
        username: &'a str,
        password: &'a str,
    },
    /// Keep the local account apart: a new account for the verified identity.
    Separate,
}

fn link_expired() -> AppError {
    AppError::invalid(
        "identity_link_expired",
        "Phiên liên kết đã hết hạn. Vui lòng đăng nhập lại bằng tài khoản định danh điện tử.",
    )
}

/// Links a verified sign-in to the local account holding its number once that account's
/// password is given (throttled like any sign-in), or makes a separate account.
pub async fn answer_link(
    app: &App,
    token: &str,
    answer: LinkAnswer<'_>,
    client: &str,
    lifetime: chrono::Duration,
) -> AppResult<Finished> {
    let hash = token_hash(token);
    let link =
        (app.store.pending_link(&hash, crate::now(), false).await?).ok_or_else(link_expired)?;
    let provider = app
        .identity
        .get(&link.provider)
        .ok_or_else(unknown_provider)?;
    let identity: VerifiedIdentity =
        serde_json::from_str(&link.identity).map_err(AppError::internal)?;
    let key = provider.config.key.clone();
    let (account, audits) = match answer {
        LinkAnswer::Prove { username, password } => {
            match check_credentials(app, username, password, client).await? {
                LoginCheck::Ok(user) if user.id == link.user_id => {
                    let audit = audit_for(
                        &user,
                        "user.external_linked",
                        serde_json::json!({ "provider": key, "subject": identity.subject }),
                    );
                    (SignInAccount::Existing(user), vec![audit])
                }
                LoginCheck::Locked => {
                    return Err(AppError::invalid("login_locked", crate::accounts::LOCKED));
                }
                _ => {
                    return Err(AppError::invalid(
                        "bad_credentials",
                        crate::accounts::BAD_CREDENTIALS,
                    ));
                }
            }
        }
        LinkAnswer::Separate => {
            let new = new_citizen(&key, &identity)?;
            let audit = created_audit(&new, &key);
            (SignInAccount::New(new), vec![audit])
        }
    };
    if app
        .store
        .pending_link(&hash, crate::now(), true)
        .await?
        .is_none()
    {
        return Err(link_expired());
    }
    let (user, session, claimed) = write_sign_in(
        app,
        provider,
        &identity,
        account,
        audits,
        (client, lifetime),
    )
    .await?;
    Ok(Finished::SignedIn {
        user,
        session,
        next: "/my/dossiers".to_owned(),
        claimed,
    })
}

async fn staff_sign_in(
    app: &App,
    provider: &OidcProvider,
    identity: VerifiedIdentity,
    pending: &PendingLogin,
    cb: &Callback<'_>,
) -> AppResult<Finished> {
    let key = &provider.config.key;
    let not_allowed = |why: &str| {
        tracing::warn!(provider = %key, reason = why, "a single sign-on was refused");
        AppError::invalid(
            "sso_not_allowed",
            "Tài khoản tổ chức này chưa được gắn với tài khoản cán bộ nào trên hệ thống, hoặc \
             cơ quan chưa cho phép đăng nhập một lần. Vui lòng liên hệ quản trị; bạn vẫn \
             đăng nhập được bằng tài khoản và mật khẩu.",
        )
    };
    let user = (app.store.external_account(key, &identity.subject).await?)
        .ok_or_else(|| not_allowed("subject not bound"))?;
    if !user.active || !user.role.is_staff() {
        return Err(not_allowed("account disabled or not staff"));
    }
    if let Some(agency) = &user.agency_code {
        let working =
            (app.store.agency(agency).await?).is_some_and(|a| a.is_valid_at(crate::today_vn()));
        if !working || !app.store.agency_sso_allowed(agency).await? {
            return Err(not_allowed("agency does not allow it"));
        }
    }
    let (user, session, _) = write_sign_in(
        app,
        provider,
        &identity,
        SignInAccount::Existing(user),
        vec![],
        (cb.client, cb.session_lifetime),
    )
    .await?;
    Ok(Finished::SignedIn {
        user,
        session,
        next: pending.next_path.clone(),
        claimed: vec![],
    })
}

/// Ends a session; when it was opened through a provider that offers it, also where to send
/// the browser to sign out there (back to `after`).
pub async fn sign_out(
    app: &App,
    secret: &str,
    who: Option<&Principal>,
    after: &str,
) -> AppResult<Option<String>> {
    let provider = app.store.session_provider(&token_hash(secret)).await?;
    crate::accounts::close_session(app, secret, who).await?;
    Ok(
        match provider.as_deref().and_then(|k| app.identity.get(k)) {
            Some(p) => p.logout_url(after).await,
            None => None,
        },
    )
}

/// Where signing this session out sends the browser on to (the provider's origin), if
/// anywhere: the sign-out page's form must be allowed to end there.
pub async fn sign_out_origin(app: &App, secret: &str) -> AppResult<Option<String>> {
    let provider = app.store.session_provider(&token_hash(secret)).await?;
    Ok(
        match provider.as_deref().and_then(|k| app.identity.get(k)) {
            Some(p) => p.end_session_origin().await,
            None => None,
        },
    )
}

/// What a verified sign-in vouched for about a citizen's account: the provider's label and
/// key, and the identity.
pub async fn verified_profile_of(
    app: &App,
    who: &Principal,
) -> AppResult<Option<(String, String, VerifiedIdentity)>> {
    if who.role != Role::Citizen {
        return Ok(None);
    }
    let Some((key, json, _)) = app.store.verified_profile(who.id).await? else {
        return Ok(None);
    };
    let identity = serde_json::from_str(&json).map_err(AppError::internal)?;
    let label = app
        .identity
        .get(&key)
        .map_or_else(|| key.clone(), |p| p.config.label.clone());
    Ok(Some((label, key, identity)))
}
