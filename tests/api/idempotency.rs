//! `Idempotency-Key` on writes: replay, mismatch, per-tenant scope, in-flight claims, failures.

use reqwest::Method;
use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::tenant::Tenant;
use crate::kit::{assert_error, send, send_text, spawn, store, Db, TestApp};

const KEY: &str = "order-4711-create-line-1";

fn channel_body(name: &str) -> Value {
    json!({"name": name, "type": "shopfloor", "source": "manufacturer_v2_api"})
}

/// `POST /v1/tenant/channels` with an Idempotency-Key; returns (status, raw body).
async fn create_channel(app: &TestApp, tenant: &Tenant, key: &str, body: &Value) -> (u16, String) {
    send_text(
        app.req(Method::POST, "/v1/tenant/channels", &tenant.token)
            .header("Idempotency-Key", key)
            .json(body),
    )
    .await
}

fn parse(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap_or(Value::Null)
}

async fn same_key_and_body_replay_the_response_and_write_once(db: Db) {
    // Arrange
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (status, first) = create_channel(&app, &acme, KEY, &channel_body("Line 1")).await;
    assert_eq!(status, 201, "{first}");

    // Act
    let (status, second) = create_channel(&app, &acme, KEY, &channel_body("Line 1")).await;

    // Assert
    assert_eq!(status, 201);
    assert_eq!(
        first, second,
        "the stored response is replayed byte for byte"
    );
    assert_eq!(store::channel_count(&app.db, &acme.id), 1, "written once");
}

async fn same_key_with_different_body_is_422(db: Db) {
    // Arrange
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (status, first) = create_channel(&app, &acme, KEY, &channel_body("Line 1")).await;
    assert_eq!(status, 201, "{first}");

    // Act
    let (status, raw) = create_channel(&app, &acme, KEY, &channel_body("Line 2")).await;

    // Assert
    assert_error(status, &parse(&raw), 422, "IdempotencyError");
    assert_eq!(store::channel_count(&app.db, &acme.id), 1);
    let (_, list) = app.get("/v1/tenant/channels", &acme.token).await;
    assert_eq!(list["items"][0]["name"], json!("Line 1"));
}

async fn same_key_on_another_endpoint_is_422(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (status, _) = create_channel(&app, &acme, KEY, &channel_body("Line 1")).await;
    assert_eq!(status, 201);

    let (status, body) = send(
        app.req(Method::POST, "/v1/tenant/api_keys", &acme.token)
            .header("Idempotency-Key", KEY)
            .json(&json!({"name": "k", "roles": ["admin"]})),
    )
    .await;

    assert_error(status, &body, 422, "IdempotencyError");
    assert_eq!(store::api_key_count(&app.db, &acme.id), 1, "no key created");
}

async fn keys_are_scoped_per_tenant(db: Db) {
    // Arrange
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let globex = app.tenant("Globex").await;
    let (status, acme_raw) = create_channel(&app, &acme, KEY, &channel_body("Line 1")).await;
    assert_eq!(status, 201);

    // Act: the same key and body from another tenant
    let (status, globex_raw) = create_channel(&app, &globex, KEY, &channel_body("Line 1")).await;

    // Assert: a fresh request of its own, not a replay of Acme's response
    assert_eq!(status, 201, "{globex_raw}");
    let (acme_body, globex_body) = (parse(&acme_raw), parse(&globex_raw));
    assert_ne!(acme_body["id"], globex_body["id"]);
    assert_ne!(acme_body["channel_key"], globex_body["channel_key"]);
    assert_eq!(store::channel_count(&app.db, &globex.id), 1);
    assert_eq!(store::channel_count(&app.db, &acme.id), 1);
    let (_, list) = app.get("/v1/tenant/channels", &globex.token).await;
    assert_eq!(list["items"][0]["id"], globex_body["id"]);
}

async fn key_still_running_is_409(db: Db) {
    // Arrange: a completed request whose claim is put back to `running`, as it is while the first
    // request is still being processed
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (status, _) = create_channel(&app, &acme, KEY, &channel_body("Line 1")).await;
    assert_eq!(status, 201);
    let updated = store::reopen_claim(&app.db, &acme.id, KEY);
    assert_eq!(updated, 1);

    // Act
    let (status, raw) = create_channel(&app, &acme, KEY, &channel_body("Line 1")).await;

    // Assert
    assert_error(status, &parse(&raw), 409, "IdempotencyError");
    assert_eq!(
        store::channel_count(&app.db, &acme.id),
        1,
        "nothing ran twice"
    );
}

async fn inserted_running_claim_blocks_the_key(db: Db) {
    // A claim inserted directly, as another instance would hold it mid-request.
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (channel, _) = app.channel(&acme.token, "manufacturer_v2_api").await;
    store::insert_running_claim(&app.db, &acme.id, KEY, chrono::Duration::zero());

    let (status, raw) = send_text(
        app.req(
            Method::PATCH,
            &format!("/v1/tenant/channels/{channel}"),
            &acme.token,
        )
        .header("Idempotency-Key", KEY)
        .json(&json!({"enabled": false})),
    )
    .await;

    assert_error(status, &parse(&raw), 409, "IdempotencyError");
    let (_, list) = app.get("/v1/tenant/channels", &acme.token).await;
    assert_eq!(
        list["items"][0]["enabled"],
        json!(true),
        "the patch did not run"
    );
}

async fn stale_running_claim_is_taken_over(db: Db) {
    // A claim left behind by a crashed process does not block the key forever.
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    store::insert_running_claim(&app.db, &acme.id, KEY, chrono::Duration::hours(1));

    let (status, raw) = create_channel(&app, &acme, KEY, &channel_body("Line 1")).await;

    assert_eq!(status, 201, "{raw}");
    assert_eq!(store::channel_count(&app.db, &acme.id), 1);
    let (_, again) = create_channel(&app, &acme, KEY, &channel_body("Line 1")).await;
    assert_eq!(again, raw, "and the key now replays the new response");
}

async fn failed_request_replays_the_same_error(db: Db) {
    // Arrange: a revoke that fails inside the write (no such key)
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (victim, victim_token) = app.key_with_roles(&acme.token, &["admin"]).await;
    let missing = format!("/v1/tenant/api_keys/{}", uuid::Uuid::new_v4());
    let revoke = |path: &str| {
        app.req(Method::DELETE, path, &acme.token)
            .header("Idempotency-Key", KEY)
    };
    let (status, first) = send_text(revoke(&missing)).await;
    assert_error(status, &parse(&first), 404, "NotFoundError");

    // Act
    let (status, second) = send_text(revoke(&missing)).await;

    // Assert: the same error again; and the key stays bound to that failed request
    assert_eq!((status, parse(&second)), (404, parse(&first)));
    let (status, other) = send_text(revoke(&format!("/v1/tenant/api_keys/{victim}"))).await;
    assert_error(status, &parse(&other), 422, "IdempotencyError");
    assert_eq!(
        app.get("/v1/tenant", &victim_token).await.0,
        200,
        "the victim was not revoked"
    );
}

async fn replayed_delete_does_not_run_twice(db: Db) {
    // Arrange
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (victim, _) = app.key_with_roles(&acme.token, &["shopfloor"]).await;
    let path = format!("/v1/tenant/api_keys/{victim}");
    let revoke = || {
        app.req(Method::DELETE, &path, &acme.token)
            .header("Idempotency-Key", KEY)
    };
    let (status, first) = send_text(revoke()).await;
    assert_eq!(status, 200, "{first}");

    // Act: a retry after a lost response
    let (status, retry) = send_text(revoke()).await;

    // Assert: the original success, not "not found" from running again
    assert_eq!((status, retry), (200, first));
    let (status, _) = app.delete(&path, &acme.token).await;
    assert_eq!(status, 404, "control: without the key it would run again");
}

async fn invalid_idempotency_key_is_refused(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;

    for key in ["".to_string(), "k".repeat(256)] {
        let (status, raw) = create_channel(&app, &acme, &key, &channel_body("Line 1")).await;

        let body = parse(&raw);
        assert_error(status, &body, 400, "ValidationError");
        assert_eq!(
            body["details"][0]["path"],
            json!("Idempotency-Key"),
            "{body}"
        );
    }
    assert_eq!(store::channel_count(&app.db, &acme.id), 0);
}

async fn secrets_are_never_stored_for_replay(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let body = json!({"name": "line key", "roles": ["shopfloor"]});
    let send_once = || {
        send(
            app.req(Method::POST, "/v1/tenant/api_keys", &acme.token)
                .header("Idempotency-Key", "key-1")
                .json(&body),
        )
    };

    let (status, first) = send_once().await;
    let (replay_status, replay) = send_once().await;

    assert_eq!(status, 201, "{first}");
    let secret = first["api_secret"]
        .as_str()
        .expect("generated secret shown once")
        .to_string();
    assert_eq!(replay_status, 201);
    assert_eq!(
        replay["id"], first["id"],
        "the replay describes the same key"
    );
    assert!(
        replay.get("api_secret").is_none(),
        "replay must not carry the secret: {replay}"
    );
    assert!(
        replay["api_secret_note"].is_string(),
        "the replay says why the secret is missing: {replay}"
    );
    assert_eq!(
        store::stored_responses(&app.db).len(),
        1,
        "the response was stored for replay"
    );
    let records = store::idempotency_records(&app.db);
    assert!(
        records.iter().all(|r| !r.contains(&secret)),
        "the secret reached the idempotency store: {records:?}"
    );
}

async fn static_tokens_are_never_stored_for_replay(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (status, key) = app
        .post(
            "/v1/tenant/api_keys",
            &acme.token,
            &json!({"name": "dashboard key", "roles": ["admin"]}),
        )
        .await;
    assert_eq!(status, 201, "{key}");
    let path = format!(
        "/v1/tenant/api_keys/{}/static_token",
        key["id"].as_str().unwrap()
    );
    let send_once = || {
        send(
            app.req(Method::POST, &path, &acme.token)
                .header("Idempotency-Key", "token-1")
                .json(&json!({})),
        )
    };

    let (status, first) = send_once().await;
    let (replay_status, replay) = send_once().await;

    assert_eq!(status, 200, "{first}");
    let token = first["token"]
        .as_str()
        .expect("static token shown once")
        .to_string();
    assert_eq!(replay_status, 200);
    assert!(
        replay.get("token").is_none(),
        "replay must not carry the token: {replay}"
    );
    assert!(
        replay["token_note"].is_string(),
        "the replay says why the token is missing: {replay}"
    );
    let (status, _) = app.get("/v1/tenant", &token).await;
    assert_eq!(status, 200, "the replay did not replace the first token");
    assert_eq!(
        store::stored_responses(&app.db).len(),
        1,
        "the response was stored for replay"
    );
    let records = store::idempotency_records(&app.db);
    assert!(
        records.iter().all(|r| !r.contains(&token)),
        "the static token reached the idempotency store: {records:?}"
    );
}

db_tests!(
    secrets_are_never_stored_for_replay,
    static_tokens_are_never_stored_for_replay,
    same_key_and_body_replay_the_response_and_write_once,
    same_key_with_different_body_is_422,
    same_key_on_another_endpoint_is_422,
    keys_are_scoped_per_tenant,
    key_still_running_is_409,
    inserted_running_claim_blocks_the_key,
    stale_running_claim_is_taken_over,
    failed_request_replays_the_same_error,
    replayed_delete_does_not_run_twice,
    invalid_idempotency_key_is_refused,
);
