//! Disaggregation: the three `DELETE /aggregate/...` forms. Listed children must sit in the given
//! parent right now; with no list, everything directly in the parent comes out. One file per use
//! case; what they share is here.

mod containers_from_container;
mod packs_from_container;
mod packs_from_pack;

pub use containers_from_container::containers_from_container;
pub use packs_from_container::packs_from_container;
pub use packs_from_pack::packs_from_pack;

use super::aggregate::load_packs;
use super::{access, concurrent_change, findings_error};
use crate::audit::{self, Event};
use crate::db::{self, containers::ContainerRow, DbConn};
use crate::domain::actor::Actor;
use crate::domain::aggregation::{self, Finding, Parent};
use crate::domain::audit_payload::{AuditPayload, ObjectRef, Unpacked};
use crate::domain::gs1::Sscc;
use crate::domain::trade_item::TradeItemRef;
use crate::error::{ApiError, Detail};
use crate::ids::{ContainerId, ItemId, TenantId};

/// The parent container of a disaggregation: it must exist and be visible to the caller (else
/// `NotFoundError`, the same answer for both), be the caller's own and still pending, and a CMO
/// must still be allowed to produce the goods inside.
fn parent_container(
    conn: &mut DbConn,
    actor: &Actor,
    sscc: &Sscc,
) -> Result<ContainerRow, ApiError> {
    let row = db::containers::find_for_update(conn, sscc.as_str())?
        .filter(|c| access::may_see_container(actor, c))
        .ok_or_else(|| ApiError::not_found("Container"))?;
    let state = row.state(&actor.tenant_id, true);
    aggregation::check_parent_container("parent", sscc.as_str(), Some(&state))
        .map_err(|f| findings_error(vec![f]))?;
    access::require_container_rights(conn, actor, &row.owner_tenant_id, &[row.id])?;
    Ok(row)
}

/// The `(path, GTIN)` of every listed child, for `access::require_products`.
fn product_refs(children: &[TradeItemRef]) -> impl Iterator<Item = (String, &str)> {
    children
        .iter()
        .map(|c| (format!("{}.product_code", c.path), c.gtin.as_str()))
}

/// Removes the listed packs (or all) from `target`; returns those that came out.
fn remove_packs(
    conn: &mut DbConn,
    actor: &Actor,
    target: Parent,
    children: Option<&[TradeItemRef]>,
) -> Result<Vec<ItemId>, ApiError> {
    let ids = match children {
        None => all_packs_in(conn, target)?,
        Some(children) => listed_packs_in(conn, actor, target, children)?,
    };
    if db::items::detach(conn, &ids, target)? != ids.len() {
        return Err(concurrent_change());
    }
    Ok(ids)
}

/// Everything directly in `target`, which must all still be pending: a pack released on its own
/// (it may be released while its container is pending) cannot come out any more.
fn all_packs_in(conn: &mut DbConn, target: Parent) -> Result<Vec<ItemId>, ApiError> {
    let ids = db::items::children_of(conn, target)?;
    let stuck = db::items::not_pending(conn, &ids)?;
    if !stuck.is_empty() {
        return Err(ApiError::state(
            "Some packs in this parent are not pending commissioning approval",
            stuck
                .into_iter()
                .map(|(serial, status)| {
                    Detail::at("parent", format!("serial {serial} in it is {status}"))
                })
                .collect(),
        ));
    }
    Ok(ids)
}

/// The listed packs, each of which must sit in `target` and still be pending.
fn listed_packs_in(
    conn: &mut DbConn,
    actor: &Actor,
    target: Parent,
    children: &[TradeItemRef],
) -> Result<Vec<ItemId>, ApiError> {
    let products = access::require_products(conn, actor, product_refs(children))?;
    let refs: Vec<&TradeItemRef> = children.iter().collect();
    let packs = load_packs(conn, actor, &products, &refs)?;
    let mut findings = Vec::new();
    let mut ids = Vec::with_capacity(children.len());
    for child in children {
        let row = packs.get(child);
        let label = format!("{} / {}", child.gtin, child.serial);
        match aggregation::check_removal(&child.path, &label, row.map(|r| r.parent), target) {
            Ok(()) => ids.extend(row.map(|r| r.id)),
            Err(f) => findings.push(f),
        }
        if let Some(r) = row.filter(|r| !r.status.allows_aggregation()) {
            findings.push(Finding::state(
                &child.path,
                format!("{label} is {}", r.status),
            ));
        }
    }
    if !findings.is_empty() {
        return Err(findings_error(findings));
    }
    Ok(ids)
}

/// Records a disaggregation: the listed children, or `None` for "all" (EPCIS: no childEPCs).
/// Removing nothing changes nothing and records nothing.
fn record_unpacking(
    conn: &mut DbConn,
    actor: &Actor,
    owner: &TenantId,
    parent: ObjectRef,
    listed: Option<Vec<ObjectRef>>,
    items: &[ItemId],
    containers: &[ContainerId],
) -> Result<(), ApiError> {
    let removed = items.len() + containers.len();
    if removed <= 1 {
        // Only the parent itself was touched: nothing came out.
        return Ok(());
    }
    let unpacked = Unpacked {
        parent,
        children: listed,
        count: removed - 1,
    };
    let event = Event {
        owner_tenant_id: owner,
        reason: None,
        payload: AuditPayload::Disaggregate(unpacked),
        items,
        containers,
    };
    audit::record(conn, actor, event)?;
    Ok(())
}
