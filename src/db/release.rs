//! Release to market: whole hierarchies move to `released` in a bounded number of statements
//! (two conditional updates of the named roots, two recursive updates below them), however many
//! packs a pallet holds. The recursive updates return what they released, for the audit index.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};

use super::dialect::history::Mark;
use super::dialect::{KeyList, Keys};
use super::schema::{containers, items};
use super::types::status_code;
use super::DbConn;
use crate::domain::lifecycle::Status;
use crate::ids::{ContainerId, ItemId};

/// Releases the named containers if every one is still pending. The count is the guard against a
/// concurrent release: on PostgreSQL the second transaction waits on the row locks, then finds
/// the rows no longer pending and touches fewer.
pub fn release_containers(
    conn: &mut DbConn,
    ids: &[ContainerId],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in ids.chunks(super::items::KEY_CHUNK) {
        n += diesel::update(
            containers::table
                .filter(Keys::ids(conn, chunk.iter().copied()).contains(containers::id))
                .filter(containers::status.eq(Status::PendingCommissioningApproval)),
        )
        .set((
            containers::status.eq(Status::Released),
            containers::updated_at.eq(now),
        ))
        .execute(conn)?;
    }
    Ok(n)
}

/// Releases the named packs if every one is still pending.
pub fn release_items(conn: &mut DbConn, ids: &[ItemId]) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in ids.chunks(super::items::KEY_CHUNK) {
        n += diesel::update(
            items::table
                .filter(Keys::ids(conn, chunk.iter().copied()).contains(items::id))
                .filter(items::status.eq(Status::PendingCommissioningApproval)),
        )
        .set(items::status.eq(Status::Released))
        .execute(conn)?;
    }
    Ok(n)
}

/// Releases everything still pending below the given containers and packs (not the roots
/// themselves): returns the ids of the containers and of the packs it released. Each row is
/// updated, and returned, once however many ways the walk reaches it (a bundle named beside the
/// case it sits in, a case named beside its pallet), so the ids can go straight into the audit
/// event's index.
pub fn release_below(
    conn: &mut DbConn,
    container_roots: &[ContainerId],
    item_roots: &[ItemId],
    now: NaiveDateTime,
    mark: Mark,
) -> QueryResult<(Vec<ContainerId>, Vec<ItemId>)> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let (pending, released) = (
        status_code(Status::PendingCommissioningApproval),
        status_code(Status::Released),
    );
    // Parameters are numbered in the order they appear (see `dialect::Keys::sql_contains`).
    let roots = Keys::ids(conn, container_roots.iter().copied());
    let boxes_cte = format!(
        "boxes(id) AS (SELECT id FROM containers WHERE {} \
         UNION ALL SELECT c.id FROM containers c JOIN boxes b ON c.parent_container_id = b.id)",
        roots.sql_contains("id", 1)
    );
    // The pending test is written so that no partial or status index can drive the update (see
    // `Keys::sql_code_is`): without statistics PostgreSQL otherwise reads every pending pack of
    // the database (EXPLAIN in docs/benchmarks.md) and joins them with the walk.
    let pending_box = roots.sql_code_is("status", pending);
    let boxes: Vec<Id> = diesel::sql_query(format!(
        "WITH RECURSIVE {boxes_cte} \
         UPDATE containers SET status = {released}, updated_at = $2 \
         WHERE {pending_box} AND {} RETURNING id",
        roots.sql_in_query("id", "SELECT id FROM boxes")
    ))
    .bind::<KeyList<BigInt>, _>(roots.clone())
    .bind::<Timestamp, _>(now)
    .load(conn)?;
    let packs = Keys::ids(conn, item_roots.iter().copied());
    let pending_pack = packs.sql_code_is("status", pending);
    let packs: Vec<Id> = diesel::sql_query(format!(
        "WITH RECURSIVE {boxes_cte}, \
         packs(id) AS (SELECT i.id FROM items i WHERE {} \
                       UNION ALL SELECT i.id FROM items i WHERE {} \
                       UNION ALL SELECT i.id FROM items i JOIN packs p ON i.parent_item_id = p.id) \
         UPDATE items SET status = {released}{} \
         WHERE {pending_pack} AND {} RETURNING id",
        // Two starting sets, not one `… OR …` (which PostgreSQL answers with a scan of the whole
        // table): the packs in the boxes through `items_parent_container`, and those in the
        // named packs through `items_parent_item`.
        packs.sql_in_query("i.parent_container_id", "SELECT id FROM boxes"),
        packs.sql_contains("i.parent_item_id", 2),
        mark.sql_set(),
        packs.sql_in_query("id", "SELECT id FROM packs")
    ))
    .bind::<KeyList<BigInt>, _>(roots)
    .bind::<KeyList<BigInt>, _>(packs)
    .load(conn)?;
    Ok((
        boxes
            .into_iter()
            .map(|r| ContainerId::from_db(r.id))
            .collect(),
        packs.into_iter().map(|r| ItemId::from_db(r.id)).collect(),
    ))
}
