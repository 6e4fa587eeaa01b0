//! The audit hash chain, recomputed from docs/audit.md's recipe ("re-verify the hash chain
//! without serialhub's code") with nothing of serialhub's: canonical JSON written here, SHA-256.
//! Pinned to the worked example of docs/audit.md by the test below.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The `prev_hash` of a chain's first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Canonical JSON: keys sorted by their UTF-8 bytes at every level, no whitespace, strings
/// escaped as RFC 8259 / serde_json do (`\b \t \n \f \r`, other controls as `\u00xx`).
pub fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            assert!(n.is_i64() || n.is_u64(), "payloads hold integers only: {n}");
            out.push_str(&n.to_string());
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The hash an event of `GET /v1/audit/events` must carry: SHA-256 over its `prev_hash` and the
/// canonical JSON of its eleven hashed fields, plus `"recipe"` from recipe 2 on and
/// `server_request_id` when the event has one.
pub fn event_hash(event: &Value) -> String {
    let mut content = serde_json::json!({
        "action": event["action"],
        "actor_tenant_id": event["actor"]["tenant_id"],
        "api_key_id": event["actor"]["api_key_id"],
        "chain_tenant_id": event["chain_tenant_id"],
        "channel_id": event["actor"]["channel_id"],
        "occurred_at": event["occurred_at"],
        "owner_tenant_id": event["owner_tenant_id"],
        "payload": event["payload"],
        "reason": event["reason"],
        "request_id": event["request_id"],
        "seq": event["seq"],
    });
    if let Some(id) = event.get("server_request_id").filter(|v| !v.is_null()) {
        content["server_request_id"] = id.clone();
    }
    let recipe = event["recipe"].as_i64().expect("recipe is an integer");
    if recipe >= 2 {
        content["recipe"] = recipe.into();
    }
    let prev = event["prev_hash"].as_str().expect("prev_hash is a string");
    let mut hasher = Sha256::new();
    hasher.update(prev.as_bytes());
    hasher.update(canonical(&content).as_bytes());
    hex::encode(hasher.finalize())
}

#[test]
fn the_worked_example_of_docs_audit_md_rehashes() {
    let event = serde_json::json!({"id": 1, "seq": 1,
        "chain_tenant_id": "ec834c1d-be35-4fb1-a2fe-c931fbf33db9",
        "occurred_at": "2026-11-25T11:51:08.127185Z", "action": "commission",
        "actor": {"tenant_id": "ec834c1d-be35-4fb1-a2fe-c931fbf33db9",
                  "api_key_id": "fbfc1728-5f29-4565-b4f4-4c0100f0768f",
                  "channel_id": "c34d9bd4-0554-444d-926e-c517e8f8119e"},
        "owner_tenant_id": "88c7219b-35b2-4094-8eda-038a9780361c",
        "request_id": "2708b184-e009-48f5-8079-49796fbbe34c", "reason": null,
        "payload": {"batch": "DEMO1", "expiry_date": "301200", "product_code": "04012345111118",
                    "serial_numbers": ["DEMO0001", "DEMO0002", "DEMO0003"],
                    "status": {"from": null, "to": "pending_commissioning_approval"}},
        "recipe": 1, "prev_hash": GENESIS,
        "hash": "6122e28234172e79454d4a6edf77b9e99e2633d9c97a5aea2c70593a7b0ba86d"});
    assert_eq!(event_hash(&event), event["hash"].as_str().unwrap());
}

#[test]
fn canonical_json_sorts_keys_and_escapes_like_the_recipe() {
    let v = serde_json::json!({"b": [1, {"z": null, "a": true}], "a": "Ibuprofène \"forte\" \\ 10×\n\u{1}/"});
    assert_eq!(
        canonical(&v),
        "{\"a\":\"Ibuprofène \\\"forte\\\" \\\\ 10×\\n\\u0001/\",\"b\":[1,{\"a\":true,\"z\":null}]}"
    );
}
