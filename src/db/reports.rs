//! Batch reconciliation counts, computed by the database in one grouped query.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, SmallInt, Text};

use super::DbConn;
use crate::domain::lifecycle::{DecommissionReason, Status};
use crate::ids::ProductKey;

#[derive(Debug, Default)]
pub struct BatchCounts {
    pub pending: i64,
    pub released: i64,
    /// Packs currently inside a parent (not decommissioned).
    pub aggregated: i64,
    pub by_reason: BTreeMap<String, i64>,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = SmallInt)]
    status: Status,
    #[diesel(sql_type = Nullable<Text>)]
    reason: Option<DecommissionReason>,
    #[diesel(sql_type = BigInt)]
    total: i64,
    #[diesel(sql_type = BigInt)]
    in_parent: i64,
}

pub fn batch_counts(
    conn: &mut DbConn,
    product_id: ProductKey,
    batch: &str,
) -> QueryResult<BatchCounts> {
    // The batch's commissions are few; their packs are read through the product's unique
    // (product, serial) index.
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT i.status, d.reason, COUNT(*) AS total, \
                SUM(CASE WHEN i.parent_container_id IS NOT NULL OR i.parent_item_id IS NOT NULL \
                    THEN 1 ELSE 0 END) AS in_parent \
         FROM items i LEFT JOIN item_decommissions d ON d.item_id = i.id \
         WHERE i.product_id = $1 AND i.commission_id IN \
               (SELECT c.id FROM commissions c WHERE c.product_id = $1 AND c.batch = $2) \
         GROUP BY i.status, d.reason",
    )
    .bind::<BigInt, _>(product_id)
    .bind::<Text, _>(batch)
    .load(conn)?;
    let mut c = BatchCounts::default();
    for r in rows {
        match r.status {
            Status::PendingCommissioningApproval => c.pending += r.total,
            Status::Released => c.released += r.total,
            Status::Decommissioned => {
                let reason = r.reason.unwrap_or(DecommissionReason::Other);
                *c.by_reason.entry(reason.as_str().into()).or_default() += r.total
            }
        }
        if r.status != Status::Decommissioned {
            c.aggregated += r.in_parent;
        }
    }
    Ok(c)
}
