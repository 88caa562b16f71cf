//! Idempotency keys: a submission sent again with its key answers the first dossier; with
//! another body, a refusal. Claimed and settled in the batch's transaction, purged later.

use super::Submitted;
use crate::Backend;
use crate::dossiers::row::{corrupt, record_in_tx};
use crate::rows::{SQLITE_ROWS_PER_STATEMENT, values_placeholders};
use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use motcua_domain::dossier::SubmissionRefused;
use std::collections::HashSet;

/// The key an online submission was sent with, per principal (user).
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub principal: String,
    pub key: String,
    /// A hash of the request body: the same key with another body is refused.
    pub request_hash: String,
}

/// Claims idempotency keys (their dossier still unknown); returns those this call claimed.
/// A key not claimed was seen before: see [`replay_of`].
pub(super) async fn claim_keys(
    tx: &mut Tx,
    keys: &[(&IdempotencyKey, DateTime<Utc>)],
) -> Result<HashSet<(String, String)>, StoreError> {
    let mut claimed = HashSet::new();
    if keys.is_empty() {
        return Ok(claimed);
    }
    match tx {
        Tx::Postgres(t) => {
            let sql = "INSERT INTO idempotency_keys \
                (principal, idem_key, request_hash, dossier_code, created_at) \
                SELECT p, k, h, NULL, at FROM UNNEST($1::text[], $2::text[], $3::text[], \
                $4::timestamptz[]) AS u(p, k, h, at) \
                ON CONFLICT (principal, idem_key) DO NOTHING RETURNING principal, idem_key";
            let rows: Vec<(String, String)> = sqlx::query_as(sql)
                .bind(
                    keys.iter()
                        .map(|(k, _)| k.principal.clone())
                        .collect::<Vec<_>>(),
                )
                .bind(keys.iter().map(|(k, _)| k.key.clone()).collect::<Vec<_>>())
                .bind(
                    keys.iter()
                        .map(|(k, _)| k.request_hash.clone())
                        .collect::<Vec<_>>(),
                )
                .bind(keys.iter().map(|(_, at)| *at).collect::<Vec<_>>())
                .fetch_all(&mut **t)
                .await?;
            claimed.extend(rows);
        }
        Tx::Sqlite(t) => {
            for chunk in keys.chunks(SQLITE_ROWS_PER_STATEMENT) {
                let sql = format!(
                    "INSERT INTO idempotency_keys \
                     (principal, idem_key, request_hash, created_at) VALUES {} \
                     ON CONFLICT (principal, idem_key) DO NOTHING RETURNING principal, idem_key",
                    values_placeholders(Backend::Sqlite, chunk.len(), 4)
                );
                let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for (k, at) in chunk {
                    query = query
                        .bind(&k.principal)
                        .bind(&k.key)
                        .bind(&k.request_hash)
                        .bind(*at);
                }
                let rows: Vec<(String, String)> = query.fetch_all(&mut **t).await?;
                claimed.extend(rows);
            }
        }
    }
    Ok(claimed)
}

/// Names the dossier each claimed key led to.
pub(super) async fn settle_keys(
    tx: &mut Tx,
    keys: &[(&IdempotencyKey, &str)],
) -> Result<(), StoreError> {
    match tx {
        Tx::Postgres(t) if !keys.is_empty() => {
            let sql = "UPDATE idempotency_keys AS i SET dossier_code = u.code \
                FROM UNNEST($1::text[], $2::text[], $3::text[]) AS u(p, k, code) \
                WHERE i.principal = u.p AND i.idem_key = u.k";
            sqlx::query(sql)
                .bind(
                    keys.iter()
                        .map(|(k, _)| k.principal.clone())
                        .collect::<Vec<_>>(),
                )
                .bind(keys.iter().map(|(k, _)| k.key.clone()).collect::<Vec<_>>())
                .bind(keys.iter().map(|(_, c)| c.to_string()).collect::<Vec<_>>())
                .execute(&mut **t)
                .await?;
        }
        Tx::Postgres(_) => {}
        Tx::Sqlite(t) => {
            for chunk in keys.chunks(SQLITE_ROWS_PER_STATEMENT) {
                let sql = format!(
                    "UPDATE idempotency_keys SET dossier_code = v.column3 FROM (VALUES {}) AS v \
                     WHERE principal = v.column1 AND idem_key = v.column2",
                    values_placeholders(Backend::Sqlite, chunk.len(), 3)
                );
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (k, code) in chunk {
                    query = query.bind(&k.principal).bind(&k.key).bind(*code);
                }
                query.execute(&mut **t).await?;
            }
        }
    }
    Ok(())
}

/// The answer to a key seen before: the first dossier again, or a refusal when the body
/// differs. None when the key is unknown.
pub(super) async fn replay_of(
    tx: &mut Tx,
    idem: &IdempotencyKey,
) -> Result<Option<Result<Submitted, SubmissionRefused>>, StoreError> {
    let seen = "SELECT request_hash, dossier_code FROM idempotency_keys \
        WHERE principal = $1 AND idem_key = $2";
    let row: Option<(String, Option<String>)> = on_tx!(tx, |conn| sqlx::query_as(seen)
        .bind(&idem.principal)
        .bind(&idem.key)
        .fetch_optional(&mut *conn)
        .await?);
    let Some((hash, code)) = row else {
        return Ok(None);
    };
    if hash != idem.request_hash {
        return Ok(Some(Err(SubmissionRefused::KeyReused)));
    }
    let code = code.ok_or_else(|| corrupt("idempotency key without a dossier"))?;
    let record = record_in_tx(tx, &code)
        .await?
        .ok_or_else(|| corrupt(format!("idempotency key names {code}")))?;
    Ok(Some(Ok(Submitted::Replayed(record))))
}

impl Store {
    /// Deletes up to `limit` idempotency keys made before `before`, oldest first, in one
    /// short transaction; returns how many went. A retry after that makes a new dossier.
    pub async fn purge_idempotency_keys(
        &self,
        before: DateTime<Utc>,
        limit: i64,
    ) -> Result<u64, StoreError> {
        let sql = "DELETE FROM idempotency_keys WHERE (principal, idem_key) IN \
            (SELECT principal, idem_key FROM idempotency_keys WHERE created_at < $1 \
             ORDER BY created_at LIMIT $2)";
        let mut tx = self.begin_write().await?;
        let n = on_tx!(&mut tx, |conn| sqlx::query(sql)
            .bind(before)
            .bind(limit)
            .execute(&mut *conn)
            .await?
            .rows_affected());
        tx.commit().await?;
        Ok(n)
    }
}
