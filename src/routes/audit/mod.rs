//! Audit, history and exchange (PRODUCT.md §3.5): roles `audit`, `release`, `admin`.

use actix_web::web;
use chrono::{DateTime, NaiveDateTime};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::cursor::{CursorKey, CursorList};
use crate::auth::Role;
use crate::db::{self, audit::EventFilter, audit::EventRow, DbConn};
use crate::domain::gs1::{Gtin, Sscc};
use crate::error::{ApiError, Detail};
use crate::http::page::PageQuery;
use crate::ids::{ContainerId, ItemId, TenantId};

pub(crate) mod checkpoint;
pub(crate) mod epcis;
pub(crate) mod events;
pub(crate) mod reports;

pub const READ_ROLES: [Role; 3] = [Role::Audit, Role::Release, Role::Admin];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit/events", web::get().to(events::list))
        .route("/audit/verify", web::get().to(events::verify))
        .route("/audit/checkpoint", web::get().to(checkpoint::checkpoint))
        .route("/audit/keys", web::get().to(checkpoint::keys))
        .route("/epcis/events", web::get().to(epcis::export))
        .route("/reports/batch", web::get().to(reports::batch));
}

/// Query parameters shared by the event list and the EPCIS export.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    pub after: Option<String>,
    pub limit: Option<i64>,
    /// `<GTIN>/<serial>` for a pack, `<SSCC>` for a container.
    pub object: Option<String>,
    pub action: Option<String>,
    /// RFC 3339; inclusive.
    pub from: Option<String>,
    /// RFC 3339; exclusive.
    pub to: Option<String>,
}

fn time_param(name: &str, raw: Option<&str>) -> Result<Option<NaiveDateTime>, ApiError> {
    raw.map(|s| {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.naive_utc())
            .map_err(|_| {
                ApiError::validation(
                    format!("{name} must be an RFC 3339 time"),
                    vec![Detail::at(name, "not RFC 3339")],
                )
            })
    })
    .transpose()
}

impl EventQuery {
    /// Checks the parameters and resolves `object` to row ids (inside the caller's transaction);
    /// `after` must be a cursor this list gave `viewer` (`auth::cursor`).
    pub fn filter(
        &self,
        conn: &mut DbConn,
        viewer: &TenantId,
        cursors: &CursorKey,
    ) -> Result<EventFilter, ApiError> {
        let limit = PageQuery {
            limit: self.limit,
            after: None,
        }
        .limit()?;
        let after_id = self
            .after
            .as_deref()
            .map(|a| {
                cursors
                    .open(viewer, CursorList::AuditEvents, a)
                    .ok_or_else(|| {
                        ApiError::validation(
                            "Invalid cursor",
                            vec![Detail::at("after", "not a cursor from this list")],
                        )
                    })
            })
            .transpose()?;
        let mut f = EventFilter {
            action: self.action.clone(),
            from: time_param("from", self.from.as_deref())?,
            to: time_param("to", self.to.as_deref())?,
            after_id,
            ..EventFilter::visible_to(viewer.clone(), limit)
        };
        if let Some(object) = &self.object {
            let bad =
                |e: String| ApiError::validation("Invalid object", vec![Detail::at("object", e)]);
            match object.split_once('/') {
                Some((gtin, serial)) => {
                    let gtin = Gtin::parse(gtin).map_err(|e| bad(e.to_string()))?;
                    f.item_ids = Some(db::audit_lookup::item_ids(conn, gtin.as_str(), serial)?);
                }
                None => {
                    let sscc = Sscc::parse(object)
                        .map_err(|e| bad(format!("neither <GTIN>/<serial> nor an SSCC: {e}")))?;
                    f.container_ids = Some(
                        db::audit_lookup::container_id(conn, sscc.as_str())?
                            .into_iter()
                            .collect(),
                    );
                }
            }
        }
        Ok(f)
    }
}

/// The public shape of one audit event, as `viewer` sees it: its `id` is sealed for the viewer
/// (the same event, the same id; no internal number) and is the list's cursor.
pub fn event_view(e: &EventRow, viewer: &TenantId, cursors: &CursorKey) -> Value {
    json!({
        "id": cursors.seal(viewer, CursorList::AuditEvents, e.id),
        "seq": e.seq,
        "chain_tenant_id": e.chain_tenant_id,
        "occurred_at": crate::time::rfc3339(e.occurred_at),
        "action": e.action,
        "actor": {"tenant_id": e.actor_tenant_id, "api_key_id": e.api_key_id, "channel_id": e.channel_id},
        "owner_tenant_id": e.owner_tenant_id,
        "request_id": e.request_id,
        "server_request_id": e.server_request_id,
        "reason": e.reason,
        "payload": serde_json::from_str::<Value>(&e.payload).unwrap_or(Value::Null),
        "recipe": e.recipe,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    })
}

/// History of one object for the lookups: its events in the order they took effect, as far as
/// the viewer may see.
///
/// The order is the events' time (`occurred_at`, then id), not their ids alone: on PostgreSQL an
/// event that stamps packs reserves its id before its goods statements run (`audit::Mark`), so
/// when it waits there for a row lock of a concurrent event on the same object, it can end up
/// with the smaller id although it took effect second. Its time is taken when it is recorded,
/// after every wait, so it orders the two correctly.
pub fn history(
    conn: &mut DbConn,
    viewer: &TenantId,
    item: Option<ItemId>,
    container: Option<ContainerId>,
) -> Result<Vec<Value>, ApiError> {
    let mut events = Vec::new();
    let mut after = None;
    loop {
        let f = EventFilter {
            item_ids: item.map(|i| vec![i]),
            container_ids: container.map(|c| vec![c]),
            after_id: after,
            ..EventFilter::visible_to(viewer.clone(), 1000)
        };
        let page = db::audit::visible_event_heads(conn, &f)?;
        let full = page.len() == 1000;
        after = page.last().map(|e| e.id);
        events.extend(page);
        if !full {
            break;
        }
    }
    events.sort_by_key(|e| (e.occurred_at, e.id));
    Ok(events
        .iter()
        .map(|e| {
            json!({
                "seq": e.seq,
                "action": e.action,
                "occurred_at": crate::time::rfc3339(e.occurred_at),
                "actor": {"tenant_id": e.actor_tenant_id, "api_key_id": e.api_key_id, "channel_id": e.channel_id},
                "reason": e.reason,
                "request_id": e.request_id,
                "server_request_id": e.server_request_id,
                "hash": e.hash,
            })
        })
        .collect())
}
