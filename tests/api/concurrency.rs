//! Invariants under parallel requests, enforced by the database: a pack is in at most one parent,
//! a serial is commissioned once, and every request is all-or-nothing.

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::json;

use crate::db_tests;
use crate::kit::gs1::sscc;
use crate::kit::{children, serials, spawn, store, Db, Line, TestApp, GTIN};

/// A line of "Acme" with [`GTIN`] registered.
async fn line(app: &TestApp) -> Line {
    let line = Line::new(app, "Acme").await;
    line.register(GTIN).await;
    line
}

async fn parallel_aggregation_of_the_same_packs_has_exactly_one_winner(db: Db) {
    let app = spawn(db).await;
    let l = line(&app).await;
    let serials = serials("S", 200);
    l.commission_ok(GTIN, &serials).await;
    // Eight requests race to put the same 200 packs (in different orders) onto eight SSCCs.
    let requests = (0..8u64).map(|k| {
        let mut mine = serials.clone();
        mine.rotate_left((k * 25) as usize);
        let l = &l;
        async move { l.aggregate(&sscc(0, k + 1), &children(GTIN, &mine)).await }
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
    let parents = store::pack_containers(&app.db);
    assert_eq!(parents.len(), 200);
    let first = parents[0].clone().expect("all packs aggregated");
    assert!(
        parents.iter().all(|p| p.as_deref() == Some(first.as_str())),
        "every pack in the one winning parent"
    );
    let created = store::container_count(&app.db);
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
        let l = &l;
        async move { l.commission(GTIN, &serials).await }
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
    let rows = store::pack_count(&app.db);
    assert_eq!(
        rows, committed,
        "every accepted request wrote all its serials, rejected ones none"
    );
    let serials = store::serials(&app.db);
    let distinct: std::collections::HashSet<&String> = serials.iter().collect();
    assert_eq!(distinct.len() as i64, rows, "no serial commissioned twice");
}

async fn crossing_pallet_requests_never_form_a_cycle(db: Db) {
    let app = spawn(db).await;
    let l = line(&app).await;
    let serials = serials("X", 4);
    l.commission_ok(GTIN, &serials).await;
    let (a, b) = (sscc(0, 100), sscc(0, 200));
    l.pack_onto(&a, GTIN, &serials[0..2]).await;
    l.pack_onto(&b, GTIN, &serials[2..4]).await;
    for _ in 0..5 {
        let (ab, ba) = ([b.as_str()], [a.as_str()]);
        let (r1, r2) = tokio::join!(l.palletise(&a, &ab), l.palletise(&b, &ba));
        assert!(
            r1.0 != 200 || r2.0 != 200,
            "both crossing requests succeeded: {r1:?} {r2:?}"
        );
        // Undo whichever won, and race again.
        for parent in [&a, &b] {
            l.delete("/aggregate/containers", &json!({"parent": parent}))
                .await;
        }
    }
    let _ = Method::POST;
}

db_tests!(
    parallel_aggregation_of_the_same_packs_has_exactly_one_winner,
    parallel_commissioning_of_overlapping_serials_commissions_each_once,
    crossing_pallet_requests_never_form_a_cycle,
);
