//! Commissioning: serials become packs `pending_commissioning_approval`.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use diesel::Connection;

use super::{access, map_unique, orders};
use crate::audit::{self, Event};
use crate::db::{self, items::NewPacks, orders::OrderRow, products::ProductRow, DbConn};
use crate::domain::actor::Actor;
use crate::domain::audit_payload::{AuditPayload, Change, Commissioned};
use crate::domain::gs1::{Batch, Expiry, Gtin, SerialNumber};
use crate::domain::lifecycle::Status;
use crate::domain::pools::HolderKind;
use crate::error::{ApiError, Detail};
use crate::ids::{CommissionId, HolderKey, ProductKey};

/// One commissioning request, checked.
pub struct Commission {
    pub gtin: Gtin,
    pub batch: Batch,
    pub expiry: Expiry,
    pub serials: Vec<SerialNumber>,
    /// The caller's packaging order to commission against (`order_id`).
    pub order_id: Option<String>,
}

/// Commissions every serial or none. A serial is unique per product forever, so one that exists
/// in any status (even decommissioned) is refused. A serial in the product's pool must be
/// assigned to the caller (taken for its lines, given to it by its MAH, or held by the order it
/// commissions against); a serial that was never in the pool is external, accepted when the
/// product allows external serials.
pub fn commission(conn: &mut DbConn, actor: &Actor, cmd: &Commission) -> Result<usize, ApiError> {
    let products = access::require_products(
        conn,
        actor,
        [("product_code".to_string(), cmd.gtin.as_str())],
    )?;
    let product = &products[cmd.gtin.as_str()];
    let order = match &cmd.order_id {
        Some(id) => Some(orders::for_commissioning(conn, actor, product, cmd, id)?),
        None => None,
    };
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
        order: order.as_ref().map(|o| o.key),
    };
    let allowed = allowed_holders(conn, actor, product, order.as_ref())?;
    // Insert first, in a savepoint: the unique index checks every serial anyway, so the accepted
    // request makes no separate read pass over 100 000 keys. Only a refused one reads which
    // serials exist, to list them.
    let attempt = conn.transaction(|c| insert(c, product, &packs, &allowed));
    let (commission, count) = match attempt {
        Ok(Ok(done)) => done,
        Ok(Err(Refused::External(external))) => {
            return Err(external_refused(conn, product, &serials, &external)?)
        }
        Err(e) if is_unique_violation(&e) => {
            return Err(already_taken(conn, product.key, &serials, &allowed)?
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
        order_id: cmd.order_id.clone(),
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
    Ok(count)
}

/// Why the savepoint was rolled back without a database error.
enum Refused {
    /// These serials are not in the pool and the product takes no external serials.
    External(Vec<String>),
}

/// The pool holders whose serials the actor may commission: what it took for its lines, the
/// stock its MAH gave it (a CMO; the owner's own stock is not assigned to anyone and must be
/// taken first), and the order it commissions against.
fn allowed_holders(
    conn: &mut DbConn,
    actor: &Actor,
    product: &ProductRow,
    order: Option<&OrderRow>,
) -> Result<Vec<HolderKey>, ApiError> {
    let is_owner = product.owner_tenant_id == actor.tenant_id;
    let mut allowed = Vec::new();
    for h in
        db::pools::commissioning_holders(conn, product.key, &actor.tenant_id, order.map(|o| o.key))?
    {
        let ok = match HolderKind::of_code(h.kind) {
            Some(HolderKind::Taken) => true,
            Some(HolderKind::Stock) => !is_owner,
            Some(HolderKind::Order) => order.is_some_and(|o| Some(o.key) == h.order_id),
            None => false,
        };
        if ok {
            allowed.push(h.id);
        }
    }
    Ok(allowed)
}

/// The writes of one commissioning: the commission row, the pooled serials the actor may use
/// turned into packs, the rest inserted as external packs.
fn insert(
    c: &mut DbConn,
    product: &ProductRow,
    packs: &NewPacks<'_>,
    allowed: &[HolderKey],
) -> diesel::QueryResult<Result<(CommissionId, usize), Refused>> {
    if !db::pools::any_pooled(c, product.key)? {
        if !product.external_serials {
            return Ok(Err(Refused::External(
                packs.serials.iter().map(|s| s.to_string()).collect(),
            )));
        }
        let (commission, ids) = db::items::insert_packs(c, packs)?;
        return Ok(Ok((commission, ids.len())));
    }
    let commission = db::items::insert_commission(c, packs)?;
    let pooled = db::pools::commission_pooled(c, product.key, packs.serials, allowed, commission)?;
    let used: HashSet<&str> = pooled.iter().map(|(_, s)| s.as_str()).collect();
    let rest: Vec<&str> = packs
        .serials
        .iter()
        .copied()
        .filter(|s| !used.contains(s))
        .collect();
    if !rest.is_empty() && !product.external_serials {
        return Ok(Err(Refused::External(
            rest.iter().map(|s| s.to_string()).collect(),
        )));
    }
    let inserted = db::items::insert_items(c, product.key, commission, &rest)?;
    Ok(Ok((commission, pooled.len() + inserted.len())))
}

/// The refusal of serials a product that takes no external serials does not have in a pool
/// assigned to the caller, each named where it is in the request.
fn external_refused(
    conn: &mut DbConn,
    product: &ProductRow,
    serials: &[&str],
    refused: &[String],
) -> Result<ApiError, ApiError> {
    let refused: HashSet<&str> = refused.iter().map(String::as_str).collect();
    let known: HashSet<String> = db::pools::states(
        conn,
        product.key,
        &refused.iter().copied().collect::<Vec<_>>(),
    )?
    .into_iter()
    .map(|s| s.serial_number)
    .collect();
    let details = serials
        .iter()
        .enumerate()
        .filter(|(_, s)| refused.contains(*s))
        .map(|(i, s)| {
            let why = if known.contains(*s) {
                "is not assigned to you"
            } else {
                "is not in the pool, and the product accepts no external serials"
            };
            Detail::at(format!("serial_numbers[{i}]"), format!("serial {s} {why}"))
        })
        .collect();
    Ok(ApiError::state(
        format!(
            "Product {} accepts only serials from its pool that are assigned to you",
            product.product_code
        ),
        details,
    ))
}

fn is_unique_violation(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    matches!(
        e,
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
    )
}

/// The refusal listing every serial of the request that exists already — commissioned, or in
/// the pool and not assigned to the caller — in request order; `None` if none is visible (a
/// concurrent request's, not yet committed).
fn already_taken(
    conn: &mut DbConn,
    product_id: ProductKey,
    serials: &[&str],
    allowed: &[HolderKey],
) -> Result<Option<ApiError>, ApiError> {
    let existing = db::pools::states(conn, product_id, serials)?;
    // A pooled serial the caller may use is not a reason: it failed only with the savepoint.
    let existing: Vec<_> = existing
        .into_iter()
        .filter(|s| {
            s.status != db::pools::POOLED || !s.holder_id.is_some_and(|h| allowed.contains(&h))
        })
        .collect();
    if existing.is_empty() {
        return Ok(None);
    }
    let index: HashMap<&str, usize> = serials.iter().enumerate().map(|(i, s)| (*s, i)).collect();
    let mut details: Vec<(usize, Detail)> = existing
        .iter()
        .map(|row| {
            let i = index[row.serial_number.as_str()];
            let why = if row.status == db::pools::POOLED {
                "is in the pool and not assigned to you"
            } else {
                "is already commissioned"
            };
            (
                i,
                Detail::at(
                    format!("serial_numbers[{i}]"),
                    format!("serial {} {why}", row.serial_number),
                ),
            )
        })
        .collect();
    details.sort_by_key(|(i, _)| *i);
    let message = if existing.iter().any(|s| s.status == db::pools::POOLED) {
        "Some serials are already commissioned or in the pool and not assigned to you; serials \
         are unique per product forever"
    } else {
        "Some serials are already commissioned; serials are unique per product forever"
    };
    Ok(Some(ApiError::state(
        message,
        details.into_iter().map(|(_, d)| d).collect(),
    )))
}
