//! Appending to and reading the audit chain.

use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use motcua_domain::audit::{AuditEntry, AuditEvent, ChainBreak, seal, verify_chain};

/// Appends one event inside the caller's transaction. Updating the head row first
/// takes its row lock, so concurrent appenders on PostgreSQL queue up instead of forking the chain.
pub(crate) async fn append(tx: &mut Tx, entry: AuditEntry) -> Result<AuditEvent, StoreError> {
    let bump = "UPDATE audit_head SET seq = seq WHERE id = 1";
    let head = "SELECT seq, hash FROM audit_head WHERE id = 1";
    let (seq, hash): (i64, String) = on_tx!(tx, |conn| {
        sqlx::query(bump).execute(&mut *conn).await?;
        sqlx::query_as(head).fetch_one(&mut *conn).await?
    });
    let prev = (seq > 0).then_some((seq, hash.as_str()));
    let event = seal(entry, prev);
    let insert = "INSERT INTO audit_events \
        (seq, at, actor, actor_role, agency_code, action, subject, detail, prev_hash, hash) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    let update = "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1";
    let e = &event;
    on_tx!(tx, |conn| {
        sqlx::query(insert)
            .bind(e.seq)
            .bind(e.entry.at)
            .bind(&e.entry.actor)
            .bind(&e.entry.actor_role)
            .bind(&e.entry.agency_code)
            .bind(&e.entry.action)
            .bind(&e.entry.subject)
            .bind(&e.entry.detail)
            .bind(&e.prev_hash)
            .bind(&e.hash)
            .execute(&mut *conn)
            .await?;
        sqlx::query(update)
            .bind(e.seq)
            .bind(&e.hash)
            .execute(&mut *conn)
            .await?;
    });
    Ok(event)
}

type EventRow = (
    i64,
    DateTime<Utc>,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    String,
    String,
);

fn from_row(r: EventRow) -> AuditEvent {
    AuditEvent {
        seq: r.0,
        entry: AuditEntry {
            at: r.1,
            actor: r.2,
            actor_role: r.3,
            agency_code: r.4,
            action: r.5,
            subject: r.6,
            detail: r.7,
        },
        prev_hash: r.8,
        hash: r.9,
    }
}

const SELECT_EVENTS: &str = "SELECT seq, at, actor, actor_role, agency_code, action, subject, detail, prev_hash, hash \
     FROM audit_events";

/// What `motcua audit verify` reports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditVerification {
    pub events: usize,
    pub head_seq: i64,
    pub breaks: Vec<ChainBreak>,
}

impl AuditVerification {
    pub fn is_intact(&self) -> bool {
        self.breaks.is_empty()
    }
}

impl Store {
    /// Appends a standalone event (one that changes nothing else) in its own transaction.
    pub async fn record_audit(&self, entry: AuditEntry) -> Result<AuditEvent, StoreError> {
        let mut tx = self.begin_write().await?;
        let event = append(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(event)
    }

    /// The newest events first.
    pub async fn recent_audit_events(&self, limit: i64) -> Result<Vec<AuditEvent>, StoreError> {
        let sql = format!("{SELECT_EVENTS} ORDER BY seq DESC LIMIT $1");
        let rows: Vec<EventRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(from_row).collect())
    }

    pub async fn audit_events_for(&self, subject: &str) -> Result<Vec<AuditEvent>, StoreError> {
        let sql = format!("{SELECT_EVENTS} WHERE subject = $1 ORDER BY seq");
        let rows: Vec<EventRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(subject)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(from_row).collect())
    }

    /// Re-hashes the whole chain and checks that the head matches the last event.
    pub async fn verify_audit_chain(&self) -> Result<AuditVerification, StoreError> {
        let sql = format!("{SELECT_EVENTS} ORDER BY seq");
        let rows: Vec<EventRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_all(pool)
                .await?
        });
        let head_sql = "SELECT seq, hash FROM audit_head WHERE id = 1";
        let (head_seq, head_hash): (i64, String) = on_pool!(self, |pool| sqlx::query_as(head_sql)
            .fetch_one(pool)
            .await?);
        let events: Vec<AuditEvent> = rows.into_iter().map(from_row).collect();
        let mut breaks = verify_chain(&events);
        match events.last() {
            Some(last) if last.seq != head_seq || last.hash != head_hash => {
                breaks.push(ChainBreak::Gap {
                    after: last.seq,
                    next: head_seq + 1,
                });
            }
            None if head_seq != 0 => breaks.push(ChainBreak::Gap {
                after: 0,
                next: head_seq + 1,
            }),
            _ => {}
        }
        Ok(AuditVerification {
            events: events.len(),
            head_seq,
            breaks,
        })
    }
}
