//! A line's calls to the SSCC pool (`ssccs/request`, `ssccs/release`).

use serde_json::{json, Value};

use super::line::Line;

/// The body of `ssccs/request`.
pub fn request_body(quantity: u64, extension_digit: u8) -> Value {
    json!({"quantity": quantity, "extension_digit": extension_digit})
}

impl Line {
    /// `POST /ssccs/request`.
    pub async fn request_ssccs(&self, quantity: u64, extension_digit: u8) -> (u16, Value) {
        self.post("/ssccs/request", &request_body(quantity, extension_digit))
            .await
    }

    /// `POST /ssccs/request`; asserts success and the count; the SSCCs in the answer's order.
    pub async fn request_ssccs_ok(&self, quantity: u64, extension_digit: u8) -> Vec<String> {
        let (status, body) = self.request_ssccs(quantity, extension_digit).await;
        ssccs_of(status, &body, quantity, &self.name)
    }

    /// `POST /ssccs/release`.
    pub async fn release_ssccs<S: AsRef<str>>(&self, ssccs: &[S]) -> (u16, Value) {
        let ssccs: Vec<&str> = ssccs.iter().map(AsRef::as_ref).collect();
        self.post("/ssccs/release", &json!({ "ssccs": ssccs }))
            .await
    }

    /// `POST /ssccs/release`; asserts success and the count.
    pub async fn release_ssccs_ok<S: AsRef<str>>(&self, ssccs: &[S]) {
        let (status, body) = self.release_ssccs(ssccs).await;
        assert_eq!(status, 200, "{} returns SSCCs: {body}", self.name);
        assert_eq!(body["count"], json!(ssccs.len()), "{body}");
    }
}

/// The SSCCs of a successful `ssccs/request` answer of `quantity`.
#[track_caller]
pub fn ssccs_of(status: u16, body: &Value, quantity: u64, who: &str) -> Vec<String> {
    assert_eq!(status, 200, "{who} requests SSCCs: {body}");
    assert_eq!(body["success"], json!(true), "{body}");
    let ssccs: Vec<String> = body["ssccs"]
        .as_array()
        .unwrap_or_else(|| panic!("ssccs array: {body}"))
        .iter()
        .map(|s| s.as_str().expect("SSCC as text").to_string())
        .collect();
    assert_eq!(ssccs.len() as u64, quantity, "{body}");
    ssccs
}
