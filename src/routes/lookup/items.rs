//! `GET /v1/items/{product_code}/{serial_number}`.

use actix_web::web::{self, Data};
use serde_json::{json, Value};

use super::{produced_by, READ_ROLES};
use crate::auth::Identity;
use crate::db::{self, items::ItemRow, DbConn, DbPool};
use crate::domain::gs1::Gtin;
use crate::error::ApiError;
use crate::http::{read, reply::Reply};
use crate::ids::TenantId;

pub async fn show(
    pool: Data<DbPool>,
    id: Identity,
    path: web::Path<(String, String)>,
) -> Result<Reply, ApiError> {
    id.require_any(&READ_ROLES)?;
    let (code, serial) = path.into_inner();
    let gtin = Gtin::parse(&code).map_err(|_| ApiError::not_found("Item"))?;
    let tenant = id.tenant_id.clone();
    let body = read(&pool, move |conn| {
        db::read_tx(conn, |c| {
            let product = db::products::find_owned(c, &tenant, gtin.as_str())?
                .ok_or_else(|| ApiError::not_found("Item"))?;
            let item = db::items::find_one(c, product.key, &serial)?
                .ok_or_else(|| ApiError::not_found("Item"))?;
            pack_body(c, &tenant, &product.product_code, &item)
        })
    })
    .await?;
    Ok(Reply::ok(body))
}

fn pack_body(
    conn: &mut DbConn,
    viewer: &TenantId,
    product_code: &str,
    item: &ItemRow,
) -> Result<Value, ApiError> {
    let ancestors = ancestors(conn, item)?;
    Ok(json!({
        "product_code": product_code,
        "serial_number": item.serial_number,
        "status": item.status,
        "pool_status": "assigned",
        "batch": item.batch,
        "expiry_date": item.expiry_date,
        "decommission_reason": item.decommission_reason,
        "parent": ancestors.first().cloned().unwrap_or(Value::Null),
        "ancestors": ancestors,
        "produced_by": produced_by(conn, &item.produced_by)?,
        "commissioned_at": crate::time::rfc3339(item.commissioned_at),
        "history": crate::routes::audit::history(conn, viewer, Some(item.id), None)?,
    }))
}

/// Every parent of the pack, innermost first and outermost last: bundles, then containers.
fn ancestors(conn: &mut DbConn, item: &ItemRow) -> Result<Vec<Value>, ApiError> {
    let mut out = Vec::new();
    let mut outermost = item.clone();
    // The chain of bundle packs (ids innermost first, starting with the pack itself).
    for id in db::items::item_ancestor_ids(conn, item.id)?
        .into_iter()
        .skip(1)
    {
        let Some(row) = db::items::by_id(conn, id)? else {
            break;
        };
        let product = db::products::by_keys(conn, std::slice::from_ref(&row.product_id))?;
        let code = product
            .first()
            .map(|p| p.product_code.clone())
            .unwrap_or_default();
        out.push(json!({"product_code": code, "serial_number": row.serial_number}));
        outermost = row;
    }
    if let Some(container) = outermost.parent_container_id {
        for id in db::containers::ancestor_ids(conn, container)? {
            if let Some(row) = db::containers::by_id(conn, id)? {
                out.push(json!({"sscc": row.sscc}));
            }
        }
    }
    Ok(out)
}
