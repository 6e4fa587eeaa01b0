//! `GET /v1/reports/batch?product_code=&batch=`: batch reconciliation for the brand owner.

use actix_web::web::{self, Data};
use serde::Deserialize;
use serde_json::json;

use super::READ_ROLES;
use crate::auth::Identity;
use crate::db::{self, DbPool};
use crate::domain::gs1::{Batch, Gtin};
use crate::error::{ApiError, Detail, ErrorType};
use crate::http::{read, reply::Reply};
use crate::workflows;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BatchQuery {
    product_code: String,
    batch: String,
}

#[utoipa::path(get, path = "/v1/reports/batch", tag = "audit", summary = "Batch reconciliation", params(BatchQuery), responses((status = 200, description = "Report", body = crate::openapi::Success), (status = 404, description = "ProductError", body = crate::openapi::ErrorEnvelope)), security(("access_token" = []), ("bearer" = [])))]
pub async fn batch(
    pool: Data<DbPool>,
    id: Identity,
    q: web::Query<BatchQuery>,
) -> Result<Reply, ApiError> {
    id.require_any(&READ_ROLES)?;
    let gtin = Gtin::parse(&q.product_code).map_err(|e| {
        ApiError::validation(
            "Invalid product_code",
            vec![Detail::at("product_code", e.to_string())],
        )
    })?;
    let batch = Batch::parse(&q.batch).map_err(|e| {
        ApiError::validation("Invalid batch", vec![Detail::at("batch", e.to_string())])
    })?;
    let owner = id.tenant_id.clone();
    let (code, b) = (gtin.to_string(), batch.to_string());
    let (counts, orders) = read(&pool, move |conn| {
        db::read_tx(conn, |c| {
            let product = db::products::find_owned(c, &owner, &code)?.ok_or_else(|| {
                ApiError::new(ErrorType::Product, format!("Product {code} does not exist"))
            })?;
            let counts = db::reports::batch_counts(c, product.key, &b)?;
            // The batch's packaging orders, the owner's own and its CMOs', each reconciled.
            let mut orders = Vec::new();
            for o in db::orders::of_batch(c, product.key, &b)? {
                let r = workflows::orders::counts(c, &o)?;
                orders.push(json!({
                    "order_id": o.order_id,
                    "produced_by": o.tenant_id,
                    "status": o.status(),
                    "quantity": o.quantity,
                    "reconciliation": {
                        "assigned": r.assigned,
                        "commissioned": r.commissioned,
                        "aggregated": r.aggregated,
                        "decommissioned": r.decommissioned,
                        "returned": r.returned,
                    },
                }));
            }
            Ok((counts, orders))
        })
    })
    .await?;
    let decommissioned: i64 = counts.by_reason.values().sum();
    let commissioned = counts.pending + counts.released + decommissioned;
    Ok(Reply::ok(json!({
        "product_code": gtin,
        "batch": batch,
        "commissioned": commissioned,
        "pending": counts.pending,
        "aggregated": counts.aggregated,
        "released": counts.released,
        "decommissioned": {"total": decommissioned, "by_reason": counts.by_reason},
        // Every pack commissioned in the batch has reached an end: released or decommissioned.
        "accounted_for": counts.pending == 0,
        "unaccounted": counts.pending,
        "orders": orders,
    })))
}
