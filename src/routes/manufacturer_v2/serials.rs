//! `POST /serials/commission` and `POST /serials/decommission`.

use actix_web::web::Data;
use serde::Deserialize;
use serde_json::json;

use super::check_count;
use crate::config::Settings;
use crate::db::DbPool;
use crate::domain::gs1::{Batch, Expiry, Gtin};
use crate::domain::lifecycle::DecommissionReason;
use crate::domain::problems::Problems;
use crate::domain::trade_item::{check_schema, parse_serials};
use crate::error::ApiError;
use crate::http::body::JsonBody;
use crate::http::reply::Reply;
use crate::http::write::Write;
use crate::workflows::commission::{self, Commission};
use crate::workflows::decommission::{self, Decommission};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CommissionBody {
    product_code: String,
    product_code_schema: String,
    batch: String,
    expiry_date: String,
    serial_numbers: Vec<String>,
    /// The caller's packaging order (`in_progress`, same product, batch and expiry).
    order_id: Option<String>,
}

fn parse_commission(b: &CommissionBody) -> Result<Commission, ApiError> {
    let mut p = Problems::default();
    check_schema(&mut p, "product_code_schema", &b.product_code_schema);
    let gtin = p.check("product_code", Gtin::parse(&b.product_code));
    let batch = p.check("batch", Batch::parse(&b.batch));
    let expiry = p.check("expiry_date", Expiry::parse_now(&b.expiry_date));
    if b.serial_numbers.is_empty() {
        p.push("serial_numbers", "must list at least one serial number");
    }
    let serials = parse_serials(&mut p, "serial_numbers", &b.serial_numbers);
    if let Some(o) = &b.order_id {
        if o.is_empty() || o.len() > 64 || !o.bytes().all(|c| (0x21..=0x7e).contains(&c)) {
            p.push(
                "order_id",
                "must be 1 to 64 printable ASCII characters without spaces",
            );
        }
    }
    match (gtin, batch, expiry) {
        (Some(gtin), Some(batch), Some(expiry)) if p.is_empty() => Ok(Commission {
            gtin,
            batch,
            expiry,
            serials,
            order_id: b.order_id.clone(),
        }),
        _ => Err(ApiError::validation("Invalid commissioning request", p.0)),
    }
}

/// `POST /serials/commission`.
#[utoipa::path(post, path = "/v1/manufacturer/v2/api/serials/commission", tag = "manufacturer_v2", summary = "Commission serials", request_body = CommissionBody, responses((status = 200, description = "Serials commissioned", body = crate::openapi::Success), (status = 404, description = "ProductError: product unknown or not producible by the caller", body = crate::openapi::ErrorEnvelope)), security(("access_token" = [], "channel_key" = []), ("bearer" = [], "channel_key" = [])))]
pub async fn commission(
    pool: Data<DbPool>,
    settings: Data<Settings>,
    write: Write<JsonBody<CommissionBody>>,
) -> Result<Reply, ApiError> {
    let body = &write.body.value;
    check_count(
        body.serial_numbers.len(),
        settings.max_items,
        "serial_numbers",
    )?;
    let cmd = parse_commission(body)?;
    write
        .run(&pool, move |conn, actor| {
            let count = commission::commission(conn, actor, &cmd)?;
            Ok(Reply::ok(
                json!({"message": "Serials commissioned", "count": count}),
            ))
        })
        .await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DecommissionBody {
    product_code: String,
    product_code_schema: String,
    serial_numbers: Vec<String>,
    reason: String,
}

fn parse_decommission(b: &DecommissionBody) -> Result<Decommission, ApiError> {
    let mut p = Problems::default();
    check_schema(&mut p, "product_code_schema", &b.product_code_schema);
    let gtin = p.check("product_code", Gtin::parse(&b.product_code));
    let reason = DecommissionReason::parse(&b.reason);
    if reason.is_none() {
        let names: Vec<&str> = DecommissionReason::ALL.iter().map(|r| r.as_str()).collect();
        p.push("reason", format!("must be one of {}", names.join(", ")));
    }
    if b.serial_numbers.is_empty() {
        p.push("serial_numbers", "must list at least one serial number");
    }
    let serials = parse_serials(&mut p, "serial_numbers", &b.serial_numbers);
    match (gtin, reason) {
        (Some(gtin), Some(reason)) if p.is_empty() => Ok(Decommission {
            gtin,
            serials,
            reason,
        }),
        _ => Err(ApiError::validation("Invalid decommissioning request", p.0)),
    }
}

/// `POST /serials/decommission`.
#[utoipa::path(post, path = "/v1/manufacturer/v2/api/serials/decommission", tag = "manufacturer_v2", summary = "Decommission packs", request_body = DecommissionBody, responses((status = 200, description = "Packs decommissioned", body = crate::openapi::Success), (status = 404, description = "ProductError: product unknown or not producible by the caller", body = crate::openapi::ErrorEnvelope)), security(("access_token" = [], "channel_key" = []), ("bearer" = [], "channel_key" = [])))]
pub async fn decommission(
    pool: Data<DbPool>,
    settings: Data<Settings>,
    write: Write<JsonBody<DecommissionBody>>,
) -> Result<Reply, ApiError> {
    let body = &write.body.value;
    check_count(
        body.serial_numbers.len(),
        settings.max_items,
        "serial_numbers",
    )?;
    let cmd = parse_decommission(body)?;
    write
        .run(&pool, move |conn, actor| {
            let count = decommission::decommission(conn, actor, &cmd)?;
            Ok(Reply::ok(
                json!({"message": "Serials decommissioned", "count": count}),
            ))
        })
        .await
}
