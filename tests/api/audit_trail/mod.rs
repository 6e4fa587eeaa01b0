//! The audit trail (issue 5): one event per state change with who / on whose behalf / what / why /
//! request id, written in the same transaction; append-only in the database; a hash chain that
//! verifies (HTTP and offline CLI), catches edits made behind the service's back, and stays
//! gap-free and fork-free under concurrent writers; visibility and filters of
//! `GET /v1/audit/events`; `history` in the lookups.

mod append_only;
mod chain;
mod checkpoints;
mod events;
mod feed;
mod history;
mod listing;
mod request_ids;

use serde_json::{json, Value};

use crate::kit::store::{self, StoredEvent};
use crate::kit::{send, Line, TestApp};

/// The id of the tenant's first key (the one its token was issued for).
async fn admin_key_id(app: &TestApp, line: &Line) -> String {
    let (status, body) = app.get("/v1/tenant/api_keys", line.token()).await;
    assert_eq!(status, 200, "{body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["api_key"] == json!(line.tenant.api_key))
        .unwrap_or_else(|| panic!("first key listed: {body}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Sends with a fresh `x-request-id`; returns (status, body, that request id).
async fn tagged(rb: reqwest::RequestBuilder) -> (u16, Value, String) {
    let rid = format!("rid-{}", uuid::Uuid::new_v4());
    let (status, body) = send(rb.header("x-request-id", &rid)).await;
    (status, body, rid)
}

/// Asserts that exactly one event was appended since `before` events, carrying `rid`; returns it.
#[track_caller]
fn one_new_event(app: &TestApp, before: i64, rid: &str) -> StoredEvent {
    let all = store::events(&app.db);
    let before = before as usize;
    assert_eq!(
        all.len(),
        before + 1,
        "exactly one event expected, got {:?}",
        all[before.min(all.len())..]
            .iter()
            .map(|e| &e.action)
            .collect::<Vec<_>>()
    );
    let e = all.last().unwrap().clone();
    assert_eq!(e.request_id.as_deref(), Some(rid), "{e:?}");
    e
}

/// `GET /v1/audit/verify`; asserts 200.
async fn verify(app: &TestApp, token: &str) -> Value {
    let (status, body) = app.get("/v1/audit/verify", token).await;
    assert_eq!(status, 200, "{body}");
    body
}
