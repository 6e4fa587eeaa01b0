//! Read models of the commissioning views: what is pending approval for a brand owner (MAH).
//! Every query is scoped to products the caller owns, which is exactly the visibility rule: a
//! CMO's own products appear here, what it produced for a partner does not.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::containers::ContainerRow;
use super::items::ItemRow;
use super::schema::{containers, items, products};
use super::DbConn;

const PENDING: &str = "pending_commissioning_approval";

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
    owner: &str,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ProductCount>> {
    diesel::sql_query(
        "SELECT p.product_code, p.name, \
                (SELECT COUNT(*) FROM items i WHERE i.product_id = p.id AND i.status = 'pending_commissioning_approval') AS pending_items \
         FROM products p WHERE p.tenant_id = $1 AND ($2 IS NULL OR p.product_code > $2) \
         ORDER BY p.product_code LIMIT $3",
    )
    .bind::<Text, _>(owner)
    .bind::<Nullable<Text>, _>(after)
    .bind::<BigInt, _>(limit)
    .load(conn)
}

/// Narrows a commissioning view; `None` fields do not filter.
#[derive(Debug, Default, Clone)]
pub struct PendingFilter {
    /// The owner's product id (containers: those directly holding packs of it).
    pub product_id: Option<String>,
    /// Packs of this batch (containers: those directly holding such packs).
    pub batch: Option<String>,
    /// The producing tenant: the packer of a container, the commissioner of a pack.
    pub produced_by: Option<String>,
    /// Packs only: `Some(true)` = in no parent, `Some(false)` = in a container or bundle.
    pub loose: Option<bool>,
}

/// Pending containers holding the owner's goods, optionally only those directly holding packs of
/// one product and/or batch, or packed by one tenant; cursor = container id.
pub fn pending_containers(
    conn: &mut DbConn,
    owner: &str,
    f: &PendingFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<ContainerRow>> {
    let mut q = containers::table
        .filter(containers::owner_tenant_id.eq(owner))
        .filter(containers::status.eq(PENDING))
        .select(ContainerRow::as_select())
        .order(containers::id)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(containers::id.gt(after));
    }
    if let Some(tenant) = &f.produced_by {
        q = q.filter(containers::tenant_id.eq(tenant.clone()));
    }
    // Containers directly holding packs of the product and/or batch (one subquery per shape: a
    // boxed subquery would have to name one backend).
    let holding = items::table
        .filter(items::parent_container_id.is_not_null())
        .select(items::parent_container_id.assume_not_null());
    match (&f.product_id, &f.batch) {
        (Some(pid), Some(b)) => {
            let sub = holding
                .filter(items::product_id.eq(pid.clone()))
                .filter(items::batch.eq(b.clone()));
            q = q.filter(containers::id.eq_any(sub));
        }
        (Some(pid), None) => {
            q = q.filter(containers::id.eq_any(holding.filter(items::product_id.eq(pid.clone()))));
        }
        (None, Some(b)) => {
            q = q.filter(containers::id.eq_any(holding.filter(items::batch.eq(b.clone()))));
        }
        (None, None) => {}
    }
    q.load(conn)
}

/// What one container directly holds of one product, batch and expiry.
#[derive(Debug)]
pub struct Contents {
    pub container_id: i64,
    pub product_code: String,
    pub batch: String,
    pub expiry_date: String,
    pub packs: i64,
}

/// The packs directly in the given containers, counted by product, batch and expiry (ordered
/// by container, product code, batch, expiry).
pub fn contents(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Contents>> {
    use diesel::dsl::count_star;
    let groups: Vec<(i64, String, String, String, i64)> = items::table
        .filter(items::parent_container_id.eq_any(ids))
        .group_by((
            items::parent_container_id,
            items::product_id,
            items::batch,
            items::expiry_date,
        ))
        .select((
            items::parent_container_id.assume_not_null(),
            items::product_id,
            items::batch,
            items::expiry_date,
            count_star(),
        ))
        .load(conn)?;
    let mut pids: Vec<&str> = groups.iter().map(|g| g.1.as_str()).collect();
    pids.sort_unstable();
    pids.dedup();
    let codes: std::collections::HashMap<String, String> = products::table
        .filter(products::id.eq_any(&pids))
        .select((products::id, products::product_code))
        .load(conn)?
        .into_iter()
        .collect();
    let mut out: Vec<Contents> = groups
        .into_iter()
        .map(|(container_id, pid, batch, expiry_date, packs)| Contents {
            container_id,
            product_code: codes.get(&pid).cloned().unwrap_or_default(),
            batch,
            expiry_date,
            packs,
        })
        .collect();
    out.sort_by(|a, b| {
        (a.container_id, &a.product_code, &a.batch, &a.expiry_date).cmp(&(
            b.container_id,
            &b.product_code,
            &b.batch,
            &b.expiry_date,
        ))
    });
    Ok(out)
}

/// (container id, direct children) for the given containers.
pub fn child_counts(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    use diesel::dsl::count_star;
    let packs: Vec<(Option<i64>, i64)> = items::table
        .filter(items::parent_container_id.eq_any(ids))
        .group_by(items::parent_container_id)
        .select((items::parent_container_id, count_star()))
        .load(conn)?;
    let boxes: Vec<(Option<i64>, i64)> = containers::table
        .filter(containers::parent_container_id.eq_any(ids))
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
    owner: &str,
    f: &PendingFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<(ItemRow, String)>> {
    let mut q = items::table
        .inner_join(products::table)
        .filter(products::tenant_id.eq(owner))
        .filter(items::status.eq(PENDING))
        .select((ItemRow::as_select(), products::product_code))
        .order(items::id)
        .limit(limit)
        .into_boxed();
    if let Some(pid) = &f.product_id {
        q = q.filter(items::product_id.eq(pid.clone()));
    }
    if let Some(b) = &f.batch {
        q = q.filter(items::batch.eq(b.clone()));
    }
    if let Some(tenant) = &f.produced_by {
        q = q.filter(items::produced_by.eq(tenant.clone()));
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
