//! Read models of the commissioning views: what is pending approval for a brand owner (MAH).
//! Every query is scoped to products the caller owns, which is exactly the visibility rule: a
//! CMO's own products appear here, what it produced for a partner does not.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::containers::ContainerRow;
use super::dialect::Keys;
use super::items::ItemRow;
use super::schema::{containers, items, products};
use super::DbConn;
use crate::domain::lifecycle::Status;
use crate::ids::{ContainerId, ItemId, ProductId, TenantId};

#[derive(Debug, QueryableByName)]
pub struct ProductCount {
    #[diesel(sql_type = Text)]
    pub product_code: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = BigInt)]
    pub pending_items: i64,
}

/// The owner's products with their count of pending packs.
pub fn product_counts(conn: &mut DbConn, owner: &TenantId) -> QueryResult<Vec<ProductCount>> {
    diesel::sql_query(
        "SELECT p.product_code, p.name, \
                (SELECT COUNT(*) FROM items i WHERE i.product_id = p.id AND i.status = $1) AS pending_items \
         FROM products p WHERE p.owner_tenant_id = $2 ORDER BY p.product_code",
    )
    .bind::<Text, _>(Status::PendingCommissioningApproval)
    .bind::<Text, _>(owner)
    .load(conn)
}

/// Pending containers holding the owner's goods, optionally only those directly holding packs of
/// one product; cursor = container id.
pub fn pending_containers(
    conn: &mut DbConn,
    owner: &TenantId,
    product_id: Option<&ProductId>,
    after: Option<ContainerId>,
    limit: i64,
) -> QueryResult<Vec<ContainerRow>> {
    let mut q = containers::table
        .filter(containers::owner_tenant_id.eq(owner))
        .filter(containers::status.eq(Status::PendingCommissioningApproval))
        .select(ContainerRow::as_select())
        .order(containers::id)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(containers::id.gt(after));
    }
    if let Some(pid) = product_id {
        let holding = items::table
            .filter(items::product_id.eq(pid.clone()))
            .filter(items::parent_container_id.is_not_null())
            .select(items::parent_container_id.assume_not_null());
        q = q.filter(containers::id.eq_any(holding));
    }
    q.load(conn)
}

/// (container id, direct children) for the given containers.
pub fn child_counts(
    conn: &mut DbConn,
    ids: &[ContainerId],
) -> QueryResult<Vec<(ContainerId, i64)>> {
    use diesel::dsl::count_star;
    let packs: Vec<(Option<ContainerId>, i64)> = items::table
        .filter(Keys::ids(conn, ids.iter().copied()).contains(items::parent_container_id))
        .group_by(items::parent_container_id)
        .select((items::parent_container_id, count_star()))
        .load(conn)?;
    let boxes: Vec<(Option<ContainerId>, i64)> = containers::table
        .filter(Keys::ids(conn, ids.iter().copied()).contains(containers::parent_container_id))
        .group_by(containers::parent_container_id)
        .select((containers::parent_container_id, count_star()))
        .load(conn)?;
    Ok(packs
        .into_iter()
        .chain(boxes)
        .filter_map(|(id, n)| id.map(|id| (id, n)))
        .collect())
}

/// Pending packs of the owner's products, optionally one product and batch; cursor = item id.
pub fn pending_items(
    conn: &mut DbConn,
    owner: &TenantId,
    product_id: Option<&ProductId>,
    batch: Option<&str>,
    after: Option<ItemId>,
    limit: i64,
) -> QueryResult<Vec<(ItemRow, String)>> {
    let mut q = items::table
        .inner_join(products::table)
        .filter(products::owner_tenant_id.eq(owner))
        .filter(items::status.eq(Status::PendingCommissioningApproval))
        .select((ItemRow::as_select(), products::product_code))
        .order(items::id)
        .limit(limit)
        .into_boxed();
    if let Some(pid) = product_id {
        q = q.filter(items::product_id.eq(pid.clone()));
    }
    if let Some(b) = batch {
        q = q.filter(items::batch.eq(b.to_string()));
    }
    if let Some(after) = after {
        q = q.filter(items::id.gt(after));
    }
    q.load(conn)
}
