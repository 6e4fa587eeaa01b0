//! `POST /v1/tenant/partnerships`: the MAH invites a CMO.

use super::{own_product_ids, record, with_codes, Partnership};
use crate::db::{self, partnerships::PartnershipRow, DbConn};
use crate::domain::actor::Actor;
use crate::domain::audit_payload::AuditPayload;
use crate::domain::gs1::Gtin;
use crate::domain::partnership::PartnershipStatus;
use crate::error::ApiError;
use crate::ids::{PartnershipId, TenantId};

/// A pending partnership of the actor (the MAH) with `cmo` over some of its own products.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    cmo: &TenantId,
    gtins: &[Gtin],
) -> Result<Partnership, ApiError> {
    db::tenants::find(conn, cmo)?.ok_or_else(|| ApiError::not_found("Tenant"))?;
    let product_ids = own_product_ids(conn, &actor.tenant_id, gtins)?;
    let now = db::now();
    let row = PartnershipRow {
        id: PartnershipId::generate(),
        mah_tenant_id: actor.tenant_id.clone(),
        cmo_tenant_id: cmo.clone(),
        status: PartnershipStatus::Pending,
        created_at: now,
        updated_at: now,
    };
    if !db::partnerships::insert(conn, &row)? {
        return Err(ApiError::state(
            "A partnership with this CMO already exists; change it instead",
            vec![],
        ));
    }
    db::partnerships::set_products(conn, &row.id, &product_ids)?;
    let created = with_codes(conn, row)?;
    record(conn, actor, AuditPayload::PartnershipCreate, None, &created)?;
    Ok(created)
}
