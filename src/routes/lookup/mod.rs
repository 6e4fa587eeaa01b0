//! Lookups of one pack or one container (PRODUCT.md §3.5), for roles `audit`, `release`, `admin`.
//! Only the brand owner (MAH) of the goods sees them; to anyone else they do not exist.

use actix_web::web;

use crate::auth::Role;

pub(crate) mod containers;
pub(crate) mod items;

pub const READ_ROLES: [Role; 3] = [Role::Audit, Role::Release, Role::Admin];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/items/{product_code}/{serial_number}",
        web::get().to(items::show),
    )
    .route("/containers/{sscc}", web::get().to(containers::show));
}

/// `{"tenant_id", "name"}` of a producing tenant.
pub fn produced_by(
    conn: &mut crate::db::DbConn,
    tenant_id: &crate::ids::TenantId,
) -> Result<serde_json::Value, crate::error::ApiError> {
    let name = crate::db::tenants::find(conn, tenant_id)?.map(|t| t.name);
    Ok(serde_json::json!({"tenant_id": tenant_id, "name": name}))
}
