//! Finding 12.3: a request carrying two different tokens was served as the first one found
//! (`x-access-token` of M plus `Authorization: Bearer` of X was M; two `x-access-token` headers
//! took the first). Now two different tokens are 401 `InvalidTokenError`.

use reqwest::Method;
use serde_json::json;

use crate::db_tests;
use crate::kit::{assert_error, send, spawn, Db};

async fn two_different_tokens_in_one_request_are_refused(db: Db) {
    // Arrange: two tenants, each with a valid token
    let app = spawn(db).await;
    let m = app.tenant("M").await;
    let x = app.tenant_with_gcp("X", &["4099999"]).await;
    let get = || app.client.request(Method::GET, app.url("/v1/tenant"));

    // Act + Assert: M's x-access-token with X's bearer, and two x-access-token headers
    let mixed = get()
        .header("x-access-token", &m.token)
        .header("authorization", format!("Bearer {}", x.token));
    let (status, body) = send(mixed).await;
    assert_error(status, &body, 401, "InvalidTokenError");
    let doubled = get()
        .header("x-access-token", &m.token)
        .header("x-access-token", &x.token);
    let (status, body) = send(doubled).await;
    assert_error(status, &body, 401, "InvalidTokenError");
    let two_bearers = get()
        .header("authorization", format!("Bearer {}", m.token))
        .header("authorization", format!("Bearer {}", x.token));
    let (status, body) = send(two_bearers).await;
    assert_error(status, &body, 401, "InvalidTokenError");

    // The Manufacturer V2 guard reads tokens the same way.
    let mv2 = app
        .client
        .post(app.url("/v1/manufacturer/v2/api/serials/commission"))
        .header("x-access-token", &x.token)
        .header("authorization", format!("Bearer {}", m.token))
        .header("x-channel-key", "whatever")
        .json(&json!({}));
    let (status, body) = send(mv2).await;
    assert_error(status, &body, 401, "InvalidTokenError");

    // The same token in both headers is one credential, and serves its tenant.
    let same = get()
        .header("x-access-token", &m.token)
        .header("authorization", format!("Bearer {}", m.token));
    let (status, body) = send(same).await;
    assert_eq!((status, body["id"].clone()), (200, json!(m.id)), "{body}");
}

db_tests!(two_different_tokens_in_one_request_are_refused);
