//! The history index: which packs an event touched. Its shape differs by backend because each
//! has a different cheapest structure (measured, docs/scaling.md):
//!
//! - SQLite: `audit_items (item_id, event_id)` WITHOUT ROWID — one 8–12-byte key per pack per
//!   event, the table itself being the index;
//! - PostgreSQL: `audit_items (event_id, item_ids bigint[])` — ONE row per event, found through a
//!   GIN index on the array (a compressed posting list per pack id), where a row per pack per
//!   event would cost a 24-byte tuple header and a B-tree entry each.

use diesel::sql_types::BigInt;
use diesel::{QueryResult, QueryableByName, RunQueryDsl};

use super::{backend, KeyList, Keys};
use crate::db::{Backend, DbConn};
use crate::ids::ItemId;

/// Pack ids per index row on PostgreSQL / per statement on SQLite.
const CHUNK: usize = 100_000;

/// Records that event `event_id` touched `items`. Nothing for an empty list.
pub fn index_items(conn: &mut DbConn, event_id: i64, items: &[ItemId]) -> QueryResult<()> {
    for chunk in items.chunks(CHUNK) {
        let keys = Keys::ids(conn, chunk.iter().copied());
        let sql = match backend(conn) {
            Backend::Sqlite => format!(
                "INSERT INTO audit_items (item_id, event_id) SELECT value, $1 FROM {}",
                keys.sql_rows(2)
            ),
            Backend::Postgres => {
                "INSERT INTO audit_items (event_id, item_ids) VALUES ($1, $2)".into()
            }
        };
        diesel::sql_query(sql)
            .bind::<BigInt, _>(event_id)
            .bind::<KeyList<BigInt>, _>(keys)
            .execute(conn)?;
    }
    Ok(())
}

/// Ids of the events that touched any of `items` (not their commissioning: see
/// `db::audit::visible_events`), unordered, possibly repeated.
pub fn events_touching(conn: &mut DbConn, items: &[ItemId]) -> QueryResult<Vec<i64>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        event_id: i64,
    }
    let keys = Keys::ids(conn, items.iter().copied());
    let sql = match backend(conn) {
        Backend::Sqlite => format!(
            "SELECT event_id FROM audit_items WHERE {}",
            keys.sql_contains("item_id", 1)
        ),
        // `&&` (overlap) is answered by the GIN index.
        Backend::Postgres => "SELECT event_id FROM audit_items WHERE item_ids && $1".into(),
    };
    let rows: Vec<Row> = diesel::sql_query(sql)
        .bind::<KeyList<BigInt>, _>(keys)
        .load(conn)?;
    Ok(rows.into_iter().map(|r| r.event_id).collect())
}
