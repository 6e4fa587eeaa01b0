//! Serial pools and packaging orders as stored: pooled serials are `items` rows with status 0.

use super::{batch, count, execute, texts, Arg, Db, TestDb};

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

/// Points pack `serial` of `gtin` at a commission of product `of`, as someone with database
/// access could try: the rows changed, or the database's refusal. Foreign keys are switched on
/// for the statement on SQLite (a raw connection has them off).
pub fn try_repoint_commission(
    db: &TestDb,
    gtin: &str,
    serial: &str,
    of: &str,
) -> Result<usize, String> {
    with_keys(db, || {
        execute(
            db,
            "UPDATE items SET commission_id = (SELECT c.id FROM commissions c \
             JOIN products p ON p.id = c.product_id WHERE p.product_code = ? ORDER BY c.id LIMIT 1) \
             WHERE serial_number = ? AND product_id = (SELECT id FROM products WHERE product_code = ?)",
            &[Arg::Text(of), Arg::Text(serial), Arg::Text(gtin)],
        )
    })
}

/// Points pooled serial `serial` of `gtin` at a pool holder of product `of` (see above).
pub fn try_repoint_holder(
    db: &TestDb,
    gtin: &str,
    serial: &str,
    of: &str,
) -> Result<usize, String> {
    with_keys(db, || {
        execute(
            db,
            "UPDATE items SET holder_id = (SELECT h.id FROM pool_holders h \
             JOIN products p ON p.id = h.product_id WHERE p.product_code = ? ORDER BY h.id LIMIT 1) \
             WHERE serial_number = ? AND product_id = (SELECT id FROM products WHERE product_code = ?)",
            &[Arg::Text(of), Arg::Text(serial), Arg::Text(gtin)],
        )
    })
}

fn with_keys<T>(db: &TestDb, f: impl FnOnce() -> T) -> T {
    let sqlite = db.backend == Db::Sqlite;
    if sqlite {
        batch(db, "PRAGMA foreign_keys = ON").expect("foreign keys on");
    }
    let out = f();
    if sqlite {
        batch(db, "PRAGMA foreign_keys = OFF").expect("foreign keys off");
    }
    out
}

/// Moves pack `serial` of `gtin` (or, with `pooled`, that pooled serial) to a product id no
/// product has, keeping its commission and holder (see above): the database must refuse it
/// although `items.product_id` has no foreign key of its own on PostgreSQL.
pub fn try_move_to_missing_product(db: &TestDb, gtin: &str, serial: &str) -> Result<usize, String> {
    with_keys(db, || {
        execute(
            db,
            "UPDATE items SET product_id = (SELECT MAX(id) + 1000 FROM products) \
             WHERE serial_number = ? AND product_id = (SELECT id FROM products WHERE product_code = ?)",
            &[Arg::Text(serial), Arg::Text(gtin)],
        )
    })
}
