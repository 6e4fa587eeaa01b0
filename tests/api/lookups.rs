//! `GET /v1/items/{product_code}/{serial_number}` and `GET /v1/containers/{sscc}` (PRODUCT.md
//! §3.5): shapes, no existence oracle across tenants, roles.

use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::gs1::sscc;
use crate::kit::{
    assert_error, child, child_full, serials, spawn, Db, Line, BATCH, EXPIRY, GTIN, GTIN_B,
};

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

async fn item_lookup_shape(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.commission_ok(GTIN, &serials("S", 2)).await;
    let case = sscc(0, 1);
    line.aggregate_ok(&case, &[child_full(GTIN, "S0", BATCH, EXPIRY)])
        .await;
    let (status, body) = app.get(&format!("/v1/items/{GTIN}/S0"), line.token()).await;
    assert_eq!(status, 200, "{body}");
    for key in [
        "success",
        "product_code",
        "serial_number",
        "status",
        "pool_status",
        "batch",
        "expiry_date",
        "parent",
        "ancestors",
        "produced_by",
    ] {
        assert!(body.get(key).is_some(), "{key} missing: {body}");
    }
    assert_eq!(body["success"], json!(true));
    assert_eq!(body["product_code"], json!(GTIN));
    assert_eq!(body["serial_number"], json!("S0"));
    assert_eq!(body["status"], json!("pending_commissioning_approval"));
    assert_eq!(body["batch"], json!(BATCH));
    assert_eq!(body["expiry_date"], json!(EXPIRY));
    assert_eq!(body["parent"], json!({"sscc": case}));
    assert_eq!(body["ancestors"], json!([{"sscc": case}]));
    assert_eq!(
        body["produced_by"],
        json!({"tenant_id": line.tenant.id, "name": "Acme"})
    );
    // A loose pack; looked up by its GTIN-13 form.
    let (status, body) = app.get("/v1/items/4012345111118/S1", line.token()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["product_code"], json!(GTIN));
    assert_eq!(body["parent"], json!(null));
    assert_eq!(body["ancestors"], json!([]));
}

async fn container_lookup_shape(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.commission_ok(GTIN, &serials("S", 2)).await;
    let (case, pallet) = (sscc(0, 1), sscc(1, 1));
    line.aggregate_ok(&case, &[child(GTIN, "S1"), child(GTIN, "S0")])
        .await;
    let (status, _) = line.palletise(&pallet, &[&case]).await;
    assert_eq!(status, 200);
    let (status, body) = app
        .get(&format!("/v1/containers/{case}"), line.token())
        .await;
    assert_eq!(status, 200, "{body}");
    for key in [
        "success",
        "sscc",
        "status",
        "parent",
        "produced_by",
        "children",
    ] {
        assert!(body.get(key).is_some(), "{key} missing: {body}");
    }
    assert_eq!(body["success"], json!(true));
    assert_eq!(body["sscc"], json!(case));
    assert_eq!(body["status"], json!("pending_commissioning_approval"));
    assert_eq!(body["parent"], json!({"sscc": pallet}));
    assert_eq!(
        body["produced_by"],
        json!({"tenant_id": line.tenant.id, "name": "Acme"})
    );
    let kid = |s: &str| {
        json!({"type": "trade_item", "product_code": GTIN, "serial_number": s,
               "status": "pending_commissioning_approval", "children": []})
    };
    assert_eq!(body["children"], json!([kid("S0"), kid("S1")]));
    let (_, body) = app
        .get(&format!("/v1/containers/{pallet}"), line.token())
        .await;
    assert_eq!(body["parent"], json!(null));
    assert_eq!(
        keys(&body["children"][0]),
        ["children", "sscc", "status", "type"]
    );
    assert_eq!(body["children"][0]["type"], json!("container"));
}

async fn another_tenant_gets_not_found_exactly_like_unknown(db: Db) {
    let app = spawn(db).await;
    let acme = Line::new(&app, "Acme").await;
    let other = app.tenant("Other").await;
    acme.register(GTIN).await;
    acme.commission_ok(GTIN, &serials("S", 1)).await;
    let case = sscc(0, 1);
    acme.aggregate_ok(&case, &[child(GTIN, "S0")]).await;

    // Items: another tenant's pack, an unknown serial, an unregistered GTIN, a malformed GTIN.
    let (status, theirs) = app.get(&format!("/v1/items/{GTIN}/S0"), &other.token).await;
    assert_error(status, &theirs, 404, "NotFoundError");
    for path in [
        format!("/v1/items/{GTIN}/NOPE"),
        format!("/v1/items/{GTIN_B}/S0"),
        "/v1/items/12345678909040/S0".to_string(),
    ] {
        let (status, unknown) = app.get(&path, &other.token).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(unknown, theirs, "{path}: same body, no existence oracle");
    }
    let (status, unknown) = app
        .get(&format!("/v1/items/{GTIN}/NOPE"), acme.token())
        .await;
    assert_eq!((status, &unknown), (404, &theirs));

    // Containers.
    let (status, theirs) = app
        .get(&format!("/v1/containers/{case}"), &other.token)
        .await;
    assert_error(status, &theirs, 404, "NotFoundError");
    for path in [
        format!("/v1/containers/{}", sscc(0, 2)),
        "/v1/containers/000000000000000003".to_string(),
        "/v1/containers/123".to_string(),
    ] {
        let (status, unknown) = app.get(&path, &other.token).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(unknown, theirs, "{path}: same body, no existence oracle");
    }
}

async fn lookups_need_a_read_role(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    line.commission_ok(GTIN, &serials("S", 1)).await;
    let case = sscc(0, 1);
    line.aggregate_ok(&case, &[child(GTIN, "S0")]).await;
    let item_path = format!("/v1/items/{GTIN}/S0");
    let container_path = format!("/v1/containers/{case}");
    let (_, shopfloor) = app.key_with_roles(line.token(), &["shopfloor"]).await;
    for path in [&item_path, &container_path] {
        let (status, body) = app.get(path, &shopfloor).await;
        assert_error(status, &body, 403, "ForbiddenError");
    }
    for roles in [["audit"], ["release"], ["admin"]] {
        let (_, token) = app.key_with_roles(line.token(), &roles).await;
        for path in [&item_path, &container_path] {
            let (status, body) = app.get(path, &token).await;
            assert_eq!(status, 200, "{roles:?} {path}: {body}");
        }
    }
    let (status, body) = app.get(&item_path, "").await;
    assert_error(status, &body, 401, "InvalidTokenError");
}

db_tests!(
    item_lookup_shape,
    container_lookup_shape,
    another_tenant_gets_not_found_exactly_like_unknown,
    lookups_need_a_read_role,
    serials_with_url_special_characters_can_be_looked_up,
);

async fn serials_with_url_special_characters_can_be_looked_up(db: Db) {
    let app = spawn(db).await;
    let line = Line::new(&app, "Acme").await;
    line.register(GTIN).await;
    // All in GS1 character set 82, all needing percent-encoding in a URL path.
    let odd: Vec<String> = [
        "A/B", "50%", "X+Y", "Q?1", "a&b", "\"q\"", "<>", "1;2", "x.y", "'",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    line.commission_ok(GTIN, &odd).await;
    for serial in &odd {
        let encoded: String = serial
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let (status, body) = app
            .get(&format!("/v1/items/{GTIN}/{encoded}"), line.token())
            .await;
        assert_eq!(status, 200, "{serial} ({encoded}): {body}");
        assert_eq!(body["serial_number"], json!(serial));
    }
}
