//! Aggregation: packs onto a container, packs into a bundle pack, containers onto a pallet. One
//! file per use case; what they share is here.

mod containers_on_container;
mod fast_attach;
mod packs_in_pack;
mod packs_on_container;

use std::collections::HashMap;

pub use containers_on_container::containers_on_container;
pub use packs_in_pack::packs_in_pack;
pub use packs_on_container::packs_on_container;

use super::{access, findings_error, ownership, sscc_pool};
use crate::audit::{self, Event};
use crate::db::dialect::{self, Serialised};
use crate::db::{
    self,
    containers::{ContainerRow, NewContainer},
    items::PackRow,
    products::ProductRow,
    DbConn,
};
use crate::domain::actor::Actor;
use crate::domain::aggregation::{self, ChildAction, Finding, PackState, Parent};
use crate::domain::audit_payload::{AuditPayload, ObjectRef, PackRef, Packed};
use crate::domain::gs1::Sscc;
use crate::domain::lifecycle::Status;
use crate::domain::trade_item::TradeItemRef;
use crate::error::{ApiError, Detail, ErrorType};
use crate::ids::{ContainerId, ItemId, TenantId};

/// What an aggregation changed.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    pub attached: usize,
    pub unchanged: usize,
}

/// The stored packs a request names that the actor may change, by GTIN then serial. Packs it
/// may not change are left out, so they read as "not commissioned" (no oracle).
#[derive(Debug, Default)]
pub struct Packs(HashMap<String, HashMap<String, PackState>>);

impl Packs {
    pub fn get(&self, item: &TradeItemRef) -> Option<&PackState> {
        self.0.get(item.gtin.as_str())?.get(item.serial.as_str())
    }
}

/// Loads the packs `refs` name (only the columns the decisions need).
pub fn load_packs(
    conn: &mut DbConn,
    actor: &Actor,
    products: &HashMap<String, ProductRow>,
    refs: &[&TradeItemRef],
) -> Result<Packs, ApiError> {
    let mut by_product: HashMap<&str, Vec<&str>> = HashMap::new();
    for r in refs {
        by_product
            .entry(r.gtin.as_str())
            .or_default()
            .push(r.serial.as_str());
    }
    let mut out = Packs::default();
    for (gtin, serials) in by_product {
        let product = &products[gtin];
        let rows = db::items::packs_by_serials(conn, product.key, &serials)?;
        let packs: HashMap<String, PackState> = rows
            .into_iter()
            .filter(|row| access::may_touch(actor, product, &row.produced_by))
            .map(PackRow::into_state)
            .collect();
        out.0.insert(gtin.to_string(), packs);
    }
    Ok(out)
}

/// Checks every child against `target`; returns the children to attach (with their pack ids)
/// and how many were already there.
fn decide<'c>(
    children: &'c [TradeItemRef],
    packs: &Packs,
    target: Parent,
    findings: &mut Vec<Finding>,
) -> (Vec<(ItemId, &'c TradeItemRef)>, usize) {
    let mut attach = Vec::with_capacity(children.len());
    let mut unchanged = 0;
    for child in children {
        match aggregation::check_pack_child(child, packs.get(child), target) {
            Ok(ChildAction::Attach(id)) => attach.push((id, child)),
            Ok(ChildAction::AlreadyThere) => unchanged += 1,
            Err(f) => findings.extend(f),
        }
    }
    (attach, unchanged)
}

/// Finds the parent SSCC (locked) or creates it for `owner`; refuses other tenants' and closed ones.
/// An SSCC the caller did not pack must lie under a prefix it may use (`ownership`); any other is
/// refused with one answer whether or not it exists, so it can be neither squatted nor probed.
fn open_parent(
    conn: &mut DbConn,
    actor: &Actor,
    sscc: &Sscc,
    owner: &TenantId,
) -> Result<ContainerRow, ApiError> {
    let existing = db::containers::find_for_update(conn, sscc.as_str())?;
    let packed_by_caller = existing
        .as_ref()
        .is_some_and(|c| c.produced_by == actor.tenant_id);
    if !packed_by_caller && !ownership::may_create_sscc(conn, &actor.tenant_id, sscc)? {
        return Err(foreign_sscc(sscc));
    }
    let state = existing.as_ref().map(|c| c.state(&actor.tenant_id, true));
    aggregation::check_parent_container("parent", sscc.as_str(), state.as_ref())
        .map_err(|f| findings_error(vec![f]))?;
    if let Some(c) = existing {
        if c.owner_tenant_id != *owner {
            return Err(ApiError::state(
                "Items of different brand owners cannot share a parent",
                vec![],
            ));
        }
        return Ok(c);
    }
    let now = db::now();
    let new = NewContainer {
        sscc: sscc.as_str(),
        produced_by: &actor.tenant_id,
        owner_tenant_id: owner,
        status: Status::PendingCommissioningApproval,
        channel_id: actor.channel_id.as_ref(),
        created_at: now,
        updated_at: now,
    };
    let row = db::containers::create_or_get(conn, &new)?;
    if row.produced_by != actor.tenant_id {
        // Created by another tenant between our read and our insert.
        return Err(ApiError::state(
            format!("SSCC {sscc} belongs to another tenant"),
            vec![],
        ));
    }
    // A new container: an SSCC of the pool is used from now on (or refused if returned).
    sscc_pool::claim_for_container(conn, sscc)?;
    Ok(row)
}

/// The one answer to an SSCC under another tenant's company prefix.
fn foreign_sscc(sscc: &Sscc) -> ApiError {
    ApiError::forbidden(format!(
        "SSCC {sscc} lies under a GS1 Company Prefix you may not use"
    ))
    .with_details(vec![Detail::at(
        "parent",
        "not under your company prefix, nor under one of a brand owner you produce for",
    )])
}

/// Whether `e` refuses the request for what it asks (the children are then still checked, to
/// list their problems too), not a failure of the database: after one, such as a deadlock that
/// `write_tx` will retry, the transaction can run nothing more.
fn is_refusal(e: &ApiError) -> bool {
    e.cause.is_none()
        && matches!(
            e.kind,
            ErrorType::Forbidden | ErrorType::State | ErrorType::Validation
        )
}

/// A refusal of the request as a whole, with the problems found in its children added to its
/// details: the answer lists every problem.
fn with_findings(mut refusal: ApiError, findings: Vec<Finding>) -> ApiError {
    refusal
        .details
        .extend(findings.into_iter().map(|f| f.detail));
    refusal
}

fn require_children<T>(children: &[T], field: &str) -> Result<(), ApiError> {
    if children.is_empty() {
        return Err(ApiError::validation(
            format!("{field} must list at least one child"),
            vec![Detail::at(field, "empty list")],
        ));
    }
    Ok(())
}

/// The ids to attach, in id order, and each child as the audit event names it, in the same order.
fn pack_refs(mut attach: Vec<(ItemId, &TradeItemRef)>) -> (Vec<ItemId>, Vec<ObjectRef>) {
    attach.sort_unstable_by_key(|(id, _)| *id);
    attach
        .into_iter()
        .map(|(id, r)| (id, ObjectRef::Pack(pack_ref(r))))
        .unzip()
}

/// A pack of a request as audit payloads name it.
pub(super) fn pack_ref(r: &TradeItemRef) -> PackRef {
    PackRef {
        product_code: r.gtin.clone(),
        serial_number: r.serial.clone(),
    }
}

/// Records an aggregation; re-aggregating only what was already there changes nothing and
/// records nothing.
fn record_packing(
    conn: &mut DbConn,
    actor: &Actor,
    stamped: audit::Stamped<'_>,
    owner: &TenantId,
    packed: Packed,
    items: &[ItemId],
    containers: &[ContainerId],
) -> Result<(), ApiError> {
    if packed.children.is_empty() {
        return Ok(());
    }
    let event = Event {
        owner_tenant_id: owner,
        reason: None,
        payload: AuditPayload::Aggregate(packed),
        items,
        containers,
    };
    audit::record_marked(conn, actor, stamped, event)?;
    Ok(())
}

/// Nesting packs in packs or containers in containers could form a cycle if two requests cross
/// (A into B while B into A): each tenant's nesting changes are serialised.
pub fn lock_nesting(conn: &mut DbConn, actor: &Actor) -> Result<(), ApiError> {
    let tenant_id = actor.tenant_id.as_str();
    Ok(dialect::advisory_lock(
        conn,
        Serialised::Nesting { tenant_id },
    )?)
}
