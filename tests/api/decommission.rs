//! `POST /serials/decommission` (PRODUCT.md §1.1): reasons, leaving the parent, `destroyed` final,
//! unknown serials listed, and decommissioned packs out of aggregation for good.

use serde_json::json;

use crate::db_tests;
use crate::kit::gs1::sscc;
use crate::kit::store::{self};
use crate::kit::{
    assert_error, child, children, detail_paths, problem_at, serials, spawn, Db, Line, GTIN, GTIN_B,
};

const REASONS: [&str; 6] = [
    "destroyed",
    "sampled",
    "stolen",
    "damaged",
    "expired",
    "other",
];

async fn every_reason_is_accepted_and_stored(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.commission_ok(GTIN, &serials("S", 6)).await;
    for (i, reason) in REASONS.iter().enumerate() {
        let serial = format!("S{i}");
        let (status, body) = line.decommission(GTIN, &[&serial], reason).await;
        assert_eq!(status, 200, "{reason}: {body}");
        assert_eq!(
            body,
            json!({"success": true, "message": "Serials decommissioned", "count": 1})
        );
        let it = store::pack(&app.db, GTIN, &serial).unwrap();
        assert_eq!(it.status, "decommissioned");
        assert_eq!(it.decommission_reason.as_deref(), Some(*reason));
        let (_, body) = app
            .get(&format!("/v1/items/{GTIN}/{serial}"), line.token())
            .await;
        assert_eq!(body["status"], json!("decommissioned"));
        assert_eq!(body["decommission_reason"], json!(reason));
    }
}

async fn invalid_reason_and_serials_are_validation_errors(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.commission_ok(GTIN, &serials("S", 2)).await;
    let (status, body) = line.decommission(GTIN, &["S0"], "lost").await;
    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(detail_paths(&body), ["reason"]);
    assert!(problem_at(&body, "reason").contains("destroyed"));
    let (status, body) = line
        .decommission(GTIN, &["S0", "S#", "S0"], "DESTROYED")
        .await;
    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(
        detail_paths(&body),
        ["reason", "serial_numbers[1]", "serial_numbers[2]"]
    );
    let (status, body) = line
        .post(
            "/serials/decommission",
            &json!({"product_code": GTIN, "product_code_schema": "GTIN", "serial_numbers": ["S0"]}),
        )
        .await;
    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(detail_paths(&body), ["reason"]);
    let it = store::pack(&app.db, GTIN, "S0").unwrap();
    assert_eq!(it.status, "pending_commissioning_approval");
}

async fn a_decommissioned_pack_leaves_its_parent(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.commission_ok(GTIN, &serials("S", 3)).await;
    let case = sscc(0, 1);
    line.aggregate_ok(&case, &children(GTIN, &serials("S", 3)))
        .await;
    let (status, _) = line.decommission(GTIN, &["S1"], "sampled").await;
    assert_eq!(status, 200);
    assert_eq!(store::packs_in(&app.db, &case), 2);
    let (_, tree) = app
        .get(&format!("/v1/containers/{case}"), line.token())
        .await;
    let listed: Vec<_> = tree["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["serial_number"].clone())
        .collect();
    assert_eq!(listed, [json!("S0"), json!("S2")]);
    let (_, pack) = app.get(&format!("/v1/items/{GTIN}/S1"), line.token()).await;
    assert_eq!(pack["parent"], json!(null));
    assert_eq!(pack["ancestors"], json!([]));
}

async fn decommissioning_a_bundle_sets_its_contents_loose(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.register(GTIN_B).await;
    line.commission_ok(GTIN, &serials("S", 2)).await;
    line.commission_ok(GTIN_B, &serials("B", 1)).await;
    let (status, _) = line
        .bundle(child(GTIN_B, "B0"), &children(GTIN, &serials("S", 2)))
        .await;
    assert_eq!(status, 200);
    let case = sscc(0, 1);
    line.aggregate_ok(&case, &[child(GTIN_B, "B0")]).await;
    let (status, body) = line.decommission(GTIN_B, &["B0"], "damaged").await;
    assert_eq!(status, 200, "{body}");
    for s in ["S0", "S1"] {
        let it = store::pack(&app.db, GTIN, s).unwrap();
        assert_eq!(it.status, "pending_commissioning_approval");
        assert_eq!((it.bundle(), it.container()), (None, None));
    }
    let (_, tree) = app
        .get(&format!("/v1/containers/{case}"), line.token())
        .await;
    assert_eq!(tree["children"], json!([]));
    assert_eq!(tree["pack_count"], json!(0));
    // The loose packs can be aggregated again.
    line.aggregate_ok(&case, &children(GTIN, &serials("S", 2)))
        .await;
}

async fn destroyed_is_final(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.commission_ok(GTIN, &serials("S", 2)).await;
    let (status, _) = line.decommission(GTIN, &["S0"], "destroyed").await;
    assert_eq!(status, 200);
    for reason in REASONS {
        let (status, body) = line.decommission(GTIN, &["S1", "S0"], reason).await;
        assert_error(status, &body, 409, "StateError");
        assert_eq!(detail_paths(&body), ["serial_numbers[1]"]);
    }
    assert_eq!(
        store::pack(&app.db, GTIN, "S0")
            .unwrap()
            .decommission_reason
            .as_deref(),
        Some("destroyed")
    );
    // S1 was not touched by the refused requests.
    assert_eq!(
        store::pack(&app.db, GTIN, "S1").unwrap().status,
        "pending_commissioning_approval"
    );
}

async fn unknown_serials_are_listed_and_nothing_changes(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.commission_ok(GTIN, &serials("S", 2)).await;
    let (status, body) = line
        .decommission(GTIN, &["S0", "GHOST1", "S1", "GHOST2"], "stolen")
        .await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(
        detail_paths(&body),
        ["serial_numbers[1]", "serial_numbers[3]"]
    );
    assert!(problem_at(&body, "serial_numbers[1]").contains("GHOST1"));
    for s in ["S0", "S1"] {
        assert_eq!(
            store::pack(&app.db, GTIN, s).unwrap().status,
            "pending_commissioning_approval"
        );
    }
    // Another tenant's or an unregistered product: ProductError.
    let (status, body) = line.decommission(GTIN_B, &["S0"], "stolen").await;
    assert_error(status, &body, 404, "ProductError");
    let other = Line::new(&app, "Other").await;
    let (status, body) = other.decommission(GTIN, &["S0"], "stolen").await;
    assert_error(status, &body, 404, "ProductError");
    assert_eq!(
        store::pack(&app.db, GTIN, "S0").unwrap().status,
        "pending_commissioning_approval"
    );
}

async fn a_decommissioned_pack_cannot_be_aggregated(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.register(GTIN_B).await;
    line.commission_ok(GTIN, &serials("S", 2)).await;
    line.commission_ok(GTIN_B, &serials("B", 1)).await;
    let (status, _) = line.decommission(GTIN, &["S0"], "expired").await;
    assert_eq!(status, 200);
    let (status, body) = line
        .aggregate(&sscc(0, 1), &[child(GTIN, "S1"), child(GTIN, "S0")])
        .await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(detail_paths(&body), ["child_trade_items[1]"]);
    assert!(problem_at(&body, "child_trade_items[1]").contains("decommissioned"));
    let (status, body) = line.bundle(child(GTIN_B, "B0"), &[child(GTIN, "S0")]).await;
    assert_error(status, &body, 409, "StateError");
    let (status, body) = line.bundle(child(GTIN, "S0"), &[child(GTIN, "S1")]).await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(detail_paths(&body), ["parent"]);
    assert_eq!(store::pack(&app.db, GTIN, "S1").unwrap().container(), None);
    assert_eq!(store::pack(&app.db, GTIN, "S1").unwrap().bundle(), None);
}

db_tests!(
    every_reason_is_accepted_and_stored,
    invalid_reason_and_serials_are_validation_errors,
    a_decommissioned_pack_leaves_its_parent,
    decommissioning_a_bundle_sets_its_contents_loose,
    destroyed_is_final,
    unknown_serials_are_listed_and_nothing_changes,
    a_decommissioned_pack_cannot_be_aggregated,
);
