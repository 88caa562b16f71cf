//! The audit trail: an append-only chain of events, each carrying the hash of the one before.
//!
//! Rewriting, deleting or inserting a row breaks the chain at that point, which
//! `verify_chain` reports.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The hash that the first event of the chain points back to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, before it is sealed into the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    /// Username, or `system` for the CLI and background work.
    pub actor: String,
    pub actor_role: Option<String>,
    pub agency_code: Option<String>,
    /// A stable action name, e.g. `user.created`, `session.login`.
    pub action: String,
    /// What the action was done to, e.g. `user:le.van.a`.
    pub subject: String,
    /// Free-form details as JSON text.
    pub detail: String,
}

impl AuditEntry {
    /// An event done by the system itself (the CLI, seeding, background work).
    pub fn system(
        at: DateTime<Utc>,
        action: &str,
        subject: impl Into<String>,
        detail: serde_json::Value,
    ) -> AuditEntry {
        AuditEntry {
            at,
            actor: "system".into(),
            actor_role: None,
            agency_code: None,
            action: action.into(),
            subject: subject.into(),
            detail: detail.to_string(),
        }
    }
}

/// An event as stored: its place in the chain and the hashes that seal it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    pub seq: i64,
    #[serde(flatten)]
    pub entry: AuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

/// The timestamp as hashed: RFC 3339 with microseconds, the precision both databases keep.
fn canonical_time(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Hash of an event given its predecessor's hash. Fields are length-prefixed so
/// that no two different events can produce the same input.
pub fn chain_hash(seq: i64, entry: &AuditEntry, prev_hash: &str) -> String {
    let mut hasher = Sha256::new();
    let fields = [
        seq.to_string(),
        canonical_time(&entry.at),
        entry.actor.clone(),
        entry.actor_role.clone().unwrap_or_default(),
        entry.agency_code.clone().unwrap_or_default(),
        entry.action.clone(),
        entry.subject.clone(),
        entry.detail.clone(),
        prev_hash.to_owned(),
    ];
    for field in &fields {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Seals an entry as the event after `prev` (or the first event).
pub fn seal(entry: AuditEntry, prev: Option<(i64, &str)>) -> AuditEvent {
    let (seq, prev_hash) = match prev {
        Some((seq, hash)) => (seq + 1, hash.to_owned()),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let hash = chain_hash(seq, &entry, &prev_hash);
    AuditEvent {
        seq,
        entry,
        prev_hash,
        hash,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum ChainBreak {
    /// The row's content no longer matches its own hash: it was changed.
    Altered { seq: i64 },
    /// The row does not point at its predecessor: a row was deleted or inserted before it.
    Unlinked { seq: i64 },
    /// Sequence numbers jump: rows are missing.
    Gap { after: i64, next: i64 },
}

/// Walks events in sequence order and reports every break.
pub fn verify_chain<'a>(events: impl IntoIterator<Item = &'a AuditEvent>) -> Vec<ChainBreak> {
    let mut breaks = Vec::new();
    let mut prev: Option<&AuditEvent> = None;
    for event in events {
        if chain_hash(event.seq, &event.entry, &event.prev_hash) != event.hash {
            breaks.push(ChainBreak::Altered { seq: event.seq });
        }
        let expected_prev = prev.map_or(GENESIS_HASH, |p| p.hash.as_str());
        let expected_seq = prev.map_or(1, |p| p.seq + 1);
        if event.seq != expected_seq {
            breaks.push(ChainBreak::Gap {
                after: expected_seq - 1,
                next: event.seq,
            });
        } else if event.prev_hash != expected_prev {
            breaks.push(ChainBreak::Unlinked { seq: event.seq });
        }
        prev = Some(event);
    }
    breaks
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn entry(action: &str) -> AuditEntry {
        AuditEntry {
            at: Utc.with_ymd_and_hms(2025, 7, 1, 1, 2, 3).unwrap(),
            actor: "system".into(),
            actor_role: None,
            agency_code: None,
            action: action.into(),
            subject: "user:a".into(),
            detail: "{}".into(),
        }
    }

    fn chain(n: usize) -> Vec<AuditEvent> {
        let mut events: Vec<AuditEvent> = Vec::new();
        for i in 0..n {
            let prev = events.last().map(|e| (e.seq, e.hash.as_str()));
            let sealed = seal(entry(&format!("a{i}")), prev);
            events.push(sealed);
        }
        events
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert!(verify_chain(&chain(5)).is_empty());
    }

    #[test]
    fn an_altered_row_is_reported() {
        let mut events = chain(5);
        events[2].entry.subject = "user:b".into();
        assert_eq!(verify_chain(&events), vec![ChainBreak::Altered { seq: 3 }]);
    }

    #[test]
    fn a_deleted_row_is_reported() {
        let mut events = chain(5);
        events.remove(1);
        assert_eq!(
            verify_chain(&events),
            vec![ChainBreak::Gap { after: 1, next: 3 }]
        );
    }

    #[test]
    fn an_inserted_and_renumbered_row_is_reported() {
        let mut events = chain(4);
        let forged = seal(entry("forged"), Some((events[1].seq, &events[1].hash)));
        events.insert(2, forged);
        for (i, e) in events.iter_mut().enumerate().skip(3) {
            e.seq = i as i64 + 1;
        }
        let breaks = verify_chain(&events);
        assert!(
            breaks.contains(&ChainBreak::Unlinked { seq: 4 }),
            "{breaks:?}"
        );
    }
}
