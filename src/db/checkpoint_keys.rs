//! The hub's Ed25519 checkpoint keys (their 32-byte seeds), kept in the database so that several
//! instances on one PostgreSQL sign with the same key.

use diesel::prelude::*;

use super::schema::checkpoint_keys as ck;
use super::DbConn;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ck)]
pub struct CheckpointKeyRow {
    pub key_id: String,
    pub seed: Vec<u8>,
    pub created_at: chrono::NaiveDateTime,
}

/// Oldest first, so the last one is the newest (the one that signs).
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<CheckpointKeyRow>> {
    ck::table
        .select(CheckpointKeyRow::as_select())
        .order((ck::created_at, ck::key_id))
        .load(conn)
}

pub fn insert(conn: &mut DbConn, row: &CheckpointKeyRow) -> QueryResult<()> {
    diesel::insert_into(ck::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}
