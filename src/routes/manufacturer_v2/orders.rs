//! Packaging orders (PRODUCT.md §3.3, `workflows::orders`): `POST /packaging_order`, the two
//! reads, and one `PATCH /packaging_order/<action>` per transition.

use actix_web::web::{self, Data};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::cursor::{CursorKey, CursorList};
use crate::auth::tokens::KeyRing;
use crate::auth::Identity;
use crate::config::Settings;
use crate::db::{self, orders::OrderRow, DbPool};
use crate::domain::audit_payload::Reconciliation;
use crate::domain::gs1::{Batch, Expiry, Gtin};
use crate::domain::pools::OrderAction;
use crate::domain::problems::Problems;
use crate::domain::trade_item::check_schema;
use crate::error::ApiError;
use crate::http::body::JsonBody;
use crate::http::page::{open_after, page, PageQuery};
use crate::http::write::Write;
use crate::http::{read, reply::Reply};
use crate::ids::{OrderKey, TenantId};
use crate::routes::tenant::serials::check_quantity;
use crate::workflows::orders::{self, NewOrderCmd};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreateOrderBody {
    order_id: String,
    product_code: String,
    product_code_schema: String,
    batch: String,
    expiry_date: String,
    /// Packs the order is for, 1 to the configured item limit (default 100 000).
    quantity: i64,
    line: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct OrderRef {
    order_id: String,
}

/// An order id as callers name them: 1 to 64 printable ASCII characters.
pub fn check_order_id(p: &mut Problems, field: &str, id: &str) {
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        p.push(
            field,
            "must be 1 to 64 printable ASCII characters without spaces",
        );
    }
}

fn reconciliation_view(r: &Reconciliation) -> Value {
    json!({
        "assigned": r.assigned,
        "commissioned": r.commissioned,
        "aggregated": r.aggregated,
        "decommissioned": r.decommissioned,
        "returned": r.returned,
    })
}

/// The public shape of an order.
fn order_view(o: &OrderRow, product_code: &str) -> Value {
    json!({
        "id": o.uid,
        "order_id": o.order_id,
        "status": o.status(),
        "product_code": product_code,
        "product_code_schema": "GTIN",
        "batch": o.batch,
        "expiry_date": o.expiry_date,
        "quantity": o.quantity,
        "line": o.line,
        "produced_by": o.tenant_id,
        "created_at": crate::time::rfc3339(o.created_at),
    })
}

/// `POST /packaging_order`.
#[utoipa::path(post, path = "/v1/manufacturer/v2/api/packaging_order", tag = "manufacturer_v2", summary = "Create a packaging order (open)", request_body = CreateOrderBody, responses((status = 200, description = "Order open", body = crate::openapi::Success), (status = 404, description = "ProductError: product unknown or not producible by the caller", body = crate::openapi::ErrorEnvelope), (status = 409, description = "StateError: order_id already used", body = crate::openapi::ErrorEnvelope)), security(("access_token" = [], "channel_key" = []), ("bearer" = [], "channel_key" = [])))]
pub async fn create(
    pool: Data<DbPool>,
    settings: Data<Settings>,
    write: Write<JsonBody<CreateOrderBody>>,
) -> Result<Reply, ApiError> {
    let b = &write.body.value;
    let mut p = Problems::default();
    check_order_id(&mut p, "order_id", &b.order_id);
    check_schema(&mut p, "product_code_schema", &b.product_code_schema);
    let gtin = p.check("product_code", Gtin::parse(&b.product_code));
    let batch = p.check("batch", Batch::parse(&b.batch));
    let expiry = p.check("expiry_date", Expiry::parse_now(&b.expiry_date));
    let quantity = match check_quantity(b.quantity, settings.max_items as u64) {
        Ok(q) => Some(q),
        Err(_) => {
            p.push("quantity", format!("must be 1 to {}", settings.max_items));
            None
        }
    };
    if let Some(line) = &b.line {
        if line.trim().is_empty() || line.len() > 200 {
            p.push("line", "must be 1 to 200 characters");
        }
    }
    let cmd = match (gtin, batch, expiry, quantity) {
        (Some(gtin), Some(batch), Some(expiry), Some(quantity)) if p.is_empty() => NewOrderCmd {
            order_id: b.order_id.clone(),
            gtin,
            batch,
            expiry,
            quantity,
            line: b.line.clone(),
        },
        _ => return Err(ApiError::validation("Invalid packaging order", p.0)),
    };
    write
        .run(&pool, move |conn, actor| {
            let order = orders::create(conn, actor, &cmd)?;
            let mut v = order_view(&order, cmd.gtin.as_str());
            v["message"] = json!("Packaging order created");
            Ok(Reply::ok(v))
        })
        .await
}

/// One `PATCH /packaging_order/<action>`.
async fn transition(
    pool: Data<DbPool>,
    write: Write<JsonBody<OrderRef>>,
    action: OrderAction,
) -> Result<Reply, ApiError> {
    let order_id = write.body.value.order_id.clone();
    let mut p = Problems::default();
    check_order_id(&mut p, "order_id", &order_id);
    if !p.is_empty() {
        return Err(ApiError::validation("Invalid order reference", p.0));
    }
    write
        .run(&pool, move |conn, actor| {
            let t = orders::act(conn, actor, &order_id, action)?;
            let mut v = order_view(&t.order, &t.product.product_code);
            if let Some(r) = &t.reconciliation {
                v["reconciliation"] = reconciliation_view(r);
            }
            Ok(Reply::ok(v))
        })
        .await
}

macro_rules! order_action {
    ($name:ident, $action:expr, $path:literal, $summary:literal) => {
        #[doc = concat!("`PATCH ", $path, "`.")]
        #[utoipa::path(patch, path = $path, tag = "manufacturer_v2", summary = $summary, request_body = OrderRef, responses((status = 200, description = "Order in its new status", body = crate::openapi::Success), (status = 404, description = "NotFoundError: no such order of the caller", body = crate::openapi::ErrorEnvelope), (status = 409, description = "StateError: the order is not in a status this action is allowed from", body = crate::openapi::ErrorEnvelope)), security(("access_token" = [], "channel_key" = []), ("bearer" = [], "channel_key" = [])))]
        pub async fn $name(
            pool: Data<DbPool>,
            write: Write<JsonBody<OrderRef>>,
        ) -> Result<Reply, ApiError> {
            transition(pool, write, $action).await
        }
    };
}

order_action!(
    assign_serials,
    OrderAction::AssignSerials,
    "/v1/manufacturer/v2/api/packaging_order/assign_serials",
    "Assign quantity pool serials to the order (open to pending_release)"
);
order_action!(
    release,
    OrderAction::Release,
    "/v1/manufacturer/v2/api/packaging_order/release",
    "Release the order to its line (pending_release to in_progress)"
);
order_action!(
    start,
    OrderAction::Start,
    "/v1/manufacturer/v2/api/packaging_order/start",
    "Start without pool serials (open to in_progress)"
);
order_action!(
    suspend,
    OrderAction::Suspend,
    "/v1/manufacturer/v2/api/packaging_order/suspend",
    "Suspend (in_progress to suspended)"
);
order_action!(
    resume,
    OrderAction::Resume,
    "/v1/manufacturer/v2/api/packaging_order/resume",
    "Resume (suspended to in_progress)"
);
order_action!(
    finish,
    OrderAction::Finish,
    "/v1/manufacturer/v2/api/packaging_order/finish",
    "Finish and reconcile; unused serials return to the pool"
);

/// `GET /packaging_order/open`: the caller's orders that are not finished.
#[utoipa::path(get, path = "/v1/manufacturer/v2/api/packaging_order/open", tag = "manufacturer_v2", summary = "The caller's unfinished orders", params(PageQuery), responses((status = 200, description = "Orders", body = crate::openapi::Page)), security(("access_token" = [], "channel_key" = []), ("bearer" = [], "channel_key" = [])))]
pub async fn open(
    pool: Data<DbPool>,
    id: Identity,
    keys: Data<KeyRing>,
    query: web::Query<PageQuery>,
) -> Result<Reply, ApiError> {
    let limit = query.limit()?;
    let cursors: CursorKey = keys.cursor_key().clone();
    let viewer = id.tenant_id.clone();
    let after = open_after(
        &cursors,
        &viewer,
        CursorList::PackagingOrders,
        query.after.as_deref(),
    )?
    .map(OrderKey::from_db);
    let items = read(&pool, move |conn| {
        let rows = db::orders::list_unfinished(conn, &viewer, after, limit)?;
        let mut keys: Vec<_> = rows.iter().map(|r| r.product_id).collect();
        keys.sort_unstable();
        keys.dedup();
        let codes: std::collections::HashMap<_, _> = db::products::by_keys(conn, &keys)?
            .into_iter()
            .map(|p| (p.key, p.product_code))
            .collect();
        Ok(rows
            .iter()
            .map(|o| {
                let mut v = order_view(o, &codes[&o.product_id]);
                v["cursor"] =
                    json!(cursors.seal(&viewer, CursorList::PackagingOrders, o.key.get()));
                v
            })
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(page(items, limit, |v| {
        v["cursor"].as_str().unwrap_or_default().to_string()
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DetailsQuery {
    order_id: String,
    /// The brand owner reading an order its CMO runs: the CMO's tenant id.
    produced_by: Option<String>,
}

/// `GET /packaging_order/details?order_id=`: the order, its counts, and the serials it still
/// holds unused.
#[utoipa::path(get, path = "/v1/manufacturer/v2/api/packaging_order/details", tag = "manufacturer_v2", summary = "One order with counts and assigned serials", params(DetailsQuery), responses((status = 200, description = "Order", body = crate::openapi::Success), (status = 404, description = "NotFoundError: no such order visible to the caller", body = crate::openapi::ErrorEnvelope)), security(("access_token" = [], "channel_key" = []), ("bearer" = [], "channel_key" = [])))]
pub async fn details(
    pool: Data<DbPool>,
    settings: Data<Settings>,
    id: Identity,
    query: web::Query<DetailsQuery>,
) -> Result<Reply, ApiError> {
    let order_id = query.order_id.clone();
    let mut p = Problems::default();
    check_order_id(&mut p, "order_id", &order_id);
    let produced_by = match &query.produced_by {
        None => None,
        Some(t) => match uuid::Uuid::parse_str(t) {
            Ok(_) => Some(TenantId::from_text(t)),
            Err(_) => {
                p.push("produced_by", "must be a tenant id (UUID)");
                None
            }
        },
    };
    if !p.is_empty() {
        return Err(ApiError::validation("Invalid order reference", p.0));
    }
    let viewer = id.tenant_id.clone();
    let max = settings.max_items as i64;
    let v = read(&pool, move |conn| {
        db::read_tx(conn, |c| {
            let (order, product) = orders::visible(c, &viewer, &order_id, produced_by.as_ref())?;
            let counts = orders::counts(c, &order)?;
            let serials = match db::pools::find_order_holder(c, order.key)? {
                Some(h) => db::pools::held_serials(c, h, max)?,
                None => Vec::new(),
            };
            let mut v = order_view(&order, &product.product_code);
            v["counts"] = reconciliation_view(&counts);
            v["serial_numbers"] = json!(serials);
            Ok(v)
        })
    })
    .await?;
    Ok(Reply::ok(v))
}
