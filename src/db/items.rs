//! Packs: bulk commissioning, lookups by key, and the conditional updates that enforce
//! "a pack is in at most one parent" and the lifecycle in the database itself.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use diesel::sql_types::{BigInt, Text, Timestamp};

use super::dialect::history::Mark;
use super::dialect::{KeyList, Keys};
use super::schema::{commissions, item_decommissions, items};
use super::types::status_code;
use super::DbConn;
use crate::domain::aggregation::{PackState, Parent};
use crate::domain::lifecycle::{DecommissionReason, Status};
use crate::ids::{ChannelId, CommissionId, ContainerId, ItemId, OrderKey, ProductKey, TenantId};

/// Keys per lookup or update: bounds the work of one statement (and of its rollback).
pub const KEY_CHUNK: usize = 10_000;

/// A pack with what its commissioning recorded (batch, expiry, producer, channel, time) and, once
/// decommissioned, the reason: read through [`with_commission`].
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = items)]
pub struct ItemRow {
    pub id: ItemId,
    pub product_id: ProductKey,
    pub serial_number: String,
    #[diesel(select_expression = commissions::batch)]
    pub batch: String,
    #[diesel(select_expression = commissions::expiry_date)]
    pub expiry_date: String,
    pub status: Status,
    #[diesel(select_expression = item_decommissions::reason.nullable())]
    pub decommission_reason: Option<DecommissionReason>,
    #[diesel(select_expression = commissions::produced_by)]
    pub produced_by: TenantId,
    /// Empty for packs commissioned outside a channel.
    #[diesel(select_expression = commissions::channel_id)]
    pub channel_id: String,
    pub parent_container_id: Option<ContainerId>,
    pub parent_item_id: Option<ItemId>,
    #[diesel(select_expression = commissions::commissioned_at)]
    pub commissioned_at: NaiveDateTime,
}

/// Packs joined to what [`ItemRow`] reads beside them.
macro_rules! with_commission {
    () => {
        items::table
            .inner_join(commissions::table)
            .left_join(item_decommissions::table)
    };
}
pub(crate) use with_commission;

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: ItemId,
}

/// One commissioning: new packs of one product, batch and expiry, all alike but the serial.
pub struct NewPacks<'a> {
    pub product_id: ProductKey,
    pub batch: &'a str,
    pub expiry_date: &'a str,
    pub produced_by: &'a TenantId,
    pub channel_id: Option<&'a ChannelId>,
    pub at: NaiveDateTime,
    /// In the order the rows go in (callers sort them: see `workflows::commission`).
    pub serials: &'a [&'a str],
    /// The packaging order commissioned against, if any.
    pub order: Option<OrderKey>,
}

/// Inserts the commission row and its packs, pending, in one statement whose serials are one
/// bound list, and returns the commission and the packs' ids (`RETURNING`, so no second pass over
/// the unique index). A concurrent duplicate surfaces as a unique violation, which the caller maps
/// to a `StateError`.
pub fn insert_packs(
    conn: &mut DbConn,
    p: &NewPacks<'_>,
) -> QueryResult<(CommissionId, Vec<ItemId>)> {
    let commission = insert_commission(conn, p)?;
    let ids = insert_items(conn, p.product_id, commission, p.serials)?;
    Ok((commission, ids))
}

/// The commission row of `p` (what its packs share).
pub fn insert_commission(conn: &mut DbConn, p: &NewPacks<'_>) -> QueryResult<CommissionId> {
    use diesel::sql_types::Nullable;
    let commission: Id = diesel::sql_query(
        "INSERT INTO commissions (product_id, batch, expiry_date, produced_by, channel_id, \
         commissioned_at, order_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind::<BigInt, _>(p.product_id)
    .bind::<Text, _>(p.batch)
    .bind::<Text, _>(p.expiry_date)
    .bind::<Text, _>(p.produced_by)
    .bind::<Text, _>(p.channel_id.map_or("", ChannelId::as_str))
    .bind::<Timestamp, _>(p.at)
    .bind::<Nullable<BigInt>, _>(p.order)
    .get_result(conn)?;
    Ok(CommissionId::from_db(commission.id.get()))
}

/// New pending packs of `commission` (serials that were not in a pool), in the order given.
pub fn insert_items(
    conn: &mut DbConn,
    product_id: ProductKey,
    commission: CommissionId,
    serials: &[&str],
) -> QueryResult<Vec<ItemId>> {
    if serials.is_empty() {
        return Ok(Vec::new());
    }
    let serials = Keys::text(conn, serials);
    let rows: Vec<Id> = diesel::sql_query(format!(
        "INSERT INTO items (product_id, serial_number, commission_id, status) \
         SELECT $1, value, $2, {} FROM {} RETURNING id",
        status_code(Status::PendingCommissioningApproval),
        serials.sql_rows(3)
    ))
    .bind::<BigInt, _>(product_id)
    .bind::<BigInt, _>(commission)
    .bind::<KeyList<Text>, _>(serials)
    .load(conn)?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Records which audit event commissioned the packs of `commission` (their history starts there).
pub fn set_commission_event(
    conn: &mut DbConn,
    commission: CommissionId,
    event_id: i64,
) -> QueryResult<()> {
    diesel::update(commissions::table.find(commission))
        .set(commissions::event_id.eq(event_id))
        .execute(conn)?;
    Ok(())
}

/// The audit event that commissioned the pack, if recorded.
pub fn commission_event(conn: &mut DbConn, item: ItemId) -> QueryResult<Option<i64>> {
    Ok(items::table
        .inner_join(commissions::table)
        .filter(items::id.eq(item))
        .select(commissions::event_id)
        .first::<Option<i64>>(conn)
        .optional()?
        .flatten())
}

/// The rows (`$row`'s columns) of one product among `serials`, in chunks of `KEY_CHUNK` keys:
/// one query shape for every read by serial.
macro_rules! of_product_by_serials {
    ($row:ty, $conn:expr, $product_id:expr, $serials:expr) => {{
        let mut out = Vec::with_capacity($serials.len());
        for chunk in $serials.chunks(KEY_CHUNK) {
            let keys = Keys::text(&*$conn, chunk);
            let rows: Vec<$row> = with_commission!()
                .filter(items::product_id.eq($product_id))
                .filter(keys.contains(items::serial_number))
                .select(<$row>::as_select())
                .load($conn)?;
            out.extend(rows);
        }
        Ok(out)
    }};
}

/// The packs of one product among `serials`.
pub fn find_by_serials(
    conn: &mut DbConn,
    product_id: ProductKey,
    serials: &[&str],
) -> QueryResult<Vec<ItemRow>> {
    of_product_by_serials!(ItemRow, conn, product_id, serials)
}

/// The columns an aggregation decides on: no timestamps, no channel, no reason. Reading only
/// these for thousands of children is measurably cheaper than whole `ItemRow`s.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = items)]
pub struct PackRow {
    pub id: ItemId,
    pub serial_number: String,
    #[diesel(select_expression = commissions::batch)]
    pub batch: String,
    #[diesel(select_expression = commissions::expiry_date)]
    pub expiry_date: String,
    pub status: Status,
    #[diesel(select_expression = commissions::produced_by)]
    pub produced_by: TenantId,
    pub parent_container_id: Option<ContainerId>,
    pub parent_item_id: Option<ItemId>,
}

impl PackRow {
    /// The row as the domain sees it, and the serial it is keyed by.
    pub fn into_state(self) -> (String, PackState) {
        let state = PackState {
            id: self.id,
            status: self.status,
            batch: self.batch,
            expiry_date: self.expiry_date,
            parent: Parent::of(self.parent_container_id, self.parent_item_id),
        };
        (self.serial_number, state)
    }
}

/// The decision columns of the packs of one product among `serials`.
pub fn packs_by_serials(
    conn: &mut DbConn,
    product_id: ProductKey,
    serials: &[&str],
) -> QueryResult<Vec<PackRow>> {
    of_product_by_serials!(PackRow, conn, product_id, serials)
}

pub fn find_one(
    conn: &mut DbConn,
    product_id: ProductKey,
    serial: &str,
) -> QueryResult<Option<ItemRow>> {
    with_commission!()
        .filter(items::product_id.eq(product_id))
        .filter(items::serial_number.eq(serial))
        .select(ItemRow::as_select())
        .first(conn)
        .optional()
}

pub fn by_id(conn: &mut DbConn, id: ItemId) -> QueryResult<Option<ItemRow>> {
    with_commission!()
        .filter(items::id.eq(id))
        .select(ItemRow::as_select())
        .first(conn)
        .optional()
}

/// Puts loose pending packs into a parent. Only rows that are still pending and loose match, so
/// the count tells whether a concurrent request got there first.
///
/// Only the parent column that changes is in the `SET` list: on SQLite, naming
/// `parent_item_id` (a foreign key into `items` itself) makes the update rewrite every index of
/// the row, which measured 6× slower for 10 000 packs, even when the value stays NULL.
pub fn attach(conn: &mut DbConn, ids: &[ItemId], parent: Parent) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in ids.chunks(KEY_CHUNK) {
        let loose = items::table
            .filter(Keys::ids(conn, chunk.iter().copied()).contains(items::id))
            .filter(items::status.eq(Status::PendingCommissioningApproval))
            .filter(items::parent_container_id.is_null())
            .filter(items::parent_item_id.is_null());
        // One statement per parent kind, each naming only its own column.
        n += match parent {
            Parent::Container(p) => diesel::update(loose)
                .set(items::parent_container_id.eq(p))
                .execute(conn)?,
            Parent::Item(p) => diesel::update(loose)
                .set(items::parent_item_id.eq(p))
                .execute(conn)?,
            Parent::None => 0,
        };
    }
    Ok(n)
}

/// A pack moved by `attach_loose_by_serials`, with what a request may assert about it.
#[derive(Debug)]
pub struct AttachedPack {
    pub id: ItemId,
    pub serial_number: String,
    pub batch: String,
    pub expiry_date: String,
}

/// Puts those packs of one product among `serials` that are pending and loose (and, when
/// `produced_by` is given, produced by that tenant) into `container`, in one statement per
/// 10 000 keys, and returns them (`RETURNING`): the lookup by (product, serial), the conditions and
/// the write in one pass. Packs that do not qualify are left alone and simply not returned.
pub fn attach_loose_by_serials(
    conn: &mut DbConn,
    product_id: ProductKey,
    serials: &[&str],
    produced_by: Option<&TenantId>,
    container: ContainerId,
    mark: Mark,
) -> QueryResult<Vec<AttachedPack>> {
    use diesel::sql_types::Nullable;
    #[derive(QueryableByName)]
    struct Moved {
        #[diesel(sql_type = BigInt)]
        id: ItemId,
        #[diesel(sql_type = Text)]
        serial_number: String,
        #[diesel(sql_type = BigInt)]
        commission_id: CommissionId,
    }
    // The key list goes through the unique (product, serial) index in a sub-select: with
    // `status = ?` beside it SQLite's planner would otherwise scan another index. Only
    // `parent_container_id` is set (see `attach`). A CMO moves only what it commissioned: its
    // commissions of the product are few, so they are a small sub-select. The mark records the
    // aggregation in each pack's history (PostgreSQL) in the same write.
    let stamp = mark.sql_set();
    let mut moved = Vec::with_capacity(serials.len());
    for chunk in serials.chunks(KEY_CHUNK) {
        let keys = Keys::text(conn, chunk);
        let rows: Vec<Moved> = diesel::sql_query(format!(
            "UPDATE items SET parent_container_id = $1{stamp} \
             WHERE {} \
             AND {} AND parent_container_id IS NULL AND parent_item_id IS NULL \
             AND (CAST($4 AS TEXT) IS NULL OR commission_id IN \
                  (SELECT c.id FROM commissions c WHERE c.product_id = $2 AND c.produced_by = $4)) \
             RETURNING id, serial_number, commission_id",
            keys.sql_ids_of_serials(2, 3),
            keys.sql_code_is("status", status_code(Status::PendingCommissioningApproval)),
        ))
        .bind::<BigInt, _>(container)
        .bind::<BigInt, _>(product_id)
        .bind::<KeyList<Text>, _>(keys)
        .bind::<Nullable<Text>, _>(produced_by)
        .load(conn)?;
        moved.extend(rows);
    }
    let mut ids: Vec<CommissionId> = moved.iter().map(|m| m.commission_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let shared: std::collections::HashMap<CommissionId, (String, String)> = commissions::table
        .filter(Keys::ids(conn, ids.iter().copied()).contains(commissions::id))
        .select((
            commissions::id,
            commissions::batch,
            commissions::expiry_date,
        ))
        .load::<(CommissionId, String, String)>(conn)?
        .into_iter()
        .map(|(id, batch, expiry)| (id, (batch, expiry)))
        .collect();
    Ok(moved
        .into_iter()
        .map(|m| {
            let (batch, expiry_date) = shared[&m.commission_id].clone();
            AttachedPack {
                id: m.id,
                serial_number: m.serial_number,
                batch,
                expiry_date,
            }
        })
        .collect())
}

/// Takes packs out of `parent`; only rows still pending and in that parent match. As in
/// `attach`, only the column that changes is set.
pub fn detach(conn: &mut DbConn, ids: &[ItemId], parent: Parent) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in ids.chunks(KEY_CHUNK) {
        let base = items::table
            .filter(Keys::ids(conn, chunk.iter().copied()).contains(items::id))
            .filter(items::status.eq(Status::PendingCommissioningApproval));
        n += match parent {
            Parent::Container(c) => diesel::update(base.filter(items::parent_container_id.eq(c)))
                .set(items::parent_container_id.eq(None::<ContainerId>))
                .execute(conn)?,
            Parent::Item(i) => diesel::update(base.filter(items::parent_item_id.eq(i)))
                .set(items::parent_item_id.eq(None::<ItemId>))
                .execute(conn)?,
            Parent::None => 0,
        };
    }
    Ok(n)
}

/// Ids of the pending packs directly in `parent` (for "disaggregate all").
pub fn children_of(conn: &mut DbConn, parent: Parent) -> QueryResult<Vec<ItemId>> {
    let q = items::table.select(items::id).into_boxed();
    match parent {
        Parent::Container(c) => q.filter(items::parent_container_id.eq(c)).load(conn),
        Parent::Item(i) => q.filter(items::parent_item_id.eq(i)).load(conn),
        Parent::None => Ok(Vec::new()),
    }
}

/// Decommissions packs in `allowed` statuses: they leave their parent, their reason is recorded
/// beside them, and packs inside them are set loose (a destroyed bundle no longer holds anything).
pub fn decommission(
    conn: &mut DbConn,
    ids: &[ItemId],
    allowed: &[Status],
    reason: DecommissionReason,
) -> QueryResult<usize> {
    let allowed: Vec<String> = allowed
        .iter()
        .map(|s| status_code(*s).to_string())
        .collect();
    let in_allowed = format!("items.status IN ({})", allowed.join(", "));
    let mut n = 0;
    for chunk in ids.chunks(KEY_CHUNK) {
        // The reasons first, while the rows still show which packs qualify.
        let keys = Keys::ids(conn, chunk.iter().copied());
        diesel::sql_query(format!(
            "INSERT INTO item_decommissions (item_id, reason) \
             SELECT items.id, $1 FROM items WHERE {} AND {in_allowed}",
            keys.sql_contains("items.id", 2)
        ))
        .bind::<Text, _>(reason)
        .bind::<KeyList<BigInt>, _>(keys)
        .execute(conn)?;
        n += diesel::update(
            items::table
                .filter(Keys::ids(conn, chunk.iter().copied()).contains(items::id))
                .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(&in_allowed)),
        )
        .set((
            items::status.eq(Status::Decommissioned),
            items::parent_container_id.eq(None::<ContainerId>),
            items::parent_item_id.eq(None::<ItemId>),
        ))
        .execute(conn)?;
        let inside = Keys::ids(conn, chunk.iter().copied()).contains(items::parent_item_id);
        diesel::update(items::table.filter(inside))
            .set(items::parent_item_id.eq(None::<ItemId>))
            .execute(conn)?;
    }
    Ok(n)
}

/// The pack's own id and the ids of every pack it sits in (bundles), innermost first — used to
/// refuse cycles.
pub fn item_ancestor_ids(conn: &mut DbConn, id: ItemId) -> QueryResult<Vec<ItemId>> {
    let rows: Vec<Id> = diesel::sql_query(
        "WITH RECURSIVE up(id, parent) AS ( \
             SELECT id, parent_item_id FROM items WHERE id = $1 \
             UNION ALL SELECT i.id, i.parent_item_id FROM items i JOIN up ON i.id = up.parent) \
         SELECT id FROM up",
    )
    .bind::<diesel::sql_types::BigInt, _>(id)
    .load(conn)?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// (serial, status) of those of `ids` that are no longer pending, e.g. released on their own.
pub fn not_pending(conn: &mut DbConn, ids: &[ItemId]) -> QueryResult<Vec<(String, Status)>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(KEY_CHUNK) {
        let rows: Vec<(String, Status)> = items::table
            .filter(Keys::ids(conn, chunk.iter().copied()).contains(items::id))
            .filter(items::status.ne(Status::PendingCommissioningApproval))
            .select((items::serial_number, items::status))
            .order(items::serial_number)
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}
