//! Trade items in trade items (bundles, `POST /aggregate/trade_item`) and containers on containers
//! (pallets, `POST /aggregate/containers`): multi-level hierarchies, as seen through the lookups;
//! cycles, empty and foreign child containers refused.

use reqwest::Method;
use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::gs1::{sscc, sscc_other, GTIN_C};
use crate::kit::race::{assert_exact_error, one_winner, NOT_IN_STATUS};
use crate::kit::store::{self};
use crate::kit::{
    assert_error, child, child_full, detail_paths, problem_at, send, serials, spawn, Db, Line,
    TestApp, BATCH, EXPIRY, GTIN, GTIN_B,
};

const PENDING: &str = "pending_commissioning_approval";

fn pack(gtin: &str, serial: &str, kids: Vec<Value>) -> Value {
    json!({"type": "trade_item", "product_code": gtin, "serial_number": serial,
           "status": PENDING, "children": kids})
}

fn case(sscc: &str, kids: Vec<Value>) -> Value {
    json!({"type": "container", "sscc": sscc, "status": PENDING, "children": kids})
}

/// Packs P0..P5 of GTIN and bundle packs B0..B3 of GTIN_B, all commissioned.
async fn line_with_packs(app: &TestApp) -> Line {
    let line = Line::new(app, "Acme").await;
    line.register(GTIN).await;
    line.register(GTIN_B).await;
    line.commission_ok(GTIN, &serials("P", 6)).await;
    line.commission_ok(GTIN_B, &serials("B", 4)).await;
    line
}

/// Bundles B0 (P0–P2) and B1 (P3, P4); case 1 holds B0 and P5, case 2 holds B1; the pallet holds
/// both cases. Returns (case 1, case 2, pallet).
async fn pallet_of_bundles(line: &Line) -> (String, String, String) {
    let (c1, c2, pallet) = (sscc(1, 1), sscc(1, 2), sscc(2, 1));

    // Packs into bundles.
    let (status, body) = line
        .bundle(
            child_full(GTIN_B, "B0", BATCH, EXPIRY),
            &[child(GTIN, "P0"), child(GTIN, "P1"), child(GTIN, "P2")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], json!(true));
    let (status, body) = line
        .bundle(child(GTIN_B, "B1"), &[child(GTIN, "P3"), child(GTIN, "P4")])
        .await;
    assert_eq!(status, 200, "{body}");
    // Bundles (and a loose pack) onto cases.
    line.aggregate_ok(&c1, &[child(GTIN_B, "B0"), child(GTIN, "P5")])
        .await;
    line.aggregate_ok(&c2, &[child(GTIN_B, "B1")]).await;
    // Cases onto a pallet.
    let (status, body) = line.palletise(&pallet, &[&c1, &c2]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"success": true, "message": "Aggregated on container"})
    );
    (c1, c2, pallet)
}

async fn a_pallet_lookup_shows_its_whole_tree(db: Db) {
    let app = spawn(db).await;
    let line = line_with_packs(&app).await;
    let (c1, c2, pallet) = pallet_of_bundles(&line).await;

    let (status, body) = app
        .get(&format!("/v1/containers/{pallet}"), line.token())
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], json!(true));
    assert_eq!(body["sscc"], json!(pallet));
    assert_eq!(body["status"], json!(PENDING));
    assert_eq!(body["parent"], json!(null));
    assert_eq!(body["produced_by"]["tenant_id"], json!(line.tenant.id));
    let p = |s: &str| pack(GTIN, s, vec![]);
    assert_eq!(
        body["children"],
        json!([
            case(
                &c1,
                vec![p("P5"), pack(GTIN_B, "B0", vec![p("P0"), p("P1"), p("P2")]),]
            ),
            case(&c2, vec![pack(GTIN_B, "B1", vec![p("P3"), p("P4")])]),
        ]),
        "{body:#}"
    );

    // A case knows its pallet.
    let (_, body) = app.get(&format!("/v1/containers/{c1}"), line.token()).await;
    assert_eq!(body["parent"], json!({"sscc": pallet}));
}

async fn a_pack_lookup_names_every_ancestor_outermost_last(db: Db) {
    let app = spawn(db).await;
    let line = line_with_packs(&app).await;
    let (c1, c2, pallet) = pallet_of_bundles(&line).await;

    // A pack knows its bundle and every ancestor, outermost last.
    let (status, body) = app.get(&format!("/v1/items/{GTIN}/P0"), line.token()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["parent"],
        json!({"product_code": GTIN_B, "serial_number": "B0"})
    );
    assert_eq!(
        body["ancestors"],
        json!([
            {"product_code": GTIN_B, "serial_number": "B0"},
            {"sscc": c1},
            {"sscc": pallet},
        ])
    );
    let (_, body) = app
        .get(&format!("/v1/items/{GTIN_B}/B1"), line.token())
        .await;
    assert_eq!(body["parent"], json!({"sscc": c2}));
    assert_eq!(body["ancestors"], json!([{"sscc": c2}, {"sscc": pallet}]));
    let (_, body) = app.get(&format!("/v1/items/{GTIN}/P5"), line.token()).await;
    assert_eq!(body["ancestors"], json!([{"sscc": c1}, {"sscc": pallet}]));
}

async fn bundles_nest_in_bundles_at_any_depth(db: Db) {
    let app = spawn(db).await;
    let line = line_with_packs(&app).await;

    // Bundles in bundles, any depth: B2 holds B3, which holds nothing yet... then B3 holds a pack.
    line.commission_ok(GTIN, &["DEEP"]).await;
    let (status, body) = line
        .bundle(child(GTIN_B, "B3"), &[child(GTIN, "DEEP")])
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = line
        .bundle(child(GTIN_B, "B2"), &[child(GTIN_B, "B3")])
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = app
        .get(&format!("/v1/items/{GTIN}/DEEP"), line.token())
        .await;
    assert_eq!(
        body["ancestors"],
        json!([
            {"product_code": GTIN_B, "serial_number": "B3"},
            {"product_code": GTIN_B, "serial_number": "B2"},
        ])
    );
}

async fn a_bundle_parent_must_be_a_pending_pack_as_asserted(db: Db) {
    let app = spawn(db).await;
    let line = line_with_packs(&app).await;
    // Parent not commissioned.
    let (status, body) = line
        .bundle(child(GTIN_B, "NOPE"), &[child(GTIN, "P0")])
        .await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(detail_paths(&body), ["parent"]);
    // A pack cannot contain itself.
    let (status, body) = line.bundle(child(GTIN, "P0"), &[child(GTIN, "P0")]).await;
    assert_error(status, &body, 400, "ValidationError");
    // Parent batch/expiry, when given, must match too.
    let (status, body) = line
        .bundle(
            child_full(GTIN_B, "B0", "OTHER", "281231"),
            &[child(GTIN, "P0")],
        )
        .await;
    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(
        detail_paths(&body),
        ["parent.batch", "parent.expiry_date"],
        "{body}"
    );
    assert_eq!(store::aggregated_pack_count(&app.db), 0);
}

async fn a_bundles_children_are_checked_like_a_containers(db: Db) {
    let app = spawn(db).await;
    let line = line_with_packs(&app).await;
    // Children rules as for containers: listed with their paths.
    let (status, body) = line
        .bundle(
            child(GTIN_B, "B0"),
            &[
                child(GTIN, "P0"),
                child(GTIN, "GHOST"),
                child_full(GTIN, "P1", "OTHER", EXPIRY),
            ],
        )
        .await;
    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(
        detail_paths(&body),
        ["child_trade_items[2].batch", "child_trade_items[1]"],
        "{body}"
    );
    assert_eq!(store::aggregated_pack_count(&app.db), 0);
}

async fn a_decommissioned_or_unregistered_pack_holds_nothing(db: Db) {
    let app = spawn(db).await;
    let line = line_with_packs(&app).await;
    // A decommissioned parent.
    let (status, _) = line.decommission(GTIN_B, &["B3"], "damaged").await;
    assert_eq!(status, 200);
    let (status, body) = line.bundle(child(GTIN_B, "B3"), &[child(GTIN, "P0")]).await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(detail_paths(&body), ["parent"]);
    // Parent of an unregistered product.
    let (status, body) = line
        .bundle(child("09521234543213", "X"), &[child(GTIN, "P0")])
        .await;
    assert_error(status, &body, 404, "ProductError");
    assert_eq!(detail_paths(&body), ["parent.product_code"]);
    assert_eq!(store::aggregated_pack_count(&app.db), 0);
}

async fn a_bundled_pack_stays_in_its_bundle(db: Db) {
    let app = spawn(db).await;
    let line = line_with_packs(&app).await;
    // Same child into the same bundle twice: a no-op.
    for _ in 0..2 {
        let (status, body) = line.bundle(child(GTIN_B, "B0"), &[child(GTIN, "P0")]).await;
        assert_eq!(status, 200, "{body}");
    }
    // Into another bundle: already aggregated elsewhere.
    let (status, body) = line.bundle(child(GTIN_B, "B1"), &[child(GTIN, "P0")]).await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(detail_paths(&body), ["child_trade_items[0]"]);
    // And a pack in a bundle cannot go onto a container directly.
    let (status, body) = line.aggregate(&sscc(0, 1), &[child(GTIN, "P0")]).await;
    assert_error(status, &body, 409, "StateError");
    let p0 = store::pack(&app.db, GTIN, "P0").unwrap();
    assert_eq!((p0.bundle(), p0.container()), (Some((GTIN_B, "B0")), None));
    assert_eq!(store::aggregated_pack_count(&app.db), 1);
    assert_eq!(store::container_count(&app.db), 0);
}

async fn cycles_are_refused(db: Db) {
    let app = spawn(db).await;
    let line = line_with_packs(&app).await;
    // Bundle into its own child: B0 holds P0; P0 cannot hold B0.
    let (status, _) = line.bundle(child(GTIN_B, "B0"), &[child(GTIN, "P0")]).await;
    assert_eq!(status, 200);
    let (status, body) = line.bundle(child(GTIN, "P0"), &[child(GTIN_B, "B0")]).await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(detail_paths(&body), ["child_trade_items[0]"]);
    assert!(problem_at(&body, "child_trade_items[0]").contains("cycle"));
    // Deeper: B1 holds B0 (which holds P0); P0 cannot hold B1.
    let (status, _) = line
        .bundle(child(GTIN_B, "B1"), &[child(GTIN_B, "B0")])
        .await;
    assert_eq!(status, 200);
    let (status, body) = line.bundle(child(GTIN, "P0"), &[child(GTIN_B, "B1")]).await;
    assert_error(status, &body, 409, "StateError");
    assert!(problem_at(&body, "child_trade_items[0]").contains("cycle"));
    assert_eq!(store::pack(&app.db, GTIN_B, "B1").unwrap().bundle(), None);

    // Pallet onto its own case: case holds packs, pallet holds the case.
    let (c1, pallet, top) = (sscc(1, 1), sscc(2, 1), sscc(3, 1));
    line.aggregate_ok(&c1, &[child(GTIN, "P5")]).await;
    let (status, _) = line.palletise(&pallet, &[&c1]).await;
    assert_eq!(status, 200);
    let (status, body) = line.palletise(&c1, &[&pallet]).await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(detail_paths(&body), ["child_containers[0]"]);
    assert!(problem_at(&body, "child_containers[0]").contains("cycle"));
    // Two levels up.
    let (status, _) = line.palletise(&top, &[&pallet]).await;
    assert_eq!(status, 200);
    let (status, body) = line.palletise(&c1, &[&top]).await;
    assert_error(status, &body, 409, "StateError");
    // A container onto itself.
    let (status, body) = line.palletise(&c1, &[&c1]).await;
    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(store::container_parent(&app.db, &top), Some(None));
    assert_eq!(
        store::container_parent(&app.db, &c1),
        Some(Some(pallet.clone()))
    );
}

async fn crossing_nesting_requests_never_form_a_cycle(db: Db) {
    // A onto B while B onto A, for three pairs at once: exactly one of each pair wins, the other
    // is told it would be a cycle.
    let app = spawn(db).await;
    let line = line_with_packs(&app).await;
    let pairs: Vec<(String, String)> = (0..3).map(|i| (sscc(4, i), sscc(5, i))).collect();
    for (i, (a, b)) in pairs.iter().enumerate() {
        line.commission_ok(GTIN, &[format!("A{i}"), format!("Z{i}")])
            .await;
        line.aggregate_ok(a, &[child(GTIN, &format!("A{i}"))]).await;
        line.aggregate_ok(b, &[child(GTIN, &format!("Z{i}"))]).await;
    }
    let mut tasks = Vec::new();
    for (a, b) in &pairs {
        for (parent, kid) in [(a, b), (b, a)] {
            let req = line
                .req(Method::POST, "/aggregate/containers")
                .json(&json!({"parent": parent, "child_containers": [kid]}));
            tasks.push(tokio::spawn(send(req)));
        }
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let mut ok = 0;
    for (pair, (a, b)) in results.chunks(2).zip(&pairs) {
        let (winner, losers) = one_winner(pair, 200);
        ok += 1;
        // The winner's parent (a for the first request, b for the second) holds the loser's.
        let top = if winner == 0 { a } else { b };
        let cycle = [(
            "child_containers[0]".to_string(),
            format!("SSCC {top} holds the parent: that would be a cycle"),
        )];
        assert_error(pair[losers[0]].0, &pair[losers[0]].1, 409, "StateError");
        assert_exact_error(&pair[losers[0]], 409, "StateError", NOT_IN_STATUS, &cycle);
    }
    assert_eq!(ok, 3, "one per pair");
    for (a, b) in &pairs {
        let pa = store::container_parent(&app.db, a).unwrap();
        let pb = store::container_parent(&app.db, b).unwrap();
        assert!(pa.is_none() || pb.is_none(), "{a} and {b} hold each other");
    }
}

async fn child_containers_must_exist_hold_something_and_be_the_callers(db: Db) {
    let app = spawn(db).await;
    let line = line_with_packs(&app).await;
    let other = Line::with_gcp(&app, "Other", "9521234").await;
    other.register(GTIN_C).await;
    other.commission_ok(GTIN_C, &serials("O", 1)).await;
    let theirs = sscc_other(1);
    other.aggregate_ok(&theirs, &[child(GTIN_C, "O0")]).await;

    let (full, emptied, pallet) = (sscc(1, 1), sscc(1, 2), sscc(2, 1));
    line.aggregate_ok(&full, &[child(GTIN, "P0")]).await;
    line.aggregate_ok(&emptied, &[child(GTIN, "P1")]).await;
    let (status, _) = line
        .delete("/aggregate/container", &json!({"parent": emptied}))
        .await;
    assert_eq!(status, 200);
    let unknown = sscc(1, 3);
    let (status, body) = line
        .palletise(&pallet, &[&full, &emptied, &unknown, &theirs])
        .await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(
        detail_paths(&body),
        [
            "child_containers[1]",
            "child_containers[2]",
            "child_containers[3]"
        ],
        "{body}"
    );
    assert!(problem_at(&body, "child_containers[1]").contains("holds nothing"));
    assert!(
        !store::container_exists(&app.db, &pallet),
        "pallet not created"
    );
    assert_eq!(store::container_parent(&app.db, &full), Some(None));
    assert_eq!(store::container_parent(&app.db, &theirs), Some(None));
    // A case already on another pallet; the same pallet again is a no-op.
    let (status, _) = line.palletise(&pallet, &[&full]).await;
    assert_eq!(status, 200);
    let (status, _) = line.palletise(&pallet, &[&full]).await;
    assert_eq!(status, 200);
    let (status, body) = line.palletise(&sscc(2, 2), &[&full]).await;
    assert_error(status, &body, 409, "StateError");
    assert!(problem_at(&body, "child_containers[0]").contains("another parent"));
    // Malformed and duplicate SSCCs are validation errors, all listed.
    let (status, body) = line
        .palletise(&pallet, &[&full, &full, "000000000000000003"])
        .await;
    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(
        detail_paths(&body),
        ["child_containers[1]", "child_containers[2]"]
    );
    assert_eq!(
        problem_at(&body, "child_containers[2]"),
        "check digit should be 0"
    );
    assert!(!store::container_exists(&app.db, &sscc(2, 2)));
}

db_tests!(
    a_pallet_lookup_shows_its_whole_tree,
    a_pack_lookup_names_every_ancestor_outermost_last,
    bundles_nest_in_bundles_at_any_depth,
    a_bundle_parent_must_be_a_pending_pack_as_asserted,
    a_bundles_children_are_checked_like_a_containers,
    a_decommissioned_or_unregistered_pack_holds_nothing,
    a_bundled_pack_stays_in_its_bundle,
    cycles_are_refused,
    crossing_nesting_requests_never_form_a_cycle,
    child_containers_must_exist_hold_something_and_be_the_callers,
);
