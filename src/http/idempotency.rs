//! Every write request goes through [`run`] (from `Write::run`): one write transaction for the
//! work and, when the caller sent an `Idempotency-Key`, the stored response committed in that same
//! transaction.
//!
//! Protocol (PRODUCT.md §2): the key is first looked up without the write lock (and, on SQLite,
//! before joining the writer queue), so a duplicate of a running request gets 409 at once instead
//! of waiting; then it is claimed (`running`) in a short transaction of its own. Then the work runs; its
//! success response is stored in the work's own transaction, so "done" and the effect commit
//! together. A 4xx answer is stored too (the same request replays the same answer); a 5xx deletes
//! the claim so the client may retry. A claim left by a crashed process goes stale after 10 minutes.
//! Credentials in a response (a generated `api_secret`, a static `token`) are not stored: a replay
//! answers without them. Keys are kept for 48 hours (see [`purge_expired`]).

use actix_web::http::header::HeaderValue;
use actix_web::http::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::error::status;
use super::reply::Reply;
use crate::db::{self, idempotency as store, DbConn, DbPool};
use crate::error::{ApiError, Detail, ErrorType};
use crate::ids::TenantId;

/// The header a client names its key in.
pub const HEADER: &str = "idempotency-key";
const STALE_MINUTES: i64 = 10;

/// What of a write request the protocol needs besides its body: the key as sent, and what the
/// request hash covers with the body.
#[derive(Debug, Clone)]
pub struct KeyedRequest {
    pub key: Option<HeaderValue>,
    pub method: String,
    pub path_and_query: String,
}

enum Claim {
    Fresh,
    Replay(Reply),
}

/// Runs `work` in one write transaction, honouring `Idempotency-Key`. `work` may run again when
/// PostgreSQL aborted its transaction on a conflict (see `db::write_tx`).
pub async fn run<F>(
    pool: &DbPool,
    request: KeyedRequest,
    tenant_id: &TenantId,
    body: &[u8],
    work: F,
) -> Result<Reply, ApiError>
where
    F: FnMut(&mut DbConn) -> Result<Reply, ApiError> + Send + 'static,
{
    let key = idempotency_key(&request)?;
    let tenant = tenant_id.clone();
    match key {
        None => db::run_queued(pool, move |conn| db::write_tx(conn, work)).await,
        Some(key) => {
            // Only a keyed request needs the body's hash (SHA-256 over up to 16 MiB is not free).
            let hash = request_hash(&request, body);
            // Look first, outside the writer queue and without the write lock: a duplicate of a
            // request still running then gets 409 at once instead of queueing behind it.
            let (t, k, h) = (tenant.clone(), key.clone(), hash.clone());
            match db::run(pool, move |conn| peek(conn, &t, &k, &h)).await? {
                Some(Claim::Replay(reply)) => Ok(reply),
                _ => {
                    db::run_queued(pool, move |conn| {
                        run_keyed(conn, &tenant, &key, &hash, work)
                    })
                    .await
                }
            }
        }
    }
}

fn idempotency_key(request: &KeyedRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = &request.key else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or("").trim();
    if key.is_empty() || key.len() > 255 {
        return Err(ApiError::validation(
            "Idempotency-Key must be 1 to 255 visible ASCII characters",
            vec![Detail::at("Idempotency-Key", "invalid header value")],
        ));
    }
    Ok(Some(key.to_string()))
}

/// The request's identity for replay purposes: method, path with query, and the exact body bytes.
fn request_hash(request: &KeyedRequest, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(&request.method);
    h.update([0]);
    h.update(&request.path_and_query);
    h.update([0]);
    h.update(body);
    hex::encode(h.finalize())
}

fn run_keyed<F>(
    conn: &mut DbConn,
    tenant: &TenantId,
    key: &str,
    hash: &str,
    mut work: F,
) -> Result<Reply, ApiError>
where
    F: FnMut(&mut DbConn) -> Result<Reply, ApiError>,
{
    if let Claim::Replay(reply) = claim(conn, tenant, key, hash)? {
        return Ok(reply);
    }
    let outcome: Result<Reply, ApiError> = db::write_tx(conn, |c| {
        let reply = work(c)?;
        let stored = redact(&reply.body).to_string();
        store::complete(c, tenant, key, i32::from(reply.status.as_u16()), &stored)?;
        Ok(reply)
    });
    if let Err(err) = &outcome {
        // Remember client errors; forget server errors so the client can retry.
        let status = status(err.kind);
        let body = serde_json::to_string(&err.body()).unwrap_or_default();
        let stored = db::write_tx(conn, |c| {
            if status.is_client_error() {
                store::complete(c, tenant, key, i32::from(status.as_u16()), &body)
            } else {
                store::delete_claim(c, tenant, key)
            }
        });
        if let Err(e) = stored {
            // The answer stands; only the key's bookkeeping failed (a stale claim expires).
            tracing::warn!(error = %e, "idempotency key not updated after an error");
        }
    }
    outcome
}

/// What a stored key already says about this request, read without the write lock: a replay, a
/// 409/422 error, or `None` (unknown or stale: claim it).
fn peek(
    conn: &mut DbConn,
    tenant: &TenantId,
    key: &str,
    hash: &str,
) -> Result<Option<Claim>, ApiError> {
    match db::read_tx(conn, |c| store::find(c, tenant, key))? {
        Some(existing) => known_key(existing, hash),
        None => Ok(None),
    }
}

/// Claims the key for this request, unless a concurrent request stored or claimed it since `peek`.
fn claim(conn: &mut DbConn, tenant: &TenantId, key: &str, hash: &str) -> Result<Claim, ApiError> {
    db::write_tx(conn, |c| {
        if store::claim(c, tenant, key, hash)? {
            return Ok(Claim::Fresh);
        }
        let existing = store::find(c, tenant, key)?.ok_or_else(|| {
            ApiError::internal("the idempotency key vanished after a conflicting claim")
        })?;
        if let Some(claim) = known_key(existing, hash)? {
            return Ok(claim);
        }
        let stale_before = db::now() - chrono::Duration::minutes(STALE_MINUTES);
        if store::reclaim_stale(c, tenant, key, hash, stale_before)? {
            return Ok(Claim::Fresh);
        }
        Err(in_flight())
    })
}

/// What an already stored key means for this request. A `running` claim comes first: the first
/// request's effect commits together with `done`, so while it may still run any request with this
/// key is 409 (whatever its body), and once stale (a crashed process) `None` lets the caller take
/// it over. A done key answers 422 for another request, else the stored response.
fn known_key(existing: store::IdempotencyRow, hash: &str) -> Result<Option<Claim>, ApiError> {
    if existing.state != store::DONE {
        let stale_before = db::now() - chrono::Duration::minutes(STALE_MINUTES);
        if existing.created_at < stale_before {
            return Ok(None);
        }
        return Err(in_flight());
    }
    if existing.request_hash != hash {
        return Err(ApiError::new(
            ErrorType::IdempotencyMismatch,
            "This Idempotency-Key was already used with a different request",
        ));
    }
    let status = existing
        .response_status
        .and_then(|s| StatusCode::from_u16(s as u16).ok())
        .unwrap_or(StatusCode::OK);
    let body = existing
        .response_body
        .and_then(|b| serde_json::from_str(&b).ok())
        .unwrap_or(Value::Null);
    Ok(Some(Claim::Replay(Reply { status, body })))
}

fn in_flight() -> ApiError {
    ApiError::new(
        ErrorType::IdempotencyInFlight,
        "A request with this Idempotency-Key is still being processed",
    )
}

/// Response fields that carry a credential shown once. They are never written to the idempotency
/// store: a replay answers without them (secrets live only as argon2id hashes, tokens not at all).
const SECRET_FIELDS: [&str; 2] = ["api_secret", "token"];

fn redact(body: &Value) -> Value {
    let mut stored = body.clone();
    if let Some(map) = stored.as_object_mut() {
        for field in SECRET_FIELDS {
            if map.remove(field).is_some() {
                map.insert(
                    format!("{field}_note"),
                    Value::String(format!("{field} was shown once, in the original response")),
                );
            }
        }
    }
    stored
}

/// How long completed keys are kept (the contract asks for at least 24 h).
pub const RETENTION_HOURS: i64 = 48;

/// Deletes keys older than the retention; run hourly by the server.
pub fn purge_expired(conn: &mut DbConn) -> diesel::QueryResult<usize> {
    let before = db::now() - chrono::Duration::hours(RETENTION_HOURS);
    store::purge(conn, before)
}
