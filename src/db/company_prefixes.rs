//! Who holds which GS1 Company Prefix. The primary key refuses a prefix held twice; that no
//! prefix extends another is checked by the operator's commands under
//! `dialect::Serialised::BrandOwnership` (SQLite: the write lock), since no key can say it.

use diesel::prelude::*;

use super::dialect::Keys;
use super::schema::{company_prefixes as cp, gtin_assignments as ga, products};
use super::DbConn;
use crate::ids::TenantId;

/// Records that `tenant_id` holds `prefixes`.
pub fn insert(conn: &mut DbConn, tenant_id: &TenantId, prefixes: &[String]) -> QueryResult<()> {
    for prefix in prefixes {
        diesel::insert_into(cp::table)
            .values((cp::prefix.eq(prefix), cp::tenant_id.eq(tenant_id)))
            .execute(conn)?;
    }
    Ok(())
}

/// The prefixes `tenant_id` holds, in prefix order.
pub fn of_tenant(conn: &mut DbConn, tenant_id: &TenantId) -> QueryResult<Vec<String>> {
    cp::table
        .filter(cp::tenant_id.eq(tenant_id))
        .select(cp::prefix)
        .order(cp::prefix)
        .load(conn)
}

/// The tenant holding one of `candidates` (the prefixes a code could lie under). Prefixes never
/// overlap, so at most one tenant does.
pub fn holder(conn: &mut DbConn, candidates: &[&str]) -> QueryResult<Option<TenantId>> {
    cp::table
        .filter(Keys::text(conn, candidates).contains(cp::prefix))
        .select(cp::tenant_id)
        .order(cp::prefix)
        .first(conn)
        .optional()
}

/// Every held prefix that equals `prefix`, is extended by it (one of `shorter`, its own leading
/// digits) or extends it, with its holder.
pub fn overlapping(
    conn: &mut DbConn,
    prefix: &str,
    shorter: &[&str],
) -> QueryResult<Vec<(String, TenantId)>> {
    cp::table
        .filter(
            Keys::text(conn, shorter)
                .contains(cp::prefix)
                .or(cp::prefix.like(format!("{prefix}%"))),
        )
        .select((cp::prefix, cp::tenant_id))
        .order(cp::prefix)
        .load(conn)
}

/// GTINs under `prefix` that a tenant other than `tenant_id` registered or was assigned: a new
/// prefix must not take another tenant's products. (`_` is the indicator digit.)
pub fn foreign_gtins_under(
    conn: &mut DbConn,
    prefix: &str,
    tenant_id: &TenantId,
) -> QueryResult<Vec<String>> {
    let pattern = format!("_{prefix}%");
    let mut codes: Vec<String> = products::table
        .filter(products::product_code.like(pattern.clone()))
        .filter(products::owner_tenant_id.ne(tenant_id))
        .select(products::product_code)
        .load(conn)?;
    codes.extend(
        ga::table
            .filter(ga::product_code.like(pattern))
            .filter(ga::tenant_id.ne(tenant_id))
            .select(ga::product_code)
            .load::<String>(conn)?,
    );
    codes.sort();
    codes.dedup();
    Ok(codes)
}
