//! What is pending commissioning approval, as the brand owner sees it.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::READ_ROLES;
use crate::auth::Identity;
use crate::db::{self, commissioning::PendingFilter, DbConn};
use crate::domain::gs1::{Batch, Gtin};
use crate::error::{ApiError, Detail};
use crate::routes::page::{page_body, PageQuery};
use crate::startup::State;

#[derive(Deserialize)]
pub struct ViewQuery {
    product_code: Option<String>,
    batch: Option<String>,
    /// Tenant id of the producer (the packer of a container, the commissioner of a pack).
    produced_by: Option<String>,
    /// Packs: only those in no parent (`true`) or only those in one (`false`).
    loose: Option<bool>,
    limit: Option<i64>,
    after: Option<String>,
}

impl ViewQuery {
    fn page(&self) -> Result<(i64, Option<i64>), ApiError> {
        let limit = crate::routes::page::PageQuery {
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

    /// The filters other than the product, checked: a batch as GS1 allows it, a tenant id as a
    /// UUID. A well-formed value that matches nothing simply yields an empty list.
    fn filter(&self) -> Result<PendingFilter, ApiError> {
        let mut details = Vec::new();
        if let Some(b) = &self.batch {
            if let Err(e) = Batch::parse(b) {
                details.push(Detail::at("batch", e.to_string()));
            }
        }
        if let Some(t) = &self.produced_by {
            if uuid::Uuid::parse_str(t).is_err() {
                details.push(Detail::at("produced_by", "not a tenant id (UUID)"));
            }
        }
        if !details.is_empty() {
            return Err(ApiError::validation("Invalid filter", details));
        }
        Ok(PendingFilter {
            product_id: None,
            batch: self.batch.clone(),
            produced_by: self.produced_by.clone(),
            loose: self.loose,
        })
    }
}

/// The view's filter with the GTIN resolved to the owner's product id; `None` = the caller owns
/// no such product, which simply yields an empty list.
fn resolve(
    conn: &mut DbConn,
    owner: &str,
    gtin: Option<&Gtin>,
    mut f: PendingFilter,
) -> Result<Option<PendingFilter>, ApiError> {
    if let Some(g) = gtin {
        match db::products::find_owned(conn, owner, g.as_str())? {
            Some(p) => f.product_id = Some(p.id),
            None => return Ok(None),
        }
    }
    Ok(Some(f))
}

fn tenant_names(
    conn: &mut DbConn,
    ids: impl IntoIterator<Item = String>,
) -> Result<HashMap<String, Value>, ApiError> {
    let mut out = HashMap::new();
    for id in ids {
        if !out.contains_key(&id) {
            let name = db::tenants::find(conn, &id)?.map(|t| t.name);
            out.insert(id.clone(), json!({"tenant_id": id, "name": name}));
        }
    }
    Ok(out)
}

/// `GET /v1/commissioning/products?limit=&after=`; cursor = product code.
pub async fn products(
    state: State,
    id: Identity,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    id.require_any(&READ_ROLES)?;
    let limit = page.limit()?;
    let after = page.after.clone();
    let owner = id.tenant_id.clone();
    let rows = db::run(&state.pool, move |conn| {
        Ok(db::commissioning::product_counts(
            conn,
            &owner,
            after.as_deref(),
            limit,
        )?)
    })
    .await?;
    let items: Vec<Value> = rows
        .into_iter()
        .map(|r| json!({"product_code": r.product_code, "product_code_schema": "GTIN", "name": r.name, "pending_items": r.pending_items}))
        .collect();
    Ok(HttpResponse::Ok().json(page_body(items, limit, |v| {
        v["product_code"].as_str().unwrap_or_default().to_string()
    })))
}

/// `GET /v1/commissioning/containers?product_code=&batch=&produced_by=`.
pub async fn containers(
    state: State,
    id: Identity,
    q: web::Query<ViewQuery>,
) -> Result<HttpResponse, ApiError> {
    id.require_any(&READ_ROLES)?;
    let (limit, after) = q.page()?;
    let gtin = q.gtin()?;
    let filter = q.filter()?;
    let owner = id.tenant_id.clone();
    let views = db::run(&state.pool, move |conn| {
        db::read_tx(conn, |c| {
            let rows = match resolve(c, &owner, gtin.as_ref(), filter)? {
                None => Vec::new(),
                Some(f) => db::commissioning::pending_containers(c, &owner, &f, after, limit)?,
            };
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let mut counts: HashMap<i64, i64> = HashMap::new();
            for (cid, n) in db::commissioning::child_counts(c, &ids)? {
                *counts.entry(cid).or_default() += n;
            }
            // One query for the whole page's parents, not one per row.
            let pids: Vec<i64> = rows.iter().filter_map(|r| r.parent_container_id).collect();
            let parents: HashMap<i64, String> = db::containers::by_ids(c, &pids)?
                .into_iter()
                .map(|p| (p.id, p.sscc))
                .collect();
            let names = tenant_names(c, rows.iter().map(|r| r.tenant_id.clone()))?;
            let mut contents: HashMap<i64, Vec<Value>> = HashMap::new();
            for k in db::commissioning::contents(c, &ids)? {
                contents.entry(k.container_id).or_default().push(json!({
                    "product_code": k.product_code,
                    "batch": k.batch,
                    "expiry_date": k.expiry_date,
                    "packs": k.packs,
                }));
            }
            Ok(rows
                .into_iter()
                .map(|r| {
                    json!({
                        "id": r.id,
                        "sscc": r.sscc,
                        "status": r.status,
                        "parent": r.parent_container_id.and_then(|p| parents.get(&p)).map(|s| json!({"sscc": s})),
                        "child_count": counts.get(&r.id).copied().unwrap_or(0),
                        "contents": contents.remove(&r.id).unwrap_or_default(),
                        "produced_by": names[&r.tenant_id],
                        "created_at": crate::time::rfc3339(r.created_at),
                    })
                })
                .collect::<Vec<_>>())
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(page_body(views, limit, |v| v["id"].to_string())))
}

/// `GET /v1/commissioning/items?product_code=&batch=&produced_by=&loose=`.
pub async fn items(
    state: State,
    id: Identity,
    q: web::Query<ViewQuery>,
) -> Result<HttpResponse, ApiError> {
    id.require_any(&READ_ROLES)?;
    let (limit, after) = q.page()?;
    let gtin = q.gtin()?;
    let filter = q.filter()?;
    let owner = id.tenant_id.clone();
    let views = db::run(&state.pool, move |conn| {
        db::read_tx(conn, |c| {
            let rows = match resolve(c, &owner, gtin.as_ref(), filter)? {
                None => Vec::new(),
                Some(f) => db::commissioning::pending_items(c, &owner, &f, after, limit)?,
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
    Ok(HttpResponse::Ok().json(page_body(views, limit, |v| v["id"].to_string())))
}
