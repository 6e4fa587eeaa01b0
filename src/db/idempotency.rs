use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::dialect;
use super::schema::idempotency_keys as ik;
use super::DbConn;
use crate::ids::TenantId;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ik)]
pub struct IdempotencyRow {
    pub tenant_id: TenantId,
    pub idem_key: String,
    pub request_hash: String,
    pub state: String,
    pub response_status: Option<i32>,
    pub response_body: Option<String>,
    pub created_at: NaiveDateTime,
}

pub const RUNNING: &str = "running";
pub const DONE: &str = "done";

pub fn find(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    key: &str,
) -> QueryResult<Option<IdempotencyRow>> {
    ik::table
        .find((tenant_id, key))
        .select(IdempotencyRow::as_select())
        .first(conn)
        .optional()
}

/// Inserts a `running` claim; false when the key already exists (a concurrent claim won).
pub fn claim(conn: &mut DbConn, tenant_id: &TenantId, key: &str, hash: &str) -> QueryResult<bool> {
    let row = IdempotencyRow {
        tenant_id: tenant_id.clone(),
        idem_key: key.into(),
        request_hash: hash.into(),
        state: RUNNING.into(),
        response_status: None,
        response_body: None,
        created_at: super::now(),
    };
    let insert = diesel::insert_into(ik::table)
        .values(&row)
        .on_conflict_do_nothing();
    Ok(dialect::insert_or_ignore(conn, insert)? == 1)
}

/// Takes over a claim left `running` by a crashed request (older than `stale_before`).
pub fn reclaim_stale(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    key: &str,
    hash: &str,
    stale_before: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        ik::table
            .find((tenant_id, key))
            .filter(ik::state.eq(RUNNING))
            .filter(ik::created_at.lt(stale_before)),
    )
    .set((ik::request_hash.eq(hash), ik::created_at.eq(super::now())))
    .execute(conn)
    .map(|n| n == 1)
}

/// Stores the response of the request that holds the key.
pub fn complete(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    key: &str,
    status: i32,
    body: &str,
) -> QueryResult<()> {
    diesel::update(ik::table.find((tenant_id, key)))
        .set((
            ik::state.eq(DONE),
            ik::response_status.eq(status),
            ik::response_body.eq(body),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Deletes a `running` claim (after a 5xx), so the client may retry with the same key.
pub fn delete_claim(conn: &mut DbConn, tenant_id: &TenantId, key: &str) -> QueryResult<()> {
    diesel::delete(
        ik::table
            .find((tenant_id, key))
            .filter(ik::state.eq(RUNNING)),
    )
    .execute(conn)
    .map(|_| ())
}

/// Forgets completed keys older than `before` (the contract keeps them at least 24 h).
pub fn purge(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(ik::table.filter(ik::created_at.lt(before))).execute(conn)
}
