//! Batch reconciliation counts, computed by the database in one grouped query.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::DbConn;
use crate::domain::lifecycle::{DecommissionReason, Status};
use crate::ids::ProductId;

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
    #[diesel(sql_type = Text)]
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
    product_id: &ProductId,
    batch: &str,
) -> QueryResult<BatchCounts> {
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT status, decommission_reason AS reason, COUNT(*) AS total, \
                SUM(CASE WHEN parent_container_id IS NOT NULL OR parent_item_id IS NOT NULL THEN 1 ELSE 0 END) AS in_parent \
         FROM items WHERE product_id = $1 AND batch = $2 GROUP BY status, decommission_reason",
    )
    .bind::<Text, _>(product_id)
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
