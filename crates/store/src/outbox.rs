//! The outbox: messages waiting to be delivered, claimed safely by one node at a time,
//! and the in-app notifications it delivers into.
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

/// After this many failed attempts a message is marked failed and left alone.
pub const OUTBOX_MAX_ATTEMPTS: i64 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    InApp,
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::InApp => "in_app",
            Channel::Email => "email",
        }
    }

    fn parse(raw: &str) -> Result<Channel, StoreError> {
        match raw {
            "in_app" => Ok(Channel::InApp),
            "email" => Ok(Channel::Email),
            other => Err(StoreError::Config(format!(
                "unknown outbox channel {other}"
            ))),
        }
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
}

type MessageRow = (
    Uuid,
    String,
    String,
    String,
    Option<Uuid>,
    Option<String>,
    String,
    String,
    Option<String>,
    DateTime<Utc>,
    String,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    i64,
    Option<String>,
);

const MESSAGE_COLUMNS: &str = "id, kind, channel, dedup_key, recipient_user_id, recipient_email, \
    subject, body, link, created_at, status, claimed_by, claimed_until, sent_at, attempts, last_error";

fn message_from_row(r: MessageRow) -> Result<OutboxMessage, StoreError> {
    Ok(OutboxMessage {
        id: r.0,
        kind: r.1,
        channel: Channel::parse(&r.2)?,
        dedup_key: r.3,
        recipient_user_id: r.4,
        recipient_email: r.5,
        subject: r.6,
        body: r.7,
        link: r.8,
        created_at: r.9,
        status: r.10,
        claimed_by: r.11,
        claimed_until: r.12,
        sent_at: r.13,
        attempts: r.14,
        last_error: r.15,
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

    /// Claims up to `limit` pending messages whose previous claim (if any) has run out,
    /// for `lease`. Two claimers never get the same message while a lease holds.
    pub async fn claim_messages(
        &self,
        claimer: &str,
        now: DateTime<Utc>,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let pick = "SELECT id FROM outbox WHERE status = 'pending' \
            AND (claimed_until IS NULL OR claimed_until < $3) ORDER BY created_at, id LIMIT $4";
        let lock = match self.backend() {
            crate::Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            crate::Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE outbox SET claimed_by = $1, claimed_until = $2, attempts = attempts + 1 \
             WHERE id IN ({pick}{lock}) RETURNING {MESSAGE_COLUMNS}"
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
                let status = if message.attempts >= OUTBOX_MAX_ATTEMPTS {
                    "failed"
                } else {
                    "pending"
                };
                (status, None, Some(*retry_at), Some(error.clone()))
            }
        };
        let update = "UPDATE outbox SET status = $2, sent_at = $3, claimed_until = $4, \
            last_error = COALESCE($5, last_error) WHERE id = $1";
        on_tx!(&mut tx, |conn| sqlx::query(update)
            .bind(id)
            .bind(status)
            .bind(sent_at)
            .bind(claimed_until)
            .bind(&error)
            .execute(&mut *conn)
            .await?
            .rows_affected());
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
    let sql = "INSERT INTO outbox (id, kind, channel, dedup_key, recipient_user_id, \
        recipient_email, subject, body, link, created_at, status, attempts) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', 0) \
        ON CONFLICT (dedup_key) DO NOTHING";
    let mut inserted = 0;
    for m in messages {
        inserted += on_tx!(tx, |conn| sqlx::query(sql)
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
            .execute(&mut *conn)
            .await?
            .rows_affected());
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
