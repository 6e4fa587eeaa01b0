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
