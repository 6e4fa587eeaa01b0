//! Packaging orders (issue 13 item 6; PRODUCT.md §3.3; docs/pools.md): the state machine, every
//! wrong transition, commissioning against an order, the reconciliation `finish` freezes, and
//! who may see an order. The allowed transitions are written out here, not taken from the code.

use reqwest::Method;
use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::gs1::gtin;
use crate::kit::line::commission_body_with_order;
use crate::kit::partners::partner;
use crate::kit::{
    assert_error, child, list_items, problem_at, send, spawn, store, Db, Line, BATCH, EXPIRY,
};
use crate::serial_pools::{assign, generate_ok, request_ok};

const M_GTIN: &str = "04012345111118";

const ACTIONS: [&str; 6] = [
    "assign_serials",
    "release",
    "start",
    "suspend",
    "resume",
    "finish",
];

/// The contract's state machine (PRODUCT.md §1, §3.3), independently of the code.
fn allowed(status: &str, action: &str) -> Option<&'static str> {
    match (status, action) {
        ("open", "assign_serials") => Some("pending_release"),
        ("pending_release", "release") => Some("in_progress"),
        ("open", "start") => Some("in_progress"),
        ("in_progress", "suspend") => Some("suspended"),
        ("suspended", "resume") => Some("in_progress"),
        ("in_progress" | "suspended", "finish") => Some("finished"),
        _ => None,
    }
}

async fn create(l: &Line, order_id: &str, quantity: i64) -> (u16, Value) {
    l.post(
        "/packaging_order",
        &json!({"order_id": order_id, "product_code": M_GTIN, "product_code_schema": "GTIN",
                "batch": BATCH, "expiry_date": EXPIRY, "quantity": quantity, "line": "L1"}),
    )
    .await
}

async fn act(l: &Line, action: &str, order_id: &str) -> (u16, Value) {
    l.send(
        Method::PATCH,
        &format!("/packaging_order/{action}"),
        &json!({ "order_id": order_id }),
    )
    .await
}

async fn act_ok(l: &Line, action: &str, order_id: &str) -> Value {
    let (status, body) = act(l, action, order_id).await;
    assert_eq!(status, 200, "{action}: {body}");
    body
}

async fn details(l: &Line, order_id: &str, produced_by: Option<&str>) -> (u16, Value) {
    let mut q = vec![("order_id", order_id.to_string())];
    if let Some(p) = produced_by {
        q.push(("produced_by", p.to_string()));
    }
    send(l.req(Method::GET, "/packaging_order/details").query(&q)).await
}

async fn commission_in(l: &Line, order_id: &str, batch: &str, serials: &[String]) -> (u16, Value) {
    l.post(
        "/serials/commission",
        &commission_body_with_order(M_GTIN, batch, EXPIRY, serials, order_id),
    )
    .await
}

/// Drives a fresh order of `l` into `status` through the shortest legal path.
async fn order_in(l: &Line, order_id: &str, status: &str) {
    let (code, body) = create(l, order_id, 5).await;
    assert_eq!(code, 200, "{body}");
    let path: &[&str] = match status {
        "open" => &[],
        "pending_release" => &["assign_serials"],
        "in_progress" => &["start"],
        "suspended" => &["start", "suspend"],
        "finished" => &["start", "finish"],
        _ => unreachable!(),
    };
    for a in path {
        act_ok(l, a, order_id).await;
    }
}

/// A CMO's day: serials from its MAH, an order, commissioning against it, aggregation, finish.
async fn an_order_runs_from_open_to_a_reconciled_finish(db: Db) {
    let app = spawn(db).await;
    let m = Line::with_gcp(&app, "M", "4012345").await;
    let c = Line::with_gcp(&app, "C", "4098765").await;
    m.register(M_GTIN).await;
    let p = partner(&m, &c, &[M_GTIN]).await;
    generate_ok(&m, M_GTIN, 100).await;
    assert_eq!(assign(&m, &p, M_GTIN, json!(50)).await.0, 200);

    let (status, body) = create(&c, "PO-1", 20).await;
    assert_eq!((status, &body["status"]), (200, &json!("open")), "{body}");
    assert_eq!(body["produced_by"], json!(c.id()));
    let body = act_ok(&c, "assign_serials", "PO-1").await;
    assert_eq!(body["status"], json!("pending_release"));
    let (_, d) = details(&c, "PO-1", None).await;
    let given: Vec<String> = d["serial_numbers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    assert_eq!(given.len(), 20);
    assert_eq!(d["counts"]["assigned"], json!(20));
    assert_eq!(store::stock_of(&app.db, M_GTIN, c.id()).len(), 30);
    // Not before the order is released to the line.
    let (status, body) = commission_in(&c, "PO-1", BATCH, &given[..1]).await;
    assert_error(status, &body, 409, "StateError");
    act_ok(&c, "release", "PO-1").await;
    let (status, body) = commission_in(&c, "PO-1", BATCH, &given[..15]).await;
    assert_eq!(status, 200, "{body}");
    // Serials of the order are not the line's without it.
    let (status, body) = c.commission(M_GTIN, &given[15..16]).await;
    assert_error(status, &body, 409, "StateError");
    let kids: Vec<Value> = given[..10].iter().map(|s| child(M_GTIN, s)).collect();
    c.aggregate_ok(&c.sscc(1), &kids).await;
    let (status, _) = c.decommission(M_GTIN, &[&given[12]], "damaged").await;
    assert_eq!(status, 200);
    act_ok(&c, "suspend", "PO-1").await;
    act_ok(&c, "resume", "PO-1").await;

    let body = act_ok(&c, "finish", "PO-1").await;
    let rec = json!({"assigned": 20, "commissioned": 15, "aggregated": 10, "decommissioned": 1, "returned": 5});
    assert_eq!(
        (&body["status"], &body["reconciliation"]),
        (&json!("finished"), &rec),
        "{body}"
    );
    assert_eq!(store::stock_of(&app.db, M_GTIN, c.id()).len(), 35);
    // Final, and frozen: later changes to its packs do not rewrite the reconciliation.
    let (_, d) = details(&c, "PO-1", None).await;
    assert_eq!(d["counts"], rec);
    assert_eq!(d["serial_numbers"], json!([]));
    for a in ACTIONS {
        let (status, body) = act(&c, a, "PO-1").await;
        assert_error(status, &body, 409, "StateError");
    }
    let (status, body) = commission_in(&c, "PO-1", BATCH, &given[16..17]).await;
    assert_error(status, &body, 409, "StateError");
    // The MAH's batch report carries the order's reconciliation.
    let (status, report) = send(
        m.api(Method::GET, "/v1/reports/batch")
            .query(&[("product_code", M_GTIN), ("batch", BATCH)]),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    let orders = report["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(
        (
            &orders[0]["order_id"],
            &orders[0]["produced_by"],
            &orders[0]["reconciliation"]
        ),
        (&json!("PO-1"), &json!(c.id()), &rec)
    );
    // Every step is in C's audit chain, which verifies.
    let updates = store::events(&app.db)
        .into_iter()
        .filter(|e| e.action == "packaging_order.update")
        .count();
    assert_eq!(updates, 5);
    let (status, body) = send(c.api(Method::GET, "/v1/audit/verify")).await;
    assert_eq!((status, &body["valid"]), (200, &json!(true)), "{body}");
}

async fn every_wrong_transition_is_a_state_error(db: Db) {
    let app = spawn(db).await;
    let m = Line::with_gcp(&app, "M", "4012345").await;
    m.register(M_GTIN).await;
    generate_ok(&m, M_GTIN, 1000).await;
    let mut n = 0;
    for status in [
        "open",
        "pending_release",
        "in_progress",
        "suspended",
        "finished",
    ] {
        for action in ACTIONS {
            n += 1;
            let id = format!("O-{n}");
            order_in(&m, &id, status).await;
            let before = store::fingerprint(&app.db);
            let (code, body) = act(&m, action, &id).await;
            match allowed(status, action) {
                Some(to) => assert_eq!(
                    (code, &body["status"]),
                    (200, &json!(to)),
                    "{status} {action}: {body}"
                ),
                None => {
                    assert_error(code, &body, 409, "StateError");
                    assert!(body["message"].as_str().unwrap().contains(status), "{body}");
                    assert_eq!(
                        store::fingerprint(&app.db),
                        before,
                        "{status} {action} wrote"
                    );
                }
            }
        }
    }
}

async fn a_bypass_order_takes_the_lines_own_serials(db: Db) {
    let app = spawn(db).await;
    let m = Line::with_gcp(&app, "M", "4012345").await;
    m.register(M_GTIN).await;
    order_in(&m, "BY-1", "in_progress").await;
    let own: Vec<String> = (0..7).map(|i| format!("OWN{i}")).collect();
    let (status, body) = commission_in(&m, "BY-1", BATCH, &own).await;
    assert_eq!(status, 200, "{body}");
    // The order's batch and expiry are the request's.
    let (status, body) = commission_in(&m, "BY-1", "OTHER", &["OWN9".to_string()]).await;
    assert_error(status, &body, 400, "ValidationError");
    assert!(problem_at(&body, "batch").contains("order"), "{body}");
    let (status, body) = commission_in(&m, "NO-SUCH", BATCH, &["OWN8".to_string()]).await;
    assert_error(status, &body, 404, "NotFoundError");
    let body = act_ok(&m, "finish", "BY-1").await;
    assert_eq!(
        body["reconciliation"],
        json!({"assigned": 0, "commissioned": 7, "aggregated": 0, "decommissioned": 0, "returned": 0})
    );
}

async fn order_ids_are_unique_per_tenant_and_orders_need_enough_serials(db: Db) {
    let app = spawn(db).await;
    let m = Line::with_gcp(&app, "M", "4012345").await;
    let c = Line::with_gcp(&app, "C", "4098765").await;
    m.register(M_GTIN).await;
    partner(&m, &c, &[M_GTIN]).await;
    assert_eq!(create(&m, "PO-1", 10).await.0, 200);
    let before = store::fingerprint(&app.db);
    let (status, body) = create(&m, "PO-1", 10).await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(store::fingerprint(&app.db), before);
    // Another tenant may use the same name.
    assert_eq!(create(&c, "PO-1", 10).await.0, 200);
    // Too few serials in the pool: nothing assigned, still open.
    generate_ok(&m, M_GTIN, 9).await;
    let before = store::fingerprint(&app.db);
    let (status, body) = act(&m, "assign_serials", "PO-1").await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(store::fingerprint(&app.db), before);
    let (_, d) = details(&m, "PO-1", None).await;
    assert_eq!(d["status"], json!("open"));
    // Hostile bodies.
    for (id, q) in [
        ("", 5),
        ("has space", 5),
        (&"x".repeat(65)[..], 5),
        ("OK", 0),
        ("OK", 100_001),
    ] {
        let (status, body) = create(&m, id, q).await;
        assert_error(status, &body, 400, "ValidationError");
    }
    let (status, body) = m.post("/packaging_order", &json!({"order_id": "Z", "product_code": &gtin("0401234599999"), "product_code_schema": "GTIN", "batch": BATCH, "expiry_date": EXPIRY, "quantity": 1})).await;
    assert_error(status, &body, 404, "ProductError");
}

/// C runs an order for M's product: C and M see it, nobody else does, and M cannot change it.
async fn an_order_is_visible_to_its_runner_and_its_mah_only(db: Db) {
    let app = spawn(db).await;
    let m = Line::with_gcp(&app, "M", "4012345").await;
    let c = Line::with_gcp(&app, "C", "4098765").await;
    let x = Line::with_gcp(&app, "X", "4077777").await;
    m.register(M_GTIN).await;
    partner(&m, &c, &[M_GTIN]).await;
    order_in(&c, "PO-C", "open").await;
    let (status, mine) = send(c.req(Method::GET, "/packaging_order/open")).await;
    assert_eq!(status, 200);
    assert_eq!(list_items(&mine).len(), 1);
    let (_, theirs) = send(m.req(Method::GET, "/packaging_order/open")).await;
    assert_eq!(list_items(&theirs).len(), 0);
    let (status, d) = details(&m, "PO-C", Some(c.id())).await;
    assert_eq!((status, &d["order_id"]), (200, &json!("PO-C")), "{d}");
    let (s1, b1) = details(&x, "PO-C", Some(c.id())).await;
    let (s2, b2) = details(&x, "NOPE", Some(c.id())).await;
    assert_error(s1, &b1, 404, "NotFoundError");
    assert_eq!(
        (s1, &b1["message"]),
        (s2, &b2["message"]),
        "no existence oracle"
    );
    let (status, body) = details(&m, "PO-C", None).await;
    assert_error(status, &body, 404, "NotFoundError");
    // Read-only for the MAH: its PATCH names its own orders only.
    let (status, body) = act(&m, "start", "PO-C").await;
    assert_error(status, &body, 404, "NotFoundError");
    assert_eq!(store::order_count(&app.db), 1);
}

/// Two lines finishing the same order at once: one finish, one StateError; serials returned once.
async fn concurrent_finishes_reconcile_once(db: Db) {
    let app = spawn(db).await;
    let second = crate::kit::app::start(app.settings.clone()).await;
    let m = Line::with_gcp(&app, "M", "4012345").await;
    m.register(M_GTIN).await;
    generate_ok(&m, M_GTIN, 30).await;
    let (status, _) = create(&m, "PO-R", 30).await;
    assert_eq!(status, 200);
    act_ok(&m, "assign_serials", "PO-R").await;
    act_ok(&m, "release", "PO-R").await;
    let other = m.via(&second);
    let (a, b) = tokio::join!(act(&m, "finish", "PO-R"), act(&other, "finish", "PO-R"));
    let oks = [&a, &b].iter().filter(|r| r.0 == 200).count();
    assert_eq!(oks, 1, "{a:?} {b:?}");
    let loser = if a.0 == 200 { &b } else { &a };
    assert_error(loser.0, &loser.1, 409, "StateError");
    assert_eq!(store::stock_of(&app.db, M_GTIN, m.id()).len(), 30);
    let _ = request_ok(&m, M_GTIN, 30).await;
}

db_tests!(
    an_order_runs_from_open_to_a_reconciled_finish,
    every_wrong_transition_is_a_state_error,
    a_bypass_order_takes_the_lines_own_serials,
    order_ids_are_unique_per_tenant_and_orders_need_enough_serials,
    an_order_is_visible_to_its_runner_and_its_mah_only,
    concurrent_finishes_reconcile_once,
);
