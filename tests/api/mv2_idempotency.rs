//! `Idempotency-Key` on the Manufacturer V2 writes (PRODUCT.md §2): a replay returns the stored
//! response and nothing happens twice; the same key with another body is 422; keys are per tenant.

use reqwest::Method;
use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::gs1::{sscc, GTIN_C};
use crate::kit::line::commission_body;
use crate::kit::race::assert_exact_error;
use crate::kit::store::{self};
use crate::kit::{assert_error, child, children, send, serials, spawn, Db, Line, GTIN};

async fn keyed(line: &Line, method: Method, path: &str, key: &str, body: &Value) -> (u16, Value) {
    send(
        line.req(method, path)
            .header("Idempotency-Key", key)
            .json(body),
    )
    .await
}

async fn commission_replay_returns_the_stored_response(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    let body = commission_body(GTIN, &serials("S", 3));
    let first = keyed(&line, Method::POST, "/serials/commission", "k-1", &body).await;
    assert_eq!(first.0, 200, "{}", first.1);
    // Without the key the same request would now be a 409; with it, the first answer again.
    let again = keyed(&line, Method::POST, "/serials/commission", "k-1", &body).await;
    assert_eq!(again, first);
    assert_eq!(store::pack_count(&app.db), 3);
    let (status, _) = line.post("/serials/commission", &body).await;
    assert_eq!(status, 409);
}

async fn same_key_with_another_body_is_422(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    let (status, _) = keyed(
        &line,
        Method::POST,
        "/serials/commission",
        "k-1",
        &commission_body(GTIN, &serials("S", 2)),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = keyed(
        &line,
        Method::POST,
        "/serials/commission",
        "k-1",
        &commission_body(GTIN, &serials("T", 2)),
    )
    .await;
    assert_error(status, &body, 422, "IdempotencyError");
    assert_eq!(store::pack_count(&app.db), 2);
    assert!(store::pack(&app.db, GTIN, "T0").is_none());
    // Another endpoint is another request too.
    let (status, body) = keyed(
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
        store::pack(&app.db, GTIN, "S0").unwrap().status,
        "pending_commissioning_approval"
    );
}

async fn aggregate_and_disaggregate_replays_do_nothing_twice(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.commission_ok(GTIN, &serials("S", 4)).await;
    let case = sscc(0, 1);
    let agg = json!({"parent": case, "child_trade_items": children(GTIN, &serials("S", 2))});
    let first = keyed(&line, Method::POST, "/aggregate/container", "a-1", &agg).await;
    assert_eq!(
        first,
        (
            200,
            json!({"success": true, "message": "Aggregated on container"})
        )
    );
    // Disaggregate all, keyed.
    let all = json!({"parent": case});
    let first = keyed(&line, Method::DELETE, "/aggregate/container", "d-1", &all).await;
    assert_eq!(first.0, 200);
    assert_eq!(first.1["count"], json!(2));
    // New packs go in; replaying the "remove all" must not remove them.
    line.aggregate_ok(&case, &children(GTIN, &serials("S", 4)))
        .await;
    let again = keyed(&line, Method::DELETE, "/aggregate/container", "d-1", &all).await;
    assert_eq!(again, first);
    assert_eq!(store::packs_in(&app.db, &case), 4);
    // Replaying the first aggregation changes nothing either.
    let (status, _) = line
        .delete(
            "/aggregate/container",
            &json!({"parent": case, "child_trade_items": [child(GTIN, "S0")]}),
        )
        .await;
    assert_eq!(status, 200);
    let again = keyed(&line, Method::POST, "/aggregate/container", "a-1", &agg).await;
    assert_eq!(again.0, 200);
    assert_eq!(store::packs_in(&app.db, &case), 3, "S0 stays out");
}

async fn a_refused_request_replays_its_refusal(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.commission_ok(GTIN, &serials("S", 1)).await;
    let case = sscc(0, 1);
    let agg =
        json!({"parent": case, "child_trade_items": [child(GTIN, "S0"), child(GTIN, "LATE")]});
    let first = keyed(&line, Method::POST, "/aggregate/container", "r-1", &agg).await;
    assert_error(first.0, &first.1, 409, "StateError");
    line.commission_ok(GTIN, &["LATE"]).await;
    // The key stands for the first answer; a new attempt needs a new key.
    let again = keyed(&line, Method::POST, "/aggregate/container", "r-1", &agg).await;
    assert_eq!(again, first);
    assert_eq!(store::packs_in(&app.db, &case), 0);
    let (status, _) = keyed(&line, Method::POST, "/aggregate/container", "r-2", &agg).await;
    assert_eq!(status, 200);
}

async fn decommission_replay_and_keys_per_tenant(db: Db) {
    let app = spawn(db).await;
    let acme = Line::new(&app, "Acme").await;
    let other = Line::new(&app, "Other").await;
    // Each its own product: a GTIN has one owner.
    for (line, gtin) in [(&acme, GTIN), (&other, GTIN_C)] {
        line.register(gtin).await;
        line.commission_ok(gtin, &serials("S", 2)).await;
    }
    let body = json!({"product_code": GTIN, "product_code_schema": "GTIN",
                      "serial_numbers": ["S0"], "reason": "destroyed"});
    let first = keyed(&acme, Method::POST, "/serials/decommission", "x", &body).await;
    assert_eq!(first.0, 200, "{}", first.1);
    let again = keyed(&acme, Method::POST, "/serials/decommission", "x", &body).await;
    assert_eq!(again, first, "not a 409 'already decommissioned'");
    // The other tenant's "x" is its own key: a different body is not a 422, and it runs.
    let theirs = json!({"product_code": GTIN_C, "product_code_schema": "GTIN",
                        "serial_numbers": ["S1"], "reason": "damaged"});
    let (status, resp) = keyed(&other, Method::POST, "/serials/decommission", "x", &theirs).await;
    assert_eq!(status, 200, "{resp}");
    let (status, resp) = keyed(&other, Method::POST, "/serials/decommission", "x", &body).await;
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
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    // Big enough to keep the first request busy for a while.
    let list: Vec<String> = (0..100_000).map(|i| format!("IF{i:08}")).collect();
    let body = commission_body(GTIN, &list);
    let first = tokio::spawn(send(
        line.req(Method::POST, "/serials/commission")
            .header("Idempotency-Key", "slow")
            .json(&body),
    ));
    // Wait until the first request has claimed the key: its 100 000-serial body is sent and
    // parsed first, which on a loaded machine can take seconds (a bound, not a timing claim).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while store::claim_state(&app.db, "slow").as_deref() != Some("running") {
        assert!(
            std::time::Instant::now() < deadline,
            "the first request claims the key"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let (status, resp) = keyed(&line, Method::POST, "/serials/commission", "slow", &body).await;
    // 409 at once, not a wait for the first followed by its replay.
    assert_error(status, &resp, 409, "IdempotencyError");
    assert_exact_error(
        &(status, resp),
        409,
        "IdempotencyError",
        "A request with this Idempotency-Key is still being processed",
        &[],
    );
    let (status, first) = first.await.unwrap();
    assert_eq!(status, 200, "{first}");
    assert_eq!(store::pack_count(&app.db), 100_000);
    // Afterwards the key replays the first response.
    let again = keyed(&line, Method::POST, "/serials/commission", "slow", &body).await;
    assert_eq!(again, (200, first));
}
