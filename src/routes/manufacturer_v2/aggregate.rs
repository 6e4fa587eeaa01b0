//! The six `/aggregate/*` endpoints (the seed document's request and response shapes).

use actix_web::web::Data;
use serde::Deserialize;
use serde_json::json;

use super::check_count;
use crate::config::Settings;
use crate::db::DbPool;
use crate::domain::gs1::Sscc;
use crate::domain::problems::Problems;
use crate::domain::trade_item::{
    parse_ssccs, parse_trade_item, parse_trade_items, SsccAt, TradeItemInput, TradeItemRef,
};
use crate::error::ApiError;
use crate::http::body::JsonBody;
use crate::http::reply::Reply;
use crate::http::write::Write;
use crate::workflows::{aggregate, disaggregate};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ContainerBody {
    parent: String,
    child_trade_items: Option<Vec<TradeItemInput>>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TradeItemBody {
    parent: TradeItemInput,
    child_trade_items: Option<Vec<TradeItemInput>>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ContainersBody {
    parent: String,
    child_containers: Option<Vec<String>>,
}

fn invalid(p: Problems) -> ApiError {
    ApiError::validation("Invalid aggregation request", p.0)
}

/// Parses a container parent plus optional trade item children. `required` = POST form.
fn parse_container_body(
    b: &ContainerBody,
    max: usize,
    required: bool,
) -> Result<(Sscc, Option<Vec<TradeItemRef>>), ApiError> {
    check_count(
        b.child_trade_items.as_ref().map_or(0, Vec::len),
        max,
        "child_trade_items",
    )?;
    let mut p = Problems::default();
    let parent = p.check("parent", Sscc::parse(&b.parent));
    let children = b
        .child_trade_items
        .as_ref()
        .map(|c| parse_trade_items(&mut p, "child_trade_items", c));
    if required && b.child_trade_items.is_none() {
        p.push("child_trade_items", "missing field `child_trade_items`");
    }
    match parent {
        Some(parent) if p.is_empty() => Ok((parent, children)),
        _ => Err(invalid(p)),
    }
}

fn parse_trade_item_body(
    b: &TradeItemBody,
    max: usize,
    required: bool,
) -> Result<(TradeItemRef, Option<Vec<TradeItemRef>>), ApiError> {
    check_count(
        b.child_trade_items.as_ref().map_or(0, Vec::len),
        max,
        "child_trade_items",
    )?;
    let mut p = Problems::default();
    let parent = parse_trade_item(&mut p, "parent", &b.parent);
    let children = b
        .child_trade_items
        .as_ref()
        .map(|c| parse_trade_items(&mut p, "child_trade_items", c));
    if required && b.child_trade_items.is_none() {
        p.push("child_trade_items", "missing field `child_trade_items`");
    }
    match parent {
        Some(parent) if p.is_empty() => Ok((parent, children)),
        _ => Err(invalid(p)),
    }
}

fn parse_containers_body(
    b: &ContainersBody,
    max: usize,
    required: bool,
) -> Result<(Sscc, Option<Vec<SsccAt>>), ApiError> {
    check_count(
        b.child_containers.as_ref().map_or(0, Vec::len),
        max,
        "child_containers",
    )?;
    let mut p = Problems::default();
    let parent = p.check("parent", Sscc::parse(&b.parent));
    let children = b
        .child_containers
        .as_ref()
        .map(|c| parse_ssccs(&mut p, "child_containers", c));
    if required && b.child_containers.is_none() {
        p.push("child_containers", "missing field `child_containers`");
    }
    match parent {
        Some(parent) if p.is_empty() => Ok((parent, children)),
        _ => Err(invalid(p)),
    }
}

fn done(message: &str, count: usize) -> Result<Reply, ApiError> {
    Ok(Reply::ok(json!({"message": message, "count": count})))
}

/// `POST /aggregate/container`: packs onto an SSCC.
#[utoipa::path(post, path = "/v1/manufacturer/v2/api/aggregate/container", tag = "manufacturer_v2", summary = "Aggregate packs onto an SSCC", request_body = ContainerBody, responses((status = 200, description = "Aggregated on container", body = crate::openapi::Success), (status = 404, description = "ProductError or NotFoundError", body = crate::openapi::ErrorEnvelope)), security(("access_token" = [], "channel_key" = []), ("bearer" = [], "channel_key" = [])))]
pub async fn on_container(
    pool: Data<DbPool>,
    settings: Data<Settings>,
    write: Write<JsonBody<ContainerBody>>,
) -> Result<Reply, ApiError> {
    let (parent, children) = parse_container_body(&write.body.value, settings.max_items, true)?;
    let children = children.unwrap_or_default();
    write
        .run(&pool, move |conn, actor| {
            aggregate::packs_on_container(conn, actor, &parent, &children)?;
            Ok(Reply::message("Aggregated on container"))
        })
        .await
}

/// `DELETE /aggregate/container`: the listed packs, or all, out of an SSCC.
#[utoipa::path(delete, path = "/v1/manufacturer/v2/api/aggregate/container", tag = "manufacturer_v2", summary = "Take packs off an SSCC", request_body = ContainerBody, responses((status = 200, description = "Disaggregated", body = crate::openapi::Success), (status = 404, description = "ProductError or NotFoundError", body = crate::openapi::ErrorEnvelope)), security(("access_token" = [], "channel_key" = []), ("bearer" = [], "channel_key" = [])))]
pub async fn off_container(
    pool: Data<DbPool>,
    settings: Data<Settings>,
    write: Write<JsonBody<ContainerBody>>,
) -> Result<Reply, ApiError> {
    let (parent, children) = parse_container_body(&write.body.value, settings.max_items, false)?;
    write
        .run(&pool, move |conn, actor| {
            let n = disaggregate::packs_from_container(conn, actor, &parent, children.as_deref())?;
            done("Disaggregated from container", n)
        })
        .await
}

/// `POST /aggregate/trade_item`: packs into a bundle pack.
#[utoipa::path(post, path = "/v1/manufacturer/v2/api/aggregate/trade_item", tag = "manufacturer_v2", summary = "Aggregate packs into a bundle pack", request_body = TradeItemBody, responses((status = 200, description = "Aggregated", body = crate::openapi::Success), (status = 404, description = "ProductError or NotFoundError", body = crate::openapi::ErrorEnvelope)), security(("access_token" = [], "channel_key" = []), ("bearer" = [], "channel_key" = [])))]
pub async fn on_trade_item(
    pool: Data<DbPool>,
    settings: Data<Settings>,
    write: Write<JsonBody<TradeItemBody>>,
) -> Result<Reply, ApiError> {
    let (parent, children) = parse_trade_item_body(&write.body.value, settings.max_items, true)?;
    let children = children.unwrap_or_default();
    write
        .run(&pool, move |conn, actor| {
            aggregate::packs_in_pack(conn, actor, &parent, &children)?;
            Ok(Reply::message("Aggregated on trade item"))
        })
        .await
}

/// `DELETE /aggregate/trade_item`.
#[utoipa::path(delete, path = "/v1/manufacturer/v2/api/aggregate/trade_item", tag = "manufacturer_v2", summary = "Take packs out of a bundle pack", request_body = TradeItemBody, responses((status = 200, description = "Disaggregated", body = crate::openapi::Success), (status = 404, description = "ProductError or NotFoundError", body = crate::openapi::ErrorEnvelope)), security(("access_token" = [], "channel_key" = []), ("bearer" = [], "channel_key" = [])))]
pub async fn off_trade_item(
    pool: Data<DbPool>,
    settings: Data<Settings>,
    write: Write<JsonBody<TradeItemBody>>,
) -> Result<Reply, ApiError> {
    let (parent, children) = parse_trade_item_body(&write.body.value, settings.max_items, false)?;
    write
        .run(&pool, move |conn, actor| {
            let n = disaggregate::packs_from_pack(conn, actor, &parent, children.as_deref())?;
            done("Disaggregated from trade item", n)
        })
        .await
}

/// `POST /aggregate/containers`: cases onto a pallet.
#[utoipa::path(post, path = "/v1/manufacturer/v2/api/aggregate/containers", tag = "manufacturer_v2", summary = "Aggregate cases onto a pallet", request_body = ContainersBody, responses((status = 200, description = "Aggregated", body = crate::openapi::Success), (status = 404, description = "NotFoundError", body = crate::openapi::ErrorEnvelope)), security(("access_token" = [], "channel_key" = []), ("bearer" = [], "channel_key" = [])))]
pub async fn containers_on(
    pool: Data<DbPool>,
    settings: Data<Settings>,
    write: Write<JsonBody<ContainersBody>>,
) -> Result<Reply, ApiError> {
    let (parent, children) = parse_containers_body(&write.body.value, settings.max_items, true)?;
    let children = children.unwrap_or_default();
    write
        .run(&pool, move |conn, actor| {
            aggregate::containers_on_container(conn, actor, &parent, &children)?;
            Ok(Reply::message("Aggregated on container"))
        })
        .await
}

/// `DELETE /aggregate/containers`.
#[utoipa::path(delete, path = "/v1/manufacturer/v2/api/aggregate/containers", tag = "manufacturer_v2", summary = "Take cases off a pallet", request_body = ContainersBody, responses((status = 200, description = "Disaggregated", body = crate::openapi::Success), (status = 404, description = "NotFoundError", body = crate::openapi::ErrorEnvelope)), security(("access_token" = [], "channel_key" = []), ("bearer" = [], "channel_key" = [])))]
pub async fn containers_off(
    pool: Data<DbPool>,
    settings: Data<Settings>,
    write: Write<JsonBody<ContainersBody>>,
) -> Result<Reply, ApiError> {
    let (parent, children) = parse_containers_body(&write.body.value, settings.max_items, false)?;
    write
        .run(&pool, move |conn, actor| {
            let n =
                disaggregate::containers_from_container(conn, actor, &parent, children.as_deref())?;
            done("Disaggregated from container", n)
        })
        .await
}
