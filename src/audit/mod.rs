//! The audit trail: every state change records one event, in the same transaction as the change,
//! appended to the acting tenant's hash chain (see `domain::audit` for the hash recipe).

pub mod verify;

use serde_json::Value;

use diesel::QueryResult;

use crate::db::{self, audit::NewEventRow, DbConn};
use crate::domain::actor::Actor;
use crate::domain::audit::{canonical_json, event_hash_with_payload, EventContent, GENESIS};

/// Action names, as stored and as filtered on (`GET /v1/audit/events?action=`).
pub mod action {
    pub const COMMISSION: &str = "commission";
    pub const AGGREGATE: &str = "aggregate";
    pub const DISAGGREGATE: &str = "disaggregate";
    pub const DECOMMISSION: &str = "decommission";
    pub const RELEASE: &str = "release";
    pub const PRODUCT_REGISTER: &str = "product.register";
    pub const PARTNERSHIP_CREATE: &str = "partnership.create";
    pub const PARTNERSHIP_ACCEPT: &str = "partnership.accept";
    pub const PARTNERSHIP_UPDATE: &str = "partnership.update";
    pub const API_KEY_CREATE: &str = "api_key.create";
    pub const API_KEY_REVOKE: &str = "api_key.revoke";
    pub const STATIC_TOKEN_ISSUE: &str = "static_token.issue";
    pub const STATIC_TOKEN_REVOKE: &str = "static_token.revoke";
    pub const CHANNEL_CREATE: &str = "channel.create";
    pub const CHANNEL_UPDATE: &str = "channel.update";
}

/// One event to record.
pub struct Event<'a> {
    pub action: &'a str,
    /// On whose behalf: the brand owner (MAH) of the goods, else the acting tenant.
    pub owner_tenant_id: &'a str,
    pub reason: Option<&'a str>,
    /// What changed: objects, old → new status, parameters.
    pub payload: Value,
    /// Packs and containers the event touched, for per-object history.
    pub items: &'a [i64],
    pub containers: &'a [i64],
}

/// Appends the event to the actor's chain; returns its id. Runs inside the caller's transaction.
pub fn record(conn: &mut DbConn, actor: &Actor, e: Event<'_>) -> QueryResult<i64> {
    let (head_seq, prev_hash) = db::audit::lock_head(conn, &actor.tenant_id, GENESIS)?;
    let occurred_at = db::now();
    let occurred = crate::time::rfc3339(occurred_at);
    let seq = head_seq + 1;
    let content = EventContent {
        chain_tenant_id: &actor.tenant_id,
        seq,
        occurred_at: &occurred,
        action: e.action,
        actor_tenant_id: &actor.tenant_id,
        api_key_id: Some(&actor.api_key_id),
        channel_id: actor.channel_id.as_deref(),
        owner_tenant_id: e.owner_tenant_id,
        request_id: actor.request_id.as_deref(),
        reason: e.reason,
        payload: &e.payload,
    };
    let payload = canonical_json(&e.payload);
    let hash = event_hash_with_payload(&prev_hash, &content, &payload);
    let id = db::audit::append(
        conn,
        &NewEventRow {
            chain_tenant_id: &actor.tenant_id,
            seq,
            occurred_at,
            action: e.action,
            actor_tenant_id: &actor.tenant_id,
            api_key_id: Some(&actor.api_key_id),
            channel_id: actor.channel_id.as_deref(),
            owner_tenant_id: e.owner_tenant_id,
            request_id: actor.request_id.as_deref(),
            reason: e.reason,
            payload: &payload,
            prev_hash: &prev_hash,
            hash: &hash,
        },
    )?;
    db::audit::index_items(conn, id, e.items)?;
    db::audit::index_containers(conn, id, e.containers)?;
    Ok(id)
}

/// An event about the actor's own tenant (keys, channels, products).
pub fn record_admin(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    payload: Value,
) -> QueryResult<i64> {
    let owner = actor.tenant_id.clone();
    record(
        conn,
        actor,
        Event {
            action,
            owner_tenant_id: &owner,
            reason: None,
            payload,
            items: &[],
            containers: &[],
        },
    )
}
