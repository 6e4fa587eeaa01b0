//! Products (PRODUCT.md §3.2): registration, GTIN validation, one owner per GTIN, visibility.

use serde_json::json;

use crate::db_tests;
use crate::kit::store::{product_codes, product_count};
use crate::kit::{assert_error, problem_at, spawn, Db, GTIN, GTIN_B};

fn product(code: &str) -> serde_json::Value {
    json!({"product_code": code, "product_code_schema": "GTIN", "name": "Aspirin 100 mg"})
}

async fn register_product_returns_201_and_stores_gtin14(db: Db) {
    let app = spawn(db).await;
    // A tenant registers GTINs under its company prefixes (both GS1.md vectors' here).
    let acme = app.tenant_with_gcp("Acme", &["4012345", "9521234"]).await;
    let (status, body) = app
        .post("/v1/tenant/products", &acme.token, &product(GTIN))
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["success"], json!(true));
    assert_eq!(body["product_code"], json!(GTIN));
    assert_eq!(body["product_code_schema"], json!("GTIN"));
    assert_eq!(body["name"], json!("Aspirin 100 mg"));
    assert_eq!(body["owner_tenant_id"], json!(acme.id));
    assert!(uuid::Uuid::parse_str(body["id"].as_str().unwrap()).is_ok());

    // A GTIN-13 is stored (and shown) as its GTIN-14 form.
    let (status, body) = app
        .post(
            "/v1/tenant/products",
            &acme.token,
            &product("9521234543213"),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["product_code"], json!("09521234543213"));
    assert_eq!(product_codes(&app.db), ["04012345111118", "09521234543213"]);
    // And can be fetched by either form.
    let (status, body) = app
        .get("/v1/tenant/products/9521234543213", &acme.token)
        .await;
    assert_eq!(
        (status, body["product_code"].clone()),
        (200, json!("09521234543213"))
    );
}

async fn bad_check_digit_is_a_validation_error_naming_the_expected_digit(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    // The seed's sample GTIN.
    let (status, body) = app
        .post(
            "/v1/tenant/products",
            &acme.token,
            &product("12345678909040"),
        )
        .await;
    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(
        problem_at(&body, "product_code"),
        "check digit should be 6",
        "{body}"
    );
    let (status, body) = app
        .post(
            "/v1/tenant/products",
            &acme.token,
            &product("0401234511111"),
        )
        .await;
    assert_error(status, &body, 400, "ValidationError");
    assert!(problem_at(&body, "product_code").contains("check digit should be"));
    assert_eq!(product_count(&app.db), 0);
}

async fn schema_other_than_gtin_is_refused(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let mut body = product(GTIN);
    body["product_code_schema"] = json!("EAN");
    let (status, body) = app.post("/v1/tenant/products", &acme.token, &body).await;
    assert_error(status, &body, 400, "ValidationError");
    assert!(problem_at(&body, "product_code_schema").contains("GTIN"));
    // Missing name / missing schema name the field.
    let (status, body) = app
        .post(
            "/v1/tenant/products",
            &acme.token,
            &json!({"product_code": GTIN, "name": "x"}),
        )
        .await;
    assert_error(status, &body, 400, "ValidationError");
    problem_at(&body, "product_code_schema");
    assert_eq!(product_count(&app.db), 0);
}

async fn duplicate_product_is_a_state_error(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (status, _) = app
        .post("/v1/tenant/products", &acme.token, &product(GTIN))
        .await;
    assert_eq!(status, 201);
    // Same GTIN, also when written as GTIN-13.
    for code in [GTIN, "4012345111118"] {
        let (status, body) = app
            .post("/v1/tenant/products", &acme.token, &product(code))
            .await;
        assert_error(status, &body, 409, "StateError");
    }
    assert_eq!(product_count(&app.db), 1);
    // A GTIN has one owner in the hub (issue 12): another tenant may not register it.
    let other = app.tenant("Other").await;
    let (status, body) = app
        .post("/v1/tenant/products", &other.token, &product(GTIN))
        .await;
    assert_error(status, &body, 403, "ForbiddenError");
    assert_eq!(product_count(&app.db), 1);
}

async fn list_and_get_products(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant_with_gcp("Acme", &["4012345", "0614141"]).await;
    for code in [GTIN_B, GTIN] {
        let (status, _) = app
            .post("/v1/tenant/products", &acme.token, &product(code))
            .await;
        assert_eq!(status, 201);
    }
    let (status, body) = app.get("/v1/tenant/products", &acme.token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], json!(true));
    let codes: Vec<_> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["product_code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes, [GTIN, GTIN_B]);
    assert_eq!(body["next"], json!(null));

    // Pagination: one per page.
    let (_, page1) = app.get("/v1/tenant/products?limit=1", &acme.token).await;
    assert_eq!(page1["items"].as_array().unwrap().len(), 1);
    let next = page1["next"].as_str().expect("a cursor").to_string();
    let (_, page2) = app
        .get(
            &format!("/v1/tenant/products?limit=1&after={next}"),
            &acme.token,
        )
        .await;
    assert_eq!(page2["items"][0]["product_code"], json!(GTIN_B));

    let (status, body) = app
        .get(&format!("/v1/tenant/products/{GTIN}"), &acme.token)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["product_code"], json!(GTIN));
    assert_eq!(body["success"], json!(true));

    let (status, body) = app
        .get(
            &format!("/v1/tenant/products/{GTIN_B}"),
            &app.tenant("Other").await.token,
        )
        .await;
    assert_error(status, &body, 404, "ProductError");
}

async fn another_tenants_product_is_a_product_error(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let other = app.tenant("Other").await;
    let (status, _) = app
        .post("/v1/tenant/products", &acme.token, &product(GTIN))
        .await;
    assert_eq!(status, 201);
    let (status, theirs) = app
        .get(&format!("/v1/tenant/products/{GTIN}"), &other.token)
        .await;
    assert_error(status, &theirs, 404, "ProductError");
    // The same answer as for a product nobody registered (no existence oracle).
    let (status, unknown) = app
        .get(&format!("/v1/tenant/products/{GTIN_B}"), &other.token)
        .await;
    assert_error(status, &unknown, 404, "ProductError");
    assert_eq!(
        theirs["message"].as_str().unwrap().replace(GTIN, "X"),
        unknown["message"].as_str().unwrap().replace(GTIN_B, "X")
    );
    let (_, list) = app.get("/v1/tenant/products", &other.token).await;
    assert_eq!(list["items"], json!([]));
}

async fn products_need_the_admin_role(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (_, shopfloor) = app
        .key_with_roles(&acme.token, &["shopfloor", "release", "audit"])
        .await;
    let (status, body) = app
        .post("/v1/tenant/products", &shopfloor, &product(GTIN))
        .await;
    assert_error(status, &body, 403, "ForbiddenError");
    let (status, body) = app.get("/v1/tenant/products", &shopfloor).await;
    assert_error(status, &body, 403, "ForbiddenError");
    let (status, body) = app
        .get(&format!("/v1/tenant/products/{GTIN}"), &shopfloor)
        .await;
    assert_error(status, &body, 403, "ForbiddenError");
    assert_eq!(product_count(&app.db), 0);
}

db_tests!(
    register_product_returns_201_and_stores_gtin14,
    bad_check_digit_is_a_validation_error_naming_the_expected_digit,
    schema_other_than_gtin_is_refused,
    duplicate_product_is_a_state_error,
    list_and_get_products,
    another_tenants_product_is_a_product_error,
    products_need_the_admin_role,
);
