//! `GET /v1/audit/events` and `GET /v1/audit/verify`.

use actix_web::web::{self, Data};
use serde_json::json;

use super::{event_view, EventQuery, READ_ROLES};
use crate::audit::verify;
use crate::auth::tokens::KeyRing;
use crate::auth::Identity;
use crate::db::{self, DbPool};
use crate::error::ApiError;
use crate::http::page::page;
use crate::http::{read, reply::Reply};

/// Events the caller may see: those it performed, and those on its own goods (as MAH).
#[utoipa::path(get, path = "/v1/audit/events", tag = "audit", summary = "Audit events the caller may see", params(crate::routes::audit::EventQuery), responses((status = 200, description = "Events", body = crate::openapi::Page)), security(("access_token" = []), ("bearer" = [])))]
pub async fn list(
    pool: Data<DbPool>,
    keys: Data<KeyRing>,
    id: Identity,
    q: web::Query<EventQuery>,
) -> Result<Reply, ApiError> {
    id.require_any(&READ_ROLES)?;
    let viewer = id.tenant_id.clone();
    let q = q.into_inner();
    let cursors = keys.cursor_key().clone();
    let (events, limit) = read(&pool, move |conn| {
        // Before the read's transaction, so that it sees every event below the horizon.
        let horizon = db::audit::feed_horizon(conn)?;
        db::read_tx(conn, |c| {
            let f = q.filter(c, &viewer, &cursors)?;
            Ok((db::audit::visible_events(c, &f, horizon)?, f.limit))
        })
    })
    .await?;
    let cursors = keys.cursor_key();
    let views: Vec<_> = events
        .iter()
        .map(|e| event_view(e, &id.tenant_id, cursors))
        .collect();
    Ok(page(views, limit, |v| {
        v["id"].as_str().unwrap_or_default().to_string()
    }))
}

/// Verifies the caller's own hash chain.
#[utoipa::path(get, path = "/v1/audit/verify", tag = "audit", summary = "Verify the caller's hash chain", responses((status = 200, description = "Verification", body = crate::openapi::Success)), security(("access_token" = []), ("bearer" = [])))]
pub async fn verify(pool: Data<DbPool>, id: Identity) -> Result<Reply, ApiError> {
    id.require_any(&READ_ROLES)?;
    let tenant = id.tenant_id.clone();
    let report = read(&pool, move |conn| {
        db::read_tx(conn, |c| Ok(verify::verify_chain(c, &tenant)?))
    })
    .await?;
    let mut body = json!({"valid": report.valid, "events": report.events, "head": report.head});
    if let Some(seq) = report.first_broken {
        body["first_broken"] = json!(seq);
    }
    Ok(Reply::ok(body))
}
