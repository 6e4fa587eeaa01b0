//! The SSCC pool (issue 13 item 5; docs/pools.md "SSCC pool"): `ssccs/request` hands out SSCCs of
//! the tenant's company prefix whose serial references never repeat, reusing returned ones first;
//! `ssccs/release` returns unused ones; a container created on a pool SSCC makes it used.
//! Expected SSCCs are built with the kit's own GS1 code (`kit::gs1::sscc_of`), never serialhub's.

mod aggregation;
mod races;
mod release;
mod request;

use serde_json::{json, Value};

use crate::kit::{TestApp, GTIN};

/// The SSCCs of serial references `refs` of `gcp` with extension digit `ext`, built by the kit.
pub fn expected(gcp: &str, ext: u32, refs: std::ops::Range<u64>) -> Vec<String> {
    refs.map(|r| crate::kit::gs1::sscc_of(gcp, ext, r))
        .collect()
}

/// The audit events of `action` the tenant's chain holds, as (payload) in order.
pub fn payloads(app: &TestApp, tenant: &str, action: &str) -> Vec<Value> {
    crate::kit::store::chain(&app.db, tenant)
        .into_iter()
        .filter(|e| e.action == action)
        .map(|e| e.payload())
        .collect()
}

/// `GET /v1/audit/verify` of the tenant's chain is valid.
pub async fn assert_chain_verifies(app: &TestApp, token: &str) {
    let (status, body) = app.get("/v1/audit/verify", token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["valid"], json!(true), "{body}");
}

/// The product the lines of these tests commission.
pub const PRODUCT: &str = GTIN;

/// `serialhub_ssccs_assigned_total` of the instance's `/metrics`.
pub async fn ssccs_assigned_metric(app: &TestApp) -> f64 {
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("serialhub_ssccs_assigned_total "))
        .unwrap_or_else(|| panic!("no serialhub_ssccs_assigned_total in {text}"))
        .trim()
        .parse()
        .expect("a number")
}
