//! Packaging orders. A transition is one conditional UPDATE (`WHERE status = <from>`): of two
//! concurrent transitions of one order exactly one matches; the other sees 0 rows and is refused.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::dialect;
use super::schema::packaging_orders;
use super::Backend;
use super::DbConn;
use crate::domain::audit_payload::Reconciliation;
use crate::domain::pools::OrderStatus;
use crate::ids::{OrderKey, OrderUid, ProductKey, TenantId};

/// The stored code of an order status; the CHECK of the migration allows exactly these.
pub const fn status_code(s: OrderStatus) -> i16 {
    match s {
        OrderStatus::Open => 1,
        OrderStatus::PendingRelease => 2,
        OrderStatus::InProgress => 3,
        OrderStatus::Suspended => 4,
        OrderStatus::Finished => 5,
    }
}

/// The status a stored code stands for.
pub fn status_of_code(code: i16) -> Option<OrderStatus> {
    OrderStatus::ALL
        .iter()
        .copied()
        .find(|s| status_code(*s) == code)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = packaging_orders)]
pub struct OrderRow {
    #[diesel(column_name = id)]
    pub key: OrderKey,
    pub uid: OrderUid,
    pub tenant_id: TenantId,
    pub order_id: String,
    pub product_id: ProductKey,
    pub batch: String,
    pub expiry_date: String,
    pub quantity: i64,
    pub line: Option<String>,
    #[diesel(column_name = status)]
    pub status_code: i16,
    pub assigned: i64,
    pub rec_commissioned: Option<i64>,
    pub rec_aggregated: Option<i64>,
    pub rec_decommissioned: Option<i64>,
    pub rec_returned: Option<i64>,
    pub created_at: NaiveDateTime,
}

impl OrderRow {
    pub fn status(&self) -> OrderStatus {
        // The CHECK constraint admits only the five codes.
        status_of_code(self.status_code).unwrap_or(OrderStatus::Finished)
    }

    /// The counts `finish` froze, once finished.
    pub fn reconciliation(&self) -> Option<Reconciliation> {
        Some(Reconciliation {
            assigned: self.assigned as u64,
            commissioned: self.rec_commissioned? as u64,
            aggregated: self.rec_aggregated? as u64,
            decommissioned: self.rec_decommissioned? as u64,
            returned: self.rec_returned? as u64,
        })
    }
}

pub struct NewOrder<'a> {
    pub uid: &'a OrderUid,
    pub tenant_id: &'a TenantId,
    pub order_id: &'a str,
    pub product_id: ProductKey,
    pub batch: &'a str,
    pub expiry_date: &'a str,
    pub quantity: i64,
    pub line: Option<&'a str>,
    pub at: NaiveDateTime,
}

/// Inserts an order `open`; `None` when the tenant already has one with this `order_id`.
pub fn insert(conn: &mut DbConn, o: &NewOrder<'_>) -> QueryResult<Option<OrderKey>> {
    let insert = diesel::insert_into(packaging_orders::table)
        .values((
            packaging_orders::uid.eq(o.uid),
            packaging_orders::tenant_id.eq(o.tenant_id),
            packaging_orders::order_id.eq(o.order_id),
            packaging_orders::product_id.eq(o.product_id),
            packaging_orders::batch.eq(o.batch),
            packaging_orders::expiry_date.eq(o.expiry_date),
            packaging_orders::quantity.eq(o.quantity),
            packaging_orders::line.eq(o.line),
            packaging_orders::status.eq(status_code(OrderStatus::Open)),
            packaging_orders::created_at.eq(o.at),
        ))
        .on_conflict_do_nothing();
    if dialect::insert_or_ignore(conn, insert)? == 0 {
        return Ok(None);
    }
    Ok(find(conn, o.tenant_id, o.order_id)?.map(|r| r.key))
}

/// The tenant's order by its `order_id`.
pub fn find(conn: &mut DbConn, tenant: &TenantId, order_id: &str) -> QueryResult<Option<OrderRow>> {
    packaging_orders::table
        .filter(packaging_orders::tenant_id.eq(tenant))
        .filter(packaging_orders::order_id.eq(order_id))
        .select(OrderRow::as_select())
        .first(conn)
        .optional()
}

/// Locks the order row until the transaction ends: exclusively for a transition, shared for a
/// commissioning against it (many lines may commission at once; `finish` waits for them, and
/// they for it). SQLite's single writer already serialises both.
pub fn lock(conn: &mut DbConn, key: OrderKey, shared: bool) -> QueryResult<()> {
    if dialect::backend(conn) == Backend::Sqlite {
        return Ok(());
    }
    let mode = if shared { "FOR SHARE" } else { "FOR UPDATE" };
    diesel::sql_query(format!(
        "SELECT id FROM packaging_orders WHERE id = $1 {mode}"
    ))
    .bind::<BigInt, _>(key)
    .execute(conn)?;
    Ok(())
}

/// `from` → `to`; false when the order is no longer in `from`. When it changed is in the audit
/// trail.
pub fn transition(
    conn: &mut DbConn,
    key: OrderKey,
    from: OrderStatus,
    to: OrderStatus,
) -> QueryResult<bool> {
    let n = diesel::update(
        packaging_orders::table
            .find(key)
            .filter(packaging_orders::status.eq(status_code(from))),
    )
    .set(packaging_orders::status.eq(status_code(to)))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn set_assigned(conn: &mut DbConn, key: OrderKey, n: u64) -> QueryResult<()> {
    diesel::update(packaging_orders::table.find(key))
        .set(packaging_orders::assigned.eq(n as i64))
        .execute(conn)?;
    Ok(())
}

pub fn set_reconciliation(conn: &mut DbConn, key: OrderKey, r: &Reconciliation) -> QueryResult<()> {
    diesel::update(packaging_orders::table.find(key))
        .set((
            packaging_orders::rec_commissioned.eq(r.commissioned as i64),
            packaging_orders::rec_aggregated.eq(r.aggregated as i64),
            packaging_orders::rec_decommissioned.eq(r.decommissioned as i64),
            packaging_orders::rec_returned.eq(r.returned as i64),
        ))
        .execute(conn)?;
    Ok(())
}

/// What became of the packs commissioned against the order so far: (commissioned, aggregated —
/// in a parent now —, decommissioned).
pub fn pack_counts(conn: &mut DbConn, key: OrderKey) -> QueryResult<(u64, u64, u64)> {
    #[derive(QueryableByName)]
    struct Counts {
        #[diesel(sql_type = BigInt)]
        commissioned: i64,
        #[diesel(sql_type = BigInt)]
        aggregated: i64,
        #[diesel(sql_type = BigInt)]
        decommissioned: i64,
    }
    let c: Counts = diesel::sql_query(format!(
        "SELECT COUNT(*) AS commissioned, \
                COALESCE(SUM(CASE WHEN i.parent_container_id IS NOT NULL \
                    OR i.parent_item_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS aggregated, \
                COALESCE(SUM(CASE WHEN i.status = {} THEN 1 ELSE 0 END), 0) AS decommissioned \
         FROM items i WHERE i.commission_id IN \
              (SELECT c.id FROM commissions c WHERE c.order_id = $1)",
        super::types::status_code(crate::domain::lifecycle::Status::Decommissioned)
    ))
    .bind::<BigInt, _>(key)
    .get_result(conn)?;
    Ok((
        c.commissioned as u64,
        c.aggregated as u64,
        c.decommissioned as u64,
    ))
}

/// The tenant's orders that are not finished, by creation, after row `after`.
pub fn list_unfinished(
    conn: &mut DbConn,
    tenant: &TenantId,
    after: Option<OrderKey>,
    limit: i64,
) -> QueryResult<Vec<OrderRow>> {
    let mut q = packaging_orders::table
        .filter(packaging_orders::tenant_id.eq(tenant))
        .filter(packaging_orders::status.ne(status_code(OrderStatus::Finished)))
        .order(packaging_orders::id)
        .limit(limit)
        .select(OrderRow::as_select())
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(packaging_orders::id.gt(a));
    }
    q.load(conn)
}

/// Every order of one product and batch, whoever runs it (the owner's batch report).
pub fn of_batch(conn: &mut DbConn, product: ProductKey, batch: &str) -> QueryResult<Vec<OrderRow>> {
    packaging_orders::table
        .filter(packaging_orders::product_id.eq(product))
        .filter(packaging_orders::batch.eq(batch))
        .order(packaging_orders::id)
        .select(OrderRow::as_select())
        .load(conn)
}

/// The `order_id`s of orders by key.
pub fn names(
    conn: &mut DbConn,
    keys: &[OrderKey],
) -> QueryResult<std::collections::HashMap<OrderKey, String>> {
    Ok(packaging_orders::table
        .filter(
            super::dialect::Keys::ids(conn, keys.iter().copied()).contains(packaging_orders::id),
        )
        .select((packaging_orders::id, packaging_orders::order_id))
        .load::<(OrderKey, String)>(conn)?
        .into_iter()
        .collect())
}
