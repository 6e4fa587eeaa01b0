//! The web console: how it is served (headers, assets), the API additions it relies on, and what
//! a person does with it, in a real browser (driven by `kit::browser`), `serialhub demo`'s story
//! included (`demo.rs`).
//!
//! The world most of these tests sign in to, arranged through the public API: a brand owner (MAH)
//! with two products, one of them named like an XSS attack, and a contract manufacturer (CMO) that
//! commissioned the MAH's product and packed some of it onto two SSCCs.

mod api;
mod dashboard;
mod demo;
mod roles;
mod scale;
mod serving;
mod session;
mod story;

use crate::kit::gs1::{gtin, GTIN};
use crate::kit::partners::partner;
use crate::kit::tenant::Creds;
use crate::kit::{spawn, Db, Line, TestApp};

pub const MAH_NAME: &str = "Nordpharma AG";
pub const CMO_NAME: &str = "Contract Packers GmbH";
pub const XSS_NAME: &str = "<img src=x onerror=alert(1)>";

pub struct World {
    pub app: TestApp,
    pub mah: Line,
    pub cmo: Line,
    /// The MAH's product the CMO produces.
    pub product: String,
    /// The MAH's product named `XSS_NAME`, with one pack (X1) of its own line pending.
    pub xss_product: String,
    /// The CMO's SSCC with packs C1 and C2 (the one the story releases).
    pub sscc_a: String,
    /// The CMO's SSCC with pack C3 (stays pending); C4 and C5 are loose.
    pub sscc_b: String,
    /// Sign-in keys with the roles a release manager has (admin, release, audit).
    pub mah_key: Creds,
    pub cmo_key: Creds,
}

/// The roles of the keys people sign in with in these tests.
const OFFICE_ROLES: [&str; 3] = ["admin", "release", "audit"];

pub async fn world(db: Db) -> World {
    let app = spawn(db).await;
    let mah = Line::with_gcp(&app, MAH_NAME, "4012345").await;
    let cmo = Line::with_gcp(&app, CMO_NAME, "4098765").await;
    let xss = gtin("0401234522222");
    mah.register_named(GTIN, &format!("Product {GTIN}")).await;
    mah.register_named(&xss, XSS_NAME).await;
    partner(&mah, &cmo, &[GTIN]).await;
    cmo.commission_ok(GTIN, &["C1", "C2", "C3", "C4", "C5"])
        .await;
    mah.commission_ok(&xss, &["X1"]).await;
    let (a, b) = (cmo.sscc(1), cmo.sscc(2));
    cmo.pack_onto(&a, GTIN, &["C1", "C2"]).await;
    cmo.pack_onto(&b, GTIN, &["C3"]).await;
    let mah_key = app
        .key_creds(mah.token(), "QA release", &OFFICE_ROLES)
        .await;
    let cmo_key = app
        .key_creds(cmo.token(), "CMO office", &OFFICE_ROLES)
        .await;
    World {
        app,
        mah,
        cmo,
        product: GTIN.to_string(),
        xss_product: xss,
        sscc_a: a,
        sscc_b: b,
        mah_key,
        cmo_key,
    }
}
