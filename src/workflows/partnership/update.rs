//! `PATCH /v1/tenant/partnerships/{id}`: the MAH changes the product list and/or the status.

use super::{find, own_product_ids, record, Partnership};
use crate::db::{self, DbConn};
use crate::domain::actor::Actor;
use crate::domain::audit_payload::AuditPayload;
use crate::domain::gs1::Gtin;
use crate::domain::partnership::PartnershipStatus;
use crate::error::ApiError;
use crate::ids::PartnershipId;

/// What a PATCH asks for (each part optional).
#[derive(Debug, Clone)]
pub struct PartnershipUpdate {
    pub product_codes: Option<Vec<Gtin>>,
    /// A status the owner may set (see `PartnershipStatus::set_by_owner_from`).
    pub status: Option<PartnershipStatus>,
}

/// Changes the partnership `id` as its MAH. A change that leaves status and products as they
/// were changes nothing and records nothing.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    id: &PartnershipId,
    change: &PartnershipUpdate,
) -> Result<Partnership, ApiError> {
    let before = find(conn, id, &actor.tenant_id)?;
    if before.row.mah_tenant_id != actor.tenant_id {
        return Err(ApiError::forbidden("Only the MAH changes a partnership"));
    }
    if before.row.status == PartnershipStatus::Ended {
        return Err(ApiError::state("The partnership has ended", vec![]));
    }
    let now = db::now();
    if let Some(gtins) = &change.product_codes {
        let ids = own_product_ids(conn, &actor.tenant_id, gtins)?;
        db::partnerships::set_products(conn, id, &ids)?;
        db::partnerships::touch(conn, id, now)?;
    }
    if let Some(to) = change.status {
        let from = to.set_by_owner_from().unwrap_or_default();
        if !db::partnerships::transition(conn, id, from, to, now)? {
            return Err(ApiError::state(
                format!("A {} partnership cannot become {to}", before.row.status),
                vec![],
            ));
        }
    }
    let after = find(conn, id, &actor.tenant_id)?;
    if after.row.status != before.row.status || after.product_codes != before.product_codes {
        let before = Some((before.row.status, before.product_codes));
        record(conn, actor, AuditPayload::PartnershipUpdate, before, &after)?;
    }
    Ok(after)
}
