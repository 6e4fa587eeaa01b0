//! API keys of the caller's tenant, and their static tokens.

use actix_web::web::{self, Data};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit;
use crate::auth::password;
use crate::auth::tokens::{Claims, KeyRing, TokenKind};
use crate::auth::{Identity, Role, Roles};
use crate::db::{self, api_keys::ApiKeyRow, DbPool};
use crate::domain::audit_payload::{
    ApiKeyCreated, ApiKeyRevoked, AuditPayload, StaticTokenIssued, StaticTokenRevoked,
};
use crate::error::{ApiError, Detail};
use crate::http::body::JsonBody;
use crate::http::page::{page, PageQuery};
use crate::http::write::Write;
use crate::http::{read, reply::Reply};
use crate::ids::{ApiKeyId, TenantId};

pub const MIN_SECRET_LEN: usize = 12;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreateKey {
    name: String,
    roles: Vec<String>,
    api_secret: Option<String>,
}

/// The public view of a key: never the secret or its hash.
#[derive(Serialize)]
struct KeyView {
    id: ApiKeyId,
    api_key: String,
    name: String,
    roles: Vec<&'static str>,
    created_at: String,
    revoked: bool,
    has_static_token: bool,
}

impl From<ApiKeyRow> for KeyView {
    fn from(k: ApiKeyRow) -> KeyView {
        KeyView {
            roles: Roles::from_stored(&k.roles).names(),
            revoked: k.revoked_at.is_some(),
            has_static_token: k.static_token_id.is_some(),
            created_at: crate::time::rfc3339(k.created_at),
            id: k.id,
            api_key: k.api_key,
            name: k.name,
        }
    }
}

fn validate(req: &CreateKey) -> Result<Roles, ApiError> {
    let mut details = Vec::new();
    let name = req.name.trim();
    if name.is_empty() || name.len() > 200 {
        details.push(Detail::at("name", "must be 1 to 200 characters"));
    }
    let mut roles = Vec::new();
    for (i, r) in req.roles.iter().enumerate() {
        match Role::parse(r) {
            Some(role) => roles.push(role),
            None => details.push(Detail::at(
                format!("roles[{i}]"),
                format!("unknown role '{r}' (admin, shopfloor, release, audit)"),
            )),
        }
    }
    if req.roles.is_empty() {
        details.push(Detail::at("roles", "at least one role is required"));
    }
    if let Some(s) = &req.api_secret {
        if s.chars().count() < MIN_SECRET_LEN || s.len() > 1024 {
            details.push(Detail::at(
                "api_secret",
                format!("must be {MIN_SECRET_LEN} to 1024 characters"),
            ));
        }
    }
    if details.is_empty() {
        Ok(Roles::new(roles))
    } else {
        Err(ApiError::validation("Invalid API key request", details))
    }
}

/// `POST /v1/tenant/api_keys`. A generated secret is returned once and never again.
#[utoipa::path(post, path = "/v1/tenant/api_keys", tag = "tenant", summary = "Create an API key", request_body = CreateKey, responses((status = 201, description = "Key created (a generated secret is shown once)", body = crate::openapi::Success)), security(("access_token" = []), ("bearer" = [])))]
pub async fn create(
    pool: Data<DbPool>,
    write: Write<JsonBody<CreateKey>>,
) -> Result<Reply, ApiError> {
    write.require_any(&[Role::Admin])?;
    let body = &write.body.value;
    let roles = validate(body)?;
    let generated = body.api_secret.is_none();
    let secret = body
        .api_secret
        .clone()
        .unwrap_or_else(|| password::random_token(40));
    let to_hash = secret.clone();
    let secret_hash = web::block(move || password::hash_secret(&to_hash))
        .await
        .map_err(ApiError::internal)?;
    let row = ApiKeyRow {
        id: ApiKeyId::generate(),
        tenant_id: write.identity.tenant_id.clone(),
        api_key: password::random_token(32),
        name: body.name.trim().to_string(),
        roles: roles.to_stored(),
        secret_hash,
        static_token_id: None,
        created_at: db::now(),
        revoked_at: None,
    };
    write
        .run(&pool, move |conn, actor| {
            db::api_keys::insert(conn, &row)?;
            let roles = Roles::from_stored(&row.roles).names();
            let payload = AuditPayload::ApiKeyCreate(ApiKeyCreated {
                api_key_id: row.id.clone(),
                name: row.name.clone(),
                roles: roles.into_iter().map(String::from).collect(),
            });
            audit::record_admin(conn, actor, payload)?;
            let mut reply = Reply::created(KeyView::from(row.clone()));
            if generated {
                reply.body["api_secret"] = json!(secret);
            }
            Ok(reply)
        })
        .await
}

/// `GET /v1/tenant/api_keys`.
#[utoipa::path(get, path = "/v1/tenant/api_keys", tag = "tenant", summary = "List API keys", params(crate::http::page::PageQuery), responses((status = 200, description = "Keys (never secrets)", body = crate::openapi::Page)), security(("access_token" = []), ("bearer" = [])))]
pub async fn list(
    pool: Data<DbPool>,
    id: Identity,
    query: web::Query<PageQuery>,
) -> Result<Reply, ApiError> {
    id.require_any(&[Role::Admin])?;
    let limit = query.limit()?;
    let after = query.after.clone();
    let tenant = id.tenant_id.clone();
    let rows = read(&pool, move |conn| {
        Ok(db::api_keys::list(conn, &tenant, after.as_deref(), limit)?)
    })
    .await?;
    let views: Vec<KeyView> = rows.into_iter().map(KeyView::from).collect();
    Ok(page(views, limit, |k| k.id.to_string()))
}

/// `DELETE /v1/tenant/api_keys/{id}`: revokes the key; its dynamic and static tokens die with it.
#[utoipa::path(delete, path = "/v1/tenant/api_keys/{id}", tag = "tenant", summary = "Revoke an API key and its tokens", params(("id" = String, Path, description = "Id (UUID)")), responses((status = 200, description = "Revoked", body = crate::openapi::Success), (status = 404, description = "NotFoundError: no such key of the caller", body = crate::openapi::ErrorEnvelope)), security(("access_token" = []), ("bearer" = [])))]
pub async fn revoke(
    pool: Data<DbPool>,
    write: Write,
    path: web::Path<String>,
) -> Result<Reply, ApiError> {
    write.require_any(&[Role::Admin])?;
    let key_id = ApiKeyId::from_text(&path.into_inner());
    let tenant = write.identity.tenant_id.clone();
    write
        .run(&pool, move |conn, actor| {
            if !db::api_keys::revoke(conn, &tenant, &key_id, db::now())? {
                return Err(ApiError::not_found("API key"));
            }
            let api_key_id = key_id.clone();
            let payload = AuditPayload::ApiKeyRevoke(ApiKeyRevoked { api_key_id });
            audit::record_admin(conn, actor, payload)?;
            Ok(Reply::ok(
                json!({"message": "API key revoked", "id": key_id}),
            ))
        })
        .await
}

/// The id of the current static token of an active key of this tenant, if any.
fn static_token_of(
    conn: &mut db::DbConn,
    tenant: &TenantId,
    key_id: &ApiKeyId,
) -> Result<Option<String>, ApiError> {
    Ok(db::api_keys::find_active(conn, key_id)?
        .filter(|k| k.tenant_id == *tenant)
        .and_then(|k| k.static_token_id))
}

/// `POST /v1/tenant/api_keys/{id}/static_token`: a non-expiring token; replaces any earlier one.
#[utoipa::path(post, path = "/v1/tenant/api_keys/{id}/static_token", tag = "tenant", summary = "Issue a static token", params(("id" = String, Path, description = "Id (UUID)")), responses((status = 200, description = "Token", body = crate::openapi::Success), (status = 404, description = "NotFoundError: no such key of the caller", body = crate::openapi::ErrorEnvelope)), security(("access_token" = []), ("bearer" = [])))]
pub async fn issue_static(
    pool: Data<DbPool>,
    keys: Data<KeyRing>,
    write: Write,
    path: web::Path<String>,
) -> Result<Reply, ApiError> {
    write.require_any(&[Role::Admin])?;
    let key_id = ApiKeyId::from_text(&path.into_inner());
    let tenant = write.identity.tenant_id.clone();
    let jti = uuid::Uuid::new_v4().to_string();
    let claims = Claims {
        sub: key_id.to_string(),
        tid: tenant.to_string(),
        typ: TokenKind::Static,
        jti: jti.clone(),
        iat: chrono::Utc::now().timestamp(),
        exp: None,
    };
    let token = keys.sign(&claims);
    write
        .run(&pool, move |conn, actor| {
            let replaced = static_token_of(conn, &tenant, &key_id)?;
            if !db::api_keys::set_static_token(conn, &tenant, &key_id, Some(&jti))? {
                return Err(ApiError::not_found("API key"));
            }
            // The token id is recorded, never the token; so is the id of the token it replaces.
            let payload = AuditPayload::StaticTokenIssue(StaticTokenIssued {
                api_key_id: key_id.clone(),
                token_id: jti.clone(),
                replaced_token_id: replaced,
            });
            audit::record_admin(conn, actor, payload)?;
            Ok(Reply::ok(
                json!({"message": "Static token generated", "token": token}),
            ))
        })
        .await
}

/// `DELETE /v1/tenant/api_keys/{id}/static_token`.
#[utoipa::path(delete, path = "/v1/tenant/api_keys/{id}/static_token", tag = "tenant", summary = "Revoke the static token", params(("id" = String, Path, description = "Id (UUID)")), responses((status = 200, description = "Revoked", body = crate::openapi::Success), (status = 404, description = "NotFoundError: no such key of the caller", body = crate::openapi::ErrorEnvelope)), security(("access_token" = []), ("bearer" = [])))]
pub async fn revoke_static(
    pool: Data<DbPool>,
    write: Write,
    path: web::Path<String>,
) -> Result<Reply, ApiError> {
    write.require_any(&[Role::Admin])?;
    let key_id = ApiKeyId::from_text(&path.into_inner());
    let tenant = write.identity.tenant_id.clone();
    write
        .run(&pool, move |conn, actor| {
            let revoked = static_token_of(conn, &tenant, &key_id)?;
            if !db::api_keys::set_static_token(conn, &tenant, &key_id, None)? {
                return Err(ApiError::not_found("API key"));
            }
            // Revoking when there is no static token changes nothing and records nothing.
            if let Some(token_id) = revoked {
                let payload = AuditPayload::StaticTokenRevoke(StaticTokenRevoked {
                    api_key_id: key_id.clone(),
                    token_id,
                });
                audit::record_admin(conn, actor, payload)?;
            }
            Ok(Reply::message("Static token revoked"))
        })
        .await
}
