use std::collections::HashMap;

use diesel::prelude::*;

use super::dialect::Keys;
use super::schema::tenants;
use super::DbConn;
use crate::ids::TenantId;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = tenants)]
pub struct TenantRow {
    pub id: TenantId,
    pub name: String,
    /// JSON array of company prefixes.
    pub gs1_company_prefixes: String,
    pub gln: Option<String>,
    pub created_at: chrono::NaiveDateTime,
}

impl TenantRow {
    pub fn company_prefixes(&self) -> Vec<String> {
        serde_json::from_str(&self.gs1_company_prefixes).unwrap_or_default()
    }
}

pub fn insert(conn: &mut DbConn, row: &TenantRow) -> QueryResult<()> {
    diesel::insert_into(tenants::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &TenantId) -> QueryResult<Option<TenantRow>> {
    tenants::table
        .find(id)
        .select(TenantRow::as_select())
        .first(conn)
        .optional()
}

/// The names of the given tenants (any that do not exist are simply absent): one statement
/// however many ids, for lists that show who produced or partners with whom.
pub fn names<'a>(
    conn: &mut DbConn,
    ids: impl IntoIterator<Item = &'a TenantId>,
) -> QueryResult<HashMap<TenantId, String>> {
    let keys = Keys::text(conn, ids);
    Ok(tenants::table
        .filter(keys.contains(tenants::id))
        .select((tenants::id, tenants::name))
        .load::<(TenantId, String)>(conn)?
        .into_iter()
        .collect())
}
