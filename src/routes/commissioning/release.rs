//! `POST /v1/commissioning/release_to_market`.

use actix_web::web::Data;
use serde::Deserialize;
use serde_json::json;

use super::RELEASE_ROLES;
use crate::config::Settings;
use crate::db::DbPool;
use crate::domain::problems::Problems;
use crate::domain::trade_item::{parse_ssccs, parse_trade_items, TradeItemInput};
use crate::error::ApiError;
use crate::http::body::JsonBody;
use crate::http::reply::Reply;
use crate::http::write::Write;
use crate::routes::manufacturer_v2::check_count;
use crate::workflows::release;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReleaseBody {
    #[serde(default)]
    ssccs: Vec<String>,
    #[serde(default)]
    trade_items: Vec<TradeItemInput>,
}

/// `POST /v1/commissioning/release_to_market`.
#[utoipa::path(post, path = "/v1/commissioning/release_to_market", tag = "commissioning", summary = "Release to market (MAH only)", request_body = ReleaseBody, responses((status = 200, description = "Released", body = crate::openapi::Success), (status = 404, description = "NotFoundError or ProductError: not visible to the caller", body = crate::openapi::ErrorEnvelope)), security(("access_token" = []), ("bearer" = [])))]
pub async fn release(
    pool: Data<DbPool>,
    settings: Data<Settings>,
    write: Write<JsonBody<ReleaseBody>>,
) -> Result<Reply, ApiError> {
    write.require_any(&RELEASE_ROLES)?;
    let b = &write.body.value;
    check_count(
        b.ssccs.len() + b.trade_items.len(),
        settings.max_items,
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
    write
        .run(&pool, move |conn, actor| {
            let r = release::release(conn, actor, &ssccs, &packs)?;
            Ok(Reply::ok(
                json!({"message": "Released to market", "released": r.packs,
                                "containers": r.containers}),
            ))
        })
        .await
}
