//! `POST /serials/commission` (PRODUCT.md §3.3): packs become `pending_commissioning_approval`,
//! serials are unique per GTIN forever, every bad serial is listed, all or nothing, bulk limits.

use serde_json::json;

use std::collections::HashSet;

use crate::db_tests;
use crate::kit::race::{already_commissioned, assert_exact_error, one_winner, SERIALS_TAKEN};
use crate::kit::store::{self};
use crate::kit::{
    assert_error, detail_paths, problem_at, send, serials, spawn, spawn_with, Db, Line, BATCH,
    GTIN, GTIN_B,
};

async fn commissioned_packs_are_pending_with_batch_expiry_producer_and_channel(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    let (status, body) = line
        .commission_with(GTIN, "LOT-7", "281200", &serials("S", 3))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"success": true, "message": "Serials commissioned", "count": 3})
    );
    assert_eq!(store::pack_count(&app.db), 3);
    for s in serials("S", 3) {
        let it = store::pack(&app.db, GTIN, &s).expect("stored");
        assert_eq!(it.status, "pending_commissioning_approval");
        assert_eq!(it.batch, "LOT-7");
        // As printed: 281200 is not turned into 281231.
        assert_eq!(it.expiry_date, "281200");
        assert_eq!(it.produced_by, line.tenant.id);
        assert_eq!(it.channel_id, line.channel_id);
        assert_eq!(it.container(), None);
        assert_eq!(it.bundle(), None);
        assert_eq!(it.decommission_reason, None);
    }
    // The lookup shows the same.
    let (status, body) = app.get(&format!("/v1/items/{GTIN}/S0"), line.token()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], json!("pending_commissioning_approval"));
    assert_eq!(body["expiry_date"], json!("281200"));
    assert_eq!(body["batch"], json!("LOT-7"));
    assert_eq!(body["produced_by"]["tenant_id"], json!(line.tenant.id));
    assert_eq!(body["produced_by"]["name"], json!("Acme"));
}

async fn gtin13_product_code_commissions_the_gtin14_product(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    let (status, body) = line
        .commission_with("4012345111118", BATCH, "281231", &serials("S", 1))
        .await;
    assert_eq!(status, 200, "{body}");
    let it = store::pack(&app.db, GTIN, "S0").expect("stored under GTIN-14");
    assert_eq!(it.expiry_date, "281231");
}

async fn unknown_or_foreign_product_is_a_product_error(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    let other = Line::new(&app, "Other").await;
    other.register(GTIN_B).await;
    // Never registered.
    let (status, unknown) = line
        .commission_with(GTIN, BATCH, "281200", &serials("S", 2))
        .await;
    assert_error(status, &unknown, 404, "ProductError");
    assert_eq!(detail_paths(&unknown), ["product_code"]);
    // Registered by another tenant: answered exactly like an unknown product.
    let (status, foreign) = line
        .commission_with(GTIN_B, BATCH, "281200", &serials("S", 2))
        .await;
    assert_error(status, &foreign, 404, "ProductError");
    assert_eq!(
        foreign.to_string().replace(GTIN_B, "X"),
        unknown.to_string().replace(GTIN, "X")
    );
    assert_eq!(store::pack_count(&app.db), 0);
}

async fn every_invalid_serial_is_listed_with_its_path(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    let list: Vec<String> = [
        "GOOD1",
        "BAD#1", // '#' is not in character set 82
        "GOOD2",
        "A23456789012345678901", // 21 characters
        "GOOD1",                 // duplicate inside the request
        "",                      // empty
        "with space",
        "GOOD3",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let (status, body) = line.commission_with(GTIN, BATCH, "281200", &list).await;
    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(
        detail_paths(&body),
        [
            "serial_numbers[1]",
            "serial_numbers[3]",
            "serial_numbers[4]",
            "serial_numbers[5]",
            "serial_numbers[6]",
        ],
        "{body}"
    );
    assert!(problem_at(&body, "serial_numbers[1]").contains("'#'"));
    assert!(problem_at(&body, "serial_numbers[3]").contains("got 21"));
    assert!(problem_at(&body, "serial_numbers[4]").contains("duplicate"));
    assert!(problem_at(&body, "serial_numbers[6]").contains("' '"));
    assert_eq!(store::pack_count(&app.db), 0);

    // An empty list is refused too.
    let (status, body) = line
        .commission_with(GTIN, BATCH, "281200", &[] as &[&str])
        .await;
    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(detail_paths(&body), ["serial_numbers"]);
}

async fn invalid_expiry_batch_and_schema_are_validation_errors(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    for (expiry, problem) in [
        ("231301", "month 13"),
        ("230229", "day 29"),
        ("2812", "6 digits"),
        ("28120A", "not a digit"),
    ] {
        let (status, body) = line
            .commission_with(GTIN, BATCH, expiry, &serials("S", 2))
            .await;
        assert_error(status, &body, 400, "ValidationError");
        assert_eq!(detail_paths(&body), ["expiry_date"], "{expiry}: {body}");
        assert!(
            problem_at(&body, "expiry_date").contains(problem),
            "{expiry}: {body}"
        );
    }
    // 2024 is a leap year; 00 means the last day of the month.
    let (status, body) = line
        .commission_with(GTIN, BATCH, "240229", &serials("L", 1))
        .await;
    assert_eq!(status, 200, "{body}");
    // Every problem of the request at once: batch, schema, serial.
    let (status, body) = line
        .post(
            "/serials/commission",
            &json!({"product_code": GTIN, "product_code_schema": "SGTIN", "batch": "B 1",
                    "expiry_date": "281300", "serial_numbers": ["OK", "N~"]}),
        )
        .await;
    assert_error(status, &body, 400, "ValidationError");
    let mut got = detail_paths(&body);
    got.sort();
    assert_eq!(
        got,
        [
            "batch",
            "expiry_date",
            "product_code_schema",
            "serial_numbers[1]"
        ]
    );
    assert_eq!(store::pack_count(&app.db), 1);
}

async fn already_commissioned_serials_are_a_state_error_listing_each(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.commission_ok(GTIN, &["OLD1", "OLD2"]).await;
    let list: Vec<String> = ["NEW1", "OLD2", "NEW2", "OLD1", "NEW3"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let (status, body) = line.commission_with(GTIN, BATCH, "281200", &list).await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(
        detail_paths(&body),
        ["serial_numbers[1]", "serial_numbers[3]"],
        "{body}"
    );
    assert!(problem_at(&body, "serial_numbers[1]").contains("OLD2"));
    assert_eq!(
        store::pack_count(&app.db),
        2,
        "nothing of the request was written"
    );
    assert!(store::pack(&app.db, GTIN, "NEW1").is_none());

    // Just one already commissioned among many is enough to refuse all of them.
    let mut many = serials("M", 500);
    many.push("OLD1".into());
    let (status, body) = line.commission_with(GTIN, BATCH, "281200", &many).await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(detail_paths(&body), ["serial_numbers[500]"]);
    assert_eq!(store::pack_count(&app.db), 2);

    // Serials are unique per GTIN, not globally: the same serial of another product is fine.
    line.register(GTIN_B).await;
    line.commission_ok(GTIN_B, &["OLD1"]).await;
}

async fn a_serial_is_never_commissioned_again_even_after_decommission(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.commission_ok(GTIN, &["S1", "S2"]).await;
    for reason in ["damaged", "destroyed"] {
        let serial = if reason == "damaged" { "S1" } else { "S2" };
        let (status, body) = line.decommission(GTIN, &[serial], reason).await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = line
            .commission_with(GTIN, "OTHER", "291200", &[serial.to_string()])
            .await;
        assert_error(status, &body, 409, "StateError");
        assert_eq!(detail_paths(&body), ["serial_numbers[0]"]);
        let it = store::pack(&app.db, GTIN, serial).unwrap();
        assert_eq!(
            (it.status.as_str(), it.batch.as_str()),
            ("decommissioned", BATCH)
        );
    }
}

async fn more_serials_than_max_items_is_payload_too_large(db: Db) {
    let app = spawn_with(db, |s| s.max_items = 5).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    let (status, body) = line
        .commission_with(GTIN, BATCH, "281200", &serials("S", 6))
        .await;
    assert_error(status, &body, 413, "PayloadTooLargeError");
    assert_eq!(store::pack_count(&app.db), 0);
    // Exactly the limit works.
    line.commission_ok(GTIN, &serials("S", 5)).await;
}

async fn body_over_the_size_limit_is_payload_too_large(db: Db) {
    let app = spawn_with(db, |s| s.body_limit = 2_000).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    let (status, body) = line
        .commission_with(GTIN, BATCH, "281200", &serials("SERIAL-NUMBER-", 200))
        .await;
    assert_error(status, &body, 413, "PayloadTooLargeError");
    assert_eq!(store::pack_count(&app.db), 0);
}

async fn one_hundred_thousand_serials_in_one_request(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    let list: Vec<String> = (0..100_000).map(|i| format!("X{i:08}RND")).collect();
    let (status, body) = line.commission_with(GTIN, BATCH, "281200", &list).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["count"], json!(100_000));
    assert_eq!(store::pack_count(&app.db), 100_000);
    assert!(store::pack(&app.db, GTIN, "X00099999RND").is_some());
    // And the whole batch is refused when re-sent: one StateError naming the first 1 000 and
    // counting the other 99 000 (an answer of 100 000 details would be megabytes).
    let (status, body) = line.commission_with(GTIN, BATCH, "281200", &list).await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(body["details"].as_array().unwrap().len(), 1_000);
    assert_eq!(body["details_omitted"], json!(99_000));
    assert_eq!(store::pack_count(&app.db), 100_000);
}

db_tests!(
    commissioned_packs_are_pending_with_batch_expiry_producer_and_channel,
    gtin13_product_code_commissions_the_gtin14_product,
    unknown_or_foreign_product_is_a_product_error,
    every_invalid_serial_is_listed_with_its_path,
    invalid_expiry_batch_and_schema_are_validation_errors,
    already_commissioned_serials_are_a_state_error_listing_each,
    a_serial_is_never_commissioned_again_even_after_decommission,
    more_serials_than_max_items_is_payload_too_large,
    body_over_the_size_limit_is_payload_too_large,
    one_hundred_thousand_serials_in_one_request,
    parallel_commissioning_of_the_same_serials_has_one_winner,
);

async fn parallel_commissioning_of_the_same_serials_has_one_winner(db: Db) {
    let app = spawn_with(db, |s| s.pool_size = 8).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    let list = serials("R", 3_000);
    let mut tasks = Vec::new();
    let mut orders = Vec::new();
    for i in 0..6 {
        // Half of the requests list the serials in reverse order.
        let mut mine = list.clone();
        if i % 2 == 1 {
            mine.reverse();
        }
        orders.push(mine.clone());
        let req = line.req(reqwest::Method::POST, "/serials/commission").json(
            &json!({"product_code": GTIN, "product_code_schema": "GTIN", "batch": BATCH,
                          "expiry_date": "281200", "serial_numbers": mine}),
        );
        tasks.push(tokio::spawn(send(req)));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    // Exactly one request commissions the serials; each other is told every one of them exists.
    let (_, losers) = one_winner(&results, 200);
    let taken: HashSet<&str> = list.iter().map(String::as_str).collect();
    for i in losers {
        assert_error(results[i].0, &results[i].1, 409, "StateError");
        let all = already_commissioned(&orders[i], &taken);
        assert_exact_error(&results[i], 409, "StateError", SERIALS_TAKEN, &all);
    }
    assert_eq!(store::pack_count(&app.db), 3_000);
}
