//! Aggregation: packs onto a container, packs into a bundle pack, containers onto a pallet.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Value};

use super::{access, concurrent_change, fast_attach, findings_error};
use crate::audit::{self, action, Event};
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
use crate::domain::gs1::Sscc;
use crate::domain::trade_item::TradeItemRef;
use crate::error::ApiError;

/// What an aggregation changed (for the audit trail and tests).
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
        let rows = db::items::packs_by_serials(conn, &product.id, &serials)?;
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
) -> (Vec<(i64, &'c TradeItemRef)>, usize) {
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
fn open_parent(
    conn: &mut DbConn,
    actor: &Actor,
    sscc: &Sscc,
    owner: &str,
) -> Result<ContainerRow, ApiError> {
    let existing = db::containers::find_for_update(conn, sscc.as_str())?;
    let state = existing.as_ref().map(|c| c.state(&actor.tenant_id, true));
    aggregation::check_parent_container("parent", sscc.as_str(), state.as_ref())
        .map_err(|f| findings_error(vec![f]))?;
    if let Some(c) = &existing {
        if c.owner_tenant_id != owner {
            return Err(ApiError::state(
                "Items of different brand owners cannot share a parent",
                vec![],
            ));
        }
        return Ok(existing.expect("checked"));
    }
    let now = db::now();
    let new = NewContainer {
        sscc: sscc.as_str(),
        tenant_id: &actor.tenant_id,
        owner_tenant_id: owner,
        status: "pending_commissioning_approval",
        channel_id: actor.channel_id.as_deref(),
        created_at: now,
        updated_at: now,
    };
    let row = db::containers::create_or_get(conn, &new)?;
    if row.tenant_id != actor.tenant_id {
        // Created by another tenant between our read and our insert.
        return Err(ApiError::state(
            format!("SSCC {sscc} belongs to another tenant"),
            vec![],
        ));
    }
    Ok(row)
}

fn require_children<T>(children: &[T], field: &str) -> Result<(), ApiError> {
    if children.is_empty() {
        return Err(ApiError::validation(
            format!("{field} must list at least one child"),
            vec![crate::error::Detail::at(field, "empty list")],
        ));
    }
    Ok(())
}

/// `POST /aggregate/container`: packs onto an SSCC.
pub fn packs_on_container(
    conn: &mut DbConn,
    actor: &Actor,
    parent: &Sscc,
    children: &[TradeItemRef],
) -> Result<Outcome, ApiError> {
    require_children(children, "child_trade_items")?;
    let products = access::require_products(
        conn,
        actor,
        children
            .iter()
            .map(|c| (format!("{}.product_code", c.path), c.gtin.as_str())),
    )?;
    let owner = access::single_owner(products.values())?;
    let container = open_parent(conn, actor, parent, &owner)?;
    let (attach, unchanged) =
        match fast_attach::attach_all(conn, actor, &products, children, container.id)? {
            Some(attached) => (attached, 0),
            None => {
                let refs: Vec<&TradeItemRef> = children.iter().collect();
                let packs = load_packs(conn, actor, &products, &refs)?;
                let mut findings = Vec::new();
                let target = Parent::Container(container.id);
                let (attach, unchanged) = decide(children, &packs, target, &mut findings);
                if !findings.is_empty() {
                    return Err(findings_error(findings));
                }
                let ids: Vec<i64> = attach.iter().map(|(id, _)| *id).collect();
                if db::items::attach(conn, &ids, target, db::now())? != ids.len() {
                    return Err(concurrent_change());
                }
                (attach, unchanged)
            }
        };
    let (ids, refs) = pack_refs(attach);
    let parent_json = json!({"sscc": container.sscc});
    record_packing(
        conn,
        actor,
        &owner,
        parent_json,
        refs,
        &ids,
        &[container.id],
    )?;
    Ok(Outcome {
        attached: ids.len(),
        unchanged,
    })
}

/// `POST /aggregate/trade_item`: packs into a bundle pack.
pub fn packs_in_pack(
    conn: &mut DbConn,
    actor: &Actor,
    parent: &TradeItemRef,
    children: &[TradeItemRef],
) -> Result<Outcome, ApiError> {
    require_children(children, "child_trade_items")?;
    if children.iter().any(|c| c.key() == parent.key()) {
        return Err(ApiError::validation(
            "A pack cannot contain itself",
            vec![crate::error::Detail::at("parent", "also listed as a child")],
        ));
    }
    let refs = std::iter::once(("parent.product_code".to_string(), parent.gtin.as_str())).chain(
        children
            .iter()
            .map(|c| (format!("{}.product_code", c.path), c.gtin.as_str())),
    );
    let products = access::require_products(conn, actor, refs)?;
    let owner = access::single_owner(products.values())?;
    lock_nesting(conn, actor)?;
    let mut all: Vec<&TradeItemRef> = children.iter().collect();
    all.push(parent);
    let packs = load_packs(conn, actor, &products, &all)?;
    let Some(parent_row) = packs.get(parent) else {
        return Err(ApiError::state(
            "The parent pack is not commissioned",
            vec![crate::error::Detail::at("parent", "not commissioned")],
        ));
    };
    // The parent pack is checked like a child: asserted batch/expiry, then status.
    let mut findings = aggregation::check_asserted(parent, parent_row);
    if !parent_row.status.allows_aggregation() {
        findings.push(Finding::state(
            "parent",
            format!("the parent pack is {}", parent_row.status),
        ));
    }
    let (attach, unchanged) = decide(children, &packs, Parent::Item(parent_row.id), &mut findings);
    // No cycles: none of the children may hold the parent, at any depth.
    let ancestors: HashSet<i64> = db::items::item_ancestor_ids(conn, parent_row.id)?
        .into_iter()
        .collect();
    for child in children {
        if let Some(row) = packs.get(child) {
            if ancestors.contains(&row.id) {
                findings.push(Finding::state(
                    &child.path,
                    "the parent pack is inside this child: that would be a cycle",
                ));
            }
        }
    }
    if !findings.is_empty() {
        return Err(findings_error(findings));
    }
    let (ids, refs) = pack_refs(attach);
    if db::items::attach(conn, &ids, Parent::Item(parent_row.id), db::now())? != ids.len() {
        return Err(concurrent_change());
    }
    let parent_json = json!({"product_code": parent.gtin, "serial_number": parent.serial});
    let mut touched = ids.clone();
    touched.push(parent_row.id);
    record_packing(conn, actor, &owner, parent_json, refs, &touched, &[])?;
    Ok(Outcome {
        attached: ids.len(),
        unchanged,
    })
}

/// `POST /aggregate/containers`: cases onto a pallet.
pub fn containers_on_container(
    conn: &mut DbConn,
    actor: &Actor,
    parent: &Sscc,
    children: &[(String, Sscc)],
) -> Result<Outcome, ApiError> {
    require_children(children, "child_containers")?;
    if let Some((path, _)) = children.iter().find(|(_, s)| s == parent) {
        return Err(ApiError::validation(
            "A container cannot contain itself",
            vec![crate::error::Detail::at(
                path.clone(),
                "same SSCC as the parent",
            )],
        ));
    }
    lock_nesting(conn, actor)?;
    let codes: Vec<&str> = children.iter().map(|(_, s)| s.as_str()).collect();
    let rows: HashMap<String, ContainerRow> = db::containers::by_ssccs(conn, &codes)?
        .into_iter()
        .map(|c| (c.sscc.clone(), c))
        .collect();
    let ids: Vec<i64> = rows.values().map(|c| c.id).collect();
    let non_empty: HashSet<i64> = db::containers::non_empty(conn, &ids)?.into_iter().collect();
    let owners: HashSet<&str> = rows
        .values()
        .filter(|c| c.tenant_id == actor.tenant_id)
        .map(|c| c.owner_tenant_id.as_str())
        .collect();
    let owner = match owners.len() {
        0 | 1 => owners
            .into_iter()
            .next()
            .unwrap_or(&actor.tenant_id)
            .to_string(),
        _ => {
            return Err(ApiError::state(
                "Containers of different brand owners cannot share a parent",
                vec![],
            ))
        }
    };
    let container = open_parent(conn, actor, parent, &owner)?;
    let ancestors: HashSet<i64> = db::containers::ancestor_ids(conn, container.id)?
        .into_iter()
        .collect();
    let mut findings = Vec::new();
    let mut attach = Vec::new();
    let mut unchanged = 0;
    for (path, sscc) in children {
        // A container the caller may not see reads exactly like one that does not exist.
        let row = rows
            .get(sscc.as_str())
            .filter(|c| access::may_see_container(actor, c));
        let state = row.map(|c| c.state(&actor.tenant_id, non_empty.contains(&c.id)));
        match aggregation::check_container_child(
            path,
            sscc.as_str(),
            state.as_ref(),
            Some(container.id),
        ) {
            Ok(ChildAction::Attach(id)) if ancestors.contains(&id) => {
                findings.push(Finding::state(
                    path,
                    format!("SSCC {sscc} holds the parent: that would be a cycle"),
                ))
            }
            Ok(ChildAction::Attach(id)) => attach.push(id),
            Ok(ChildAction::AlreadyThere) => unchanged += 1,
            Err(f) => findings.push(f),
        }
    }
    if !findings.is_empty() {
        return Err(findings_error(findings));
    }
    let mut touched = attach.clone();
    touched.push(container.id);
    access::require_container_rights(conn, actor, &owner, &touched)?;
    if db::containers::attach(conn, &attach, container.id, db::now())? != attach.len() {
        return Err(concurrent_change());
    }
    let by_id: HashMap<i64, &str> = rows.values().map(|c| (c.id, c.sscc.as_str())).collect();
    let children_json: Vec<Value> = attach.iter().map(|id| json!({"sscc": by_id[id]})).collect();
    let mut touched = attach.clone();
    touched.push(container.id);
    record_packing(
        conn,
        actor,
        &owner,
        json!({"sscc": container.sscc}),
        children_json,
        &[],
        &touched,
    )?;
    Ok(Outcome {
        attached: attach.len(),
        unchanged,
    })
}

/// The ids to attach, in id order, and the `{"product_code", "serial_number"}` of each, in the
/// same order, for the audit event.
fn pack_refs(mut attach: Vec<(i64, &TradeItemRef)>) -> (Vec<i64>, Vec<Value>) {
    attach.sort_unstable_by_key(|(id, _)| *id);
    attach
        .into_iter()
        .map(|(id, r)| {
            let json = json!({"product_code": r.gtin.as_str(), "serial_number": r.serial.as_str()});
            (id, json)
        })
        .unzip()
}

/// Records an aggregation; re-aggregating only what was already there changes nothing and
/// records nothing.
fn record_packing(
    conn: &mut DbConn,
    actor: &Actor,
    owner: &str,
    parent: Value,
    children: Vec<Value>,
    items: &[i64],
    containers: &[i64],
) -> Result<(), ApiError> {
    if children.is_empty() {
        return Ok(());
    }
    let payload = json!({"parent": parent, "children": children});
    audit::record(
        conn,
        actor,
        Event {
            action: action::AGGREGATE,
            owner_tenant_id: owner,
            reason: None,
            payload,
            items,
            containers,
        },
    )?;
    Ok(())
}

/// Nesting packs in packs or containers in containers could form a cycle if two requests cross
/// (A into B while B into A): each tenant's nesting changes are serialised.
pub fn lock_nesting(conn: &mut DbConn, actor: &Actor) -> Result<(), ApiError> {
    let tenant_id = &actor.tenant_id;
    Ok(dialect::advisory_lock(
        conn,
        Serialised::Nesting { tenant_id },
    )?)
}
