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
    /// A checkpoint names an event the chain no longer reaches: the tail was cut off and the
    /// head moved back.
    RolledBack { checkpoint_seq: i64, head_seq: i64 },
    /// The chain's event at a checkpoint's place has another hash than the checkpoint
    /// recorded: events up to it were rewritten and the chain re-sealed.
    Resealed { seq: i64 },
    /// A checkpoint whose signature does not hold (line `line` of the file `file`).
    ForgedCheckpoint { file: String, line: usize },
}

/// The chain's head as the server recorded it outside the database, at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub at: DateTime<Utc>,
    /// The province (statistics code) whose chain it is.
    pub province: String,
    /// Ed25519 over [`Checkpoint::signed_bytes`], standard base64.
    pub signature: String,
}

impl Checkpoint {
    /// What the signature covers: a fixed label, the province, the place, the hash, the time.
    pub fn signed_bytes(&self) -> Vec<u8> {
        format!(
            "motcua audit checkpoint v1\0{}\0{}\0{}\0{}",
            self.province,
            self.seq,
            self.hash,
            canonical_time(&self.at)
        )
        .into_bytes()
    }
}

/// Checks the chain against checkpoints whose signatures hold: every checkpointed event must
/// still be there with the hash it had. `hash_at` gives the chain's hash at a place, and
/// `head_seq` is the last event's place.
pub fn check_checkpoints<'c, 'h>(
    checkpoints: impl IntoIterator<Item = &'c Checkpoint>,
    head_seq: i64,
    hash_at: impl Fn(i64) -> Option<&'h str>,
) -> Vec<ChainBreak> {
    let mut breaks = Vec::new();
    let mut rolled_back = None;
    for checkpoint in checkpoints {
        if checkpoint.seq > head_seq {
            // Reported once, for the furthest checkpoint the chain falls short of.
            rolled_back = rolled_back.max(Some(checkpoint.seq));
        } else if hash_at(checkpoint.seq) != Some(checkpoint.hash.as_str()) {
            breaks.push(ChainBreak::Resealed {
                seq: checkpoint.seq,
            });
        }
    }
    if let Some(checkpoint_seq) = rolled_back {
        breaks.push(ChainBreak::RolledBack {
            checkpoint_seq,
            head_seq,
        });
    }
    breaks.sort_by_key(|b| match b {
        ChainBreak::Resealed { seq } => *seq,
        _ => i64::MAX,
    });
    breaks.dedup();
    breaks
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

    fn checkpoint_of(event: &AuditEvent) -> Checkpoint {
        Checkpoint {
            seq: event.seq,
            hash: event.hash.clone(),
            at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            province: "20".into(),
            signature: String::new(),
        }
    }

    #[test]
    fn checkpoints_catch_a_cut_tail_and_a_resealed_chain() {
        let events = chain(6);
        let checkpoints = [checkpoint_of(&events[2]), checkpoint_of(&events[4])];
        fn hash_in<'e>(events: &'e [AuditEvent]) -> impl Fn(i64) -> Option<&'e str> {
            move |seq| {
                events
                    .iter()
                    .find(|e| e.seq == seq)
                    .map(|e| e.hash.as_str())
            }
        }
        assert!(check_checkpoints(&checkpoints, 6, hash_in(&events)).is_empty());
        // The last three events deleted and the head moved back: the chain itself is intact.
        let cut = &events[..3];
        assert!(verify_chain(cut).is_empty());
        assert_eq!(
            check_checkpoints(&checkpoints, 3, hash_in(cut)),
            vec![ChainBreak::RolledBack {
                checkpoint_seq: 5,
                head_seq: 3
            }]
        );
        // Event 2 rewritten and every later hash recomputed: a valid chain, other hashes.
        let mut resealed: Vec<AuditEvent> = events[..1].to_vec();
        for (i, event) in events[1..].iter().enumerate() {
            let mut entry = event.entry.clone();
            if i == 0 {
                entry.detail = "{\"rewritten\":true}".into();
            }
            let prev = resealed.last().map(|e| (e.seq, e.hash.as_str()));
            let sealed = seal(entry, prev);
            resealed.push(sealed);
        }
        assert!(verify_chain(&resealed).is_empty());
        assert_eq!(
            check_checkpoints(&checkpoints, 6, hash_in(&resealed)),
            vec![
                ChainBreak::Resealed { seq: 3 },
                ChainBreak::Resealed { seq: 5 }
            ]
        );
    }

    #[test]
    fn the_signed_bytes_cover_every_field() {
        let base = checkpoint_of(&chain(1)[0]);
        let mut other = base.clone();
        other.seq += 1;
        assert_ne!(base.signed_bytes(), other.signed_bytes());
        let mut other = base.clone();
        other.province = "01".into();
        assert_ne!(base.signed_bytes(), other.signed_bytes());
        let mut other = base.clone();
        other.at += chrono::Duration::microseconds(1);
        assert_ne!(base.signed_bytes(), other.signed_bytes());
    }

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
