//! The world the console tests sign in to, arranged through the public API with the partnership
//! kit: a brand owner (MAH) with two products, one of them named like an XSS attack, and a
//! contract manufacturer (CMO) that commissioned the MAH's product and packed it onto two SSCCs.

use serde_json::json;

use crate::helpers::{spawn, Db, TestApp};
use crate::partners_support::{
    commission_ok, gtin, pack_onto, partner, party, product, sscc, Party,
};

pub const MAH_NAME: &str = "Nordpharma AG";
pub const CMO_NAME: &str = "Contract Packers GmbH";
pub const XSS_NAME: &str = "<img src=x onerror=alert(1)>";

/// An API key to sign in with.
#[derive(Debug, Clone)]
pub struct Creds {
    pub id: String,
    pub api_key: String,
    pub api_secret: String,
}

/// Creates a key of `owner` with `roles` and a secret of the test's choosing.
pub async fn key(app: &TestApp, owner: &Party, name: &str, roles: &[&str]) -> Creds {
    let api_secret = format!("console-test-{}", uuid::Uuid::new_v4().simple());
    let (status, body) = app
        .post(
            "/v1/tenant/api_keys",
            &owner.token,
            &json!({"name": name, "roles": roles, "api_secret": api_secret}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    Creds {
        id: body["id"].as_str().unwrap().to_string(),
        api_key: body["api_key"].as_str().unwrap().to_string(),
        api_secret,
    }
}

pub struct World {
    pub app: TestApp,
    pub mah: Party,
    pub cmo: Party,
    /// The MAH's product the CMO produces.
    pub product: String,
    /// The MAH's product named `XSS_NAME`, with one pack of its own line pending.
    pub xss_product: String,
    /// The CMO's SSCC with packs C1 and C2 (the one the story releases).
    pub sscc_a: String,
    /// The CMO's SSCC with pack C3 (stays pending).
    pub sscc_b: String,
    /// Sign-in keys with the roles a release manager has (admin, release, audit).
    pub mah_key: Creds,
    pub cmo_key: Creds,
}

pub async fn world(db: Db) -> World {
    let app = spawn(db).await;
    let mah = party(&app, MAH_NAME, "4012345").await;
    let cmo = party(&app, CMO_NAME, "4098765").await;
    let code = gtin("0401234511111");
    let xss = gtin("0401234522222");
    product(&app, &mah, &code).await;
    let (status, body) = app
        .post(
            "/v1/tenant/products",
            &mah.token,
            &json!({"product_code": xss, "product_code_schema": "GTIN", "name": XSS_NAME}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    partner(&app, &mah, &cmo, &[&code]).await;
    commission_ok(&app, &cmo, &code, &["C1", "C2", "C3", "C4", "C5"]).await;
    commission_ok(&app, &mah, &xss, &["X1"]).await;
    let (a, b) = (sscc(&cmo, 1), sscc(&cmo, 2));
    pack_onto(&app, &cmo, &a, &code, &["C1", "C2"]).await;
    pack_onto(&app, &cmo, &b, &code, &["C3"]).await;
    let roles = ["admin", "release", "audit"];
    let mah_key = key(&app, &mah, "QA release", &roles).await;
    let cmo_key = key(&app, &cmo, "CMO office", &roles).await;
    World {
        app,
        mah,
        cmo,
        product: code,
        xss_product: xss,
        sscc_a: a,
        sscc_b: b,
        mah_key,
        cmo_key,
    }
}
