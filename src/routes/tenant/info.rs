use actix_web::web::Data;
use serde_json::json;

use crate::auth::{Identity, Role};
use crate::db::{self, DbPool};
use crate::error::ApiError;
use crate::http::{read, reply::Reply};

/// `GET /v1/tenant`: the caller's own tenant.
#[utoipa::path(get, path = "/v1/tenant", tag = "tenant", summary = "The caller's tenant", responses((status = 200, description = "Tenant", body = crate::openapi::Success)), security(("access_token" = []), ("bearer" = [])))]
pub async fn show(pool: Data<DbPool>, id: Identity) -> Result<Reply, ApiError> {
    id.require_any(&[Role::Admin])?;
    let tenant_id = id.tenant_id.clone();
    let tenant = read(&pool, move |conn| Ok(db::tenants::find(conn, &tenant_id)?))
        .await?
        .ok_or_else(|| ApiError::not_found("Tenant"))?;
    Ok(Reply::ok(json!({
        "id": tenant.id,
        "name": tenant.name,
        "gs1_company_prefixes": tenant.company_prefixes(),
        "gln": tenant.gln,
    })))
}
