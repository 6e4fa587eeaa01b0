//! `POST /aggregate/container` (the seed document): packs onto an SSCC. Success body, the seed's
//! own sample, every rule of PRODUCT.md §3.3, all-or-nothing, bulk, concurrency, and the guard
//! (channel, role, Content-Type).

use reqwest::Method;
use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::gs1::{sscc, sscc_of, GTIN_C};
use crate::kit::line::MV2;
use crate::kit::race::{assert_exact_error, details, in_another_parent, one_winner, NOT_IN_STATUS};
use crate::kit::store::{self};
use crate::kit::{
    assert_error, child, child_full, children, detail_paths, problem_at, send, serials, spawn,
    spawn_with, Db, Line, BATCH, EXPIRY, GTIN, GTIN_B,
};

/// The seed's sample, with its GTIN and SSCC check digits corrected.
const SEED_GTIN: &str = "12345678909046";
const SEED_SSCC: &str = "000000000000000000";
const SEED_SERIAL: &str = "06FAT3FLH45RWM5A5BSG";

async fn seed_request_with_valid_identifiers_gets_the_seed_response(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(SEED_GTIN).await;
    let (status, body) = line
        .commission_with(SEED_GTIN, "BATCH002", "221200", &[SEED_SERIAL])
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = line
        .aggregate(
            SEED_SSCC,
            &[child_full(SEED_GTIN, SEED_SERIAL, "BATCH002", "221200")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"success": true, "message": "Aggregated on container"})
    );
    assert!(
        store::container_exists(&app.db, SEED_SSCC),
        "container created"
    );
    let it = store::pack(&app.db, SEED_GTIN, SEED_SERIAL).unwrap();
    assert_eq!(it.container(), Some(SEED_SSCC));
    assert_eq!(it.bundle(), None);
}

async fn seed_sample_request_is_a_validation_error_naming_both_check_digits(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    // The seed's sample request, exactly as documented (braces restored).
    let raw = r#"{
        "parent": "000000000000000003",
        "child_trade_items": [
            {
                "product_code": "12345678909040",
                "product_code_schema": "GTIN",
                "serial_number": "06FAT3FLH45RWM5A5BSG",
                "batch": "BATCH002",
                "expiry_date": "221200"
            }
        ]
    }"#;
    let (status, body) = send(
        line.req(Method::POST, "/aggregate/container")
            .header("content-type", "application/json")
            .body(raw),
    )
    .await;
    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(
        detail_paths(&body),
        ["parent", "child_trade_items[0].product_code"],
        "{body}"
    );
    assert_eq!(problem_at(&body, "parent"), "check digit should be 0");
    assert_eq!(
        problem_at(&body, "child_trade_items[0].product_code"),
        "check digit should be 6"
    );
    assert_eq!(store::container_count(&app.db), 0);
}

async fn children_not_commissioned_decommissioned_or_elsewhere_are_listed(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.commission_ok(GTIN, &serials("S", 6)).await;
    let (status, _) = line.decommission(GTIN, &["S2"], "damaged").await;
    assert_eq!(status, 200);
    let other_case = sscc(0, 1);
    line.aggregate_ok(&other_case, &[child(GTIN, "S3")]).await;
    let case = sscc(0, 2);
    let kids = vec![
        child(GTIN, "S0"),
        child(GTIN, "NEVER"), // not commissioned
        child(GTIN, "S2"),    // decommissioned
        child(GTIN, "S3"),    // in another parent
        child(GTIN, "S4"),
    ];
    let (status, body) = line.aggregate(&case, &kids).await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(
        detail_paths(&body),
        [
            "child_trade_items[1]",
            "child_trade_items[2]",
            "child_trade_items[3]"
        ],
        "{body}"
    );
    assert!(problem_at(&body, "child_trade_items[1]").contains("not commissioned"));
    assert!(problem_at(&body, "child_trade_items[2]").contains("decommissioned"));
    assert!(problem_at(&body, "child_trade_items[3]").contains("another parent"));
    assert!(
        !store::container_exists(&app.db, &case),
        "parent not created"
    );
    assert_eq!(store::pack(&app.db, GTIN, "S0").unwrap().container(), None);
    assert_eq!(
        store::aggregated_pack_count(&app.db),
        1,
        "only S3, from before"
    );
}

async fn batch_or_expiry_differing_from_commissioned_is_a_validation_error(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.commission_ok(GTIN, &serials("S", 4)).await; // BATCH002 / 281200
    let kids = vec![
        child_full(GTIN, "S0", BATCH, EXPIRY), // matches
        child_full(GTIN, "S1", "OTHER", EXPIRY),
        // 281231 is the same date as 281200, but a different printed value.
        child_full(GTIN, "S2", BATCH, "281231"),
        child_full(GTIN, "S3", "OTHER", "291200"),
    ];
    let (status, body) = line.aggregate(&sscc(0, 1), &kids).await;
    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(
        detail_paths(&body),
        [
            "child_trade_items[1].batch",
            "child_trade_items[2].expiry_date",
            "child_trade_items[3].batch",
            "child_trade_items[3].expiry_date",
        ],
        "{body}"
    );
    assert!(problem_at(&body, "child_trade_items[2].expiry_date").contains("281200"));
    assert_eq!(store::aggregated_pack_count(&app.db), 0);
    assert_eq!(store::container_count(&app.db), 0);
    // Only batch, or only expiry, or neither may be given.
    let kids = vec![
        json!({"product_code": GTIN, "product_code_schema": "GTIN", "serial_number": "S0", "batch": BATCH}),
        json!({"product_code": GTIN, "product_code_schema": "GTIN", "serial_number": "S1", "expiry_date": EXPIRY}),
        child(GTIN, "S2"),
    ];
    line.aggregate_ok(&sscc(0, 1), &kids).await;
    assert_eq!(store::packs_in(&app.db, &sscc(0, 1)), 3);
}

async fn reaggregating_into_the_same_parent_is_a_no_op(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.commission_ok(GTIN, &serials("S", 3)).await;
    let case = sscc(0, 1);
    line.aggregate_ok(&case, &children(GTIN, &serials("S", 2)))
        .await;
    // Again, the same two plus a new one: success, the new one is added.
    let (status, body) = line
        .aggregate(&case, &children(GTIN, &serials("S", 3)))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"success": true, "message": "Aggregated on container"})
    );
    // And exactly the same request once more.
    let (status, _) = line
        .aggregate(&case, &children(GTIN, &serials("S", 3)))
        .await;
    assert_eq!(status, 200);
    assert_eq!(store::packs_in(&app.db, &case), 3);
    assert_eq!(store::container_count(&app.db), 1);
}

async fn existing_parent_of_another_tenant_is_a_state_error(db: Db) {
    let app = spawn(db).await;
    let acme = Line::new(&app, "Acme").await;
    let other = Line::with_gcp(&app, "Other", "9521234").await;
    // Each its own product (a GTIN has one owner); both may open an external SSCC (of a prefix no
    // tenant of this hub holds): Other opens it first, and then it is Other's.
    acme.register(GTIN).await;
    acme.commission_ok(GTIN, &serials("S", 2)).await;
    other.register(GTIN_C).await;
    other.commission_ok(GTIN_C, &serials("S", 2)).await;
    let theirs = sscc_of("7000001", 0, 1);
    other.aggregate_ok(&theirs, &[child(GTIN_C, "S0")]).await;
    let (status, body) = acme
        .aggregate(&theirs, &[child(GTIN, "S0"), child(GTIN, "S1")])
        .await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(
        store::packs_in(&app.db, &theirs),
        1,
        "only the owner's pack"
    );
    assert_eq!(
        store::aggregated_pack_count(&app.db),
        1,
        "none of Acme's packs moved"
    );
}

async fn one_bad_child_among_many_writes_nothing(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.commission_ok(GTIN, &serials("S", 200)).await;
    let existing = sscc(0, 1);
    line.aggregate_ok(&existing, &[child(GTIN, "S199")]).await;
    let mut kids = children(GTIN, &serials("S", 150));
    kids.push(child(GTIN, "MISSING"));
    // Onto an existing parent: nothing attached.
    let (status, body) = line.aggregate(&existing, &kids).await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(detail_paths(&body), ["child_trade_items[150]"]);
    assert_eq!(store::packs_in(&app.db, &existing), 1);
    // Onto a new parent: nothing attached and the SSCC not created.
    let fresh = sscc(0, 2);
    let (status, body) = line.aggregate(&fresh, &kids).await;
    assert_error(status, &body, 409, "StateError");
    assert!(!store::container_exists(&app.db, &fresh));
    assert_eq!(store::aggregated_pack_count(&app.db), 1);
    assert_eq!(store::container_count(&app.db), 1);
    // Likewise for a child of an unregistered product: ProductError naming each place.
    let mut kids = children(GTIN, &serials("S", 3));
    kids.insert(1, child(GTIN_B, "S0"));
    kids.push(child(GTIN_B, "S1"));
    let (status, body) = line.aggregate(&fresh, &kids).await;
    assert_error(status, &body, 404, "ProductError");
    assert_eq!(
        detail_paths(&body),
        [
            "child_trade_items[1].product_code",
            "child_trade_items[4].product_code"
        ]
    );
    assert!(!store::container_exists(&app.db, &fresh));
    assert_eq!(store::aggregated_pack_count(&app.db), 1);
}

async fn malformed_children_are_all_listed(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.commission_ok(GTIN, &serials("S", 2)).await;
    let kids = vec![
        child(GTIN, "S0"),
        child(GTIN, "S0"), // duplicate
        json!({"product_code": GTIN, "product_code_schema": "EAN", "serial_number": "S1"}),
        child_full(GTIN, "S1", "B@D", "281332"),
    ];
    let (status, body) = line.aggregate("10614141123456789", &kids).await;
    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(
        detail_paths(&body),
        [
            "parent",
            "child_trade_items[1]",
            "child_trade_items[2].product_code_schema",
            "child_trade_items[3].batch",
            "child_trade_items[3].expiry_date",
        ],
        "{body}"
    );
    assert!(problem_at(&body, "parent").contains("18 digits"));
    // Missing or mistyped fields name their JSON path.
    let (status, body) = line
        .post("/aggregate/container",
            &json!({"parent": sscc(0, 1), "child_trade_items": [{"product_code": GTIN, "product_code_schema": "GTIN"}]}),
        )
        .await;
    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(detail_paths(&body), ["child_trade_items[0].serial_number"]);
    let (status, body) = line
        .post(
            "/aggregate/container",
            &json!({"parent": 140123450000000013u64, "child_trade_items": []}),
        )
        .await;
    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(detail_paths(&body), ["parent"]);
    // Empty list of children.
    let (status, body) = line.aggregate(&sscc(0, 1), &[]).await;
    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(store::container_count(&app.db), 0);
    assert_eq!(store::aggregated_pack_count(&app.db), 0);
}

async fn ten_thousand_children_in_one_request(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    let list = serials("P", 10_000);
    line.commission_ok(GTIN, &list).await;
    let kids: Vec<Value> = list
        .iter()
        .map(|s| child_full(GTIN, s, BATCH, EXPIRY))
        .collect();
    let pallet = sscc(3, 1);
    line.aggregate_ok(&pallet, &kids).await;
    assert_eq!(store::packs_in(&app.db, &pallet), 10_000);
    let (status, body) = app
        .get(&format!("/v1/containers/{pallet}"), line.token())
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["children"].as_array().unwrap().len(), 10_000);
}

async fn more_children_than_max_items_is_payload_too_large(db: Db) {
    let app = spawn_with(db, |s| s.max_items = 5).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.commission_ok(GTIN, &serials("S", 5)).await;
    let mut kids = children(GTIN, &serials("S", 5));
    kids.push(child(GTIN, "S5"));
    let (status, body) = line.aggregate(&sscc(0, 1), &kids).await;
    assert_error(status, &body, 413, "PayloadTooLargeError");
    assert_eq!(store::container_count(&app.db), 0);
}

async fn channel_key_is_required_and_must_be_the_callers(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    let other = Line::new(&app, "Other").await;
    line.register(GTIN).await;
    line.commission_ok(GTIN, &serials("S", 1)).await;
    let body = json!({"parent": sscc(0, 1), "child_trade_items": [child(GTIN, "S0")]});
    let path = format!("{}/aggregate/container", MV2);
    // Missing.
    let (status, resp) = send(app.req(Method::POST, &path, line.token()).json(&body)).await;
    assert_error(status, &resp, 403, "ChannelError");
    // Another tenant's channel.
    let (status, resp) = send(
        app.req(Method::POST, &path, line.token())
            .header("x-channel-key", &other.channel_key)
            .json(&body),
    )
    .await;
    assert_error(status, &resp, 403, "ChannelError");
    // A channel of the wrong source.
    let (_, manual) = app.channel(line.token(), "manual").await;
    let (status, resp) = send(
        app.req(Method::POST, &path, line.token())
            .header("x-channel-key", &manual)
            .json(&body),
    )
    .await;
    assert_error(status, &resp, 403, "ChannelError");
    // A disabled channel.
    let (status, _) = app
        .patch(
            &format!("/v1/tenant/channels/{}", line.channel_id),
            line.token(),
            &json!({"enabled": false}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, resp) = line.aggregate(&sscc(0, 1), &[child(GTIN, "S0")]).await;
    assert_error(status, &resp, 403, "ChannelError");
    // No token at all comes first.
    let (status, resp) = send(
        app.client
            .post(app.url(&path))
            .header("x-channel-key", &line.channel_key)
            .json(&body),
    )
    .await;
    assert_error(status, &resp, 401, "NoTokenError");
    assert_eq!(store::container_count(&app.db), 0);
    assert_eq!(store::aggregated_pack_count(&app.db), 0);
}

async fn the_shopfloor_role_is_required(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.commission_ok(GTIN, &serials("S", 1)).await;
    let body = json!({"parent": sscc(0, 1), "child_trade_items": [child(GTIN, "S0")]});
    for roles in [&["audit"][..], &["admin", "release"][..]] {
        let (_, token) = app.key_with_roles(line.token(), roles).await;
        let (status, resp) = send(
            line.req_as(Method::POST, "/aggregate/container", &token)
                .json(&body),
        )
        .await;
        assert_error(status, &resp, 403, "ForbiddenError");
    }
    let (_, shopfloor) = app.key_with_roles(line.token(), &["shopfloor"]).await;
    let (status, resp) = send(
        line.req_as(Method::POST, "/aggregate/container", &shopfloor)
            .json(&body),
    )
    .await;
    assert_eq!(status, 200, "{resp}");
}

async fn a_missing_content_type_is_415_validation_error(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.commission_ok(GTIN, &serials("S", 1)).await;
    let body = json!({"parent": sscc(0, 1), "child_trade_items": [child(GTIN, "S0")]}).to_string();
    let (status, resp) = send(
        line.req(Method::POST, "/aggregate/container")
            .body(body.clone()),
    )
    .await;
    assert_error(status, &resp, 415, "ValidationError");
    let (status, resp) = send(
        line.req(Method::POST, "/aggregate/container")
            .header("content-type", "text/plain")
            .body(body.clone()),
    )
    .await;
    assert_error(status, &resp, 415, "ValidationError");
    // Malformed JSON is a 400.
    let (status, resp) = send(
        line.req(Method::POST, "/aggregate/container")
            .header("content-type", "application/json")
            .body("{\"parent\": "),
    )
    .await;
    assert_error(status, &resp, 400, "ValidationError");
    assert_eq!(store::container_count(&app.db), 0);
}

async fn parallel_aggregations_of_the_same_children_have_one_winner(db: Db) {
    let app = spawn_with(db, |s| s.pool_size = 8).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    let list = serials("C", 200);
    line.commission_ok(GTIN, &list).await;
    let kids = children(GTIN, &list);
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let req = line
                .req(Method::POST, "/aggregate/container")
                .json(&json!({"parent": sscc(1, 100 + i), "child_trade_items": kids}));
            tokio::spawn(send(req))
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let (winner, losers) = one_winner(&results, 200);
    for i in losers {
        assert_error(results[i].0, &results[i].1, 409, "StateError");
        let elsewhere = in_another_parent(GTIN, &list);
        assert_exact_error(&results[i], 409, "StateError", NOT_IN_STATUS, &elsewhere);
    }
    assert_eq!(store::container_count(&app.db), 1, "losers created no SSCC");
    let won = sscc(1, 100 + winner as u64);
    assert_eq!(store::packs_in(&app.db, &won), 200);
    assert_eq!(store::aggregated_pack_count(&app.db), 200);
}

/// Asserts a refusal of aggregating `set` for packs only winners hold: the documented message,
/// and at least one detail, each naming a winner's pack where `set` has it.
#[track_caller]
fn assert_lost_to_winners(body: &Value, set: &[String], taken: &[&String]) {
    assert_eq!(body["message"], NOT_IN_STATUS, "{body}");
    let possible = in_another_parent(GTIN, set);
    let named = details(body);
    assert!(!named.is_empty(), "lost to someone: {body}");
    for d in &named {
        let j = possible
            .iter()
            .position(|p| p == d)
            .expect("a child of the request");
        assert!(taken.contains(&&set[j]), "{d:?} is a winner's: {body}");
    }
}

async fn parallel_overlapping_aggregations_are_each_all_or_nothing(db: Db) {
    let app = spawn_with(db, |s| s.pool_size = 8).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    let list = serials("O", 400);
    line.commission_ok(GTIN, &list).await;
    // Request i names packs [50 i, 50 i + 100): each overlaps its neighbours; odd ones reversed.
    let sets: Vec<Vec<String>> = (0..7)
        .map(|i| {
            let mut set = list[50 * i..50 * i + 100].to_vec();
            if i % 2 == 1 {
                set.reverse();
            }
            set
        })
        .collect();
    let tasks: Vec<_> = sets
        .iter()
        .enumerate()
        .map(|(i, set)| {
            let req = line.req(Method::POST, "/aggregate/container").json(
                &json!({"parent": sscc(2, 200 + i as u64), "child_trade_items": children(GTIN, set)}),
            );
            tokio::spawn(send(req))
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let winners: Vec<usize> = (0..7).filter(|&i| results[i].0 == 200).collect();
    // Neighbours overlap; requests two apart do not. Two neighbours never both win.
    for pair in winners.windows(2) {
        assert!(
            pair[1] > pair[0] + 1,
            "overlapping requests both won: {winners:?}"
        );
    }
    let taken: Vec<&String> = winners.iter().flat_map(|&i| &sets[i]).collect();
    let mut won = 0;
    for (i, (status, body)) in results.iter().enumerate() {
        let parent = sscc(2, 200 + i as u64);
        if *status == 200 {
            won += 1;
            assert_eq!(store::packs_in(&app.db, &parent), 100, "all of request {i}");
        } else {
            assert_error(*status, body, 409, "StateError");
            assert_lost_to_winners(body, &sets[i], &taken);
            assert!(
                !store::container_exists(&app.db, &parent),
                "none of request {i}"
            );
        }
    }
    assert!(won >= 1);
    assert_eq!(store::aggregated_pack_count(&app.db), 100 * won);
}

db_tests!(
    seed_request_with_valid_identifiers_gets_the_seed_response,
    seed_sample_request_is_a_validation_error_naming_both_check_digits,
    children_not_commissioned_decommissioned_or_elsewhere_are_listed,
    batch_or_expiry_differing_from_commissioned_is_a_validation_error,
    reaggregating_into_the_same_parent_is_a_no_op,
    existing_parent_of_another_tenant_is_a_state_error,
    one_bad_child_among_many_writes_nothing,
    malformed_children_are_all_listed,
    ten_thousand_children_in_one_request,
    more_children_than_max_items_is_payload_too_large,
    channel_key_is_required_and_must_be_the_callers,
    the_shopfloor_role_is_required,
    a_missing_content_type_is_415_validation_error,
    parallel_aggregations_of_the_same_children_have_one_winner,
    parallel_overlapping_aggregations_are_each_all_or_nothing,
);
