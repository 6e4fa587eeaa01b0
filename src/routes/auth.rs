//! `POST /v1/api_auth`: exchange an API key and secret for a 24 h dynamic token.

use actix_web::web::{self, Data};
use actix_web::HttpRequest;
use serde::Deserialize;
use serde_json::json;

use crate::auth::login_gate::LoginGate;
use crate::auth::password;
use crate::auth::rate_limit::RateLimiter;
use crate::auth::tokens::{Claims, KeyRing, TokenKind};
use crate::auth::Roles;
use crate::config::Settings;
use crate::db::{self, DbPool};
use crate::error::{ApiError, ErrorType};
use crate::http::body::read_json;
use crate::http::{read, reply::Reply};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api_auth", web::post().to(api_auth));
}

#[derive(Deserialize, utoipa::ToSchema)]
struct AuthRequest {
    api_key: String,
    api_secret: String,
}

/// Credentials are small; a large body here is only ever an attack on the argon2 endpoint.
const AUTH_BODY_LIMIT: usize = 4 * 1024;

#[utoipa::path(post, path = "/v1/api_auth", tag = "auth", summary = "Exchange an API key and secret for a token", request_body = AuthRequest, responses((status = 200, description = "Authenticated", body = crate::openapi::Success), (status = 401, description = "AuthenticationError: unknown key or wrong secret", body = crate::openapi::ErrorEnvelope), (status = 429, description = "RateLimitError: too many attempts (Retry-After)", body = crate::openapi::ErrorEnvelope)))]
pub async fn api_auth(
    pool: Data<DbPool>,
    keys: Data<KeyRing>,
    settings: Data<Settings>,
    limiter: Data<RateLimiter>,
    gate: Data<LoginGate>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<Reply, ApiError> {
    if let Some(ip) = req.peer_addr().map(|a| a.ip()) {
        if let Err(wait) = limiter.check(ip) {
            let mut e = ApiError::new(
                ErrorType::RateLimit,
                "Too many authentication attempts; retry later",
            );
            e.retry_after = Some(wait);
            return Err(e);
        }
    }
    // The rate limit is checked above, before the body is even read.
    let body = read_json::<AuthRequest>(&req, payload.into_inner(), AUTH_BODY_LIMIT).await?;
    let AuthRequest {
        api_key,
        api_secret,
    } = body.value;
    // Many addresses guessing one key: refused before any database or argon2 work.
    if let Err(wait) = gate.throttle.check(&api_key) {
        let mut e = ApiError::new(
            ErrorType::RateLimit,
            "Too many failed authentication attempts for this API key; retry later",
        );
        e.retry_after = Some(wait);
        return Err(e);
    }
    let presented = api_key.clone();
    let key = read(&pool, move |conn| {
        Ok(db::api_keys::find_active_by_public(conn, &api_key)?)
    })
    .await?;
    // Unknown key and wrong secret cost the same argon2 verification and give the same answer.
    let hash = key
        .as_ref()
        .map(|k| k.secret_hash.clone())
        .unwrap_or_else(|| password::dummy_hash().to_string());
    let verified = gate.verify(api_secret, hash).await?;
    let key = match key {
        Some(k) if verified => k,
        _ => {
            gate.throttle.record_failure(&presented);
            return Err(ApiError::new(
                ErrorType::Authentication,
                "Unknown API key or wrong secret",
            ));
        }
    };
    // Read only after the secret checked out, so a known and an unknown key cost the same.
    let tenant_id = key.tenant_id.clone();
    let tenant_name = read(&pool, move |conn| {
        Ok(db::tenants::find(conn, &tenant_id)?.map(|t| t.name))
    })
    .await?;
    let now = chrono::Utc::now().timestamp();
    let ttl = settings.token_ttl_secs;
    let claims = Claims {
        sub: key.id.to_string(),
        tid: key.tenant_id.to_string(),
        typ: TokenKind::Dynamic,
        jti: uuid::Uuid::new_v4().to_string(),
        iat: now,
        exp: Some(now + ttl),
    };
    // Who the token speaks for, so a client (the web console) offers only what the key may do.
    // Informational: every request is still authorised from the key as stored at that moment.
    Ok(Reply::ok(json!({
        "message": "Authenticated",
        "token": keys.sign(&claims),
        "expires_in": ttl,
        "tenant_id": key.tenant_id,
        "tenant_name": tenant_name,
        "roles": Roles::from_stored(&key.roles).names(),
    })))
}
