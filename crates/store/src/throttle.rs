//! Throttling of failed attempts (sign-in, the public dossier lookup), one table and one
//! rule for both; the policy (how many failures in how long) is the caller's.

use crate::tx::on_tx;
use crate::{Pools, Store, StoreError, on_pool};
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
    ///
    /// The commit does not wait for the disk: a count survives a crash of the process, and a
    /// power cut forgets at most the guesses since the last durable commit, which is worth
    /// far less than the fsync every wrong guess would otherwise wait for (issue 19).
    pub async fn record_failure(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
        policy: ThrottlePolicy,
    ) -> Result<ThrottleState, StoreError> {
        let lock_until = now + Duration::minutes(policy.window_minutes);
        let counted = Counted {
            keys: keys.to_vec(),
            now,
            window_start_min: now - Duration::minutes(policy.window_minutes),
            lock_until,
            max_failures: policy.max_failures,
        };
        let failures = match &*self.pools {
            Pools::Sqlite { writer, .. } => {
                // Run to the end even if the caller goes away, so the writer connection is
                // never handed back with the relaxed setting.
                let writer = writer.clone();
                tokio::spawn(async move { count_on_sqlite(&writer, &counted).await })
                    .await
                    .map_err(|e| StoreError::Config(format!("failure count stopped: {e}")))??
            }
            Pools::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SET LOCAL synchronous_commit TO OFF")
                    .execute(&mut *tx)
                    .await?;
                let failures = count_each!(counted, tx);
                tx.commit().await?;
                failures
            }
        };
        Ok(if failures.iter().any(|&f| f >= policy.max_failures) {
            ThrottleState::LockedUntil(lock_until)
        } else {
            ThrottleState::Open
        })
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

/// Counts a failure for each of `$counted`'s keys in the transaction `$tx` (either backend).
macro_rules! count_each {
    ($counted:expr, $tx:expr) => {{
        let mut failures: Vec<i64> = Vec::with_capacity($counted.keys.len());
        for key in &$counted.keys {
            failures.push(
                $counted
                    .bind(key, sqlx::query_scalar(UPSERT))
                    .fetch_one(&mut *$tx)
                    .await?,
            );
        }
        failures
    }};
}
use count_each;

/// One failure per key: a window that has passed starts over at one, and the count that
/// reaches the policy's number sets the lock. Returns the key's failures.
const UPSERT: &str = "INSERT INTO login_throttle (throttle_key, failures, window_start, locked_until) \
    VALUES ($1, 1, $2, CASE WHEN 1 >= $5 THEN $4 END) \
    ON CONFLICT (throttle_key) DO UPDATE SET \
      failures = CASE WHEN login_throttle.window_start < $3 THEN 1 ELSE login_throttle.failures + 1 END, \
      window_start = CASE WHEN login_throttle.window_start < $3 THEN $2 ELSE login_throttle.window_start END, \
      locked_until = CASE WHEN (CASE WHEN login_throttle.window_start < $3 THEN 1 ELSE login_throttle.failures + 1 END) >= $5 \
        THEN $4 ELSE login_throttle.locked_until END \
    RETURNING failures";

struct Counted {
    keys: Vec<String>,
    now: DateTime<Utc>,
    window_start_min: DateTime<Utc>,
    lock_until: DateTime<Utc>,
    max_failures: i64,
}

impl Counted {
    fn bind<'q, DB, O>(
        &self,
        key: &str,
        query: sqlx::query::QueryScalar<'q, DB, O, <DB as sqlx::Database>::Arguments>,
    ) -> sqlx::query::QueryScalar<'q, DB, O, <DB as sqlx::Database>::Arguments>
    where
        DB: sqlx::Database,
        String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        query
            .bind(key.to_owned())
            .bind(self.now)
            .bind(self.window_start_min)
            .bind(self.lock_until)
            .bind(self.max_failures)
    }
}

/// SQLite's commit waits for the disk when `synchronous` is FULL, the store's setting; it is
/// NORMAL for this one transaction (in WAL the frames still reach the file, and the next
/// durable commit syncs them). The setting cannot change inside a transaction, so it is set
/// around it, and a connection that cannot be set back is closed rather than reused.
async fn count_on_sqlite(
    writer: &sqlx::SqlitePool,
    counted: &Counted,
) -> Result<Vec<i64>, StoreError> {
    let mut conn = writer.acquire().await?;
    if let Err(e) = sqlx::query("PRAGMA synchronous = NORMAL")
        .execute(&mut *conn)
        .await
    {
        conn.close_on_drop();
        return Err(e.into());
    }
    let counts = async {
        let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
        let failures = count_each!(counted, tx);
        tx.commit().await?;
        Ok::<_, StoreError>(failures)
    }
    .await;
    if sqlx::query("PRAGMA synchronous = FULL")
        .execute(&mut *conn)
        .await
        .is_err()
    {
        conn.close_on_drop();
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_domain::account::LOGIN_THROTTLE;

    async fn writer_synchronous(store: &Store) -> i64 {
        let Pools::Sqlite { writer, .. } = &*store.pools else {
            unreachable!("a SQLite store")
        };
        sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(writer)
            .await
            .unwrap()
    }

    /// The relaxed commit of a failure count must never leak into the next write (a
    /// submission), even when the caller gives up half-way.
    #[tokio::test]
    async fn a_failure_count_leaves_the_writer_syncing_every_commit() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(&dir.path().join("t.sqlite3"))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        assert_eq!(writer_synchronous(&store).await, 2, "FULL to begin with");
        let keys = vec!["ip:192.0.2.1".to_owned()];
        let now = Utc::now();
        store
            .record_failure(&keys, now, LOGIN_THROTTLE)
            .await
            .unwrap();
        assert_eq!(writer_synchronous(&store).await, 2);

        // The caller goes away after the first poll; the count still lands, and the writer
        // (one connection, so this waits for it) is FULL again.
        tokio::select! {
            biased;
            _ = store.record_failure(&keys, now, LOGIN_THROTTLE) => panic!("not cut off"),
            _ = std::future::ready(()) => {}
        }
        assert_eq!(writer_synchronous(&store).await, 2);
        for _ in 2..LOGIN_THROTTLE.max_failures - 1 {
            store
                .record_failure(&keys, now, LOGIN_THROTTLE)
                .await
                .unwrap();
        }
        assert_eq!(
            store
                .record_failure(&keys, now, LOGIN_THROTTLE)
                .await
                .unwrap(),
            ThrottleState::LockedUntil(now + Duration::minutes(LOGIN_THROTTLE.window_minutes)),
            "the cut-off failure was counted"
        );
    }
}
