//! Invariants under parallel requests, enforced by the database: a pack is in at most one parent,
//! a serial is commissioned once, nesting never forms a cycle, and every request is
//! all-or-nothing. Every race has exactly one winner, and every loser gets the documented error.

use std::collections::HashSet;

use futures_util::future::join_all;
use serde_json::json;

use crate::db_tests;
use crate::kit::app::start;
use crate::kit::gs1::sscc;
use crate::kit::race::{
    already_commissioned, assert_exact_error, assert_lost_release, details, in_another_parent,
    one_winner, NOT_IN_STATUS, SERIALS_TAKEN,
};
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
    let orders: Vec<Vec<String>> = (0..8)
        .map(|k| {
            let mut mine = serials.clone();
            mine.rotate_left(k * 25);
            mine
        })
        .collect();
    let requests = orders.iter().enumerate().map(|(k, mine)| {
        let l = &l;
        async move {
            l.aggregate(&sscc(0, k as u64 + 1), &children(GTIN, mine))
                .await
        }
    });

    let results = join_all(requests).await;

    let (winner, losers) = one_winner(&results, 200);
    for k in losers {
        let elsewhere = in_another_parent(GTIN, &orders[k]);
        assert_exact_error(&results[k], 409, "StateError", NOT_IN_STATUS, &elsewhere);
    }
    let parents = store::pack_containers(&app.db);
    assert_eq!(parents.len(), 200);
    let first = parents[0].clone().expect("all packs aggregated");
    assert_eq!(first, sscc(0, winner as u64 + 1), "the winner's SSCC");
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

/// Six requests of 300 serials that all share the same 100: one commissions its 300, every other
/// is refused naming exactly those 100, and writes none of its own 200.
async fn parallel_commissioning_sharing_serials_has_exactly_one_winner(db: Db) {
    let app = spawn(db).await;
    let l = line(&app).await;
    let shared = serials("SHARED", 100);
    let requests: Vec<Vec<String>> = (0..6)
        .map(|k| {
            let mut mine = serials(&format!("OWN{k}-"), 200);
            // The shared block sits at a different place in each request.
            mine.splice(k * 40..k * 40, shared.iter().cloned());
            mine
        })
        .collect();

    let results = join_all(requests.iter().map(|r| l.commission(GTIN, r))).await;

    let (winner, losers) = one_winner(&results, 200);
    assert_eq!(results[winner].1["count"], json!(300));
    let taken: HashSet<&str> = requests[winner].iter().map(String::as_str).collect();
    for k in losers {
        let shared = already_commissioned(&requests[k], &taken);
        assert_eq!(shared.len(), 100, "exactly the shared serials");
        assert_exact_error(&results[k], 409, "StateError", SERIALS_TAKEN, &shared);
    }
    assert_eq!(store::pack_count(&app.db), 300, "the losers wrote nothing");
    let stored: HashSet<String> = store::serials(&app.db).into_iter().collect();
    let won: HashSet<String> = requests[winner].iter().cloned().collect();
    assert_eq!(stored, won, "exactly the winner's serials");
}

/// Six requests of 300 serials, each overlapping the next by 100: several may win, but never two
/// that overlap, each loser overlaps a winner and is refused naming only serials winners hold,
/// and every request wrote all of its serials or none.
async fn parallel_commissioning_of_overlapping_serials_commissions_each_once(db: Db) {
    let app = spawn(db).await;
    let l = line(&app).await;
    let requests: Vec<Vec<String>> = (0..6)
        .map(|k| (k * 200..k * 200 + 300).map(|i| format!("C{i}")).collect())
        .collect();

    let results = join_all(requests.iter().map(|r| l.commission(GTIN, r))).await;

    let winners: Vec<usize> = (0..6).filter(|&k| results[k].0 == 200).collect();
    assert!(
        !winners.is_empty(),
        "the first to commit cannot conflict: {results:?}"
    );
    for pair in winners.windows(2) {
        assert!(
            pair[1] > pair[0] + 1,
            "overlapping requests both won: {winners:?}"
        );
    }
    let taken: HashSet<&str> = winners
        .iter()
        .flat_map(|&k| requests[k].iter().map(String::as_str))
        .collect();
    for k in (0..6).filter(|k| !winners.contains(k)) {
        let (status, body) = &results[k];
        assert_eq!(
            (*status, &body["error"], &body["message"]),
            (409, &json!("StateError"), &json!(SERIALS_TAKEN)),
            "{body}"
        );
        // Only serials a winner committed, each named where this request has it.
        let named = details(body);
        let possible = already_commissioned(&requests[k], &taken);
        assert!(!named.is_empty(), "a loser lost to someone: {body}");
        assert!(named.iter().all(|d| possible.contains(d)), "{body}");
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
    let distinct: HashSet<&str> = serials.iter().map(String::as_str).collect();
    assert_eq!(distinct.len() as i64, rows, "no serial commissioned twice");
    assert_eq!(distinct, taken, "exactly the winners' serials");
}

/// A onto B while B onto A, five rounds: each round one wins, the other is told it would be a
/// cycle.
async fn crossing_pallet_requests_never_form_a_cycle(db: Db) {
    let app = spawn(db).await;
    let l = line(&app).await;
    let serials = serials("X", 4);
    l.commission_ok(GTIN, &serials).await;
    let (a, b) = (sscc(0, 100), sscc(0, 200));
    l.pack_onto(&a, GTIN, &serials[0..2]).await;
    l.pack_onto(&b, GTIN, &serials[2..4]).await;
    for round in 0..5 {
        let (ab, ba) = ([b.as_str()], [a.as_str()]);
        let (r1, r2) = tokio::join!(l.palletise(&a, &ab), l.palletise(&b, &ba));
        let results = [r1, r2];

        let (winner, losers) = one_winner(&results, 200);

        // The winner's parent is the loser's child: it holds the loser's parent now.
        let (top, below) = if winner == 0 { (&a, &b) } else { (&b, &a) };
        let cycle = vec![(
            "child_containers[0]".to_string(),
            format!("SSCC {top} holds the parent: that would be a cycle"),
        )];
        assert_exact_error(
            &results[losers[0]],
            409,
            "StateError",
            NOT_IN_STATUS,
            &cycle,
        );
        assert_eq!(
            store::container_parent(&app.db, below),
            Some(Some(top.clone())),
            "round {round}"
        );
        assert_eq!(store::container_parent(&app.db, top), Some(None));
        // Undo the winner's, and race again.
        let (status, body) = l
            .delete("/aggregate/containers", &json!({"parent": top}))
            .await;
        assert_eq!((status, &body["count"]), (200, &json!(1)), "{body}");
    }
}

/// Two instances of the service on one database: every invariant holds across them, because the
/// database enforces it. Each race has one winner and a loser with the documented error.
async fn two_instances_on_one_database_have_one_winner_per_race(db: Db) {
    let app = spawn(db).await;
    let second = start(app.settings.clone()).await;
    let one = line(&app).await;
    let two = one.via(&second);
    let list = serials("T", 500);
    let all: HashSet<&str> = list.iter().map(String::as_str).collect();

    let (a, b) = tokio::join!(one.commission(GTIN, &list), two.commission(GTIN, &list));
    let results = [a, b];
    let (_, losers) = one_winner(&results, 200);
    let taken = already_commissioned(&list, &all);
    assert_exact_error(
        &results[losers[0]],
        409,
        "StateError",
        SERIALS_TAKEN,
        &taken,
    );
    assert_eq!(store::pack_count(&app.db), 500);

    let kids = children(GTIN, &list);
    let (case_one, case_two) = (sscc(0, 1), sscc(0, 2));
    let (a, b) = tokio::join!(
        one.aggregate(&case_one, &kids),
        two.aggregate(&case_two, &kids)
    );
    let results = [a, b];
    let (winner, losers) = one_winner(&results, 200);
    let elsewhere = in_another_parent(GTIN, &list);
    assert_exact_error(
        &results[losers[0]],
        409,
        "StateError",
        NOT_IN_STATUS,
        &elsewhere,
    );
    let case = [&case_one, &case_two][winner];
    assert_eq!(store::packs_in(&app.db, case), 500);
    assert_eq!(store::container_count(&app.db), 1, "the loser left no SSCC");

    let body = json!({"ssccs": [case]});
    let (a, b) = tokio::join!(one.release(&body), two.release(&body));
    let results = [a, b];
    let (winner, losers) = one_winner(&results, 200);
    assert_eq!(results[winner].1["released"], 500);
    assert_lost_release(db, &results[losers[0]], case);
    assert_eq!(store::released_counts(&app.db), (500, 1));
}

db_tests!(
    two_instances_on_one_database_have_one_winner_per_race,
    parallel_aggregation_of_the_same_packs_has_exactly_one_winner,
    parallel_commissioning_sharing_serials_has_exactly_one_winner,
    parallel_commissioning_of_overlapping_serials_commissions_each_once,
    crossing_pallet_requests_never_form_a_cycle,
);
