//! Tokens on protected endpoints: the attacks of the foundation issue (no token, garbage, `alg: none`,
//! tampering, foreign keys, expiry) and the lifecycle (revocation, static tokens, restarts).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::app::{create_tenant_in, spawn_on, start, test_settings, TestDb};
use crate::kit::{assert_error, send, spawn, store, Db, TestApp};

/// The signing key the app created on first start: (kid, secret).
fn signing_key(app: &TestApp) -> (String, Vec<u8>) {
    let keys = store::signing_keys(&app.db);
    assert_eq!(keys.len(), 1, "one signing key after first start");
    keys.into_iter().next().unwrap()
}

fn forge(kid: &str, secret: &[u8], claims: &Value) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.to_string());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap()
}

fn segment(token: &str, i: usize) -> Value {
    let part = token.split('.').nth(i).expect("JWT segment");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON segment")
}

fn encode_segment(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[track_caller]
fn assert_invalid_token(status: u16, body: &Value) {
    assert_error(status, body, 401, "InvalidTokenError");
}

async fn no_token_is_401_no_token_error(db: Db) {
    let app = spawn(db).await;

    let (status, body) = send(app.client.get(app.url("/v1/tenant"))).await;

    assert_error(status, &body, 401, "NoTokenError");
}

async fn garbage_token_is_invalid(db: Db) {
    let app = spawn(db).await;

    for garbage in ["garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9..", "...."] {
        let (status, body) = app.get("/v1/tenant", garbage).await;
        assert_invalid_token(status, &body);
    }
    let (status, body) = send(
        app.client
            .get(app.url("/v1/tenant"))
            .header("authorization", "Bearer not-a-jwt"),
    )
    .await;
    assert_invalid_token(status, &body);
}

async fn alg_none_token_is_refused(db: Db) {
    // Arrange: a real token's claims under an unsigned header with the real kid
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (kid, _) = signing_key(&app);
    let claims = segment(&acme.token, 1);
    let signature = acme.token.split('.').nth(2).unwrap();

    for alg in ["none", "None", "NONE"] {
        let header = json!({"alg": alg, "typ": "JWT", "kid": kid});
        let unsigned = format!("{}.{}.", encode_segment(&header), encode_segment(&claims));
        let with_old_signature = format!(
            "{}.{}.{}",
            encode_segment(&header),
            encode_segment(&claims),
            signature
        );

        for token in [unsigned, with_old_signature] {
            // Act
            let (status, body) = app.get("/v1/tenant", &token).await;
            // Assert
            assert_invalid_token(status, &body);
        }
    }
}

async fn other_algorithm_is_refused(db: Db) {
    // HS384/HS512 with the real secret: the algorithm is pinned, not taken from the header.
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (kid, secret) = signing_key(&app);
    let claims = segment(&acme.token, 1);

    for alg in [Algorithm::HS384, Algorithm::HS512] {
        let mut header = Header::new(alg);
        header.kid = Some(kid.clone());
        let token =
            jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&secret)).unwrap();

        let (status, body) = app.get("/v1/tenant", &token).await;

        assert_invalid_token(status, &body);
    }
}

async fn tampered_payload_is_refused(db: Db) {
    // Arrange: Acme's token with Globex's tenant / key swapped in, Acme's signature kept
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let globex = app.tenant("Globex").await;
    let globex_claims = segment(&globex.token, 1);
    let [header, _, signature]: [&str; 3] = acme
        .token
        .split('.')
        .collect::<Vec<_>>()
        .try_into()
        .unwrap();
    let mut swapped_tid = segment(&acme.token, 1);
    swapped_tid["tid"] = globex_claims["tid"].clone();
    let mut swapped_sub = segment(&acme.token, 1);
    swapped_sub["sub"] = globex_claims["sub"].clone();
    let mut later_exp = segment(&acme.token, 1);
    later_exp["exp"] = json!(now() + 10 * 365 * 86_400);

    for claims in [swapped_tid, swapped_sub, later_exp] {
        let token = format!("{header}.{}.{signature}", encode_segment(&claims));

        // Act
        let (status, body) = app.get("/v1/tenant", &token).await;

        // Assert
        assert_invalid_token(status, &body);
    }
    let (status, body) = app.get("/v1/tenant", &acme.token).await;
    assert_eq!(
        (status, body["id"].clone()),
        (200, json!(acme.id)),
        "the original still works"
    );
}

async fn token_signed_with_another_secret_is_refused(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (kid, _) = signing_key(&app);
    let claims = segment(&acme.token, 1);

    let token = forge(&kid, b"an attacker's secret of 32 bytes", &claims);
    let (status, body) = app.get("/v1/tenant", &token).await;

    assert_invalid_token(status, &body);
}

async fn token_with_unknown_kid_is_refused(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (_, secret) = signing_key(&app);
    let claims = segment(&acme.token, 1);

    // Even signed with the real secret, a kid the service does not know is refused; so is none.
    let unknown_kid = forge(&uuid::Uuid::new_v4().to_string(), &secret, &claims);
    let no_kid = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(&secret),
    )
    .unwrap();

    for token in [unknown_kid, no_kid] {
        let (status, body) = app.get("/v1/tenant", &token).await;
        assert_invalid_token(status, &body);
    }
}

async fn expired_token_is_refused(db: Db) {
    // Arrange: tokens forged with the real signing key, identical but for `exp`
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (kid, secret) = signing_key(&app);
    let mut claims = segment(&acme.token, 1);
    claims["iat"] = json!(now() - 2 * 86_400);
    claims["exp"] = json!(now() + 3600);
    let fresh = forge(&kid, &secret, &claims);
    claims["exp"] = json!(now() - 60);
    let expired = forge(&kid, &secret, &claims);
    let (status, _) = app.get("/v1/tenant", &fresh).await;
    assert_eq!(status, 200, "control: the forgery is otherwise valid");

    // Act
    let (status, body) = app.get("/v1/tenant", &expired).await;

    // Assert
    assert_invalid_token(status, &body);
}

async fn dynamic_token_without_expiry_is_refused(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (kid, secret) = signing_key(&app);
    let mut claims = segment(&acme.token, 1);
    claims.as_object_mut().unwrap().remove("exp");

    let (status, body) = app.get("/v1/tenant", &forge(&kid, &secret, &claims)).await;

    assert_invalid_token(status, &body);
}

async fn bearer_header_works_like_x_access_token(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;

    for value in [
        format!("Bearer {}", acme.token),
        format!("bearer {}", acme.token),
    ] {
        let (status, body) = send(
            app.client
                .get(app.url("/v1/tenant"))
                .header("authorization", value),
        )
        .await;
        assert_eq!(
            (status, body["id"].clone()),
            (200, json!(acme.id)),
            "{body}"
        );
    }
    let (status, body) = send(
        app.client
            .get(app.url("/v1/tenant"))
            .header("authorization", format!("Basic {}", acme.token)),
    )
    .await;
    assert_eq!(
        status, 401,
        "only the Bearer scheme carries a token: {body}"
    );
}

async fn revoking_a_key_kills_its_dynamic_and_static_tokens(db: Db) {
    // Arrange: a second admin key with a dynamic and a static token, both working
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (key_id, dynamic) = app.key_with_roles(&acme.token, &["admin"]).await;
    let (status, body) = app
        .post(
            &format!("/v1/tenant/api_keys/{key_id}/static_token"),
            &acme.token,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let static_token = body["token"].as_str().unwrap().to_string();
    assert_eq!(app.get("/v1/tenant", &dynamic).await.0, 200);
    assert_eq!(app.get("/v1/tenant", &static_token).await.0, 200);

    // Act
    let (status, body) = app
        .delete(&format!("/v1/tenant/api_keys/{key_id}"), &acme.token)
        .await;
    assert_eq!(status, 200, "{body}");

    // Assert: both dead at once; the tenant's other key is unaffected
    for token in [&dynamic, &static_token] {
        let (status, body) = app.get("/v1/tenant", token).await;
        assert_invalid_token(status, &body);
    }
    assert_eq!(app.get("/v1/tenant", &acme.token).await.0, 200);
}

async fn regenerated_static_token_replaces_its_predecessor(db: Db) {
    // Arrange
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (key_id, dynamic) = app.key_with_roles(&acme.token, &["admin"]).await;
    let path = format!("/v1/tenant/api_keys/{key_id}/static_token");
    let (_, first) = app.post(&path, &acme.token, &json!({})).await;
    let first = first["token"].as_str().unwrap().to_string();
    assert_eq!(app.get("/v1/tenant", &first).await.0, 200);

    // Act
    let (status, second) = app.post(&path, &acme.token, &json!({})).await;

    // Assert
    assert_eq!(status, 200, "{second}");
    let second = second["token"].as_str().unwrap().to_string();
    assert_ne!(first, second);
    let (status, body) = app.get("/v1/tenant", &first).await;
    assert_invalid_token(status, &body);
    assert_eq!(
        app.get("/v1/tenant", &second).await.0,
        200,
        "the new one works"
    );
    assert_eq!(
        app.get("/v1/tenant", &dynamic).await.0,
        200,
        "dynamic tokens are not touched"
    );
}

async fn static_token_does_not_expire(db: Db) {
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (key_id, _) = app.key_with_roles(&acme.token, &["admin"]).await;

    let (_, body) = app
        .post(
            &format!("/v1/tenant/api_keys/{key_id}/static_token"),
            &acme.token,
            &json!({}),
        )
        .await;

    let claims = segment(body["token"].as_str().unwrap(), 1);
    assert!(
        claims.get("exp").is_none(),
        "static tokens carry no expiry: {claims}"
    );
}

async fn deleted_static_token_stops_working(db: Db) {
    // Arrange
    let app = spawn(db).await;
    let acme = app.tenant("Acme").await;
    let (key_id, dynamic) = app.key_with_roles(&acme.token, &["admin"]).await;
    let path = format!("/v1/tenant/api_keys/{key_id}/static_token");
    let (_, body) = app.post(&path, &acme.token, &json!({})).await;
    let static_token = body["token"].as_str().unwrap().to_string();
    assert_eq!(app.get("/v1/tenant", &static_token).await.0, 200);

    // Act
    let (status, body) = app.delete(&path, &acme.token).await;

    // Assert
    assert_eq!(status, 200, "{body}");
    let (status, body) = app.get("/v1/tenant", &static_token).await;
    assert_invalid_token(status, &body);
    assert_eq!(
        app.get("/v1/tenant", &dynamic).await.0,
        200,
        "the key itself stays valid"
    );
}

async fn tokens_survive_a_restart_and_are_shared_between_instances(db: Db) {
    // Arrange: instance 1 issues a token; the database outlives it
    let test_db = TestDb::fresh(db);
    let settings = test_settings(&test_db.url);
    let first = start(settings.clone()).await;
    let created = create_tenant_in(&test_db.url, "Acme", &["4012345"]).await;
    let client = reqwest::Client::new();
    let resp = client
        .post(format!("{first}/v1/api_auth"))
        .json(&json!({"api_key": created.api_key, "api_secret": created.api_secret}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let from_first: Value = resp.json().await.unwrap();
    let from_first = from_first["token"].as_str().unwrap().to_string();

    // Act: a second instance starts on the same database
    let second = spawn_on(test_db, settings).await;

    // Assert: it accepts instance 1's token, and instance 1 accepts its tokens
    let (status, body) = second.get("/v1/tenant", &from_first).await;
    assert_eq!(
        (status, body["id"].clone()),
        (200, json!(created.tenant_id)),
        "{body}"
    );
    let from_second = second
        .token_for(&created.api_key, &created.api_secret)
        .await;
    let (status, body) = send(
        client
            .get(format!("{first}/v1/tenant"))
            .header("x-access-token", &from_second),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    signing_key(&second); // still exactly one signing key
}

db_tests!(
    no_token_is_401_no_token_error,
    garbage_token_is_invalid,
    alg_none_token_is_refused,
    other_algorithm_is_refused,
    tampered_payload_is_refused,
    token_signed_with_another_secret_is_refused,
    token_with_unknown_kid_is_refused,
    expired_token_is_refused,
    dynamic_token_without_expiry_is_refused,
    bearer_header_works_like_x_access_token,
    revoking_a_key_kills_its_dynamic_and_static_tokens,
    regenerated_static_token_replaces_its_predecessor,
    static_token_does_not_expire,
    deleted_static_token_stops_working,
    tokens_survive_a_restart_and_are_shared_between_instances,
);
