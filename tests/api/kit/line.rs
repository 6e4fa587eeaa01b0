//! A packaging line: a tenant with an all-roles token and an enabled `manufacturer_v2_api`
//! channel, and the Manufacturer V2 calls it makes. Also the request bodies those calls take.

use reqwest::{Client, Method, RequestBuilder};
use serde_json::{json, Value};

use super::app::assign_product_in;
use super::app::{send, send_text, TestApp};
use super::gs1;
use super::tenant::Tenant;

/// The Manufacturer V2 scope.
pub const MV2: &str = "/v1/manufacturer/v2/api";

/// The batch [`Line::commission_ok`] commissions with.
pub const BATCH: &str = "BATCH002";
/// The expiry [`Line::commission_ok`] commissions with, as printed (day 00: month's last day).
pub const EXPIRY: &str = "281200";

/// `n` distinct serials `{prefix}0`, `{prefix}1`, ….
pub fn serials(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

/// A trade item as the seed's requests name it (no batch or expiry).
pub fn child(gtin: &str, serial: &str) -> Value {
    json!({"product_code": gtin, "product_code_schema": "GTIN", "serial_number": serial})
}

/// A trade item asserting its batch and expiry.
pub fn child_full(gtin: &str, serial: &str, batch: &str, expiry: &str) -> Value {
    json!({"product_code": gtin, "product_code_schema": "GTIN", "serial_number": serial,
           "batch": batch, "expiry_date": expiry})
}

/// Trade items of one product.
pub fn children<S: AsRef<str>>(gtin: &str, serials: &[S]) -> Vec<Value> {
    serials.iter().map(|s| child(gtin, s.as_ref())).collect()
}

/// The body of `POST /serials/commission` with [`BATCH`] and [`EXPIRY`].
pub fn commission_body<S: AsRef<str>>(gtin: &str, serials: &[S]) -> Value {
    commission_body_with(gtin, BATCH, EXPIRY, serials)
}

/// The body of `POST /serials/commission`.
pub fn commission_body_with<S: AsRef<str>>(
    gtin: &str,
    batch: &str,
    expiry: &str,
    serials: &[S],
) -> Value {
    let serials: Vec<&str> = serials.iter().map(AsRef::as_ref).collect();
    json!({"product_code": gtin, "product_code_schema": "GTIN", "batch": batch,
           "expiry_date": expiry, "serial_numbers": serials})
}

/// The body of `POST /serials/decommission`.
pub fn decommission_body(gtin: &str, serials: &[&str], reason: &str) -> Value {
    json!({"product_code": gtin, "product_code_schema": "GTIN",
           "serial_numbers": serials, "reason": reason})
}

/// A tenant with a shopfloor channel, driving the Manufacturer V2 API.
#[derive(Debug, Clone)]
pub struct Line {
    /// The tenant's name.
    pub name: String,
    pub tenant: Tenant,
    /// The tenant's company prefix (its SSCCs, see [`Line::sscc`]).
    pub gcp: String,
    pub channel_id: String,
    pub channel_key: String,
    client: Client,
    address: String,
    db_url: String,
}

impl Line {
    /// A line of a new tenant of company prefix [`TestApp::default_gcp`] (4012345 for the first).
    pub async fn new(app: &TestApp, name: &str) -> Line {
        let gcp = app.default_gcp();
        Line::with_gcp(app, name, &gcp).await
    }

    /// A line of a new tenant of company prefix `gcp`.
    pub async fn with_gcp(app: &TestApp, name: &str, gcp: &str) -> Line {
        Line::with_gcps(app, name, &[gcp]).await
    }

    /// A line of a new tenant of these company prefixes (none, or several); [`Line::gcp`] is the
    /// first, or empty.
    pub async fn with_gcps(app: &TestApp, name: &str, gcps: &[&str]) -> Line {
        let gcp = gcps.first().copied().unwrap_or_default();
        let tenant = app.tenant_with_gcp(name, gcps).await;
        let (channel_id, channel_key) = app.channel(&tenant.token, "manufacturer_v2_api").await;
        Line {
            name: name.to_string(),
            tenant,
            gcp: gcp.to_string(),
            channel_id,
            channel_key,
            client: app.client.clone(),
            address: app.address.clone(),
            db_url: app.db.url.clone(),
        }
    }

    /// The same line with its requests sent to another instance of the service at `address`.
    pub fn via(&self, address: &str) -> Line {
        Line {
            address: address.to_string(),
            ..self.clone()
        }
    }

    /// The tenant's id.
    pub fn id(&self) -> &str {
        &self.tenant.id
    }

    /// The tenant's all-roles token.
    pub fn token(&self) -> &str {
        &self.tenant.token
    }

    /// SSCC number `reference` of this tenant's company prefix (extension digit 0).
    pub fn sscc(&self, reference: u64) -> String {
        gs1::sscc_of(&self.gcp, 0, reference)
    }

    /// A request outside the Manufacturer V2 scope, with this tenant's token.
    pub fn api(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.address))
            .header("x-access-token", self.token())
    }

    /// A Manufacturer V2 request with this line's token and channel key.
    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.req_as(method, path, self.token())
    }

    /// The same, with another token (e.g. a key with other roles) on this line's channel.
    pub fn req_as(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{MV2}{path}", self.address))
            .header("x-access-token", token)
            .header("x-channel-key", &self.channel_key)
    }

    /// A Manufacturer V2 call with a JSON body; (status, JSON body).
    pub async fn send(&self, method: Method, path: &str, body: &Value) -> (u16, Value) {
        send(self.req(method, path).json(body)).await
    }

    /// The same; (status, raw body text).
    pub async fn send_text(&self, method: Method, path: &str, body: &Value) -> (u16, String) {
        send_text(self.req(method, path).json(body)).await
    }

    /// A Manufacturer V2 `POST`.
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(Method::POST, path, body).await
    }

    /// A Manufacturer V2 `DELETE` with a JSON body (the disaggregation endpoints).
    pub async fn delete(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(Method::DELETE, path, body).await
    }

    /// Registers a product of this tenant; asserts 201.
    pub async fn register(&self, gtin: &str) {
        self.register_named(gtin, "Product").await
    }

    /// Registers a product of this tenant under `name`; asserts 201. A GTIN outside the line's
    /// company prefix is first assigned to it by the operator, as it would be in production.
    pub async fn register_named(&self, gtin: &str, name: &str) {
        if !gtin.get(1..).is_some_and(|d| d.starts_with(&self.gcp)) {
            assign_product_in(&self.db_url, self.id(), gtin)
                .await
                .unwrap_or_else(|e| panic!("the operator assigns {gtin} to {}: {e}", self.name));
        }
        let body = json!({"product_code": gtin, "product_code_schema": "GTIN", "name": name});
        let (status, body) = send(self.api(Method::POST, "/v1/tenant/products").json(&body)).await;
        assert_eq!(status, 201, "{} registers {gtin}: {body}", self.name);
    }

    /// `POST /serials/commission` of `serials` with [`BATCH`] / [`EXPIRY`].
    pub async fn commission<S: AsRef<str>>(&self, gtin: &str, serials: &[S]) -> (u16, Value) {
        self.commission_with(gtin, BATCH, EXPIRY, serials).await
    }

    /// `POST /serials/commission`.
    pub async fn commission_with<S: AsRef<str>>(
        &self,
        gtin: &str,
        batch: &str,
        expiry: &str,
        serials: &[S],
    ) -> (u16, Value) {
        let body = commission_body_with(gtin, batch, expiry, serials);
        self.post("/serials/commission", &body).await
    }

    /// Commissions `serials` of `gtin` with [`BATCH`] / [`EXPIRY`]; asserts success.
    pub async fn commission_ok<S: AsRef<str>>(&self, gtin: &str, serials: &[S]) {
        let (status, body) = self.commission(gtin, serials).await;
        assert_eq!(status, 200, "{} commissions {gtin}: {body}", self.name);
        assert_eq!(body["count"], json!(serials.len()), "{body}");
    }

    /// `POST /aggregate/container`.
    pub async fn aggregate(&self, parent: &str, kids: &[Value]) -> (u16, Value) {
        let body = json!({"parent": parent, "child_trade_items": kids});
        self.post("/aggregate/container", &body).await
    }

    /// `POST /aggregate/container`; asserts success.
    pub async fn aggregate_ok(&self, parent: &str, kids: &[Value]) {
        let (status, body) = self.aggregate(parent, kids).await;
        assert_eq!(
            status, 200,
            "{} aggregates onto {parent}: {body}",
            self.name
        );
    }

    /// Packs `serials` of `gtin` onto the SSCC `parent` (created on first use); asserts success.
    pub async fn pack_onto<S: AsRef<str>>(&self, parent: &str, gtin: &str, serials: &[S]) {
        self.aggregate_ok(parent, &children(gtin, serials)).await;
    }

    /// `POST /aggregate/trade_item`.
    pub async fn bundle(&self, parent: Value, kids: &[Value]) -> (u16, Value) {
        let body = json!({"parent": parent, "child_trade_items": kids});
        self.post("/aggregate/trade_item", &body).await
    }

    /// Bundles `serials` into the pack `parent`, all of `gtin`; asserts success.
    pub async fn bundle_ok(&self, gtin: &str, parent: &str, serials: &[&str]) {
        let (status, body) = self
            .bundle(child(gtin, parent), &children(gtin, serials))
            .await;
        assert_eq!(status, 200, "{} bundles into {parent}: {body}", self.name);
    }

    /// `POST /aggregate/containers`.
    pub async fn palletise(&self, parent: &str, kids: &[&str]) -> (u16, Value) {
        let body = json!({"parent": parent, "child_containers": kids});
        self.post("/aggregate/containers", &body).await
    }

    /// `POST /aggregate/containers`; asserts success.
    pub async fn palletise_ok(&self, parent: &str, kids: &[&str]) {
        let (status, body) = self.palletise(parent, kids).await;
        assert_eq!(
            status, 200,
            "{} puts {kids:?} onto {parent}: {body}",
            self.name
        );
    }

    /// `POST /serials/decommission`.
    pub async fn decommission(&self, gtin: &str, serials: &[&str], reason: &str) -> (u16, Value) {
        self.post(
            "/serials/decommission",
            &decommission_body(gtin, serials, reason),
        )
        .await
    }

    /// `POST /v1/commissioning/release_to_market` with this tenant's token.
    pub async fn release(&self, body: &Value) -> (u16, Value) {
        let rb = self.api(Method::POST, "/v1/commissioning/release_to_market");
        send(rb.json(body)).await
    }
}
