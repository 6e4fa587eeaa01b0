use diesel::prelude::*;

use super::dialect::{self, Serialised};
use super::schema::signing_keys;
use super::DbConn;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = signing_keys)]
pub struct SigningKeyRow {
    pub kid: String,
    pub secret: Vec<u8>,
    pub created_at: chrono::NaiveDateTime,
}

/// Oldest first, so the last one is the newest (the one that signs).
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<SigningKeyRow>> {
    signing_keys::table
        .select(SigningKeyRow::as_select())
        .order((signing_keys::created_at, signing_keys::kid))
        .load(conn)
}

pub fn insert(conn: &mut DbConn, kid: &str, secret: &[u8]) -> QueryResult<SigningKeyRow> {
    let row = SigningKeyRow {
        kid: kid.to_string(),
        secret: secret.to_vec(),
        created_at: super::now(),
    };
    diesel::insert_into(signing_keys::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

/// Serialises first-start key creation between instances (see `dialect::advisory_lock`).
pub fn lock_for_creation(conn: &mut DbConn) -> QueryResult<()> {
    dialect::advisory_lock(conn, Serialised::SigningKeyCreation)
}
