//! Sign-in through OpenID providers: sign-ins begun and not yet back, provider subjects bound
//! to accounts, what a provider vouched for, links waiting for a second proof, and the
//! agencies whose staff may use single sign-on.

use crate::accounts::{SELECT_USER, UserRow, user_from_row};
use crate::audit::append;
use crate::tx::on_tx;
use crate::{NewUser, Store, StoreError, UserRecord, on_pool};
use chrono::{DateTime, Utc};
use motcua_domain::audit::AuditEntry;
use uuid::Uuid;

/// A sign-in sent to a provider: what its return must be checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingLogin {
    pub provider: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub redirect_uri: String,
    pub next_path: String,
    pub expires_at: DateTime<Utc>,
}

/// The account a verified sign-in opens: one already bound, or one to create.
#[derive(Debug, Clone)]
pub enum SignInAccount {
    Existing(UserRecord),
    New(NewUser),
}

/// A verified sign-in, written in one transaction: the account (made if new), its binding to
/// the provider's subject, the identity number and profile it proved, the earlier dossiers
/// under that number that had no account, the session, and the audit events.
#[derive(Debug, Clone)]
pub struct ExternalSignIn {
    pub provider: String,
    pub subject: String,
    pub account: SignInAccount,
    /// The personal number the provider vouched for (citizens).
    pub holder_id: Option<String>,
    /// What the provider vouched for, as JSON (citizens).
    pub profile: Option<String>,
    pub session_hash: String,
    pub at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Written after the account exists; `{dossiers}` in a detail is not filled in.
    pub audits: Vec<AuditEntry>,
}

/// A sign-in whose number a local account holds, waiting for that account's password.
#[derive(Debug, Clone)]
pub struct PendingLink {
    pub provider: String,
    pub user_id: Uuid,
    pub identity: String,
    pub expires_at: DateTime<Utc>,
}

impl Store {
    /// Records a sign-in sent to a provider, by the hash of its state.
    pub async fn begin_external_login(
        &self,
        state_hash: &str,
        login: &PendingLogin,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        on_tx!(&mut tx, |conn| {
            sqlx::query(
                "INSERT INTO oidc_logins (state_hash, provider, nonce, pkce_verifier, \
                 redirect_uri, next_path, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(state_hash)
            .bind(&login.provider)
            .bind(&login.nonce)
            .bind(&login.pkce_verifier)
            .bind(&login.redirect_uri)
            .bind(&login.next_path)
            .bind(login.expires_at)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        tx.commit().await
    }

    /// Takes a sign-in back by its state, once: a second return with the same state finds
    /// nothing. Expired ones are not returned.
    pub async fn take_external_login(
        &self,
        state_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<PendingLogin>, StoreError> {
        type Row = (String, String, String, String, String, DateTime<Utc>);
        let mut tx = self.begin_write().await?;
        let row: Option<Row> = on_tx!(&mut tx, |conn| {
            sqlx::query_as(
                "DELETE FROM oidc_logins WHERE state_hash = $1 RETURNING provider, nonce, \
                 pkce_verifier, redirect_uri, next_path, expires_at",
            )
            .bind(state_hash)
            .fetch_optional(&mut *conn)
            .await?
        });
        tx.commit().await?;
        Ok(row.filter(|r| r.5 > now).map(|r| PendingLogin {
            provider: r.0,
            nonce: r.1,
            pkce_verifier: r.2,
            redirect_uri: r.3,
            next_path: r.4,
            expires_at: r.5,
        }))
    }

    /// The account bound to a provider's subject.
    pub async fn external_account(
        &self,
        provider: &str,
        subject: &str,
    ) -> Result<Option<UserRecord>, StoreError> {
        let sql = format!(
            "{SELECT_USER} JOIN external_accounts e ON e.user_id = u.id \
             WHERE e.provider = $1 AND e.subject = $2"
        );
        let row: Option<UserRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(provider)
                .bind(subject)
                .fetch_optional(pool)
                .await?
        });
        row.map(user_from_row).transpose()
    }

    /// Citizen accounts bound to an identity number, oldest first.
    pub async fn citizen_accounts_holding(
        &self,
        holder_id: &str,
    ) -> Result<Vec<UserRecord>, StoreError> {
        let sql = format!(
            "{SELECT_USER} JOIN account_identities i ON i.user_id = u.id \
             WHERE i.holder_id = $1 AND u.role = 'citizen' ORDER BY u.created_at"
        );
        let rows: Vec<UserRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(holder_id)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(user_from_row).collect()
    }

    /// The providers and subjects bound to an account.
    pub async fn externals_of(&self, user_id: Uuid) -> Result<Vec<(String, String)>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_as(
            "SELECT provider, subject FROM external_accounts WHERE user_id = $1 \
             ORDER BY provider, subject"
        )
        .bind(user_id)
        .fetch_all(pool)
        .await?))
    }

    /// Every account bound to a provider, with its subject.
    pub async fn external_subjects(
        &self,
        provider: &str,
    ) -> Result<Vec<(Uuid, String)>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_as(
            "SELECT user_id, subject FROM external_accounts WHERE provider = $1"
        )
        .bind(provider)
        .fetch_all(pool)
        .await?))
    }

    /// What the identity provider last vouched for about an account: provider, JSON, when.
    pub async fn verified_profile(
        &self,
        user_id: Uuid,
    ) -> Result<Option<(String, String, DateTime<Utc>)>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_as(
            "SELECT provider, identity, verified_at FROM verified_profiles WHERE user_id = $1"
        )
        .bind(user_id)
        .fetch_optional(pool)
        .await?))
    }

    /// Writes a verified sign-in (see [`ExternalSignIn`]); returns the account and the codes
    /// of the dossiers that came to it.
    pub async fn sign_in_external(
        &self,
        s: &ExternalSignIn,
    ) -> Result<(UserRecord, Vec<String>), StoreError> {
        let mut tx = self.begin_write().await?;
        let user = match &s.account {
            SignInAccount::Existing(user) => user.clone(),
            SignInAccount::New(new) => {
                crate::accounts::insert_user(&mut tx, new, Uuid::now_v7(), s.at).await?
            }
        };
        on_tx!(&mut tx, |conn| {
            sqlx::query(
                "INSERT INTO external_accounts (provider, subject, user_id, linked_at, \
                 last_sign_in_at) VALUES ($1, $2, $3, $4, $4) ON CONFLICT (provider, subject) \
                 DO UPDATE SET last_sign_in_at = excluded.last_sign_in_at",
            )
            .bind(&s.provider)
            .bind(&s.subject)
            .bind(user.id)
            .bind(s.at)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        let mut claimed = Vec::new();
        if let Some(holder) = &s.holder_id {
            claimed = on_tx!(&mut tx, |conn| {
                sqlx::query(
                    "INSERT INTO account_identities (user_id, holder_id, linked_at) \
                     VALUES ($1, $2, $3) ON CONFLICT (user_id, holder_id) DO NOTHING",
                )
                .bind(user.id)
                .bind(holder)
                .bind(s.at)
                .execute(&mut *conn)
                .await?;
                // Dossiers submitted under this number without an account (at the counter, or
                // online before signing in) follow the person who proved it.
                sqlx::query_scalar(
                    "UPDATE dossiers SET owner = $1 WHERE applicant_id = $2 AND owner IS NULL \
                     RETURNING code",
                )
                .bind(&user.username)
                .bind(holder)
                .fetch_all(&mut *conn)
                .await?
            });
        }
        if let Some(profile) = &s.profile {
            on_tx!(&mut tx, |conn| {
                sqlx::query(
                    "INSERT INTO verified_profiles (user_id, provider, identity, verified_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO UPDATE SET \
                     provider = excluded.provider, identity = excluded.identity, \
                     verified_at = excluded.verified_at",
                )
                .bind(user.id)
                .bind(&s.provider)
                .bind(profile)
                .bind(s.at)
                .execute(&mut *conn)
                .await?
                .rows_affected()
            });
        }
        on_tx!(&mut tx, |conn| {
            sqlx::query(
                "INSERT INTO sessions (id_hash, user_id, created_at, expires_at, last_seen_at, \
                 provider) VALUES ($1, $2, $3, $4, $3, $5)",
            )
            .bind(&s.session_hash)
            .bind(user.id)
            .bind(s.at)
            .bind(s.expires_at)
            .bind(&s.provider)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        for audit in &s.audits {
            let mut audit = audit.clone();
            if !claimed.is_empty() && audit.action == "session.login" {
                let mut detail: serde_json::Value =
                    serde_json::from_str(&audit.detail).unwrap_or_default();
                detail["dossiers_claimed"] = serde_json::json!(claimed);
                audit.detail = detail.to_string();
            }
            append(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok((user, claimed))
    }

    /// The provider a session was opened through (None: a password).
    pub async fn session_provider(&self, id_hash: &str) -> Result<Option<String>, StoreError> {
        let row: Option<Option<String>> = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT provider FROM sessions WHERE id_hash = $1")
                .bind(id_hash)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.flatten())
    }

    /// Keeps a verified sign-in until the citizen proves the local account too.
    pub async fn put_pending_link(
        &self,
        token_hash: &str,
        link: &PendingLink,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        on_tx!(&mut tx, |conn| {
            sqlx::query(
                "INSERT INTO pending_links (token_hash, provider, user_id, identity, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash)
            .bind(&link.provider)
            .bind(link.user_id)
            .bind(&link.identity)
            .bind(link.expires_at)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        tx.commit().await
    }

    /// A pending link by its token, if live; `take` removes it.
    pub async fn pending_link(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        take: bool,
    ) -> Result<Option<PendingLink>, StoreError> {
        type Row = (String, Uuid, String, DateTime<Utc>);
        let sql = if take {
            "DELETE FROM pending_links WHERE token_hash = $1 \
             RETURNING provider, user_id, identity, expires_at"
        } else {
            "SELECT provider, user_id, identity, expires_at FROM pending_links \
             WHERE token_hash = $1"
        };
        let mut tx = self.begin_write().await?;
        let row: Option<Row> = on_tx!(&mut tx, |conn| {
            sqlx::query_as(sql)
                .bind(token_hash)
                .fetch_optional(&mut *conn)
                .await?
        });
        tx.commit().await?;
        Ok(row.filter(|r| r.3 > now).map(|r| PendingLink {
            provider: r.0,
            user_id: r.1,
            identity: r.2,
            expires_at: r.3,
        }))
    }

    /// Binds (or, with `bind` false, unbinds) a provider's subject to an account, with its
    /// audit event; the account's sessions end either way. Returns whether anything changed.
    pub async fn set_external_binding(
        &self,
        provider: &str,
        subject: &str,
        user_id: Uuid,
        bind: bool,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let result = on_tx!(&mut tx, |conn| {
            if bind {
                sqlx::query(
                    "INSERT INTO external_accounts (provider, subject, user_id, linked_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(provider)
                .bind(subject)
                .bind(user_id)
                .bind(at)
                .execute(&mut *conn)
                .await
                .map(|r| r.rows_affected())
            } else {
                sqlx::query(
                    "DELETE FROM external_accounts WHERE provider = $1 AND subject = $2 \
                     AND user_id = $3",
                )
                .bind(provider)
                .bind(subject)
                .bind(user_id)
                .execute(&mut *conn)
                .await
                .map(|r| r.rows_affected())
            }
        });
        let changed = match result {
            Ok(n) => n > 0,
            Err(err) if StoreError::is_unique_violation(&err) => {
                return Err(StoreError::Conflict {
                    code: "subject_taken",
                    detail: format!("tài khoản {subject} của {provider} đã gắn với người khác"),
                });
            }
            Err(err) => return Err(err.into()),
        };
        if changed {
            crate::accounts::revoke_user_secrets(&mut tx, user_id).await?;
            append(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Whether an agency's staff may sign in through the organisation's provider.
    pub async fn agency_sso_allowed(&self, agency_code: &str) -> Result<bool, StoreError> {
        let row: Option<i32> = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT 1 FROM agency_sso WHERE agency_code = $1")
                .bind(agency_code)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.is_some())
    }

    /// The agencies whose staff may use single sign-on.
    pub async fn agencies_with_sso(&self) -> Result<Vec<String>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_scalar(
            "SELECT agency_code FROM agency_sso ORDER BY agency_code"
        )
        .fetch_all(pool)
        .await?))
    }

    /// Allows or stops single sign-on for an agency's staff, with its audit event; returns
    /// whether anything changed.
    pub async fn set_agency_sso(
        &self,
        agency_code: &str,
        allowed: bool,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let n = on_tx!(&mut tx, |conn| {
            if allowed {
                sqlx::query(
                    "INSERT INTO agency_sso (agency_code, allowed_at) VALUES ($1, $2) \
                     ON CONFLICT (agency_code) DO NOTHING",
                )
                .bind(agency_code)
                .bind(at)
                .execute(&mut *conn)
                .await?
                .rows_affected()
            } else {
                sqlx::query("DELETE FROM agency_sso WHERE agency_code = $1")
                    .bind(agency_code)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected()
            }
        });
        if n > 0 {
            append(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }
}
