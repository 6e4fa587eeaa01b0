//! `GET /v1/audit/events` and `GET /v1/audit/verify`.

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::{event_view, EventQuery, READ_ROLES};
use crate::audit::verify;
use crate::auth::Identity;
use crate::db;
use crate::error::ApiError;
use crate::routes::page::page_body;
use crate::startup::State;

/// Events the caller may see: those it performed, and those on its own goods (as MAH).
pub async fn list(
    state: State,
    id: Identity,
    q: web::Query<EventQuery>,
) -> Result<HttpResponse, ApiError> {
    id.require_any(&READ_ROLES)?;
    let viewer = id.tenant_id.clone();
    let q = q.into_inner();
    let (events, limit) = db::run(&state.pool, move |conn| {
        db::read_tx(conn, |c| {
            let f = q.filter(c, &viewer)?;
            Ok((db::audit::visible_events(c, &f)?, f.limit))
        })
    })
    .await?;
    let views: Vec<_> = events.iter().map(event_view).collect();
    Ok(HttpResponse::Ok().json(page_body(views, limit, |v| v["id"].to_string())))
}

/// Verifies the caller's own hash chain.
pub async fn verify(state: State, id: Identity) -> Result<HttpResponse, ApiError> {
    id.require_any(&READ_ROLES)?;
    let tenant = id.tenant_id.clone();
    let report = db::run(&state.pool, move |conn| {
        db::read_tx(conn, |c| Ok(verify::verify_chain(c, &tenant)?))
    })
    .await?;
    let mut body = json!({"success": true, "valid": report.valid, "events": report.events, "head": report.head});
    if let Some(seq) = report.first_broken {
        body["first_broken"] = json!(seq);
    }
    Ok(HttpResponse::Ok().json(body))
}
