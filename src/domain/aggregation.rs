//! Aggregation rules (PRODUCT.md §3.3), as pure decisions over what the database holds. The
//! database then enforces the same rules again with conditional updates, so a concurrent change
//! between the read and the write cannot slip through.

use super::lifecycle::Status;
use super::problems::Detail;
use super::trade_item::TradeItemRef;
use crate::ids::{ContainerId, ItemId};

/// Where a pack or container currently sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parent {
    None,
    Container(ContainerId),
    Item(ItemId),
}

impl Parent {
    /// The parent of a row with these two parent columns (a CHECK allows at most one).
    pub fn of(container: Option<ContainerId>, item: Option<ItemId>) -> Parent {
        match (container, item) {
            (Some(c), _) => Parent::Container(c),
            (None, Some(i)) => Parent::Item(i),
            (None, None) => Parent::None,
        }
    }
}

/// What the database knows about a pack named in a request.
#[derive(Debug, Clone)]
pub struct PackState {
    pub id: ItemId,
    pub status: Status,
    pub batch: String,
    pub expiry_date: String,
    pub parent: Parent,
}

/// How a problem is classified: bad input (400) or a conflict with the stored state (409).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FindingKind {
    Validation,
    State,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: FindingKind,
    pub detail: Detail,
}

impl Finding {
    pub fn validation(path: &str, problem: impl Into<String>) -> Finding {
        Finding {
            kind: FindingKind::Validation,
            detail: Detail::at(path, problem),
        }
    }

    pub fn state(path: &str, problem: impl Into<String>) -> Finding {
        Finding {
            kind: FindingKind::State,
            detail: Detail::at(path, problem),
        }
    }
}

/// What to do with one child (a pack, `ItemId`, or a container, `ContainerId`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildAction<Id> {
    Attach(Id),
    /// Already in the requested parent: aggregating again is a no-op.
    AlreadyThere,
}

/// Checks one pack that is to be put into `target`.
pub fn check_pack_child(
    item: &TradeItemRef,
    state: Option<&PackState>,
    target: Parent,
) -> Result<ChildAction<ItemId>, Vec<Finding>> {
    let Some(state) = state else {
        return Err(vec![Finding::state(
            &item.path,
            format!("{} / {} is not commissioned", item.gtin, item.serial),
        )]);
    };
    let mut findings = check_asserted(item, state);
    if !state.status.allows_aggregation() {
        findings.push(Finding::state(
            &item.path,
            format!("{} / {} is {}", item.gtin, item.serial, state.status),
        ));
    } else if state.parent == target {
        if findings.is_empty() {
            return Ok(ChildAction::AlreadyThere);
        }
    } else if state.parent != Parent::None {
        findings.push(Finding::state(
            &item.path,
            format!(
                "{} / {} is already aggregated in another parent",
                item.gtin, item.serial
            ),
        ));
    }
    if findings.is_empty() {
        Ok(ChildAction::Attach(state.id))
    } else {
        Err(findings)
    }
}

/// The `batch` / `expiry_date` a request asserts for a pack (child or bundle parent) must equal
/// the commissioned values; the expiry is compared as printed (`281231` is not `281200`).
pub fn check_asserted(item: &TradeItemRef, state: &PackState) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(batch) = &item.batch {
        if batch.as_str() != state.batch {
            findings.push(Finding::validation(
                &format!("{}.batch", item.path),
                format!(
                    "batch {} differs from the commissioned batch {}",
                    batch, state.batch
                ),
            ));
        }
    }
    if let Some(expiry) = &item.expiry {
        if expiry.as_printed() != state.expiry_date {
            findings.push(Finding::validation(
                &format!("{}.expiry_date", item.path),
                format!(
                    "expiry {} differs from the commissioned expiry {}",
                    expiry.as_printed(),
                    state.expiry_date
                ),
            ));
        }
    }
    findings
}

/// What the database knows about a container named as a child or parent.
#[derive(Debug, Clone)]
pub struct ContainerState {
    pub id: ContainerId,
    pub sscc: String,
    pub produced_by_caller: bool,
    pub status: Status,
    pub parent: Option<ContainerId>,
    pub has_children: bool,
}

/// Checks a container that is to be put onto the pallet `target`.
pub fn check_container_child(
    path: &str,
    sscc: &str,
    state: Option<&ContainerState>,
    target: Option<ContainerId>,
) -> Result<ChildAction<ContainerId>, Finding> {
    // Another tenant's container reads as one that does not exist: no existence oracle.
    let state = match state {
        Some(s) if s.produced_by_caller => s,
        _ => {
            return Err(Finding::state(
                path,
                format!(
                "SSCC {sscc} does not exist (a container is created by aggregating packs onto it)"
            ),
            ))
        }
    };
    if !state.status.allows_aggregation() {
        return Err(Finding::state(
            path,
            format!("SSCC {sscc} is {}", state.status),
        ));
    }
    if target.is_some() && state.parent == target {
        return Ok(ChildAction::AlreadyThere);
    }
    if state.parent.is_some() {
        return Err(Finding::state(
            path,
            format!("SSCC {sscc} is already aggregated in another parent"),
        ));
    }
    if !state.has_children {
        return Err(Finding::state(
            path,
            format!("SSCC {sscc} holds nothing; aggregate packs onto it first"),
        ));
    }
    Ok(ChildAction::Attach(state.id))
}

/// Checks the parent container of an aggregation or disaggregation. `None` = a new SSCC.
pub fn check_parent_container(
    path: &str,
    sscc: &str,
    state: Option<&ContainerState>,
) -> Result<(), Finding> {
    match state {
        None => Ok(()),
        Some(s) if !s.produced_by_caller => Err(Finding::state(
            path,
            format!("SSCC {sscc} belongs to another tenant"),
        )),
        Some(s) if !s.status.allows_aggregation() => {
            Err(Finding::state(path, format!("SSCC {sscc} is {}", s.status)))
        }
        Some(_) => Ok(()),
    }
}

/// Checks a child of a disaggregation: it must sit in `target` right now.
pub fn check_removal(
    path: &str,
    label: &str,
    current: Option<Parent>,
    target: Parent,
) -> Result<(), Finding> {
    match current {
        None => Err(Finding::state(path, format!("{label} is not commissioned"))),
        Some(p) if p == target => Ok(()),
        Some(_) => Err(Finding::state(
            path,
            format!("{label} is not in this parent"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::gs1::{Batch, Expiry, Gtin, SerialNumber};

    fn box_(id: i64) -> Parent {
        Parent::Container(ContainerId::from_db(id))
    }

    fn item(batch: Option<&str>, expiry: Option<&str>) -> TradeItemRef {
        TradeItemRef {
            path: "c[0]".into(),
            gtin: Gtin::parse("04012345111118").unwrap(),
            serial: SerialNumber::parse("S1").unwrap(),
            batch: batch.map(|b| Batch::parse(b).unwrap()),
            expiry: expiry.map(|e| Expiry::parse_now(e).unwrap()),
        }
    }

    fn pack(status: Status, parent: Parent) -> PackState {
        PackState {
            id: ItemId::from_db(7),
            status,
            batch: "B1".into(),
            expiry_date: "281200".into(),
            parent,
        }
    }

    #[test]
    fn a_loose_pending_pack_attaches() {
        let st = pack(Status::PendingCommissioningApproval, Parent::None);
        assert_eq!(
            check_pack_child(&item(Some("B1"), Some("281200")), Some(&st), box_(1)),
            Ok(ChildAction::Attach(ItemId::from_db(7)))
        );
    }

    #[test]
    fn same_parent_is_a_no_op_and_other_parent_a_state_error() {
        let st = pack(Status::PendingCommissioningApproval, box_(1));
        assert_eq!(
            check_pack_child(&item(None, None), Some(&st), box_(1)),
            Ok(ChildAction::AlreadyThere)
        );
        let err = check_pack_child(&item(None, None), Some(&st), box_(2)).unwrap_err();
        assert_eq!(err[0].kind, FindingKind::State);
    }

    #[test]
    fn expiry_is_compared_as_printed() {
        // 281231 and 281200 are the same date but different barcodes.
        let st = pack(Status::PendingCommissioningApproval, Parent::None);
        let err = check_pack_child(&item(None, Some("281231")), Some(&st), box_(1)).unwrap_err();
        assert_eq!(err[0].kind, FindingKind::Validation);
        assert_eq!(err[0].detail.path.as_deref(), Some("c[0].expiry_date"));
    }

    #[test]
    fn unknown_released_and_decommissioned_packs_are_refused() {
        assert!(check_pack_child(&item(None, None), None, box_(1)).is_err());
        for status in [Status::Released, Status::Decommissioned] {
            let err = check_pack_child(
                &item(None, None),
                Some(&pack(status, Parent::None)),
                box_(1),
            )
            .unwrap_err();
            assert_eq!(err[0].kind, FindingKind::State);
        }
    }

    fn container(
        produced_by_caller: bool,
        parent: Option<i64>,
        has_children: bool,
    ) -> ContainerState {
        ContainerState {
            id: ContainerId::from_db(3),
            sscc: "x".into(),
            produced_by_caller,
            status: Status::PendingCommissioningApproval,
            parent: parent.map(ContainerId::from_db),
            has_children,
        }
    }

    fn nine() -> ContainerId {
        ContainerId::from_db(9)
    }

    #[test]
    fn container_children_rules() {
        assert_eq!(
            check_container_child("p", "s", Some(&container(true, None, true)), Some(nine())),
            Ok(ChildAction::Attach(ContainerId::from_db(3)))
        );
        assert_eq!(
            check_container_child(
                "p",
                "s",
                Some(&container(true, Some(9), true)),
                Some(nine())
            ),
            Ok(ChildAction::AlreadyThere)
        );
        assert!(check_container_child(
            "p",
            "s",
            Some(&container(true, Some(8), true)),
            Some(nine())
        )
        .is_err());
        assert!(
            check_container_child("p", "s", Some(&container(true, None, false)), Some(nine()))
                .is_err()
        );
        assert!(
            check_container_child("p", "s", Some(&container(false, None, true)), Some(nine()))
                .is_err()
        );
        assert!(check_container_child("p", "s", None, Some(nine())).is_err());
    }

    #[test]
    fn parent_container_rules() {
        assert!(check_parent_container("p", "s", None).is_ok());
        assert!(check_parent_container("p", "s", Some(&container(true, None, true))).is_ok());
        assert!(check_parent_container("p", "s", Some(&container(false, None, true))).is_err());
    }
}
