//! Throttling of failed attempts (sign-in, the public dossier lookup), one table and one
//! rule for both; the policy (how many failures in how long) is the caller's.

use crate::tx::on_tx;
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Duration, Utc};
use motcua_domain::account::ThrottlePolicy;

/// Where a key stands after a failure, or before an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleState {
    Open,
    LockedUntil(DateTime<Utc>),
}

impl Store {
    /// Whether a key (a username, a client address, a dossier code) may try now.
    pub async fn throttle_state(
        &self,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<ThrottleState, StoreError> {
        self.throttle_state_any(&[key.to_owned()], now).await
    }

    /// Whether any of `keys` is locked, in one query (the latest lock among them).
    pub async fn throttle_state_any(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
    ) -> Result<ThrottleState, StoreError> {
        if keys.is_empty() {
            return Ok(ThrottleState::Open);
        }
        let list = crate::rows::in_list(keys.len(), 1);
        let sql = format!(
            "SELECT locked_until FROM login_throttle WHERE throttle_key IN ({list}) \
             AND locked_until IS NOT NULL ORDER BY locked_until DESC LIMIT 1"
        );
        let locked: Option<DateTime<Utc>> = on_pool!(self, |pool| {
            let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()));
            for key in keys {
                query = query.bind(key.clone());
            }
            query.fetch_optional(pool).await?
        });
        Ok(match locked {
            Some(until) if until > now => ThrottleState::LockedUntil(until),
            _ => ThrottleState::Open,
        })
    }

    /// Counts a failure against each key; a key locks for the policy's window after its
    /// number of failures inside the window. One transaction, so parallel guesses all count.
    pub async fn record_failure(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
        policy: ThrottlePolicy,
    ) -> Result<ThrottleState, StoreError> {
        let window_start_min = now - Duration::minutes(policy.window_minutes);
        let lock_until = now + Duration::minutes(policy.window_minutes);
        let mut state = ThrottleState::Open;
        let mut tx = self.begin_write().await?;
        for key in keys {
            // A window that has passed starts over at one failure.
            let upsert = "INSERT INTO login_throttle (throttle_key, failures, window_start, locked_until) \
                VALUES ($1, 1, $2, NULL) \
                ON CONFLICT (throttle_key) DO UPDATE SET \
                  failures = CASE WHEN login_throttle.window_start < $3 THEN 1 ELSE login_throttle.failures + 1 END, \
                  window_start = CASE WHEN login_throttle.window_start < $3 THEN $2 ELSE login_throttle.window_start END \
                RETURNING failures";
            let failures: i64 = on_tx!(&mut tx, |conn| {
                sqlx::query_scalar(upsert)
                    .bind(key)
                    .bind(now)
                    .bind(window_start_min)
                    .fetch_one(&mut *conn)
                    .await?
            });
            if failures >= policy.max_failures {
                let lock = "UPDATE login_throttle SET locked_until = $2 WHERE throttle_key = $1";
                on_tx!(&mut tx, |conn| {
                    sqlx::query(lock)
                        .bind(key)
                        .bind(lock_until)
                        .execute(&mut *conn)
                        .await?
                        .rows_affected()
                });
                state = ThrottleState::LockedUntil(lock_until);
            }
        }
        tx.commit().await?;
        Ok(state)
    }

    /// Clears a key's count (a successful sign-in clears the username's, not the address's).
    pub async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        on_tx!(&mut tx, |conn| {
            sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1")
                .bind(key)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        tx.commit().await
    }
}
