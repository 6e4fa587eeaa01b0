//! The common case of `POST /aggregate/container` in one pass: every child is commissioned, loose,
//! pending, the caller's to move and as the request asserts it. Then one conditional
//! `UPDATE … RETURNING` per product does the lookup, the checks and the write together, and the
//! separate read of every child (a fifth of a 10 000-child request) is not needed.
//!
//! It runs in a savepoint. Anything else — a child unknown, elsewhere, already in this parent,
//! released, someone else's, or not as asserted — rolls the savepoint back, and the caller checks
//! child by child as before, so every refusal is still answered by that one code path.

use std::collections::HashMap;

use diesel::Connection;

use crate::audit::Mark;
use crate::db::{self, items::AttachedPack, products::ProductRow, DbConn};
use crate::domain::actor::Actor;
use crate::domain::aggregation::{self, PackState, Parent};
use crate::domain::lifecycle::Status;
use crate::domain::trade_item::TradeItemRef;
use crate::error::ApiError;
use crate::ids::{ContainerId, ItemId};

enum Miss {
    /// Not the common case: answer child by child.
    NotAllLoose,
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for Miss {
    fn from(e: diesel::result::Error) -> Miss {
        Miss::Db(e)
    }
}

/// Attaches every child to `container` and returns them with their pack ids, or `None` (nothing
/// changed) when the request is not the common case.
pub fn attach_all<'c>(
    conn: &mut DbConn,
    actor: &Actor,
    products: &HashMap<String, ProductRow>,
    children: &'c [TradeItemRef],
    container: ContainerId,
    mark: Mark,
) -> Result<Option<Vec<(ItemId, &'c TradeItemRef)>>, ApiError> {
    let mut by_product: HashMap<&str, Vec<&'c TradeItemRef>> = HashMap::new();
    for child in children {
        by_product
            .entry(child.gtin.as_str())
            .or_default()
            .push(child);
    }
    let outcome = conn.transaction::<_, Miss, _>(|c| {
        let mut attached = Vec::with_capacity(children.len());
        for (gtin, items) in &by_product {
            let product = &products[*gtin];
            // As `access::may_touch`: the owner moves any of its packs, a CMO only its own.
            let own_product = product.owner_tenant_id == actor.tenant_id;
            let produced_by = (!own_product).then_some(&actor.tenant_id);
            let serials: Vec<&str> = items.iter().map(|i| i.serial.as_str()).collect();
            let rows = db::items::attach_loose_by_serials(
                c,
                product.key,
                &serials,
                produced_by,
                container,
                mark,
            )?;
            attached.extend(as_asserted(items, rows, container)?);
        }
        Ok(attached)
    });
    match outcome {
        Ok(attached) => Ok(Some(attached)),
        Err(Miss::NotAllLoose) => Ok(None),
        Err(Miss::Db(e)) => Err(e.into()),
    }
}

/// Pairs each requested child of one product with the row the update moved, if every one moved
/// and each is as the request asserts (batch, expiry).
fn as_asserted<'c>(
    items: &[&'c TradeItemRef],
    rows: Vec<AttachedPack>,
    container: ContainerId,
) -> Result<Vec<(ItemId, &'c TradeItemRef)>, Miss> {
    if rows.len() != items.len() {
        return Err(Miss::NotAllLoose);
    }
    let mut by_serial: HashMap<String, PackState> = rows
        .into_iter()
        .map(|r| {
            let state = PackState {
                id: r.id,
                status: Status::PendingCommissioningApproval,
                batch: r.batch,
                expiry_date: r.expiry_date,
                parent: Parent::Container(container),
            };
            (r.serial_number, state)
        })
        .collect();
    items
        .iter()
        .map(|item| {
            let state = by_serial
                .remove(item.serial.as_str())
                .ok_or(Miss::NotAllLoose)?;
            if !aggregation::check_asserted(item, &state).is_empty() {
                return Err(Miss::NotAllLoose);
            }
            Ok((state.id, *item))
        })
        .collect()
}
