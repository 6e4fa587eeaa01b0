//! GTINs the operator assigned to a tenant outside its own company prefixes
//! (`serialhub product assign`), e.g. codes under a national prefix shared by many companies.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::dialect;
use super::schema::gtin_assignments as ga;
use super::DbConn;
use crate::ids::TenantId;

/// The tenant the GTIN was assigned to, if any.
pub fn assignee(conn: &mut DbConn, gtin: &str) -> QueryResult<Option<TenantId>> {
    ga::table
        .find(gtin)
        .select(ga::tenant_id)
        .first(conn)
        .optional()
}

/// Assigns the GTIN; false when it was already assigned (to anyone: the key is the GTIN).
pub fn insert(
    conn: &mut DbConn,
    gtin: &str,
    tenant_id: &TenantId,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let insert = diesel::insert_into(ga::table)
        .values((
            ga::product_code.eq(gtin),
            ga::tenant_id.eq(tenant_id),
            ga::assigned_at.eq(at),
        ))
        .on_conflict_do_nothing();
    Ok(dialect::insert_or_ignore(conn, insert)? == 1)
}
