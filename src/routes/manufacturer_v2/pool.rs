//! `POST /serials/request` and `POST /serials/release` (PRODUCT.md §3.3): a line takes serials
//! from its tenant's pool and gives unused ones back (`workflows::pools`).

use actix_web::web::Data;
use serde::Deserialize;
use serde_json::json;

use super::check_count;
use crate::config::Settings;
use crate::db::DbPool;
use crate::domain::gs1::Gtin;
use crate::domain::problems::Problems;
use crate::domain::trade_item::{check_schema, parse_serials};
use crate::error::ApiError;
use crate::http::body::JsonBody;
use crate::http::reply::Reply;
use crate::http::write::Write;
use crate::routes::tenant::serials::check_quantity;
use crate::workflows::pools;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SerialsRequestBody {
    product_code: String,
    product_code_schema: String,
    /// How many serials, 1 to the configured item limit (default 100 000).
    quantity: i64,
}

/// `POST /serials/request`.
#[utoipa::path(post, path = "/v1/manufacturer/v2/api/serials/request", tag = "manufacturer_v2", summary = "Take serials from the pool for a line", request_body = SerialsRequestBody, responses((status = 200, description = "Serials now assigned to the caller's line", body = crate::openapi::Success), (status = 404, description = "ProductError: product unknown or not producible by the caller", body = crate::openapi::ErrorEnvelope), (status = 409, description = "StateError: fewer serials available than asked for; nothing assigned", body = crate::openapi::ErrorEnvelope)), security(("access_token" = [], "channel_key" = []), ("bearer" = [], "channel_key" = [])))]
pub async fn request(
    pool: Data<DbPool>,
    settings: Data<Settings>,
    write: Write<JsonBody<SerialsRequestBody>>,
) -> Result<Reply, ApiError> {
    let body = &write.body.value;
    let mut p = Problems::default();
    check_schema(&mut p, "product_code_schema", &body.product_code_schema);
    let gtin = p.check("product_code", Gtin::parse(&body.product_code));
    let quantity = check_quantity(body.quantity, settings.max_items as u64)?;
    let gtin = match gtin {
        Some(g) if p.is_empty() => g,
        _ => return Err(ApiError::validation("Invalid serial request", p.0)),
    };
    write
        .run(&pool, move |conn, actor| {
            let serials = pools::request(conn, actor, &gtin, quantity)?;
            Ok(Reply::ok(json!({
                "product_code": gtin.as_str(),
                "serial_numbers": serials,
            })))
        })
        .await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SerialsReleaseBody {
    product_code: String,
    product_code_schema: String,
    serial_numbers: Vec<String>,
}

/// `POST /serials/release`.
#[utoipa::path(post, path = "/v1/manufacturer/v2/api/serials/release", tag = "manufacturer_v2", summary = "Return unused serials to the pool", request_body = SerialsReleaseBody, responses((status = 200, description = "Serials available again", body = crate::openapi::Success), (status = 404, description = "ProductError: product unknown or not producible by the caller", body = crate::openapi::ErrorEnvelope), (status = 409, description = "StateError: a serial is commissioned, external, or not assigned to the caller; nothing returned", body = crate::openapi::ErrorEnvelope)), security(("access_token" = [], "channel_key" = []), ("bearer" = [], "channel_key" = [])))]
pub async fn release(
    pool: Data<DbPool>,
    settings: Data<Settings>,
    write: Write<JsonBody<SerialsReleaseBody>>,
) -> Result<Reply, ApiError> {
    let body = &write.body.value;
    check_count(
        body.serial_numbers.len(),
        settings.max_items,
        "serial_numbers",
    )?;
    let mut p = Problems::default();
    check_schema(&mut p, "product_code_schema", &body.product_code_schema);
    let gtin = p.check("product_code", Gtin::parse(&body.product_code));
    if body.serial_numbers.is_empty() {
        p.push("serial_numbers", "must list at least one serial number");
    }
    let serials = parse_serials(&mut p, "serial_numbers", &body.serial_numbers);
    let gtin = match gtin {
        Some(g) if p.is_empty() => g,
        _ => return Err(ApiError::validation("Invalid serial release", p.0)),
    };
    write
        .run(&pool, move |conn, actor| {
            let n = pools::release(conn, actor, &gtin, &serials)?;
            Ok(Reply::ok(
                json!({"message": "Serials returned to the pool", "count": n}),
            ))
        })
        .await
}
