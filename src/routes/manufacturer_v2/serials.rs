//! `POST /serials/commission` and `POST /serials/decommission`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::{actor, check_count};
use crate::auth::{ChannelCtx, Identity};
use crate::domain::gs1::{Batch, Expiry, Gtin};
use crate::domain::lifecycle::DecommissionReason;
use crate::domain::trade_item::{check_schema, parse_serials, Problems};
use crate::error::ApiError;
use crate::idempotency::run_write;
use crate::routes::body::JsonBody;
use crate::startup::State;
use crate::workflows::commission::{self, Commission};
use crate::workflows::decommission::{self, Decommission};

#[derive(Deserialize)]
pub struct CommissionBody {
    product_code: String,
    product_code_schema: String,
    batch: String,
    expiry_date: String,
    serial_numbers: Vec<String>,
    #[allow(dead_code)]
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
    match (gtin, batch, expiry) {
        (Some(gtin), Some(batch), Some(expiry)) if p.is_empty() => Ok(Commission {
            gtin,
            batch,
            expiry,
            serials,
        }),
        _ => Err(ApiError::validation("Invalid commissioning request", p.0)),
    }
}

pub async fn commission(
    state: State,
    req: HttpRequest,
    id: Identity,
    channel: ChannelCtx,
    body: JsonBody<CommissionBody>,
) -> Result<HttpResponse, ApiError> {
    check_count(
        body.value.serial_numbers.len(),
        state.settings.max_items,
        "serial_numbers",
    )?;
    let cmd = parse_commission(&body.value)?;
    let actor = actor(&req, &id, &channel);
    run_write(&state.pool, &req, &id.tenant_id, &body.raw, move |conn| {
        let count = commission::commission(conn, &actor, &cmd)?;
        Ok((
            StatusCode::OK,
            json!({"success": true, "message": "Serials commissioned", "count": count}),
        ))
    })
    .await
}

#[derive(Deserialize)]
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

pub async fn decommission(
    state: State,
    req: HttpRequest,
    id: Identity,
    channel: ChannelCtx,
    body: JsonBody<DecommissionBody>,
) -> Result<HttpResponse, ApiError> {
    check_count(
        body.value.serial_numbers.len(),
        state.settings.max_items,
        "serial_numbers",
    )?;
    let cmd = parse_decommission(&body.value)?;
    let actor = actor(&req, &id, &channel);
    run_write(&state.pool, &req, &id.tenant_id, &body.raw, move |conn| {
        let count = decommission::decommission(conn, &actor, &cmd)?;
        Ok((
            StatusCode::OK,
            json!({"success": true, "message": "Serials decommissioned", "count": count}),
        ))
    })
    .await
}
