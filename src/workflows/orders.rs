//! Packaging orders (PRODUCT.md §1, §3.3; docs/pools.md): creation, the transitions of
//! `domain::pools::OrderAction`, commissioning against an order, and the reconciliation that
//! `finish` freezes. An order belongs to the tenant that runs it; its MAH may read it.

use super::access;
use crate::audit::{self, Event};
use crate::db::{self, orders::NewOrder, orders::OrderRow, products::ProductRow, DbConn};
use crate::domain::actor::Actor;
use crate::domain::audit_payload::{
    AssignedSerials, AuditPayload, Change, OrderChanged, OrderCreated, Reconciliation,
};
use crate::domain::gs1::{Batch, Expiry, Gtin};
use crate::domain::pools::{serials_digest, HolderKind, OrderAction, OrderStatus};
use crate::error::{ApiError, Detail};
use crate::ids::{OrderUid, TenantId};

use super::commission::Commission;

/// A new order, checked.
pub struct NewOrderCmd {
    pub order_id: String,
    pub gtin: Gtin,
    pub batch: Batch,
    pub expiry: Expiry,
    pub quantity: u64,
    pub line: Option<String>,
}

fn not_found() -> ApiError {
    ApiError::not_found("Packaging order")
}

fn record(
    conn: &mut DbConn,
    actor: &Actor,
    owner: &TenantId,
    payload: AuditPayload<'_>,
) -> Result<i64, ApiError> {
    Ok(audit::record(
        conn,
        actor,
        Event {
            owner_tenant_id: owner,
            reason: None,
            payload,
            items: &[],
            containers: &[],
        },
    )?)
}

/// `POST /packaging_order`: an order `open` for a product the caller may produce.
pub fn create(conn: &mut DbConn, actor: &Actor, cmd: &NewOrderCmd) -> Result<OrderRow, ApiError> {
    let mut products = access::require_products(
        conn,
        actor,
        [("product_code".to_string(), cmd.gtin.as_str())],
    )?;
    let product = products.remove(cmd.gtin.as_str()).expect("required");
    let uid = OrderUid::generate();
    let key = db::orders::insert(
        conn,
        &NewOrder {
            uid: &uid,
            tenant_id: &actor.tenant_id,
            order_id: &cmd.order_id,
            product_id: product.key,
            batch: cmd.batch.as_str(),
            expiry_date: cmd.expiry.as_printed(),
            quantity: cmd.quantity as i64,
            line: cmd.line.as_deref(),
            at: db::now(),
        },
    )?
    .ok_or_else(|| {
        ApiError::state(
            format!("Packaging order {} exists already", cmd.order_id),
            vec![Detail::at(
                "order_id",
                "is already used by another order of yours",
            )],
        )
    })?;
    db::pools::order_holder(conn, product.key, &actor.tenant_id, key)?;
    let payload = AuditPayload::OrderCreate(OrderCreated {
        order_id: cmd.order_id.clone(),
        product_code: cmd.gtin.clone(),
        batch: cmd.batch.clone(),
        expiry_date: cmd.expiry.clone(),
        quantity: cmd.quantity,
        line: cmd.line.clone(),
    });
    record(conn, actor, &product.owner_tenant_id, payload)?;
    db::orders::find(conn, &actor.tenant_id, &cmd.order_id)?.ok_or_else(not_found)
}

fn product_of(conn: &mut DbConn, order: &OrderRow) -> Result<ProductRow, ApiError> {
    db::products::by_keys(conn, &[order.product_id])?
        .pop()
        .ok_or_else(|| ApiError::internal("order without its product"))
}

/// The outcome of one transition.
pub struct Transitioned {
    pub order: OrderRow,
    pub product: ProductRow,
    pub reconciliation: Option<Reconciliation>,
}

/// One `PATCH /packaging_order/<action>` of the caller's own order.
pub fn act(
    conn: &mut DbConn,
    actor: &Actor,
    order_id: &str,
    action: OrderAction,
) -> Result<Transitioned, ApiError> {
    let order = db::orders::find(conn, &actor.tenant_id, order_id)?.ok_or_else(not_found)?;
    db::orders::lock(conn, order.key, false)?;
    // Read again under the lock: the status decides.
    let order = db::orders::find(conn, &actor.tenant_id, order_id)?.ok_or_else(not_found)?;
    let from = order.status();
    let to = action
        .from(from)
        .ok_or_else(|| wrong_status(action, from))?;
    let product = product_of(conn, &order)?;
    let holder = db::pools::order_holder(conn, product.key, &actor.tenant_id, order.key)?;
    let mut serials = None;
    let mut reconciliation = None;
    match action {
        OrderAction::AssignSerials => {
            let stock =
                db::pools::tenant_holder(conn, product.key, &actor.tenant_id, HolderKind::Stock)?;
            let moved = db::pools::take(conn, stock, holder, order.quantity)?;
            if (moved.len() as i64) < order.quantity {
                return Err(ApiError::state(
                    format!(
                        "The order needs {} serials but only {} are available; nothing was \
                         assigned",
                        order.quantity,
                        moved.len()
                    ),
                    vec![],
                ));
            }
            db::orders::set_assigned(conn, order.key, moved.len() as u64)?;
            serials = Some(AssignedSerials {
                quantity: moved.len() as u64,
                serials_sha256: serials_digest(moved.iter().map(String::as_str)),
            });
        }
        OrderAction::Finish => {
            let stock =
                db::pools::tenant_holder(conn, product.key, &actor.tenant_id, HolderKind::Stock)?;
            let returned = db::pools::move_all(conn, holder, stock)?;
            let (commissioned, aggregated, decommissioned) =
                db::orders::pack_counts(conn, order.key)?;
            let r = Reconciliation {
                assigned: order.assigned as u64,
                commissioned,
                aggregated,
                decommissioned,
                returned,
            };
            db::orders::set_reconciliation(conn, order.key, &r)?;
            reconciliation = Some(r);
        }
        _ => {}
    }
    if !db::orders::transition(conn, order.key, from, to)? {
        return Err(wrong_status(action, from));
    }
    let payload = AuditPayload::OrderUpdate(OrderChanged {
        order_id: order.order_id.clone(),
        product_code: Gtin::parse(&product.product_code)
            .map_err(|_| ApiError::internal("stored GTIN"))?,
        action: action.as_str().to_string(),
        status: Change { from, to },
        serials,
        reconciliation,
    });
    record(conn, actor, &product.owner_tenant_id, payload)?;
    let order = db::orders::find(conn, &actor.tenant_id, order_id)?.ok_or_else(not_found)?;
    Ok(Transitioned {
        order,
        product,
        reconciliation,
    })
}

fn wrong_status(action: OrderAction, from: OrderStatus) -> ApiError {
    let allowed: Vec<&str> = action.allowed_from().iter().map(|s| s.as_str()).collect();
    ApiError::state(
        format!(
            "The order is {from}; {} is allowed only from {}",
            action.as_str(),
            allowed.join(" or ")
        ),
        vec![Detail::at("order_id", format!("order is {from}"))],
    )
}

/// The caller's order to commission against: it must be `in_progress` and be for the request's
/// product, batch and expiry. The order row stays share-locked until the commissioning commits,
/// so `finish` cannot count while packs are still arriving.
pub fn for_commissioning(
    conn: &mut DbConn,
    actor: &Actor,
    product: &ProductRow,
    cmd: &Commission,
    order_id: &str,
) -> Result<OrderRow, ApiError> {
    let order = db::orders::find(conn, &actor.tenant_id, order_id)?.ok_or_else(not_found)?;
    db::orders::lock(conn, order.key, true)?;
    let order = db::orders::find(conn, &actor.tenant_id, order_id)?.ok_or_else(not_found)?;
    if !order.status().accepts_commissioning() {
        return Err(ApiError::state(
            format!(
                "Packaging order {order_id} is {}; packs are commissioned against it only while \
                 it is in_progress",
                order.status()
            ),
            vec![Detail::at(
                "order_id",
                format!("order is {}", order.status()),
            )],
        ));
    }
    let mut details = Vec::new();
    if order.product_id != product.key {
        details.push(Detail::at(
            "product_code",
            "differs from the order's product",
        ));
    }
    if order.batch != cmd.batch.as_str() {
        details.push(Detail::at(
            "batch",
            format!("differs from the order's batch {}", order.batch),
        ));
    }
    if order.expiry_date != cmd.expiry.as_printed() {
        details.push(Detail::at(
            "expiry_date",
            format!("differs from the order's expiry date {}", order.expiry_date),
        ));
    }
    if !details.is_empty() {
        return Err(ApiError::validation(
            "The request does not match its packaging order",
            details,
        ));
    }
    Ok(order)
}

/// An order as a reader may see it: the caller's own, or — for the brand owner — one its CMO
/// `produced_by` runs for the owner's product. Anyone else gets `NotFoundError`.
pub fn visible(
    conn: &mut DbConn,
    viewer: &TenantId,
    order_id: &str,
    produced_by: Option<&TenantId>,
) -> Result<(OrderRow, ProductRow), ApiError> {
    let runner = produced_by.unwrap_or(viewer);
    let order = db::orders::find(conn, runner, order_id)?.ok_or_else(not_found)?;
    let product = product_of(conn, &order)?;
    if runner != viewer && product.owner_tenant_id != *viewer {
        return Err(not_found());
    }
    Ok((order, product))
}

/// The counts of an order: frozen once finished, live before.
pub fn counts(conn: &mut DbConn, order: &OrderRow) -> Result<Reconciliation, ApiError> {
    if let Some(r) = order.reconciliation() {
        return Ok(r);
    }
    let (commissioned, aggregated, decommissioned) = db::orders::pack_counts(conn, order.key)?;
    Ok(Reconciliation {
        assigned: order.assigned as u64,
        commissioned,
        aggregated,
        decommissioned,
        returned: 0,
    })
}
