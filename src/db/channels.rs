use diesel::prelude::*;

use super::schema::channels;
use super::DbConn;
use crate::ids::{ChannelId, TenantId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = channels)]
pub struct ChannelRow {
    pub id: ChannelId,
    pub tenant_id: TenantId,
    pub name: String,
    pub kind: String,
    pub source: String,
    pub channel_key: String,
    pub enabled: bool,
    pub created_at: chrono::NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &ChannelRow) -> QueryResult<()> {
    diesel::insert_into(channels::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find_by_key(conn: &mut DbConn, key: &str) -> QueryResult<Option<ChannelRow>> {
    channels::table
        .filter(channels::channel_key.eq(key))
        .select(ChannelRow::as_select())
        .first(conn)
        .optional()
}

/// A page of the tenant's channels in id order, after the cursor `after` (an id).
pub fn list(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ChannelRow>> {
    let mut q = channels::table
        .filter(channels::tenant_id.eq(tenant_id))
        .select(ChannelRow::as_select())
        .order(channels::id)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(channels::id.gt(after.to_string()));
    }
    q.load(conn)
}

/// A channel of this tenant; `None` when the tenant has no such channel.
pub fn find(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    id: &ChannelId,
) -> QueryResult<Option<ChannelRow>> {
    channels::table
        .filter(channels::id.eq(id))
        .filter(channels::tenant_id.eq(tenant_id))
        .select(ChannelRow::as_select())
        .first(conn)
        .optional()
}

/// Enables or disables a channel of this tenant; `None` when the tenant has no such channel.
pub fn set_enabled(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    id: &ChannelId,
    enabled: bool,
) -> QueryResult<Option<ChannelRow>> {
    let n = diesel::update(
        channels::table
            .filter(channels::id.eq(id))
            .filter(channels::tenant_id.eq(tenant_id)),
    )
    .set(channels::enabled.eq(enabled))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    channels::table
        .find(id)
        .select(ChannelRow::as_select())
        .first(conn)
        .optional()
}
