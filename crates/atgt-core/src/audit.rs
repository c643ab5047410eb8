//! The audit chain. Security-sensitive.
//!
//! Every change a person relies on is recorded as an entry; each entry's hash is
//! SHA-256 over the previous entry's hash and a canonical encoding of the entry, so
//! editing, deleting or reordering any entry breaks the chain from that point. The
//! store writes the entry in the same transaction as the change; this module holds
//! the encoding, the hashing and the verification, with no IO.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An entry as stored (the hash fields included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Entry {
    /// 1, 2, 3, … without gaps.
    pub seq: i64,
    /// When, in microseconds since the Unix epoch (UTC).
    pub at_us: i64,
    /// "user", "apikey" or "system".
    pub actor_kind: String,
    /// The user's or key's id; 0 for the system.
    pub actor_id: i64,
    /// The name shown (username, key name, "system").
    pub actor_name: String,
    /// What was done, e.g. "user.create", "org.update".
    pub action: String,
    /// The kind of thing changed, e.g. "user", "org".
    pub entity_kind: String,
    /// The id of the thing changed.
    pub entity_id: String,
    /// The state before (JSON), `null` on creation.
    pub before: Value,
    /// The state after (JSON), `null` on removal.
    pub after: Value,
    pub prev_hash: String,
    pub hash: String,
}

/// The fields of a new entry, before the chain gives it a place.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    pub actor_kind: String,
    pub actor_id: i64,
    pub actor_name: String,
    pub action: String,
    pub entity_kind: String,
    pub entity_id: String,
    pub before: Value,
    pub after: Value,
}

/// Who did something, as the audit log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub kind: &'static str,
    pub id: i64,
    pub name: String,
}

impl Actor {
    pub fn system() -> Actor {
        Actor {
            kind: "system",
            id: 0,
            name: "system".into(),
        }
    }
    pub fn user(id: i64, name: &str) -> Actor {
        Actor {
            kind: "user",
            id,
            name: name.into(),
        }
    }
    pub fn api_key(id: i64, name: &str) -> Actor {
        Actor {
            kind: "apikey",
            id,
            name: name.into(),
        }
    }

    /// A new entry by this actor.
    pub fn entry(
        &self,
        action: &str,
        entity_kind: &str,
        entity_id: impl ToString,
        before: Value,
        after: Value,
    ) -> NewEntry {
        NewEntry {
            actor_kind: self.kind.into(),
            actor_id: self.id,
            actor_name: self.name.clone(),
            action: action.into(),
            entity_kind: entity_kind.into(),
            entity_id: entity_id.to_string(),
            before,
            after,
        }
    }
}

/// Canonical JSON: object keys sorted (serde_json's default map is ordered), no
/// insignificant white space. Stable across platforms and backends.
pub fn canonical_json(v: &Value) -> String {
    // serde_json::Value uses a BTreeMap unless the `preserve_order` feature is on; this
    // crate never enables it, and the test below would catch it if a dependency did.
    serde_json::to_string(v).unwrap_or_default()
}

/// The canonical encoding of an entry's content (all fields but the hashes), as hashed.
pub fn canonical(seq: i64, at_us: i64, e: &NewEntry) -> String {
    let v = serde_json::json!({
        "seq": seq,
        "at_us": at_us,
        "actor_kind": e.actor_kind,
        "actor_id": e.actor_id,
        "actor_name": e.actor_name,
        "action": e.action,
        "entity_kind": e.entity_kind,
        "entity_id": e.entity_id,
        "before": e.before,
        "after": e.after,
    });
    canonical_json(&v)
}

/// SHA-256 over the previous hash (hex) and the canonical encoding, as lower-case hex.
pub fn chain_hash(prev_hash: &str, canonical: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(canonical.as_bytes());
    hex::encode(h.finalize())
}

/// Places a new entry after `prev` (seq and hash of the current head; `None` when
/// the log is empty).
pub fn seal(prev: Option<(i64, &str)>, at_us: i64, e: NewEntry) -> Entry {
    let (seq, prev_hash) = match prev {
        Some((s, h)) => (s + 1, h.to_string()),
        None => (1, GENESIS.to_string()),
    };
    let hash = chain_hash(&prev_hash, &canonical(seq, at_us, &e));
    Entry {
        seq,
        at_us,
        actor_kind: e.actor_kind,
        actor_id: e.actor_id,
        actor_name: e.actor_name,
        action: e.action,
        entity_kind: e.entity_kind,
        entity_id: e.entity_id,
        before: e.before,
        after: e.after,
        prev_hash,
        hash,
    }
}

/// Why the chain is broken at an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Break {
    /// The sequence skips (an entry was deleted) or goes backwards (reordered).
    Gap { expected: i64, found: i64 },
    /// The entry's stored previous hash is not the hash of the entry before it.
    PrevMismatch { seq: i64 },
    /// The entry's content does not hash to its stored hash (edited).
    HashMismatch { seq: i64 },
    /// The recorded head (last seq and hash) does not match the last entry: entries
    /// were removed from the end, or the head was altered.
    HeadMismatch { head_seq: i64, last_seq: i64 },
    /// Times go backwards between consecutive entries.
    TimeReversed { seq: i64 },
    /// A row the chain seals (a read batch, a violation case) no longer matches the
    /// hash its audit entry recorded: it was edited, added or removed directly.
    RowAltered { table: String, id: String },
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Break::Gap { expected, found } => {
                write!(
                    f,
                    "entry {expected} is missing or out of order (found {found})"
                )
            }
            Break::PrevMismatch { seq } => {
                write!(f, "entry {seq} does not link to the entry before it")
            }
            Break::HashMismatch { seq } => write!(f, "entry {seq} was altered (hash mismatch)"),
            Break::HeadMismatch { head_seq, last_seq } => write!(
                f,
                "the chain head says entry {head_seq} but the last entry is {last_seq}"
            ),
            Break::TimeReversed { seq } => {
                write!(f, "entry {seq} is dated before the entry before it")
            }
            Break::RowAltered { table, id } => {
                write!(
                    f,
                    "{table} {id} was altered (it no longer matches the audit chain)"
                )
            }
        }
    }
}

/// Walks entries in stored order and reports the first break, or the number of
/// entries and the head hash when the chain is intact.
#[derive(Debug, Default)]
pub struct Verifier {
    count: i64,
    prev_hash: Option<String>,
    prev_at: i64,
    broken: Option<Break>,
}

impl Verifier {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next entry; returns false once a break has been found.
    pub fn push(&mut self, e: &Entry) -> bool {
        if self.broken.is_some() {
            return false;
        }
        let expected = self.count + 1;
        let prev = self.prev_hash.as_deref().unwrap_or(GENESIS);
        let broken = if e.seq != expected {
            Some(Break::Gap {
                expected,
                found: e.seq,
            })
        } else if e.prev_hash != prev {
            Some(Break::PrevMismatch { seq: e.seq })
        } else if e.at_us < self.prev_at {
            Some(Break::TimeReversed { seq: e.seq })
        } else {
            let content = NewEntry {
                actor_kind: e.actor_kind.clone(),
                actor_id: e.actor_id,
                actor_name: e.actor_name.clone(),
                action: e.action.clone(),
                entity_kind: e.entity_kind.clone(),
                entity_id: e.entity_id.clone(),
                before: e.before.clone(),
                after: e.after.clone(),
            };
            if chain_hash(prev, &canonical(e.seq, e.at_us, &content)) != e.hash {
                Some(Break::HashMismatch { seq: e.seq })
            } else {
                None
            }
        };
        if let Some(b) = broken {
            self.broken = Some(b);
            return false;
        }
        self.count = e.seq;
        self.prev_at = e.at_us;
        self.prev_hash = Some(e.hash.clone());
        true
    }

    /// The verdict, checked against the recorded head (seq, hash) if there is one.
    pub fn finish(self, head: Option<(i64, String)>) -> Result<(i64, String), Break> {
        if let Some(b) = self.broken {
            return Err(b);
        }
        let last_hash = self.prev_hash.unwrap_or_else(|| GENESIS.to_string());
        match head {
            Some((hs, hh)) if hs != self.count || hh != last_hash => Err(Break::HeadMismatch {
                head_seq: hs,
                last_seq: self.count,
            }),
            None if self.count > 0 => Err(Break::HeadMismatch {
                head_seq: 0,
                last_seq: self.count,
            }),
            _ => Ok((self.count, last_hash)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chain(n: usize) -> Vec<Entry> {
        let mut out: Vec<Entry> = Vec::new();
        for i in 0..n {
            let prev = out.last().map(|e| (e.seq, e.hash.as_str()));
            let e = Actor::user(7, "an").entry(
                "org.update",
                "org",
                i,
                json!({"name": "A", "z": 1, "a": [1, 2]}),
                json!({"name": format!("B{i}")}),
            );
            let sealed = seal(prev, 1_000 + i as i64, e);
            out.push(sealed);
        }
        out
    }

    fn verify(entries: &[Entry]) -> Result<(i64, String), Break> {
        let mut v = Verifier::new();
        for e in entries {
            if !v.push(e) {
                break;
            }
        }
        let head = entries.last().map(|e| (e.seq, e.hash.clone()));
        v.finish(head)
    }

    #[test]
    fn canonical_json_sorts_keys() {
        assert_eq!(
            canonical_json(&json!({"b": 1, "a": {"d": 2, "c": 3}})),
            r#"{"a":{"c":3,"d":2},"b":1}"#
        );
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(5);
        let (n, head) = verify(&c).unwrap();
        assert_eq!(n, 5);
        assert_eq!(head, c[4].hash);
        assert_eq!(c[0].prev_hash, GENESIS);
    }

    #[test]
    fn edit_is_found() {
        let mut c = chain(5);
        c[2].after = json!({"name": "forged"});
        assert_eq!(verify(&c), Err(Break::HashMismatch { seq: 3 }));
    }

    #[test]
    fn deletion_is_found() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(
            verify(&c),
            Err(Break::Gap {
                expected: 2,
                found: 3
            })
        );
    }

    #[test]
    fn reorder_is_found() {
        let mut c = chain(5);
        c.swap(1, 2);
        assert_eq!(
            verify(&c),
            Err(Break::Gap {
                expected: 2,
                found: 3
            })
        );
    }

    #[test]
    fn renumbered_reorder_is_found() {
        let mut c = chain(5);
        c.swap(1, 2);
        c[1].seq = 2;
        c[2].seq = 3;
        assert_eq!(verify(&c), Err(Break::PrevMismatch { seq: 2 }));
    }

    #[test]
    fn tail_deletion_is_found_by_head() {
        let c = chain(5);
        let mut v = Verifier::new();
        for e in &c[..4] {
            v.push(e);
        }
        let head = Some((5, c[4].hash.clone()));
        assert_eq!(
            v.finish(head),
            Err(Break::HeadMismatch {
                head_seq: 5,
                last_seq: 4
            })
        );
    }

    #[test]
    fn empty_log_is_intact() {
        assert_eq!(Verifier::new().finish(None), Ok((0, GENESIS.to_string())));
    }
}
