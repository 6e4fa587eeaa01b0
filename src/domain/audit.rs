//! The audit hash chain, as pure functions: the canonical encoding of an event and its hash.
//! docs/audit.md states this recipe so that a third party can re-implement verification.
//!
//! canonical(event) = JSON of the event's fields with object keys sorted by byte order at every
//! level, no insignificant whitespace, strings escaped as serde_json does (RFC 8259, non-ASCII
//! kept as UTF-8), integers in decimal.
//! hash = lowercase hex of SHA-256( prev_hash (64 ASCII hex chars) || canonical(event) ).
//! The first event of a chain has prev_hash = 64 × "0".

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The recipe new events are written with. Recipe 1 hashes the eleven fields; recipe 2 (multi-
/// child payloads grouped by product, docs/audit.md) adds a twelfth, `"recipe": 2`, so the
/// version is itself hashed and no event can be re-read under another recipe undetected.
pub const RECIPE: i16 = 2;

/// The hashed fields of one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventContent<'a> {
    pub chain_tenant_id: &'a str,
    pub seq: i64,
    /// RFC 3339 UTC with microseconds, e.g. `2026-11-25T10:00:00.123456Z`.
    pub occurred_at: &'a str,
    pub action: &'a str,
    pub actor_tenant_id: &'a str,
    pub api_key_id: Option<&'a str>,
    pub channel_id: Option<&'a str>,
    pub owner_tenant_id: &'a str,
    pub request_id: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub payload: &'a Value,
    /// The server's own request id; a key of the hashed object only when present (events
    /// recorded before it existed have none and keep their hashes).
    pub server_request_id: Option<&'a str>,
    /// 1 or 2: which recipe the event was hashed with (stored beside it).
    pub recipe: i16,
}

impl EventContent<'_> {
    pub fn to_value(&self) -> Value {
        let opt = |v: Option<&str>| v.map_or(Value::Null, |s| Value::String(s.to_string()));
        let mut m = Map::new();
        m.insert("action".into(), self.action.into());
        m.insert("actor_tenant_id".into(), self.actor_tenant_id.into());
        m.insert("api_key_id".into(), opt(self.api_key_id));
        m.insert("chain_tenant_id".into(), self.chain_tenant_id.into());
        m.insert("channel_id".into(), opt(self.channel_id));
        m.insert("occurred_at".into(), self.occurred_at.into());
        m.insert("owner_tenant_id".into(), self.owner_tenant_id.into());
        m.insert("payload".into(), self.payload.clone());
        m.insert("reason".into(), opt(self.reason));
        if self.recipe >= 2 {
            m.insert("recipe".into(), self.recipe.into());
        }
        m.insert("request_id".into(), opt(self.request_id));
        m.insert("seq".into(), self.seq.into());
        if let Some(id) = self.server_request_id {
            m.insert("server_request_id".into(), id.into());
        }
        Value::Object(m)
    }
}

/// Canonical JSON text of a value: keys sorted at every level, compact.
pub fn canonical_json(v: &Value) -> String {
    let mut out = Vec::with_capacity(128);
    write_canonical(v, &mut out);
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Writes straight into one buffer: the audit payload of a 100 000-serial request has 100 000
/// scalars, and a `String` per scalar (`Value::to_string`) was a visible share of every write.
fn write_canonical(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            // `String`'s order is byte order, the order the recipe names.
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (k, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_scalar(k, out);
                out.push(b':');
                write_canonical(item, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        scalar => write_scalar(scalar, out),
    }
}

/// A string, number, bool or null exactly as serde_json's compact writer prints it.
fn write_scalar<T: serde::Serialize + ?Sized>(v: &T, out: &mut Vec<u8>) {
    serde_json::to_writer(out, v).expect("writing JSON to memory cannot fail");
}

/// The hash of an event given its predecessor's hash.
pub fn event_hash(prev_hash: &str, event: &EventContent<'_>) -> String {
    event_hash_with_payload(prev_hash, event, &canonical_json(event.payload))
}

/// `event_hash` when the payload's canonical text is already at hand (the writer stores it), so
/// a large payload is encoded once. The event's canonical text is streamed into the hash: its
/// fields in key order, with the payload's text in its place.
pub fn event_hash_with_payload(
    prev_hash: &str,
    event: &EventContent<'_>,
    payload_canonical: &str,
) -> String {
    let mut head = Vec::with_capacity(512);
    let field = |out: &mut Vec<u8>, name: &str, value: Option<&str>, first: bool| {
        if !first {
            out.push(b',');
        }
        write_scalar(name, out);
        out.push(b':');
        write_scalar(&value, out);
    };
    head.push(b'{');
    field(&mut head, "action", Some(event.action), true);
    field(
        &mut head,
        "actor_tenant_id",
        Some(event.actor_tenant_id),
        false,
    );
    field(&mut head, "api_key_id", event.api_key_id, false);
    field(
        &mut head,
        "chain_tenant_id",
        Some(event.chain_tenant_id),
        false,
    );
    field(&mut head, "channel_id", event.channel_id, false);
    field(&mut head, "occurred_at", Some(event.occurred_at), false);
    field(
        &mut head,
        "owner_tenant_id",
        Some(event.owner_tenant_id),
        false,
    );
    head.extend_from_slice(b",\"payload\":");
    let mut tail = Vec::with_capacity(256);
    field(&mut tail, "reason", event.reason, false);
    // Keys in byte order: "reason" < "recipe" < "request_id". Recipe 1 has no such key.
    if event.recipe >= 2 {
        tail.extend_from_slice(b",\"recipe\":");
        write_scalar(&event.recipe, &mut tail);
    }
    field(&mut tail, "request_id", event.request_id, false);
    tail.extend_from_slice(b",\"seq\":");
    write_scalar(&event.seq, &mut tail);
    // "server_request_id" sorts after "seq"; absent for events recorded before it existed.
    if event.server_request_id.is_some() {
        field(
            &mut tail,
            "server_request_id",
            event.server_request_id,
            false,
        );
    }
    tail.push(b'}');
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(&head);
    h.update(payload_canonical.as_bytes());
    h.update(&tail);
    hex::encode(h.finalize())
}

/// One stored event as the verifier sees it.
#[derive(Debug, Clone)]
pub struct StoredLink {
    pub seq: i64,
    pub prev_hash: String,
    pub hash: String,
    /// The hash recomputed from the stored content and the stored `prev_hash`.
    pub recomputed: String,
}

/// Walks a chain in `seq` order: the first link whose seq is not the next number, whose
/// `prev_hash` is not its predecessor's hash, or whose content does not hash to its `hash`.
/// `expected_prev` / `expected_seq` carry the state over from the previous batch.
pub fn first_broken(
    links: &[StoredLink],
    expected_prev: &mut String,
    expected_seq: &mut i64,
) -> Option<i64> {
    for link in links {
        let broken = link.seq != *expected_seq
            || link.prev_hash != *expected_prev
            || link.recomputed != link.hash;
        if broken {
            return Some(link.seq.min(*expected_seq));
        }
        *expected_prev = link.hash.clone();
        *expected_seq += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(payload: &Value, seq: i64) -> EventContent<'_> {
        EventContent {
            chain_tenant_id: "t",
            seq,
            occurred_at: "2026-11-25T10:00:00.000000Z",
            action: "commission",
            actor_tenant_id: "t",
            api_key_id: Some("k"),
            channel_id: None,
            owner_tenant_id: "t",
            request_id: Some("r"),
            reason: None,
            payload,
            server_request_id: None,
            recipe: 1,
        }
    }

    #[test]
    fn recipe_2_hashes_its_version_between_reason_and_request_id() {
        let payload = json!({"n": 1});
        let mut e = event(&payload, 1);
        e.recipe = 2;
        // Written out by hand: the twelve keys in byte order.
        let text = format!(
            "{GENESIS}{}",
            r#"{"action":"commission","actor_tenant_id":"t","api_key_id":"k","chain_tenant_id":"t","channel_id":null,"occurred_at":"2026-11-25T10:00:00.000000Z","owner_tenant_id":"t","payload":{"n":1},"reason":null,"recipe":2,"request_id":"r","seq":1}"#
        );
        let expected = hex::encode(Sha256::digest(text.as_bytes()));
        assert_eq!(event_hash(GENESIS, &e), expected);
        assert_eq!(canonical_json(&e.to_value()), text[64..]);
        // The same content under recipe 1 is a different event.
        e.recipe = 1;
        assert_ne!(event_hash(GENESIS, &e), expected);
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_level_and_is_compact() {
        let v = json!({"b": 1, "a": {"d": [true, null, "x"], "c": "é\"q"}});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"c":"é\"q","d":[true,null,"x"]},"b":1}"#
        );
    }

    #[test]
    fn hash_matches_an_independent_sha256_of_the_recipe() {
        let payload = json!({"n": 1});
        let e = event(&payload, 1);
        let text = format!("{GENESIS}{}", canonical_json(&e.to_value()));
        let expected = hex::encode(Sha256::digest(text.as_bytes()));
        assert_eq!(event_hash(GENESIS, &e), expected);
        assert_eq!(expected.len(), 64);
    }

    #[test]
    fn streamed_hash_equals_the_hash_of_the_whole_canonical_event() {
        let payload = json!({"z": [1, {"b": "é\u{1}", "a": null}], "a": "x\"y"});
        let mut e = event(&payload, 42);
        e.channel_id = Some("c\\h");
        e.reason = Some("damaged");
        for prev in [GENESIS.to_string(), "a".repeat(64)] {
            let text = format!("{prev}{}", canonical_json(&e.to_value()));
            let expected = hex::encode(Sha256::digest(text.as_bytes()));
            assert_eq!(event_hash(&prev, &e), expected);
            assert_eq!(
                event_hash_with_payload(&prev, &e, &canonical_json(&payload)),
                expected
            );
        }
    }

    #[test]
    fn any_change_changes_the_hash() {
        let p1 = json!({"serial_numbers": ["A", "B"]});
        let p2 = json!({"serial_numbers": ["A", "C"]});
        assert_ne!(
            event_hash(GENESIS, &event(&p1, 1)),
            event_hash(GENESIS, &event(&p2, 1))
        );
        assert_ne!(
            event_hash(GENESIS, &event(&p1, 1)),
            event_hash(GENESIS, &event(&p1, 2))
        );
        assert_ne!(
            event_hash(GENESIS, &event(&p1, 1)),
            event_hash(&"1".repeat(64), &event(&p1, 1))
        );
    }

    fn chain(n: i64) -> Vec<StoredLink> {
        let payload = json!({});
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let hash = event_hash(&prev, &event(&payload, seq));
                let link = StoredLink {
                    seq,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                    recomputed: hash.clone(),
                };
                prev = hash;
                link
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies_and_each_kind_of_break_is_found() {
        let (mut prev, mut seq) = (GENESIS.to_string(), 1);
        assert_eq!(first_broken(&chain(5), &mut prev, &mut seq), None);
        assert_eq!(seq, 6);

        let mut edited = chain(5);
        edited[2].recomputed = "f".repeat(64);
        assert_eq!(
            first_broken(&edited, &mut GENESIS.to_string(), &mut 1),
            Some(3)
        );

        let mut gap = chain(5);
        gap.remove(1);
        assert_eq!(
            first_broken(&gap, &mut GENESIS.to_string(), &mut 1),
            Some(2)
        );

        let mut relinked = chain(5);
        relinked[3].prev_hash = "a".repeat(64);
        assert_eq!(
            first_broken(&relinked, &mut GENESIS.to_string(), &mut 1),
            Some(4)
        );
    }
}
