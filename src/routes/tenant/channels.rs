//! Channels: a tenant's integration endpoints, each with its own `channel_key`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, action};
use crate::auth::password::random_token;
use crate::auth::{Identity, Role};
use crate::db::{self, channels::ChannelRow};
use crate::error::{ApiError, Detail};
use crate::idempotency::run_write;
use crate::routes::body::JsonBody;
use crate::routes::page::{page_body, PageQuery};
use crate::startup::State;
use crate::workflows::Actor;

/// Channel types and sources serialhub knows. Only `manufacturer_v2_api` channels may call the
/// Manufacturer V2 API; `manual` is for people entering data through the console.
pub const TYPES: [&str; 2] = ["shopfloor", "erp"];
pub const SOURCES: [&str; 2] = ["manufacturer_v2_api", "manual"];

#[derive(Deserialize)]
pub struct CreateChannel {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    source: String,
}

#[derive(Deserialize)]
pub struct UpdateChannel {
    enabled: bool,
}

#[derive(Serialize)]
struct ChannelView {
    id: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    source: String,
    channel_key: String,
    enabled: bool,
    created_at: String,
}

impl From<ChannelRow> for ChannelView {
    fn from(c: ChannelRow) -> ChannelView {
        ChannelView {
            created_at: crate::time::rfc3339(c.created_at),
            id: c.id,
            name: c.name,
            kind: c.kind,
            source: c.source,
            channel_key: c.channel_key,
            enabled: c.enabled,
        }
    }
}

fn validate(req: &CreateChannel) -> Result<(), ApiError> {
    let mut details = Vec::new();
    if req.name.trim().is_empty() || req.name.len() > 200 {
        details.push(Detail::at("name", "must be 1 to 200 characters"));
    }
    if !TYPES.contains(&req.kind.as_str()) {
        details.push(Detail::at(
            "type",
            format!("must be one of {}", TYPES.join(", ")),
        ));
    }
    if !SOURCES.contains(&req.source.as_str()) {
        details.push(Detail::at(
            "source",
            format!("must be one of {}", SOURCES.join(", ")),
        ));
    }
    if details.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation("Invalid channel request", details))
    }
}

fn view_body(row: ChannelRow) -> Result<serde_json::Value, ApiError> {
    let mut v = serde_json::to_value(ChannelView::from(row)).map_err(|_| ApiError::internal())?;
    v["success"] = json!(true);
    Ok(v)
}

/// `POST /v1/tenant/channels`.
pub async fn create(
    state: State,
    req: HttpRequest,
    id: Identity,
    body: JsonBody<CreateChannel>,
) -> Result<HttpResponse, ApiError> {
    id.require_any(&[Role::Admin])?;
    validate(&body.value)?;
    let row = ChannelRow {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: id.tenant_id.clone(),
        name: body.value.name.trim().to_string(),
        kind: body.value.kind.clone(),
        source: body.value.source.clone(),
        channel_key: random_token(40),
        enabled: true,
        created_at: db::now(),
    };
    let actor = Actor::new(&req, &id, None);
    run_write(&state.pool, &req, &id.tenant_id, &body.raw, move |conn| {
        db::channels::insert(conn, &row)?;
        let payload =
            json!({"channel_id": row.id, "name": row.name, "type": row.kind, "source": row.source});
        audit::record_admin(conn, &actor, action::CHANNEL_CREATE, payload)?;
        Ok((StatusCode::CREATED, view_body(row)?))
    })
    .await
}

/// `GET /v1/tenant/channels`.
pub async fn list(
    state: State,
    id: Identity,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    id.require_any(&[Role::Admin])?;
    let limit = page.limit()?;
    let after = page.after.clone();
    let tenant = id.tenant_id.clone();
    let rows = db::run(&state.pool, move |conn| {
        Ok(db::channels::list(conn, &tenant, after.as_deref(), limit)?)
    })
    .await?;
    let views: Vec<ChannelView> = rows.into_iter().map(ChannelView::from).collect();
    Ok(HttpResponse::Ok().json(page_body(views, limit, |c| c.id.clone())))
}

/// `PATCH /v1/tenant/channels/{id}` `{"enabled": bool}`.
pub async fn update(
    state: State,
    req: HttpRequest,
    id: Identity,
    path: web::Path<String>,
    body: JsonBody<UpdateChannel>,
) -> Result<HttpResponse, ApiError> {
    id.require_any(&[Role::Admin])?;
    let channel_id = path.into_inner();
    let tenant = id.tenant_id.clone();
    let enabled = body.value.enabled;
    let actor = Actor::new(&req, &id, None);
    run_write(&state.pool, &req, &id.tenant_id, &body.raw, move |conn| {
        let before = db::channels::find(conn, &tenant, &channel_id)?
            .ok_or_else(|| ApiError::not_found("Channel"))?;
        let row = db::channels::set_enabled(conn, &tenant, &channel_id, enabled)?
            .ok_or_else(|| ApiError::not_found("Channel"))?;
        // Old and new value (21 CFR Part 11 §11.10(e)); setting the current value changes
        // nothing and records nothing.
        if before.enabled != row.enabled {
            let payload = json!({"channel_id": row.id,
                                 "enabled": {"from": before.enabled, "to": row.enabled}});
            audit::record_admin(conn, &actor, action::CHANNEL_UPDATE, payload)?;
        }
        Ok((StatusCode::OK, view_body(row)?))
    })
    .await
}
