//! Verifying hash chains: recompute every event's hash from its stored content and check the
//! links. Used by `GET /v1/audit/verify` and the offline `serialhub audit verify`.

use serde::Serialize;
use serde_json::Value;

use crate::db::{self, audit::EventRow, DbConn};
use crate::domain::audit::{event_hash, first_broken, EventContent, StoredLink, GENESIS};
use crate::ids::TenantId;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ChainReport {
    pub tenant_id: TenantId,
    pub valid: bool,
    pub events: i64,
    pub head: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_broken: Option<i64>,
}

const PAGE: i64 = 2_000;

fn link(row: &EventRow) -> StoredLink {
    // A payload that no longer parses cannot hash to anything stored: mark it broken.
    let recomputed = match serde_json::from_str::<Value>(&row.payload) {
        Ok(payload) => {
            let occurred = crate::time::rfc3339(row.occurred_at);
            let content = EventContent {
                chain_tenant_id: &row.chain_tenant_id,
                seq: row.seq,
                occurred_at: &occurred,
                action: &row.action,
                actor_tenant_id: &row.actor_tenant_id,
                api_key_id: row.api_key_id.as_deref(),
                channel_id: row.channel_id.as_deref(),
                owner_tenant_id: &row.owner_tenant_id,
                request_id: row.request_id.as_deref(),
                reason: row.reason.as_deref(),
                payload: &payload,
                server_request_id: row.server_request_id.as_deref(),
                recipe: row.recipe,
            };
            event_hash(&row.prev_hash, &content)
        }
        Err(_) => String::new(),
    };
    StoredLink {
        seq: row.seq,
        prev_hash: row.prev_hash.clone(),
        hash: row.hash.clone(),
        recomputed,
    }
}

/// Verifies one tenant's chain, page by page (memory stays bounded for long chains).
pub fn verify_chain(conn: &mut DbConn, tenant_id: &TenantId) -> diesel::QueryResult<ChainReport> {
    let mut expected_prev = GENESIS.to_string();
    let mut expected_seq = 1;
    let mut events = 0;
    let mut broken = None;
    loop {
        let page = db::audit::chain_page(conn, tenant_id, expected_seq - 1, PAGE)?;
        if page.is_empty() {
            break;
        }
        events += page.len() as i64;
        let links: Vec<StoredLink> = page.iter().map(link).collect();
        if let Some(seq) = first_broken(&links, &mut expected_prev, &mut expected_seq) {
            broken = Some(seq);
            break;
        }
    }
    // The head must point at the last event: a deleted tail shows up here.
    if broken.is_none() {
        let head = db::audit::head(conn, tenant_id)?.unwrap_or((0, GENESIS.to_string()));
        if head != (expected_seq - 1, expected_prev.clone()) {
            broken = Some(expected_seq);
        }
    }
    Ok(ChainReport {
        tenant_id: tenant_id.clone(),
        valid: broken.is_none(),
        events,
        head: expected_prev,
        first_broken: broken,
    })
}

/// Every chain in the database, or one tenant's. Each chain is read in its own read transaction:
/// against a live database, its events and its head must come from one snapshot, or an event
/// committed between reading the last page and reading the head looks like a broken chain.
pub fn verify_all(
    conn: &mut DbConn,
    tenant: Option<&TenantId>,
) -> diesel::QueryResult<Vec<ChainReport>> {
    let chains = match tenant {
        Some(t) => vec![t.clone()],
        None => db::audit::chains(conn)?,
    };
    chains
        .iter()
        .map(|t| db::read_tx(conn, |c| verify_chain(c, t)))
        .collect()
}
