//! `GET /v1/epcis/events`: the caller's visible events as an EPCIS 2.0 JSON-LD document.

use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use serde_json::Value;

use super::{EventQuery, READ_ROLES};
use crate::auth::cursor::CursorList;
use crate::auth::tokens::KeyRing;
use crate::auth::Identity;
use crate::db::{self, DbPool};
use crate::domain::audit_payload::AuditPayload;
use crate::domain::epcis::{document, to_epcis, AuditEvent};
use crate::domain::lifecycle::DecommissionReason;
use crate::error::ApiError;
use crate::http::read;

#[utoipa::path(get, path = "/v1/epcis/events", tag = "audit", summary = "EPCIS 2.0 export", params(crate::routes::audit::EventQuery), responses((status = 200, description = "EPCIS document (JSON-LD)", body = Object)), security(("access_token" = []), ("bearer" = [])))]
pub async fn export(
    pool: Data<DbPool>,
    keys: Data<KeyRing>,
    id: Identity,
    q: web::Query<EventQuery>,
) -> Result<HttpResponse, ApiError> {
    id.require_any(&READ_ROLES)?;
    let viewer = id.tenant_id.clone();
    let q = q.into_inner();
    let cursors = keys.cursor_key().clone();
    let (rows, limit) = read(&pool, move |conn| {
        // Before the read's transaction, so that it sees every event below the horizon.
        let horizon = db::audit::feed_horizon(conn)?;
        db::read_tx(conn, |c| {
            let f = q.filter(c, &viewer, &cursors)?;
            Ok((db::audit::visible_events(c, &f, horizon)?, f.limit))
        })
    })
    .await?;
    let events: Vec<Value> = rows
        .iter()
        .filter_map(|r| {
            // A stored payload that does not have its action's shape has no EPCIS form.
            let payload = AuditPayload::parse(&r.action, &r.payload)?;
            let occurred = crate::time::rfc3339(r.occurred_at);
            to_epcis(&AuditEvent {
                occurred_at: &occurred,
                hash: &r.hash,
                reason: r.reason.as_deref().and_then(DecommissionReason::parse),
                payload: &payload,
            })
        })
        .collect();
    let now = crate::time::rfc3339(db::now());
    let mut resp = HttpResponse::Ok();
    // The page of audit events this document covers; the next page starts after it.
    if rows.len() as i64 == limit {
        if let Some(last) = rows.last() {
            let cursor = keys
                .cursor_key()
                .seal(&id.tenant_id, CursorList::AuditEvents, last.id);
            resp.insert_header(("x-next-cursor", cursor));
        }
    }
    Ok(resp
        .content_type("application/ld+json")
        .json(document(events, &now)))
}
