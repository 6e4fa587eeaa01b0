//! The demo's serial pool and packaging order (issue 13): the MAH generates serials and gives
//! some to its CMO; the CMO opens an order, assigns serials to it and releases it to its line,
//! so the order is `in_progress` with its serials waiting to be printed when anyone signs in.
//! Each step is the API's own workflow, acting as the MAH's office or the CMO's line.

use super::DemoError;
use crate::db::{self, DbConn};
use crate::domain::actor::Actor;
use crate::domain::gs1::{Batch, Expiry, Gtin};
use crate::domain::pools::OrderAction;
use crate::ids::PartnershipId;
use crate::workflows::orders::{self, NewOrderCmd};
use crate::workflows::pools;

/// Serials the MAH generates, and how many of them it gives the CMO.
pub const GENERATED: u64 = 100;
pub const GIVEN: u64 = 40;
/// The CMO's order: its id, and the packs it is for.
pub const ORDER_ID: &str = "DEMO-PO-1";
pub const ORDER_QUANTITY: u64 = 20;
/// The order's batch and expiry (the walkthrough's batch).
const ORDER_BATCH: &str = "DEMO1";
const ORDER_EXPIRY: &str = "301200";

pub fn seed(
    conn: &mut DbConn,
    mah: &Actor,
    cmo_line: &Actor,
    gtin: &Gtin,
    partnership: &PartnershipId,
) -> Result<(), DemoError> {
    db::write_tx(conn, |c| pools::generate(c, mah, gtin, GENERATED).map(drop))?;
    db::write_tx(conn, |c| {
        pools::assign_to_partner(c, mah, partnership, gtin, GIVEN).map(drop)
    })?;
    let order = NewOrderCmd {
        order_id: ORDER_ID.into(),
        gtin: gtin.clone(),
        batch: Batch::parse(ORDER_BATCH)?,
        expiry: Expiry::parse_now(ORDER_EXPIRY)?,
        quantity: ORDER_QUANTITY,
        line: Some("Packaging line 1".into()),
    };
    db::write_tx(conn, |c| orders::create(c, cmo_line, &order).map(drop))?;
    for action in [OrderAction::AssignSerials, OrderAction::Release] {
        db::write_tx(conn, |c| {
            orders::act(c, cmo_line, ORDER_ID, action).map(drop)
        })?;
    }
    Ok(())
}
