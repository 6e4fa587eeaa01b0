//! Serial pools and packaging orders as stored: pooled serials are `items` rows with status 0.

use super::{count, texts, Arg, TestDb};

/// Unused serials in the pool of a product (any holder).
pub fn pooled_count(db: &TestDb, gtin: &str) -> i64 {
    count(
        db,
        "SELECT COUNT(*) AS n FROM items i JOIN products p ON p.id = i.product_id \
         WHERE p.product_code = ? AND i.status = 0",
        &[Arg::Text(gtin)],
    )
}

/// Every serial of a product in the registry (pooled and packs), sorted.
pub fn all_serials_of(db: &TestDb, gtin: &str) -> Vec<String> {
    texts(
        db,
        "SELECT i.serial_number AS t FROM items i JOIN products p ON p.id = i.product_id \
         WHERE p.product_code = ? ORDER BY i.serial_number",
        &[Arg::Text(gtin)],
    )
    .into_iter()
    .flatten()
    .collect()
}

/// The pooled serials of a product that `tenant` holds in its stock (kind 1), sorted.
pub fn stock_of(db: &TestDb, gtin: &str, tenant: &str) -> Vec<String> {
    texts(
        db,
        "SELECT i.serial_number AS t FROM items i JOIN pool_holders h ON h.id = i.holder_id \
         JOIN products p ON p.id = i.product_id \
         WHERE p.product_code = ? AND h.tenant_id = ? AND h.kind = 1 AND i.status = 0 \
         ORDER BY i.serial_number",
        &[Arg::Text(gtin), Arg::Text(tenant)],
    )
    .into_iter()
    .flatten()
    .collect()
}

/// Packaging orders stored, of every tenant.
pub fn order_count(db: &TestDb) -> i64 {
    count(db, "SELECT COUNT(*) AS n FROM packaging_orders", &[])
}
