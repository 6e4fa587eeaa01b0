//! Races on the pool, decided by the database: concurrent requests (on one instance or two on
//! one database) never hand out one SSCC twice, and a release racing an aggregation onto the
//! same SSCC has exactly one winner, the loser refused with its exact error.

use std::collections::HashSet;

use futures_util::future::join_all;

use super::aggregation::returned_refusal;
use super::{assert_chain_verifies, expected, ssccs_assigned_metric, PRODUCT};
use crate::db_tests;
use crate::kit::app::start;
use crate::kit::race::{assert_exact_error, one_winner};
use crate::kit::{child, serials, spawn, store, Db, Line};

/// Every SSCC of the answers, asserting that none appears twice.
#[track_caller]
fn distinct(answers: &[Vec<String>]) -> HashSet<String> {
    let mut seen = HashSet::new();
    for s in answers.iter().flatten() {
        assert!(seen.insert(s.clone()), "{s} handed out twice");
    }
    seen
}

async fn forty_parallel_requests_never_hand_out_one_sscc_twice(db: Db) {
    let app = spawn(db).await;
    let line = Line::with_gcp(&app, "Acme", "4012345").await;

    let answers = join_all((0..40).map(|_| line.request_ssccs_ok(25, 0))).await;

    let all = distinct(&answers);
    let want: HashSet<String> = expected("4012345", 0, 0..1000).into_iter().collect();
    assert_eq!(all, want, "exactly the first 1000 references, each once");
    assert_eq!(store::sscc_pool_count(&app.db, "assigned"), 1000);
    assert_eq!(ssccs_assigned_metric(&app).await, 1000.0);
    assert_chain_verifies(&app, line.token()).await;
}

/// Returned SSCCs are taken by parallel requests too, each by one of them.
async fn parallel_requests_share_out_returned_ssccs_once(db: Db) {
    let app = spawn(db).await;
    let line = Line::with_gcp(&app, "Acme", "4012345").await;
    let first = line.request_ssccs_ok(100, 4).await;
    let returned: HashSet<String> = first.iter().step_by(2).cloned().collect();
    let list: Vec<&String> = returned.iter().collect();
    line.release_ssccs_ok(&list).await;

    let answers = join_all((0..40).map(|_| line.request_ssccs_ok(5, 4))).await;

    let all = distinct(&answers);
    assert_eq!(all.len(), 200);
    let reused: HashSet<&String> = all.intersection(&returned).collect();
    let kept: HashSet<String> = first.iter().skip(1).step_by(2).cloned().collect();
    assert!(
        all.is_disjoint(&kept),
        "SSCCs still assigned are not handed out again"
    );
    for s in &all {
        assert_eq!(
            store::sscc_pool_status(&app.db, s).as_deref(),
            Some("assigned")
        );
    }
    // What was not reused is still available; nothing is lost or doubled.
    let available = store::sscc_pool_count(&app.db, "available");
    assert_eq!(available as usize, returned.len() - reused.len());
    assert_eq!(store::sscc_pool_count(&app.db, "assigned"), 50 + 200);
}

/// Two instances of the service on one database: the database decides, not memory.
async fn two_instances_never_hand_out_one_sscc_twice(db: Db) {
    let app = spawn(db).await;
    let second = start(app.settings.clone()).await;
    let one = Line::with_gcp(&app, "Acme", "4012345").await;
    let two = one.via(&second);

    let answers = join_all((0..40).map(|i| {
        let line = if i % 2 == 0 { one.clone() } else { two.clone() };
        async move { line.request_ssccs_ok(10, 1).await }
    }))
    .await;

    let all = distinct(&answers);
    let want: HashSet<String> = expected("4012345", 1, 0..400).into_iter().collect();
    assert_eq!(all, want);
    assert_eq!(store::sscc_pool_count(&app.db, "assigned"), 400);
}

/// Returning an SSCC while a container is created on it: one wins. Returned first, the
/// aggregation is refused (the SSCC is available); aggregated first, the release is (used).
async fn a_release_racing_an_aggregation_has_one_winner(db: Db) {
    let app = spawn(db).await;
    let second = start(app.settings.clone()).await;
    let line = Line::with_gcp(&app, "Acme", "4012345").await;
    let other = line.via(&second);
    line.register(PRODUCT).await;
    line.commission_ok(PRODUCT, &serials("S", 6)).await;
    let ssccs = line.request_ssccs_ok(6, 0).await;

    for (i, sscc) in ssccs.iter().enumerate() {
        let kid = [child(PRODUCT, &format!("S{i}"))];
        let list = [sscc];
        // Alternate which instance serves which side, and which is sent first.
        let (release, aggregate) = if i % 2 == 0 {
            tokio::join!(line.release_ssccs(&list), other.aggregate(sscc, &kid))
        } else {
            let (a, r) = tokio::join!(line.aggregate(sscc, &kid), other.release_ssccs(&list));
            (r, a)
        };
        let results = [release.clone(), aggregate.clone()];
        let (winner, _) = one_winner(&results, 200);
        let status = store::sscc_pool_status(&app.db, sscc);
        if winner == 0 {
            let (message, details) = returned_refusal(sscc);
            assert_exact_error(&aggregate, 409, "StateError", &message, &details);
            assert_eq!(status.as_deref(), Some("available"));
            assert!(!store::container_exists(&app.db, sscc));
        } else {
            assert_exact_error(
                &release,
                409,
                "StateError",
                "Some SSCCs cannot be returned: only unused SSCCs the pool assigned to you can; \
                 nothing was returned",
                &[(
                    "ssccs[0]".into(),
                    format!("SSCC {sscc} is used: a container was created on it"),
                )],
            );
            assert_eq!(status.as_deref(), Some("used"));
            assert_eq!(store::packs_in(&app.db, sscc), 1);
        }
    }
    assert_chain_verifies(&app, line.token()).await;
}

db_tests!(
    forty_parallel_requests_never_hand_out_one_sscc_twice,
    parallel_requests_share_out_returned_ssccs_once,
    two_instances_never_hand_out_one_sscc_twice,
    a_release_racing_an_aggregation_has_one_winner,
);
