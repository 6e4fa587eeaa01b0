//! `DELETE /aggregate/container`: the listed packs, or all, out of an SSCC.

use super::{parent_container, product_refs, record_unpacking, remove_packs};
use crate::db::DbConn;
use crate::domain::actor::Actor;
use crate::domain::aggregation::Parent;
use crate::domain::audit_payload::ObjectRef;
use crate::domain::gs1::Sscc;
use crate::domain::trade_item::TradeItemRef;
use crate::error::ApiError;
use crate::workflows::access;
use crate::workflows::aggregate::pack_ref;

/// Takes the packs out of the container `parent`; returns how many came out.
pub fn packs_from_container(
    conn: &mut DbConn,
    actor: &Actor,
    parent: &Sscc,
    children: Option<&[TradeItemRef]>,
) -> Result<usize, ApiError> {
    // Listed children name their products: one the caller may not produce is a `ProductError`,
    // answered before anything about the parent is revealed.
    if let Some(children) = children {
        access::require_products(conn, actor, product_refs(children))?;
    }
    let container = parent_container(conn, actor, parent)?;
    let ids = remove_packs(conn, actor, Parent::Container(container.id), children)?;
    let listed = children.map(|c| c.iter().map(|p| ObjectRef::Pack(pack_ref(p))).collect());
    let sscc = parent.clone();
    record_unpacking(
        conn,
        actor,
        &container.owner_tenant_id,
        ObjectRef::Container { sscc },
        listed,
        &ids,
        &[container.id],
    )?;
    Ok(ids.len())
}
