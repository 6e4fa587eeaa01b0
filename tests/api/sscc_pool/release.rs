//! `ssccs/release`: unused SSCCs assigned to the caller come back and are handed out first;
//! anything else is refused, all or nothing, with no oracle on other tenants' SSCCs.

use serde_json::json;

use super::{assert_chain_verifies, expected, payloads, PRODUCT};
use crate::db_tests;
use crate::kit::gs1::sscc_of;
use crate::kit::race::assert_exact_error;
use crate::kit::{child, serials, spawn, store, Db, Line};

async fn returned_ssccs_are_handed_out_again_before_new_ones(db: Db) {
    let app = spawn(db).await;
    let line = Line::with_gcp(&app, "Acme", "4012345").await;
    let got = line.request_ssccs_ok(5, 2).await;

    line.release_ssccs_ok(&[&got[3], &got[1]]).await;

    for (i, s) in got.iter().enumerate() {
        let want = if i == 1 || i == 3 {
            "available"
        } else {
            "assigned"
        };
        assert_eq!(store::sscc_pool_status(&app.db, s).as_deref(), Some(want));
    }
    // Another extension digit does not take them.
    assert_eq!(
        line.request_ssccs_ok(1, 0).await,
        expected("4012345", 0, 0..1)
    );
    // Returned first, oldest (first handed out) first, then the next new reference.
    let again = line.request_ssccs_ok(3, 2).await;
    assert_eq!(
        again,
        vec![got[1].clone(), got[3].clone(), sscc_of("4012345", 2, 5)]
    );
    assert_eq!(store::sscc_pool_count(&app.db, "available"), 0);

    assert_eq!(
        payloads(&app, line.id(), "sscc.release"),
        vec![json!({"ssccs": [got[3], got[1]]})]
    );
    let requests = payloads(&app, line.id(), "sscc.request");
    assert_eq!(requests.last().unwrap()["reused"], json!(2));
    assert_eq!(requests.last().unwrap()["ssccs"], json!(again));
    assert_chain_verifies(&app, line.token()).await;
}

async fn only_unused_ssccs_assigned_to_the_caller_can_be_returned(db: Db) {
    let app = spawn(db).await;
    let a = Line::with_gcp(&app, "A", "4012345").await;
    let b = Line::with_gcp(&app, "B", "9521234").await;
    a.register(PRODUCT).await;
    a.commission_ok(PRODUCT, &serials("S", 1)).await;
    let mine = a.request_ssccs_ok(4, 0).await;
    let theirs = b.request_ssccs_ok(1, 0).await;
    a.aggregate_ok(&mine[0], &[child(PRODUCT, "S0")]).await;
    assert_eq!(
        store::sscc_pool_status(&app.db, &mine[0]).as_deref(),
        Some("used")
    );
    a.release_ssccs_ok(&[&mine[3]]).await;
    let never_handed_out = sscc_of("4012345", 0, 99);
    let before = store::sscc_pool_fingerprint(&app.db);
    let events = store::event_count(&app.db);

    let answer = a
        .release_ssccs(&[
            &mine[1],
            &mine[0],
            &theirs[0],
            &never_handed_out,
            &mine[3],
            &mine[2],
        ])
        .await;

    let at = |i: usize, problem: String| (format!("ssccs[{i}]"), problem);
    assert_exact_error(
        &answer,
        409,
        "StateError",
        "Some SSCCs cannot be returned: only unused SSCCs the pool assigned to you can; nothing \
         was returned",
        &[
            at(
                1,
                format!("SSCC {} is used: a container was created on it", mine[0]),
            ),
            at(2, format!("SSCC {} is not assigned to you", theirs[0])),
            at(3, format!("SSCC {never_handed_out} is not assigned to you")),
            at(
                4,
                format!("SSCC {} was returned to the pool already", mine[3]),
            ),
        ],
    );
    assert_eq!(
        store::sscc_pool_fingerprint(&app.db),
        before,
        "all or nothing"
    );
    assert_eq!(store::event_count(&app.db), events);
    // Another tenant's SSCC alone answers exactly like one that was never handed out.
    let (s1, foreign) = a.release_ssccs(&[&theirs[0]]).await;
    let (s2, unknown) = a.release_ssccs(&[&never_handed_out]).await;
    assert_eq!(
        (s1, foreign.to_string().replace(&theirs[0], "<SSCC>")),
        (s2, unknown.to_string().replace(&never_handed_out, "<SSCC>"))
    );
    assert_eq!(
        store::sscc_pool_status(&app.db, &theirs[0]).as_deref(),
        Some("assigned")
    );
    a.release_ssccs_ok(&[&mine[1], &mine[2]]).await;
}

async fn malformed_release_lists_every_bad_sscc(db: Db) {
    let app = spawn(db).await;
    let line = Line::with_gcp(&app, "Acme", "4012345").await;
    let got = line.request_ssccs_ok(1, 0).await;
    let before = store::sscc_pool_fingerprint(&app.db);

    let answer = line
        .release_ssccs(&[
            got[0].as_str(),
            "12345",
            "000000000000000003",
            got[0].as_str(),
        ])
        .await;

    assert_exact_error(
        &answer,
        400,
        "ValidationError",
        "Invalid SSCC release request",
        &[
            ("ssccs[1]".into(), "must be 18 digits, got 5".into()),
            ("ssccs[2]".into(), "check digit should be 0".into()),
            ("ssccs[3]".into(), format!("duplicate SSCC {}", got[0])),
        ],
    );
    let empty = line.release_ssccs::<&str>(&[]).await;
    assert_exact_error(
        &empty,
        400,
        "ValidationError",
        "Invalid SSCC release request",
        &[("ssccs".into(), "must list at least one SSCC".into())],
    );
    let (status, body) = line.post("/ssccs/release", &json!({"ssccs": [1]})).await;
    assert_eq!(
        (status, body["error"].clone()),
        (400, json!("ValidationError")),
        "{body}"
    );
    assert_eq!(
        store::sscc_pool_fingerprint(&app.db),
        before,
        "nothing written"
    );
}

db_tests!(
    returned_ssccs_are_handed_out_again_before_new_ones,
    only_unused_ssccs_assigned_to_the_caller_can_be_returned,
    malformed_release_lists_every_bad_sscc,
);
