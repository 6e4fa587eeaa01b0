//! Partnerships (PRODUCT.md §3.2): the MAH invites a CMO with a list of its products, the CMO
//! accepts, the MAH changes the list or suspends / ends it.

use actix_web::web::{self, Data};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::audit::{self, action};
use crate::auth::{Identity, Role};
use crate::db::{self, partnerships as store, partnerships::PartnershipRow, DbConn, DbPool};
use crate::domain::actor::Actor;
use crate::domain::gs1::Gtin;
use crate::domain::problems::Problems;
use crate::error::{ApiError, Detail, ErrorType};
use crate::http::body::JsonBody;
use crate::http::page::{page, PageQuery};
use crate::http::write::Write;
use crate::http::{read, reply::Reply};

#[derive(Deserialize)]
pub struct CreatePartnership {
    cmo_tenant_id: String,
    product_codes: Vec<String>,
}

#[derive(Deserialize)]
pub struct UpdatePartnership {
    product_codes: Option<Vec<String>>,
    status: Option<String>,
}

fn view(conn: &mut DbConn, p: &PartnershipRow, caller: &str) -> Result<Value, ApiError> {
    let role = if p.mah_tenant_id == caller {
        "mah"
    } else {
        "cmo"
    };
    Ok(json!({
        "id": p.id,
        "status": p.status,
        "role": role,
        "mah_tenant_id": p.mah_tenant_id,
        "cmo_tenant_id": p.cmo_tenant_id,
        "product_codes": store::product_codes(conn, &p.id)?,
        "created_at": crate::time::rfc3339(p.created_at),
        "updated_at": crate::time::rfc3339(p.updated_at),
    }))
}

/// Partnership changes are recorded on behalf of the MAH, whichever side acted, with old → new
/// status and product codes (`before` is `None` for a new partnership).
fn record(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    before: Option<(&str, &[String])>,
    p: &PartnershipRow,
    view: &Value,
) -> Result<(), ApiError> {
    let (old_status, old_codes) = match before {
        Some((s, c)) => (json!(s), json!(c)),
        None => (Value::Null, Value::Null),
    };
    let payload = json!({
        "partnership_id": p.id,
        "cmo_tenant_id": p.cmo_tenant_id,
        "status": {"from": old_status, "to": p.status},
        "product_codes": {"from": old_codes, "to": view["product_codes"]},
    });
    let event = audit::Event {
        action,
        owner_tenant_id: &p.mah_tenant_id,
        reason: None,
        payload,
        items: &[],
        containers: &[],
    };
    audit::record(conn, actor, event)?;
    Ok(())
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

/// The ids of the caller's own products among `gtins`; any other is a `ProductError`.
fn own_product_ids(
    conn: &mut DbConn,
    tenant: &str,
    gtins: &[Gtin],
) -> Result<Vec<String>, ApiError> {
    let codes: Vec<&str> = gtins.iter().map(|g| g.as_str()).collect();
    let owned = db::products::owned_by_codes(conn, tenant, &codes)?;
    let missing: Vec<Detail> = codes
        .iter()
        .enumerate()
        .filter(|(_, c)| !owned.contains_key(**c))
        .map(|(i, c)| {
            Detail::at(
                format!("product_codes[{i}]"),
                format!("product {c} is not registered"),
            )
        })
        .collect();
    if !missing.is_empty() {
        return Err(
            ApiError::new(ErrorType::Product, "The product does not exist").with_details(missing),
        );
    }
    let mut ids: Vec<String> = owned.into_values().map(|p| p.id).collect();
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// `POST /v1/tenant/partnerships` (MAH).
pub async fn create(
    pool: Data<DbPool>,
    write: Write<JsonBody<CreatePartnership>>,
) -> Result<Reply, ApiError> {
    write.require_any(&[Role::Admin])?;
    let body = &write.body.value;
    let gtins = parse_codes(&body.product_codes)?;
    let cmo = body.cmo_tenant_id.trim().to_string();
    let mah = write.identity.tenant_id.clone();
    if cmo == mah {
        return Err(ApiError::validation(
            "A tenant cannot partner with itself",
            vec![Detail::at("cmo_tenant_id", "is the caller's own tenant")],
        ));
    }
    write
        .run(&pool, move |conn, actor| {
            db::tenants::find(conn, &cmo)?.ok_or_else(|| ApiError::not_found("Tenant"))?;
            let product_ids = own_product_ids(conn, &mah, &gtins)?;
            let now = db::now();
            let row = PartnershipRow {
                id: uuid::Uuid::new_v4().to_string(),
                mah_tenant_id: mah.clone(),
                cmo_tenant_id: cmo.clone(),
                status: store::PENDING.into(),
                created_at: now,
                updated_at: now,
            };
            if !store::insert(conn, &row)? {
                return Err(ApiError::state(
                    "A partnership with this CMO already exists; change it instead",
                    vec![],
                ));
            }
            let refs: Vec<&str> = product_ids.iter().map(String::as_str).collect();
            store::set_products(conn, &row.id, &refs)?;
            let v = view(conn, &row, &mah)?;
            record(conn, actor, action::PARTNERSHIP_CREATE, None, &row, &v)?;
            Ok(Reply::created(v))
        })
        .await
}

/// `POST /v1/tenant/partnerships/{id}/accept` (CMO): `pending` → `active`.
pub async fn accept(
    pool: Data<DbPool>,
    write: Write,
    path: web::Path<String>,
) -> Result<Reply, ApiError> {
    write.require_any(&[Role::Admin])?;
    let pid = path.into_inner();
    let caller = write.identity.tenant_id.clone();
    write
        .run(&pool, move |conn, actor| {
            let p = store::find_for_party(conn, &pid, &caller)?
                .ok_or_else(|| ApiError::not_found("Partnership"))?;
            if p.cmo_tenant_id != caller {
                return Err(ApiError::forbidden("Only the CMO accepts a partnership"));
            }
            let codes_before = store::product_codes(conn, &pid)?;
            if !store::transition(conn, &pid, &[store::PENDING], store::ACTIVE, db::now())? {
                return Err(ApiError::state(
                    format!("The partnership is {}, not pending", p.status),
                    vec![],
                ));
            }
            let before = (p.status.clone(), codes_before);
            let p = reread(conn, &pid, &caller)?;
            let v = view(conn, &p, &caller)?;
            let before = Some((before.0.as_str(), before.1.as_slice()));
            record(conn, actor, action::PARTNERSHIP_ACCEPT, before, &p, &v)?;
            Ok(Reply::ok(v))
        })
        .await
}

/// The partnership as changed by this transaction (it cannot have gone meanwhile).
fn reread(conn: &mut DbConn, pid: &str, caller: &str) -> Result<PartnershipRow, ApiError> {
    store::find_for_party(conn, pid, caller)?
        .ok_or_else(|| ApiError::internal("the partnership changed vanished in its transaction"))
}

/// Allowed status changes by the MAH: suspend and resume an active partnership, end any.
fn allowed_from(to: &str) -> Option<&'static [&'static str]> {
    match to {
        store::SUSPENDED => Some(&[store::ACTIVE, store::SUSPENDED]),
        store::ACTIVE => Some(&[store::SUSPENDED, store::ACTIVE]),
        store::ENDED => Some(&[store::PENDING, store::ACTIVE, store::SUSPENDED]),
        _ => None,
    }
}

/// `PATCH /v1/tenant/partnerships/{id}` (MAH): product list and/or status.
pub async fn update(
    pool: Data<DbPool>,
    write: Write<JsonBody<UpdatePartnership>>,
    path: web::Path<String>,
) -> Result<Reply, ApiError> {
    write.require_any(&[Role::Admin])?;
    let body = &write.body.value;
    let gtins = body.product_codes.as_deref().map(parse_codes).transpose()?;
    let status = body.status.clone();
    if let Some(s) = &status {
        if allowed_from(s).is_none() {
            return Err(ApiError::validation(
                "Invalid status",
                vec![Detail::at("status", "must be active, suspended or ended")],
            ));
        }
    }
    let pid = path.into_inner();
    let caller = write.identity.tenant_id.clone();
    write
        .run(&pool, move |conn, actor| {
            let p = store::find_for_party(conn, &pid, &caller)?
                .ok_or_else(|| ApiError::not_found("Partnership"))?;
            if p.mah_tenant_id != caller {
                return Err(ApiError::forbidden("Only the MAH changes a partnership"));
            }
            if p.status == store::ENDED {
                return Err(ApiError::state("The partnership has ended", vec![]));
            }
            let now = db::now();
            let (status_before, codes_before) =
                (p.status.clone(), store::product_codes(conn, &pid)?);
            if let Some(gtins) = &gtins {
                let ids = own_product_ids(conn, &caller, gtins)?;
                let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
                store::set_products(conn, &pid, &refs)?;
                store::touch(conn, &pid, now)?;
            }
            if let Some(to) = &status {
                let from = allowed_from(to).expect("validated");
                if !store::transition(conn, &pid, from, to, now)? {
                    return Err(ApiError::state(
                        format!("A {} partnership cannot become {to}", p.status),
                        vec![],
                    ));
                }
            }
            let p = reread(conn, &pid, &caller)?;
            let v = view(conn, &p, &caller)?;
            // A PATCH that leaves status and products as they were changes nothing: no event.
            if p.status != status_before || v["product_codes"] != json!(codes_before) {
                let before = Some((status_before.as_str(), codes_before.as_slice()));
                record(conn, actor, action::PARTNERSHIP_UPDATE, before, &p, &v)?;
            }
            Ok(Reply::ok(v))
        })
        .await
}

/// `GET /v1/tenant/partnerships`: both sides, each with its role.
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
        let rows = store::list_for_party(conn, &caller, after.as_deref(), limit)?;
        rows.iter()
            .map(|p| view(conn, p, &caller))
            .collect::<Result<Vec<_>, _>>()
    })
    .await?;
    Ok(page(views, limit, |v| {
        v["id"].as_str().unwrap_or_default().to_string()
    }))
}
