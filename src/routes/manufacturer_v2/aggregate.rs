//! The six `/aggregate/*` endpoints (the seed document's request and response shapes).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::{actor, check_count};
use crate::auth::{ChannelCtx, Identity};
use crate::domain::gs1::Sscc;
use crate::domain::trade_item::{
    parse_ssccs, parse_trade_item, parse_trade_items, Problems, SsccAt, TradeItemInput,
    TradeItemRef,
};
use crate::error::ApiError;
use crate::idempotency::run_write;
use crate::routes::body::JsonBody;
use crate::startup::State;
use crate::workflows::{aggregate, disaggregate};

#[derive(Deserialize)]
pub struct ContainerBody {
    parent: String,
    child_trade_items: Option<Vec<TradeItemInput>>,
}

#[derive(Deserialize)]
pub struct TradeItemBody {
    parent: TradeItemInput,
    child_trade_items: Option<Vec<TradeItemInput>>,
}

#[derive(Deserialize)]
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

fn done(message: &str, count: usize) -> Result<(StatusCode, serde_json::Value), ApiError> {
    Ok((
        StatusCode::OK,
        json!({"success": true, "message": message, "count": count}),
    ))
}

/// `POST /aggregate/container`: packs onto an SSCC.
pub async fn on_container(
    state: State,
    req: HttpRequest,
    id: Identity,
    ch: ChannelCtx,
    body: JsonBody<ContainerBody>,
) -> Result<HttpResponse, ApiError> {
    let (parent, children) = parse_container_body(&body.value, state.settings.max_items, true)?;
    let children = children.unwrap_or_default();
    let actor = actor(&req, &id, &ch);
    run_write(&state.pool, &req, &id.tenant_id, &body.raw, move |conn| {
        aggregate::packs_on_container(conn, &actor, &parent, &children)?;
        Ok((
            StatusCode::OK,
            json!({"success": true, "message": "Aggregated on container"}),
        ))
    })
    .await
}

/// `DELETE /aggregate/container`: the listed packs, or all, out of an SSCC.
pub async fn off_container(
    state: State,
    req: HttpRequest,
    id: Identity,
    ch: ChannelCtx,
    body: JsonBody<ContainerBody>,
) -> Result<HttpResponse, ApiError> {
    let (parent, children) = parse_container_body(&body.value, state.settings.max_items, false)?;
    let actor = actor(&req, &id, &ch);
    run_write(&state.pool, &req, &id.tenant_id, &body.raw, move |conn| {
        let n = disaggregate::packs_from_container(conn, &actor, &parent, children.as_deref())?;
        done("Disaggregated from container", n)
    })
    .await
}

/// `POST /aggregate/trade_item`: packs into a bundle pack.
pub async fn on_trade_item(
    state: State,
    req: HttpRequest,
    id: Identity,
    ch: ChannelCtx,
    body: JsonBody<TradeItemBody>,
) -> Result<HttpResponse, ApiError> {
    let (parent, children) = parse_trade_item_body(&body.value, state.settings.max_items, true)?;
    let children = children.unwrap_or_default();
    let actor = actor(&req, &id, &ch);
    run_write(&state.pool, &req, &id.tenant_id, &body.raw, move |conn| {
        aggregate::packs_in_pack(conn, &actor, &parent, &children)?;
        Ok((
            StatusCode::OK,
            json!({"success": true, "message": "Aggregated on trade item"}),
        ))
    })
    .await
}

/// `DELETE /aggregate/trade_item`.
pub async fn off_trade_item(
    state: State,
    req: HttpRequest,
    id: Identity,
    ch: ChannelCtx,
    body: JsonBody<TradeItemBody>,
) -> Result<HttpResponse, ApiError> {
    let (parent, children) = parse_trade_item_body(&body.value, state.settings.max_items, false)?;
    let actor = actor(&req, &id, &ch);
    run_write(&state.pool, &req, &id.tenant_id, &body.raw, move |conn| {
        let n = disaggregate::packs_from_pack(conn, &actor, &parent, children.as_deref())?;
        done("Disaggregated from trade item", n)
    })
    .await
}

/// `POST /aggregate/containers`: cases onto a pallet.
pub async fn containers_on(
    state: State,
    req: HttpRequest,
    id: Identity,
    ch: ChannelCtx,
    body: JsonBody<ContainersBody>,
) -> Result<HttpResponse, ApiError> {
    let (parent, children) = parse_containers_body(&body.value, state.settings.max_items, true)?;
    let children = children.unwrap_or_default();
    let actor = actor(&req, &id, &ch);
    run_write(&state.pool, &req, &id.tenant_id, &body.raw, move |conn| {
        aggregate::containers_on_container(conn, &actor, &parent, &children)?;
        Ok((
            StatusCode::OK,
            json!({"success": true, "message": "Aggregated on container"}),
        ))
    })
    .await
}

/// `DELETE /aggregate/containers`.
pub async fn containers_off(
    state: State,
    req: HttpRequest,
    id: Identity,
    ch: ChannelCtx,
    body: JsonBody<ContainersBody>,
) -> Result<HttpResponse, ApiError> {
    let (parent, children) = parse_containers_body(&body.value, state.settings.max_items, false)?;
    let actor = actor(&req, &id, &ch);
    run_write(&state.pool, &req, &id.tenant_id, &body.raw, move |conn| {
        let n =
            disaggregate::containers_from_container(conn, &actor, &parent, children.as_deref())?;
        done("Disaggregated from container", n)
    })
    .await
}
