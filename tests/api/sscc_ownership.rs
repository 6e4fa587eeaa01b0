//! SSCC ownership (issue 12, Medium): a new container's SSCC lies under the caller's own prefix,
//! under the prefix of a MAH it produces for under an active partnership, or under a prefix no
//! tenant of the hub holds (external). Any other is refused with one answer, whether or not it
//! exists: no squatting, no probing.

use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::gs1::{gtin, sscc_of};
use crate::kit::partners::{partner, patch_partnership};
use crate::kit::{assert_error, child, problem_at, serials, spawn, store, Db, Line, TestApp};

const M_GTIN: &str = "04012345111118";

/// M (4012345), its CMO C1 (4098765) producing M's product, and X (4077777) with its own
/// product; each with commissioned packs S0..S3.
async fn cast(app: &TestApp) -> (Line, Line, Line, String) {
    let m = Line::with_gcp(app, "M", "4012345").await;
    let c1 = Line::with_gcp(app, "C1", "4098765").await;
    let x = Line::with_gcp(app, "X", "4077777").await;
    m.register(M_GTIN).await;
    partner(&m, &c1, &[M_GTIN]).await;
    let x_gtin = gtin("0407777700001");
    x.register(&x_gtin).await;
    c1.commission_ok(M_GTIN, &serials("S", 4)).await;
    x.commission_ok(&x_gtin, &serials("S", 4)).await;
    (m, c1, x, x_gtin)
}

/// An answer with the SSCC taken out, to compare the answers for different SSCCs.
fn without(body: &Value, sscc: &str) -> String {
    body.to_string().replace(sscc, "<SSCC>")
}

async fn another_tenants_sscc_can_be_neither_squatted_nor_probed(db: Db) {
    let app = spawn(db).await;
    let (_, c1, x, x_gtin) = cast(&app).await;
    let used = c1.sscc(1);
    c1.aggregate_ok(&used, &[child(M_GTIN, "S0")]).await;
    let before = store::fingerprint(&app.db);

    // The attack: X aggregates onto a new SSCC of C1's prefix, to squat it.
    let free = c1.sscc(2);
    let (status, squat) = x.aggregate(&free, &[child(&x_gtin, "S0")]).await;
    assert_error(status, &squat, 403, "ForbiddenError");
    assert_eq!(
        problem_at(&squat, "parent"),
        "not under your company prefix, nor under one of a brand owner you produce for"
    );
    // ...and onto C1's existing one, to learn that it exists: the very same answer.
    let (status, probe) = x.aggregate(&used, &[child(&x_gtin, "S0")]).await;
    assert_eq!(
        (status, without(&probe, &used)),
        (403, without(&squat, &free))
    );
    assert_eq!(store::fingerprint(&app.db), before, "nothing written");
    // As a child of X's own pallet, too: C1's case reads like an SSCC that does not exist.
    x.aggregate_ok(&x.sscc(9), &[child(&x_gtin, "S1")]).await;
    let before_pallet = store::fingerprint(&app.db);
    let ask = |kid: String| {
        let x = x.clone();
        async move {
            x.post(
                "/aggregate/containers",
                &json!({"parent": x.sscc(10), "child_containers": [kid]}),
            )
            .await
        }
    };
    let (s1, existing) = ask(used.clone()).await;
    let (s2, missing) = ask(free.clone()).await;
    assert_eq!(
        (s1, without(&existing, &used)),
        (s2, without(&missing, &free))
    );
    assert_error(s1, &existing, 409, "StateError");
    assert_eq!(
        store::fingerprint(&app.db),
        before_pallet,
        "nothing written"
    );

    // C1 still uses its own SSCC, new or not.
    c1.aggregate_ok(&used, &[child(M_GTIN, "S1")]).await;
    c1.aggregate_ok(&free, &[child(M_GTIN, "S2")]).await;
    assert_eq!(store::packs_in(&app.db, &free), 1);
}

async fn own_partner_and_external_ssccs_are_allowed(db: Db) {
    let app = spawn(db).await;
    let (m, c1, x, x_gtin) = cast(&app).await;
    // C1 packs M's goods onto an SSCC of M's prefix (its MAH), X onto an external SSCC (a prefix
    // no tenant of this hub holds) and onto its own.
    c1.aggregate_ok(&m.sscc(5), &[child(M_GTIN, "S0")]).await;
    x.aggregate_ok(&sscc_of("9999999", 0, 5), &[child(&x_gtin, "S0")])
        .await;
    x.aggregate_ok(&x.sscc(5), &[child(&x_gtin, "S1")]).await;
    // X is no partner of M: M's prefix is closed to it.
    let (status, body) = x.aggregate(&m.sscc(6), &[child(&x_gtin, "S2")]).await;
    assert_error(status, &body, 403, "ForbiddenError");
}

async fn a_suspended_cmo_may_no_longer_open_ssccs_of_its_mah(db: Db) {
    let app = spawn(db).await;
    let m = Line::with_gcp(&app, "M", "4012345").await;
    let c1 = Line::with_gcp(&app, "C1", "4098765").await;
    m.register(M_GTIN).await;
    let pid = partner(&m, &c1, &[M_GTIN]).await;
    c1.commission_ok(M_GTIN, &serials("S", 2)).await;
    let (status, body) = patch_partnership(&m, &pid, json!({"status": "suspended"})).await;
    assert_eq!(status, 200, "{body}");
    // M's goods are no longer C1's to produce; and its own goods cannot go onto M's SSCCs.
    let (status, body) = c1.aggregate(&m.sscc(7), &[child(M_GTIN, "S0")]).await;
    assert_eq!(
        status, 404,
        "the product is no longer C1's to produce: {body}"
    );
    let own = gtin("0409876500001");
    c1.register(&own).await;
    c1.commission_ok(&own, &serials("T", 1)).await;
    let (status, body) = c1.aggregate(&m.sscc(7), &[child(&own, "T0")]).await;
    assert_error(status, &body, 403, "ForbiddenError");
}

db_tests!(
    another_tenants_sscc_can_be_neither_squatted_nor_probed,
    own_partner_and_external_ssccs_are_allowed,
    a_suspended_cmo_may_no_longer_open_ssccs_of_its_mah,
);
