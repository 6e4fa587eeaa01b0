//! Partnerships between a MAH and a CMO, and the products they cover.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::dialect::{self, Keys};
use super::products::ProductRow;
use super::schema::{partnership_products as pp, partnerships, products};
use super::DbConn;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = partnerships)]
pub struct PartnershipRow {
    pub id: String,
    pub mah_tenant_id: String,
    pub cmo_tenant_id: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub const PENDING: &str = "pending";
pub const ACTIVE: &str = "active";
pub const SUSPENDED: &str = "suspended";
pub const ENDED: &str = "ended";

/// Inserts a partnership; false when the pair already has one that has not ended.
pub fn insert(conn: &mut DbConn, row: &PartnershipRow) -> QueryResult<bool> {
    let insert = diesel::insert_into(partnerships::table)
        .values(row)
        .on_conflict_do_nothing();
    Ok(dialect::insert_or_ignore(conn, insert)? == 1)
}

/// A partnership the tenant is a party of (either side).
pub fn find_for_party(
    conn: &mut DbConn,
    id: &str,
    tenant_id: &str,
) -> QueryResult<Option<PartnershipRow>> {
    partnerships::table
        .find(id)
        .filter(
            partnerships::mah_tenant_id
                .eq(tenant_id)
                .or(partnerships::cmo_tenant_id.eq(tenant_id)),
        )
        .select(PartnershipRow::as_select())
        .first(conn)
        .optional()
}

pub fn list_for_party(
    conn: &mut DbConn,
    tenant_id: &str,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<PartnershipRow>> {
    let mut q = partnerships::table
        .filter(
            partnerships::mah_tenant_id
                .eq(tenant_id)
                .or(partnerships::cmo_tenant_id.eq(tenant_id)),
        )
        .select(PartnershipRow::as_select())
        .order(partnerships::id)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(partnerships::id.gt(after.to_string()));
    }
    q.load(conn)
}

/// Moves the partnership from one of `from` to `to`; false if it was in none of them (a
/// concurrent change or a forbidden transition).
pub fn transition(
    conn: &mut DbConn,
    id: &str,
    from: &[&str],
    to: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        partnerships::table
            .find(id)
            .filter(Keys::text(conn, from).contains(partnerships::status)),
    )
    .set((
        partnerships::status.eq(to),
        partnerships::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

pub fn touch(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(partnerships::table.find(id))
        .set(partnerships::updated_at.eq(now))
        .execute(conn)
        .map(|_| ())
}

pub fn set_products(conn: &mut DbConn, id: &str, product_ids: &[&str]) -> QueryResult<()> {
    diesel::delete(pp::table.filter(pp::partnership_id.eq(id))).execute(conn)?;
    for pid in product_ids {
        diesel::insert_into(pp::table)
            .values((pp::partnership_id.eq(id), pp::product_id.eq(*pid)))
            .execute(conn)?;
    }
    Ok(())
}

/// GTINs covered by a partnership, sorted.
pub fn product_codes(conn: &mut DbConn, id: &str) -> QueryResult<Vec<String>> {
    pp::table
        .inner_join(products::table)
        .filter(pp::partnership_id.eq(id))
        .select(products::product_code)
        .order(products::product_code)
        .load(conn)
}

/// Products of other tenants that `cmo` may produce now (active partnerships only), by GTIN.
pub fn granted_by_codes(
    conn: &mut DbConn,
    cmo: &str,
    codes: &[&str],
) -> QueryResult<Vec<ProductRow>> {
    pp::table
        .inner_join(partnerships::table)
        .inner_join(products::table)
        .filter(partnerships::cmo_tenant_id.eq(cmo))
        .filter(partnerships::status.eq(ACTIVE))
        .filter(Keys::text(conn, codes).contains(products::product_code))
        .select(ProductRow::as_select())
        .load(conn)
}

/// Which of `product_ids` an active partnership grants to `cmo` now.
pub fn granted_product_ids(
    conn: &mut DbConn,
    cmo: &str,
    product_ids: &[String],
) -> QueryResult<Vec<String>> {
    pp::table
        .inner_join(partnerships::table)
        .filter(partnerships::cmo_tenant_id.eq(cmo))
        .filter(partnerships::status.eq(ACTIVE))
        .filter(Keys::text(conn, product_ids).contains(pp::product_id))
        .select(pp::product_id)
        .distinct()
        .load(conn)
}
