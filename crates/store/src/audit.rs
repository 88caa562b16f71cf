//! Appending to and reading the audit chain.

use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use motcua_domain::audit::{
    AuditEntry, AuditEvent, ChainBreak, Checkpoint, check_checkpoints, seal, verify_chain,
};

/// Appends one event inside the caller's transaction. Updating the head row first
/// takes its row lock, so concurrent appenders on PostgreSQL queue up instead of forking the chain.
pub(crate) async fn append(tx: &mut Tx, entry: AuditEntry) -> Result<AuditEvent, StoreError> {
    let head = lock_head(tx).await?;
    let mut events = append_after(tx, head, vec![entry]).await?;
    events
        .pop()
        .ok_or_else(|| StoreError::Config("no audit event appended".into()))
}

/// Takes the chain head's row lock and reads it, for a writer that appends several events.
pub(crate) async fn lock_head(tx: &mut Tx) -> Result<(i64, String), StoreError> {
    let sql = "UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash";
    Ok(on_tx!(tx, |conn| sqlx::query_as(sql)
        .fetch_one(&mut *conn)
        .await?))
}

/// Chains `entries` after `head` (read with [`lock_head`] in the same transaction) in
/// memory, inserts them (one statement on PostgreSQL) and moves the head once.
pub(crate) async fn append_after(
    tx: &mut Tx,
    head: (i64, String),
    entries: Vec<AuditEntry>,
) -> Result<Vec<AuditEvent>, StoreError> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let (mut seq, mut hash) = head;
    let mut events = Vec::with_capacity(entries.len());
    for entry in entries {
        let event = seal(entry, (seq > 0).then_some((seq, hash.as_str())));
        (seq, hash) = (event.seq, event.hash.clone());
        events.push(event);
    }
    match tx {
        Tx::Postgres(t) => {
            let sql = "INSERT INTO audit_events \
                (seq, at, actor, actor_role, agency_code, action, subject, detail, prev_hash, hash) \
                SELECT * FROM UNNEST($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], \
                $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])";
            let col = |f: fn(&AuditEvent) -> String| events.iter().map(f).collect::<Vec<_>>();
            sqlx::query(sql)
                .bind(events.iter().map(|e| e.seq).collect::<Vec<_>>())
                .bind(events.iter().map(|e| e.entry.at).collect::<Vec<_>>())
                .bind(col(|e| e.entry.actor.clone()))
                .bind(
                    events
                        .iter()
                        .map(|e| e.entry.actor_role.clone())
                        .collect::<Vec<_>>(),
                )
                .bind(
                    events
                        .iter()
                        .map(|e| e.entry.agency_code.clone())
                        .collect::<Vec<_>>(),
                )
                .bind(col(|e| e.entry.action.clone()))
                .bind(col(|e| e.entry.subject.clone()))
                .bind(col(|e| e.entry.detail.clone()))
                .bind(col(|e| e.prev_hash.clone()))
                .bind(col(|e| e.hash.clone()))
                .execute(&mut **t)
                .await?;
        }
        Tx::Sqlite(t) => {
            // Several events per statement: each statement is a hop to SQLite's thread.
            for chunk in events.chunks(crate::rows::SQLITE_ROWS_PER_STATEMENT) {
                let sql = format!(
                    "INSERT INTO audit_events ({EVENT_COLUMNS}) VALUES {}",
                    crate::rows::values_placeholders(crate::Backend::Sqlite, chunk.len(), 10)
                );
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                for e in chunk {
                    query = query
                        .bind(e.seq)
                        .bind(e.entry.at)
                        .bind(&e.entry.actor)
                        .bind(&e.entry.actor_role)
                        .bind(&e.entry.agency_code)
                        .bind(&e.entry.action)
                        .bind(&e.entry.subject)
                        .bind(&e.entry.detail)
                        .bind(&e.prev_hash)
                        .bind(&e.hash);
                }
                query.execute(&mut **t).await?;
            }
        }
    }
    on_tx!(tx, |conn| sqlx::query(UPDATE_HEAD)
        .bind(seq)
        .bind(&hash)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(events)
}

const EVENT_COLUMNS: &str =
    "seq, at, actor, actor_role, agency_code, action, subject, detail, prev_hash, hash";
const UPDATE_HEAD: &str = "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1";

pub(crate) type EventRow = (
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

pub(crate) fn from_row(r: EventRow) -> AuditEvent {
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

pub(crate) const SELECT_EVENTS: &str = "SELECT seq, at, actor, actor_role, agency_code, action, subject, detail, prev_hash, hash \
     FROM audit_events";

/// What `motcua audit verify` reports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditVerification {
    pub events: usize,
    pub head_seq: i64,
    /// The head's hash, for an operator to record somewhere the database cannot reach.
    pub head_hash: String,
    /// How many signed checkpoints the chain was checked against.
    pub checkpoints: usize,
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

    /// The chain's head: the last event's place and hash (0 and the genesis hash when empty).
    pub async fn audit_head(&self) -> Result<(i64, String), StoreError> {
        let sql = "SELECT seq, hash FROM audit_head WHERE id = 1";
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .fetch_one(pool)
            .await?))
    }

    /// Re-hashes the whole chain and checks that the head matches the last event.
    pub async fn verify_audit_chain(&self) -> Result<AuditVerification, StoreError> {
        self.verify_audit_chain_against(&[]).await
    }

    /// Like [`Store::verify_audit_chain`], and checks that every checkpoint (signatures
    /// already checked) is still in the chain with its hash.
    pub async fn verify_audit_chain_against(
        &self,
        checkpoints: &[Checkpoint],
    ) -> Result<AuditVerification, StoreError> {
        let sql = format!("{SELECT_EVENTS} ORDER BY seq");
        let rows: Vec<EventRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_all(pool)
                .await?
        });
        let (head_seq, head_hash) = self.audit_head().await?;
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
        let last_seq = events.last().map_or(0, |e| e.seq);
        breaks.extend(check_checkpoints(checkpoints, last_seq, |seq| {
            // Places run 1, 2, 3…; where rows are missing the search finds the right one.
            let guess = usize::try_from(seq - 1).ok()?;
            events
                .get(guess)
                .filter(|e| e.seq == seq)
                .or_else(|| events.iter().find(|e| e.seq == seq))
                .map(|e| e.hash.as_str())
        }));
        Ok(AuditVerification {
            events: events.len(),
            head_seq,
            head_hash,
            checkpoints: checkpoints.len(),
            breaks,
        })
    }
}
