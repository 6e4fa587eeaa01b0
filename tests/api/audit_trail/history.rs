//! `history` in the lookups: every event that touched a pack or container, or a container
//! above it, in order, with the actors a brand owner must see.

use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::gs1::{sscc, sscc_other, OTHER_GCP};
use crate::kit::partners::partner;
use crate::kit::store::{self, EventField};
use crate::kit::{child, serials, spawn, Db, Line, GTIN};

fn history_actions(body: &Value) -> Vec<String> {
    body["history"]
        .as_array()
        .unwrap_or_else(|| panic!("history: {body}"))
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

async fn lookups_carry_each_objects_history_in_order(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    m.register(GTIN).await;
    m.commission_ok(GTIN, &serials("S", 4)).await;
    let (case1, case2, pallet) = (sscc(0, 1), sscc(0, 2), sscc(0, 3));
    m.aggregate_ok(&case1, &[child(GTIN, "S0"), child(GTIN, "S1")])
        .await;
    m.aggregate_ok(&case2, &[child(GTIN, "S2")]).await;
    let (status, body) = m.palletise(&pallet, &[&case1, &case2]).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = m.release(&json!({"ssccs": [pallet]})).await;
    assert_eq!(status, 200, "{body}");
    let release_hash = store::chain(&app.db, m.id()).last().unwrap().hash.clone();

    for s in ["S0", "S1", "S2"] {
        let (status, body) = app.get(&format!("/v1/items/{GTIN}/{s}"), m.token()).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            history_actions(&body),
            ["commission", "aggregate", "release"],
            "{s}"
        );
        let h = body["history"].as_array().unwrap();
        assert_eq!(
            h[2]["hash"],
            json!(release_hash),
            "the pallet release, below it"
        );
        assert!(h[0]["seq"].as_i64() < h[1]["seq"].as_i64());
        assert!(h[0]["request_id"].is_string());
    }
    // S3 was never packed nor released.
    let (_, body) = app.get(&format!("/v1/items/{GTIN}/S3"), m.token()).await;
    assert_eq!(history_actions(&body), ["commission"]);

    let (status, body) = app.get(&format!("/v1/containers/{case1}"), m.token()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        history_actions(&body),
        ["aggregate", "aggregate", "release"]
    );
    let (status, body) = app
        .get(&format!("/v1/containers/{pallet}"), m.token())
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(history_actions(&body), ["aggregate", "release"]);
    assert_eq!(body["children"].as_array().unwrap().len(), 2, "{body}");
}

/// A bundle released by name: the packs inside it get the release in their history too.
async fn packs_inside_a_released_bundle_carry_the_release(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    m.register(GTIN).await;
    m.commission_ok(GTIN, &serials("B", 3)).await;
    let (status, body) = m
        .bundle(child(GTIN, "B0"), &[child(GTIN, "B1"), child(GTIN, "B2")])
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = m
        .release(&json!({"trade_items": [child(GTIN, "B0")]}))
        .await;
    assert_eq!(status, 200, "{body}");
    for s in ["B0", "B1", "B2"] {
        let (_, body) = app.get(&format!("/v1/items/{GTIN}/{s}"), m.token()).await;
        assert_eq!(
            history_actions(&body),
            ["commission", "aggregate", "release"],
            "{s}"
        );
    }
}

/// A MAH's lookup of a pack its CMO produced shows the CMO's actions in the history.
async fn history_shows_the_cmos_actions_to_the_mah(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    let c1 = Line::with_gcp(&app, "C1", OTHER_GCP).await;
    m.register(GTIN).await;
    partner(&m, &c1, &[GTIN]).await;
    c1.commission_ok(GTIN, &serials("C", 2)).await;
    let case = sscc_other(3);
    c1.aggregate_ok(&case, &[child(GTIN, "C0")]).await;
    let (status, body) = m.release(&json!({"ssccs": [case]})).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app.get(&format!("/v1/items/{GTIN}/C0"), m.token()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        history_actions(&body),
        ["commission", "aggregate", "release"]
    );
    let actors: Vec<&Value> = body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["actor"]["tenant_id"])
        .collect();
    assert_eq!(actors, [&json!(c1.id()), &json!(c1.id()), &json!(m.id())]);
    assert_eq!(
        body["history"][0]["actor"]["channel_id"],
        json!(c1.channel_id)
    );
    let (status, body) = app.get(&format!("/v1/containers/{case}"), m.token()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(history_actions(&body), ["aggregate", "release"]);
}

/// Every way a pack is moved records the event in its history exactly once: the one-pass
/// aggregation, the child-by-child one (a request that repeats a pack already there), bundling,
/// disaggregation, decommissioning and release — whichever statement moved the pack, and with one
/// history index entry per pack per event (counted in the database).
async fn every_way_a_pack_moves_is_in_its_history_once(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    m.register(GTIN).await;
    m.commission_ok(GTIN, &serials("S", 6)).await;
    let case = sscc(0, 1);
    // One pass: S0, S1 (2 entries).
    m.aggregate_ok(&case, &[child(GTIN, "S0"), child(GTIN, "S1")])
        .await;
    // Child by child: S0 is already there (unchanged, no entry), S2 moves (1 entry).
    m.aggregate_ok(&case, &[child(GTIN, "S0"), child(GTIN, "S2")])
        .await;
    // Out again: S2 (1 entry).
    let (status, body) = m
        .delete(
            "/aggregate/container",
            &json!({"parent": case, "child_trade_items": [child(GTIN, "S2")]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // Into a bundle: S4 into S3 (the event names both: 2 entries).
    m.bundle_ok(GTIN, "S3", &["S4"]).await;
    // Destroyed: S5 (1 entry).
    let (status, body) = m.decommission(GTIN, &["S5"], "destroyed").await;
    assert_eq!(status, 200, "{body}");
    // Released: the case and the bundle with what is inside (S0, S1, S3, S4: 4 entries).
    let (status, body) = m
        .release(&json!({"ssccs": [case], "trade_items": [child(GTIN, "S3")]}))
        .await;
    assert_eq!(status, 200, "{body}");

    let expected: [(&str, &[&str]); 6] = [
        ("S0", &["commission", "aggregate", "release"]),
        ("S1", &["commission", "aggregate", "release"]),
        ("S2", &["commission", "aggregate", "disaggregate"]),
        ("S3", &["commission", "aggregate", "release"]),
        ("S4", &["commission", "aggregate", "release"]),
        ("S5", &["commission", "decommission"]),
    ];
    for (serial, actions) in expected {
        let (status, body) = app
            .get(&format!("/v1/items/{GTIN}/{serial}"), m.token())
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(history_actions(&body), actions, "{serial}: {body}");
        let seqs: Vec<i64> = body["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["seq"].as_i64().unwrap())
            .collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{serial}: {seqs:?}");
    }
    assert_eq!(store::audit_index_rows(&app.db), 2 + 1 + 1 + 2 + 1 + 4);
}

/// A history is in the order the events took effect — their time — not in id order: on
/// PostgreSQL an event's id is reserved before its goods statements run (`audit::Mark`), so one
/// that waited for a concurrent event's row lock can carry the smaller id although it came
/// second. Simulated in the stored rows: the aggregation's time is moved after the release's.
async fn history_is_in_time_order_not_id_order(db: Db) {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    m.register(GTIN).await;
    m.commission_ok(GTIN, &serials("S", 1)).await;
    let case = sscc(0, 1);
    m.pack_onto(&case, GTIN, &serials("S", 1)).await;
    let (status, body) = m.release(&json!({"ssccs": [case]})).await;
    assert_eq!(status, 200, "{body}");
    let chain = store::chain(&app.db, m.id());
    let (aggregation, release) = (&chain[chain.len() - 2], &chain[chain.len() - 1]);
    assert_eq!(
        (aggregation.action.as_str(), release.action.as_str()),
        ("aggregate", "release")
    );
    store::disable_audit_guards(&app.db);
    store::rewrite_event(
        &app.db,
        m.id(),
        aggregation.seq,
        EventField::OccurredAt,
        "2099-01-01 00:00:00",
    );
    for path in [
        format!("/v1/items/{GTIN}/S0"),
        format!("/v1/containers/{case}"),
    ] {
        let (status, body) = app.get(&path, m.token()).await;
        assert_eq!(status, 200, "{body}");
        let actions = history_actions(&body);
        assert_eq!(
            actions.last().map(String::as_str),
            Some("aggregate"),
            "{path}: {actions:?}"
        );
    }
}

db_tests!(
    history_is_in_time_order_not_id_order,
    every_way_a_pack_moves_is_in_its_history_once,
    lookups_carry_each_objects_history_in_order,
    packs_inside_a_released_bundle_carry_the_release,
    history_shows_the_cmos_actions_to_the_mah,
);
