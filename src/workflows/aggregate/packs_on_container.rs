//! `POST /aggregate/container`: packs onto an SSCC.

use super::{
    decide, fast_attach, is_refusal, load_packs, open_parent, pack_refs, record_packing,
    require_children, with_findings, Outcome,
};
use crate::audit;
use crate::db::{self, DbConn};
use crate::domain::actor::Actor;
use crate::domain::aggregation::Parent;
use crate::domain::audit_payload::{ChildGroup, ObjectRef, Packed};
use crate::domain::gs1::Sscc;
use crate::domain::trade_item::TradeItemRef;
use crate::error::ApiError;
use crate::workflows::{access, concurrent_change, findings_error};

/// Puts the packs onto the container `parent` (created on first use), all or none.
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
    let container = match open_parent(conn, actor, parent, &owner) {
        Ok(c) => c,
        Err(refusal) if is_refusal(&refusal) => {
            // The parent is refused; the children are still checked, so that the answer lists
            // every problem of the request, not only the first.
            let refs: Vec<&TradeItemRef> = children.iter().collect();
            let packs = load_packs(conn, actor, &products, &refs)?;
            let mut findings = Vec::new();
            decide(children, &packs, Parent::None, &mut findings);
            return Err(with_findings(refusal, findings));
        }
        Err(failure) => return Err(failure),
    };
    // The common case writes the event into each pack's history as it moves it.
    let mark = audit::Mark::reserve(conn)?;
    let (attach, unchanged, one_pass) =
        match fast_attach::attach_all(conn, actor, &products, children, container.id, mark)? {
            Some(attached) => (attached, 0, true),
            None => {
                // Not the common case: decide child by child, so every refusal is listed.
                let refs: Vec<&TradeItemRef> = children.iter().collect();
                let packs = load_packs(conn, actor, &products, &refs)?;
                let mut findings = Vec::new();
                let target = Parent::Container(container.id);
                let (attach, unchanged) = decide(children, &packs, target, &mut findings);
                if !findings.is_empty() {
                    return Err(findings_error(findings));
                }
                let ids: Vec<_> = attach.iter().map(|(id, _)| *id).collect();
                if db::items::attach(conn, &ids, target)? != ids.len() {
                    return Err(concurrent_change());
                }
                (attach, unchanged, false)
            }
        };
    let (ids, children) = pack_refs(attach);
    let packed = Packed {
        parent: ObjectRef::Container {
            sscc: parent.clone(),
        },
        children: ChildGroup::group(children),
    };
    // The one-pass update stamped every pack it moved; the child-by-child one none.
    let stamped = audit::Stamped {
        mark,
        items: if one_pass { &ids } else { &[] },
    };
    record_packing(conn, actor, stamped, &owner, packed, &ids, &[container.id])?;
    Ok(Outcome {
        attached: ids.len(),
        unchanged,
    })
}
