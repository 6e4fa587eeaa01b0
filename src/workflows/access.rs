//! Which products and packs a caller may produce or change (PRODUCT.md §1.2).

use std::collections::HashMap;

use crate::db::{self, containers::ContainerRow, products::ProductRow, DbConn};
use crate::domain::actor::Actor;
use crate::error::{ApiError, Detail, ErrorType};
use crate::ids::{ContainerId, TenantId};

/// The products, by GTIN, that the actor may produce among `codes`: its own, and those an active
/// partnership grants it. Its own product wins if both carry the same GTIN.
pub fn producible(
    conn: &mut DbConn,
    actor: &Actor,
    codes: &[&str],
) -> Result<HashMap<String, ProductRow>, ApiError> {
    let mut found = db::products::owned_by_codes(conn, &actor.tenant_id, codes)?;
    if found.len() < codes.len() {
        let missing: Vec<&str> = codes
            .iter()
            .copied()
            .filter(|c| !found.contains_key(*c))
            .collect();
        for p in db::partnerships::granted_by_codes(conn, &actor.tenant_id, &missing)? {
            found.entry(p.product_code.clone()).or_insert(p);
        }
    }
    Ok(found)
}

/// Whether the actor may change this pack: the product's owner (MAH) may change any of its
/// packs; a CMO only the packs it produced itself. To anyone else the pack does not exist.
pub fn may_touch(actor: &Actor, product: &ProductRow, produced_by: &TenantId) -> bool {
    product.owner_tenant_id == actor.tenant_id || *produced_by == actor.tenant_id
}

/// Resolves every `(path, gtin)`; a GTIN the actor may not produce is a `ProductError` listing
/// each place it occurs — answered exactly as for a product that does not exist.
pub fn require_products<'a>(
    conn: &mut DbConn,
    actor: &Actor,
    refs: impl IntoIterator<Item = (String, &'a str)>,
) -> Result<HashMap<String, ProductRow>, ApiError> {
    let refs: Vec<(String, &str)> = refs.into_iter().collect();
    let mut codes: Vec<&str> = refs.iter().map(|(_, c)| *c).collect();
    codes.sort_unstable();
    codes.dedup();
    let found = producible(conn, actor, &codes)?;
    let missing: Vec<Detail> = refs
        .iter()
        .filter(|(_, code)| !found.contains_key(*code))
        .map(|(path, code)| Detail::at(path.clone(), format!("product {code} is not registered")))
        .collect();
    if missing.is_empty() {
        Ok(found)
    } else {
        Err(ApiError::new(
            ErrorType::Product,
            "The product does not exist; register it first",
        )
        .with_details(missing))
    }
}

/// The single owner (MAH) of a set of products; goods of different owners never share a parent.
pub fn single_owner<'a>(
    products: impl IntoIterator<Item = &'a ProductRow>,
) -> Result<TenantId, ApiError> {
    let mut owners: Vec<&TenantId> = products.into_iter().map(|p| &p.owner_tenant_id).collect();
    owners.sort_unstable();
    owners.dedup();
    match owners.as_slice() {
        [one] => Ok((*one).clone()),
        _ => Err(ApiError::state(
            "Items of different brand owners cannot share a parent",
            vec![],
        )),
    }
}

/// Whether the actor may see this container at all: the tenant that packed it, or the brand
/// owner of the goods inside. To anyone else it does not exist.
pub fn may_see_container(actor: &Actor, c: &ContainerRow) -> bool {
    c.produced_by == actor.tenant_id || c.owner_tenant_id == actor.tenant_id
}

/// A CMO changes containers holding its partner's goods only while it may still produce every
/// product below them: suspending or ending the partnership, or taking a product off its list,
/// stops these writes at once. The owner's own containers need no check. Refused containers
/// answer as if they did not exist.
pub fn require_container_rights(
    conn: &mut DbConn,
    actor: &Actor,
    owner: &TenantId,
    ids: &[ContainerId],
) -> Result<(), ApiError> {
    if *owner == actor.tenant_id {
        return Ok(());
    }
    let below = db::hierarchy::product_ids_below(conn, ids)?;
    if below.is_empty() {
        return Ok(());
    }
    let granted = db::partnerships::granted_product_ids(conn, &actor.tenant_id, &below)?;
    if below.iter().all(|p| granted.contains(p)) {
        Ok(())
    } else {
        Err(ApiError::not_found("Container"))
    }
}
