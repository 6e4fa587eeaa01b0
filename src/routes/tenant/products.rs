//! Products (trade items) registered by the caller's tenant, which becomes their MAH.

use actix_web::web::{self, Data};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::audit;
use crate::auth::{Identity, Role};
use crate::db::{self, products::NewProduct, products::ProductRow, DbPool};
use crate::domain::audit_payload::{AuditPayload, ProductRegistered, ProductSettingsChanged};
use crate::domain::gs1::Gtin;
use crate::domain::pools::{SerialAlphabet, SerialTemplate};
use crate::domain::problems::{Detail, Problems};
use crate::domain::trade_item::check_schema;
use crate::error::{ApiError, ErrorType};
use crate::http::body::JsonBody;
use crate::http::page::{page, PageQuery};
use crate::http::write::Write;
use crate::http::{read, reply::Reply};
use crate::ids::{ProductId, TenantId};
use crate::workflows::ownership;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreateProduct {
    product_code: String,
    product_code_schema: String,
    name: String,
    /// How generated serials look (default numeric, 16 characters).
    serial_template: Option<TemplateBody>,
    /// Whether serials that were never in the pool are accepted at commissioning (default true).
    external_serials: Option<bool>,
}

/// A serial template: `alphabet` `numeric` (0-9) or `alphanumeric` (0-9, A-Z), `length` 1-20.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct TemplateBody {
    alphabet: String,
    length: i64,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct UpdateProduct {
    serial_template: Option<TemplateBody>,
    external_serials: Option<bool>,
}

fn parse_template(p: &mut Problems, t: &TemplateBody) -> Option<SerialTemplate> {
    let alphabet = SerialAlphabet::parse(&t.alphabet);
    if alphabet.is_none() {
        p.push(
            "serial_template.alphabet",
            "must be numeric or alphanumeric",
        );
    }
    if !(1..=20).contains(&t.length) {
        p.push("serial_template.length", "must be 1 to 20");
        return None;
    }
    SerialTemplate::new(alphabet?, t.length as usize).ok()
}

#[derive(Serialize)]
pub struct ProductView {
    id: ProductId,
    product_code: String,
    product_code_schema: &'static str,
    name: String,
    owner_tenant_id: TenantId,
    created_at: String,
    serial_template: Value,
    external_serials: bool,
}

fn template_view(alphabet: &str, length: i16) -> Value {
    json!({"alphabet": alphabet, "length": length})
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
            serial_template: template_view(&p.serial_alphabet, p.serial_length),
            external_serials: p.external_serials,
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
            serial_template: template_view(&p.serial_alphabet, p.serial_length),
            external_serials: p.external_serials,
        }
    }
}

fn product_error(code: &str) -> ApiError {
    ApiError::new(ErrorType::Product, format!("Product {code} does not exist"))
}

/// The one answer to a GTIN the caller may not register, whether or not another tenant has it.
fn outside_prefixes(code: &Gtin) -> ApiError {
    ApiError::forbidden(format!(
        "GTIN {code} is outside your GS1 Company Prefixes and was not assigned to you"
    ))
    .with_details(vec![Detail::at(
        "product_code",
        "outside the tenant's GS1 Company Prefixes; ask the hub operator to assign it",
    )])
}

/// `POST /v1/tenant/products`: GTIN-8/12/13 are stored as GTIN-14. Format errors come first; then
/// the GTIN must lie under one of the caller's company prefixes or have been assigned to it.
#[utoipa::path(post, path = "/v1/tenant/products", tag = "tenant", summary = "Register a product", request_body = CreateProduct, responses((status = 201, description = "Product registered", body = crate::openapi::Success)), security(("access_token" = []), ("bearer" = [])))]
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
    let template = match &body.serial_template {
        Some(t) => parse_template(&mut p, t),
        None => Some(SerialTemplate::DEFAULT),
    };
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
        serial_alphabet: template
            .unwrap_or(SerialTemplate::DEFAULT)
            .alphabet()
            .as_str()
            .to_string(),
        serial_length: template.unwrap_or(SerialTemplate::DEFAULT).length() as i16,
        external_serials: body.external_serials.unwrap_or(true),
    };
    write
        .run(&pool, move |conn, actor| {
            if !ownership::may_register(conn, &actor.tenant_id, &gtin)? {
                return Err(outside_prefixes(&gtin));
            }
            // A GTIN is unique in the hub: the insert also refuses one registered meanwhile.
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
#[utoipa::path(get, path = "/v1/tenant/products", tag = "tenant", summary = "List products", params(crate::http::page::PageQuery), responses((status = 200, description = "Products", body = crate::openapi::Page)), security(("access_token" = []), ("bearer" = [])))]
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
#[utoipa::path(get, path = "/v1/tenant/products/{product_code}", tag = "tenant", summary = "One product", params(("product_code" = String, Path, description = "GTIN-14")), responses((status = 200, description = "Product", body = crate::openapi::Success), (status = 404, description = "ProductError: no such product of the caller", body = crate::openapi::ErrorEnvelope)), security(("access_token" = []), ("bearer" = [])))]
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

/// `PATCH /v1/tenant/products/{product_code}` (the owner): the serial template and whether
/// external serials are accepted. A new template applies to serials generated from then on.
#[utoipa::path(patch, path = "/v1/tenant/products/{product_code}", tag = "tenant", summary = "Change a product's serial settings", request_body = UpdateProduct, params(("product_code" = String, Path, description = "GTIN-14")), responses((status = 200, description = "Product", body = crate::openapi::Success), (status = 404, description = "ProductError: no such product of the caller", body = crate::openapi::ErrorEnvelope)), security(("access_token" = []), ("bearer" = [])))]
pub async fn update(
    pool: Data<DbPool>,
    write: Write<JsonBody<UpdateProduct>>,
    path: web::Path<String>,
) -> Result<Reply, ApiError> {
    write.require_any(&[Role::Admin])?;
    let raw = path.into_inner();
    let code = Gtin::parse(&raw)
        .map_err(|_| product_error(&raw))?
        .to_string();
    let body = &write.body.value;
    let mut p = Problems::default();
    let template = body
        .serial_template
        .as_ref()
        .map(|t| parse_template(&mut p, t));
    if !p.is_empty() {
        return Err(ApiError::validation("Invalid product settings", p.0));
    }
    let template = template.flatten();
    let external = body.external_serials;
    write
        .run(&pool, move |conn, actor| {
            let row = db::products::find_owned(conn, &actor.tenant_id, &code)?
                .ok_or_else(|| product_error(&code))?;
            db::products::set_serial_settings(
                conn,
                row.key,
                template.map(|t| (t.alphabet().as_str(), t.length() as i16)),
                external,
            )?;
            let row = db::products::find_owned(conn, &actor.tenant_id, &code)?
                .ok_or_else(|| product_error(&code))?;
            let payload = AuditPayload::ProductUpdate(ProductSettingsChanged {
                product_code: Gtin::parse(&row.product_code)
                    .map_err(|_| ApiError::internal("stored GTIN"))?,
                serial_template: format!("{}/{}", row.serial_alphabet, row.serial_length),
                external_serials: row.external_serials,
            });
            audit::record_admin(conn, actor, payload)?;
            Ok(Reply::ok(ProductView::from(row)))
        })
        .await
}
