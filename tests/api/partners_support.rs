#![allow(dead_code)] // Each partnership test module uses a different part of this kit.
//! Shared kit for the partnership, visibility and release tests: tenants with a shopfloor
//! channel, products, partnerships, Manufacturer V2 calls, and a fingerprint of everything the
//! pack and partnership tables hold (to prove that a refused write wrote nothing).

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{json, Value};
use serialhub::db::schema::{containers, items, partnership_products, partnerships};
use serialhub::domain::gs1::{check_digit, Sscc};

use crate::helpers::{send, send_text, TestApp};

pub const MV2: &str = "/v1/manufacturer/v2/api";
pub const BATCH: &str = "B1";
pub const EXPIRY: &str = "301200";

/// A tenant as a test drives it: its all-roles admin token and one Manufacturer V2 channel.
#[derive(Debug, Clone)]
pub struct Party {
    pub name: String,
    pub id: String,
    pub gcp: String,
    pub token: String,
    pub channel: String,
}

pub async fn party(app: &TestApp, name: &str, gcp: &str) -> Party {
    let t = app.tenant_with_gcp(name, &[gcp]).await;
    let (_, channel) = app.channel(&t.token, "manufacturer_v2_api").await;
    Party {
        name: name.to_string(),
        id: t.id,
        gcp: gcp.to_string(),
        token: t.token,
        channel,
    }
}

/// A GTIN-14 from its first 13 digits plus the computed check digit.
pub fn gtin(body: &str) -> String {
    assert_eq!(body.len(), 13);
    format!("{body}{}", check_digit(body))
}

/// A valid SSCC: extension digit 0, the party's company prefix, serial reference `n`.
pub fn sscc(p: &Party, n: u64) -> String {
    Sscc::from_parts(0, &p.gcp, n).unwrap().to_string()
}

pub async fn product(app: &TestApp, owner: &Party, code: &str) {
    let (status, body) = app
        .post(
            "/v1/tenant/products",
            &owner.token,
            &json!({"product_code": code, "product_code_schema": "GTIN", "name": format!("Product {code}")}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

pub async fn invite(app: &TestApp, mah: &Party, cmo_id: &str, codes: &[&str]) -> (u16, Value) {
    app.post(
        "/v1/tenant/partnerships",
        &mah.token,
        &json!({"cmo_tenant_id": cmo_id, "product_codes": codes}),
    )
    .await
}

pub async fn accept(app: &TestApp, cmo: &Party, id: &str) -> (u16, Value) {
    app.post(
        &format!("/v1/tenant/partnerships/{id}/accept"),
        &cmo.token,
        &json!({}),
    )
    .await
}

pub async fn patch_partnership(app: &TestApp, who: &Party, id: &str, body: Value) -> (u16, Value) {
    app.patch(&format!("/v1/tenant/partnerships/{id}"), &who.token, &body)
        .await
}

/// Invites and accepts: an active partnership; returns its id.
pub async fn partner(app: &TestApp, mah: &Party, cmo: &Party, codes: &[&str]) -> String {
    let (status, body) = invite(app, mah, &cmo.id, codes).await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    let (status, body) = accept(app, cmo, &id).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "active");
    id
}

pub fn mv2_req(app: &TestApp, who: &Party, method: Method, path: &str) -> reqwest::RequestBuilder {
    app.req(method, &format!("{MV2}{path}"), &who.token)
        .header("x-channel-key", &who.channel)
}

pub async fn mv2(
    app: &TestApp,
    who: &Party,
    method: Method,
    path: &str,
    body: &Value,
) -> (u16, Value) {
    send(mv2_req(app, who, method, path).json(body)).await
}

pub async fn mv2_text(
    app: &TestApp,
    who: &Party,
    method: Method,
    path: &str,
    body: &Value,
) -> (u16, String) {
    send_text(mv2_req(app, who, method, path).json(body)).await
}

pub fn commission_body(code: &str, serials: &[&str]) -> Value {
    json!({"product_code": code, "product_code_schema": "GTIN", "batch": BATCH,
           "expiry_date": EXPIRY, "serial_numbers": serials})
}

pub async fn commission(app: &TestApp, who: &Party, code: &str, serials: &[&str]) -> (u16, Value) {
    mv2(
        app,
        who,
        Method::POST,
        "/serials/commission",
        &commission_body(code, serials),
    )
    .await
}

pub async fn commission_ok(app: &TestApp, who: &Party, code: &str, serials: &[&str]) {
    let (status, body) = commission(app, who, code, serials).await;
    assert_eq!(
        status, 200,
        "{} commissions {code} {serials:?}: {body}",
        who.name
    );
}

pub fn item(code: &str, serial: &str) -> Value {
    json!({"product_code": code, "product_code_schema": "GTIN", "serial_number": serial})
}

pub fn items_of(code: &str, serials: &[&str]) -> Vec<Value> {
    serials.iter().map(|s| item(code, s)).collect()
}

/// Packs onto an SSCC (created on first use); asserts success.
pub async fn pack_onto(app: &TestApp, who: &Party, parent: &str, code: &str, serials: &[&str]) {
    let (status, body) = mv2(
        app,
        who,
        Method::POST,
        "/aggregate/container",
        &json!({"parent": parent, "child_trade_items": items_of(code, serials)}),
    )
    .await;
    assert_eq!(
        status, 200,
        "{} packs {serials:?} onto {parent}: {body}",
        who.name
    );
}

/// Packs into a bundle pack; asserts success.
pub async fn bundle(app: &TestApp, who: &Party, code: &str, parent: &str, serials: &[&str]) {
    let (status, body) = mv2(
        app,
        who,
        Method::POST,
        "/aggregate/trade_item",
        &json!({"parent": item(code, parent), "child_trade_items": items_of(code, serials)}),
    )
    .await;
    assert_eq!(
        status, 200,
        "{} bundles {serials:?} into {parent}: {body}",
        who.name
    );
}

/// Cases onto a pallet; asserts success.
pub async fn cases_onto(app: &TestApp, who: &Party, pallet: &str, cases: &[&str]) {
    let (status, body) = mv2(
        app,
        who,
        Method::POST,
        "/aggregate/containers",
        &json!({"parent": pallet, "child_containers": cases}),
    )
    .await;
    assert_eq!(
        status, 200,
        "{} puts {cases:?} onto {pallet}: {body}",
        who.name
    );
}

pub async fn release(app: &TestApp, who: &Party, body: &Value) -> (u16, Value) {
    app.post("/v1/commissioning/release_to_market", &who.token, body)
        .await
}

/// Status of a pack as stored.
pub fn pack_status(app: &TestApp, serial: &str) -> String {
    items::table
        .filter(items::serial_number.eq(serial))
        .select(items::status)
        .first(&mut app.db.conn())
        .unwrap_or_else(|e| panic!("pack {serial}: {e}"))
}

/// Status of a container as stored.
pub fn container_status(app: &TestApp, sscc: &str) -> String {
    containers::table
        .filter(containers::sscc.eq(sscc))
        .select(containers::status)
        .first(&mut app.db.conn())
        .unwrap_or_else(|e| panic!("container {sscc}: {e}"))
}

/// Everything the pack, container and partnership tables hold, as one comparable string.
pub fn fingerprint(app: &TestApp) -> String {
    let mut conn = app.db.conn();
    type ItemFp = (
        i64,
        String,
        String,
        Option<String>,
        Option<i64>,
        Option<i64>,
        chrono::NaiveDateTime,
    );
    let packs: Vec<ItemFp> = items::table
        .select((
            items::id,
            items::serial_number,
            items::status,
            items::decommission_reason,
            items::parent_container_id,
            items::parent_item_id,
            items::updated_at,
        ))
        .order(items::id)
        .load(&mut conn)
        .unwrap();
    let boxes: Vec<(i64, String, String, Option<i64>, chrono::NaiveDateTime)> = containers::table
        .select((
            containers::id,
            containers::sscc,
            containers::status,
            containers::parent_container_id,
            containers::updated_at,
        ))
        .order(containers::id)
        .load(&mut conn)
        .unwrap();
    let deals: Vec<(String, String, chrono::NaiveDateTime)> = partnerships::table
        .select((
            partnerships::id,
            partnerships::status,
            partnerships::updated_at,
        ))
        .order(partnerships::id)
        .load(&mut conn)
        .unwrap();
    let mut grants: Vec<(String, String)> = partnership_products::table
        .select((
            partnership_products::partnership_id,
            partnership_products::product_id,
        ))
        .load(&mut conn)
        .unwrap();
    grants.sort();
    format!("{packs:?}\n{boxes:?}\n{deals:?}\n{grants:?}")
}

/// The `items` of a list response.
pub fn list_items(body: &Value) -> Vec<Value> {
    body["items"].as_array().cloned().unwrap_or_default()
}
