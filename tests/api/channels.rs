//! Channels: the dashboard endpoints and the `x-channel-key` guard of the Manufacturer V2 scope.

use reqwest::Method;
use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::{assert_error, detail_paths, send, send_text, spawn, store, Db, TestApp};

const MV2: &str = "manufacturer_v2_api";
/// Any path in the Manufacturer V2 scope; its endpoints arrive in later issues.
const MV2_PATH: &str = "/v1/manufacturer/v2/api/aggregate/container";

/// A Manufacturer V2 request with the given token and channel key (each optional).
async fn mv2(app: &TestApp, token: Option<&str>, channel_key: Option<&str>) -> (u16, Value) {
    let mut rb = app
        .client
        .post(app.url(MV2_PATH))
        .json(&json!({"parent": "140123450000000015"}));
    if let Some(t) = token {
        rb = rb.header("x-access-token", t);
    }
    if let Some(k) = channel_key {
        rb = rb.header("x-channel-key", k);
    }
    send(rb).await
}

/// The guard let the request through to the handler (or the scope's 404): what is left is the
/// handler's own answer to an incomplete body, never an authentication or channel refusal.
#[track_caller]
fn assert_passed_guard(status: u16, body: &Value) {
    assert!(
        status != 401 && status != 403,
        "guard refused: {status} {body}"
    );
    if status == 200 {
        assert_eq!(body["success"], json!(true), "{body}");
        return;
    }
    let kind = body["error"].as_str().unwrap_or_default();
    assert!(
        ["NotFoundError", "ValidationError"].contains(&kind),
        "unexpected answer past the guard: {status} {body}"
    );
}

#[track_caller]
fn assert_channel_error(status: u16, body: &Value) {
    assert_error(status, body, 403, "ChannelError");
}

async fn channel_is_created_listed_and_patched(db: Db) {
    // Arrange
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;

    // Act: create
    let (status, created) = app
        .post(
            "/v1/tenant/channels",
            &acme.token,
            &json!({"name": "Line 1", "type": "shopfloor", "source": MV2}),
        )
        .await;

    // Assert
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["success"], json!(true));
    assert_eq!(created["name"], json!("Line 1"));
    assert_eq!(created["type"], json!("shopfloor"));
    assert_eq!(created["source"], json!(MV2));
    assert_eq!(created["enabled"], json!(true));
    let id = created["id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok());
    assert!(
        created["channel_key"]
            .as_str()
            .is_some_and(|k| k.len() >= 20),
        "{created}"
    );

    let (status, list) = app.get("/v1/tenant/channels", &acme.token).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["id"], json!(id));
    assert_eq!(list["items"][0]["channel_key"], created["channel_key"]);

    // Act: disable
    let (status, patched) = app
        .patch(
            &format!("/v1/tenant/channels/{id}"),
            &acme.token,
            &json!({"enabled": false}),
        )
        .await;

    // Assert
    assert_eq!(status, 200, "{patched}");
    assert_eq!(
        (patched["id"].clone(), patched["enabled"].clone()),
        (json!(id), json!(false))
    );
    let (_, list) = app.get("/v1/tenant/channels", &acme.token).await;
    assert_eq!(list["items"][0]["enabled"], json!(false));
}

async fn channel_list_shows_only_own_channels(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let globex = app.tenant("Globex").await;
    let (_, acme_key) = app.channel(&acme.token, MV2).await;
    app.channel(&globex.token, MV2).await;

    let (_, raw) = send_text(app.req(Method::GET, "/v1/tenant/channels", &globex.token)).await;

    let list: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{raw}");
    assert!(
        !raw.contains(&acme_key),
        "another tenant's channel key leaked: {raw}"
    );
}

async fn valid_channel_passes_the_guard(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (_, key) = app.channel(&acme.token, MV2).await;

    let (status, body) = mv2(&app, Some(&acme.token), Some(&key)).await;
    assert_passed_guard(status, &body);

    for (method, path) in [
        (Method::GET, "/v1/manufacturer/v2/api/packaging_order/open"),
        (
            Method::DELETE,
            "/v1/manufacturer/v2/api/aggregate/container",
        ),
        (Method::GET, "/v1/manufacturer/v2/api"),
    ] {
        let rb = app
            .req(method, path, &acme.token)
            .header("x-channel-key", &key);
        let (status, body) = send(rb).await;
        assert_passed_guard(status, &body);
    }
}

async fn missing_channel_key_is_refused(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    app.channel(&acme.token, MV2).await;

    let (status, body) = mv2(&app, Some(&acme.token), None).await;
    assert_channel_error(status, &body);
    let (status, body) = mv2(&app, Some(&acme.token), Some("")).await;
    assert_channel_error(status, &body);
    let (status, body) = send(app.req(
        Method::GET,
        "/v1/manufacturer/v2/api/packaging_order/open",
        &acme.token,
    ))
    .await;
    assert_channel_error(status, &body);
}

async fn unknown_channel_key_is_refused(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    app.channel(&acme.token, MV2).await;

    let (status, body) = mv2(&app, Some(&acme.token), Some("no-such-channel-key")).await;

    assert_channel_error(status, &body);
}

async fn disabled_channel_is_refused_until_re_enabled(db: Db) {
    // Arrange
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (id, key) = app.channel(&acme.token, MV2).await;
    let path = format!("/v1/tenant/channels/{id}");

    // Act + Assert: disabled
    let (status, _) = app
        .patch(&path, &acme.token, &json!({"enabled": false}))
        .await;
    assert_eq!(status, 200);
    let (status, body) = mv2(&app, Some(&acme.token), Some(&key)).await;
    assert_channel_error(status, &body);

    // Act + Assert: enabled again
    let (status, _) = app
        .patch(&path, &acme.token, &json!({"enabled": true}))
        .await;
    assert_eq!(status, 200);
    let (status, body) = mv2(&app, Some(&acme.token), Some(&key)).await;
    assert_passed_guard(status, &body);
}

async fn other_tenants_channel_is_refused_like_an_unknown_one(db: Db) {
    // Arrange
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let globex = app.tenant("Globex").await;
    let (_, globex_key) = app.channel(&globex.token, MV2).await;
    app.channel(&acme.token, MV2).await;

    // Act
    let (status, body) = mv2(&app, Some(&acme.token), Some(&globex_key)).await;

    // Assert
    assert_channel_error(status, &body);
    let (_, unknown) = mv2(&app, Some(&acme.token), Some("no-such-channel-key")).await;
    assert_eq!(body, unknown, "no oracle for other tenants' channel keys");
    let (status, body) = mv2(&app, Some(&globex.token), Some(&globex_key)).await;
    assert_passed_guard(status, &body);
}

async fn channel_of_wrong_source_is_refused(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (_, manual_key) = app.channel(&acme.token, "manual").await;

    let (status, body) = mv2(&app, Some(&acme.token), Some(&manual_key)).await;

    assert_channel_error(status, &body);
}

async fn token_is_checked_before_the_channel(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (_, key) = app.channel(&acme.token, MV2).await;

    let (status, body) = mv2(&app, None, Some(&key)).await;
    assert_error(status, &body, 401, "NoTokenError");
    let (status, body) = mv2(&app, Some("garbage"), Some(&key)).await;
    assert_error(status, &body, 401, "InvalidTokenError");
    let (status, body) = mv2(&app, None, None).await;
    assert_error(status, &body, 401, "NoTokenError");
}

async fn patching_another_tenants_channel_is_not_found(db: Db) {
    // Arrange
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let globex = app.tenant("Globex").await;
    let (acme_channel, acme_key) = app.channel(&acme.token, MV2).await;

    // Act
    let (status, body) = app
        .patch(
            &format!("/v1/tenant/channels/{acme_channel}"),
            &globex.token,
            &json!({"enabled": false}),
        )
        .await;

    // Assert: answered like a missing channel, and Acme's channel is untouched
    assert_error(status, &body, 404, "NotFoundError");
    let (_, missing) = app
        .patch(
            &format!("/v1/tenant/channels/{}", uuid::Uuid::new_v4()),
            &globex.token,
            &json!({"enabled": false}),
        )
        .await;
    assert_eq!(body, missing);
    let (_, list) = app.get("/v1/tenant/channels", &acme.token).await;
    assert_eq!(list["items"][0]["enabled"], json!(true));
    let (status, body) = mv2(&app, Some(&acme.token), Some(&acme_key)).await;
    assert_passed_guard(status, &body);
}

async fn invalid_type_or_source_is_refused_naming_the_field(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;

    for (body, want) in [
        (
            json!({"name": "L1", "type": "robot", "source": MV2}),
            vec!["type"],
        ),
        (
            json!({"name": "L1", "type": "shopfloor", "source": "ftp"}),
            vec!["source"],
        ),
        (
            json!({"name": "", "type": "robot", "source": "ftp"}),
            vec!["name", "source", "type"],
        ),
        (json!({"name": "L1", "source": MV2}), vec!["type"]),
    ] {
        // Act
        let (status, resp) = app.post("/v1/tenant/channels", &acme.token, &body).await;

        // Assert
        assert_error(status, &resp, 400, "ValidationError");
        let mut paths = detail_paths(&resp);
        paths.sort();
        assert_eq!(paths, want, "{resp}");
    }
    assert_eq!(
        store::channel_count(&app.db, &acme.id),
        0,
        "nothing written"
    );
}

db_tests!(
    channel_is_created_listed_and_patched,
    channel_list_shows_only_own_channels,
    valid_channel_passes_the_guard,
    missing_channel_key_is_refused,
    unknown_channel_key_is_refused,
    disabled_channel_is_refused_until_re_enabled,
    other_tenants_channel_is_refused_like_an_unknown_one,
    channel_of_wrong_source_is_refused,
    token_is_checked_before_the_channel,
    patching_another_tenants_channel_is_not_found,
    invalid_type_or_source_is_refused_naming_the_field,
);
