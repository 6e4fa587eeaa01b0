//! Partnerships (PRODUCT.md §3.2): the MAH invites a CMO with a list of its products, the CMO
//! accepts, the MAH changes the list or suspends / ends it. One file per use case; what they
//! share is here. Every change is recorded on behalf of the MAH, whichever side acted.

mod accept;
mod create;
mod update;

pub use accept::accept;
pub use create::create;
pub use update::{update, PartnershipUpdate};

use crate::audit::{self, Event};
use crate::db::{self, partnerships::PartnershipRow, DbConn};
use crate::domain::actor::Actor;
use crate::domain::audit_payload::{AuditPayload, Change, PartnershipChanged};
use crate::domain::gs1::Gtin;
use crate::domain::partnership::PartnershipStatus;
use crate::error::{ApiError, Detail, ErrorType};
use crate::ids::{PartnershipId, ProductKey, TenantId};

/// A partnership and the GTINs it covers, sorted.
#[derive(Debug, Clone)]
pub struct Partnership {
    pub row: PartnershipRow,
    pub product_codes: Vec<Gtin>,
}

/// The partnership `id` as `caller` (either side) may see it; `NotFoundError` otherwise.
pub fn find(
    conn: &mut DbConn,
    id: &PartnershipId,
    caller: &TenantId,
) -> Result<Partnership, ApiError> {
    let row = db::partnerships::find_for_party(conn, id, caller)?
        .ok_or_else(|| ApiError::not_found("Partnership"))?;
    with_codes(conn, row)
}

/// A partnership row with the GTINs it covers.
pub fn with_codes(conn: &mut DbConn, row: PartnershipRow) -> Result<Partnership, ApiError> {
    let product_codes = db::partnerships::product_codes(conn, &row.id)?;
    Ok(Partnership { row, product_codes })
}

/// The ids of the caller's own products among `gtins`; any other is a `ProductError`.
fn own_product_ids(
    conn: &mut DbConn,
    tenant: &TenantId,
    gtins: &[Gtin],
) -> Result<Vec<ProductKey>, ApiError> {
    let codes: Vec<&str> = gtins.iter().map(|g| g.as_str()).collect();
    let owned = db::products::owned_by_codes(conn, tenant, &codes)?;
    let missing: Vec<Detail> = codes
        .iter()
        .enumerate()
        .filter(|(_, c)| !owned.contains_key(**c))
        .map(|(i, c)| {
            Detail::at(
                format!("product_codes[{i}]"),
                format!("product {c} is not registered"),
            )
        })
        .collect();
    if !missing.is_empty() {
        return Err(
            ApiError::new(ErrorType::Product, "The product does not exist").with_details(missing),
        );
    }
    let mut ids: Vec<ProductKey> = owned.into_values().map(|p| p.key).collect();
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// Records a change with the old → new status and product codes (`before` is `None` for a new
/// partnership).
fn record(
    conn: &mut DbConn,
    actor: &Actor,
    payload: fn(PartnershipChanged) -> AuditPayload<'static>,
    before: Option<(PartnershipStatus, Vec<Gtin>)>,
    after: &Partnership,
) -> Result<(), ApiError> {
    let (old_status, old_codes) = before.unzip();
    let changed = PartnershipChanged {
        partnership_id: after.row.id.clone(),
        cmo_tenant_id: after.row.cmo_tenant_id.clone(),
        status: Change {
            from: old_status,
            to: after.row.status,
        },
        product_codes: Change {
            from: old_codes,
            to: after.product_codes.clone(),
        },
    };
    let event = Event {
        owner_tenant_id: &after.row.mah_tenant_id,
        reason: None,
        payload: payload(changed),
        items: &[],
        containers: &[],
    };
    audit::record(conn, actor, event)?;
    Ok(())
}
