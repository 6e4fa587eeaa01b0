//! Brand ownership: who holds which company prefix, which GTINs the operator assigned.

use super::{count, execute, texts, Arg};
use crate::kit::app::TestDb;

/// The tenant holding exactly this company prefix, if any.
pub fn prefix_holder(db: &TestDb, prefix: &str) -> Option<String> {
    texts(
        db,
        "SELECT tenant_id AS t FROM company_prefixes WHERE prefix = ?",
        &[Arg::Text(prefix)],
    )
    .into_iter()
    .next()
    .flatten()
}

/// Company prefixes held, by any tenant.
pub fn prefix_count(db: &TestDb) -> i64 {
    count(db, "SELECT COUNT(*) AS n FROM company_prefixes", &[])
}

/// The tenant the operator assigned this GTIN to, if any.
pub fn gtin_assignee(db: &TestDb, gtin: &str) -> Option<String> {
    texts(
        db,
        "SELECT tenant_id AS t FROM gtin_assignments WHERE product_code = ?",
        &[Arg::Text(gtin)],
    )
    .into_iter()
    .next()
    .flatten()
}

/// The owners of the products registered under this GTIN (a GTIN has at most one).
pub fn product_owners(db: &TestDb, gtin: &str) -> Vec<String> {
    texts(
        db,
        "SELECT owner_tenant_id AS t FROM products WHERE product_code = ? ORDER BY t",
        &[Arg::Text(gtin)],
    )
    .into_iter()
    .flatten()
    .collect()
}

/// Inserts a product row straight into the database, as someone with database access would.
pub fn insert_product(db: &TestDb, owner: &str, gtin: &str) -> Result<usize, String> {
    let id = uuid::Uuid::new_v4().to_string();
    execute(
        db,
        "INSERT INTO products (id, owner_tenant_id, product_code, name, created_at) \
         VALUES (?, ?, ?, 'raw', ?)",
        &[
            Arg::Text(&id),
            Arg::Text(owner),
            Arg::Text(gtin),
            Arg::Time(chrono::Utc::now().naive_utc()),
        ],
    )
}
