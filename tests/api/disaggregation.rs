//! The three `DELETE /aggregate/...` forms: the listed children come out, or all when omitted; a
//! child not in that parent refuses the whole request; an unknown parent is `NotFoundError`.

use serde_json::json;

use crate::db_tests;
use crate::kit::gs1::{sscc, sscc_other, GTIN_C};
use crate::kit::store::{self};
use crate::kit::{
    assert_error, child, children, detail_paths, problem_at, serials, spawn, Db, Line, GTIN, GTIN_B,
};

async fn listed_packs_come_out_of_a_container(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.commission_ok(GTIN, &serials("S", 5)).await;
    let case = sscc(0, 1);
    line.aggregate_ok(&case, &children(GTIN, &serials("S", 5)))
        .await;
    let (status, body) = line
        .delete(
            "/aggregate/container",
            &json!({"parent": case, "child_trade_items": [child(GTIN, "S1"), child(GTIN, "S3")]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], json!(true));
    assert_eq!(body["count"], json!(2));
    assert_eq!(store::packs_in(&app.db, &case), 3);
    assert_eq!(store::pack(&app.db, GTIN, "S1").unwrap().container(), None);
    assert_eq!(store::pack(&app.db, GTIN, "S3").unwrap().container(), None);
    let (_, tree) = app
        .get(&format!("/v1/containers/{case}"), line.token())
        .await;
    let listed: Vec<_> = tree["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["serial_number"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed, ["S0", "S2", "S4"]);
    // Loose again, they can go elsewhere.
    line.aggregate_ok(&sscc(0, 2), &[child(GTIN, "S1")]).await;
}

async fn omitted_children_means_all_come_out(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.register(GTIN_B).await;
    line.commission_ok(GTIN, &serials("S", 4)).await;
    line.commission_ok(GTIN_B, &serials("B", 1)).await;

    // Container: all packs out, the container stays (empty).
    let case = sscc(0, 1);
    line.aggregate_ok(&case, &children(GTIN, &serials("S", 2)))
        .await;
    let (status, body) = line
        .delete("/aggregate/container", &json!({"parent": case}))
        .await;
    assert_eq!((status, body["count"].clone()), (200, json!(2)), "{body}");
    assert_eq!(store::packs_in(&app.db, &case), 0);
    assert!(store::container_exists(&app.db, &case));

    // Bundle: all packs out.
    let (status, _) = line
        .bundle(child(GTIN_B, "B0"), &children(GTIN, &serials("S", 3)))
        .await;
    assert_eq!(status, 200);
    let (status, body) = line
        .delete(
            "/aggregate/trade_item",
            &json!({"parent": child(GTIN_B, "B0")}),
        )
        .await;
    assert_eq!((status, body["count"].clone()), (200, json!(3)), "{body}");
    assert_eq!(store::aggregated_pack_count(&app.db), 0);

    // Pallet: all cases off.
    let (c1, c2, pallet) = (sscc(1, 1), sscc(1, 2), sscc(2, 1));
    line.aggregate_ok(&c1, &[child(GTIN, "S0")]).await;
    line.aggregate_ok(&c2, &[child(GTIN, "S1")]).await;
    let (status, _) = line.palletise(&pallet, &[&c1, &c2]).await;
    assert_eq!(status, 200);
    let (status, body) = line
        .delete("/aggregate/containers", &json!({"parent": pallet}))
        .await;
    assert_eq!((status, body["count"].clone()), (200, json!(2)), "{body}");
    assert_eq!(store::container_parent(&app.db, &c1), Some(None));
    assert_eq!(store::container_parent(&app.db, &c2), Some(None));
    // The cases keep their packs.
    assert_eq!(store::packs_in(&app.db, &c1), 1);
}

async fn listed_children_of_bundles_and_pallets_come_out(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.register(GTIN_B).await;
    line.commission_ok(GTIN, &serials("S", 4)).await;
    line.commission_ok(GTIN_B, &serials("B", 1)).await;
    let (status, _) = line
        .bundle(child(GTIN_B, "B0"), &children(GTIN, &serials("S", 2)))
        .await;
    assert_eq!(status, 200);
    let (status, body) = line
        .delete(
            "/aggregate/trade_item",
            &json!({"parent": child(GTIN_B, "B0"), "child_trade_items": [child(GTIN, "S1")]}),
        )
        .await;
    assert_eq!((status, body["count"].clone()), (200, json!(1)), "{body}");
    assert_eq!(
        store::pack(&app.db, GTIN, "S0").unwrap().bundle(),
        Some((GTIN_B, "B0"))
    );
    assert_eq!(store::pack(&app.db, GTIN, "S1").unwrap().bundle(), None);

    let (c1, c2, pallet) = (sscc(1, 1), sscc(1, 2), sscc(2, 1));
    line.aggregate_ok(&c1, &[child(GTIN, "S2")]).await;
    line.aggregate_ok(&c2, &[child(GTIN, "S3")]).await;
    let (status, _) = line.palletise(&pallet, &[&c1, &c2]).await;
    assert_eq!(status, 200);
    let (status, body) = line
        .delete(
            "/aggregate/containers",
            &json!({"parent": pallet, "child_containers": [c2]}),
        )
        .await;
    assert_eq!((status, body["count"].clone()), (200, json!(1)), "{body}");
    assert_eq!(
        store::container_parent(&app.db, &c1),
        Some(Some(pallet.clone()))
    );
    assert_eq!(store::container_parent(&app.db, &c2), Some(None));
}

async fn a_child_not_in_that_parent_refuses_the_whole_request(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.register(GTIN_B).await;
    line.commission_ok(GTIN, &serials("S", 5)).await;
    line.commission_ok(GTIN_B, &serials("B", 1)).await;
    let (case, elsewhere) = (sscc(0, 1), sscc(0, 2));
    line.aggregate_ok(&case, &children(GTIN, &serials("S", 2)))
        .await;
    line.aggregate_ok(&elsewhere, &[child(GTIN, "S2")]).await;
    let (status, body) = line
        .delete(
            "/aggregate/container",
            &json!({"parent": case, "child_trade_items": [
                child(GTIN, "S0"),
                child(GTIN, "S2"),     // in another container
                child(GTIN, "S3"),     // loose
                child(GTIN, "NEVER"),  // not commissioned
                child(GTIN, "S1"),
            ]}),
        )
        .await;
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
    assert!(problem_at(&body, "child_trade_items[1]").contains("not in this parent"));
    assert_eq!(store::packs_in(&app.db, &case), 2, "nothing removed");
    assert_eq!(store::packs_in(&app.db, &elsewhere), 1);

    // Same for bundles and pallets.
    let (status, _) = line.bundle(child(GTIN_B, "B0"), &[child(GTIN, "S4")]).await;
    assert_eq!(status, 200);
    let (status, body) = line
        .delete("/aggregate/trade_item",
            &json!({"parent": child(GTIN_B, "B0"), "child_trade_items": [child(GTIN, "S4"), child(GTIN, "S0")]}),
        )
        .await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(detail_paths(&body), ["child_trade_items[1]"]);
    assert!(store::pack(&app.db, GTIN, "S4").unwrap().bundle().is_some());
    let pallet = sscc(2, 1);
    let (status, _) = line.palletise(&pallet, &[&case]).await;
    assert_eq!(status, 200);
    let (status, body) = line
        .delete(
            "/aggregate/containers",
            &json!({"parent": pallet, "child_containers": [case, elsewhere]}),
        )
        .await;
    assert_error(status, &body, 409, "StateError");
    assert_eq!(detail_paths(&body), ["child_containers[1]"]);
    assert_eq!(
        store::container_parent(&app.db, &case),
        Some(Some(pallet.clone()))
    );
}

async fn unknown_parent_is_not_found(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.commission_ok(GTIN, &serials("S", 1)).await;
    let unknown = sscc(9, 9);
    for (path, body) in [
        ("/aggregate/container", json!({"parent": unknown})),
        (
            "/aggregate/container",
            json!({"parent": unknown, "child_trade_items": [child(GTIN, "S0")]}),
        ),
        ("/aggregate/containers", json!({"parent": unknown})),
        (
            "/aggregate/trade_item",
            json!({"parent": child(GTIN, "NEVER")}),
        ),
    ] {
        let (status, resp) = line.delete(path, &body).await;
        assert_error(status, &resp, 404, "NotFoundError");
    }
    // A malformed parent is a validation error.
    let (status, resp) = line
        .delete(
            "/aggregate/container",
            &json!({"parent": "000000000000000003"}),
        )
        .await;
    assert_error(status, &resp, 400, "ValidationError");
    assert_eq!(problem_at(&resp, "parent"), "check digit should be 0");
    assert_eq!(store::container_count(&app.db), 0);
}

async fn another_tenants_parent_cannot_be_emptied(db: Db) {
    let app = spawn(db).await;
    let acme = Line::new(&app, "Acme").await;
    let other = Line::with_gcp(&app, "Other", "9521234").await;
    other.register(GTIN_C).await;
    other.commission_ok(GTIN_C, &serials("S", 2)).await;
    let theirs = sscc_other(1);
    other
        .aggregate_ok(&theirs, &children(GTIN_C, &serials("S", 2)))
        .await;
    let (status, body) = acme
        .delete("/aggregate/container", &json!({"parent": theirs}))
        .await;
    // Answered like an unknown SSCC: no existence oracle.
    assert_error(status, &body, 404, "NotFoundError");
    let (status, body) = acme
        .delete("/aggregate/containers", &json!({"parent": theirs}))
        .await;
    assert_error(status, &body, 404, "NotFoundError");
    assert_eq!(store::packs_in(&app.db, &theirs), 2);
}

db_tests!(
    listed_packs_come_out_of_a_container,
    omitted_children_means_all_come_out,
    listed_children_of_bundles_and_pallets_come_out,
    a_child_not_in_that_parent_refuses_the_whole_request,
    unknown_parent_is_not_found,
    another_tenants_parent_cannot_be_emptied,
);
