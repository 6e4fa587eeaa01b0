//! The write extractor of every `POST`/`PATCH`/`DELETE`: who writes (the identity, and the actor the
//! audit trail records), the body with its exact bytes, and what the idempotency protocol needs.
//! A handler checks roles and input, then hands its work to [`Write::run`]:
//!
//! ```ignore
//! write.run(&pool, move |conn, actor| { …; Ok(Reply::ok(body)) }).await
//! ```

use std::future::{ready, Future, Ready};
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;

use super::body::JsonBody;
use super::idempotency::{self, KeyedRequest};
use super::reply::Reply;
use super::request_id::{RequestId, ServerRequestId};
use crate::auth::{ChannelCtx, Identity, Role};
use crate::db::{DbConn, DbPool};
use crate::domain::actor::Actor;
use crate::error::ApiError;

/// A write request, authenticated, with its body read (`B` = [`JsonBody`] or [`NoBody`]).
pub struct Write<B = NoBody> {
    pub identity: Identity,
    pub body: B,
    actor: Actor,
    request: KeyedRequest,
}

/// The roles a scope's or resource's writes need, as app data (`.app_data(WriteRoles(&[…]))`):
/// [`Write`] checks them after the token and before it reads the body, so a key without the
/// role gets 403 whatever it sends, never a 400 that tells it how far it got. (Handlers still
/// call [`Write::require_any`]: the check stays where the reader of the handler looks for it.)
#[derive(Debug, Clone, Copy)]
pub struct WriteRoles(pub &'static [Role]);

/// The body of a write endpoint that takes none (the bytes sent, if any, are not read).
pub struct NoBody;

/// A body a write can carry; its exact bytes go into the idempotency hash.
pub trait WriteBody: FromRequest<Error = ApiError> + 'static {
    fn raw(&self) -> &[u8];
}

impl<T: DeserializeOwned + 'static> WriteBody for JsonBody<T> {
    fn raw(&self) -> &[u8] {
        &self.raw
    }
}

impl WriteBody for NoBody {
    fn raw(&self) -> &[u8] {
        b""
    }
}

impl FromRequest for NoBody {
    type Error = ApiError;
    type Future = Ready<Result<NoBody, ApiError>>;

    fn from_request(_: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(NoBody))
    }
}

impl<B: WriteBody> Write<B> {
    /// 403 `ForbiddenError` unless the caller's key holds one of `roles`.
    pub fn require_any(&self, roles: &[Role]) -> Result<(), ApiError> {
        self.identity.require_any(roles)
    }

    /// Runs `work` in one write transaction, honouring `Idempotency-Key` (see `idempotency`).
    /// `work` may run more than once: PostgreSQL may abort a transaction to resolve a deadlock,
    /// and the transaction is then run again.
    pub async fn run<F>(self, pool: &DbPool, mut work: F) -> Result<Reply, ApiError>
    where
        F: FnMut(&mut DbConn, &Actor) -> Result<Reply, ApiError> + Send + 'static,
    {
        let Write {
            body,
            actor,
            request,
            ..
        } = self;
        let tenant = actor.tenant_id.clone();
        idempotency::run(pool, request, &tenant, body.raw(), move |conn| {
            work(conn, &actor)
        })
        .await
    }
}

/// The acting identity of a request: its tenant and key, and the channel and request id the
/// edge left in the request (the channel only on the Manufacturer V2 scope).
fn actor_of(req: &HttpRequest, identity: &Identity) -> Actor {
    let extensions = req.extensions();
    Actor {
        tenant_id: identity.tenant_id.clone(),
        api_key_id: identity.api_key_id.clone(),
        channel_id: extensions.get::<ChannelCtx>().map(|c| c.channel_id.clone()),
        request_id: extensions.get::<RequestId>().map(|r| r.0.clone()),
        server_request_id: extensions.get::<ServerRequestId>().map(|r| r.0.clone()),
    }
}

impl<B: WriteBody> FromRequest for Write<B> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // In the order of PRODUCT.md's checks: the token, then the role, then the body. The
        // body extractor takes the payload now but reads nothing until it is awaited.
        let identity = Identity::from_request(req, payload);
        let body = B::from_request(req, payload);
        let roles = req.app_data::<WriteRoles>().copied();
        let req = req.clone();
        Box::pin(async move {
            let identity = identity.await?;
            if let Some(WriteRoles(roles)) = roles {
                identity.require_any(roles)?;
            }
            let body = body.await?;
            let actor = actor_of(&req, &identity);
            let request = KeyedRequest {
                key: req.headers().get(idempotency::HEADER).cloned(),
                method: req.method().as_str().to_string(),
                path_and_query: req
                    .uri()
                    .path_and_query()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_default(),
            };
            Ok(Write {
                identity,
                body,
                actor,
                request,
            })
        })
    }
}
