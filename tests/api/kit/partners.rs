//! Brand owners (MAH) and their contract manufacturers (CMO): partnerships as the MAH creates and
//! changes them and the CMO accepts them, each party being a [`Line`].

use reqwest::Method;
use serde_json::{json, Value};

use super::app::send;
use super::line::Line;

/// `POST /v1/tenant/partnerships`: `mah` invites the tenant `cmo_id` for `codes`.
pub async fn invite(mah: &Line, cmo_id: &str, codes: &[&str]) -> (u16, Value) {
    let body = json!({"cmo_tenant_id": cmo_id, "product_codes": codes});
    send(mah.api(Method::POST, "/v1/tenant/partnerships").json(&body)).await
}

/// `POST /v1/tenant/partnerships/{id}/accept` by `who`.
pub async fn accept(who: &Line, id: &str) -> (u16, Value) {
    let path = format!("/v1/tenant/partnerships/{id}/accept");
    send(who.api(Method::POST, &path).json(&json!({}))).await
}

/// `PATCH /v1/tenant/partnerships/{id}` by `who`.
pub async fn patch_partnership(who: &Line, id: &str, body: Value) -> (u16, Value) {
    let path = format!("/v1/tenant/partnerships/{id}");
    send(who.api(Method::PATCH, &path).json(&body)).await
}

/// Invites and accepts: an active partnership of `mah` and `cmo` for `codes`; returns its id.
pub async fn partner(mah: &Line, cmo: &Line, codes: &[&str]) -> String {
    let (status, body) = invite(mah, cmo.id(), codes).await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    let (status, body) = accept(cmo, &id).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "active");
    id
}
