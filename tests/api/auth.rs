//! `POST /v1/api_auth`: exchanging an API key and secret for a dynamic token.

use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::{assert_error, detail_paths, send, send_text, spawn, spawn_with, Db};

async fn valid_credentials_get_a_24h_token(db: Db) {
    // Arrange
    let app = spawn(db).await;
    let created = app.create_tenant("Acme", &["4012345"]).await;

    // Act
    let resp = app.auth(&created.api_key, &created.api_secret).await;

    // Assert
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["success"], json!(true), "{body}");
    assert_eq!(body["message"], json!("Authenticated"), "{body}");
    assert_eq!(body["expires_in"], json!(86_400), "{body}");
    let token = body["token"].as_str().expect("token is a string");
    assert_eq!(
        token.split('.').count(),
        3,
        "a JWT has three parts: {token}"
    );
    let (status, tenant) = app.get("/v1/tenant", token).await;
    assert_eq!(status, 200, "the token is accepted: {tenant}");
    assert_eq!(tenant["id"], json!(created.tenant_id));
}

async fn configured_token_lifetime_is_reported(db: Db) {
    let app = spawn_with(db, |s| s.token_ttl_secs = 600).await;
    let created = app.create_tenant("Acme", &["4012345"]).await;

    let body: Value = app
        .auth(&created.api_key, &created.api_secret)
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(body["expires_in"], json!(600), "{body}");
    assert_eq!(app.settings.token_ttl_secs, 600);
}

async fn wrong_secret_and_unknown_key_get_the_same_401(db: Db) {
    // Arrange
    let app = spawn(db).await;
    let created = app.create_tenant("Acme", &["4012345"]).await;
    let auth = |key: &str, secret: &str| {
        app.client
            .post(app.url("/v1/api_auth"))
            .json(&json!({"api_key": key, "api_secret": secret}))
    };

    // Act
    let (wrong_status, wrong_secret) =
        send_text(auth(&created.api_key, "not-the-secret-at-all")).await;
    let (unknown_status, unknown_key) =
        send_text(auth("no-such-key-anywhere-0123456789", &created.api_secret)).await;

    // Assert
    let body: Value = serde_json::from_str(&wrong_secret).unwrap();
    assert_error(wrong_status, &body, 401, "AuthenticationError");
    assert_eq!(unknown_status, 401);
    assert_eq!(wrong_secret, unknown_key, "no oracle for which keys exist");
    assert!(
        !wrong_secret.contains("token"),
        "no token handed out: {wrong_secret}"
    );
}

async fn missing_field_is_a_validation_error_naming_it(db: Db) {
    let app = spawn(db).await;

    for (body, field) in [
        (json!({"api_key": "abc"}), "api_secret"),
        (json!({"api_secret": "abc"}), "api_key"),
    ] {
        let (status, resp) = send(app.client.post(app.url("/v1/api_auth")).json(&body)).await;

        assert_error(status, &resp, 400, "ValidationError");
        assert_eq!(detail_paths(&resp), vec![field.to_string()], "{resp}");
    }
}

async fn missing_or_wrong_content_type_is_415(db: Db) {
    let app = spawn(db).await;
    let created = app.create_tenant("Acme", &["4012345"]).await;
    let valid = json!({"api_key": created.api_key, "api_secret": created.api_secret}).to_string();

    let no_type = app.client.post(app.url("/v1/api_auth")).body(valid.clone());
    let text_plain = app
        .client
        .post(app.url("/v1/api_auth"))
        .header("content-type", "text/plain")
        .body(valid.clone());
    let form = app
        .client
        .post(app.url("/v1/api_auth"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(valid);

    for request in [no_type, text_plain, form] {
        let (status, body) = send(request).await;
        assert_error(status, &body, 415, "ValidationError");
        assert!(body.get("token").is_none(), "{body}");
    }
}

async fn json_with_charset_is_accepted(db: Db) {
    let app = spawn(db).await;
    let created = app.create_tenant("Acme", &["4012345"]).await;

    let (status, body) = send(
        app.client
            .post(app.url("/v1/api_auth"))
            .header("content-type", "application/json; charset=utf-8")
            .body(
                json!({"api_key": created.api_key, "api_secret": created.api_secret}).to_string(),
            ),
    )
    .await;

    assert_eq!(status, 200, "{body}");
}

async fn malformed_json_is_400(db: Db) {
    let app = spawn(db).await;

    for raw in [
        r#"{"api_key": "abc", "api_secret": "#,
        "not json",
        "",
        "[1, 2]",
    ] {
        let (status, body) = send(
            app.client
                .post(app.url("/v1/api_auth"))
                .header("content-type", "application/json")
                .body(raw),
        )
        .await;

        assert_error(status, &body, 400, "ValidationError");
    }
}

async fn too_many_attempts_are_rate_limited_with_retry_after(db: Db) {
    // Arrange
    let app = spawn_with(db, |s| s.auth_rate_per_minute = 3).await;
    let created = app.create_tenant("Acme", &["4012345"]).await;
    for _ in 0..3 {
        let resp = app.auth(&created.api_key, "wrong-secret-guess").await;
        assert_eq!(resp.status(), 401);
    }

    // Act: the fourth attempt in the minute, even with the right secret
    let resp = app.auth(&created.api_key, &created.api_secret).await;

    // Assert
    assert_eq!(resp.status(), 429);
    let retry_after: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After is a number of seconds");
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    let body: Value = resp.json().await.unwrap();
    assert_error(429, &body, 429, "RateLimitError");
    assert!(body.get("token").is_none(), "{body}");
}

async fn revoked_key_cannot_authenticate(db: Db) {
    // Arrange
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (status, key) = app
        .post(
            "/v1/tenant/api_keys",
            &acme.token,
            &json!({"name": "line", "roles": ["shopfloor"], "api_secret": "line-secret-0001"}),
        )
        .await;
    assert_eq!(status, 201, "{key}");
    let api_key = key["api_key"].as_str().unwrap();
    assert_eq!(app.auth(api_key, "line-secret-0001").await.status(), 200);
    let (status, _) = app
        .delete(
            &format!("/v1/tenant/api_keys/{}", key["id"].as_str().unwrap()),
            &acme.token,
        )
        .await;
    assert_eq!(status, 200);

    // Act
    let resp = app.auth(api_key, "line-secret-0001").await;

    // Assert
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    assert_error(status, &body, 401, "AuthenticationError");
}

async fn oversized_credentials_are_refused_before_any_work(db: Db) {
    let app = spawn(db).await;
    let created = app.create_tenant("Acme", &["4012345"]).await;
    let padding = "x".repeat(8 * 1024);

    let (status, body) = send(app.client.post(app.url("/v1/api_auth")).json(
        &json!({"api_key": created.api_key, "api_secret": created.api_secret, "pad": padding}),
    ))
    .await;

    assert_error(status, &body, 413, "PayloadTooLargeError");
}

db_tests!(
    oversized_credentials_are_refused_before_any_work,
    valid_credentials_get_a_24h_token,
    configured_token_lifetime_is_reported,
    wrong_secret_and_unknown_key_get_the_same_401,
    missing_field_is_a_validation_error_naming_it,
    missing_or_wrong_content_type_is_415,
    json_with_charset_is_accepted,
    malformed_json_is_400,
    too_many_attempts_are_rate_limited_with_retry_after,
    revoked_key_cannot_authenticate,
);
