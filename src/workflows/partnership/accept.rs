//! `POST /v1/tenant/partnerships/{id}/accept`: the CMO accepts (`pending` → `active`).

use super::{find, record, Partnership};
use crate::db::{self, DbConn};
use crate::domain::actor::Actor;
use crate::domain::audit_payload::AuditPayload;
use crate::domain::partnership::PartnershipStatus;
use crate::error::ApiError;
use crate::ids::PartnershipId;

/// Accepts the partnership `id` as its CMO.
pub fn accept(
    conn: &mut DbConn,
    actor: &Actor,
    id: &PartnershipId,
) -> Result<Partnership, ApiError> {
    let before = find(conn, id, &actor.tenant_id)?;
    if before.row.cmo_tenant_id != actor.tenant_id {
        return Err(ApiError::forbidden("Only the CMO accepts a partnership"));
    }
    let (from, to) = (&[PartnershipStatus::Pending], PartnershipStatus::Active);
    if !db::partnerships::transition(conn, id, from, to, db::now())? {
        return Err(ApiError::state(
            format!("The partnership is {}, not pending", before.row.status),
            vec![],
        ));
    }
    let after = find(conn, id, &actor.tenant_id)?;
    let before = Some((before.row.status, before.product_codes));
    record(conn, actor, AuditPayload::PartnershipAccept, before, &after)?;
    Ok(after)
}
