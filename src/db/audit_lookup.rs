//! Resolving an object named in an audit query (`<GTIN>/<serial>` or `<SSCC>`) to row ids. Any
//! tenant's rows may match: the event query itself is limited to what the caller may see.

use diesel::prelude::*;

use super::schema::{containers, items, products};
use super::DbConn;
use crate::ids::{ContainerId, ItemId};

pub fn item_ids(conn: &mut DbConn, gtin: &str, serial: &str) -> QueryResult<Vec<ItemId>> {
    items::table
        .inner_join(products::table)
        .filter(products::product_code.eq(gtin))
        .filter(items::serial_number.eq(serial))
        .select(items::id)
        .load(conn)
}

pub fn container_id(conn: &mut DbConn, sscc: &str) -> QueryResult<Option<ContainerId>> {
    containers::table
        .filter(containers::sscc.eq(sscc))
        .select(containers::id)
        .first(conn)
        .optional()
}
