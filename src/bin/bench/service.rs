//! The service side: the JSON bodies a packaging line sends, over real HTTP with a token and a
//! channel key. Bodies are serialised before the clock starts.

use std::sync::Arc;

use serde_json::json;

use crate::baseline::{BATCH, EXPIRY};
use crate::env::GTIN;

#[derive(Clone)]
pub struct Service {
    pub http: reqwest::Client,
    pub base: Arc<str>,
    pub token: Arc<str>,
    pub channel_key: Arc<str>,
}

pub const COMMISSION: &str = "/v1/manufacturer/v2/api/serials/commission";
pub const AGGREGATE: &str = "/v1/manufacturer/v2/api/aggregate/container";
pub const AGGREGATE_CONTAINERS: &str = "/v1/manufacturer/v2/api/aggregate/containers";
pub const RELEASE: &str = "/v1/commissioning/release_to_market";

pub fn commission_body(serials: &[String]) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "product_code": GTIN, "product_code_schema": "GTIN", "batch": BATCH,
        "expiry_date": EXPIRY, "serial_numbers": serials,
    }))
    .expect("json")
}

pub fn aggregate_body(sscc: &str, serials: &[String]) -> Vec<u8> {
    let children: Vec<_> = serials
        .iter()
        .map(|s| json!({"product_code": GTIN, "product_code_schema": "GTIN", "serial_number": s}))
        .collect();
    serde_json::to_vec(&json!({"parent": sscc, "child_trade_items": children})).expect("json")
}

pub fn palletise_body(sscc: &str, cases: &[String]) -> Vec<u8> {
    serde_json::to_vec(&json!({"parent": sscc, "child_containers": cases})).expect("json")
}

pub fn release_body(ssccs: &[String]) -> Vec<u8> {
    serde_json::to_vec(&json!({"ssccs": ssccs})).expect("json")
}

impl Service {
    /// GETs a JSON document with the token.
    pub async fn get(&self, path: &str) -> Result<serde_json::Value, String> {
        let text = self.get_text(path).await?;
        Ok(serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
    }

    /// GETs a document with the token; its body unparsed (timed lookups parse nothing).
    pub async fn get_text(&self, path: &str) -> Result<String, String> {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header("x-access-token", &*self.token)
            .send()
            .await
            .map_err(|e| format!("GET {path}: {e}"))?;
        if !r.status().is_success() {
            return Err(format!("GET {path}: {}", r.status()));
        }
        r.text().await.map_err(|e| e.to_string())
    }

    /// POSTs a prepared body; any non-2xx answer is an error carrying the response.
    pub async fn post(&self, path: &str, body: Vec<u8>) -> Result<(), String> {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("x-access-token", &*self.token)
            .header("x-channel-key", &*self.channel_key)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| format!("POST {path}: {e}"))?;
        let status = r.status();
        if status.is_success() {
            // Read the body so the connection goes back to the pool.
            let _ = r.bytes().await;
            Ok(())
        } else {
            let text = r.text().await.unwrap_or_default();
            Err(format!(
                "POST {path}: {status}: {}",
                text.chars().take(300).collect::<String>()
            ))
        }
    }
}
