//! Disaggregation: the three `DELETE /aggregate/...` forms. Listed children must sit in the given
//! parent right now; with no list, everything directly in the parent comes out.

use std::collections::HashMap;

use super::aggregate::{load_packs, lock_nesting};
use serde_json::{json, Value};

use super::{access, concurrent_change, findings_error};
use crate::audit::{self, action, Event};
use crate::db::{self, containers::ContainerRow, DbConn};
use crate::domain::actor::Actor;
use crate::domain::aggregation::{self, Finding, Parent};
use crate::domain::gs1::Sscc;
use crate::domain::trade_item::TradeItemRef;
use crate::error::{ApiError, Detail};

/// The parent container of a disaggregation: it must exist and be visible to the caller (else
/// `NotFoundError`, the same answer for both), be the caller's own and still pending, and a CMO
/// must still be allowed to produce the goods inside.
fn parent_container(
    conn: &mut DbConn,
    actor: &Actor,
    sscc: &Sscc,
) -> Result<ContainerRow, ApiError> {
    let row = db::containers::find_for_update(conn, sscc.as_str())?
        .filter(|c| access::may_see_container(actor, c))
        .ok_or_else(|| ApiError::not_found("Container"))?;
    let state = row.state(&actor.tenant_id, true);
    aggregation::check_parent_container("parent", sscc.as_str(), Some(&state))
        .map_err(|f| findings_error(vec![f]))?;
    access::require_container_rights(conn, actor, &row.owner_tenant_id, &[row.id])?;
    Ok(row)
}

/// Listed children name their products: one the caller may not produce is a `ProductError`,
/// answered before anything about the parent is revealed.
fn require_child_products(
    conn: &mut DbConn,
    actor: &Actor,
    children: Option<&[TradeItemRef]>,
) -> Result<(), ApiError> {
    if let Some(children) = children {
        access::require_products(
            conn,
            actor,
            children
                .iter()
                .map(|c| (format!("{}.product_code", c.path), c.gtin.as_str())),
        )?;
    }
    Ok(())
}

/// Removes the listed packs (or all) from `target`; returns how many came out.
fn remove_packs(
    conn: &mut DbConn,
    actor: &Actor,
    target: Parent,
    children: Option<&[TradeItemRef]>,
) -> Result<Vec<i64>, ApiError> {
    let ids = match children {
        None => {
            // Everything in the parent must still be pending: a pack released on its own (it may
            // be released while its container is pending) cannot come out any more.
            let ids = db::items::children_of(conn, target)?;
            let stuck = db::items::not_pending(conn, &ids)?;
            if !stuck.is_empty() {
                return Err(ApiError::state(
                    "Some packs in this parent are not pending commissioning approval",
                    stuck
                        .into_iter()
                        .map(|(serial, status)| {
                            Detail::at("parent", format!("serial {serial} in it is {status}"))
                        })
                        .collect(),
                ));
            }
            ids
        }
        Some(children) => {
            let products = access::require_products(
                conn,
                actor,
                children
                    .iter()
                    .map(|c| (format!("{}.product_code", c.path), c.gtin.as_str())),
            )?;
            let refs: Vec<&TradeItemRef> = children.iter().collect();
            let packs = load_packs(conn, actor, &products, &refs)?;
            let mut findings = Vec::new();
            let mut ids = Vec::with_capacity(children.len());
            for child in children {
                let row = packs.get(child);
                let label = format!("{} / {}", child.gtin, child.serial);
                match aggregation::check_removal(&child.path, &label, row.map(|r| r.parent), target)
                {
                    Ok(()) => ids.push(row.expect("checked").id),
                    Err(f) => findings.push(f),
                }
                if let Some(r) = row {
                    if !r.status.allows_aggregation() {
                        findings.push(Finding::state(
                            &child.path,
                            format!("{label} is {}", r.status),
                        ));
                    }
                }
            }
            if !findings.is_empty() {
                return Err(findings_error(findings));
            }
            ids
        }
    };
    if db::items::detach(conn, &ids, target, db::now())? != ids.len() {
        return Err(concurrent_change());
    }
    Ok(ids)
}

/// `DELETE /aggregate/container`.
pub fn packs_from_container(
    conn: &mut DbConn,
    actor: &Actor,
    parent: &Sscc,
    children: Option<&[TradeItemRef]>,
) -> Result<usize, ApiError> {
    require_child_products(conn, actor, children)?;
    let container = parent_container(conn, actor, parent)?;
    let ids = remove_packs(conn, actor, Parent::Container(container.id), children)?;
    let listed = children.map(|c| c.iter().map(pack_json).collect());
    let parent_json = json!({"sscc": container.sscc});
    record_unpacking(
        conn,
        actor,
        &container.owner_tenant_id,
        parent_json,
        listed,
        &ids,
        &[container.id],
    )?;
    Ok(ids.len())
}

/// `DELETE /aggregate/trade_item`.
pub fn packs_from_pack(
    conn: &mut DbConn,
    actor: &Actor,
    parent: &TradeItemRef,
    children: Option<&[TradeItemRef]>,
) -> Result<usize, ApiError> {
    let products = access::require_products(
        conn,
        actor,
        [("parent.product_code".to_string(), parent.gtin.as_str())],
    )?;
    lock_nesting(conn, actor)?;
    let packs = load_packs(conn, actor, &products, &[parent])?;
    let row = packs
        .get(parent)
        .ok_or_else(|| ApiError::not_found("Parent pack"))?;
    if !row.status.allows_aggregation() {
        return Err(ApiError::state(
            format!("The parent pack is {}", row.status),
            vec![Detail::at("parent", row.status.to_string())],
        ));
    }
    let (row_id, owner) = (row.id, products[parent.gtin.as_str()].tenant_id.clone());
    let ids = remove_packs(conn, actor, Parent::Item(row_id), children)?;
    let listed = children.map(|c| c.iter().map(pack_json).collect());
    let mut touched = ids.clone();
    touched.push(row_id);
    record_unpacking(
        conn,
        actor,
        &owner,
        pack_json(parent),
        listed,
        &touched,
        &[],
    )?;
    Ok(ids.len())
}

/// `DELETE /aggregate/containers`.
pub fn containers_from_container(
    conn: &mut DbConn,
    actor: &Actor,
    parent: &Sscc,
    children: Option<&[(String, Sscc)]>,
) -> Result<usize, ApiError> {
    let container = parent_container(conn, actor, parent)?;
    lock_nesting(conn, actor)?;
    let ids: Vec<i64> = match children {
        None => {
            let rows = db::containers::children_of(conn, container.id)?;
            let stuck: Vec<Detail> = rows
                .iter()
                .filter(|c| !c.status().allows_aggregation())
                .map(|c| Detail::at("parent", format!("SSCC {} in it is {}", c.sscc, c.status)))
                .collect();
            if !stuck.is_empty() {
                return Err(ApiError::state(
                    "Some containers in this parent are not pending commissioning approval",
                    stuck,
                ));
            }
            rows.into_iter().map(|c| c.id).collect()
        }
        Some(children) => {
            let codes: Vec<&str> = children.iter().map(|(_, s)| s.as_str()).collect();
            let rows: HashMap<String, ContainerRow> = db::containers::by_ssccs(conn, &codes)?
                .into_iter()
                .map(|c| (c.sscc.clone(), c))
                .collect();
            let mut findings = Vec::new();
            let mut ids = Vec::new();
            for (path, sscc) in children {
                // Another tenant's SSCC answers like an unknown one.
                let row = rows
                    .get(sscc.as_str())
                    .filter(|c| c.tenant_id == actor.tenant_id);
                let current = row.map(|c| {
                    c.parent_container_id
                        .map_or(Parent::None, Parent::Container)
                });
                match aggregation::check_removal(
                    path,
                    &format!("SSCC {sscc}"),
                    current,
                    Parent::Container(container.id),
                ) {
                    Ok(()) => ids.push(row.expect("checked").id),
                    Err(f) => findings.push(f),
                }
                if let Some(c) = row.filter(|c| !c.status().allows_aggregation()) {
                    findings.push(Finding::state(path, format!("SSCC {sscc} is {}", c.status)));
                }
            }
            if !findings.is_empty() {
                return Err(findings_error(findings));
            }
            ids
        }
    };
    if db::containers::detach(conn, &ids, container.id, db::now())? != ids.len() {
        return Err(concurrent_change());
    }
    let listed = children.map(|c| c.iter().map(|(_, s)| json!({"sscc": s})).collect());
    let mut touched = ids.clone();
    touched.push(container.id);
    let parent_json = json!({"sscc": container.sscc});
    record_unpacking(
        conn,
        actor,
        &container.owner_tenant_id,
        parent_json,
        listed,
        &[],
        &touched,
    )?;
    Ok(ids.len())
}

fn pack_json(p: &TradeItemRef) -> Value {
    json!({"product_code": p.gtin, "serial_number": p.serial})
}

/// Records a disaggregation: the listed children, or `null` for "all" (EPCIS: no childEPCs).
/// Removing nothing changes nothing and records nothing.
fn record_unpacking(
    conn: &mut DbConn,
    actor: &Actor,
    owner: &str,
    parent: Value,
    listed: Option<Vec<Value>>,
    items: &[i64],
    containers: &[i64],
) -> Result<(), ApiError> {
    let removed = items.len() + containers.len();
    if removed <= 1 {
        // Only the parent itself was touched: nothing came out.
        return Ok(());
    }
    let payload = json!({"parent": parent, "children": listed, "count": removed - 1});
    audit::record(
        conn,
        actor,
        Event {
            action: action::DISAGGREGATE,
            owner_tenant_id: owner,
            reason: None,
            payload,
            items,
            containers,
        },
    )?;
    Ok(())
}
