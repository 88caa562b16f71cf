//! The outbox: every outbound message (in the app, by e-mail or SMS, to the national
//! portal), enqueued in the transaction of the change that causes it, claimed safely by
//! one node at a time, and the in-app notifications it delivers into.
//!
//! Messages that share an `ordering_key` (one dossier's on one connector) are claimed one
//! at a time, oldest first: a later one waits while an earlier one is pending, in flight or
//! dead. A message that fails is tried again at the time its sender sets, and becomes a
//! dead letter when the sender's tries run out or the receiver refuses it for good.
//!
//! A claim sets `claimed_by` and a `claimed_until` lease in one statement. On PostgreSQL
//! the rows are picked with `FOR UPDATE SKIP LOCKED`, so concurrent claimers skip each
//! other's rows; on SQLite the single writer and `BEGIN IMMEDIATE` make the one
//! `UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING` atomic. A node that dies holding
//! a claim loses it when the lease ends, and the message is claimed again.

use crate::audit::append;
use crate::tx::on_tx;
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Duration, Utc};
use motcua_domain::account::Role;
use motcua_domain::audit::AuditEntry;
use uuid::Uuid;

mod connectors;
mod national;

pub use connectors::ConnectorStats;

/// After this many failed attempts a message becomes a dead letter, unless its sender
/// says otherwise.
pub const OUTBOX_MAX_ATTEMPTS: i64 = 5;

/// Where a message goes: the connector that delivers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    InApp,
    Email,
    Sms,
    Zalo,
    NationalPortal,
}

impl Channel {
    pub const ALL: [Channel; 5] = [
        Channel::InApp,
        Channel::Email,
        Channel::Sms,
        Channel::Zalo,
        Channel::NationalPortal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::InApp => "in_app",
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Zalo => "zalo",
            Channel::NationalPortal => "national_portal",
        }
    }

    pub fn parse(raw: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == raw)
    }

    fn from_column(raw: &str) -> Result<Channel, StoreError> {
        Channel::parse(raw)
            .ok_or_else(|| StoreError::Config(format!("unknown outbox channel {raw}")))
    }
}

/// A message to enqueue. `dedup_key` makes enqueueing idempotent: a second message
/// with the same key is ignored.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub kind: String,
    pub channel: Channel,
    pub dedup_key: String,
    pub recipient_user_id: Option<Uuid>,
    pub recipient_email: Option<String>,
    pub subject: String,
    pub body: String,
    pub link: Option<String>,
    /// Messages with the same key are delivered one at a time, in the order enqueued.
    pub ordering_key: Option<String>,
    /// What a machine connector sends (JSON text).
    pub payload: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: Uuid,
    pub kind: String,
    pub channel: Channel,
    pub dedup_key: String,
    pub recipient_user_id: Option<Uuid>,
    pub recipient_email: Option<String>,
    pub subject: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: DateTime<Utc>,
    pub status: String,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub ordering_key: Option<String>,
    pub payload: Option<String>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub dead_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: Uuid,
    kind: String,
    channel: String,
    dedup_key: String,
    recipient_user_id: Option<Uuid>,
    recipient_email: Option<String>,
    subject: String,
    body: String,
    link: Option<String>,
    created_at: DateTime<Utc>,
    status: String,
    claimed_by: Option<String>,
    claimed_until: Option<DateTime<Utc>>,
    sent_at: Option<DateTime<Utc>>,
    attempts: i64,
    last_error: Option<String>,
    ordering_key: Option<String>,
    payload: Option<String>,
    last_attempt_at: Option<DateTime<Utc>>,
    dead_at: Option<DateTime<Utc>>,
}

const MESSAGE_COLUMNS: &str = "id, kind, channel, dedup_key, recipient_user_id, recipient_email, \
    subject, body, link, created_at, status, claimed_by, claimed_until, sent_at, attempts, \
    last_error, ordering_key, payload, last_attempt_at, dead_at";

fn message_from_row(r: MessageRow) -> Result<OutboxMessage, StoreError> {
    Ok(OutboxMessage {
        id: r.id,
        kind: r.kind,
        channel: Channel::from_column(&r.channel)?,
        dedup_key: r.dedup_key,
        recipient_user_id: r.recipient_user_id,
        recipient_email: r.recipient_email,
        subject: r.subject,
        body: r.body,
        link: r.link,
        created_at: r.created_at,
        status: r.status,
        claimed_by: r.claimed_by,
        claimed_until: r.claimed_until,
        sent_at: r.sent_at,
        attempts: r.attempts,
        last_error: r.last_error,
        ordering_key: r.ordering_key,
        payload: r.payload,
        last_attempt_at: r.last_attempt_at,
        dead_at: r.dead_at,
    })
}

/// How a claimed message ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// The channel is not configured (e-mail without SMTP): not an error, not retried.
    Skipped(String),
    /// Delivery failed; retried after `retry_at` until the attempts run out.
    Failed {
        error: String,
        retry_at: DateTime<Utc>,
    },
    /// The receiver refused the message for good: a dead letter at once.
    Refused(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRecord {
    pub id: Uuid,
    pub subject: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// A user a reminder can go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
}

impl Store {
    /// Enqueues messages, ignoring those whose `dedup_key` is already there, and
    /// returns how many were new. The audit event is appended only when something was.
    pub async fn enqueue_messages(
        &self,
        messages: &[NewMessage],
        at: DateTime<Utc>,
        audit: AuditEntry,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let inserted = insert_messages(&mut tx, messages, at).await?;
        if inserted > 0 {
            let mut audit = audit;
            let mut detail: serde_json::Value =
                serde_json::from_str(&audit.detail).unwrap_or_else(|_| serde_json::json!({}));
            detail["enqueued"] = serde_json::json!(inserted);
            audit.detail = detail.to_string();
            append(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(inserted)
    }

    /// Claims up to `limit` pending messages of `channels` whose previous claim (if any)
    /// has run out, for `lease`, oldest first. Two claimers never get the same message while
    /// a lease holds, and a message waits while an earlier one of its ordering key is
    /// pending, in flight or dead.
    pub async fn claim_messages(
        &self,
        claimer: &str,
        channels: &[Channel],
        now: DateTime<Utc>,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        if channels.is_empty() {
            return Ok(Vec::new());
        }
        // The names come from the enum, never from input.
        let wanted = channels
            .iter()
            .map(|c| format!("'{}'", c.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let pick = format!(
            "SELECT o.id FROM outbox o WHERE o.status = 'pending' AND o.channel IN ({wanted}) \
             AND (o.claimed_until IS NULL OR o.claimed_until < $3) \
             AND (o.ordering_key IS NULL OR NOT EXISTS (SELECT 1 FROM outbox e \
                  WHERE e.ordering_key = o.ordering_key AND e.status IN ('pending', 'dead') \
                  AND (e.created_at < o.created_at OR (e.created_at = o.created_at AND e.id < o.id)))) \
             ORDER BY o.created_at, o.id LIMIT $4"
        );
        let lock = match self.backend() {
            crate::Backend::Postgres => " FOR UPDATE OF o SKIP LOCKED",
            crate::Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE outbox SET claimed_by = $1, claimed_until = $2, attempts = attempts + 1, \
             last_attempt_at = $3 WHERE id IN ({pick}{lock}) RETURNING {MESSAGE_COLUMNS}"
        );
        let mut tx = self.begin_write().await?;
        let rows: Vec<MessageRow> = on_tx!(&mut tx, |conn| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(claimer)
                .bind(now + lease)
                .bind(now)
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?
        });
        tx.commit().await?;
        let mut messages: Vec<OutboxMessage> = rows
            .into_iter()
            .map(message_from_row)
            .collect::<Result<_, _>>()?;
        messages.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(messages)
    }

    /// Records how a claimed message ended. Only its current claimer may: returns false
    /// (and changes nothing) when the claim was lost to another node meanwhile.
    /// An in-app message that was sent lands in the recipient's notifications in the
    /// same transaction.
    pub async fn finish_message(
        &self,
        id: Uuid,
        claimer: &str,
        now: DateTime<Utc>,
        delivery: &Delivery,
        max_attempts: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        // Touch the row first: on PostgreSQL this takes its lock and re-checks the claim
        // after any concurrent claimer commits, so a lost claim is seen as lost.
        let touch = "UPDATE outbox SET claimed_by = claimed_by WHERE id = $1 AND claimed_by = $2 \
            AND status = 'pending'";
        let held = on_tx!(&mut tx, |conn| sqlx::query(touch)
            .bind(id)
            .bind(claimer)
            .execute(&mut *conn)
            .await?
            .rows_affected());
        if held == 0 {
            return Ok(false);
        }
        let sql = format!("SELECT {MESSAGE_COLUMNS} FROM outbox WHERE id = $1");
        let row: Option<MessageRow> = on_tx!(&mut tx, |conn| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        });
        let Some(message) = row.map(message_from_row).transpose()? else {
            return Ok(false);
        };
        let (status, sent_at, claimed_until, error) = match delivery {
            Delivery::Sent => ("sent", Some(now), None, None),
            Delivery::Skipped(why) => ("skipped", None, None, Some(why.clone())),
            Delivery::Failed { error, retry_at } => {
                let status = if message.attempts >= max_attempts {
                    "dead"
                } else {
                    "pending"
                };
                (status, None, Some(*retry_at), Some(error.clone()))
            }
            Delivery::Refused(why) => ("dead", None, None, Some(why.clone())),
        };
        let dead_at = (status == "dead").then_some(now);
        // A message waiting to be tried again is no one's: claimed_by is cleared.
        let update = "UPDATE outbox SET status = $2, sent_at = $3, claimed_until = $4, \
            last_error = COALESCE($5, last_error), dead_at = $6, claimed_by = NULL WHERE id = $1";
        on_tx!(&mut tx, |conn| sqlx::query(update)
            .bind(id)
            .bind(status)
            .bind(sent_at)
            .bind(claimed_until)
            .bind(&error)
            .bind(dead_at)
            .execute(&mut *conn)
            .await?
            .rows_affected());
        connectors::note_outcome(&mut tx, message.channel, delivery, now).await?;
        if *delivery == Delivery::Sent
            && message.channel == Channel::NationalPortal
            && let Some(payload) = &message.payload
        {
            crate::national::note_synced_in_tx(&mut tx, payload, now).await?;
        }
        if *delivery == Delivery::Sent
            && message.channel == Channel::InApp
            && let Some(user) = message.recipient_user_id
        {
            let insert = "INSERT INTO notifications (id, user_id, outbox_id, subject, body, link, created_at) \
                VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (outbox_id) DO NOTHING";
            on_tx!(&mut tx, |conn| sqlx::query(insert)
                .bind(Uuid::now_v7())
                .bind(user)
                .bind(id)
                .bind(&message.subject)
                .bind(&message.body)
                .bind(&message.link)
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected());
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Outbox messages, newest first (for operators and tests).
    pub async fn outbox_messages(&self, limit: i64) -> Result<Vec<OutboxMessage>, StoreError> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM outbox ORDER BY created_at DESC, id DESC LIMIT $1"
        );
        let rows: Vec<MessageRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(message_from_row).collect()
    }

    /// A user's notifications, newest first.
    pub async fn notifications(
        &self,
        user: Uuid,
        limit: i64,
    ) -> Result<Vec<NotificationRecord>, StoreError> {
        let sql = "SELECT id, subject, body, link, created_at, read_at FROM notifications \
            WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2";
        type Row = (
            Uuid,
            String,
            String,
            Option<String>,
            DateTime<Utc>,
            Option<DateTime<Utc>>,
        );
        let rows: Vec<Row> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(user)
            .bind(limit)
            .fetch_all(pool)
            .await?);
        Ok(rows
            .into_iter()
            .map(|r| NotificationRecord {
                id: r.0,
                subject: r.1,
                body: r.2,
                link: r.3,
                created_at: r.4,
                read_at: r.5,
            })
            .collect())
    }

    pub async fn unread_notifications(&self, user: Uuid) -> Result<i64, StoreError> {
        let sql = "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL";
        Ok(on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(user)
            .fetch_one(pool)
            .await?))
    }

    /// Marks all of a user's notifications read; returns how many were unread.
    pub async fn mark_notifications_read(
        &self,
        user: Uuid,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let sql = "UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL";
        let n = on_tx!(&mut tx, |conn| sqlx::query(sql)
            .bind(user)
            .bind(now)
            .execute(&mut *conn)
            .await?
            .rows_affected());
        tx.commit().await?;
        Ok(n)
    }

    /// Active staff of an agency (everyone but citizens), by username.
    pub async fn agency_staff(&self, agency: &str) -> Result<Vec<Recipient>, StoreError> {
        let sql = "SELECT id, username, display_name FROM users \
            WHERE agency_code = $1 AND active AND role <> 'citizen' ORDER BY username";
        let rows: Vec<(Uuid, String, String)> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(agency)
            .fetch_all(pool)
            .await?);
        Ok(rows.into_iter().map(recipient).collect())
    }

    /// Active users with a role, by username.
    pub async fn users_with_role(&self, role: Role) -> Result<Vec<Recipient>, StoreError> {
        let sql = "SELECT id, username, display_name FROM users \
            WHERE role = $1 AND active ORDER BY username";
        let rows: Vec<(Uuid, String, String)> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(role.as_str())
            .fetch_all(pool)
            .await?);
        Ok(rows.into_iter().map(recipient).collect())
    }
}

/// Enqueues messages inside a change's own transaction, so they go out exactly when it
/// commits; those whose `dedup_key` is already there are skipped. Returns how many were new.
pub(crate) async fn insert_messages(
    tx: &mut crate::tx::Tx,
    messages: &[NewMessage],
    at: DateTime<Utc>,
) -> Result<u64, StoreError> {
    // One statement per 64 messages: a dossier action's messages (the portal's and the
    // applicant's) cost one round trip, not one each. 12 parameters a row keeps a statement
    // under SQLite's 999.
    let mut inserted = 0;
    for chunk in messages.chunks(64) {
        let rows = (0..chunk.len())
            .map(|i| {
                let p: Vec<String> = (1..=12).map(|k| format!("${}", i * 12 + k)).collect();
                format!(
                    "({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, 'pending', 0, {}, {})",
                    p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11]
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO outbox (id, kind, channel, dedup_key, recipient_user_id, \
             recipient_email, subject, body, link, created_at, status, attempts, ordering_key, \
             payload) VALUES {rows} ON CONFLICT (dedup_key) DO NOTHING"
        );
        inserted += on_tx!(tx, |conn| {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for m in chunk {
                query = query
                    .bind(Uuid::now_v7())
                    .bind(&m.kind)
                    .bind(m.channel.as_str())
                    .bind(&m.dedup_key)
                    .bind(m.recipient_user_id)
                    .bind(&m.recipient_email)
                    .bind(&m.subject)
                    .bind(&m.body)
                    .bind(&m.link)
                    .bind(at)
                    .bind(&m.ordering_key)
                    .bind(&m.payload);
            }
            query.execute(&mut *conn).await?.rows_affected()
        });
    }
    Ok(inserted)
}

fn recipient(r: (Uuid, String, String)) -> Recipient {
    Recipient {
        id: r.0,
        username: r.1,
        display_name: r.2,
    }
}
