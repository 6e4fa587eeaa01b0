//! What is pending commissioning approval, as the brand owner sees it.

use std::collections::HashMap;

use actix_web::web::{self, Data};
use serde::Deserialize;
use serde_json::{json, Value};

use super::READ_ROLES;
use crate::auth::cursor::{CursorKey, CursorList};
use crate::auth::tokens::KeyRing;
use crate::auth::Identity;
use crate::db::{self, commissioning::PendingFilter, DbConn, DbPool};
use crate::domain::gs1::{Batch, Gtin};
use crate::domain::problems::Problems;
use crate::error::ApiError;
use crate::http::page::{open_after, page, PageQuery};
use crate::http::{read, reply::Reply};
use crate::ids::{ContainerId, ItemId, TenantId};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
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
    /// The page size and the row after which the page starts: `after` must be a cursor this
    /// list gave `viewer` (`auth::cursor`).
    fn page(
        &self,
        viewer: &TenantId,
        cursors: &CursorKey,
        list: CursorList,
    ) -> Result<(i64, Option<i64>), ApiError> {
        let limit = PageQuery {
            limit: self.limit,
            after: None,
        }
        .limit()?;
        let after = open_after(cursors, viewer, list, self.after.as_deref())?;
        Ok((limit, after))
    }

    /// The filters, checked, every offending parameter named: a GTIN, a batch as GS1 allows it,
    /// a tenant id as a UUID. A well-formed value that matches nothing simply yields an empty
    /// list. The product is still a GTIN here; [`resolve`] finds the owner's product id.
    fn filter(&self) -> Result<(Option<Gtin>, PendingFilter), ApiError> {
        let mut p = Problems::default();
        let gtin = match self.product_code.as_deref() {
            Some(c) => p.check("product_code", Gtin::parse(c)),
            None => None,
        };
        let batch = match self.batch.as_deref() {
            Some(b) => p.check("batch", Batch::parse(b)),
            None => None,
        };
        let produced_by = match self.produced_by.as_deref() {
            Some(t) => p.check(
                "produced_by",
                TenantId::parse_uuid(t).ok_or("not a tenant id (UUID)"),
            ),
            None => None,
        };
        if !p.is_empty() {
            // A bad GTIN alone keeps the answer the view gave before it had other filters.
            let only_gtin =
                p.0.iter()
                    .all(|d| d.path.as_deref() == Some("product_code"));
            let message = if only_gtin {
                "Invalid product_code"
            } else {
                "Invalid filter"
            };
            return Err(ApiError::validation(message, p.0));
        }
        let filter = PendingFilter {
            product_id: None,
            batch,
            produced_by,
            loose: self.loose,
        };
        Ok((gtin, filter))
    }
}

/// The view's filter with the GTIN resolved to the owner's product id; `None` = the caller owns
/// no such product, which simply yields an empty list.
fn resolve(
    conn: &mut DbConn,
    owner: &TenantId,
    gtin: Option<&Gtin>,
    mut f: PendingFilter,
) -> Result<Option<PendingFilter>, ApiError> {
    if let Some(g) = gtin {
        match db::products::find_owned(conn, owner, g.as_str())? {
            Some(p) => f.product_id = Some(p.key),
            None => return Ok(None),
        }
    }
    Ok(Some(f))
}

/// `{"tenant_id", "name"}` of every producer on a page, read in one statement.
fn tenant_names(
    conn: &mut DbConn,
    ids: impl IntoIterator<Item = TenantId>,
) -> Result<HashMap<TenantId, Value>, ApiError> {
    let mut ids: Vec<TenantId> = ids.into_iter().collect();
    ids.sort();
    ids.dedup();
    let names = db::tenants::names(conn, &ids)?;
    Ok(ids
        .into_iter()
        .map(|id| {
            let view = json!({"tenant_id": id, "name": names.get(&id)});
            (id, view)
        })
        .collect())
}

/// `GET /v1/commissioning/products?limit=&after=`; cursor = product code.
#[utoipa::path(get, path = "/v1/commissioning/products", tag = "commissioning", summary = "Products with pending counts", params(crate::http::page::PageQuery), responses((status = 200, description = "Products", body = crate::openapi::Page)), security(("access_token" = []), ("bearer" = [])))]
pub async fn products(
    pool: Data<DbPool>,
    id: Identity,
    page_q: web::Query<PageQuery>,
) -> Result<Reply, ApiError> {
    id.require_any(&READ_ROLES)?;
    let limit = page_q.limit()?;
    let after = page_q.after.clone();
    let owner = id.tenant_id.clone();
    let rows = read(&pool, move |conn| {
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
    Ok(page(items, limit, |v| {
        v["product_code"].as_str().unwrap_or_default().to_string()
    }))
}

/// `GET /v1/commissioning/containers?product_code=&batch=&produced_by=`.
#[utoipa::path(get, path = "/v1/commissioning/containers", tag = "commissioning", summary = "Pending SSCCs", params(ViewQuery), responses((status = 200, description = "Containers", body = crate::openapi::Page)), security(("access_token" = []), ("bearer" = [])))]
pub async fn containers(
    pool: Data<DbPool>,
    keys: Data<KeyRing>,
    id: Identity,
    q: web::Query<ViewQuery>,
) -> Result<Reply, ApiError> {
    id.require_any(&READ_ROLES)?;
    let list = CursorList::PendingContainers;
    let cursors = keys.cursor_key().clone();
    let (limit, after) = q.page(&id.tenant_id, &cursors, list)?;
    let (gtin, filter) = q.filter()?;
    let owner = id.tenant_id.clone();
    let views = read(&pool, move |conn| {
        db::read_tx(conn, |c| {
            let after = after.map(ContainerId::from_db);
            let rows = match resolve(c, &owner, gtin.as_ref(), filter)? {
                None => Vec::new(),
                Some(f) => db::commissioning::pending_containers(c, &owner, &f, after, limit)?,
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
            let mut contents: HashMap<ContainerId, Vec<Value>> = HashMap::new();
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
                        "id": cursors.seal(&owner, list, r.id.get()),
                        "sscc": r.sscc,
                        "status": r.status,
                        "parent": r.parent_container_id.and_then(|p| parents.get(&p)).map(|s| json!({"sscc": s})),
                        "child_count": counts.get(&r.id).copied().unwrap_or(0),
                        "contents": contents.remove(&r.id).unwrap_or_default(),
                        "produced_by": names[&r.produced_by],
                        "created_at": crate::time::rfc3339(r.created_at),
                    })
                })
                .collect::<Vec<_>>())
        })
    })
    .await?;
    Ok(page(views, limit, |v| {
        v["id"].as_str().unwrap_or_default().to_string()
    }))
}

/// `GET /v1/commissioning/items?product_code=&batch=&produced_by=&loose=`.
#[utoipa::path(get, path = "/v1/commissioning/items", tag = "commissioning", summary = "Pending packs", params(ViewQuery), responses((status = 200, description = "Packs", body = crate::openapi::Page)), security(("access_token" = []), ("bearer" = [])))]
pub async fn items(
    pool: Data<DbPool>,
    keys: Data<KeyRing>,
    id: Identity,
    q: web::Query<ViewQuery>,
) -> Result<Reply, ApiError> {
    id.require_any(&READ_ROLES)?;
    let list = CursorList::PendingItems;
    let cursors = keys.cursor_key().clone();
    let (limit, after) = q.page(&id.tenant_id, &cursors, list)?;
    let (gtin, filter) = q.filter()?;
    let owner = id.tenant_id.clone();
    let views = read(&pool, move |conn| {
        db::read_tx(conn, |c| {
            let after = after.map(ItemId::from_db);
            let rows = match resolve(c, &owner, gtin.as_ref(), filter)? {
                None => Vec::new(),
                Some(f) => db::commissioning::pending_items(c, &owner, &f, after, limit)?,
            };
            let names = tenant_names(c, rows.iter().map(|(r, _)| r.produced_by.clone()))?;
            Ok(rows
                .into_iter()
                .map(|(r, code)| {
                    json!({
                        "id": cursors.seal(&owner, list, r.id.get()),
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
    Ok(page(views, limit, |v| {
        v["id"].as_str().unwrap_or_default().to_string()
    }))
}
