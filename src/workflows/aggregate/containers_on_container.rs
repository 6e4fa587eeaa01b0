//! `POST /aggregate/containers`: cases onto a pallet.

use std::collections::{HashMap, HashSet};

use super::{
    is_refusal, lock_nesting, open_parent, record_packing, require_children, with_findings, Outcome,
};
use crate::audit;
use crate::db::{self, containers::ContainerRow, DbConn};
use crate::domain::actor::Actor;
use crate::domain::aggregation::{self, ChildAction, Finding};
use crate::domain::audit_payload::{ChildGroup, ObjectRef, Packed};
use crate::domain::gs1::Sscc;
use crate::domain::trade_item::SsccAt;
use crate::error::ApiError;
use crate::ids::{ContainerId, TenantId};
use crate::workflows::{access, concurrent_change, findings_error};

/// Puts the containers onto the container `parent` (created on first use), all or none.
pub fn containers_on_container(
    conn: &mut DbConn,
    actor: &Actor,
    parent: &Sscc,
    children: &[SsccAt],
) -> Result<Outcome, ApiError> {
    require_children(children, "child_containers")?;
    // A container cannot contain itself: a problem of that child, listed with all the others.
    let mut findings: Vec<Finding> = children
        .iter()
        .filter(|(_, s)| s == parent)
        .map(|(path, _)| {
            Finding::validation(
                path,
                "a container cannot contain itself: same SSCC as the parent",
            )
        })
        .collect();
    let children: Vec<SsccAt> = children
        .iter()
        .filter(|(_, s)| s != parent)
        .cloned()
        .collect();
    lock_nesting(conn, actor)?;
    let codes: Vec<&str> = children.iter().map(|(_, s)| s.as_str()).collect();
    let rows: HashMap<String, ContainerRow> = db::containers::by_ssccs(conn, &codes)?
        .into_iter()
        .map(|c| (c.sscc.clone(), c))
        .collect();
    let owner = owner_of(actor, &rows)?;
    let container = match open_parent(conn, actor, parent, &owner) {
        Ok(c) => c,
        Err(refusal) if is_refusal(&refusal) => {
            // The parent is refused; the children are still checked, so every problem is listed.
            decide(conn, actor, &children, &rows, None, &mut findings)?;
            return Err(with_findings(refusal, findings));
        }
        Err(failure) => return Err(failure),
    };
    let (attach, unchanged) = decide(
        conn,
        actor,
        &children,
        &rows,
        Some(container.id),
        &mut findings,
    )?;
    if !findings.is_empty() {
        return Err(findings_error(findings));
    }
    let ids: Vec<ContainerId> = attach.iter().map(|(id, _)| *id).collect();
    let mut touched = ids.clone();
    touched.push(container.id);
    access::require_container_rights(conn, actor, &owner, &touched)?;
    if db::containers::attach(conn, &ids, container.id, db::now())? != ids.len() {
        return Err(concurrent_change());
    }
    let children = attach
        .into_iter()
        .map(|(_, sscc)| ObjectRef::Container { sscc: sscc.clone() })
        .collect::<Vec<_>>();
    let packed = Packed {
        parent: ObjectRef::Container {
            sscc: parent.clone(),
        },
        children: ChildGroup::group(children),
    };
    record_packing(
        conn,
        actor,
        audit::Stamped::NONE,
        &owner,
        packed,
        &[],
        &touched,
    )?;
    Ok(Outcome {
        attached: ids.len(),
        unchanged,
    })
}

/// The one brand owner of the caller's containers among the children (the caller itself when it
/// names none of its own); goods of different owners never share a parent.
fn owner_of(actor: &Actor, rows: &HashMap<String, ContainerRow>) -> Result<TenantId, ApiError> {
    let owners: HashSet<&TenantId> = rows
        .values()
        .filter(|c| c.produced_by == actor.tenant_id)
        .map(|c| &c.owner_tenant_id)
        .collect();
    match owners.len() {
        0 | 1 => Ok(owners
            .into_iter()
            .next()
            .unwrap_or(&actor.tenant_id)
            .clone()),
        _ => Err(ApiError::state(
            "Containers of different brand owners cannot share a parent",
            vec![],
        )),
    }
}

/// The containers to attach, with their SSCCs, in request order; and how many were already there.
type Decision<'c> = (Vec<(ContainerId, &'c Sscc)>, usize);

/// Checks every child against the pallet `target` (`None`: the pallet itself was refused, and
/// the children are checked only to list their problems too); adds every refusal to `findings`.
fn decide<'c>(
    conn: &mut DbConn,
    actor: &Actor,
    children: &'c [SsccAt],
    rows: &HashMap<String, ContainerRow>,
    target: Option<ContainerId>,
    findings: &mut Vec<Finding>,
) -> Result<Decision<'c>, ApiError> {
    let ids: Vec<ContainerId> = rows.values().map(|c| c.id).collect();
    let non_empty: HashSet<ContainerId> =
        db::containers::non_empty(conn, &ids)?.into_iter().collect();
    let ancestors: HashSet<ContainerId> = match target {
        Some(t) => db::containers::ancestor_ids(conn, t)?.into_iter().collect(),
        None => HashSet::new(),
    };
    let mut attach = Vec::new();
    let mut unchanged = 0;
    for (path, sscc) in children {
        // A container the caller may not see reads exactly like one that does not exist.
        let row = rows
            .get(sscc.as_str())
            .filter(|c| access::may_see_container(actor, c));
        let state = row.map(|c| c.state(&actor.tenant_id, non_empty.contains(&c.id)));
        match aggregation::check_container_child(path, sscc.as_str(), state.as_ref(), target) {
            Ok(ChildAction::Attach(id)) if ancestors.contains(&id) => {
                findings.push(Finding::state(
                    path,
                    format!("SSCC {sscc} holds the parent: that would be a cycle"),
                ))
            }
            Ok(ChildAction::Attach(id)) => attach.push((id, sscc)),
            Ok(ChildAction::AlreadyThere) => unchanged += 1,
            Err(f) => findings.push(f),
        }
    }
    Ok((attach, unchanged))
}
