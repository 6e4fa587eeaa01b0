//! Release to market (PRODUCT.md §3.4): only the brand owner (MAH) releases; a CMO that produced
//! the goods is refused with `ForbiddenError`; to anyone else they do not exist.

use std::collections::HashMap;

use super::{access, concurrent_change};
use crate::audit::{self, Event};
use crate::db::{self, DbConn};
use crate::domain::actor::Actor;
use crate::domain::audit_payload::{AuditPayload, Change, Released};
use crate::domain::lifecycle::Status;
use crate::domain::trade_item::{SsccAt, TradeItemRef};
use crate::error::{ApiError, Detail, ErrorType};
use crate::ids::{ContainerId, ItemId};
use crate::workflows::aggregate::pack_ref;

/// How much a release moved to `released`, in all.
#[derive(Debug, Default, Clone, Copy)]
pub struct ReleaseCount {
    pub packs: usize,
    pub containers: usize,
}

/// Problems found while resolving what to release, by the error they lead to.
#[derive(Default)]
struct Refusals {
    not_found: Vec<Detail>,
    forbidden: Vec<Detail>,
    state: Vec<Detail>,
}

impl Refusals {
    /// The most fundamental refusal wins: not visible, then not allowed, then wrong status.
    fn into_error(self) -> Option<ApiError> {
        if !self.not_found.is_empty() {
            return Some(
                ApiError::new(ErrorType::NotFound, "Some items were not found")
                    .with_details(self.not_found),
            );
        }
        if !self.forbidden.is_empty() {
            return Some(
                ApiError::new(
                    ErrorType::Forbidden,
                    "Only the marketing authorisation holder may release to market",
                )
                .with_details(self.forbidden),
            );
        }
        if !self.state.is_empty() {
            return Some(ApiError::state(
                "Some items are not pending commissioning approval",
                self.state,
            ));
        }
        None
    }

    fn status(&mut self, path: &str, what: &str, status: Status) {
        if status != Status::PendingCommissioningApproval {
            self.state
                .push(Detail::at(path, format!("{what} is {status}")));
        }
    }
}

/// Releases the named containers (with everything below them) and packs, all or none.
pub fn release(
    conn: &mut DbConn,
    actor: &Actor,
    ssccs: &[SsccAt],
    packs: &[TradeItemRef],
) -> Result<ReleaseCount, ApiError> {
    let mut refusals = Refusals::default();
    let container_ids = resolve_containers(conn, actor, ssccs, &mut refusals)?;
    let item_ids = resolve_packs(conn, actor, packs, &mut refusals)?;
    if let Some(e) = refusals.into_error() {
        return Err(e);
    }
    let now = db::now();
    // The packs below the roots are most of a release: their update records the event in their
    // history as it changes their status.
    let mark = audit::Mark::reserve(conn)?;
    if db::release::release_containers(conn, &container_ids, now)? != container_ids.len()
        || db::release::release_items(conn, &item_ids)? != item_ids.len()
    {
        return Err(concurrent_change());
    }
    let (boxes, below) = db::release::release_below(conn, &container_ids, &item_ids, now, mark)?;
    let released = ReleaseCount {
        packs: item_ids.len() + below.len(),
        containers: container_ids.len() + boxes.len(),
    };
    // The event's history index: the named roots and everything released below them.
    let items = [item_ids.as_slice(), below.as_slice()].concat();
    let containers = [container_ids, boxes].concat();
    let payload = AuditPayload::Release(Released {
        ssccs: ssccs.iter().map(|(_, s)| s.clone()).collect(),
        trade_items: packs.iter().map(pack_ref).collect(),
        released_packs: released.packs,
        released_containers: released.containers,
        status: Change {
            from: Status::PendingCommissioningApproval,
            to: Status::Released,
        },
    });
    let event = Event {
        owner_tenant_id: &actor.tenant_id,
        reason: None,
        payload,
        items: &items,
        containers: &containers,
    };
    // `release_below` stamped the packs below the roots; the named packs are indexed now.
    let stamped = audit::Stamped {
        mark,
        items: &below,
    };
    audit::record_marked(conn, actor, stamped, event)?;
    Ok(released)
}

/// The ids of the named containers the actor may release; every other is a refusal.
fn resolve_containers(
    conn: &mut DbConn,
    actor: &Actor,
    ssccs: &[SsccAt],
    refusals: &mut Refusals,
) -> Result<Vec<ContainerId>, ApiError> {
    let codes: Vec<&str> = ssccs.iter().map(|(_, s)| s.as_str()).collect();
    let rows: HashMap<String, _> = db::containers::by_ssccs(conn, &codes)?
        .into_iter()
        .map(|c| (c.sscc.clone(), c))
        .collect();
    let mut ids = Vec::with_capacity(ssccs.len());
    for (path, sscc) in ssccs {
        match rows.get(sscc.as_str()) {
            Some(c) if c.owner_tenant_id == actor.tenant_id => {
                refusals.status(path, &format!("SSCC {sscc}"), c.status);
                ids.push(c.id);
            }
            Some(c) if c.produced_by == actor.tenant_id => refusals.forbidden.push(Detail::at(
                path,
                format!("SSCC {sscc} belongs to the brand owner"),
            )),
            _ => refusals
                .not_found
                .push(Detail::at(path, format!("SSCC {sscc} not found"))),
        }
    }
    Ok(ids)
}

/// The ids of the named packs the actor may release; every other is a refusal.
fn resolve_packs(
    conn: &mut DbConn,
    actor: &Actor,
    packs: &[TradeItemRef],
    refusals: &mut Refusals,
) -> Result<Vec<ItemId>, ApiError> {
    let mut codes: Vec<&str> = packs.iter().map(|p| p.gtin.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    // Products the caller owns or produces for a partner; the latter only to say "forbidden".
    let products = access::producible(conn, actor, &codes)?;
    let mut serials_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for pack in packs
        .iter()
        .filter(|p| products.contains_key(p.gtin.as_str()))
    {
        serials_of
            .entry(pack.gtin.as_str())
            .or_default()
            .push(pack.serial.as_str());
    }
    let mut stored = HashMap::with_capacity(packs.len());
    for (gtin, serials) in serials_of {
        for row in db::items::find_by_serials(conn, products[gtin].key, &serials)? {
            stored.insert((gtin.to_string(), row.serial_number.clone()), row);
        }
    }
    let mut ids = Vec::with_capacity(packs.len());
    for pack in packs {
        let label = format!("{} / {}", pack.gtin, pack.serial);
        let owned = products
            .get(pack.gtin.as_str())
            .is_some_and(|p| p.owner_tenant_id == actor.tenant_id);
        match stored.get(&(pack.gtin.to_string(), pack.serial.to_string())) {
            Some(r) if owned => {
                refusals.status(&pack.path, &label, r.status);
                ids.push(r.id);
            }
            Some(r) if r.produced_by == actor.tenant_id => refusals.forbidden.push(Detail::at(
                &pack.path,
                format!("{label} belongs to the brand owner"),
            )),
            _ => refusals
                .not_found
                .push(Detail::at(&pack.path, format!("{label} not found"))),
        }
    }
    Ok(ids)
}
