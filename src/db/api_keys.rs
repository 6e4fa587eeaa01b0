use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::api_keys;
use super::DbConn;
use crate::ids::{ApiKeyId, TenantId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_keys)]
pub struct ApiKeyRow {
    pub id: ApiKeyId,
    pub tenant_id: TenantId,
    pub api_key: String,
    pub name: String,
    pub roles: String,
    pub secret_hash: String,
    pub static_token_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, row: &ApiKeyRow) -> QueryResult<()> {
    diesel::insert_into(api_keys::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The key with this public value, if it exists and is not revoked (for `/v1/api_auth`).
pub fn find_active_by_public(conn: &mut DbConn, api_key: &str) -> QueryResult<Option<ApiKeyRow>> {
    api_keys::table
        .filter(api_keys::api_key.eq(api_key))
        .filter(api_keys::revoked_at.is_null())
        .select(ApiKeyRow::as_select())
        .first(conn)
        .optional()
}

/// The key with this id if it is not revoked (checked on every authenticated request).
pub fn find_active(conn: &mut DbConn, id: &ApiKeyId) -> QueryResult<Option<ApiKeyRow>> {
    api_keys::table
        .find(id)
        .filter(api_keys::revoked_at.is_null())
        .select(ApiKeyRow::as_select())
        .first(conn)
        .optional()
}

/// A page of the tenant's keys in id order, after the cursor `after` (an id).
pub fn list(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ApiKeyRow>> {
    let mut q = api_keys::table
        .filter(api_keys::tenant_id.eq(tenant_id))
        .select(ApiKeyRow::as_select())
        .order(api_keys::id)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(api_keys::id.gt(after.to_string()));
    }
    q.load(conn)
}

/// Revokes a key of this tenant; false when there is no such active key.
pub fn revoke(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    id: &ApiKeyId,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        api_keys::table
            .filter(api_keys::id.eq(id))
            .filter(api_keys::tenant_id.eq(tenant_id))
            .filter(api_keys::revoked_at.is_null()),
    )
    .set((
        api_keys::revoked_at.eq(at),
        api_keys::static_token_id.eq(None::<String>),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Sets (or clears) the one valid static token of an active key of this tenant.
pub fn set_static_token(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    id: &ApiKeyId,
    jti: Option<&str>,
) -> QueryResult<bool> {
    diesel::update(
        api_keys::table
            .filter(api_keys::id.eq(id))
            .filter(api_keys::tenant_id.eq(tenant_id))
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::static_token_id.eq(jti))
    .execute(conn)
    .map(|n| n == 1)
}
