//! Partnerships (PRODUCT.md §3.2): the MAH invites a CMO with a list of its products, the CMO
//! accepts, the MAH changes the list or suspends / ends it (`workflows::partnership`).

use std::collections::HashMap;

use actix_web::web::{self, Data};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::{Identity, Role};
use crate::db::{self, DbConn, DbPool};
use crate::domain::gs1::Gtin;
use crate::domain::partnership::PartnershipStatus;
use crate::domain::problems::Problems;
use crate::error::{ApiError, Detail};
use crate::http::body::JsonBody;
use crate::http::page::{page, PageQuery};
use crate::http::write::Write;
use crate::http::{read, reply::Reply};
use crate::ids::{PartnershipId, TenantId};
use crate::workflows::partnership::{self, Partnership, PartnershipUpdate};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreatePartnership {
    cmo_tenant_id: String,
    product_codes: Vec<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct UpdatePartnership {
    product_codes: Option<Vec<String>>,
    status: Option<String>,
}

/// The public shape of a partnership, with the caller's side of it and both parties' names
/// (each party knows the other; people read names, not tenant ids).
fn view(p: &Partnership, caller: &TenantId, names: &HashMap<TenantId, String>) -> Value {
    let row = &p.row;
    let role = if row.mah_tenant_id == *caller {
        "mah"
    } else {
        "cmo"
    };
    json!({
        "id": row.id,
        "status": row.status,
        "role": role,
        "mah_tenant_id": row.mah_tenant_id,
        "cmo_tenant_id": row.cmo_tenant_id,
        "mah_name": names.get(&row.mah_tenant_id),
        "cmo_name": names.get(&row.cmo_tenant_id),
        "product_codes": p.product_codes,
        "created_at": crate::time::rfc3339(row.created_at),
        "updated_at": crate::time::rfc3339(row.updated_at),
    })
}

/// The view of one partnership, its parties' names read on `conn`.
fn view_one(conn: &mut DbConn, p: &Partnership, caller: &TenantId) -> Result<Value, ApiError> {
    let names = db::tenants::names(conn, [&p.row.mah_tenant_id, &p.row.cmo_tenant_id])?;
    Ok(view(p, caller, &names))
}

fn parse_codes(codes: &[String]) -> Result<Vec<Gtin>, ApiError> {
    let mut p = Problems::default();
    let gtins: Vec<Gtin> = codes
        .iter()
        .enumerate()
        .filter_map(|(i, c)| p.check(format!("product_codes[{i}]"), Gtin::parse(c)))
        .collect();
    if codes.is_empty() {
        p.push("product_codes", "must list at least one product");
    }
    if p.is_empty() {
        Ok(gtins)
    } else {
        Err(ApiError::validation("Invalid partnership request", p.0))
    }
}

/// `POST /v1/tenant/partnerships` (MAH).
#[utoipa::path(post, path = "/v1/tenant/partnerships", tag = "tenant", summary = "Invite a CMO (MAH)", request_body = CreatePartnership, responses((status = 201, description = "Partnership pending", body = crate::openapi::Success)), security(("access_token" = []), ("bearer" = [])))]
pub async fn create(
    pool: Data<DbPool>,
    write: Write<JsonBody<CreatePartnership>>,
) -> Result<Reply, ApiError> {
    write.require_any(&[Role::Admin])?;
    let body = &write.body.value;
    let gtins = parse_codes(&body.product_codes)?;
    let cmo = TenantId::from_text(body.cmo_tenant_id.trim());
    if cmo == write.identity.tenant_id {
        return Err(ApiError::validation(
            "A tenant cannot partner with itself",
            vec![Detail::at("cmo_tenant_id", "is the caller's own tenant")],
        ));
    }
    write
        .run(&pool, move |conn, actor| {
            let created = partnership::create(conn, actor, &cmo, &gtins)?;
            Ok(Reply::created(view_one(conn, &created, &actor.tenant_id)?))
        })
        .await
}

/// `POST /v1/tenant/partnerships/{id}/accept` (CMO): `pending` → `active`.
#[utoipa::path(post, path = "/v1/tenant/partnerships/{id}/accept", tag = "tenant", summary = "Accept a partnership (CMO)", params(("id" = String, Path, description = "Id (UUID)")), responses((status = 200, description = "Partnership active", body = crate::openapi::Success), (status = 404, description = "NotFoundError: no such partnership of the caller", body = crate::openapi::ErrorEnvelope)), security(("access_token" = []), ("bearer" = [])))]
pub async fn accept(
    pool: Data<DbPool>,
    write: Write,
    path: web::Path<String>,
) -> Result<Reply, ApiError> {
    write.require_any(&[Role::Admin])?;
    let id = PartnershipId::from_text(&path.into_inner());
    write
        .run(&pool, move |conn, actor| {
            let accepted = partnership::accept(conn, actor, &id)?;
            Ok(Reply::ok(view_one(conn, &accepted, &actor.tenant_id)?))
        })
        .await
}

/// `PATCH /v1/tenant/partnerships/{id}` (MAH): product list and/or status.
#[utoipa::path(patch, path = "/v1/tenant/partnerships/{id}", tag = "tenant", summary = "Change products or status (MAH)", request_body = UpdatePartnership, params(("id" = String, Path, description = "Id (UUID)")), responses((status = 200, description = "Partnership", body = crate::openapi::Success), (status = 404, description = "NotFoundError: no such partnership of the caller", body = crate::openapi::ErrorEnvelope)), security(("access_token" = []), ("bearer" = [])))]
pub async fn update(
    pool: Data<DbPool>,
    write: Write<JsonBody<UpdatePartnership>>,
    path: web::Path<String>,
) -> Result<Reply, ApiError> {
    write.require_any(&[Role::Admin])?;
    let body = &write.body.value;
    let product_codes = body.product_codes.as_deref().map(parse_codes).transpose()?;
    let status = match body.status.as_deref() {
        None => None,
        Some(s) => match PartnershipStatus::parse(s) {
            Some(to) if to.set_by_owner_from().is_some() => Some(to),
            _ => {
                return Err(ApiError::validation(
                    "Invalid status",
                    vec![Detail::at("status", "must be active, suspended or ended")],
                ))
            }
        },
    };
    let change = PartnershipUpdate {
        product_codes,
        status,
    };
    let id = PartnershipId::from_text(&path.into_inner());
    write
        .run(&pool, move |conn, actor| {
            let updated = partnership::update(conn, actor, &id, &change)?;
            Ok(Reply::ok(view_one(conn, &updated, &actor.tenant_id)?))
        })
        .await
}

/// `GET /v1/tenant/partnerships`: both sides, each with its role.
#[utoipa::path(get, path = "/v1/tenant/partnerships", tag = "tenant", summary = "List partnerships, both sides", params(crate::http::page::PageQuery), responses((status = 200, description = "Partnerships", body = crate::openapi::Page)), security(("access_token" = []), ("bearer" = [])))]
pub async fn list(
    pool: Data<DbPool>,
    id: Identity,
    query: web::Query<PageQuery>,
) -> Result<Reply, ApiError> {
    id.require_any(&[Role::Admin])?;
    let limit = query.limit()?;
    let after = query.after.clone();
    let caller = id.tenant_id.clone();
    let views = read(&pool, move |conn| {
        let rows = db::partnerships::list_for_party(conn, &caller, after.as_deref(), limit)?;
        // One statement for the names of every party on the page.
        let parties = rows
            .iter()
            .flat_map(|r| [&r.mah_tenant_id, &r.cmo_tenant_id]);
        let names = db::tenants::names(conn, parties)?;
        rows.into_iter()
            .map(|row| Ok(view(&partnership::with_codes(conn, row)?, &caller, &names)))
            .collect::<Result<Vec<_>, ApiError>>()
    })
    .await?;
    Ok(page(views, limit, |v| {
        v["id"].as_str().unwrap_or_default().to_string()
    }))
}
