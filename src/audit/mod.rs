//! The audit trail: every state change records one event, in the same transaction as the change,
//! appended to the acting tenant's hash chain (see `domain::audit` for the hash recipe and
//! `domain::audit_payload` for what an event records).

pub mod checkpoint;
pub mod verify;

use std::collections::HashSet;

use diesel::QueryResult;

pub use crate::db::audit::Mark;
use crate::db::{self, audit::NewEventRow, DbConn};
use crate::domain::actor::Actor;
use crate::domain::audit::{
    canonical_json, event_hash_with_payload, EventContent, GENESIS, RECIPE,
};
use crate::domain::audit_payload::{AuditPayload, ChildGroup};
use crate::domain::lifecycle::DecommissionReason;
use crate::ids::{ContainerId, ItemId, TenantId};
use crate::metrics::{self, goods::Tally};

/// One event to record; its action is its payload's.
pub struct Event<'a> {
    /// On whose behalf: the brand owner (MAH) of the goods, else the acting tenant.
    pub owner_tenant_id: &'a TenantId,
    pub reason: Option<DecommissionReason>,
    /// What changed: objects, old → new status, parameters.
    pub payload: AuditPayload<'a>,
    /// Packs and containers the event touched, for per-object history.
    pub items: &'a [ItemId],
    pub containers: &'a [ContainerId],
}

/// Appends the event to the actor's chain; returns its id. Runs inside the caller's transaction.
pub fn record(conn: &mut DbConn, actor: &Actor, e: Event<'_>) -> QueryResult<i64> {
    record_marked(conn, actor, Stamped::NONE, e)
}

/// What an event's goods statements already wrote into the packs' history: the packs that
/// statements run with `mark` (see `Mark`) changed. Without a reservation (always on SQLite)
/// nothing was written and every pack of the event is indexed when it is recorded.
#[derive(Debug, Clone, Copy)]
pub struct Stamped<'a> {
    pub mark: Mark,
    pub items: &'a [ItemId],
}

impl Stamped<'_> {
    pub const NONE: Stamped<'static> = Stamped {
        mark: Mark::NONE,
        items: &[],
    };
}

/// As [`record`], for an event whose goods statements ran with `stamped.mark`: the event gets the
/// reserved id, and only its packs that are not among `stamped.items` are indexed now (reading
/// back 100 000 packs a release already stamped cost a scan).
pub fn record_marked(
    conn: &mut DbConn,
    actor: &Actor,
    stamped: Stamped<'_>,
    e: Event<'_>,
) -> QueryResult<i64> {
    let mark = stamped.mark;
    let (head_seq, prev_hash) = db::audit::lock_head(conn, &actor.tenant_id, GENESIS)?;
    let occurred_at = db::now();
    let occurred = crate::time::rfc3339(occurred_at);
    let seq = head_seq + 1;
    let action = e.payload.action().as_str();
    let reason = e.reason.map(DecommissionReason::as_str);
    let payload_value = e.payload.to_value();
    let content = EventContent {
        chain_tenant_id: actor.tenant_id.as_str(),
        seq,
        occurred_at: &occurred,
        action,
        actor_tenant_id: actor.tenant_id.as_str(),
        api_key_id: Some(actor.api_key_id.as_str()),
        channel_id: actor.channel_id.as_ref().map(|c| c.as_str()),
        owner_tenant_id: e.owner_tenant_id.as_str(),
        request_id: actor.request_id.as_deref(),
        reason,
        payload: &payload_value,
        server_request_id: actor.server_request_id.as_deref(),
        recipe: RECIPE,
    };
    let payload = canonical_json(&payload_value);
    let hash = event_hash_with_payload(&prev_hash, &content, &payload);
    let id = db::audit::append(
        conn,
        &NewEventRow {
            id: mark.event_id(),
            chain_tenant_id: &actor.tenant_id,
            seq,
            occurred_at,
            action,
            actor_tenant_id: &actor.tenant_id,
            api_key_id: Some(&actor.api_key_id),
            channel_id: actor.channel_id.as_ref(),
            owner_tenant_id: e.owner_tenant_id,
            request_id: actor.request_id.as_deref(),
            reason,
            payload: &payload,
            recipe: RECIPE,
            prev_hash: &prev_hash,
            hash: &hash,
            server_request_id: actor.server_request_id.as_deref(),
        },
    )?;
    if mark.event_id().is_some() && !stamped.items.is_empty() {
        let done: HashSet<ItemId> = stamped.items.iter().copied().collect();
        let rest: Vec<ItemId> = e
            .items
            .iter()
            .copied()
            .filter(|i| !done.contains(i))
            .collect();
        db::audit::index_items(conn, id, &rest)?;
    } else {
        db::audit::index_items(conn, id, e.items)?;
    }
    db::audit::index_containers(conn, id, e.containers)?;
    metrics::goods::note(tally(&e.payload));
    Ok(id)
}

/// The packs an event commissioned, aggregated or released, and the SSCCs it assigned, for
/// `/metrics`.
fn tally(payload: &AuditPayload<'_>) -> Tally {
    let n = |k: usize| k as u64;
    match payload {
        AuditPayload::Commission(c) => Tally {
            commissioned: n(c.serial_numbers.len()),
            ..Tally::default()
        },
        AuditPayload::Aggregate(p) => Tally {
            aggregated: n(p
                .children
                .iter()
                .map(|c| match c {
                    ChildGroup::Packs { serial_numbers, .. } => serial_numbers.len(),
                    ChildGroup::Pack(_) => 1,
                    ChildGroup::Container { .. } => 0,
                })
                .sum()),
            ..Tally::default()
        },
        AuditPayload::Release(r) => Tally {
            released: n(r.released_packs),
            ..Tally::default()
        },
        AuditPayload::SsccRequest(r) => Tally {
            ssccs_assigned: n(r.ssccs.len()),
            ..Tally::default()
        },
        _ => Tally::default(),
    }
}

/// An event about the actor's own tenant (keys, channels, products).
pub fn record_admin(
    conn: &mut DbConn,
    actor: &Actor,
    payload: AuditPayload<'_>,
) -> QueryResult<i64> {
    record(
        conn,
        actor,
        Event {
            owner_tenant_id: &actor.tenant_id,
            reason: None,
            payload,
            items: &[],
            containers: &[],
        },
    )
}
