//! Products (trade items) registered by the caller's tenant, which becomes their MAH.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, action};
use crate::auth::{Identity, Role};
use crate::db::{self, products::ProductRow};
use crate::domain::gs1::Gtin;
use crate::domain::trade_item::{check_schema, Problems};
use crate::error::{ApiError, ErrorType};
use crate::idempotency::run_write;
use crate::routes::body::JsonBody;
use crate::routes::page::{page_body, PageQuery};
use crate::startup::State;
use crate::workflows::Actor;

#[derive(Deserialize)]
pub struct CreateProduct {
    product_code: String,
    product_code_schema: String,
    name: String,
}

#[derive(Serialize)]
pub struct ProductView {
    id: String,
    product_code: String,
    product_code_schema: &'static str,
    name: String,
    owner_tenant_id: String,
    created_at: String,
}

impl From<ProductRow> for ProductView {
    fn from(p: ProductRow) -> ProductView {
        ProductView {
            created_at: crate::time::rfc3339(p.created_at),
            id: p.id,
            product_code: p.product_code,
            product_code_schema: "GTIN",
            name: p.name,
            owner_tenant_id: p.tenant_id,
        }
    }
}

fn view_body(p: ProductRow) -> serde_json::Value {
    let mut v = serde_json::to_value(ProductView::from(p)).unwrap_or_default();
    v["success"] = json!(true);
    v
}

fn product_error(code: &str) -> ApiError {
    ApiError::new(ErrorType::Product, format!("Product {code} does not exist"))
}

/// `POST /v1/tenant/products`: GTIN-8/12/13 are stored as GTIN-14.
pub async fn create(
    state: State,
    req: HttpRequest,
    id: Identity,
    body: JsonBody<CreateProduct>,
) -> Result<HttpResponse, ApiError> {
    id.require_any(&[Role::Admin])?;
    let mut p = Problems::default();
    check_schema(
        &mut p,
        "product_code_schema",
        &body.value.product_code_schema,
    );
    let gtin = p.check("product_code", Gtin::parse(&body.value.product_code));
    let name = body.value.name.trim().to_string();
    if name.is_empty() || name.len() > 200 {
        p.push("name", "must be 1 to 200 characters");
    }
    let gtin = match gtin {
        Some(g) if p.is_empty() => g,
        _ => return Err(ApiError::validation("Invalid product", p.0)),
    };
    let row = ProductRow {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: id.tenant_id.clone(),
        product_code: gtin.to_string(),
        name,
        created_at: db::now(),
    };
    let actor = Actor::new(&req, &id, None);
    run_write(&state.pool, &req, &id.tenant_id, &body.raw, move |conn| {
        if !db::products::insert(conn, &row)? {
            return Err(ApiError::state(
                format!("Product {} is already registered", row.product_code),
                vec![],
            ));
        }
        let payload = json!({"product_code": row.product_code, "name": row.name});
        audit::record_admin(conn, &actor, action::PRODUCT_REGISTER, payload)?;
        Ok((StatusCode::CREATED, view_body(row)))
    })
    .await
}

/// `GET /v1/tenant/products`.
pub async fn list(
    state: State,
    id: Identity,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    id.require_any(&[Role::Admin])?;
    let limit = page.limit()?;
    let after = page.after.clone();
    let tenant = id.tenant_id.clone();
    let rows = db::run(&state.pool, move |conn| {
        Ok(db::products::list_owned(
            conn,
            &tenant,
            after.as_deref(),
            limit,
        )?)
    })
    .await?;
    let views: Vec<ProductView> = rows.into_iter().map(ProductView::from).collect();
    Ok(HttpResponse::Ok().json(page_body(views, limit, |p| p.product_code.clone())))
}

/// `GET /v1/tenant/products/{product_code}`.
pub async fn show(
    state: State,
    id: Identity,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    id.require_any(&[Role::Admin])?;
    let raw = path.into_inner();
    let code = Gtin::parse(&raw)
        .map_err(|_| product_error(&raw))?
        .to_string();
    let tenant = id.tenant_id.clone();
    let lookup = code.clone();
    let row = db::run(&state.pool, move |conn| {
        Ok(db::products::find_owned(conn, &tenant, &lookup)?)
    })
    .await?;
    row.map(|p| HttpResponse::Ok().json(view_body(p)))
        .ok_or_else(|| product_error(&code))
}
