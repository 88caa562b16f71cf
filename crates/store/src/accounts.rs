//! Users, browser sessions and API tokens.
//!
//! Session ids and API tokens are stored only as SHA-256 hashes, so a copy of the
//! database does not let anyone sign in.

use crate::audit::append;
use crate::tx::on_tx;
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Duration, Utc};
use motcua_domain::account::{LOGIN_LOCK_MINUTES, Role, Username};
use motcua_domain::audit::AuditEntry;
use uuid::Uuid;

/// A user as the edge needs it. The password hash stays here for verification only.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub agency_code: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// A user to create; the caller has already validated and hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: Username,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub agency_code: Option<String>,
}

pub(crate) type UserRow = (
    Uuid,
    String,
    String,
    String,
    String,
    Option<String>,
    bool,
    DateTime<Utc>,
);

pub(crate) const SELECT_USER: &str = "SELECT u.id, u.username, u.display_name, u.password_hash, u.role, \
     u.agency_code, u.active, u.created_at FROM users u";

pub(crate) fn user_from_row(r: UserRow) -> Result<UserRecord, StoreError> {
    let role =
        r.4.parse::<Role>()
            .map_err(|e| StoreError::Config(e.to_string()))?;
    Ok(UserRecord {
        id: r.0,
        username: r.1,
        display_name: r.2,
        password_hash: r.3,
        role,
        agency_code: r.5,
        active: r.6,
        created_at: r.7,
    })
}

/// The two kinds of bearer secret, each in its own table, both stored as SHA-256 hashes.
#[derive(Debug, Clone, Copy)]
enum Secret {
    Session,
    ApiToken,
}

impl Secret {
    fn insert_sql(self) -> &'static str {
        match self {
            Secret::Session => {
                "INSERT INTO sessions (id_hash, user_id, created_at, expires_at, last_seen_at) \
                 VALUES ($1, $2, $3, $4, $3)"
            }
            Secret::ApiToken => {
                "INSERT INTO api_tokens (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)"
            }
        }
    }

    fn lookup_join(self) -> &'static str {
        match self {
            Secret::Session => {
                "JOIN sessions s ON s.user_id = u.id WHERE s.id_hash = $1 AND s.expires_at > $2"
            }
            Secret::ApiToken => {
                "JOIN api_tokens s ON s.user_id = u.id WHERE s.token_hash = $1 AND s.expires_at > $2"
            }
        }
    }
}

/// Which accounts to list; None matches any.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub agency_code: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
}

/// A change to an account; None leaves a field as it is. Every change that touches what the
/// account may do ends its sessions and API tokens.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub active: Option<bool>,
    pub role: Option<Role>,
    /// Some(None): no agency.
    pub agency_code: Option<Option<String>>,
    pub revoke_secrets: bool,
}

/// Inserts an account inside a transaction: its agency must exist, its username be free.
pub(crate) async fn insert_user(
    tx: &mut crate::tx::Tx,
    user: &NewUser,
    id: Uuid,
    at: DateTime<Utc>,
) -> Result<UserRecord, StoreError> {
    if let Some(agency) = &user.agency_code {
        let exists: Option<i32> = on_tx!(tx, |conn| {
            sqlx::query_scalar("SELECT 1 FROM agencies WHERE code = $1")
                .bind(agency)
                .fetch_optional(&mut *conn)
                .await?
        });
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("cơ quan {agency}")));
        }
    }
    let sql = "INSERT INTO users \
            (id, username, display_name, password_hash, role, agency_code, active, created_at) \
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    let inserted = on_tx!(tx, |conn| {
        sqlx::query(sql)
            .bind(id)
            .bind(user.username.as_str())
            .bind(&user.display_name)
            .bind(&user.password_hash)
            .bind(user.role.as_str())
            .bind(&user.agency_code)
            .bind(true)
            .bind(at)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected())
    });
    if let Err(err) = inserted {
        return Err(if StoreError::is_unique_violation(&err) {
            StoreError::Conflict {
                code: "username_taken",
                detail: format!("tên đăng nhập {} đã được dùng", user.username),
            }
        } else {
            err.into()
        });
    }
    Ok(UserRecord {
        id,
        username: user.username.as_str().to_owned(),
        display_name: user.display_name.clone(),
        password_hash: user.password_hash.clone(),
        role: user.role,
        agency_code: user.agency_code.clone(),
        active: true,
        created_at: at,
    })
}

/// Ends every session and API token of an account; returns how many there were.
pub(crate) async fn revoke_user_secrets(
    tx: &mut crate::tx::Tx,
    user_id: Uuid,
) -> Result<u64, StoreError> {
    let mut n = 0;
    for sql in [
        "DELETE FROM sessions WHERE user_id = $1",
        "DELETE FROM api_tokens WHERE user_id = $1",
    ] {
        n += on_tx!(tx, |conn| sqlx::query(sql)
            .bind(user_id)
            .execute(&mut *conn)
            .await?
            .rows_affected());
    }
    Ok(n)
}

impl Store {
    /// Creates a user and its audit event in one transaction.
    pub async fn create_user(
        &self,
        user: &NewUser,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<UserRecord, StoreError> {
        let mut tx = self.begin_write().await?;
        let record = insert_user(&mut tx, user, Uuid::now_v7(), at).await?;
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(record)
    }

    pub async fn find_user_by_username(
        &self,
        username: &str,
    ) -> Result<Option<UserRecord>, StoreError> {
        let sql = format!("{SELECT_USER} WHERE u.username = $1");
        let row: Option<UserRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(username)
                .fetch_optional(pool)
                .await?
        });
        row.map(user_from_row).transpose()
    }

    /// Accounts matching the filter, by agency and username.
    pub async fn list_users(&self, f: &UserFilter) -> Result<Vec<UserRecord>, StoreError> {
        let sql = format!(
            "{SELECT_USER} WHERE ($1 IS NULL OR u.agency_code = $1) AND ($2 IS NULL OR u.role = $2) \
             AND ($3 IS NULL OR u.active = $3) ORDER BY u.agency_code, u.username"
        );
        let rows: Vec<UserRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(f.agency_code.as_deref())
                .bind(f.role.map(Role::as_str))
                .bind(f.active)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(user_from_row).collect()
    }

    /// Changes an account with its audit event in one transaction; returns it as it is now.
    /// `Ok(None)` when there is no such account.
    pub async fn change_user(
        &self,
        user_id: Uuid,
        change: &UserChange,
        audit: AuditEntry,
    ) -> Result<Option<UserRecord>, StoreError> {
        let mut tx = self.begin_write().await?;
        if let Some(Some(agency)) = &change.agency_code {
            let exists: Option<i32> = on_tx!(&mut tx, |conn| {
                sqlx::query_scalar("SELECT 1 FROM agencies WHERE code = $1")
                    .bind(agency)
                    .fetch_optional(&mut *conn)
                    .await?
            });
            if exists.is_none() {
                return Err(StoreError::NotFound(format!("cơ quan {agency}")));
            }
        }
        let sql = "UPDATE users SET active = COALESCE($2, active), role = COALESCE($3, role), \
            agency_code = CASE WHEN $4 THEN $5 ELSE agency_code END WHERE id = $1";
        let updated = on_tx!(&mut tx, |conn| sqlx::query(sql)
            .bind(user_id)
            .bind(change.active)
            .bind(change.role.map(Role::as_str))
            .bind(change.agency_code.is_some())
            .bind(change.agency_code.clone().flatten())
            .execute(&mut *conn)
            .await?
            .rows_affected());
        if updated == 0 {
            return Ok(None);
        }
        if change.revoke_secrets {
            revoke_user_secrets(&mut tx, user_id).await?;
        }
        append(&mut tx, audit).await?;
        let sql = format!("{SELECT_USER} WHERE u.id = $1");
        let row: UserRow = on_tx!(&mut tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(user_id)
            .fetch_one(&mut *conn)
            .await?);
        tx.commit().await?;
        Ok(Some(user_from_row(row)?))
    }

    /// The active accounts of an agency, by display name (to assign a dossier's step).
    pub async fn active_users_of_agency(
        &self,
        agency_code: &str,
    ) -> Result<Vec<UserRecord>, StoreError> {
        let sql = format!(
            "{SELECT_USER} WHERE u.agency_code = $1 AND u.active ORDER BY u.display_name, u.username"
        );
        let rows: Vec<UserRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(agency_code)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(user_from_row).collect()
    }

    pub async fn count_users(&self) -> Result<i64, StoreError> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM users")
                .fetch_one(pool)
                .await?
        }))
    }

    /// Opens a browser session; `id_hash` is the SHA-256 of the cookie value.
    pub async fn create_session(
        &self,
        id_hash: &str,
        user_id: Uuid,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        self.store_secret(Secret::Session, id_hash, user_id, (at, expires_at), audit)
            .await
    }

    /// The active user behind a live session, if any.
    pub async fn user_for_session(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<UserRecord>, StoreError> {
        self.user_for_secret(Secret::Session, id_hash, now).await
    }

    async fn store_secret(
        &self,
        kind: Secret,
        hash: &str,
        user_id: Uuid,
        (at, expires_at): (DateTime<Utc>, DateTime<Utc>),
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        on_tx!(&mut tx, |conn| {
            sqlx::query(kind.insert_sql())
                .bind(hash)
                .bind(user_id)
                .bind(at)
                .bind(expires_at)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        append(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn user_for_secret(
        &self,
        kind: Secret,
        hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<UserRecord>, StoreError> {
        // An account whose agency has stopped (or not yet started) works no more, even
        // before the transition deactivates it.
        let sql = format!(
            "{SELECT_USER} {} AND u.active AND (u.agency_code IS NULL OR EXISTS (\
             SELECT 1 FROM agencies a WHERE a.code = u.agency_code \
             AND (a.valid_from IS NULL OR a.valid_from <= $3) \
             AND (a.valid_to IS NULL OR a.valid_to >= $3)))",
            kind.lookup_join()
        );
        let today = motcua_domain::calendar::to_vn_local(&now).date();
        let row: Option<UserRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(hash)
                .bind(now)
                .bind(today)
                .fetch_optional(pool)
                .await?
        });
        row.map(user_from_row).transpose()
    }

    /// Ends a session; returns whether there was one.
    pub async fn delete_session(
        &self,
        id_hash: &str,
        audit: Option<AuditEntry>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let deleted = on_tx!(&mut tx, |conn| {
            sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                .bind(id_hash)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        if deleted > 0
            && let Some(audit) = audit
        {
            append(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(deleted > 0)
    }

    /// Removes expired sessions, tokens and login-throttle rows; returns how many rows went.
    pub async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let n = on_tx!(&mut tx, |conn| {
            let a = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            let b = sqlx::query("DELETE FROM api_tokens WHERE expires_at <= $1")
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            // Throttle rows whose window and lock have both passed count for nothing.
            let c = sqlx::query(
                "DELETE FROM login_throttle WHERE window_start < $1 \
                 AND (locked_until IS NULL OR locked_until < $2)",
            )
            .bind(now - Duration::minutes(LOGIN_LOCK_MINUTES))
            .bind(now)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            // Sign-ins that never came back, and links never proved.
            let mut d = 0;
            for table in ["oidc_logins", "pending_links"] {
                let sql = format!("DELETE FROM {table} WHERE expires_at <= $1");
                d += sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(now)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected();
            }
            a + b + c + d
        });
        tx.commit().await?;
        Ok(n)
    }

    pub async fn create_api_token(
        &self,
        token_hash: &str,
        user_id: Uuid,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        self.store_secret(
            Secret::ApiToken,
            token_hash,
            user_id,
            (at, expires_at),
            audit,
        )
        .await
    }

    pub async fn user_for_api_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<UserRecord>, StoreError> {
        self.user_for_secret(Secret::ApiToken, token_hash, now)
            .await
    }
}

impl Store {
    // ---------------------------------------------------------------- identity binding

    /// Binds a citizen account to an identity number whose store it may see (after the
    /// identity was checked, e.g. by the national identity service).
    pub async fn link_identity(
        &self,
        user_id: Uuid,
        holder_id: &str,
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let n = on_tx!(&mut tx, |conn| {
            sqlx::query(
            "INSERT INTO account_identities (user_id, holder_id, linked_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, holder_id) DO NOTHING"
        )
        .bind(user_id)
        .bind(holder_id)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        });
        if n == 1 {
            append(&mut tx, audit).await?;
        }
        tx.commit().await
    }

    /// The identity numbers bound to an account.
    pub async fn identities_of(&self, user_id: Uuid) -> Result<Vec<String>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_scalar(
            "SELECT holder_id FROM account_identities WHERE user_id = $1 ORDER BY holder_id"
        )
        .bind(user_id)
        .fetch_all(pool)
        .await?))
    }
}
