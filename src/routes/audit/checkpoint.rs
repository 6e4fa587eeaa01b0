//! `GET /v1/audit/checkpoint` (the caller's chain head, signed by the hub) and `GET /v1/audit/keys`
//! (the hub's public checkpoint keys, for anyone: an auditor checks a checkpoint without a key
//! of this hub, and with any Ed25519 tool; docs/audit.md).

use actix_web::web::Data;
use serde_json::{json, Value};

use super::READ_ROLES;
use crate::audit::checkpoint::CheckpointKeys;
use crate::auth::Identity;
use crate::db::{self, DbPool};
use crate::domain::checkpoint::public_key_base64;
use crate::error::ApiError;
use crate::http::{read, reply::Reply};

/// `GET /v1/audit/checkpoint`.
#[utoipa::path(get, path = "/v1/audit/checkpoint", tag = "audit", summary = "The caller's chain head, signed by the hub (Ed25519)", responses((status = 200, description = "Signed checkpoint: tenant_id, seq, hash, signed_at, key_id, signature", body = crate::openapi::Success)), security(("access_token" = []), ("bearer" = [])))]
pub async fn checkpoint(
    pool: Data<DbPool>,
    keys: Data<CheckpointKeys>,
    id: Identity,
) -> Result<Reply, ApiError> {
    id.require_any(&READ_ROLES)?;
    let tenant = id.tenant_id.clone();
    let signed = read(&pool, move |conn| {
        db::read_tx(conn, |c| keys.sign_head(c, &tenant))
    })
    .await?;
    Ok(Reply::ok(signed))
}

/// `GET /v1/audit/keys`: no token needed.
#[utoipa::path(get, path = "/v1/audit/keys", tag = "audit", summary = "The hub's public checkpoint keys (no authentication)", responses((status = 200, description = "Keys: key_id, algorithm, public_key (base64)", body = crate::openapi::Success)))]
pub async fn keys(keys: Data<CheckpointKeys>) -> Reply {
    let list: Vec<Value> = keys
        .public_keys()
        .iter()
        .map(|(key_id, key)| {
            json!({"key_id": key_id, "algorithm": "Ed25519", "public_key": public_key_base64(key)})
        })
        .collect();
    Reply::ok(json!({ "keys": list }))
}
