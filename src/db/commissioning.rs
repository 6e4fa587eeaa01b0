//! Read models of the commissioning views: what is pending approval for a brand owner (MAH).
//! Every query is scoped to products the caller owns, which is exactly the visibility rule: a
//! CMO's own products appear here, what it produced for a partner does not.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::containers::ContainerRow;
use super::dialect::{KeyList, Keys};
use super::items::{with_commission, ItemRow};
use super::schema::{commissions, containers, item_decommissions, items, products};
use super::types::status_code;
use super::DbConn;
use crate::domain::gs1::Batch;
use crate::domain::lifecycle::Status;
use crate::ids::{ContainerId, ItemId, ProductKey, TenantId};

const PENDING: i16 = status_code(Status::PendingCommissioningApproval);

#[derive(Debug, QueryableByName)]
pub struct ProductCount {
    #[diesel(sql_type = Text)]
    pub product_code: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = BigInt)]
    pub pending_items: i64,
}

/// The owner's products with their count of pending packs, by product code after the cursor.
pub fn product_counts(
    conn: &mut DbConn,
    owner: &TenantId,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ProductCount>> {
    diesel::sql_query(format!(
        "SELECT p.product_code, p.name, \
                (SELECT COUNT(*) FROM items i WHERE i.product_id = p.id AND i.status = {PENDING}) \
                AS pending_items \
         FROM products p WHERE p.owner_tenant_id = $1 AND ($2 IS NULL OR p.product_code > $2) \
         ORDER BY p.product_code LIMIT $3",
    ))
    .bind::<Text, _>(owner)
    .bind::<Nullable<Text>, _>(after)
    .bind::<BigInt, _>(limit)
    .load(conn)
}

/// Narrows a commissioning view; `None` fields do not filter.
#[derive(Debug, Default, Clone)]
pub struct PendingFilter {
    /// The owner's product (containers: those directly holding packs of it).
    pub product_id: Option<ProductKey>,
    /// Packs of this batch (containers: those directly holding such packs).
    pub batch: Option<Batch>,
    /// The producing tenant: the packer of a container, the commissioner of a pack.
    pub produced_by: Option<TenantId>,
    /// Packs only: `Some(true)` = in no parent, `Some(false)` = in a container or bundle.
    pub loose: Option<bool>,
}

/// Pending containers holding the owner's goods, narrowed by `f` (its product and batch: those
/// directly holding such packs; `loose` does not apply); cursor = container id.
pub fn pending_containers(
    conn: &mut DbConn,
    owner: &TenantId,
    f: &PendingFilter,
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
    if let Some(tenant) = &f.produced_by {
        q = q.filter(containers::produced_by.eq(tenant.clone()));
    }
    // Containers directly holding packs of the product and/or batch: one subquery per shape (a
    // boxed subquery would have to name one backend).
    let holding = items::table
        .filter(items::parent_container_id.is_not_null())
        .select(items::parent_container_id.assume_not_null());
    let batch = f.batch.as_ref().map(|b| b.as_str().to_string());
    match (f.product_id, batch) {
        (Some(pid), Some(b)) => {
            let sub = holding.filter(items::product_id.eq(pid)).filter(
                items::commission_id.eq_any(
                    commissions::table
                        .filter(commissions::batch.eq(b))
                        .select(commissions::id.nullable()),
                ),
            );
            q = q.filter(containers::id.eq_any(sub));
        }
        (Some(pid), None) => {
            q = q.filter(containers::id.eq_any(holding.filter(items::product_id.eq(pid))));
        }
        (None, Some(b)) => {
            let sub = holding.filter(
                items::commission_id.eq_any(
                    commissions::table
                        .filter(commissions::batch.eq(b))
                        .select(commissions::id.nullable()),
                ),
            );
            q = q.filter(containers::id.eq_any(sub));
        }
        (None, None) => {}
    }
    q.load(conn)
}

/// What one container directly holds of one product, batch and expiry.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Contents {
    #[diesel(sql_type = BigInt)]
    pub container_id: ContainerId,
    #[diesel(sql_type = Text)]
    pub product_code: String,
    #[diesel(sql_type = Text)]
    pub batch: String,
    #[diesel(sql_type = Text)]
    pub expiry_date: String,
    #[diesel(sql_type = BigInt)]
    pub packs: i64,
}

/// The packs directly in the given containers, counted by product, batch and expiry: one
/// grouped statement for a whole page, ordered by container, product code, batch, expiry.
pub fn contents(conn: &mut DbConn, ids: &[ContainerId]) -> QueryResult<Vec<Contents>> {
    let keys = Keys::ids(conn, ids.iter().copied());
    diesel::sql_query(format!(
        "SELECT i.parent_container_id AS container_id, p.product_code, c.batch, c.expiry_date, \
                COUNT(*) AS packs \
         FROM items i JOIN products p ON p.id = i.product_id \
         JOIN commissions c ON c.id = i.commission_id \
         WHERE {} \
         GROUP BY i.parent_container_id, p.product_code, c.batch, c.expiry_date \
         ORDER BY i.parent_container_id, p.product_code, c.batch, c.expiry_date",
        keys.sql_contains("i.parent_container_id", 1)
    ))
    .bind::<KeyList<BigInt>, _>(keys)
    .load(conn)
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

/// Pending packs of the owner's products, narrowed by `f`; cursor = item id.
pub fn pending_items(
    conn: &mut DbConn,
    owner: &TenantId,
    f: &PendingFilter,
    after: Option<ItemId>,
    limit: i64,
) -> QueryResult<Vec<(ItemRow, String)>> {
    // The status as a literal: only then may the planners use the partial index `items_pending`.
    let pending = format!("items.status = {PENDING}");
    let mut q = with_commission!()
        .inner_join(products::table.on(products::id.eq(items::product_id)))
        .filter(products::owner_tenant_id.eq(owner))
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(&pending))
        .select((ItemRow::as_select(), products::product_code))
        .order(items::id)
        .limit(limit)
        .into_boxed();
    if let Some(pid) = &f.product_id {
        q = q.filter(items::product_id.eq(*pid));
    }
    if let Some(b) = &f.batch {
        q = q.filter(commissions::batch.eq(b.as_str().to_string()));
    }
    if let Some(tenant) = &f.produced_by {
        q = q.filter(commissions::produced_by.eq(tenant.clone()));
    }
    match f.loose {
        Some(true) => {
            q = q.filter(
                items::parent_container_id
                    .is_null()
                    .and(items::parent_item_id.is_null()),
            )
        }
        Some(false) => {
            q = q.filter(
                items::parent_container_id
                    .is_not_null()
                    .or(items::parent_item_id.is_not_null()),
            )
        }
        None => {}
    }
    if let Some(after) = after {
        q = q.filter(items::id.gt(after));
    }
    q.load(conn)
}
