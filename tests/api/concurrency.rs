//! Invariants under parallel requests, enforced by the database: a pack is in at most one parent,
//! a serial is commissioned once, and every request is all-or-nothing.

use diesel::prelude::*;
use futures_util::future::join_all;
use serde_json::{json, Value};
use serialhub::db::schema::{containers, items};

use crate::db_tests;
use crate::helpers::{send, spawn, Db, TestApp};

const GTIN: &str = "04012345111118";

struct Line {
    token: String,
    channel: String,
}

async fn line(app: &TestApp) -> Line {
    let t = app.tenant("Acme").await;
    let (_, channel) = app.channel(&t.token, "manufacturer_v2_api").await;
    let (status, body) = app
        .post(
            "/v1/tenant/products",
            &t.token,
            &json!({"product_code": GTIN, "product_code_schema": "GTIN", "name": "P"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    Line {
        token: t.token,
        channel,
    }
}

async fn mv2(
    app: &TestApp,
    l: &Line,
    method: reqwest::Method,
    path: &str,
    body: &Value,
) -> (u16, Value) {
    send(
        app.req(method, &format!("/v1/manufacturer/v2/api{path}"), &l.token)
            .header("x-channel-key", &l.channel)
            .json(body),
    )
    .await
}

async fn commission(app: &TestApp, l: &Line, serials: &[String]) -> (u16, Value) {
    let body = json!({"product_code": GTIN, "product_code_schema": "GTIN", "batch": "B1",
                      "expiry_date": "281200", "serial_numbers": serials});
    mv2(app, l, reqwest::Method::POST, "/serials/commission", &body).await
}

/// SSCCs with valid check digits: extension 0, prefix 4012345, serial reference `n`.
fn sscc(n: u64) -> String {
    serialhub::domain::gs1::Sscc::from_parts(0, "4012345", n)
        .unwrap()
        .to_string()
}

fn children(serials: &[String]) -> Vec<Value> {
    serials
        .iter()
        .map(|s| json!({"product_code": GTIN, "product_code_schema": "GTIN", "serial_number": s}))
        .collect()
}

async fn parallel_aggregation_of_the_same_packs_has_exactly_one_winner(db: Db) {
    let app = spawn(db).await;
    let l = line(&app).await;
    let serials: Vec<String> = (0..200).map(|i| format!("S{i}")).collect();
    assert_eq!(commission(&app, &l, &serials).await.0, 200);
    // Eight requests race to put the same 200 packs (in different orders) onto eight SSCCs.
    let requests = (0..8u64).map(|k| {
        let mut mine = serials.clone();
        mine.rotate_left((k * 25) as usize);
        let body = json!({"parent": sscc(k + 1), "child_trade_items": children(&mine)});
        let (app, l) = (&app, &l);
        async move { mv2(app, l, reqwest::Method::POST, "/aggregate/container", &body).await }
    });
    let results = join_all(requests).await;
    let winners = results.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!(winners, 1, "exactly one request wins: {results:?}");
    for (status, body) in results.iter().filter(|(s, _)| *s != 200) {
        assert_eq!(
            (*status, body["error"].as_str()),
            (409, Some("StateError")),
            "{body}"
        );
    }
    let mut conn = app.db.conn();
    let parents: Vec<Option<i64>> = items::table
        .select(items::parent_container_id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(parents.len(), 200);
    let first = parents[0].expect("all packs aggregated");
    assert!(
        parents.iter().all(|p| *p == Some(first)),
        "every pack in the one winning parent"
    );
    let created: i64 = containers::table.count().get_result(&mut conn).unwrap();
    assert_eq!(
        created, 1,
        "losing requests leave no half-created SSCC behind"
    );
}

async fn parallel_commissioning_of_overlapping_serials_commissions_each_once(db: Db) {
    let app = spawn(db).await;
    let l = line(&app).await;
    // Six requests of 300 serials each, overlapping pairwise by 100.
    let requests = (0..6).map(|k| {
        let serials: Vec<String> = (k * 200..k * 200 + 300).map(|i| format!("C{i}")).collect();
        let (app, l) = (&app, &l);
        async move { commission(app, l, &serials).await }
    });
    let results = join_all(requests).await;
    for (status, body) in &results {
        assert!(
            *status == 200 || (*status == 409 && body["error"] == "StateError"),
            "{status} {body}"
        );
    }
    let committed: i64 = results
        .iter()
        .filter(|(s, _)| *s == 200)
        .map(|(_, b)| b["count"].as_i64().unwrap())
        .sum();
    let mut conn = app.db.conn();
    let rows: i64 = items::table.count().get_result(&mut conn).unwrap();
    assert_eq!(
        rows, committed,
        "every accepted request wrote all its serials, rejected ones none"
    );
    let serials: Vec<String> = items::table
        .select(items::serial_number)
        .load(&mut conn)
        .unwrap();
    let distinct: std::collections::HashSet<&String> = serials.iter().collect();
    assert_eq!(distinct.len() as i64, rows, "no serial commissioned twice");
}

async fn crossing_pallet_requests_never_form_a_cycle(db: Db) {
    let app = spawn(db).await;
    let l = line(&app).await;
    let serials: Vec<String> = (0..4).map(|i| format!("X{i}")).collect();
    assert_eq!(commission(&app, &l, &serials).await.0, 200);
    let (a, b) = (sscc(100), sscc(200));
    for (parent, pair) in [(&a, &serials[0..2]), (&b, &serials[2..4])] {
        let (s, body) = mv2(
            &app,
            &l,
            reqwest::Method::POST,
            "/aggregate/container",
            &json!({"parent": parent, "child_trade_items": children(pair)}),
        )
        .await;
        assert_eq!(s, 200, "{body}");
    }
    for _ in 0..5 {
        let (body_ab, body_ba) = (
            json!({"parent": a, "child_containers": [b]}),
            json!({"parent": b, "child_containers": [a]}),
        );
        let ab = mv2(
            &app,
            &l,
            reqwest::Method::POST,
            "/aggregate/containers",
            &body_ab,
        );
        let ba = mv2(
            &app,
            &l,
            reqwest::Method::POST,
            "/aggregate/containers",
            &body_ba,
        );
        let (r1, r2) = tokio::join!(ab, ba);
        assert!(
            r1.0 != 200 || r2.0 != 200,
            "both crossing requests succeeded: {r1:?} {r2:?}"
        );
        // Undo whichever won, and race again.
        for parent in [&a, &b] {
            mv2(
                &app,
                &l,
                reqwest::Method::DELETE,
                "/aggregate/containers",
                &json!({"parent": parent}),
            )
            .await;
        }
    }
}

db_tests!(
    parallel_aggregation_of_the_same_packs_has_exactly_one_winner,
    parallel_commissioning_of_overlapping_serials_commissions_each_once,
    crossing_pallet_requests_never_form_a_cycle,
);
