//! What is pending commissioning approval, as the brand owner sees it.

use std::collections::HashMap;

use actix_web::web::{self, Data};
use serde::Deserialize;
use serde_json::{json, Value};

use super::READ_ROLES;
use crate::auth::Identity;
use crate::db::{self, DbConn, DbPool};
use crate::domain::gs1::Gtin;
use crate::error::{ApiError, Detail};
use crate::http::page::{page, PageQuery};
use crate::http::{read, reply::Reply};
use crate::ids::{ContainerId, ItemId, ProductId, TenantId};

#[derive(Deserialize)]
pub struct ViewQuery {
    product_code: Option<String>,
    batch: Option<String>,
    limit: Option<i64>,
    after: Option<String>,
}

impl ViewQuery {
    fn page(&self) -> Result<(i64, Option<i64>), ApiError> {
        let limit = PageQuery {
            limit: self.limit,
            after: None,
        }
        .limit()?;
        let after = match &self.after {
            None => None,
            Some(a) => Some(a.parse::<i64>().map_err(|_| {
                ApiError::validation(
                    "Invalid cursor",
                    vec![Detail::at("after", "not a cursor from this list")],
                )
            })?),
        };
        Ok((limit, after))
    }

    fn gtin(&self) -> Result<Option<Gtin>, ApiError> {
        self.product_code
            .as_deref()
            .map(|c| {
                Gtin::parse(c).map_err(|e| {
                    ApiError::validation(
                        "Invalid product_code",
                        vec![Detail::at("product_code", e.to_string())],
                    )
                })
            })
            .transpose()
    }
}

/// The owner's product id for a GTIN filter; `None` inside = the caller owns no such product,
/// which simply yields an empty list.
fn product_filter(
    conn: &mut DbConn,
    owner: &TenantId,
    gtin: Option<&Gtin>,
) -> Result<Option<Option<ProductId>>, ApiError> {
    match gtin {
        None => Ok(None),
        Some(g) => Ok(Some(
            db::products::find_owned(conn, owner, g.as_str())?.map(|p| p.id),
        )),
    }
}

fn tenant_names(
    conn: &mut DbConn,
    ids: impl IntoIterator<Item = TenantId>,
) -> Result<HashMap<TenantId, Value>, ApiError> {
    let mut out = HashMap::new();
    for id in ids {
        if !out.contains_key(&id) {
            let name = db::tenants::find(conn, &id)?.map(|t| t.name);
            out.insert(id.clone(), json!({"tenant_id": id, "name": name}));
        }
    }
    Ok(out)
}

/// `GET /v1/commissioning/products`.
pub async fn products(pool: Data<DbPool>, id: Identity) -> Result<Reply, ApiError> {
    id.require_any(&READ_ROLES)?;
    let owner = id.tenant_id.clone();
    let rows = read(&pool, move |conn| {
        Ok(db::commissioning::product_counts(conn, &owner)?)
    })
    .await?;
    let items: Vec<Value> = rows
        .into_iter()
        .map(|r| json!({"product_code": r.product_code, "product_code_schema": "GTIN", "name": r.name, "pending_items": r.pending_items}))
        .collect();
    Ok(Reply::ok(json!({"items": items, "next": null})))
}

/// `GET /v1/commissioning/containers?product_code=`.
pub async fn containers(
    pool: Data<DbPool>,
    id: Identity,
    q: web::Query<ViewQuery>,
) -> Result<Reply, ApiError> {
    id.require_any(&READ_ROLES)?;
    let (limit, after) = q.page()?;
    let gtin = q.gtin()?;
    let owner = id.tenant_id.clone();
    let views = read(&pool, move |conn| {
        db::read_tx(conn, |c| {
            let after = after.map(ContainerId::from_db);
            let rows = match product_filter(c, &owner, gtin.as_ref())? {
                Some(None) => Vec::new(),
                Some(Some(pid)) => db::commissioning::pending_containers(c, &owner, Some(&pid), after, limit)?,
                None => db::commissioning::pending_containers(c, &owner, None, after, limit)?,
            };
            let ids: Vec<ContainerId> = rows.iter().map(|r| r.id).collect();
            let mut counts: HashMap<ContainerId, i64> = HashMap::new();
            for (cid, n) in db::commissioning::child_counts(c, &ids)? {
                *counts.entry(cid).or_default() += n;
            }
            // One query for the whole page's parents, not one per row.
            let pids: Vec<ContainerId> = rows.iter().filter_map(|r| r.parent_container_id).collect();
            let parents: HashMap<ContainerId, String> = db::containers::by_ids(c, &pids)?
                .into_iter()
                .map(|p| (p.id, p.sscc))
                .collect();
            let names = tenant_names(c, rows.iter().map(|r| r.produced_by.clone()))?;
            Ok(rows
                .into_iter()
                .map(|r| {
                    json!({
                        "id": r.id,
                        "sscc": r.sscc,
                        "status": r.status,
                        "parent": r.parent_container_id.and_then(|p| parents.get(&p)).map(|s| json!({"sscc": s})),
                        "child_count": counts.get(&r.id).copied().unwrap_or(0),
                        "produced_by": names[&r.produced_by],
                        "created_at": crate::time::rfc3339(r.created_at),
                    })
                })
                .collect::<Vec<_>>())
        })
    })
    .await?;
    Ok(page(views, limit, |v| v["id"].to_string()))
}

/// `GET /v1/commissioning/items?product_code=&batch=`.
pub async fn items(
    pool: Data<DbPool>,
    id: Identity,
    q: web::Query<ViewQuery>,
) -> Result<Reply, ApiError> {
    id.require_any(&READ_ROLES)?;
    let (limit, after) = q.page()?;
    let gtin = q.gtin()?;
    let batch = q.batch.clone();
    let owner = id.tenant_id.clone();
    let views = read(&pool, move |conn| {
        db::read_tx(conn, |c| {
            let after = after.map(ItemId::from_db);
            let rows = match product_filter(c, &owner, gtin.as_ref())? {
                Some(None) => Vec::new(),
                Some(Some(pid)) => db::commissioning::pending_items(
                    c,
                    &owner,
                    Some(&pid),
                    batch.as_deref(),
                    after,
                    limit,
                )?,
                None => db::commissioning::pending_items(
                    c,
                    &owner,
                    None,
                    batch.as_deref(),
                    after,
                    limit,
                )?,
            };
            let names = tenant_names(c, rows.iter().map(|(r, _)| r.produced_by.clone()))?;
            Ok(rows
                .into_iter()
                .map(|(r, code)| {
                    json!({
                        "id": r.id,
                        "product_code": code,
                        "serial_number": r.serial_number,
                        "status": r.status,
                        "batch": r.batch,
                        "expiry_date": r.expiry_date,
                        "in_parent": r.parent_container_id.is_some() || r.parent_item_id.is_some(),
                        "produced_by": names[&r.produced_by],
                        "commissioned_at": crate::time::rfc3339(r.commissioned_at),
                    })
                })
                .collect::<Vec<_>>())
        })
    })
    .await?;
    Ok(page(views, limit, |v| v["id"].to_string()))
}
