//! `DELETE /aggregate/trade_item`: the listed packs, or all, out of a bundle pack.

use super::{record_unpacking, remove_packs};
use crate::db::DbConn;
use crate::domain::actor::Actor;
use crate::domain::aggregation::Parent;
use crate::domain::audit_payload::ObjectRef;
use crate::domain::trade_item::TradeItemRef;
use crate::error::{ApiError, Detail};
use crate::workflows::access;
use crate::workflows::aggregate::{load_packs, lock_nesting, pack_ref};

/// Takes the packs out of the bundle pack `parent`; returns how many came out.
pub fn packs_from_pack(
    conn: &mut DbConn,
    actor: &Actor,
    parent: &TradeItemRef,
    children: Option<&[TradeItemRef]>,
) -> Result<usize, ApiError> {
    let products = access::require_products(
        conn,
        actor,
        [("parent.product_code".to_string(), parent.gtin.as_str())],
    )?;
    lock_nesting(conn, actor)?;
    let packs = load_packs(conn, actor, &products, &[parent])?;
    let row = packs
        .get(parent)
        .ok_or_else(|| ApiError::not_found("Parent pack"))?;
    if !row.status.allows_aggregation() {
        return Err(ApiError::state(
            format!("The parent pack is {}", row.status),
            vec![Detail::at("parent", row.status.to_string())],
        ));
    }
    let (row_id, owner) = (
        row.id,
        products[parent.gtin.as_str()].owner_tenant_id.clone(),
    );
    let ids = remove_packs(conn, actor, Parent::Item(row_id), children)?;
    let listed = children.map(|c| c.iter().map(|p| ObjectRef::Pack(pack_ref(p))).collect());
    let mut touched = ids.clone();
    touched.push(row_id);
    let parent = ObjectRef::Pack(pack_ref(parent));
    record_unpacking(conn, actor, &owner, parent, listed, &touched, &[])?;
    Ok(ids.len())
}
