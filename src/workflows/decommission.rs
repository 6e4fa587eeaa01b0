//! Decommissioning: packs leave the supply chain with a reason, and leave their parent.

use std::borrow::Cow;
use std::collections::HashMap;

use super::{access, concurrent_change};
use crate::audit::{self, Event};
use crate::db::{self, items::ItemRow, DbConn};
use crate::domain::actor::Actor;
use crate::domain::audit_payload::{AuditPayload, Change, Decommissioned};
use crate::domain::gs1::{Gtin, SerialNumber};
use crate::domain::lifecycle::{decommission_blocker, DecommissionReason, Status};
use crate::error::{ApiError, Detail};
use crate::ids::ItemId;

/// One decommissioning request, checked.
pub struct Decommission {
    pub gtin: Gtin,
    pub serials: Vec<SerialNumber>,
    pub reason: DecommissionReason,
}

/// Decommissions every serial or none; the owner (MAH) may also decommission released packs.
pub fn decommission(
    conn: &mut DbConn,
    actor: &Actor,
    cmd: &Decommission,
) -> Result<usize, ApiError> {
    let products = access::require_products(
        conn,
        actor,
        [("product_code".to_string(), cmd.gtin.as_str())],
    )?;
    let product = &products[cmd.gtin.as_str()];
    let by_owner = product.owner_tenant_id == actor.tenant_id;
    let serials: Vec<&str> = cmd.serials.iter().map(|s| s.as_str()).collect();
    let rows: HashMap<String, ItemRow> = db::items::find_by_serials(conn, product.key, &serials)?
        .into_iter()
        .filter(|r| access::may_touch(actor, product, &r.produced_by))
        .map(|r| (r.serial_number.clone(), r))
        .collect();
    let ids = decide(&serials, &rows, by_owner)?;
    let allowed = Status::decommissionable(by_owner);
    if db::items::decommission(conn, &ids, allowed, cmd.reason)? != ids.len() {
        return Err(concurrent_change());
    }
    // Old → new status of every pack, in request order.
    let from: Vec<Status> = serials.iter().map(|s| rows[*s].status).collect();
    let payload = AuditPayload::Decommission(Decommissioned {
        product_code: cmd.gtin.clone(),
        serial_numbers: Cow::Borrowed(&cmd.serials),
        status: Change {
            from,
            to: Status::Decommissioned,
        },
    });
    let event = Event {
        owner_tenant_id: &product.owner_tenant_id,
        reason: Some(cmd.reason),
        payload,
        items: &ids,
        containers: &[],
    };
    audit::record(conn, actor, event)?;
    Ok(ids.len())
}

/// The packs to decommission, in request order, or every serial that cannot be.
fn decide(
    serials: &[&str],
    rows: &HashMap<String, ItemRow>,
    by_owner: bool,
) -> Result<Vec<ItemId>, ApiError> {
    let mut details = Vec::new();
    let mut ids = Vec::with_capacity(serials.len());
    for (i, serial) in serials.iter().enumerate() {
        let path = format!("serial_numbers[{i}]");
        match rows.get(*serial) {
            None => details.push(Detail::at(
                path,
                format!("serial {serial} is not commissioned"),
            )),
            Some(row) => match decommission_blocker(row.status, by_owner) {
                Some(why) => details.push(Detail::at(path, format!("serial {serial} {why}"))),
                None => ids.push(row.id),
            },
        }
    }
    if details.is_empty() {
        Ok(ids)
    } else {
        Err(ApiError::state(
            "Some serials cannot be decommissioned",
            details,
        ))
    }
}
