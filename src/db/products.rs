use std::collections::HashMap;

use diesel::prelude::*;

use super::dialect::{self, Keys};
use super::schema::products;
use super::DbConn;
use crate::ids::{ProductId, ProductKey, TenantId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = products)]
pub struct ProductRow {
    /// The key packs and partnerships refer to; never shown.
    #[diesel(column_name = id)]
    pub key: ProductKey,
    /// The public id.
    #[diesel(column_name = uid)]
    pub id: ProductId,
    /// The brand owner (MAH).
    pub owner_tenant_id: TenantId,
    pub product_code: String,
    pub name: String,
    pub created_at: chrono::NaiveDateTime,
    pub serial_alphabet: String,
    pub serial_length: i16,
    pub external_serials: bool,
}

/// A product to register.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = products)]
pub struct NewProduct {
    #[diesel(column_name = uid)]
    pub id: ProductId,
    pub owner_tenant_id: TenantId,
    pub product_code: String,
    pub name: String,
    pub created_at: chrono::NaiveDateTime,
    pub serial_alphabet: String,
    pub serial_length: i16,
    pub external_serials: bool,
}

/// Inserts a product; false when the tenant already registered this GTIN.
pub fn insert(conn: &mut DbConn, row: &NewProduct) -> QueryResult<bool> {
    let insert = diesel::insert_into(products::table)
        .values(row)
        .on_conflict_do_nothing();
    Ok(dialect::insert_or_ignore(conn, insert)? == 1)
}

/// A product the tenant owns, by GTIN.
pub fn find_owned(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    code: &str,
) -> QueryResult<Option<ProductRow>> {
    products::table
        .filter(products::owner_tenant_id.eq(tenant_id))
        .filter(products::product_code.eq(code))
        .select(ProductRow::as_select())
        .first(conn)
        .optional()
}

/// A page of the tenant's products in GTIN order, after the cursor `after` (a GTIN).
pub fn list_owned(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ProductRow>> {
    let mut q = products::table
        .filter(products::owner_tenant_id.eq(tenant_id))
        .select(ProductRow::as_select())
        .order(products::product_code)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(products::product_code.gt(after.to_string()));
    }
    q.load(conn)
}

/// The products the tenant may commission, aggregate and decommission, by GTIN: its own.
/// (Products granted through a partnership are added by `access::producible`.)
pub fn owned_by_codes(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    codes: &[&str],
) -> QueryResult<HashMap<String, ProductRow>> {
    let rows: Vec<ProductRow> = products::table
        .filter(products::owner_tenant_id.eq(tenant_id))
        .filter(Keys::text(conn, codes).contains(products::product_code))
        .select(ProductRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|p| (p.product_code.clone(), p))
        .collect())
}

pub fn by_keys(conn: &mut DbConn, keys: &[ProductKey]) -> QueryResult<Vec<ProductRow>> {
    products::table
        .filter(Keys::ids(conn, keys.iter().copied()).contains(products::id))
        .select(ProductRow::as_select())
        .load(conn)
}

/// The product of a GTIN, whoever owns it (a GTIN has one owner in the hub).
pub fn find_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<ProductRow>> {
    products::table
        .filter(products::product_code.eq(code))
        .select(ProductRow::as_select())
        .first(conn)
        .optional()
}

/// Changes the serial template and/or the external-serials setting of a product.
pub fn set_serial_settings(
    conn: &mut DbConn,
    key: ProductKey,
    template: Option<(&str, i16)>,
    external_serials: Option<bool>,
) -> QueryResult<()> {
    if let Some((alphabet, length)) = template {
        diesel::update(products::table.find(key))
            .set((
                products::serial_alphabet.eq(alphabet),
                products::serial_length.eq(length),
            ))
            .execute(conn)?;
    }
    if let Some(e) = external_serials {
        diesel::update(products::table.find(key))
            .set(products::external_serials.eq(e))
            .execute(conn)?;
    }
    Ok(())
}
