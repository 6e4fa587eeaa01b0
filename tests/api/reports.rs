//! `GET /v1/reports/batch`: batch reconciliation for the brand owner — commissioned, pending,
//! aggregated, released and decommissioned (by reason) counts, `accounted_for` only when nothing
//! is pending; another tenant's product is a ProductError.

use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::gs1::sscc;
use crate::kit::partners::partner;
use crate::kit::{assert_error, child, serials, spawn, Db, Line, TestApp, GTIN};

async fn report(app: &TestApp, token: &str, batch: &str) -> Value {
    let (status, body) = app
        .get(
            &format!("/v1/reports/batch?product_code={GTIN}&batch={batch}"),
            token,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], json!(true));
    assert_eq!(body["product_code"], GTIN);
    assert_eq!(body["batch"], batch);
    body
}

fn counts(b: &Value) -> Value {
    json!({
        "commissioned": b["commissioned"], "pending": b["pending"], "aggregated": b["aggregated"],
        "released": b["released"], "decommissioned": b["decommissioned"],
        "accounted_for": b["accounted_for"], "unaccounted": b["unaccounted"],
    })
}

/// M commissions S0–S5 in batch B1 and T0, T1 in B2, packs S0 and S1 onto `case`, destroys S2
/// and samples S3. C1 is a CMO of M's once [`partnered`].
struct Story {
    app: TestApp,
    m: Line,
    c1: Line,
    case: String,
}

async fn story(db: Db) -> Story {
    let app = spawn(db).await;
    let m = Line::new(&app, "M").await;
    let c1 = Line::with_gcp(&app, "C1", "9521234").await;
    m.register(GTIN).await;
    let s = serials("S", 6);
    let (status, body) = m.commission_with(GTIN, "B1", "281231", &s).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = m
        .commission_with(GTIN, "B2", "281231", &serials("T", 2))
        .await;
    assert_eq!(status, 200, "{body}");
    let case = sscc(0, 1);
    m.aggregate_ok(&case, &[child(GTIN, "S0"), child(GTIN, "S1")])
        .await;
    for (serial, reason) in [("S2", "destroyed"), ("S3", "sampled")] {
        let (status, body) = m.decommission(GTIN, &[serial], reason).await;
        assert_eq!(status, 200, "{body}");
    }
    Story { app, m, c1, case }
}

/// Makes C1 a CMO of M's for the product.
async fn partnered(s: &Story) {
    partner(&s.m, &s.c1, &[GTIN]).await;
}

async fn batch_report_counts_each_status_and_reason(db: Db) {
    let Story { app, m, .. } = story(db).await;

    let b1 = report(&app, m.token(), "B1").await;
    assert_eq!(
        counts(&b1),
        json!({"commissioned": 6, "pending": 4, "aggregated": 2, "released": 0,
               "decommissioned": {"total": 2, "by_reason": {"destroyed": 1, "sampled": 1}},
               "accounted_for": false, "unaccounted": 4})
    );
    let b2 = report(&app, m.token(), "B2").await;
    assert_eq!(
        (b2["commissioned"].clone(), b2["pending"].clone()),
        (json!(2), json!(2))
    );
}

/// A CMO producing M's product in the same batch: its packs count in M's report, and the batch
/// is accounted for only when nothing of it is pending any more, the CMO's packs included.
async fn a_cmos_packs_count_in_the_brand_owners_report_until_accounted_for(db: Db) {
    let s = story(db).await;
    partnered(&s).await;
    let Story { app, m, c1, case } = s;
    let (status, body) = c1
        .commission_with(GTIN, "B1", "281231", &serials("C", 1))
        .await;
    assert_eq!(status, 200, "{body}");
    let b1 = report(&app, m.token(), "B1").await;
    assert_eq!(
        (b1["commissioned"].clone(), b1["pending"].clone()),
        (json!(7), json!(5))
    );

    // Release the case, decommission the rest: everything accounted for.
    let (status, body) = m.release(&json!({"ssccs": [case]})).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = m.decommission(GTIN, &["S4", "S5"], "damaged").await;
    assert_eq!(status, 200, "{body}");
    let b1 = report(&app, m.token(), "B1").await;
    assert_eq!(
        b1["accounted_for"],
        json!(false),
        "C1's pack is still pending"
    );
    let (status, body) = c1.decommission(GTIN, &["C0"], "expired").await;
    assert_eq!(status, 200, "{body}");
    let b1 = report(&app, m.token(), "B1").await;
    assert_eq!(
        counts(&b1),
        json!({"commissioned": 7, "pending": 0, "aggregated": 2, "released": 2,
               "decommissioned": {"total": 5, "by_reason": {"damaged": 2, "destroyed": 1, "expired": 1, "sampled": 1}},
               "accounted_for": true, "unaccounted": 0})
    );
}

async fn the_report_is_the_brand_owners_and_checks_its_parameters(db: Db) {
    let s = story(db).await;
    partnered(&s).await;
    let Story { app, m, c1, .. } = s;

    // A batch with nothing in it.
    let none = report(&app, m.token(), "NOPE").await;
    assert_eq!(none["commissioned"], json!(0));

    // The report is the brand owner's: the CMO and an outsider get a ProductError.
    let x = app.tenant_with_gcp("X", &["4000001"]).await;
    for token in [c1.token(), x.token.as_str()] {
        let (status, body) = app
            .get(
                &format!("/v1/reports/batch?product_code={GTIN}&batch=B1"),
                token,
            )
            .await;
        assert_error(status, &body, 404, "ProductError");
    }
    // Invalid parameters.
    for q in [
        "product_code=04012345111119&batch=B1",
        "product_code=abc&batch=B1",
        &format!("product_code={GTIN}"),
    ] {
        let (status, body) = app.get(&format!("/v1/reports/batch?{q}"), m.token()).await;
        assert_eq!(status, 400, "{q}: {body}");
    }
}

db_tests!(
    batch_report_counts_each_status_and_reason,
    a_cmos_packs_count_in_the_brand_owners_report_until_accounted_for,
    the_report_is_the_brand_owners_and_checks_its_parameters,
);
