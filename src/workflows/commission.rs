//! Commissioning: serials become packs `pending_commissioning_approval`.

use std::borrow::Cow;
use std::collections::HashMap;

use diesel::Connection;

use super::{access, map_unique};
use crate::audit::{self, Event};
use crate::db::{self, items::NewPacks, DbConn};
use crate::domain::actor::Actor;
use crate::domain::audit_payload::{AuditPayload, Change, Commissioned};
use crate::domain::gs1::{Batch, Expiry, Gtin, SerialNumber};
use crate::domain::lifecycle::Status;
use crate::error::{ApiError, Detail};
use crate::ids::ProductKey;

/// One commissioning request, checked.
pub struct Commission {
    pub gtin: Gtin,
    pub batch: Batch,
    pub expiry: Expiry,
    pub serials: Vec<SerialNumber>,
}

/// Commissions every serial or none. A serial is unique per product forever, so one that exists
/// in any status (even decommissioned) is refused.
pub fn commission(conn: &mut DbConn, actor: &Actor, cmd: &Commission) -> Result<usize, ApiError> {
    let products = access::require_products(
        conn,
        actor,
        [("product_code".to_string(), cmd.gtin.as_str())],
    )?;
    let product = &products[cmd.gtin.as_str()];
    let serials: Vec<&str> = cmd.serials.iter().map(|s| s.as_str()).collect();
    let now = db::now();
    // Rows go in sorted by serial: two requests racing for overlapping serials then take their
    // unique-index locks in the same order, so on PostgreSQL the later one waits and fails with a
    // unique violation (a StateError) instead of deadlocking (an InternalError).
    let mut sorted = serials.clone();
    sorted.sort_unstable();
    let packs = NewPacks {
        product_id: product.key,
        batch: cmd.batch.as_str(),
        expiry_date: cmd.expiry.as_printed(),
        produced_by: &actor.tenant_id,
        channel_id: actor.channel_id.as_ref(),
        at: now,
        serials: &sorted,
    };
    // Insert first, in a savepoint: the unique index checks every serial anyway, so the accepted
    // request makes no separate read pass over 100 000 keys. Only a refused one reads which
    // serials exist, to list them.
    let (commission, ids) = match conn.transaction(|c| db::items::insert_packs(c, &packs)) {
        Ok(inserted) => inserted,
        Err(e) if is_unique_violation(&e) => {
            return Err(already_commissioned(conn, product.key, &serials)?
                .unwrap_or_else(|| map_unique(e, "A serial")))
        }
        Err(e) => return Err(e.into()),
    };
    let payload = AuditPayload::Commission(Commissioned {
        product_code: cmd.gtin.clone(),
        batch: cmd.batch.clone(),
        expiry_date: cmd.expiry.clone(),
        serial_numbers: Cow::Borrowed(&cmd.serials),
        status: Change {
            from: None,
            to: Status::PendingCommissioningApproval,
        },
    });
    let event = Event {
        owner_tenant_id: &product.owner_tenant_id,
        reason: None,
        payload,
        // Found through the packs' commission: no index row per pack.
        items: &[],
        containers: &[],
    };
    let event_id = audit::record(conn, actor, event)?;
    db::items::set_commission_event(conn, commission, event_id)?;
    Ok(ids.len())
}

fn is_unique_violation(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    matches!(
        e,
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
    )
}

/// The refusal listing every serial of the request that already exists, in request order; `None`
/// if none is visible (a concurrent request's, not yet committed).
fn already_commissioned(
    conn: &mut DbConn,
    product_id: ProductKey,
    serials: &[&str],
) -> Result<Option<ApiError>, ApiError> {
    let existing = db::items::find_by_serials(conn, product_id, serials)?;
    if existing.is_empty() {
        return Ok(None);
    }
    let index: HashMap<&str, usize> = serials.iter().enumerate().map(|(i, s)| (*s, i)).collect();
    let mut details: Vec<(usize, Detail)> = existing
        .iter()
        .map(|row| {
            let i = index[row.serial_number.as_str()];
            (
                i,
                Detail::at(
                    format!("serial_numbers[{i}]"),
                    format!("serial {} is already commissioned", row.serial_number),
                ),
            )
        })
        .collect();
    details.sort_by_key(|(i, _)| *i);
    Ok(Some(ApiError::state(
        "Some serials are already commissioned; serials are unique per product forever",
        details.into_iter().map(|(_, d)| d).collect(),
    )))
}
