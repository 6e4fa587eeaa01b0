//! Release to market (PRODUCT.md §1.1, §3.4): whole hierarchies, loose packs, all-or-nothing,
//! what release forbids afterwards, one winner under concurrency, roles, and a large pallet.

use reqwest::Method;
use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::gs1::gtin;
use crate::kit::partners::partner;
use crate::kit::race::{assert_lost_release, one_winner};
use crate::kit::{
    assert_error, child, children, detail_paths, list_items, problem_at, spawn, store, Db, Line,
    TestApp,
};

struct Cast {
    m: Line,
    c1: Line,
    p: String,
}

async fn cast(app: &TestApp) -> Cast {
    let m = Line::with_gcp(app, "M", "4012345").await;
    let c1 = Line::with_gcp(app, "C1", "4098765").await;
    let p = gtin("0401234511111");
    m.register(&p).await;
    partner(&m, &c1, &[&p]).await;
    Cast { m, c1, p }
}

/// C1 builds pallet 100 ← cases 1 and 2. Case 1 holds bundle K0 (K1, K2 inside) and packs A1,
/// A2; case 2 holds B1, B2, B3. Ten packs, three containers.
async fn pallet(c1: &Line, p: &str) -> String {
    c1.commission_ok(p, &["K0", "K1", "K2", "A1", "A2", "B1", "B2", "B3"])
        .await;
    c1.bundle_ok(p, "K0", &["K1", "K2"]).await;
    c1.pack_onto(&c1.sscc(1), p, &["K0", "A1", "A2"]).await;
    c1.pack_onto(&c1.sscc(2), p, &["B1", "B2", "B3"]).await;
    let pal = c1.sscc(100);
    c1.palletise_ok(&pal, &[&c1.sscc(1), &c1.sscc(2)]).await;
    pal
}

/// Every status in a container answer, at any depth (the container's own first).
fn tree_statuses(node: &Value, out: &mut Vec<(String, String)>) {
    let key = node["sscc"]
        .as_str()
        .or(node["serial_number"].as_str())
        .unwrap_or_default()
        .to_string();
    out.push((key, node["status"].as_str().unwrap_or_default().to_string()));
    for child in node["children"].as_array().into_iter().flatten() {
        tree_statuses(child, out);
    }
}

async fn releasing_a_pallet_releases_its_whole_hierarchy(db: Db) {
    let app = spawn(db).await;
    let Cast { m, c1, p } = cast(&app).await;
    let pal = pallet(&c1, &p).await;

    let (status, body) = m.release(&json!({"ssccs": [pal]})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(
        body["released"], 8,
        "packs, bundle and its content included: {body}"
    );
    assert_eq!(body["containers"], 3, "{body}");

    let (status, body) = app.get(&format!("/v1/containers/{pal}"), m.token()).await;
    assert_eq!(status, 200, "{body}");
    let mut seen = Vec::new();
    tree_statuses(&body, &mut seen);
    assert_eq!(seen.len(), 11, "pallet, 2 cases, 8 packs: {seen:?}");
    for (key, status) in &seen {
        assert_eq!(status, "released", "{key} via GET /v1/containers");
    }
    for s in ["K0", "K1", "K2", "A1", "A2", "B1", "B2", "B3"] {
        assert_eq!(
            store::pack_status(&app.db, &p, s),
            "released",
            "{s} in the database"
        );
    }
    for n in [1, 2, 100] {
        assert_eq!(store::container_status(&app.db, &c1.sscc(n)), "released");
    }
    let (status, body) = app.get(&format!("/v1/items/{p}/K1"), m.token()).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "released");
    // Released goods leave the commissioning views.
    let (_, body) = app.get("/v1/commissioning/containers", m.token()).await;
    assert!(list_items(&body).is_empty(), "{body}");
}

async fn overlapping_roots_release_each_object_once(db: Db) {
    // Arrange: the pallet, the case inside it and the bundle inside that case, all named at once,
    // so the walk below the roots reaches case 2's packs and the bundle's content two ways.
    let app = spawn(db).await;
    let Cast { m, c1, p } = cast(&app).await;
    let pal = pallet(&c1, &p).await;

    let (status, body) = m
        .release(&json!({"ssccs": [pal, c1.sscc(1)], "trade_items": children(&p, &["K0"])}))
        .await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["released"], 8, "{body}");
    assert_eq!(body["containers"], 3, "{body}");
    assert_eq!(store::released_counts(&app.db), (8, 3));
    // Each object's history names the release once.
    for path in [
        format!("/v1/items/{p}/K1"),
        format!("/v1/containers/{}", c1.sscc(2)),
    ] {
        let (status, body) = app.get(&path, m.token()).await;
        assert_eq!(status, 200, "{body}");
        let releases = body["history"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "release")
            .count();
        assert_eq!(releases, 1, "{path}: {body}");
    }
}

async fn loose_packs_release_and_everything_is_all_or_nothing(db: Db) {
    let app = spawn(db).await;
    let Cast { m, c1, p } = cast(&app).await;
    let pal = pallet(&c1, &p).await;
    m.commission_ok(&p, &["L1", "L2", "L3", "D1"]).await;
    let (status, body) = m
        .send(
            Method::POST,
            "/serials/decommission",
            &json!({"product_code": p, "product_code_schema": "GTIN",
                "serial_numbers": ["D1"], "reason": "sampled"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let (status, body) = m
        .release(&json!({"trade_items": children(&p, &["L1"])}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["released"].clone(), body["containers"].clone()),
        (json!(1), json!(0))
    );

    // A mix of pending and not pending: nothing moves, every offender is listed.
    let before = store::fingerprint(&app.db);
    let (status, body) = m
        .release(&json!({"ssccs": [pal], "trade_items": children(&p, &["L2", "L1", "D1"])}))
        .await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(
        detail_paths(&body),
        vec!["trade_items[1]", "trade_items[2]"],
        "{body}"
    );
    assert_eq!(store::fingerprint(&app.db), before, "all or nothing");
    assert_eq!(
        store::pack_status(&app.db, &p, "L2"),
        "pending_commissioning_approval"
    );
    assert_eq!(
        store::container_status(&app.db, &pal),
        "pending_commissioning_approval"
    );

    // An unknown object among good ones: nothing moves either.
    let (status, body) = m
        .release(&json!({"ssccs": [pal, c1.sscc(999)], "trade_items": children(&p, &["L2"])}))
        .await;
    assert_error(status, &body, 404, "NotFoundError");
    assert_eq!(detail_paths(&body), vec!["ssccs[1]"], "{body}");
    assert_eq!(store::fingerprint(&app.db), before);

    // Releasing twice is a StateError.
    assert_eq!(m.release(&json!({"ssccs": [pal]})).await.0, 200);
    let (status, body) = m.release(&json!({"ssccs": [pal]})).await;
    assert_error(status, &body, 409, "StateError");
    let (status, body) = m.release(&json!({})).await;
    assert_error(status, &body, 400, "ValidationError");
}

async fn a_case_inside_a_pending_pallet_may_be_released_first(db: Db) {
    let app = spawn(db).await;
    let Cast { m, c1, p } = cast(&app).await;
    let pal = pallet(&c1, &p).await;
    let (status, body) = m.release(&json!({"ssccs": [c1.sscc(2)]})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["released"].clone(), body["containers"].clone()),
        (json!(3), json!(1))
    );
    assert_eq!(
        store::container_status(&app.db, &pal),
        "pending_commissioning_approval"
    );
    // The pallet then releases what is still pending below it.
    let (status, body) = m.release(&json!({"ssccs": [pal]})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["released"].clone(), body["containers"].clone()),
        (json!(5), json!(2))
    );
    assert_eq!(store::released_counts(&app.db), (8, 3));
}

/// Something released inside a pending parent cannot come out: the answer says which and why
/// (not "changed by a concurrent request, retry"), and nothing moves.
async fn released_children_of_a_pending_parent_stay_put(db: Db) {
    let app = spawn(db).await;
    let Cast { m, c1, p } = cast(&app).await;
    let pal = pallet(&c1, &p).await;
    let (status, body) = m
        .release(&json!({"ssccs": [c1.sscc(2)], "trade_items": children(&p, &["A1"])}))
        .await;
    assert_eq!(status, 200, "{body}");
    let before = store::fingerprint(&app.db);
    for (what, path, body) in [
        (
            "all packs off case 1",
            "/aggregate/container",
            json!({"parent": c1.sscc(1)}),
        ),
        (
            "released pack off case 1",
            "/aggregate/container",
            json!({"parent": c1.sscc(1), "child_trade_items": children(&p, &["A1"])}),
        ),
        (
            "all cases off the pallet",
            "/aggregate/containers",
            json!({"parent": pal}),
        ),
        (
            "released case off the pallet",
            "/aggregate/containers",
            json!({"parent": pal, "child_containers": [c1.sscc(2)]}),
        ),
    ] {
        let (status, answer) = c1.send(Method::DELETE, path, &body).await;
        assert_error(status, &answer, 409, "StateError");
        let text = answer.to_string();
        assert!(
            text.contains("released") && !text.contains("concurrent"),
            "{what}: {answer}"
        );
    }
    assert_eq!(store::fingerprint(&app.db), before);
}

/// The released [`pallet`], and pending pack N1 on pending case 3.
async fn released_pallet(c: &Cast) -> String {
    let Cast { m, c1, p } = c;
    let pal = pallet(c1, p).await;
    c1.commission_ok(p, &["N1"]).await;
    c1.pack_onto(&c1.sscc(3), p, &["N1"]).await;
    assert_eq!(m.release(&json!({"ssccs": [pal]})).await.0, 200);
    pal
}

/// Every move of released goods C1 could try: (what, method, path, body).
fn moves_of_released_goods(
    c1: &Line,
    p: &str,
    pal: &str,
) -> Vec<(&'static str, Method, &'static str, Value)> {
    vec![
        (
            "aggregate a released pack",
            Method::POST,
            "/aggregate/container",
            json!({"parent": c1.sscc(50), "child_trade_items": children(p, &["B3"])}),
        ),
        (
            "aggregate onto a released case",
            Method::POST,
            "/aggregate/container",
            json!({"parent": c1.sscc(1), "child_trade_items": children(p, &["N1"])}),
        ),
        (
            "disaggregate from a released case",
            Method::DELETE,
            "/aggregate/container",
            json!({"parent": c1.sscc(2), "child_trade_items": children(p, &["B1"])}),
        ),
        (
            "disaggregate all from a released case",
            Method::DELETE,
            "/aggregate/container",
            json!({"parent": c1.sscc(2)}),
        ),
        (
            "unbundle a released bundle",
            Method::DELETE,
            "/aggregate/trade_item",
            json!({"parent": child(p, "K0"), "child_trade_items": children(p, &["K1"])}),
        ),
        (
            "bundle into a released pack",
            Method::POST,
            "/aggregate/trade_item",
            json!({"parent": child(p, "A1"), "child_trade_items": children(p, &["N1"])}),
        ),
        (
            "cases off a released pallet",
            Method::DELETE,
            "/aggregate/containers",
            json!({"parent": pal}),
        ),
        (
            "released case onto a pallet",
            Method::POST,
            "/aggregate/containers",
            json!({"parent": c1.sscc(101), "child_containers": [c1.sscc(1)]}),
        ),
        (
            "case onto a released pallet",
            Method::POST,
            "/aggregate/containers",
            json!({"parent": pal, "child_containers": [c1.sscc(3)]}),
        ),
    ]
}

async fn released_goods_no_longer_move(db: Db) {
    let app = spawn(db).await;
    let c = cast(&app).await;
    let pal = released_pallet(&c).await;
    let Cast { c1, p, .. } = &c;

    let before = store::fingerprint(&app.db);
    for (what, method, path, body) in moves_of_released_goods(c1, p, &pal) {
        let (status, answer) = c1.send(method, path, &body).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (409, Some("StateError")),
            "{what}: {answer}"
        );
    }
    assert_eq!(store::fingerprint(&app.db), before, "nothing moved");
}

async fn only_the_mah_decommissions_a_released_pack_and_it_leaves_its_case(db: Db) {
    let app = spawn(db).await;
    let c = cast(&app).await;
    released_pallet(&c).await;
    let Cast { m, c1, p } = &c;
    // A right only the MAH has (PRODUCT.md §2.1), not a wrong status: 403, and nothing written.
    let before = store::fingerprint(&app.db);
    let (status, body) = c1.decommission(p, &["A2"], "stolen").await;
    assert_error(status, &body, 403, "ForbiddenError");
    assert_eq!(
        problem_at(&body, "serial_numbers[0]"),
        "serial A2 is released; only the marketing authorisation holder may decommission it"
    );
    assert_eq!(store::fingerprint(&app.db), before, "nothing written");

    // The MAH may still take a released pack out of the supply chain; it leaves its case.
    let (status, body) = m
        .send(
            Method::POST,
            "/serials/decommission",
            &json!({"product_code": p, "product_code_schema": "GTIN",
                "serial_numbers": ["A2"], "reason": "stolen"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(store::pack_status(&app.db, p, "A2"), "decommissioned");
    let (_, body) = app.get(&format!("/v1/items/{p}/A2"), m.token()).await;
    assert_eq!(body["parent"], Value::Null, "{body}");
    assert_eq!(body["decommission_reason"], "stolen");
}

async fn concurrent_releases_of_one_sscc_have_exactly_one_winner(db: Db) {
    let app = spawn(db).await;
    let Cast { m, c1, p } = cast(&app).await;
    for round in 0..4u64 {
        let serials: Vec<String> = (0..50).map(|i| format!("R{round}-{i}")).collect();
        let refs: Vec<&str> = serials.iter().map(String::as_str).collect();
        c1.commission_ok(&p, &refs).await;
        let case = c1.sscc(10 + round);
        c1.pack_onto(&case, &p, &refs).await;
        let pal = c1.sscc(100 + round);
        c1.palletise_ok(&pal, &[&case]).await;
        let body = json!({"ssccs": [pal]});
        let (a, b) = tokio::join!(m.release(&body), m.release(&body));
        let results = [a, b];
        let (winner, losers) = one_winner(&results, 200);
        assert_eq!(results[winner].1["released"], 50, "round {round}");
        assert_eq!(results[winner].1["containers"], 2);
        let loser = &results[losers[0]];
        assert_error(loser.0, &loser.1, 409, "StateError");
        assert_lost_release(db, loser, &pal);
    }
    assert_eq!(store::released_counts(&app.db), (200, 8));
}

async fn roles_release_needs_release_or_admin_and_audit_only_reads(db: Db) {
    let app = spawn(db).await;
    let Cast { m, c1, p } = cast(&app).await;
    let pal = pallet(&c1, &p).await;
    let (_, shopfloor) = app.key_with_roles(m.token(), &["shopfloor"]).await;
    let (_, audit) = app.key_with_roles(m.token(), &["audit"]).await;
    let (_, releaser) = app.key_with_roles(m.token(), &["release"]).await;
    let views = [
        "/v1/commissioning/products".to_string(),
        "/v1/commissioning/containers".to_string(),
        format!("/v1/commissioning/items?product_code={p}"),
    ];
    for path in &views {
        let (status, body) = app.get(path, &shopfloor).await;
        assert_error(status, &body, 403, "ForbiddenError");
        let (status, body) = app.get(path, &audit).await;
        assert_eq!(status, 200, "audit reads {path}: {body}");
    }
    let body = json!({"ssccs": [pal]});
    for token in [&shopfloor, &audit] {
        let (status, answer) = app
            .post("/v1/commissioning/release_to_market", token, &body)
            .await;
        assert_error(status, &answer, 403, "ForbiddenError");
    }
    assert_eq!(
        store::container_status(&app.db, &pal),
        "pending_commissioning_approval"
    );
    let (status, answer) = app
        .post("/v1/commissioning/release_to_market", &releaser, &body)
        .await;
    assert_eq!(status, 200, "{answer}");
}

async fn a_thousand_pack_pallet_releases_in_one_request(db: Db) {
    let app = spawn(db).await;
    let Cast { m, c1, p } = cast(&app).await;
    let serials: Vec<String> = (0..1000).map(|i| format!("BIG{i:04}")).collect();
    let refs: Vec<&str> = serials.iter().map(String::as_str).collect();
    c1.commission_ok(&p, &refs).await;
    let mut cases = Vec::new();
    for (k, chunk) in refs.chunks(100).enumerate() {
        let case = c1.sscc(1 + k as u64);
        c1.pack_onto(&case, &p, chunk).await;
        cases.push(case);
    }
    let pal = c1.sscc(500);
    let case_refs: Vec<&str> = cases.iter().map(String::as_str).collect();
    c1.palletise_ok(&pal, &case_refs).await;

    let (status, body) = m.release(&json!({"ssccs": [pal]})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["released"].clone(), body["containers"].clone()),
        (json!(1000), json!(11))
    );
    assert_eq!(store::released_counts(&app.db), (1000, 11));
}

db_tests!(
    overlapping_roots_release_each_object_once,
    releasing_a_pallet_releases_its_whole_hierarchy,
    loose_packs_release_and_everything_is_all_or_nothing,
    a_case_inside_a_pending_pallet_may_be_released_first,
    released_goods_no_longer_move,
    only_the_mah_decommissions_a_released_pack_and_it_leaves_its_case,
    released_children_of_a_pending_parent_stay_put,
    concurrent_releases_of_one_sscc_have_exactly_one_winner,
    roles_release_needs_release_or_admin_and_audit_only_reads,
    a_thousand_pack_pallet_releases_in_one_request,
);
