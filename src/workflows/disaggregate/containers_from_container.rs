//! `DELETE /aggregate/containers`: the listed containers, or all, off a pallet.

use std::collections::HashMap;

use super::{parent_container, record_unpacking};
use crate::db::{self, containers::ContainerRow, DbConn};
use crate::domain::actor::Actor;
use crate::domain::aggregation::{self, Finding, Parent};
use crate::domain::audit_payload::ObjectRef;
use crate::domain::gs1::Sscc;
use crate::domain::trade_item::SsccAt;
use crate::error::{ApiError, Detail};
use crate::ids::ContainerId;
use crate::workflows::aggregate::lock_nesting;
use crate::workflows::{concurrent_change, findings_error};

/// Takes the containers off the container `parent`; returns how many came out.
pub fn containers_from_container(
    conn: &mut DbConn,
    actor: &Actor,
    parent: &Sscc,
    children: Option<&[SsccAt]>,
) -> Result<usize, ApiError> {
    let container = parent_container(conn, actor, parent)?;
    lock_nesting(conn, actor)?;
    let ids = match children {
        None => all_containers_in(conn, container.id)?,
        Some(children) => listed_containers_in(conn, actor, container.id, children)?,
    };
    if db::containers::detach(conn, &ids, container.id, db::now())? != ids.len() {
        return Err(concurrent_change());
    }
    let listed = children.map(|c| {
        c.iter()
            .map(|(_, sscc)| ObjectRef::Container { sscc: sscc.clone() })
            .collect()
    });
    let mut touched = ids.clone();
    touched.push(container.id);
    let parent = ObjectRef::Container {
        sscc: parent.clone(),
    };
    let owner = &container.owner_tenant_id;
    record_unpacking(conn, actor, owner, parent, listed, &[], &touched)?;
    Ok(ids.len())
}

/// Every container directly on `parent`, which must all still be pending.
fn all_containers_in(conn: &mut DbConn, parent: ContainerId) -> Result<Vec<ContainerId>, ApiError> {
    let rows = db::containers::children_of(conn, parent)?;
    let stuck: Vec<Detail> = rows
        .iter()
        .filter(|c| !c.status.allows_aggregation())
        .map(|c| Detail::at("parent", format!("SSCC {} in it is {}", c.sscc, c.status)))
        .collect();
    if !stuck.is_empty() {
        return Err(ApiError::state(
            "Some containers in this parent are not pending commissioning approval",
            stuck,
        ));
    }
    Ok(rows.into_iter().map(|c| c.id).collect())
}

/// The listed containers, each of which must be the caller's, sit on `parent` and be pending.
fn listed_containers_in(
    conn: &mut DbConn,
    actor: &Actor,
    parent: ContainerId,
    children: &[SsccAt],
) -> Result<Vec<ContainerId>, ApiError> {
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
            .filter(|c| c.produced_by == actor.tenant_id);
        let current = row.map(|c| Parent::of(c.parent_container_id, None));
        let label = format!("SSCC {sscc}");
        match aggregation::check_removal(path, &label, current, Parent::Container(parent)) {
            Ok(()) => ids.extend(row.map(|c| c.id)),
            Err(f) => findings.push(f),
        }
        if let Some(c) = row.filter(|c| !c.status.allows_aggregation()) {
            findings.push(Finding::state(path, format!("SSCC {sscc} is {}", c.status)));
        }
    }
    if !findings.is_empty() {
        return Err(findings_error(findings));
    }
    Ok(ids)
}
