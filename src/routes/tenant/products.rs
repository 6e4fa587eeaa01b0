//! Products (trade items) registered by the caller's tenant, which becomes their MAH.

use actix_web::web::{self, Data};
use serde::{Deserialize, Serialize};

use crate::audit;
use crate::auth::{Identity, Role};
use crate::db::{self, products::NewProduct, products::ProductRow, DbPool};
use crate::domain::audit_payload::{AuditPayload, ProductRegistered};
use crate::domain::gs1::Gtin;
use crate::domain::problems::Problems;
use crate::domain::trade_item::check_schema;
use crate::error::{ApiError, ErrorType};
use crate::http::body::JsonBody;
use crate::http::page::{page, PageQuery};
use crate::http::write::Write;
use crate::http::{read, reply::Reply};
use crate::ids::{ProductId, TenantId};

#[derive(Deserialize)]
pub struct CreateProduct {
    product_code: String,
    product_code_schema: String,
    name: String,
}

#[derive(Serialize)]
pub struct ProductView {
    id: ProductId,
    product_code: String,
    product_code_schema: &'static str,
    name: String,
    owner_tenant_id: TenantId,
    created_at: String,
}

impl From<NewProduct> for ProductView {
    fn from(p: NewProduct) -> ProductView {
        ProductView {
            created_at: crate::time::rfc3339(p.created_at),
            id: p.id,
            product_code: p.product_code,
            product_code_schema: "GTIN",
            name: p.name,
            owner_tenant_id: p.owner_tenant_id,
        }
    }
}

impl From<ProductRow> for ProductView {
    fn from(p: ProductRow) -> ProductView {
        ProductView {
            created_at: crate::time::rfc3339(p.created_at),
            id: p.id,
            product_code: p.product_code,
            product_code_schema: "GTIN",
            name: p.name,
            owner_tenant_id: p.owner_tenant_id,
        }
    }
}

fn product_error(code: &str) -> ApiError {
    ApiError::new(ErrorType::Product, format!("Product {code} does not exist"))
}

/// `POST /v1/tenant/products`: GTIN-8/12/13 are stored as GTIN-14.
pub async fn create(
    pool: Data<DbPool>,
    write: Write<JsonBody<CreateProduct>>,
) -> Result<Reply, ApiError> {
    write.require_any(&[Role::Admin])?;
    let body = &write.body.value;
    let mut p = Problems::default();
    check_schema(&mut p, "product_code_schema", &body.product_code_schema);
    let gtin = p.check("product_code", Gtin::parse(&body.product_code));
    let name = body.name.trim().to_string();
    if name.is_empty() || name.len() > 200 {
        p.push("name", "must be 1 to 200 characters");
    }
    let gtin = match gtin {
        Some(g) if p.is_empty() => g,
        _ => return Err(ApiError::validation("Invalid product", p.0)),
    };
    let row = NewProduct {
        id: ProductId::generate(),
        owner_tenant_id: write.identity.tenant_id.clone(),
        product_code: gtin.to_string(),
        name,
        created_at: db::now(),
    };
    write
        .run(&pool, move |conn, actor| {
            if !db::products::insert(conn, &row)? {
                return Err(ApiError::state(
                    format!("Product {} is already registered", row.product_code),
                    vec![],
                ));
            }
            let payload = AuditPayload::ProductRegister(ProductRegistered {
                product_code: gtin.clone(),
                name: row.name.clone(),
            });
            audit::record_admin(conn, actor, payload)?;
            Ok(Reply::created(ProductView::from(row.clone())))
        })
        .await
}

/// `GET /v1/tenant/products`.
pub async fn list(
    pool: Data<DbPool>,
    id: Identity,
    query: web::Query<PageQuery>,
) -> Result<Reply, ApiError> {
    id.require_any(&[Role::Admin])?;
    let limit = query.limit()?;
    let after = query.after.clone();
    let tenant = id.tenant_id.clone();
    let rows = read(&pool, move |conn| {
        Ok(db::products::list_owned(
            conn,
            &tenant,
            after.as_deref(),
            limit,
        )?)
    })
    .await?;
    let views: Vec<ProductView> = rows.into_iter().map(ProductView::from).collect();
    Ok(page(views, limit, |p| p.product_code.clone()))
}

/// `GET /v1/tenant/products/{product_code}`.
pub async fn show(
    pool: Data<DbPool>,
    id: Identity,
    path: web::Path<String>,
) -> Result<Reply, ApiError> {
    id.require_any(&[Role::Admin])?;
    let raw = path.into_inner();
    let code = Gtin::parse(&raw)
        .map_err(|_| product_error(&raw))?
        .to_string();
    let tenant = id.tenant_id.clone();
    let lookup = code.clone();
    let row = read(&pool, move |conn| {
        Ok(db::products::find_owned(conn, &tenant, &lookup)?)
    })
    .await?;
    row.map(|p| Reply::ok(ProductView::from(p)))
        .ok_or_else(|| product_error(&code))
}
