//! Aggregation and the pool: a new container on an assigned SSCC makes it used; on a returned
//! one it is refused; SSCCs of no pool work as before. The CMO case: its own pool, its MAH's.

use super::PRODUCT;
use crate::db_tests;
use crate::kit::gs1::sscc_of;
use crate::kit::partners::partner;
use crate::kit::race::assert_exact_error;
use crate::kit::{child, serials, spawn, store, Db, Line};

/// The refusal of a new container on an SSCC returned to the pool.
pub fn returned_refusal(sscc: &str) -> (String, Vec<(String, String)>) {
    (
        format!(
            "SSCC {sscc} was returned to the SSCC pool and may be handed out again: it cannot \
             become a container until the pool hands it out (ssccs/request)"
        ),
        vec![(
            "parent".into(),
            "returned to the SSCC pool (available)".into(),
        )],
    )
}

async fn a_container_on_a_pool_sscc_uses_it_and_a_returned_one_is_refused(db: Db) {
    let app = spawn(db).await;
    let line = Line::with_gcp(&app, "Acme", "4012345").await;
    line.register(PRODUCT).await;
    line.commission_ok(PRODUCT, &serials("S", 4)).await;
    let cases = line.request_ssccs_ok(2, 0).await;
    let pallet = line.request_ssccs_ok(1, 9).await;
    line.release_ssccs_ok(&[&cases[1]]).await;
    let before = store::fingerprint(&app.db);

    let answer = line.aggregate(&cases[1], &[child(PRODUCT, "S0")]).await;

    let (message, details) = returned_refusal(&cases[1]);
    assert_exact_error(&answer, 409, "StateError", &message, &details);
    assert_eq!(
        store::fingerprint(&app.db),
        before,
        "no container, the pack stays loose"
    );
    assert_eq!(
        store::sscc_pool_status(&app.db, &cases[1]).as_deref(),
        Some("available")
    );

    // An assigned one becomes used with its container; a pallet too.
    line.aggregate_ok(&cases[0], &[child(PRODUCT, "S1")]).await;
    assert_eq!(
        store::sscc_pool_status(&app.db, &cases[0]).as_deref(),
        Some("used")
    );
    line.palletise_ok(&pallet[0], &[&cases[0]]).await;
    assert_eq!(
        store::sscc_pool_status(&app.db, &pallet[0]).as_deref(),
        Some("used")
    );
    // Aggregating onto the existing container again changes nothing in the pool.
    line.aggregate_ok(&cases[0], &[child(PRODUCT, "S2")]).await;
    assert_eq!(
        store::sscc_pool_status(&app.db, &cases[0]).as_deref(),
        Some("used")
    );

    // Handed out again, the returned SSCC may become a container.
    assert_eq!(line.request_ssccs_ok(1, 0).await, vec![cases[1].clone()]);
    line.aggregate_ok(&cases[1], &[child(PRODUCT, "S0")]).await;
    assert_eq!(
        store::sscc_pool_status(&app.db, &cases[1]).as_deref(),
        Some("used")
    );
    // SSCCs of no pool still work (lines that bring their own).
    line.aggregate_ok(&sscc_of("4012345", 3, 7), &[child(PRODUCT, "S3")])
        .await;
    assert_eq!(
        store::sscc_pool_status(&app.db, &sscc_of("4012345", 3, 7)),
        None
    );
}

async fn a_cmo_uses_its_own_pool_and_its_mahs_ssccs(db: Db) {
    let app = spawn(db).await;
    let mah = Line::with_gcp(&app, "MAH", "4012345").await;
    let cmo = Line::with_gcp(&app, "CMO", "4098765").await;
    mah.register(PRODUCT).await;
    partner(&mah, &cmo, &[PRODUCT]).await;
    cmo.commission_ok(PRODUCT, &serials("C", 3)).await;

    // The CMO's pool is of its own prefix.
    let own = cmo.request_ssccs_ok(1, 0).await;
    assert_eq!(own, vec![sscc_of("4098765", 0, 0)]);
    cmo.aggregate_ok(&own[0], &[child(PRODUCT, "C0")]).await;
    assert_eq!(
        store::sscc_pool_status(&app.db, &own[0]).as_deref(),
        Some("used")
    );

    // SSCCs the MAH requested (and handed to its CMO): the CMO's container uses them in the
    // MAH's pool, so the MAH cannot return them; a returned one is refused to the CMO too.
    let given = mah.request_ssccs_ok(3, 0).await;
    cmo.aggregate_ok(&given[0], &[child(PRODUCT, "C1")]).await;
    assert_eq!(
        store::sscc_pool_status(&app.db, &given[0]).as_deref(),
        Some("used")
    );
    assert_eq!(
        store::sscc_pool_tenant(&app.db, &given[0]).as_deref(),
        Some(mah.id())
    );
    let (status, body) = mah.release_ssccs(&[&given[0]]).await;
    assert_eq!(status, 409, "{body}");
    mah.release_ssccs_ok(&[&given[1]]).await;
    let answer = cmo.aggregate(&given[1], &[child(PRODUCT, "C2")]).await;
    let (message, details) = returned_refusal(&given[1]);
    assert_exact_error(&answer, 409, "StateError", &message, &details);
    // The CMO cannot return what the pool assigned to its MAH.
    let (status, body) = cmo.release_ssccs(&[&given[2]]).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(
        body["details"][0]["problem"],
        format!("SSCC {} is not assigned to you", given[2])
    );
}

db_tests!(
    a_container_on_a_pool_sscc_uses_it_and_a_returned_one_is_refused,
    a_cmo_uses_its_own_pool_and_its_mahs_ssccs,
);
