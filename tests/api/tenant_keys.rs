//! The tenant dashboard's API keys and `GET /v1/tenant`: roles, secrets, and tenant isolation.

use reqwest::Method;
use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::tenant::Tenant;
use crate::kit::{assert_error, detail_paths, send, send_text, spawn, store, Db, TestApp};

const GIVEN_SECRET: &str = "correct-horse-battery-staple";

/// Creates a key with a chosen secret; returns the 201 body.
async fn create_key(app: &TestApp, token: &str, roles: &[&str], secret: &str) -> Value {
    let (status, body) = app
        .post(
            "/v1/tenant/api_keys",
            token,
            &json!({"name": "line 4", "roles": roles, "api_secret": secret}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body
}

async fn static_token(app: &TestApp, admin: &Tenant, key_id: &str) -> String {
    let (status, body) = app
        .post(
            &format!("/v1/tenant/api_keys/{key_id}/static_token"),
            &admin.token,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().unwrap().to_string()
}

/// Every tenant administration endpoint, on real ids (the key `victim_key`, the channel
/// `channel_id`) so that a missing role check could not hide behind a 404: (method, path, body).
fn tenant_admin_requests(
    victim_key: &str,
    channel_id: &str,
) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, "/v1/tenant".to_string(), None),
        (Method::GET, "/v1/tenant/api_keys".into(), None),
        (
            Method::POST,
            "/v1/tenant/api_keys".into(),
            Some(json!({"name": "escalate", "roles": ["admin"]})),
        ),
        (
            Method::DELETE,
            format!("/v1/tenant/api_keys/{victim_key}"),
            None,
        ),
        (
            Method::POST,
            format!("/v1/tenant/api_keys/{victim_key}/static_token"),
            Some(json!({})),
        ),
        (
            Method::DELETE,
            format!("/v1/tenant/api_keys/{victim_key}/static_token"),
            None,
        ),
        (Method::GET, "/v1/tenant/channels".into(), None),
        (
            Method::POST,
            "/v1/tenant/channels".into(),
            Some(json!({"name": "x", "type": "shopfloor", "source": "manufacturer_v2_api"})),
        ),
        (
            Method::PATCH,
            format!("/v1/tenant/channels/{channel_id}"),
            Some(json!({"enabled": false})),
        ),
    ]
}

async fn non_admin_keys_are_forbidden_on_every_tenant_endpoint(db: Db) {
    // Arrange: real ids everywhere, so a missing role check could not hide behind a 404
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (victim_key, victim_token) = app.key_with_roles(&acme.token, &["admin"]).await;
    let (channel_id, _) = app.channel(&acme.token, "manufacturer_v2_api").await;
    let keys_before = store::api_key_count(&app.db, &acme.id);

    for roles in [
        &["shopfloor"][..],
        &["audit"],
        &["release"],
        &["shopfloor", "release", "audit"],
    ] {
        let (_, token) = app.key_with_roles(&acme.token, roles).await;
        for (method, path, body) in tenant_admin_requests(&victim_key, &channel_id) {
            // Act
            let mut rb = app.req(method.clone(), &path, &token);
            if let Some(body) = body {
                rb = rb.json(&body);
            }
            let (status, resp) = send(rb).await;

            // Assert
            assert_error(status, &resp, 403, "ForbiddenError");
            assert!(
                resp.get("token").is_none() && resp.get("items").is_none(),
                "{method} {path}"
            );
        }
    }

    // ...and nothing was changed by any of them
    assert_eq!(
        store::api_key_count(&app.db, &acme.id),
        keys_before + 4,
        "only the four test keys were added"
    );
    assert_eq!(store::channel_count(&app.db, &acme.id), 1);
    assert_eq!(
        app.get("/v1/tenant", &victim_token).await.0,
        200,
        "victim key not revoked"
    );
    let (_, channels) = app.get("/v1/tenant/channels", &acme.token).await;
    assert_eq!(channels["items"][0]["enabled"], json!(true));
}

async fn key_with_given_secret_authenticates_and_secret_is_not_echoed(db: Db) {
    // Arrange
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;

    // Act
    let body = create_key(&app, &acme.token, &["shopfloor", "audit"], GIVEN_SECRET).await;

    // Assert
    assert_eq!(body["success"], json!(true));
    assert!(
        body.get("api_secret").is_none(),
        "a given secret is never echoed: {body}"
    );
    assert!(
        uuid::Uuid::parse_str(body["id"].as_str().unwrap()).is_ok(),
        "{body}"
    );
    assert_eq!(body["name"], json!("line 4"));
    let mut roles: Vec<&str> = body["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    roles.sort();
    assert_eq!(roles, ["audit", "shopfloor"]);
    assert!(
        chrono::DateTime::parse_from_rfc3339(body["created_at"].as_str().unwrap()).is_ok(),
        "{body}"
    );
    let resp = app
        .auth(body["api_key"].as_str().unwrap(), GIVEN_SECRET)
        .await;
    assert_eq!(resp.status(), 200);
}

async fn generated_secret_is_shown_once(db: Db) {
    // Arrange
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;

    // Act
    let (status, body) = app
        .post(
            "/v1/tenant/api_keys",
            &acme.token,
            &json!({"name": "erp", "roles": ["release"]}),
        )
        .await;

    // Assert: returned now, works, and appears nowhere afterwards
    assert_eq!(status, 201, "{body}");
    let secret = body["api_secret"]
        .as_str()
        .expect("generated secret is returned");
    assert!(secret.len() >= 12, "{secret}");
    assert_eq!(
        app.auth(body["api_key"].as_str().unwrap(), secret)
            .await
            .status(),
        200
    );
    let (_, listing) = send_text(app.req(Method::GET, "/v1/tenant/api_keys", &acme.token)).await;
    assert!(!listing.contains(secret), "the list never shows it again");
}

async fn generated_secrets_differ(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let new_key = json!({"name": "erp", "roles": ["release"]});

    let (_, a) = app.post("/v1/tenant/api_keys", &acme.token, &new_key).await;
    let (_, b) = app.post("/v1/tenant/api_keys", &acme.token, &new_key).await;

    assert_ne!(a["api_secret"], b["api_secret"]);
    assert_ne!(a["api_key"], b["api_key"]);
}

async fn short_secret_is_refused_naming_api_secret(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;

    let (status, body) = app
        .post(
            "/v1/tenant/api_keys",
            &acme.token,
            &json!({"name": "line", "roles": ["shopfloor"], "api_secret": "elevenchars"}),
        )
        .await;

    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(detail_paths(&body), ["api_secret"], "{body}");
    assert_eq!(
        store::api_key_count(&app.db, &acme.id),
        1,
        "nothing written"
    );
}

async fn unknown_role_is_refused_naming_its_index(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;

    let (status, body) = app
        .post(
            "/v1/tenant/api_keys",
            &acme.token,
            &json!({"name": "line", "roles": ["shopfloor", "superuser"]}),
        )
        .await;

    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(detail_paths(&body), ["roles[1]"], "{body}");
    assert_eq!(
        store::api_key_count(&app.db, &acme.id),
        1,
        "nothing written"
    );
}

async fn every_invalid_field_is_reported(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;

    let (status, body) = app
        .post(
            "/v1/tenant/api_keys",
            &acme.token,
            &json!({"name": " ", "roles": ["root", "admin", "god"], "api_secret": "short"}),
        )
        .await;

    assert_error(status, &body, 400, "ValidationError");
    let mut paths = detail_paths(&body);
    paths.sort();
    assert_eq!(
        paths,
        ["api_secret", "name", "roles[0]", "roles[2]"],
        "{body}"
    );
}

async fn key_list_never_contains_secrets_or_hashes(db: Db) {
    // Arrange
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    create_key(&app, &acme.token, &["shopfloor"], GIVEN_SECRET).await;

    // Act
    let (status, raw) = send_text(app.req(Method::GET, "/v1/tenant/api_keys", &acme.token)).await;

    // Assert
    assert_eq!(status, 200, "{raw}");
    let list: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 2, "{raw}");
    for needle in [
        "api_secret",
        "secret_hash",
        "$argon2",
        GIVEN_SECRET,
        &acme.api_secret,
    ] {
        assert!(!raw.contains(needle), "list leaks {needle:?}: {raw}");
    }
}

async fn database_stores_only_an_argon2id_hash(db: Db) {
    // Arrange
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;

    // Act
    let body = create_key(&app, &acme.token, &["shopfloor"], GIVEN_SECRET).await;

    // Assert: OWASP argon2id parameters, and the secret appears in no column of the row
    let key_id = body["id"].as_str().unwrap();
    let hash = store::api_key_secret_hash(&app.db, key_id);
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    let stored = store::api_key_row(&app.db, key_id);
    assert!(!stored.contains(GIVEN_SECRET), "{stored}");
}

async fn smuggled_tenant_id_is_ignored(db: Db) {
    // Arrange
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let globex = app.tenant("Globex").await;

    // Act: Acme tries to create a key inside Globex
    let (status, body) = app
        .post(
            "/v1/tenant/api_keys",
            &acme.token,
            &json!({"name": "trojan", "roles": ["admin"], "api_secret": GIVEN_SECRET,
                    "tenant_id": globex.id}),
        )
        .await;

    // Assert: the key belongs to the caller
    assert_eq!(status, 201, "{body}");
    let stored_tenant = store::api_key_tenant(&app.db, body["id"].as_str().unwrap());
    assert_eq!(stored_tenant, acme.id);
    let token = app
        .token_for(body["api_key"].as_str().unwrap(), GIVEN_SECRET)
        .await;
    let (_, me) = app.get("/v1/tenant", &token).await;
    assert_eq!(me["id"], json!(acme.id));
    let (_, globex_keys) = app.get("/v1/tenant/api_keys", &globex.token).await;
    assert_eq!(
        globex_keys["items"].as_array().unwrap().len(),
        1,
        "{globex_keys}"
    );
}

async fn other_tenant_cannot_list_revoke_or_mint_tokens_for_keys(db: Db) {
    // Arrange: Acme has a second key with a static token
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let globex = app.tenant("Globex").await;
    let (acme_key, acme_key_token) = app.key_with_roles(&acme.token, &["admin"]).await;
    let acme_static = static_token(&app, &acme, &acme_key).await;
    let unknown = uuid::Uuid::new_v4().to_string();

    // Act + Assert: listing shows only Globex's own key
    let (_, list) = send_text(app.req(Method::GET, "/v1/tenant/api_keys", &globex.token)).await;
    assert!(
        !list.contains(&acme_key) && !list.contains(&acme.api_key),
        "{list}"
    );

    // ...and every write on Acme's key answers exactly like a key that does not exist
    for (method, suffix) in [
        (Method::POST, "/static_token"),
        (Method::DELETE, "/static_token"),
        (Method::DELETE, ""),
    ] {
        let foreign = send_text(app.req(
            method.clone(),
            &format!("/v1/tenant/api_keys/{acme_key}{suffix}"),
            &globex.token,
        ))
        .await;
        let missing = send_text(app.req(
            method.clone(),
            &format!("/v1/tenant/api_keys/{unknown}{suffix}"),
            &globex.token,
        ))
        .await;
        let body: Value = serde_json::from_str(&foreign.1).unwrap();
        assert_error(foreign.0, &body, 404, "NotFoundError");
        assert_eq!(
            foreign, missing,
            "no existence oracle for {method} {suffix}"
        );
    }

    // Acme's key, its dynamic and its static token all still work
    assert_eq!(app.get("/v1/tenant", &acme_key_token).await.0, 200);
    assert_eq!(app.get("/v1/tenant", &acme_static).await.0, 200);
    assert_eq!(app.get("/v1/tenant", &acme.token).await.0, 200);
}

async fn get_tenant_returns_the_callers_own_tenant(db: Db) {
    // Arrange
    let app = spawn(db).await;
    let acme = app
        .tenant_with_gcp("Acme Pharma", &["4012345", "0614141"])
        .await;
    let globex = app.tenant_with_gcp("Globex", &["7612345"]).await;

    // Act
    let (status, body) = app.get("/v1/tenant", &acme.token).await;
    let (_, other) = app.get("/v1/tenant", &globex.token).await;

    // Assert
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], json!(true));
    assert_eq!(body["id"], json!(acme.id));
    assert_eq!(body["name"], json!("Acme Pharma"));
    assert_eq!(body["gs1_company_prefixes"], json!(["4012345", "0614141"]));
    assert!(body.as_object().unwrap().contains_key("gln"), "{body}");
    assert_eq!(other["id"], json!(globex.id));
    assert_eq!(other["gs1_company_prefixes"], json!(["7612345"]));
}

db_tests!(
    non_admin_keys_are_forbidden_on_every_tenant_endpoint,
    key_with_given_secret_authenticates_and_secret_is_not_echoed,
    generated_secret_is_shown_once,
    generated_secrets_differ,
    short_secret_is_refused_naming_api_secret,
    unknown_role_is_refused_naming_its_index,
    every_invalid_field_is_reported,
    key_list_never_contains_secrets_or_hashes,
    database_stores_only_an_argon2id_hash,
    smuggled_tenant_id_is_ignored,
    other_tenant_cannot_list_revoke_or_mint_tokens_for_keys,
    get_tenant_returns_the_callers_own_tenant,
);
