//! Request extractors: who is calling (token → API key → tenant, roles) and over which channel.
//! Both are read from the database on every request, so a revoked key or a disabled channel
//! fails at once.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::{HeaderMap, AUTHORIZATION};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use super::read;
use crate::auth::tokens::{Claims, KeyRing, TokenKind};
use crate::auth::{ChannelCtx, Identity, Roles};
use crate::db::{self, api_keys::ApiKeyRow, channels::ChannelRow, DbPool};
use crate::error::{ApiError, ErrorType};
use crate::ids::ApiKeyId;

pub const CHANNEL_SOURCE_MV2: &str = "manufacturer_v2_api";

/// What the request presents as its token.
#[derive(Debug, PartialEq, Eq)]
enum Presented {
    None,
    One(String),
    /// A header that carries no usable token (empty, not text, a scheme other than Bearer), or
    /// two different tokens: which one speaks for the caller would be a guess, so neither does.
    Unusable,
}

/// Every `x-access-token` and every `Authorization: Bearer` header of the request. The same token
/// sent twice is one token; two different ones are refused rather than served as the first (an
/// intermediary adding its own credential must never turn a request into someone else's).
fn presented_token(headers: &HeaderMap) -> Presented {
    let mut tokens: Vec<String> = Vec::new();
    for v in headers.get_all("x-access-token") {
        match v.to_str().map(str::trim) {
            Ok(t) if !t.is_empty() => tokens.push(t.to_string()),
            _ => return Presented::Unusable,
        }
    }
    for v in headers.get_all(AUTHORIZATION) {
        let token = v.to_str().ok().and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| token.trim().to_string())
        });
        match token {
            Some(t) if !t.is_empty() => tokens.push(t),
            _ => return Presented::Unusable,
        }
    }
    tokens.dedup();
    match tokens.len() {
        0 => Presented::None,
        1 => Presented::One(tokens.remove(0)),
        _ if tokens.iter().all(|t| *t == tokens[0]) => Presented::One(tokens.remove(0)),
        _ => Presented::Unusable,
    }
}

fn pool_of(req: &HttpRequest) -> &DbPool {
    req.app_data::<web::Data<DbPool>>()
        .expect("the pool is registered as app data")
}

fn keys_of(req: &HttpRequest) -> &KeyRing {
    req.app_data::<web::Data<KeyRing>>()
        .expect("the key ring is registered as app data")
}

/// The token's verified claims: signature, algorithm, `kid` and expiry (no database yet).
fn verified_claims(req: &HttpRequest) -> Result<Claims, ApiError> {
    let token =
        match presented_token(req.headers()) {
            Presented::One(t) => t,
            Presented::Unusable => return Err(ApiError::invalid_token()),
            Presented::None => return Err(ApiError::new(
                ErrorType::NoToken,
                "No authentication token provided: send x-access-token or Authorization: Bearer",
            )),
        };
    keys_of(req)
        .verify(&token)
        .ok_or_else(ApiError::invalid_token)
}

/// The identity the claims stand for, given their key as stored now (`None`: revoked or gone).
fn identity_of(claims: &Claims, key: Option<ApiKeyRow>) -> Result<Identity, ApiError> {
    let key = key.ok_or_else(ApiError::invalid_token)?;
    let static_ok = claims.typ == TokenKind::Dynamic
        || key.static_token_id.as_deref() == Some(claims.jti.as_str());
    if key.tenant_id.as_str() != claims.tid || !static_ok {
        return Err(ApiError::invalid_token());
    }
    Ok(Identity {
        tenant_id: key.tenant_id,
        api_key_id: key.id,
        roles: Roles::from_stored(&key.roles),
    })
}

/// Verifies the token and re-reads the key from the database, so revocation is immediate.
pub async fn authenticate(req: &HttpRequest) -> Result<Identity, ApiError> {
    if let Some(identity) = req.extensions().get::<Identity>() {
        return Ok(identity.clone());
    }
    let claims = verified_claims(req)?;
    let key_id = ApiKeyId::from_text(&claims.sub);
    let key = read(pool_of(req), move |conn| {
        Ok(db::api_keys::find_active(conn, &key_id)?)
    })
    .await?;
    let identity = identity_of(&claims, key)?;
    req.extensions_mut().insert(identity.clone());
    Ok(identity)
}

impl FromRequest for Identity {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Identity, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req).await })
    }
}

fn channel_error(problem: &str) -> ApiError {
    ApiError::new(ErrorType::Channel, format!("Channel rejected: {problem}"))
}

/// The `x-channel-key` header, trimmed; missing or empty is a `ChannelError`.
fn channel_key(req: &HttpRequest) -> Result<String, ApiError> {
    req.headers()
        .get("x-channel-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .ok_or_else(|| channel_error("x-channel-key header is missing"))
}

/// Checks a stored channel for the caller's tenant: known, the caller's own, enabled, and of
/// source `manufacturer_v2_api`. Every failure is the same `ChannelError` type; the message says
/// which rule failed but never reveals another tenant's channel.
fn channel_of(identity: &Identity, channel: Option<ChannelRow>) -> Result<ChannelCtx, ApiError> {
    let channel = match channel {
        Some(c) if c.tenant_id == identity.tenant_id => c,
        _ => return Err(channel_error("unknown channel key")),
    };
    if !channel.enabled {
        return Err(channel_error("the channel is disabled"));
    }
    if channel.source != CHANNEL_SOURCE_MV2 {
        return Err(channel_error(
            "the channel's source is not manufacturer_v2_api",
        ));
    }
    Ok(ChannelCtx {
        channel_id: channel.id,
    })
}

/// Checks `x-channel-key` for an authenticated caller (see `channel_of`).
pub async fn check_channel(req: &HttpRequest, identity: &Identity) -> Result<ChannelCtx, ApiError> {
    let key = channel_key(req)?;
    let channel = read(pool_of(req), move |conn| {
        Ok(db::channels::find_by_key(conn, &key)?)
    })
    .await?;
    let ctx = channel_of(identity, channel)?;
    req.extensions_mut().insert(ctx.clone());
    Ok(ctx)
}

/// Token, then channel, as `authenticate` and `check_channel` would answer them in that order, but
/// with both rows read in one trip to the database: this runs before every Manufacturer V2
/// request, and each trip is a hop to the blocking pool and a pooled connection checkout.
pub async fn authenticate_with_channel(
    req: &HttpRequest,
) -> Result<(Identity, ChannelCtx), ApiError> {
    let claims = verified_claims(req)?;
    let channel_key = match channel_key(req) {
        Ok(key) => key,
        Err(missing) => {
            // The token still decides first whether this is a 401 or a ChannelError.
            authenticate(req).await?;
            return Err(missing);
        }
    };
    let key_id = ApiKeyId::from_text(&claims.sub);
    let (key, channel) = read(pool_of(req), move |conn| {
        let key = db::api_keys::find_active(conn, &key_id)?;
        let channel = match key {
            Some(_) => db::channels::find_by_key(conn, &channel_key)?,
            None => None,
        };
        Ok((key, channel))
    })
    .await?;
    let identity = identity_of(&claims, key)?;
    let ctx = channel_of(&identity, channel)?;
    req.extensions_mut().insert(identity.clone());
    req.extensions_mut().insert(ctx.clone());
    Ok((identity, ctx))
}

impl FromRequest for ChannelCtx {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<ChannelCtx, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            if let Some(ctx) = req.extensions().get::<ChannelCtx>() {
                return Ok(ctx.clone());
            }
            let identity = authenticate(&req).await?;
            check_channel(&req, &identity).await
        })
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    #[test]
    fn one_token_in_either_header_or_the_same_in_both() {
        let one = Presented::One("abc".into());
        assert_eq!(presented_token(&headers(&[("x-access-token", "abc")])), one);
        assert_eq!(
            presented_token(&headers(&[("authorization", "bearer abc")])),
            one
        );
        let both = [("x-access-token", "abc"), ("authorization", "Bearer abc")];
        assert_eq!(presented_token(&headers(&both)), one);
        assert_eq!(presented_token(&headers(&[])), Presented::None);
    }

    #[test]
    fn two_different_tokens_or_an_unusable_header_are_refused() {
        for pairs in [
            &[("x-access-token", "abc"), ("authorization", "Bearer xyz")][..],
            &[("x-access-token", "abc"), ("x-access-token", "xyz")],
            &[
                ("authorization", "Bearer abc"),
                ("authorization", "Bearer xyz"),
            ],
            &[("x-access-token", "abc"), ("authorization", "Basic abc")],
            &[("x-access-token", " ")],
        ] {
            assert_eq!(
                presented_token(&headers(pairs)),
                Presented::Unusable,
                "{pairs:?}"
            );
        }
    }
}
