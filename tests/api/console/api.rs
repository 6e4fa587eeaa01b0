//! What the console needs from the public API, added for it: the sign-in answer says whose token
//! it is and what it may do; the commissioning views page through products and filter by batch,
//! producer and loose packs, and say what each pending container holds; partnerships name both
//! parties.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::{world, CMO_NAME, MAH_NAME};
use crate::db_tests;
use crate::kit::gs1::gtin;
use crate::kit::{
    assert_error, detail_paths, list_items, send, spawn, Db, Line, TestApp, BATCH, EXPIRY,
};

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

async fn the_sign_in_answer_names_the_tenant_and_the_roles(db: Db) {
    let w = world(db).await;
    let auditor = w
        .app
        .key_creds(w.mah.token(), "auditor", &["audit", "release"])
        .await;

    let resp = w.app.auth(&auditor.api_key, &auditor.api_secret).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();

    let keys: BTreeSet<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "success",
            "message",
            "token",
            "expires_in",
            "tenant_id",
            "tenant_name",
            "roles"
        ]),
        "{body}"
    );
    assert_eq!(body["tenant_id"], json!(w.mah.id()));
    assert_eq!(body["tenant_name"], json!(MAH_NAME));
    let roles: BTreeSet<String> = strings(&body["roles"]).into_iter().collect();
    assert_eq!(
        roles,
        BTreeSet::from(["audit".to_string(), "release".to_string()])
    );

    // A revoked key signs in no more, whatever a client remembers of its roles.
    let (status, _) = w
        .app
        .delete(
            &format!("/v1/tenant/api_keys/{}", auditor.id),
            w.mah.token(),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = send(
        w.app
            .client
            .post(w.app.url("/v1/api_auth"))
            .json(&json!({"api_key": auditor.api_key, "api_secret": auditor.api_secret})),
    )
    .await;
    assert_error(status, &body, 401, "AuthenticationError");

    // The roles are the key's, not the tenant's, nor its first key's.
    for (creds, tenant, name) in [
        (&w.mah_key, w.mah.id(), MAH_NAME),
        (&w.cmo_key, w.cmo.id(), CMO_NAME),
    ] {
        let body: Value = w
            .app
            .auth(&creds.api_key, &creds.api_secret)
            .await
            .json()
            .await
            .unwrap();
        let roles: BTreeSet<String> = strings(&body["roles"]).into_iter().collect();
        let want: BTreeSet<String> = ["admin", "release", "audit"].map(String::from).into();
        assert_eq!(roles, want, "{body}");
        assert_eq!(body["tenant_id"], json!(tenant));
        assert_eq!(body["tenant_name"], json!(name));
    }
}

async fn commissioning_products_page_with_limit_and_after(db: Db) {
    let app = spawn(db).await;
    let mah = Line::new(&app, "M").await;
    let mut codes: Vec<String> = ["0401234500001", "0401234500002", "0401234500003"]
        .iter()
        .map(|b| gtin(b))
        .collect();
    for c in &codes {
        mah.register(c).await;
    }
    mah.commission_ok(&codes[1], &["P1", "P2"]).await;
    codes.sort();

    let (status, first) = app
        .get("/v1/commissioning/products?limit=2", mah.token())
        .await;
    assert_eq!(status, 200, "{first}");
    let got: Vec<String> = list_items(&first)
        .iter()
        .map(|p| p["product_code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, codes[..2].to_vec());
    assert_eq!(
        first["next"],
        json!(codes[1]),
        "the cursor is the last product code"
    );
    assert_eq!(list_items(&first)[1]["pending_items"], json!(2));

    let (status, second) = app
        .get(
            &format!("/v1/commissioning/products?limit=2&after={}", codes[1]),
            mah.token(),
        )
        .await;
    assert_eq!(status, 200, "{second}");
    let items = list_items(&second);
    assert_eq!(items.len(), 1, "{second}");
    assert_eq!(items[0]["product_code"], json!(codes[2]));
    assert_eq!(second["next"], Value::Null);

    let (status, all) = app.get("/v1/commissioning/products", mah.token()).await;
    assert_eq!(status, 200);
    assert_eq!(
        list_items(&all).len(),
        3,
        "the default limit holds them all"
    );

    for bad in ["limit=0", "limit=1001", "limit=x"] {
        let (status, body) = app
            .get(&format!("/v1/commissioning/products?{bad}"), mah.token())
            .await;
        assert_error(status, &body, 400, "ValidationError");
    }
}

/// The MAH's view with two producers: its own line (an SSCC holding pack M1 of batch B2, the
/// loose M2, and X1 of its other product) and its CMO's (SSCCs A and B of the kit's `BATCH`,
/// loose packs C4 and C5).
async fn commissioning_views_filter_by_batch_producer_and_loose_packs(db: Db) {
    let w = world(db).await;
    let app = &w.app;
    let (mah, cmo) = (w.mah.token(), w.cmo.token());
    let (status, body) = w
        .mah
        .commission_with(&w.product, "B2", "311231", &["M1", "M2"])
        .await;
    assert_eq!(status, 200, "{body}");
    let own = w.mah.sscc(7);
    w.mah.pack_onto(&own, &w.product, &["M1"]).await;

    let ssccs = |body: &Value| -> BTreeSet<String> {
        list_items(body)
            .iter()
            .map(|c| c["sscc"].as_str().unwrap().to_string())
            .collect()
    };
    let serials = |body: &Value| -> BTreeSet<String> {
        list_items(body)
            .iter()
            .map(|c| c["serial_number"].as_str().unwrap().to_string())
            .collect()
    };
    let set = |xs: &[&str]| -> BTreeSet<String> { xs.iter().map(|s| s.to_string()).collect() };

    // Containers: by producer (the packer), by batch, both, and with the product.
    let all = ok_get(app, mah, "/v1/commissioning/containers".into()).await;
    assert_eq!(ssccs(&all), set(&[&w.sscc_a, &w.sscc_b, &own]));
    let by_cmo = ok_get(
        app,
        mah,
        format!("/v1/commissioning/containers?produced_by={}", w.cmo.id()),
    )
    .await;
    assert_eq!(ssccs(&by_cmo), set(&[&w.sscc_a, &w.sscc_b]));
    let by_mah = ok_get(
        app,
        mah,
        format!("/v1/commissioning/containers?produced_by={}", w.mah.id()),
    )
    .await;
    assert_eq!(ssccs(&by_mah), set(&[&own]));
    // A tenant id is a UUID in any of its spellings.
    let shouted = ok_get(
        app,
        mah,
        format!(
            "/v1/commissioning/containers?produced_by={}",
            w.cmo.id().to_uppercase()
        ),
    )
    .await;
    assert_eq!(ssccs(&shouted), ssccs(&by_cmo));
    let b2 = ok_get(app, mah, "/v1/commissioning/containers?batch=B2".into()).await;
    assert_eq!(ssccs(&b2), set(&[&own]));
    let b1 = ok_get(
        app,
        mah,
        format!(
            "/v1/commissioning/containers?batch={BATCH}&product_code={}",
            w.product
        ),
    )
    .await;
    assert_eq!(ssccs(&b1), set(&[&w.sscc_a, &w.sscc_b]));
    let none = ok_get(
        app,
        mah,
        format!(
            "/v1/commissioning/containers?batch=B2&produced_by={}",
            w.cmo.id()
        ),
    )
    .await;
    assert_eq!(ssccs(&none), set(&[]));
    let other_product = ok_get(
        app,
        mah,
        format!(
            "/v1/commissioning/containers?batch={BATCH}&product_code={}",
            w.xss_product
        ),
    )
    .await;
    assert_eq!(ssccs(&other_product), set(&[]));

    // What each container directly holds, by product, batch and expiry.
    let a = list_items(&all)
        .into_iter()
        .find(|c| c["sscc"] == json!(w.sscc_a))
        .unwrap();
    assert_eq!(
        a["contents"],
        json!([{"product_code": w.product, "batch": BATCH, "expiry_date": EXPIRY, "packs": 2}])
    );
    assert_eq!(a["produced_by"]["name"], json!(CMO_NAME));

    // Packs: loose or not, by producer.
    let loose = ok_get(app, mah, "/v1/commissioning/items?loose=true".into()).await;
    assert_eq!(serials(&loose), set(&["C4", "C5", "X1", "M2"]));
    let packed = ok_get(app, mah, "/v1/commissioning/items?loose=false".into()).await;
    assert_eq!(serials(&packed), set(&["C1", "C2", "C3", "M1"]));
    let loose_cmo = ok_get(
        app,
        mah,
        format!(
            "/v1/commissioning/items?loose=true&produced_by={}",
            w.cmo.id()
        ),
    )
    .await;
    assert_eq!(serials(&loose_cmo), set(&["C4", "C5"]));
    let mah_b2 = ok_get(
        app,
        mah,
        format!(
            "/v1/commissioning/items?produced_by={}&batch=B2",
            w.mah.id()
        ),
    )
    .await;
    assert_eq!(serials(&mah_b2), set(&["M1", "M2"]));

    // The CMO's own view stays empty whatever it filters by (it owns no product).
    for q in [
        format!("/v1/commissioning/containers?produced_by={}", w.cmo.id()),
        format!(
            "/v1/commissioning/items?produced_by={}&loose=true",
            w.cmo.id()
        ),
    ] {
        let (status, body) = app.get(&q, cmo).await;
        assert_eq!(status, 200);
        assert_eq!(body["items"], json!([]), "{q}: {body}");
    }

    // Bad filters are named.
    for (q, path) in [
        (
            "/v1/commissioning/containers?produced_by=nope",
            "produced_by",
        ),
        ("/v1/commissioning/items?produced_by=1", "produced_by"),
        ("/v1/commissioning/items?batch=B%231", "batch"),
        ("/v1/commissioning/containers?batch=", "batch"),
    ] {
        let (status, body) = app.get(q, mah).await;
        assert_error(status, &body, 400, "ValidationError");
        assert_eq!(detail_paths(&body), vec![path.to_string()], "{q}: {body}");
        assert_eq!(body["message"], "Invalid filter", "{q}: {body}");
    }
    // Every bad filter at once; a bad GTIN alone keeps the answer the view always gave.
    let (status, body) = app
        .get(
            "/v1/commissioning/containers?product_code=123&batch=&produced_by=x",
            mah,
        )
        .await;
    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(
        detail_paths(&body),
        ["product_code", "batch", "produced_by"],
        "{body}"
    );
    let (status, body) = app
        .get("/v1/commissioning/items?product_code=123", mah)
        .await;
    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(body["message"], "Invalid product_code", "{body}");
    let (status, body) = app.get("/v1/commissioning/items?loose=maybe", mah).await;
    assert_error(status, &body, 400, "ValidationError");
}

async fn ok_get(app: &TestApp, token: &str, q: String) -> Value {
    let (status, body) = app.get(&q, token).await;
    assert_eq!(status, 200, "{q}: {body}");
    body
}

async fn partnerships_name_both_parties(db: Db) {
    let w = world(db).await;
    for (who, role) in [(&w.mah, "mah"), (&w.cmo, "cmo")] {
        let (status, body) = w.app.get("/v1/tenant/partnerships", who.token()).await;
        assert_eq!(status, 200, "{body}");
        let p = &list_items(&body)[0];
        assert_eq!(p["role"], role);
        assert_eq!(p["mah_name"], json!(MAH_NAME), "{body}");
        assert_eq!(p["cmo_name"], json!(CMO_NAME), "{body}");
    }
}

db_tests!(
    the_sign_in_answer_names_the_tenant_and_the_roles,
    commissioning_products_page_with_limit_and_after,
    commissioning_views_filter_by_batch_producer_and_loose_packs,
    partnerships_name_both_parties,
);
