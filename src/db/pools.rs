//! Serial pools: pooled serials are `items` rows with status 0 and a holder (see the migration
//! `2026-12-02-000007_serial_pools`). Every change here is one conditional statement whose
//! `WHERE` re-checks what the request needs (still pooled, still held by the expected holder), so
//! concurrent requests — on any number of instances — can never hand a serial out twice: the
//! database decides which one gets a row.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, SmallInt, Text};

use super::dialect::{self, KeyList, Keys};
use super::items::KEY_CHUNK;
use super::schema::{items, pool_holders};
use super::DbConn;
use crate::domain::pools::HolderKind;
use crate::ids::{CommissionId, HolderKey, ItemId, OrderKey, ProductKey, TenantId};

/// The status code of a pooled serial (packs have 1-3, `db::types`).
pub const POOLED: i16 = 0;

/// Rows per generated-serials insert: bounds one statement's work and its bound JSON / array.
pub const INSERT_CHUNK: usize = 50_000;

#[derive(QueryableByName)]
struct Serial {
    #[diesel(sql_type = Text)]
    serial_number: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The holder `(product, tenant, kind)` for a stock or taken holder, created on first use.
pub fn tenant_holder(
    conn: &mut DbConn,
    product: ProductKey,
    tenant: &TenantId,
    kind: HolderKind,
) -> QueryResult<HolderKey> {
    debug_assert!(kind != HolderKind::Order);
    let find = |c: &mut DbConn| {
        pool_holders::table
            .filter(pool_holders::product_id.eq(product))
            .filter(pool_holders::tenant_id.eq(tenant))
            .filter(pool_holders::kind.eq(kind.code()))
            .select(pool_holders::id)
            .first::<HolderKey>(c)
            .optional()
    };
    if let Some(h) = find(conn)? {
        return Ok(h);
    }
    // Two requests may create it at once: the partial unique index keeps one.
    let insert = diesel::insert_into(pool_holders::table)
        .values((
            pool_holders::product_id.eq(product),
            pool_holders::tenant_id.eq(tenant),
            pool_holders::kind.eq(kind.code()),
        ))
        .on_conflict_do_nothing();
    dialect::insert_or_ignore(conn, insert)?;
    find(conn)?.ok_or(diesel::result::Error::NotFound)
}

/// The holder `(product, tenant, kind)` if it exists (reads must not create one).
pub fn find_holder(
    conn: &mut DbConn,
    product: ProductKey,
    tenant: &TenantId,
    kind: HolderKind,
) -> QueryResult<Option<HolderKey>> {
    pool_holders::table
        .filter(pool_holders::product_id.eq(product))
        .filter(pool_holders::tenant_id.eq(tenant))
        .filter(pool_holders::kind.eq(kind.code()))
        .select(pool_holders::id)
        .first::<HolderKey>(conn)
        .optional()
}

/// A key no holder has: what a filter on a holder that does not exist yet compares with.
pub const NO_HOLDER: i64 = -1;

/// The holder of an order, if it exists (it is made with the order).
pub fn find_order_holder(conn: &mut DbConn, order: OrderKey) -> QueryResult<Option<HolderKey>> {
    pool_holders::table
        .filter(pool_holders::order_id.eq(order))
        .select(pool_holders::id)
        .first::<HolderKey>(conn)
        .optional()
}

/// The holder of one packaging order, created with the order.
pub fn order_holder(
    conn: &mut DbConn,
    product: ProductKey,
    tenant: &TenantId,
    order: OrderKey,
) -> QueryResult<HolderKey> {
    let found = pool_holders::table
        .filter(pool_holders::order_id.eq(order))
        .select(pool_holders::id)
        .first::<HolderKey>(conn)
        .optional()?;
    if let Some(h) = found {
        return Ok(h);
    }
    diesel::insert_into(pool_holders::table)
        .values((
            pool_holders::product_id.eq(product),
            pool_holders::tenant_id.eq(tenant),
            pool_holders::kind.eq(HolderKind::Order.code()),
            pool_holders::order_id.eq(order),
        ))
        .execute(conn)?;
    find_order_holder(conn, order)?.ok_or(diesel::result::Error::NotFound)
}

/// A holder as the pool view names it.
#[derive(Debug, Clone, Queryable)]
pub struct HolderRow {
    pub id: HolderKey,
    pub tenant_id: TenantId,
    pub kind: i16,
    pub order_id: Option<OrderKey>,
}

/// Every holder of one tenant for one product (its stock, what it took, its orders).
pub fn holders_of(
    conn: &mut DbConn,
    product: ProductKey,
    tenant: &TenantId,
) -> QueryResult<Vec<HolderRow>> {
    pool_holders::table
        .filter(pool_holders::product_id.eq(product))
        .filter(pool_holders::tenant_id.eq(tenant))
        .select((
            pool_holders::id,
            pool_holders::tenant_id,
            pool_holders::kind,
            pool_holders::order_id,
        ))
        .load(conn)
}

/// The holders of one tenant for one product that commissioning may draw on: its stock, what it
/// took, and the one order it commissions against (not every order it ever ran).
pub fn commissioning_holders(
    conn: &mut DbConn,
    product: ProductKey,
    tenant: &TenantId,
    order: Option<OrderKey>,
) -> QueryResult<Vec<HolderRow>> {
    let order = order.map_or(NO_HOLDER, OrderKey::get);
    pool_holders::table
        .filter(pool_holders::product_id.eq(product))
        .filter(pool_holders::tenant_id.eq(tenant))
        .filter(
            pool_holders::kind
                .ne(HolderKind::Order.code())
                .or(pool_holders::order_id.eq(order)),
        )
        .select((
            pool_holders::id,
            pool_holders::tenant_id,
            pool_holders::kind,
            pool_holders::order_id,
        ))
        .load(conn)
}

/// Holders by key (for the pool view's `assigned_to`).
pub fn holders_by_keys(conn: &mut DbConn, keys: &[HolderKey]) -> QueryResult<Vec<HolderRow>> {
    pool_holders::table
        .filter(Keys::ids(conn, keys.iter().copied()).contains(pool_holders::id))
        .select((
            pool_holders::id,
            pool_holders::tenant_id,
            pool_holders::kind,
            pool_holders::order_id,
        ))
        .load(conn)
}

/// Every serial the product holds in any state — pooled, commissioned, decommissioned, external:
/// what a guess could hit (`SerialTemplate::check_guessability`).
pub fn serials_in_use(conn: &mut DbConn, product: ProductKey) -> QueryResult<u64> {
    let c: i64 = items::table
        .filter(items::product_id.eq(product))
        .count()
        .get_result(conn)?;
    Ok(c as u64)
}

/// Inserts candidate serials into `holder`'s pool; a candidate the product already has (in any
/// state) is skipped by the unique key. Returns the serials inserted.
pub fn insert_pooled(
    conn: &mut DbConn,
    product: ProductKey,
    holder: HolderKey,
    serials: &[String],
) -> QueryResult<Vec<String>> {
    let mut inserted = Vec::with_capacity(serials.len());
    for chunk in serials.chunks(INSERT_CHUNK) {
        let keys = Keys::text(conn, chunk);
        // `WHERE 1 = 1`: SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT.
        let rows: Vec<Serial> = diesel::sql_query(format!(
            "INSERT INTO items (product_id, serial_number, status, holder_id) \
             SELECT $1, value, {POOLED}, $2 FROM {} WHERE 1 = 1 \
             ON CONFLICT DO NOTHING RETURNING serial_number",
            keys.sql_rows(3)
        ))
        .bind::<BigInt, _>(product)
        .bind::<BigInt, _>(holder)
        .bind::<KeyList<Text>, _>(keys)
        .load(conn)?;
        inserted.extend(rows.into_iter().map(|r| r.serial_number));
    }
    Ok(inserted)
}

/// Moves up to `n` unused serials from `from` to `to` in one statement and returns them. On
/// PostgreSQL the rows are picked `FOR UPDATE SKIP LOCKED`: concurrent takers get disjoint rows;
/// a caller that gets fewer than it asked for rolls back.
pub fn take(conn: &mut DbConn, from: HolderKey, to: HolderKey, n: i64) -> QueryResult<Vec<String>> {
    let sql = format!(
        "UPDATE items SET holder_id = $1 WHERE id IN ( \
             SELECT id FROM items WHERE holder_id = $2 AND status = {POOLED} \
             ORDER BY serial_number LIMIT $3{}) \
         RETURNING serial_number",
        dialect::skip_locked(conn)
    );
    let rows: Vec<Serial> = dialect::in_index_order(conn, |c| {
        diesel::sql_query(sql)
            .bind::<BigInt, _>(to)
            .bind::<BigInt, _>(from)
            .bind::<BigInt, _>(n)
            .load(c)
    })?;
    Ok(rows.into_iter().map(|r| r.serial_number).collect())
}

/// Moves those of `serials` (of one product) that are unused and held by one of `from` to `to`;
/// returns the serials moved.
pub fn move_listed(
    conn: &mut DbConn,
    product: ProductKey,
    serials: &[&str],
    from: &[HolderKey],
    to: HolderKey,
) -> QueryResult<Vec<String>> {
    let mut moved = Vec::with_capacity(serials.len());
    for chunk in serials.chunks(KEY_CHUNK) {
        let keys = Keys::text(conn, chunk);
        let holders = Keys::ids(conn, from.iter().copied());
        let rows: Vec<Serial> = diesel::sql_query(format!(
            "UPDATE items SET holder_id = $1 \
             WHERE id IN (SELECT id FROM items WHERE product_id = $2 AND {}) \
             AND status = {POOLED} AND {} RETURNING serial_number",
            keys.sql_contains("serial_number", 3),
            holders.sql_contains("holder_id", 4),
        ))
        .bind::<BigInt, _>(to)
        .bind::<BigInt, _>(product)
        .bind::<KeyList<Text>, _>(keys)
        .bind::<KeyList<BigInt>, _>(holders)
        .load(conn)?;
        moved.extend(rows.into_iter().map(|r| r.serial_number));
    }
    Ok(moved)
}

/// Moves every unused serial of `from` to `to` (an order's leftovers back to stock); the count.
pub fn move_all(conn: &mut DbConn, from: HolderKey, to: HolderKey) -> QueryResult<u64> {
    let n = diesel::update(
        items::table
            .filter(items::holder_id.eq(from))
            .filter(items::status.eq(POOLED)),
    )
    .set(items::holder_id.eq(to))
    .execute(conn)?;
    Ok(n as u64)
}

/// Unused serials a holder has.
pub fn count_held(conn: &mut DbConn, holder: HolderKey) -> QueryResult<u64> {
    let c: i64 = items::table
        .filter(items::holder_id.eq(holder))
        .filter(items::status.eq(POOLED))
        .count()
        .get_result(conn)?;
    Ok(c as u64)
}

/// The unused serials of a holder, in serial order (an order's details).
pub fn held_serials(conn: &mut DbConn, holder: HolderKey, limit: i64) -> QueryResult<Vec<String>> {
    dialect::in_index_order(conn, |c| {
        items::table
            .filter(items::holder_id.eq(holder))
            .filter(items::status.eq(POOLED))
            .order(items::serial_number)
            .limit(limit)
            .select(items::serial_number)
            .load(c)
    })
}

/// Whether the product has any pooled serial at all: when not, commissioning skips the pool pass.
pub fn any_pooled(conn: &mut DbConn, product: ProductKey) -> QueryResult<bool> {
    // Driven from the product's few holders into the `items_pooled` index: a product with
    // millions of packs and no pool costs nothing here.
    let n: Vec<Count> = diesel::sql_query(format!(
        "SELECT COUNT(*) AS n FROM pool_holders h WHERE h.product_id = $1 AND EXISTS \
         (SELECT 1 FROM items i WHERE i.holder_id = h.id AND i.status = {POOLED})"
    ))
    .bind::<BigInt, _>(product)
    .load(conn)?;
    Ok(n.first().is_some_and(|c| c.n > 0))
}

/// Commissions those of `serials` that are unused and held by one of `allowed`: status 0 → 1 and
/// the commission recorded, in one conditional statement per chunk. Returns (id, serial) of each.
pub fn commission_pooled(
    conn: &mut DbConn,
    product: ProductKey,
    serials: &[&str],
    allowed: &[HolderKey],
    commission: CommissionId,
) -> QueryResult<Vec<(ItemId, String)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        id: ItemId,
        #[diesel(sql_type = Text)]
        serial_number: String,
    }
    let mut out = Vec::new();
    if allowed.is_empty() {
        return Ok(out);
    }
    for chunk in serials.chunks(KEY_CHUNK) {
        let keys = Keys::text(conn, chunk);
        let holders = Keys::ids(conn, allowed.iter().copied());
        let rows: Vec<Row> = diesel::sql_query(format!(
            "UPDATE items SET status = 1, commission_id = $1 \
             WHERE id IN (SELECT id FROM items WHERE product_id = $2 AND {}) \
             AND status = {POOLED} AND {} RETURNING id, serial_number",
            keys.sql_contains("serial_number", 3),
            holders.sql_contains("holder_id", 4),
        ))
        .bind::<BigInt, _>(commission)
        .bind::<BigInt, _>(product)
        .bind::<KeyList<Text>, _>(keys)
        .bind::<KeyList<BigInt>, _>(holders)
        .load(conn)?;
        out.extend(rows.into_iter().map(|r| (r.id, r.serial_number)));
    }
    Ok(out)
}

/// A serial's state in the product's registry, for explaining a refusal.
#[derive(Debug, Clone, QueryableByName)]
pub struct SerialState {
    #[diesel(sql_type = Text)]
    pub serial_number: String,
    #[diesel(sql_type = SmallInt)]
    pub status: i16,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub holder_id: Option<HolderKey>,
}

/// The states of those of `serials` the product has (pooled or packs).
pub fn states(
    conn: &mut DbConn,
    product: ProductKey,
    serials: &[&str],
) -> QueryResult<Vec<SerialState>> {
    let mut out = Vec::new();
    for chunk in serials.chunks(KEY_CHUNK) {
        let keys = Keys::text(conn, chunk);
        let rows: Vec<SerialState> = diesel::sql_query(format!(
            "SELECT serial_number, status, holder_id FROM items WHERE product_id = $1 AND {}",
            keys.sql_contains("serial_number", 2)
        ))
        .bind::<BigInt, _>(product)
        .bind::<KeyList<Text>, _>(keys)
        .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// One row of the pool view.
#[derive(Debug, Clone, QueryableByName)]
pub struct PoolRow {
    #[diesel(sql_type = BigInt)]
    pub id: ItemId,
    #[diesel(sql_type = Text)]
    pub serial_number: String,
    #[diesel(sql_type = SmallInt)]
    pub status: i16,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub holder_id: Option<HolderKey>,
}

/// Which serials a pool view lists.
#[derive(Debug, Clone)]
pub enum PoolScope {
    /// The owner: every serial of the product; `stock` is the owner's stock holder.
    Owner { stock: HolderKey },
    /// A CMO: the serials its holders hold (pooled or since commissioned) and the packs it
    /// commissioned itself; `stock` is its stock holder, `holders` all of its holders.
    Partner {
        tenant: TenantId,
        stock: HolderKey,
        holders: Vec<HolderKey>,
    },
}

/// A page of the pool view in serial order, after the serial of row `after`, filtered by the
/// viewer's pool status (`Some(true)` available, `Some(false)` assigned, `None` both).
pub fn page(
    conn: &mut DbConn,
    product: ProductKey,
    scope: &PoolScope,
    available: Option<bool>,
    after: Option<ItemId>,
    limit: i64,
) -> QueryResult<Vec<PoolRow>> {
    // `$1` product, `$2` the viewer's stock holder, `$3` after-row, then the scope's, the limit
    // last: SQLite numbers parameters in the order they first appear in the text.
    let after_clause = "AND ($3 < 0 OR i.serial_number > \
                        (SELECT a.serial_number FROM items a WHERE a.id = $3 AND a.product_id = $1))";
    let stock_cond = format!("(i.status = {POOLED} AND i.holder_id = $2)");
    let status_clause = match available {
        Some(true) => format!("AND {stock_cond}"),
        Some(false) => format!("AND NOT {stock_cond}"),
        None => String::new(),
    };
    let stock = match scope {
        PoolScope::Owner { stock } | PoolScope::Partner { stock, .. } => *stock,
    };
    let after = after.map_or(-1, ItemId::get);
    dialect::in_index_order(conn, |conn| match scope {
        PoolScope::Owner { .. } => diesel::sql_query(format!(
            "SELECT i.id, i.serial_number, i.status, i.holder_id FROM items i \
             WHERE i.product_id = $1 AND ($2 = $2) {after_clause} {status_clause} \
             ORDER BY i.serial_number LIMIT $4"
        ))
        .bind::<BigInt, _>(product)
        .bind::<BigInt, _>(stock)
        .bind::<BigInt, _>(after)
        .bind::<BigInt, _>(limit)
        .load(conn),
        PoolScope::Partner {
            tenant, holders, ..
        } => {
            let keys = Keys::ids(conn, holders.iter().copied());
            diesel::sql_query(format!(
                "SELECT i.id, i.serial_number, i.status, i.holder_id FROM items i \
                 WHERE i.product_id = $1 AND ($2 = $2) {after_clause} {status_clause} \
                 AND ({} OR i.commission_id IN (SELECT c.id FROM commissions c \
                      WHERE c.product_id = $1 AND c.produced_by = $5)) \
                 ORDER BY i.serial_number LIMIT $6",
                keys.sql_contains("i.holder_id", 4)
            ))
            .bind::<BigInt, _>(product)
            .bind::<BigInt, _>(stock)
            .bind::<BigInt, _>(after)
            .bind::<KeyList<BigInt>, _>(keys)
            .bind::<Text, _>(tenant)
            .bind::<BigInt, _>(limit)
            .load(conn)
        }
    })
}
