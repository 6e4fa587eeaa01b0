//! `POST /v1/commissioning/release_to_market`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::RELEASE_ROLES;
use crate::auth::Identity;
use crate::domain::trade_item::{parse_ssccs, parse_trade_items, Problems, TradeItemInput};
use crate::error::ApiError;
use crate::idempotency::run_write;
use crate::routes::body::JsonBody;
use crate::routes::manufacturer_v2::check_count;
use crate::startup::State;
use crate::workflows::{release, Actor};

#[derive(Deserialize)]
pub struct ReleaseBody {
    #[serde(default)]
    ssccs: Vec<String>,
    #[serde(default)]
    trade_items: Vec<TradeItemInput>,
}

pub async fn release(
    state: State,
    req: HttpRequest,
    id: Identity,
    body: JsonBody<ReleaseBody>,
) -> Result<HttpResponse, ApiError> {
    id.require_any(&RELEASE_ROLES)?;
    let b = &body.value;
    check_count(
        b.ssccs.len() + b.trade_items.len(),
        state.settings.max_items,
        "ssccs and trade_items",
    )?;
    let mut p = Problems::default();
    let ssccs = parse_ssccs(&mut p, "ssccs", &b.ssccs);
    let packs = parse_trade_items(&mut p, "trade_items", &b.trade_items);
    if b.ssccs.is_empty() && b.trade_items.is_empty() {
        p.push("ssccs", "name at least one SSCC or trade item");
    }
    if !p.is_empty() {
        return Err(ApiError::validation("Invalid release request", p.0));
    }
    let actor = Actor::new(&req, &id, None);
    run_write(&state.pool, &req, &id.tenant_id, &body.raw, move |conn| {
        let r = release::release(conn, &actor, &ssccs, &packs)?;
        Ok((
            StatusCode::OK,
            json!({"success": true, "message": "Released to market", "released": r.packs, "containers": r.containers}),
        ))
    })
    .await
}
