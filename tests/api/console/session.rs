//! The console's session in a real browser: signing in with the keyboard alone, the token kept in
//! the tab only (never in the URL, a cookie or localStorage), and any token the API refuses —
//! revoked, expired by the server, expired by the clock — sending the reader back to sign-in with
//! a message.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use fantoccini::key::Key;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use super::{world, MAH_NAME};
use crate::db_tests;
use crate::kit::browser::{Browser, Role};
use crate::kit::{store, Db, TestApp};

const SESSION: &str = "serialhub.console.session";

/// The stored session of the tab.
async fn stored(b: &Browser) -> Value {
    let raw = b
        .js(&format!(
            "return window.sessionStorage.getItem('{SESSION}')"
        ))
        .await;
    serde_json::from_str(raw.as_str().expect("a stored session")).unwrap()
}

async fn store(b: &Browser, session: &Value) {
    b.client
        .execute(
            &format!("window.sessionStorage.setItem('{SESSION}', arguments[0])"),
            vec![json!(session.to_string())],
        )
        .await
        .unwrap();
}

/// A token like `token` but expired a minute ago, signed with the application's own key.
fn expired_copy(app: &TestApp, token: &str) -> String {
    let (kid, secret) = store::signing_keys(&app.db)
        .into_iter()
        .next()
        .expect("the application's signing key");
    let payload = token.split('.').nth(1).unwrap();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    let now = chrono::Utc::now().timestamp();
    claims["iat"] = json!(now - 3600);
    claims["exp"] = json!(now - 60);
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid);
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&secret)).unwrap()
}

async fn refused_tokens_return_to_sign_in_with_a_message(db: Db) {
    let w = world(db).await;
    let Some(b) = Browser::open(&w.app, db).await else {
        return;
    };
    let overview = format!("Overview: {MAH_NAME}");

    // Signing in with the keyboard alone: the key field has the focus, Tab, Enter.
    b.visit("/overview").await;
    b.wait_page("Sign in to serialhub").await;
    let tab = char::from(Key::Tab);
    let enter = char::from(Key::Enter);
    let focused = b.client.active_element().await.unwrap();
    assert_eq!(
        focused.attr("name").await.unwrap().as_deref(),
        Some("api_key")
    );
    focused
        .send_keys(&format!("{}{tab}", w.mah_key.api_key))
        .await
        .unwrap();
    let focused = b.client.active_element().await.unwrap();
    assert_eq!(
        focused.attr("name").await.unwrap().as_deref(),
        Some("api_secret")
    );
    focused
        .send_keys(&format!("{}{enter}", w.mah_key.api_secret))
        .await
        .unwrap();
    b.wait_page(&overview).await;

    // The token is in this tab's sessionStorage only.
    let s = stored(&b).await;
    let token = s["token"].as_str().unwrap().to_string();
    assert_eq!(s["roles"], json!(["admin", "release", "audit"]));
    let url = b.client.current_url().await.unwrap().to_string();
    assert!(!url.contains(&token), "the token is in the URL {url}");
    assert_eq!(b.js("return document.cookie").await, json!(""));
    assert_eq!(b.js("return window.localStorage.length").await, json!(0));

    // The server refuses an expired token: back to sign-in, with a message.
    let mut tampered = s.clone();
    tampered["token"] = json!(expired_copy(&w.app, &token));
    store(&b, &tampered).await;
    b.click(Role::Link, "Audit").await;
    b.wait_page("Sign in to serialhub").await;
    b.wait_text("Your session has ended: the token expired or was revoked. Sign in again.")
        .await;
    b.screenshot("session-ended").await;
    assert_eq!(b.js("return window.sessionStorage.length").await, json!(0));

    // The key is revoked elsewhere: the next call sends the reader back.
    let doomed = w
        .app
        .key_creds(w.mah.token(), "temporary", &["audit"])
        .await;
    b.sign_in(&doomed.api_key, &doomed.api_secret, &overview)
        .await;
    let (status, body) = w
        .app
        .delete(&format!("/v1/tenant/api_keys/{}", doomed.id), w.mah.token())
        .await;
    assert_eq!(status, 200, "{body}");
    b.click(Role::Link, "Release").await;
    b.wait_page("Sign in to serialhub").await;
    b.wait_text("Your session has ended: the token expired or was revoked.")
        .await;

    // The token's lifetime runs out by the clock: the console notices before asking the server.
    b.sign_in(&w.mah_key.api_key, &w.mah_key.api_secret, &overview)
        .await;
    let mut s = stored(&b).await;
    let now_ms = b.js("return Date.now()").await.as_f64().unwrap();
    s["expiresAt"] = json!(now_ms - 1.0);
    store(&b, &s).await;
    b.click(Role::Link, "Release").await;
    b.wait_page("Sign in to serialhub").await;
    b.wait_text("Your session has expired. Sign in again.")
        .await;
    b.finish().await;
}

db_tests!(refused_tokens_return_to_sign_in_with_a_message);
