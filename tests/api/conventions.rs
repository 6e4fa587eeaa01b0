//! HTTP conventions of PRODUCT.md §2: body limits, field-naming validation errors, no internal
//! detail in error bodies, pagination.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::raw::{chunked, raw_http};
use crate::kit::tenant::Tenant;
use crate::kit::{
    assert_error, detail_paths, send, send_text, spawn, spawn_with, store, Db, TestApp,
};

async fn create_channels(app: &TestApp, tenant: &Tenant, n: usize) -> HashSet<String> {
    let mut ids = HashSet::new();
    for _ in 0..n {
        ids.insert(app.channel(&tenant.token, "manufacturer_v2_api").await.0);
    }
    ids
}

async fn oversized_body_is_413_and_nothing_is_written(db: Db) {
    // Arrange
    let app = spawn_with(db, |s| s.body_limit = 1024).await;
    let acme = app.tenant("Acme").await;
    let big =
        json!({"name": "x".repeat(2000), "type": "shopfloor", "source": "manufacturer_v2_api"});

    // Act
    let (status, body) = app.post("/v1/tenant/channels", &acme.token, &big).await;

    // Assert
    assert_error(status, &body, 413, "PayloadTooLargeError");
    assert_eq!(store::channel_count(&app.db, &acme.id), 0);
    let small = json!({"name": "ok", "type": "shopfloor", "source": "manufacturer_v2_api"});
    assert_eq!(
        app.post("/v1/tenant/channels", &acme.token, &small).await.0,
        201,
        "control"
    );
}

async fn oversized_chunked_body_is_413_and_nothing_is_written(db: Db) {
    // Arrange: no Content-Length, so the limit must hold while the body streams in
    let app = spawn_with(db, |s| s.body_limit = 1024).await;
    let acme = app.tenant("Acme").await;
    let json =
        json!({"name": "x".repeat(3000), "type": "shopfloor", "source": "manufacturer_v2_api"})
            .to_string();
    let head = format!(
        "POST /v1/tenant/channels HTTP/1.1\r\nHost: localhost\r\nx-access-token: {}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        acme.token
    );

    // Act
    let (status, body) = raw_http(&app, head, chunked(json.as_bytes(), 500)).await;

    // Assert
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    assert_error(status, &body, 413, "PayloadTooLargeError");
    assert_eq!(store::channel_count(&app.db, &acme.id), 0);
}

async fn wrong_json_type_is_400_naming_the_field(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (id, _) = app.channel(&acme.token, "manufacturer_v2_api").await;

    let (status, body) = app
        .patch(
            &format!("/v1/tenant/channels/{id}"),
            &acme.token,
            &json!({"enabled": "yes"}),
        )
        .await;

    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(detail_paths(&body), ["enabled"], "{body}");
    let (_, list) = app.get("/v1/tenant/channels", &acme.token).await;
    assert_eq!(list["items"][0]["enabled"], json!(true), "unchanged");
}

async fn text_after_the_json_document_is_400_and_nothing_is_written(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;

    let (status, body) = send(
        app.req(Method::POST, "/v1/tenant/channels", &acme.token)
            .header("content-type", "application/json")
            .body(
                r#"{"name": "L1", "type": "shopfloor", "source": "manufacturer_v2_api"} {"x": 1}"#,
            ),
    )
    .await;

    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(detail_paths(&body), ["$"], "{body}");
    assert_eq!(store::channel_count(&app.db, &acme.id), 0);
}

async fn nested_wrong_type_is_named_by_its_path(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;

    let (status, body) = app
        .post(
            "/v1/tenant/api_keys",
            &acme.token,
            &json!({"name": "k", "roles": ["admin", 7]}),
        )
        .await;

    assert_error(status, &body, 400, "ValidationError");
    assert_eq!(detail_paths(&body), ["roles[1]"], "{body}");
}

/// Malformed, mistyped, oversized, injected and unauthorised requests of every kind (the body
/// limit is 4 KiB); `channel` is a real channel of `acme`.
fn hostile_requests(app: &TestApp, acme: &Tenant, channel: &str) -> Vec<reqwest::RequestBuilder> {
    let json_post = |path: &str, raw: &str| {
        app.req(Method::POST, path, &acme.token)
            .header("content-type", "application/json")
            .body(raw.to_string())
    };
    vec![
        json_post("/v1/api_auth", r#"{"api_key": "#),
        json_post("/v1/api_auth", r#"{"api_key": 1, "api_secret": null}"#),
        json_post(
            "/v1/tenant/channels",
            r#"{"name": 5, "type": [], "source": {}}"#,
        ),
        json_post(
            "/v1/tenant/channels",
            &format!(r#"{{"name": "{}"}}"#, "x".repeat(5000)),
        ),
        json_post("/v1/tenant/api_keys", r#"{"name": "k", "roles": "admin"}"#),
        app.req(Method::POST, "/v1/tenant/channels", &acme.token)
            .body("name=x"),
        app.req(
            Method::PATCH,
            &format!("/v1/tenant/channels/{channel}"),
            &acme.token,
        )
        .header("content-type", "application/json")
        .body("{\"enabled\": tru"),
        app.req(
            Method::PATCH,
            "/v1/tenant/channels/'%3B%20DROP%20TABLE%20channels%3B--",
            &acme.token,
        )
        .json(&json!({"enabled": false})),
        app.req(
            Method::DELETE,
            "/v1/tenant/api_keys/%27%20OR%20%271%27%3D%271",
            &acme.token,
        ),
        app.req(Method::GET, "/v1/tenant/channels?limit=abc", &acme.token),
        app.req(
            Method::GET,
            "/v1/tenant/channels?limit=99999999999999999999999",
            &acme.token,
        ),
        app.req(Method::GET, "/v1/tenant/api_keys?limit=-1", &acme.token),
        app.req(Method::GET, "/v1/tenant", "eyJhbGciOiJub25lIn0.e30."),
        app.req(Method::GET, "/v1/nowhere/../../etc/passwd", &acme.token),
        app.req(
            Method::POST,
            "/v1/manufacturer/v2/api/serials/commission",
            &acme.token,
        )
        .header("x-channel-key", "nope"),
        app.req(Method::POST, "/v1/tenant/channels", &acme.token)
            .header("Idempotency-Key", ""),
    ]
}

async fn error_bodies_never_reveal_internals(db: Db) {
    // Arrange
    let app = spawn_with(db, |s| s.body_limit = 4096).await;
    let acme = app.tenant("Acme").await;
    let (channel, _) = app.channel(&acme.token, "manufacturer_v2_api").await;

    for request in hostile_requests(&app, &acme, &channel) {
        // Act
        let (status, raw) = send_text(request).await;

        // Assert
        assert!(
            (400..500).contains(&status),
            "a client error, not {status}: {raw}"
        );
        let body: Value = serde_json::from_str(&raw).unwrap_or(Value::Null);
        assert_eq!(body["success"], json!(false), "error envelope: {raw}");
        let lower = raw.to_lowercase();
        for leak in [
            "diesel",
            "sqlite",
            "postgres",
            "panicked",
            "/src/",
            ".rs:",
            "select ",
            "serialhub::",
        ] {
            assert!(!lower.contains(leak), "error body reveals {leak:?}: {raw}");
        }
    }
}

async fn out_of_range_limit_is_400(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;

    for list in ["/v1/tenant/channels", "/v1/tenant/api_keys"] {
        for limit in ["0", "5000", "1001", "-1", "abc"] {
            let (status, body) = app.get(&format!("{list}?limit={limit}"), &acme.token).await;
            assert_error(status, &body, 400, "ValidationError");
        }
        for limit in ["1", "1000"] {
            let (status, body) = app.get(&format!("{list}?limit={limit}"), &acme.token).await;
            assert_eq!(status, 200, "limit={limit} is allowed: {body}");
        }
    }
}

async fn pagination_visits_every_item_exactly_once(db: Db) {
    // Arrange
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let created = create_channels(&app, &acme, 5).await;
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut path = "/v1/tenant/channels?limit=2".to_string();

    // Act
    loop {
        let (status, page) = app.get(&path, &acme.token).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["success"], json!(true));
        let items = page["items"].as_array().unwrap();
        sizes.push(items.len());
        seen.extend(items.iter().map(|c| c["id"].as_str().unwrap().to_string()));
        match &page["next"] {
            Value::Null => break,
            Value::String(cursor) => path = format!("/v1/tenant/channels?limit=2&after={cursor}"),
            other => panic!("next must be a cursor or null: {other}"),
        }
        assert!(sizes.len() < 10, "pagination does not end");
    }

    // Assert
    assert_eq!(sizes, [2, 2, 1]);
    assert_eq!(seen.len(), 5);
    assert_eq!(
        seen.iter().cloned().collect::<HashSet<_>>(),
        created,
        "each exactly once"
    );
}

async fn default_page_holds_everything_with_next_null(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    create_channels(&app, &acme, 3).await;

    let (status, page) = app.get("/v1/tenant/channels", &acme.token).await;

    assert_eq!(status, 200);
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    assert_eq!(page["next"], Value::Null);
}

async fn pagination_stays_within_the_tenant(db: Db) {
    // A cursor taken from one tenant's list never reveals another tenant's items.
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let globex = app.tenant("Globex").await;
    create_channels(&app, &acme, 3).await;
    let globex_ids = create_channels(&app, &globex, 3).await;

    let (_, page) = app
        .get(
            &format!("/v1/tenant/channels?after={}", "0".repeat(36)),
            &acme.token,
        )
        .await;

    let ids: HashSet<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().into())
        .collect();
    assert_eq!(ids.len(), 3, "{page}");
    assert!(ids.is_disjoint(&globex_ids));
}

async fn success_bodies_say_success(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;

    let (status, body) = send(app.req(Method::GET, "/v1/tenant/api_keys", &acme.token)).await;

    assert_eq!(status, 200);
    assert_eq!(body["success"], json!(true));
    assert!(
        body["items"].is_array() && body.as_object().unwrap().contains_key("next"),
        "{body}"
    );
}

/// Asserts that the tenant still has only the one channel of the test and its first key.
#[track_caller]
fn assert_nothing_written(app: &TestApp, tenant: &Tenant) {
    assert_eq!(
        store::channel_count(&app.db, &tenant.id),
        1,
        "nothing written"
    );
    assert_eq!(
        store::api_key_count(&app.db, &tenant.id),
        1,
        "nothing written"
    );
}

async fn nul_characters_in_json_bodies_are_refused_on_both_databases(db: Db) {
    // PostgreSQL cannot store U+0000 in text; SQLite can. Either way it is bad input, never a 500.
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    app.channel(&acme.token, "manufacturer_v2_api").await;

    // JSON bodies: 400 naming the field
    for (path, body, field) in [
        (
            "/v1/api_auth",
            json!({"api_key": "a\u{0}b", "api_secret": "x"}),
            "api_key",
        ),
        (
            "/v1/tenant/channels",
            json!({"name": "Line\u{0}1", "type": "shopfloor", "source": "manual"}),
            "name",
        ),
        (
            "/v1/tenant/api_keys",
            json!({"name": "k", "roles": ["admin"], "api_secret": "abcdefghijkl\u{0}"}),
            "api_secret",
        ),
        (
            "/v1/tenant/api_keys",
            json!({"name": "\u{0}", "roles": ["admin"]}),
            "name",
        ),
    ] {
        let (status, resp) = app.post(path, &acme.token, &body).await;
        assert_error(status, &resp, 400, "ValidationError");
        assert_eq!(detail_paths(&resp), [field], "{path}: {resp}");
    }

    assert_nothing_written(&app, &acme);
}

async fn nul_characters_in_urls_are_refused_on_both_databases(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (channel, _) = app.channel(&acme.token, "manufacturer_v2_api").await;

    // In the URL (path segments, cursors): 400 as well
    for (method, path) in [
        (Method::DELETE, "/v1/tenant/api_keys/%00".to_string()),
        (
            Method::POST,
            "/v1/tenant/api_keys/a%00b/static_token".into(),
        ),
        (Method::GET, "/v1/tenant/channels?after=%00".into()),
        (
            Method::GET,
            format!("/v1/tenant/channels?limit=10&after={channel}%00"),
        ),
    ] {
        let (status, resp) = send(app.req(method.clone(), &path, &acme.token)).await;
        assert_error(status, &resp, 400, "ValidationError");
    }
    let (status, resp) = app
        .patch(
            "/v1/tenant/channels/%00",
            &acme.token,
            &json!({"enabled": false}),
        )
        .await;
    assert_error(status, &resp, 400, "ValidationError");

    assert_nothing_written(&app, &acme);
}

db_tests!(
    nul_characters_in_json_bodies_are_refused_on_both_databases,
    nul_characters_in_urls_are_refused_on_both_databases,
    oversized_body_is_413_and_nothing_is_written,
    oversized_chunked_body_is_413_and_nothing_is_written,
    wrong_json_type_is_400_naming_the_field,
    text_after_the_json_document_is_400_and_nothing_is_written,
    nested_wrong_type_is_named_by_its_path,
    error_bodies_never_reveal_internals,
    out_of_range_limit_is_400,
    pagination_visits_every_item_exactly_once,
    default_page_holds_everything_with_next_null,
    pagination_stays_within_the_tenant,
    success_bodies_say_success,
);
