//! Channels: a tenant's integration endpoints, each with its own `channel_key`.

use actix_web::web::{self, Data};
use serde::{Deserialize, Serialize};

use crate::audit;
use crate::auth::password::random_token;
use crate::auth::{Identity, Role};
use crate::db::{self, channels::ChannelRow, DbPool};
use crate::domain::audit_payload::{AuditPayload, Change, ChannelCreated, ChannelUpdated};
use crate::error::{ApiError, Detail};
use crate::http::body::JsonBody;
use crate::http::page::{page, PageQuery};
use crate::http::write::Write;
use crate::http::{read, reply::Reply};
use crate::ids::ChannelId;

/// Channel types and sources serialhub knows. Only `manufacturer_v2_api` channels may call the
/// Manufacturer V2 API; `manual` is for people entering data through the console.
pub const TYPES: [&str; 2] = ["shopfloor", "erp"];
pub const SOURCES: [&str; 2] = ["manufacturer_v2_api", "manual"];

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreateChannel {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    source: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct UpdateChannel {
    enabled: bool,
}

#[derive(Serialize)]
struct ChannelView {
    id: ChannelId,
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

/// `POST /v1/tenant/channels`.
#[utoipa::path(post, path = "/v1/tenant/channels", tag = "tenant", summary = "Create a channel", request_body = CreateChannel, responses((status = 201, description = "Channel created", body = crate::openapi::Success)), security(("access_token" = []), ("bearer" = [])))]
pub async fn create(
    pool: Data<DbPool>,
    write: Write<JsonBody<CreateChannel>>,
) -> Result<Reply, ApiError> {
    write.require_any(&[Role::Admin])?;
    let body = &write.body.value;
    validate(body)?;
    let row = ChannelRow {
        id: ChannelId::generate(),
        tenant_id: write.identity.tenant_id.clone(),
        name: body.name.trim().to_string(),
        kind: body.kind.clone(),
        source: body.source.clone(),
        channel_key: random_token(40),
        enabled: true,
        created_at: db::now(),
    };
    write
        .run(&pool, move |conn, actor| {
            db::channels::insert(conn, &row)?;
            let payload = AuditPayload::ChannelCreate(ChannelCreated {
                channel_id: row.id.clone(),
                name: row.name.clone(),
                kind: row.kind.clone(),
                source: row.source.clone(),
            });
            audit::record_admin(conn, actor, payload)?;
            Ok(Reply::created(ChannelView::from(row.clone())))
        })
        .await
}

/// `GET /v1/tenant/channels`.
#[utoipa::path(get, path = "/v1/tenant/channels", tag = "tenant", summary = "List channels", params(crate::http::page::PageQuery), responses((status = 200, description = "Channels", body = crate::openapi::Page)), security(("access_token" = []), ("bearer" = [])))]
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
        Ok(db::channels::list(conn, &tenant, after.as_deref(), limit)?)
    })
    .await?;
    let views: Vec<ChannelView> = rows.into_iter().map(ChannelView::from).collect();
    Ok(page(views, limit, |c| c.id.to_string()))
}

/// `PATCH /v1/tenant/channels/{id}` `{"enabled": bool}`.
#[utoipa::path(patch, path = "/v1/tenant/channels/{id}", tag = "tenant", summary = "Enable or disable a channel", request_body = UpdateChannel, params(("id" = String, Path, description = "Id (UUID)")), responses((status = 200, description = "Channel", body = crate::openapi::Success), (status = 404, description = "NotFoundError: no such channel of the caller", body = crate::openapi::ErrorEnvelope)), security(("access_token" = []), ("bearer" = [])))]
pub async fn update(
    pool: Data<DbPool>,
    write: Write<JsonBody<UpdateChannel>>,
    path: web::Path<String>,
) -> Result<Reply, ApiError> {
    write.require_any(&[Role::Admin])?;
    let channel_id = ChannelId::from_text(&path.into_inner());
    let tenant = write.identity.tenant_id.clone();
    let enabled = write.body.value.enabled;
    write
        .run(&pool, move |conn, actor| {
            let before = db::channels::find(conn, &tenant, &channel_id)?
                .ok_or_else(|| ApiError::not_found("Channel"))?;
            let row = db::channels::set_enabled(conn, &tenant, &channel_id, enabled)?
                .ok_or_else(|| ApiError::not_found("Channel"))?;
            // Old and new value (21 CFR Part 11 §11.10(e)); setting the current value changes
            // nothing and records nothing.
            if before.enabled != row.enabled {
                let payload = AuditPayload::ChannelUpdate(ChannelUpdated {
                    channel_id: row.id.clone(),
                    enabled: Change {
                        from: before.enabled,
                        to: row.enabled,
                    },
                });
                audit::record_admin(conn, actor, payload)?;
            }
            Ok(Reply::ok(ChannelView::from(row)))
        })
        .await
}
