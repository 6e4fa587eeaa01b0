//! The history index: which packs an event touched. Its shape differs by backend because each
//! has a different cheapest structure (measured, docs/scaling.md):
//!
//! - SQLite: `audit_items (item_id, event_id)` WITHOUT ROWID — one 8–12-byte key per pack per
//!   event, the table itself being the index;
//! - PostgreSQL: the ids of the events on the pack's own row, `items.event_ids`, 8 bytes
//!   (big-endian) per event appended to a `bytea`. Every event that touches packs rewrites their
//!   rows anyway (aggregation sets a parent, release a status), so the hot statements append the
//!   id in the same UPDATE ([`Mark`]); a row per pack per event would cost a 24-byte tuple header
//!   and a B-tree entry each, and the GIN index over per-event id arrays it replaced cost 72 bytes
//!   per pack (half-full entry pages) and a posting-list insert per pack per event.
//!
//! The index is derived data: the hash chain is the record, and `audit verify` never reads it.

use diesel::sql_types::{BigInt, Binary, Nullable};
use diesel::{QueryResult, QueryableByName, RunQueryDsl};

use super::{backend, KeyList, Keys};
use crate::db::{Backend, DbConn};
use crate::ids::ItemId;

/// Pack ids per statement.
const CHUNK: usize = 100_000;

/// The event that the goods statements of a request are written for, known before they run so
/// that on PostgreSQL they can append its id to every pack they touch. On SQLite there is nothing
/// to reserve: its index is a table written with the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    event_id: Option<i64>,
}

impl Mark {
    /// No id reserved: the event gets its id when it is appended, and every pack it names is
    /// indexed then.
    pub const NONE: Mark = Mark { event_id: None };

    /// Reserves the id of the event about to be recorded (PostgreSQL: the next value of the
    /// events' identity sequence, which never hands a value out twice; a reservation that ends
    /// up unused, because the request recorded nothing or rolled back, leaves a gap in the ids as
    /// any rolled-back insert does).
    pub fn reserve(conn: &mut DbConn) -> QueryResult<Mark> {
        #[derive(QueryableByName)]
        struct Next {
            #[diesel(sql_type = BigInt)]
            id: i64,
        }
        match backend(conn) {
            Backend::Sqlite => Ok(Mark::NONE),
            Backend::Postgres => {
                let next: Next = diesel::sql_query(
                    "SELECT nextval(pg_get_serial_sequence('audit_events', 'id')) AS id",
                )
                .get_result(conn)?;
                Ok(Mark {
                    event_id: Some(next.id),
                })
            }
        }
    }

    /// The id the event must be appended with, if one was reserved.
    pub fn event_id(&self) -> Option<i64> {
        self.event_id
    }

    /// What an `UPDATE items SET …` adds to its SET list so that every row it changes records the
    /// event: empty without a reservation (and always on SQLite). The id is the database's own
    /// sequence value, never input, so it is written as a literal.
    pub fn sql_set(&self) -> String {
        match self.event_id {
            Some(id) => format!(", event_ids = {}", append_expr(&id.to_string())),
            None => String::new(),
        }
    }
}

/// `event_ids` with the 8 bytes of event `id` (an SQL expression) appended.
fn append_expr(id: &str) -> String {
    format!("COALESCE(event_ids, ''::bytea) || int8send(({id})::bigint)")
}

/// Records that event `event_id` touched `items`. Nothing for an empty list. The caller leaves
/// out the packs a [`Mark`]ed statement already stamped (`audit::Stamped`); on PostgreSQL a pack
/// whose ids already end with this event's is left alone all the same, so no path can stamp a
/// pack twice for one event.
pub fn index_items(conn: &mut DbConn, event_id: i64, items: &[ItemId]) -> QueryResult<()> {
    for chunk in items.chunks(CHUNK) {
        let keys = Keys::ids(conn, chunk.iter().copied());
        let sql = match backend(conn) {
            Backend::Sqlite => format!(
                "INSERT INTO audit_items (item_id, event_id) SELECT value, $1 FROM {}",
                keys.sql_rows(2)
            ),
            // The ids through an `ARRAY(…)` the planner computes once, so that it probes the
            // primary key per id instead of scanning `items` when it has no statistics.
            Backend::Postgres => format!(
                "UPDATE items SET event_ids = {} \
                 WHERE id = ANY(ARRAY(SELECT unnest($2::bigint[]))) \
                 AND (event_ids IS NULL OR substr(event_ids, length(event_ids) - 7) <> int8send($1))",
                append_expr("$1")
            ),
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
    #[derive(QueryableByName)]
    struct Stamps {
        #[diesel(sql_type = Nullable<Binary>)]
        event_ids: Option<Vec<u8>>,
    }
    let keys = Keys::ids(conn, items.iter().copied());
    match backend(conn) {
        Backend::Sqlite => {
            let rows: Vec<Row> = diesel::sql_query(format!(
                "SELECT event_id FROM audit_items WHERE {}",
                keys.sql_contains("item_id", 1)
            ))
            .bind::<KeyList<BigInt>, _>(keys)
            .load(conn)?;
            Ok(rows.into_iter().map(|r| r.event_id).collect())
        }
        Backend::Postgres => {
            let rows: Vec<Stamps> =
                diesel::sql_query("SELECT event_ids FROM items WHERE id = ANY($1)")
                    .bind::<KeyList<BigInt>, _>(keys)
                    .load(conn)?;
            Ok(rows
                .iter()
                .filter_map(|r| r.event_ids.as_deref())
                .flat_map(decode)
                .collect())
        }
    }
}

/// The event ids of one `event_ids` value: 8 bytes each, big-endian (`int8send`).
fn decode(stamps: &[u8]) -> impl Iterator<Item = i64> + '_ {
    stamps
        .chunks_exact(8)
        .map(|b| i64::from_be_bytes(b.try_into().expect("chunks_exact(8)")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_int8send_bytes() {
        // int8send(1) || int8send(258) || int8send(-1), as PostgreSQL documents int8send:
        // the eight bytes of the value in network (big-endian) order.
        let bytes = [
            0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 2, 255, 255, 255, 255, 255, 255, 255, 255,
        ];
        assert_eq!(decode(&bytes).collect::<Vec<_>>(), vec![1, 258, -1]);
    }

    #[test]
    fn no_reservation_adds_nothing_to_an_update() {
        assert_eq!(Mark::NONE.sql_set(), "");
        let m = Mark { event_id: Some(42) };
        assert_eq!(
            m.sql_set(),
            ", event_ids = COALESCE(event_ids, ''::bytea) || int8send((42)::bigint)"
        );
    }
}
