//! `POST /aggregate/trade_item`: packs into a bundle pack.

use std::collections::HashSet;

use super::{
    decide, load_packs, lock_nesting, pack_ref, pack_refs, record_packing, require_children,
    Outcome, Packs,
};
use crate::audit;
use crate::db::{self, DbConn};
use crate::domain::actor::Actor;
use crate::domain::aggregation::{self, Finding, PackState, Parent};
use crate::domain::audit_payload::{ChildGroup, ObjectRef, Packed};
use crate::domain::trade_item::TradeItemRef;
use crate::error::{ApiError, Detail};
use crate::workflows::{access, concurrent_change, findings_error};

/// Puts the packs into the bundle pack `parent`, all or none.
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
            vec![Detail::at("parent", "also listed as a child")],
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
            vec![Detail::at("parent", "not commissioned")],
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
    let target = Parent::Item(parent_row.id);
    let (attach, unchanged) = decide(children, &packs, target, &mut findings);
    findings.extend(cycles(conn, children, &packs, parent_row)?);
    if !findings.is_empty() {
        return Err(findings_error(findings));
    }
    let (ids, children) = pack_refs(attach);
    if db::items::attach(conn, &ids, target)? != ids.len() {
        return Err(concurrent_change());
    }
    let packed = Packed {
        parent: ObjectRef::Pack(pack_ref(parent)),
        children: ChildGroup::group(children),
    };
    let mut touched = ids.clone();
    touched.push(parent_row.id);
    record_packing(
        conn,
        actor,
        audit::Stamped::NONE,
        &owner,
        packed,
        &touched,
        &[],
    )?;
    Ok(Outcome {
        attached: ids.len(),
        unchanged,
    })
}

/// No cycles: none of the children may hold the parent, at any depth.
fn cycles(
    conn: &mut DbConn,
    children: &[TradeItemRef],
    packs: &Packs,
    parent: &PackState,
) -> Result<Vec<Finding>, ApiError> {
    let ancestors: HashSet<_> = db::items::item_ancestor_ids(conn, parent.id)?
        .into_iter()
        .collect();
    Ok(children
        .iter()
        .filter(|child| {
            packs
                .get(child)
                .is_some_and(|row| ancestors.contains(&row.id))
        })
        .map(|child| {
            Finding::state(
                &child.path,
                "the parent pack is inside this child: that would be a cycle",
            )
        })
        .collect())
}
