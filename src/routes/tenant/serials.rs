//! The serial pool on the tenant dashboard (PRODUCT.md §3.2): generating serials, a MAH giving
//! some to a CMO, and the pool view (`workflows::pools`).

use std::collections::HashMap;

use actix_web::web::{self, Data};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::cursor::{CursorKey, CursorList};
use crate::auth::tokens::KeyRing;
use crate::auth::{Identity, Role};
use crate::db::{self, DbPool};
use crate::domain::actor::Actor;
use crate::domain::gs1::Gtin;
use crate::domain::pools::{status_for_viewer, HolderKind, PoolStatus};
use crate::domain::problems::Problems;
use crate::error::{ApiError, Detail, ErrorType};
use crate::http::body::JsonBody;
use crate::http::page::{open_after, page, PageQuery};
use crate::http::write::Write;
use crate::http::{read, reply::Reply};
use crate::ids::{HolderKey, ItemId, PartnershipId};
use crate::workflows::pools::{self, MAX_GENERATE};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct GenerateBody {
    /// How many serials, 1 to 1 000 000.
    quantity: i64,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AssignBody {
    product_code: String,
    /// How many of the MAH's available serials, 1 to 1 000 000.
    quantity: i64,
}

fn product_error(code: &str) -> ApiError {
    ApiError::new(ErrorType::Product, format!("Product {code} does not exist"))
}

fn path_gtin(raw: &str) -> Result<Gtin, ApiError> {
    Gtin::parse(raw).map_err(|_| product_error(raw))
}

/// A quantity of serials: an integer from 1 to `max`.
pub fn check_quantity(q: i64, max: u64) -> Result<u64, ApiError> {
    if q < 1 || q as u64 > max {
        return Err(ApiError::validation(
            format!("quantity must be 1 to {max}"),
            vec![Detail::at("quantity", "out of range")],
        ));
    }
    Ok(q as u64)
}

/// `POST /v1/tenant/products/{product_code}/serials/generate` (the product's owner).
#[utoipa::path(post, path = "/v1/tenant/products/{product_code}/serials/generate", tag = "tenant", summary = "Generate random serials into the pool", request_body = GenerateBody, params(("product_code" = String, Path, description = "GTIN-14")), responses((status = 200, description = "Serials generated, available in the owner's pool", body = crate::openapi::Success), (status = 404, description = "ProductError: no such product of the caller", body = crate::openapi::ErrorEnvelope)), security(("access_token" = []), ("bearer" = [])))]
pub async fn generate(
    pool: Data<DbPool>,
    write: Write<JsonBody<GenerateBody>>,
    path: web::Path<String>,
) -> Result<Reply, ApiError> {
    write.require_any(&[Role::Admin])?;
    let gtin = path_gtin(&path.into_inner())?;
    let quantity = check_quantity(write.body.value.quantity, MAX_GENERATE)?;
    write
        .run(&pool, move |conn, actor| {
            let g = pools::generate(conn, actor, &gtin, quantity)?;
            Ok(Reply::ok(json!({
                "product_code": g.product.product_code,
                "generated": g.quantity,
                "serial_template": {
                    "alphabet": g.template.alphabet().as_str(),
                    "length": g.template.length(),
                },
            })))
        })
        .await
}

/// `POST /v1/tenant/partnerships/{id}/serials` (the MAH of an active partnership).
#[utoipa::path(post, path = "/v1/tenant/partnerships/{id}/serials", tag = "tenant", summary = "Assign available serials to the CMO (MAH)", request_body = AssignBody, params(("id" = String, Path, description = "Partnership id (UUID)")), responses((status = 200, description = "Serials assigned to the CMO", body = crate::openapi::Success), (status = 404, description = "NotFoundError: no such partnership of the caller", body = crate::openapi::ErrorEnvelope), (status = 409, description = "StateError: partnership not active, product not granted, not enough available serials", body = crate::openapi::ErrorEnvelope)), security(("access_token" = []), ("bearer" = [])))]
pub async fn assign(
    pool: Data<DbPool>,
    write: Write<JsonBody<AssignBody>>,
    path: web::Path<String>,
) -> Result<Reply, ApiError> {
    write.require_any(&[Role::Admin])?;
    let id = PartnershipId::from_text(&path.into_inner());
    let body = &write.body.value;
    let mut p = Problems::default();
    let gtin = p.check("product_code", Gtin::parse(&body.product_code));
    let quantity = check_quantity(body.quantity, MAX_GENERATE);
    let (gtin, quantity) = match (gtin, quantity) {
        (Some(g), Ok(q)) if p.is_empty() => (g, q),
        (_, Err(e)) => return Err(e),
        _ => return Err(ApiError::validation("Invalid assignment", p.0)),
    };
    write
        .run(&pool, move |conn, actor| {
            let n = pools::assign_to_partner(conn, actor, &id, &gtin, quantity)?;
            Ok(Reply::ok(json!({
                "partnership_id": id,
                "product_code": gtin.as_str(),
                "assigned": n,
            })))
        })
        .await
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PoolQuery {
    /// `available` or `assigned`, as the caller sees them; both when absent.
    status: Option<String>,
    limit: Option<i64>,
    after: Option<String>,
}

/// `GET /v1/tenant/products/{product_code}/serials?status=`: the owner sees its whole pool; a
/// CMO only the serials assigned to it (and the packs it commissioned).
#[utoipa::path(get, path = "/v1/tenant/products/{product_code}/serials", tag = "tenant", summary = "Pool view", params(("product_code" = String, Path, description = "GTIN-14"), PoolQuery), responses((status = 200, description = "Serials in serial order", body = crate::openapi::Page), (status = 404, description = "ProductError: no such product visible to the caller", body = crate::openapi::ErrorEnvelope)), security(("access_token" = []), ("bearer" = [])))]
pub async fn view(
    pool: Data<DbPool>,
    id: Identity,
    keys: Data<KeyRing>,
    path: web::Path<String>,
    query: web::Query<PoolQuery>,
) -> Result<Reply, ApiError> {
    id.require_any(&[Role::Admin])?;
    let gtin = path_gtin(&path.into_inner())?;
    let limit = PageQuery {
        limit: query.limit,
        after: None,
    }
    .limit()?;
    let available = match query.status.as_deref() {
        None => None,
        Some(s) => match PoolStatus::parse(s) {
            Some(PoolStatus::Available) => Some(true),
            Some(PoolStatus::Assigned) => Some(false),
            None => {
                return Err(ApiError::validation(
                    "status must be available or assigned",
                    vec![Detail::at("status", "unknown pool status")],
                ))
            }
        },
    };
    let cursors: CursorKey = keys.cursor_key().clone();
    let viewer = id.tenant_id.clone();
    let after = open_after(
        &cursors,
        &viewer,
        CursorList::PoolSerials,
        query.after.as_deref(),
    )?
    .map(ItemId::from_db);
    let actor = Actor {
        tenant_id: id.tenant_id.clone(),
        api_key_id: id.api_key_id.clone(),
        channel_id: None,
        request_id: None,
        server_request_id: None,
    };
    let items = read(&pool, move |conn| {
        db::read_tx(conn, |c| {
            let (product, scope) = pools::view_scope(c, &actor, &gtin)?;
            let stock = match &scope {
                db::pools::PoolScope::Owner { stock }
                | db::pools::PoolScope::Partner { stock, .. } => *stock,
            };
            let rows = db::pools::page(c, product.key, &scope, available, after, limit)?;
            let mut hk: Vec<HolderKey> = rows.iter().filter_map(|r| r.holder_id).collect();
            hk.sort_unstable();
            hk.dedup();
            let holders = db::pools::holders_by_keys(c, &hk)?;
            let mut order_keys: Vec<_> = holders.iter().filter_map(|h| h.order_id).collect();
            order_keys.sort_unstable();
            order_keys.dedup();
            let order_names = db::orders::names(c, &order_keys)?;
            let by_key: HashMap<HolderKey, Value> = holders
                .into_iter()
                .map(|h| {
                    let v = match HolderKind::of_code(h.kind) {
                        Some(HolderKind::Order) => json!({
                            "type": "packaging_order",
                            "tenant_id": h.tenant_id,
                            "order_id": h.order_id.and_then(|o| order_names.get(&o).cloned()),
                        }),
                        Some(HolderKind::Taken) => {
                            json!({"type": "line", "tenant_id": h.tenant_id})
                        }
                        _ => json!({"type": "tenant", "tenant_id": h.tenant_id}),
                    };
                    (h.id, v)
                })
                .collect();
            Ok(rows
                .into_iter()
                .map(|r| {
                    let pooled = r.status == db::pools::POOLED;
                    let pool_status = status_for_viewer(pooled, r.holder_id == Some(stock));
                    let pack = db::types::status_of_code(r.status);
                    json!({
                        "id": cursors.seal(&viewer, CursorList::PoolSerials, r.id.get()),
                        "serial_number": r.serial_number,
                        "pool_status": pool_status,
                        "assigned_to": if pool_status == PoolStatus::Assigned {
                            r.holder_id.and_then(|h| by_key.get(&h).cloned())
                        } else { None },
                        "external": !pooled && r.holder_id.is_none(),
                        "status": pack,
                    })
                })
                .collect::<Vec<_>>())
        })
    })
    .await?;
    Ok(page(items, limit, |v| {
        v["id"].as_str().unwrap_or_default().to_string()
    }))
}
