//! What operators see of each connector, and what they may do with its dead letters.

use super::{Channel, Delivery, MESSAGE_COLUMNS, MessageRow, OutboxMessage, message_from_row};
use crate::audit::append;
use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use motcua_domain::audit::AuditEntry;
use uuid::Uuid;

/// One connector's queue at a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorStats {
    pub channel: Channel,
    /// Waiting for their first try.
    pub pending: i64,
    /// Claimed by a node whose lease still holds.
    pub in_flight: i64,
    /// Tried and failed, waiting for the next try.
    pub failed: i64,
    /// Out of tries or refused for good: waiting for an operator.
    pub dead: i64,
    /// When the oldest message not yet delivered (pending, in flight or failed) was enqueued.
    pub oldest_pending_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_failure_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

impl ConnectorStats {
    fn empty(channel: Channel) -> ConnectorStats {
        ConnectorStats {
            channel,
            pending: 0,
            in_flight: 0,
            failed: 0,
            dead: 0,
            oldest_pending_at: None,
            last_success_at: None,
            last_failure_at: None,
            last_error: None,
        }
    }

    /// Messages not delivered yet, dead letters included.
    pub fn undelivered(&self) -> i64 {
        self.pending + self.in_flight + self.failed + self.dead
    }
}

/// Keeps the connector's last success or failure beside the queue.
pub(super) async fn note_outcome(
    tx: &mut Tx,
    channel: Channel,
    delivery: &Delivery,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = match delivery {
        Delivery::Sent => {
            "INSERT INTO connector_status (connector, last_success_at) VALUES ($1, $2) \
             ON CONFLICT (connector) DO UPDATE SET last_success_at = excluded.last_success_at"
        }
        Delivery::Failed { .. } | Delivery::Refused(_) => {
            "INSERT INTO connector_status (connector, last_failure_at, last_error) \
             VALUES ($1, $2, $3) ON CONFLICT (connector) DO UPDATE \
             SET last_failure_at = excluded.last_failure_at, last_error = excluded.last_error"
        }
        Delivery::Skipped(_) => return Ok(()),
    };
    let error = match delivery {
        Delivery::Failed { error, .. } | Delivery::Refused(error) => Some(error.as_str()),
        _ => None,
    };
    on_tx!(tx, |conn| {
        let query = sqlx::query(sql).bind(channel.as_str()).bind(now);
        let query = if error.is_some() {
            query.bind(error)
        } else {
            query
        };
        query.execute(&mut *conn).await?.rows_affected()
    });
    Ok(())
}

impl Store {
    /// Every connector's queue as of `now`, in [`Channel::ALL`] order.
    pub async fn connector_stats(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<ConnectorStats>, StoreError> {
        // Only undelivered rows are read: the status index keeps this off the sent ones.
        let counts = "SELECT channel, \
            SUM(CASE WHEN status = 'pending' AND claimed_by IS NOT NULL AND claimed_until >= $1 THEN 1 ELSE 0 END), \
            SUM(CASE WHEN status = 'pending' AND NOT (claimed_by IS NOT NULL AND claimed_until >= $1) \
                AND last_error IS NOT NULL THEN 1 ELSE 0 END), \
            SUM(CASE WHEN status = 'pending' AND NOT (claimed_by IS NOT NULL AND claimed_until >= $1) \
                AND last_error IS NULL THEN 1 ELSE 0 END), \
            SUM(CASE WHEN status = 'dead' THEN 1 ELSE 0 END), \
            MIN(CASE WHEN status = 'pending' THEN created_at END) \
            FROM outbox WHERE status IN ('pending', 'dead') GROUP BY channel";
        type CountRow = (String, i64, i64, i64, i64, Option<DateTime<Utc>>);
        let rows: Vec<CountRow> = on_pool!(self, |pool| sqlx::query_as(counts)
            .bind(now)
            .fetch_all(pool)
            .await?);
        let status = "SELECT connector, last_success_at, last_failure_at, last_error \
            FROM connector_status";
        type StatusRow = (
            String,
            Option<DateTime<Utc>>,
            Option<DateTime<Utc>>,
            Option<String>,
        );
        let statuses: Vec<StatusRow> =
            on_pool!(self, |pool| sqlx::query_as(status).fetch_all(pool).await?);
        let mut all: Vec<ConnectorStats> = Channel::ALL
            .into_iter()
            .map(ConnectorStats::empty)
            .collect();
        for (channel, in_flight, failed, pending, dead, oldest) in rows {
            if let Some(s) = all.iter_mut().find(|s| s.channel.as_str() == channel) {
                (s.in_flight, s.failed, s.pending, s.dead) = (in_flight, failed, pending, dead);
                s.oldest_pending_at = oldest;
            }
        }
        for (channel, success, failure, error) in statuses {
            if let Some(s) = all.iter_mut().find(|s| s.channel.as_str() == channel) {
                (s.last_success_at, s.last_failure_at, s.last_error) = (success, failure, error);
            }
        }
        Ok(all)
    }

    /// A connector's dead letters, oldest first.
    pub async fn dead_letters(
        &self,
        channel: Channel,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM outbox WHERE status = 'dead' AND channel = $1 \
             ORDER BY created_at, id LIMIT $2"
        );
        let rows: Vec<MessageRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(channel.as_str())
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(message_from_row).collect()
    }

    /// Deletes up to `limit` messages delivered, skipped or dropped before `before` (their
    /// in-app notifications stay); returns how many went. Pending and dead ones are kept.
    pub async fn purge_delivered_messages(
        &self,
        before: DateTime<Utc>,
        limit: i64,
    ) -> Result<u64, StoreError> {
        let sql = "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox \
            WHERE status IN ('sent', 'skipped', 'dropped') \
            AND COALESCE(sent_at, last_attempt_at, created_at) < $1 LIMIT $2)";
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

    /// The messages of some ordering keys (a dossier's, on each connector), oldest first.
    pub async fn messages_by_ordering_keys(
        &self,
        keys: &[String],
        limit: i64,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let slots = crate::rows::in_list(keys.len(), 2);
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM outbox WHERE ordering_key IN ({slots}) \
             ORDER BY created_at, id LIMIT $1"
        );
        let rows: Vec<MessageRow> = on_pool!(self, |pool| {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(limit);
            for key in keys {
                query = query.bind(key);
            }
            query.fetch_all(pool).await?
        });
        rows.into_iter().map(message_from_row).collect()
    }

    /// One outbox message, by id.
    pub async fn outbox_message(&self, id: Uuid) -> Result<Option<OutboxMessage>, StoreError> {
        let sql = format!("SELECT {MESSAGE_COLUMNS} FROM outbox WHERE id = $1");
        let row: Option<MessageRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(message_from_row).transpose()
    }

    /// Puts a dead letter back in the queue with fresh tries (`retry`), or drops it for
    /// good, releasing the messages queued behind it; with its audit event. False when it
    /// is not (or no longer) a dead letter.
    pub async fn settle_dead_letter(
        &self,
        id: Uuid,
        retry: bool,
        audit: AuditEntry,
    ) -> Result<bool, StoreError> {
        let sql = if retry {
            "UPDATE outbox SET status = 'pending', attempts = 0, claimed_by = NULL, \
             claimed_until = NULL, dead_at = NULL WHERE id = $1 AND status = 'dead'"
        } else {
            "UPDATE outbox SET status = 'dropped', claimed_by = NULL, claimed_until = NULL \
             WHERE id = $1 AND status = 'dead'"
        };
        let mut tx = self.begin_write().await?;
        let changed = on_tx!(&mut tx, |conn| sqlx::query(sql)
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected());
        if changed == 0 {
            return Ok(false);
        }
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }
}
