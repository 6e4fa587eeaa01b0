use actix_web::HttpResponse;
use serde_json::json;

use crate::auth::{Identity, Role};
use crate::db;
use crate::error::ApiError;
use crate::startup::State;

/// `GET /v1/tenant`: the caller's own tenant.
pub async fn show(state: State, id: Identity) -> Result<HttpResponse, ApiError> {
    id.require_any(&[Role::Admin])?;
    let tenant_id = id.tenant_id.clone();
    let tenant = db::run(&state.pool, move |conn| {
        Ok(db::tenants::find(conn, &tenant_id)?)
    })
    .await?
    .ok_or_else(|| ApiError::not_found("Tenant"))?;
    Ok(HttpResponse::Ok().json(json!({
        "success": true,
        "id": tenant.id,
        "name": tenant.name,
        "gs1_company_prefixes": tenant.company_prefixes(),
        "gln": tenant.gln,
    })))
}
