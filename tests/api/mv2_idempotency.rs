//! `Idempotency-Key` on the Manufacturer V2 writes (PRODUCT.md §2): a replay returns the stored
//! response and nothing happens twice; the same key with another body is 422; keys are per tenant.

use reqwest::Method;
use serde_json::{json, Value};

use crate::db_tests;
use crate::helpers::{assert_error, send, spawn, Db, TestApp};
use crate::mv2::{
    child, children, item, item_count, items_in, serials, sscc, Line, BATCH, EXPIRY, GTIN,
};

async fn keyed(
    app: &TestApp,
    line: &Line,
    method: Method,
    path: &str,
    key: &str,
    body: &Value,
) -> (u16, Value) {
    send(
        line.req(app, method, path)
            .header("Idempotency-Key", key)
            .json(body),
    )
    .await
}

fn commission_body(list: &[String]) -> Value {
    json!({"product_code": GTIN, "product_code_schema": "GTIN", "batch": BATCH,
           "expiry_date": EXPIRY, "serial_numbers": list})
}

async fn commission_replay_returns_the_stored_response(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(&app, GTIN).await;
    let body = commission_body(&serials("S", 3));
    let first = keyed(
        &app,
        &line,
        Method::POST,
        "/serials/commission",
        "k-1",
        &body,
    )
    .await;
    assert_eq!(first.0, 200, "{}", first.1);
    // Without the key the same request would now be a 409; with it, the first answer again.
    let again = keyed(
        &app,
        &line,
        Method::POST,
        "/serials/commission",
        "k-1",
        &body,
    )
    .await;
    assert_eq!(again, first);
    assert_eq!(item_count(&mut app.db.conn()), 3);
    let (status, _) = line.post(&app, "/serials/commission", &body).await;
    assert_eq!(status, 409);
}

async fn same_key_with_another_body_is_422(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(&app, GTIN).await;
    let (status, _) = keyed(
        &app,
        &line,
        Method::POST,
        "/serials/commission",
        "k-1",
        &commission_body(&serials("S", 2)),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = keyed(
        &app,
        &line,
        Method::POST,
        "/serials/commission",
        "k-1",
        &commission_body(&serials("T", 2)),
    )
    .await;
    assert_error(status, &body, 422, "IdempotencyError");
    let mut conn = app.db.conn();
    assert_eq!(item_count(&mut conn), 2);
    assert!(item(&mut conn, GTIN, "T0").is_none());
    // Another endpoint is another request too.
    let (status, body) = keyed(
        &app,
        &line,
        Method::POST,
        "/serials/decommission",
        "k-1",
        &json!({"product_code": GTIN, "product_code_schema": "GTIN",
                "serial_numbers": ["S0"], "reason": "damaged"}),
    )
    .await;
    assert_error(status, &body, 422, "IdempotencyError");
    assert_eq!(
        item(&mut conn, GTIN, "S0").unwrap().status,
        "pending_commissioning_approval"
    );
}

async fn aggregate_and_disaggregate_replays_do_nothing_twice(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(&app, GTIN).await;
    line.commission_ok(&app, GTIN, &serials("S", 4)).await;
    let case = sscc(0, 1);
    let agg = json!({"parent": case, "child_trade_items": children(GTIN, &serials("S", 2))});
    let first = keyed(
        &app,
        &line,
        Method::POST,
        "/aggregate/container",
        "a-1",
        &agg,
    )
    .await;
    assert_eq!(
        first,
        (
            200,
            json!({"success": true, "message": "Aggregated on container"})
        )
    );
    // Disaggregate all, keyed.
    let all = json!({"parent": case});
    let first = keyed(
        &app,
        &line,
        Method::DELETE,
        "/aggregate/container",
        "d-1",
        &all,
    )
    .await;
    assert_eq!(first.0, 200);
    assert_eq!(first.1["count"], json!(2));
    // New packs go in; replaying the "remove all" must not remove them.
    line.aggregate_ok(&app, &case, &children(GTIN, &serials("S", 4)))
        .await;
    let again = keyed(
        &app,
        &line,
        Method::DELETE,
        "/aggregate/container",
        "d-1",
        &all,
    )
    .await;
    assert_eq!(again, first);
    let mut conn = app.db.conn();
    assert_eq!(items_in(&mut conn, &case), 4);
    // Replaying the first aggregation changes nothing either.
    let (status, _) = line
        .delete(
            &app,
            "/aggregate/container",
            &json!({"parent": case, "child_trade_items": [child(GTIN, "S0")]}),
        )
        .await;
    assert_eq!(status, 200);
    let again = keyed(
        &app,
        &line,
        Method::POST,
        "/aggregate/container",
        "a-1",
        &agg,
    )
    .await;
    assert_eq!(again.0, 200);
    assert_eq!(items_in(&mut conn, &case), 3, "S0 stays out");
}

async fn a_refused_request_replays_its_refusal(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(&app, GTIN).await;
    line.commission_ok(&app, GTIN, &serials("S", 1)).await;
    let case = sscc(0, 1);
    let agg =
        json!({"parent": case, "child_trade_items": [child(GTIN, "S0"), child(GTIN, "LATE")]});
    let first = keyed(
        &app,
        &line,
        Method::POST,
        "/aggregate/container",
        "r-1",
        &agg,
    )
    .await;
    assert_error(first.0, &first.1, 409, "StateError");
    line.commission_ok(&app, GTIN, &["LATE".into()]).await;
    // The key stands for the first answer; a new attempt needs a new key.
    let again = keyed(
        &app,
        &line,
        Method::POST,
        "/aggregate/container",
        "r-1",
        &agg,
    )
    .await;
    assert_eq!(again, first);
    assert_eq!(items_in(&mut app.db.conn(), &case), 0);
    let (status, _) = keyed(
        &app,
        &line,
        Method::POST,
        "/aggregate/container",
        "r-2",
        &agg,
    )
    .await;
    assert_eq!(status, 200);
}

async fn decommission_replay_and_keys_per_tenant(db: Db) {
    let app = spawn(db).await;
    let acme = Line::new(&app, "Acme").await;
    let other = Line::new(&app, "Other").await;
    for line in [&acme, &other] {
        line.register(&app, GTIN).await;
        line.commission_ok(&app, GTIN, &serials("S", 2)).await;
    }
    let body = json!({"product_code": GTIN, "product_code_schema": "GTIN",
                      "serial_numbers": ["S0"], "reason": "destroyed"});
    let first = keyed(
        &app,
        &acme,
        Method::POST,
        "/serials/decommission",
        "x",
        &body,
    )
    .await;
    assert_eq!(first.0, 200, "{}", first.1);
    let again = keyed(
        &app,
        &acme,
        Method::POST,
        "/serials/decommission",
        "x",
        &body,
    )
    .await;
    assert_eq!(again, first, "not a 409 'already decommissioned'");
    // The other tenant's "x" is its own key: a different body is not a 422, and it runs.
    let theirs = json!({"product_code": GTIN, "product_code_schema": "GTIN",
                        "serial_numbers": ["S1"], "reason": "damaged"});
    let (status, resp) = keyed(
        &app,
        &other,
        Method::POST,
        "/serials/decommission",
        "x",
        &theirs,
    )
    .await;
    assert_eq!(status, 200, "{resp}");
    let (status, resp) = keyed(
        &app,
        &other,
        Method::POST,
        "/serials/decommission",
        "x",
        &body,
    )
    .await;
    assert_error(status, &resp, 422, "IdempotencyError");
}

db_tests!(
    commission_replay_returns_the_stored_response,
    same_key_with_another_body_is_422,
    aggregate_and_disaggregate_replays_do_nothing_twice,
    a_refused_request_replays_its_refusal,
    decommission_replay_and_keys_per_tenant,
    same_key_while_the_first_is_running_is_409,
);

async fn same_key_while_the_first_is_running_is_409(db: Db) {
    use diesel::prelude::*;
    use serialhub::db::schema::idempotency_keys as ik;
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(&app, GTIN).await;
    // Big enough to keep the first request busy for a while.
    let list: Vec<String> = (0..100_000).map(|i| format!("IF{i:08}")).collect();
    let body = commission_body(&list);
    let first = tokio::spawn(send(
        line.req(&app, Method::POST, "/serials/commission")
            .header("Idempotency-Key", "slow")
            .json(&body),
    ));
    // Wait until the first request has claimed the key.
    let mut conn = app.db.conn();
    let mut claimed = false;
    for _ in 0..400 {
        let state: Option<String> = ik::table
            .filter(ik::idem_key.eq("slow"))
            .select(ik::state)
            .first(&mut conn)
            .optional()
            .unwrap();
        if state.as_deref() == Some("running") {
            claimed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert!(claimed, "the first request claims the key");
    let (status, resp) = keyed(
        &app,
        &line,
        Method::POST,
        "/serials/commission",
        "slow",
        &body,
    )
    .await;
    // 409 at once, not a wait for the first followed by its replay.
    assert_error(status, &resp, 409, "IdempotencyError");
    let (status, first) = first.await.unwrap();
    assert_eq!(status, 200, "{first}");
    assert_eq!(item_count(&mut conn), 100_000);
    // Afterwards the key replays the first response.
    let again = keyed(
        &app,
        &line,
        Method::POST,
        "/serials/commission",
        "slow",
        &body,
    )
    .await;
    assert_eq!(again, (200, first));
}
