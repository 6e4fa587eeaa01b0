//! Partnerships between a MAH and a CMO, and the products they cover.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::dialect::{self, Keys};
use super::products::ProductRow;
use super::schema::{partnership_products as pp, partnerships, products};
use super::DbConn;
use crate::domain::gs1::Gtin;
use crate::domain::partnership::PartnershipStatus;
use crate::ids::{PartnershipId, ProductKey, TenantId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = partnerships)]
pub struct PartnershipRow {
    pub id: PartnershipId,
    pub mah_tenant_id: TenantId,
    pub cmo_tenant_id: TenantId,
    pub status: PartnershipStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

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
    id: &PartnershipId,
    tenant_id: &TenantId,
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

/// A page of the partnerships the tenant is a party of, in id order, after the cursor `after`.
pub fn list_for_party(
    conn: &mut DbConn,
    tenant_id: &TenantId,
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
    id: &PartnershipId,
    from: &[PartnershipStatus],
    to: PartnershipStatus,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        partnerships::table.find(id).filter(
            Keys::text(conn, from.iter().map(|s| s.as_str())).contains(partnerships::status),
        ),
    )
    .set((
        partnerships::status.eq(to),
        partnerships::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

pub fn touch(conn: &mut DbConn, id: &PartnershipId, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(partnerships::table.find(id))
        .set(partnerships::updated_at.eq(now))
        .execute(conn)
        .map(|_| ())
}

/// Replaces the products a partnership covers.
pub fn set_products(
    conn: &mut DbConn,
    id: &PartnershipId,
    product_ids: &[ProductKey],
) -> QueryResult<()> {
    diesel::delete(pp::table.filter(pp::partnership_id.eq(id))).execute(conn)?;
    for pid in product_ids {
        diesel::insert_into(pp::table)
            .values((pp::partnership_id.eq(id), pp::product_id.eq(pid)))
            .execute(conn)?;
    }
    Ok(())
}

/// GTINs covered by a partnership, sorted.
pub fn product_codes(conn: &mut DbConn, id: &PartnershipId) -> QueryResult<Vec<Gtin>> {
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
    cmo: &TenantId,
    codes: &[&str],
) -> QueryResult<Vec<ProductRow>> {
    pp::table
        .inner_join(partnerships::table)
        .inner_join(products::table)
        .filter(partnerships::cmo_tenant_id.eq(cmo))
        .filter(partnerships::status.eq(PartnershipStatus::Active))
        .filter(Keys::text(conn, codes).contains(products::product_code))
        .select(ProductRow::as_select())
        .load(conn)
}

/// Which of `product_ids` an active partnership grants to `cmo` now.
pub fn granted_product_ids(
    conn: &mut DbConn,
    cmo: &TenantId,
    product_ids: &[ProductKey],
) -> QueryResult<Vec<ProductKey>> {
    pp::table
        .inner_join(partnerships::table)
        .filter(partnerships::cmo_tenant_id.eq(cmo))
        .filter(partnerships::status.eq(PartnershipStatus::Active))
        .filter(Keys::ids(conn, product_ids.iter().copied()).contains(pp::product_id))
        .select(pp::product_id)
        .distinct()
        .load(conn)
}
