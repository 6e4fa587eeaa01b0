#![allow(dead_code)] // Not every test module uses every helper.
//! Shared helpers for the Manufacturer V2 tests: a tenant with a shopfloor channel ("a line"),
//! requests carrying `x-access-token` + `x-channel-key`, product registration, commissioning,
//! GS1-valid test identifiers, and direct database reads to assert what was (not) stored.

use diesel::prelude::*;
use reqwest::{Method, RequestBuilder};
use serde_json::{json, Value};
use serialhub::db::schema::{containers, items, products};
use serialhub::db::DbConn;

use crate::helpers::{send, Tenant, TestApp};

pub const PREFIX: &str = "/v1/manufacturer/v2/api";

/// GS1.md test vectors: valid GTIN-14s.
pub const GTIN: &str = "04012345111118";
pub const GTIN_B: &str = "10614141073464";
pub const GTIN_C: &str = "09521234543213";

pub const BATCH: &str = "BATCH002";
pub const EXPIRY: &str = "281200";

/// GS1 mod-10 check digit of `body`, computed here independently of the code under test.
pub fn check_digit(body: &str) -> u32 {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10
}

/// A GS1-valid SSCC of company prefix 4012345: extension digit + prefix + 9-digit reference.
pub fn sscc(extension: u32, reference: u64) -> String {
    let body = format!("{extension}4012345{reference:09}");
    format!("{body}{}", check_digit(&body))
}

/// A GS1-valid SSCC of another company prefix (for the second tenant).
pub fn sscc_other(reference: u64) -> String {
    let body = format!("09521234{reference:09}");
    format!("{body}{}", check_digit(&body))
}

/// `n` distinct serials `{prefix}{i}`.
pub fn serials(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

/// A child trade item of the seed's shape, without batch/expiry.
pub fn child(gtin: &str, serial: &str) -> Value {
    json!({"product_code": gtin, "product_code_schema": "GTIN", "serial_number": serial})
}

/// A child trade item with batch and expiry.
pub fn child_full(gtin: &str, serial: &str, batch: &str, expiry: &str) -> Value {
    json!({"product_code": gtin, "product_code_schema": "GTIN", "serial_number": serial,
           "batch": batch, "expiry_date": expiry})
}

pub fn children(gtin: &str, serials: &[String]) -> Vec<Value> {
    serials.iter().map(|s| child(gtin, s)).collect()
}

/// A tenant (GCP 4012345 unless given) with an all-roles token and an enabled
/// `manufacturer_v2_api` channel.
#[derive(Debug, Clone)]
pub struct Line {
    pub tenant: Tenant,
    pub channel_id: String,
    pub channel_key: String,
}

impl Line {
    pub async fn new(app: &TestApp, name: &str) -> Line {
        Line::with_gcp(app, name, "4012345").await
    }

    pub async fn with_gcp(app: &TestApp, name: &str, gcp: &str) -> Line {
        let tenant = app.tenant_with_gcp(name, &[gcp]).await;
        let (channel_id, channel_key) = app.channel(&tenant.token, "manufacturer_v2_api").await;
        Line {
            tenant,
            channel_id,
            channel_key,
        }
    }

    pub fn token(&self) -> &str {
        &self.tenant.token
    }

    /// A Manufacturer V2 request with this line's token and channel key.
    pub fn req(&self, app: &TestApp, method: Method, path: &str) -> RequestBuilder {
        self.req_as(app, method, path, &self.tenant.token)
    }

    /// The same, with another token (e.g. a key with other roles) on this line's channel.
    pub fn req_as(&self, app: &TestApp, method: Method, path: &str, token: &str) -> RequestBuilder {
        app.req(method, &format!("{PREFIX}{path}"), token)
            .header("x-channel-key", &self.channel_key)
    }

    pub async fn post(&self, app: &TestApp, path: &str, body: &Value) -> (u16, Value) {
        send(self.req(app, Method::POST, path).json(body)).await
    }

    /// DELETE with a JSON body (the disaggregation endpoints).
    pub async fn delete(&self, app: &TestApp, path: &str, body: &Value) -> (u16, Value) {
        send(self.req(app, Method::DELETE, path).json(body)).await
    }

    pub async fn register(&self, app: &TestApp, gtin: &str) {
        let (status, body) = app
            .post(
                "/v1/tenant/products",
                self.token(),
                &json!({"product_code": gtin, "product_code_schema": "GTIN", "name": "Product"}),
            )
            .await;
        assert_eq!(status, 201, "register {gtin}: {body}");
    }

    pub async fn commission(
        &self,
        app: &TestApp,
        gtin: &str,
        batch: &str,
        expiry: &str,
        serials: &[String],
    ) -> (u16, Value) {
        self.post(
            app,
            "/serials/commission",
            &json!({"product_code": gtin, "product_code_schema": "GTIN", "batch": batch,
                    "expiry_date": expiry, "serial_numbers": serials}),
        )
        .await
    }

    /// Commissions `serials` of `gtin` with [`BATCH`] / [`EXPIRY`]; asserts success.
    pub async fn commission_ok(&self, app: &TestApp, gtin: &str, serials: &[String]) {
        let (status, body) = self.commission(app, gtin, BATCH, EXPIRY, serials).await;
        assert_eq!(status, 200, "commission: {body}");
        assert_eq!(body["count"], json!(serials.len()), "{body}");
    }

    pub async fn aggregate(&self, app: &TestApp, parent: &str, kids: &[Value]) -> (u16, Value) {
        self.post(
            app,
            "/aggregate/container",
            &json!({"parent": parent, "child_trade_items": kids}),
        )
        .await
    }

    pub async fn aggregate_ok(&self, app: &TestApp, parent: &str, kids: &[Value]) {
        let (status, body) = self.aggregate(app, parent, kids).await;
        assert_eq!(status, 200, "aggregate on {parent}: {body}");
    }

    pub async fn bundle(&self, app: &TestApp, parent: Value, kids: &[Value]) -> (u16, Value) {
        self.post(
            app,
            "/aggregate/trade_item",
            &json!({"parent": parent, "child_trade_items": kids}),
        )
        .await
    }

    pub async fn palletise(&self, app: &TestApp, parent: &str, kids: &[&str]) -> (u16, Value) {
        self.post(
            app,
            "/aggregate/containers",
            &json!({"parent": parent, "child_containers": kids}),
        )
        .await
    }

    pub async fn decommission(
        &self,
        app: &TestApp,
        gtin: &str,
        serials: &[&str],
        reason: &str,
    ) -> (u16, Value) {
        self.post(
            app,
            "/serials/decommission",
            &json!({"product_code": gtin, "product_code_schema": "GTIN",
                    "serial_numbers": serials, "reason": reason}),
        )
        .await
    }
}

/// The `path`s of an error's details, in order.
pub fn paths(body: &Value) -> Vec<String> {
    body["details"]
        .as_array()
        .unwrap_or_else(|| panic!("details array: {body}"))
        .iter()
        .map(|d| d["path"].as_str().unwrap_or("").to_string())
        .collect()
}

/// The problem reported at `path`; panics when no detail names it.
#[track_caller]
pub fn problem_at(body: &Value, path: &str) -> String {
    body["details"]
        .as_array()
        .and_then(|ds| ds.iter().find(|d| d["path"] == json!(path)))
        .and_then(|d| d["problem"].as_str())
        .unwrap_or_else(|| panic!("no detail at {path}: {body}"))
        .to_string()
}

// --- Direct database reads -------------------------------------------------------------------

/// What is stored for one pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredItem {
    pub id: i64,
    pub status: String,
    pub batch: String,
    pub expiry_date: String,
    pub decommission_reason: Option<String>,
    pub produced_by: String,
    pub channel_id: String,
    pub parent_container_id: Option<i64>,
    pub parent_item_id: Option<i64>,
}

type ItemTuple = (
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    Option<i64>,
    Option<i64>,
);

pub fn item(conn: &mut DbConn, gtin: &str, serial: &str) -> Option<StoredItem> {
    let row: Option<ItemTuple> = items::table
        .inner_join(products::table)
        .filter(products::product_code.eq(gtin))
        .filter(items::serial_number.eq(serial))
        .select((
            items::id,
            items::status,
            items::batch,
            items::expiry_date,
            items::decommission_reason,
            items::produced_by,
            items::channel_id,
            items::parent_container_id,
            items::parent_item_id,
        ))
        .first(conn)
        .optional()
        .expect("item query");
    row.map(|r| StoredItem {
        id: r.0,
        status: r.1,
        batch: r.2,
        expiry_date: r.3,
        decommission_reason: r.4,
        produced_by: r.5,
        channel_id: r.6,
        parent_container_id: r.7,
        parent_item_id: r.8,
    })
}

pub fn item_count(conn: &mut DbConn) -> i64 {
    items::table.count().get_result(conn).expect("count items")
}

pub fn product_count(conn: &mut DbConn) -> i64 {
    products::table
        .count()
        .get_result(conn)
        .expect("count products")
}

pub fn container_count(conn: &mut DbConn) -> i64 {
    containers::table
        .count()
        .get_result(conn)
        .expect("count containers")
}

/// Id of a stored container.
pub fn container_id(conn: &mut DbConn, sscc: &str) -> Option<i64> {
    containers::table
        .filter(containers::sscc.eq(sscc))
        .select(containers::id)
        .first(conn)
        .optional()
        .expect("container query")
}

/// Parent container id of a stored container (outer None = container does not exist).
pub fn container_parent(conn: &mut DbConn, sscc: &str) -> Option<Option<i64>> {
    containers::table
        .filter(containers::sscc.eq(sscc))
        .select(containers::parent_container_id)
        .first(conn)
        .optional()
        .expect("container query")
}

/// Packs with any parent at all.
pub fn aggregated_item_count(conn: &mut DbConn) -> i64 {
    items::table
        .filter(
            items::parent_container_id
                .is_not_null()
                .or(items::parent_item_id.is_not_null()),
        )
        .count()
        .get_result(conn)
        .expect("count aggregated")
}

/// Packs directly in the container `sscc`.
pub fn items_in(conn: &mut DbConn, sscc: &str) -> i64 {
    let Some(id) = container_id(conn, sscc) else {
        return 0;
    };
    items::table
        .filter(items::parent_container_id.eq(id))
        .count()
        .get_result(conn)
        .expect("count children")
}
