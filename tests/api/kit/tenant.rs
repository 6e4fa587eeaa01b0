//! Tenants with tokens: creating them, authenticating, keys with chosen roles, channels.

use reqwest::Response;
use serde_json::{json, Value};

use super::app::{create_tenant_in, CreatedTenant, TestApp};
use super::store;

/// The company prefix of the first tenant a test does not give one (prefixes are unique across
/// tenants: each further such tenant gets one of its own, see [`TestApp::default_gcp`]).
pub const DEFAULT_GCP: &str = "4012345";

/// A tenant with its first (all-roles) key and a dynamic token for it.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: String,
    pub api_key: String,
    pub api_secret: String,
    pub token: String,
}

/// An API key a person signs in with: its id, its public key and the secret the test chose.
#[derive(Debug, Clone)]
pub struct Creds {
    pub id: String,
    pub api_key: String,
    pub api_secret: String,
}

impl TestApp {
    /// Creates a tenant directly in the database, as `serialhub tenant create` does.
    pub async fn create_tenant(&self, name: &str, gcps: &[&str]) -> CreatedTenant {
        create_tenant_in(&self.db.url, name, gcps).await
    }

    /// `POST /v1/api_auth` with these credentials; the raw response.
    pub async fn auth(&self, api_key: &str, api_secret: &str) -> Response {
        self.client
            .post(self.url("/v1/api_auth"))
            .json(&json!({"api_key": api_key, "api_secret": api_secret}))
            .send()
            .await
            .unwrap()
    }

    /// A dynamic token for these credentials; asserts that authentication succeeds.
    pub async fn token_for(&self, api_key: &str, api_secret: &str) -> String {
        let resp = self.auth(api_key, api_secret).await;
        assert_eq!(resp.status(), 200, "api_auth should succeed");
        resp.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// A tenant of company prefix [`TestApp::default_gcp`], with a token.
    pub async fn tenant(&self, name: &str) -> Tenant {
        let gcp = self.default_gcp();
        self.tenant_with_gcp(name, &[&gcp]).await
    }

    /// [`DEFAULT_GCP`] while no tenant holds it, else a prefix no tenant holds (`40990NN`, which
    /// neither extends nor is extended by any prefix the tests name).
    pub fn default_gcp(&self) -> String {
        if store::prefix_holder(&self.db, DEFAULT_GCP).is_none() {
            return DEFAULT_GCP.to_string();
        }
        (store::tenant_count(&self.db)..)
            .map(|n| format!("40990{:02}", n % 100))
            .find(|p| store::prefix_holder(&self.db, p).is_none())
            .expect("a free prefix")
    }

    /// A tenant of the given company prefixes, with a token.
    pub async fn tenant_with_gcp(&self, name: &str, gcps: &[&str]) -> Tenant {
        let created = self.create_tenant(name, gcps).await;
        let token = self.token_for(&created.api_key, &created.api_secret).await;
        Tenant {
            id: created.tenant_id,
            api_key: created.api_key,
            api_secret: created.api_secret,
            token,
        }
    }

    /// Creates an API key with the given roles and returns (key id, token for it).
    pub async fn key_with_roles(&self, admin_token: &str, roles: &[&str]) -> (String, String) {
        let (status, body) = self
            .post(
                "/v1/tenant/api_keys",
                admin_token,
                &json!({"name": "k", "roles": roles}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let token = self
            .token_for(
                body["api_key"].as_str().unwrap(),
                body["api_secret"].as_str().unwrap(),
            )
            .await;
        (body["id"].as_str().unwrap().to_string(), token)
    }

    /// Creates an API key named `name` with `roles` and a secret of the test's own choosing.
    pub async fn key_creds(&self, admin_token: &str, name: &str, roles: &[&str]) -> Creds {
        let api_secret = format!("test-secret-{}", uuid::Uuid::new_v4().simple());
        let (status, body) = self
            .post(
                "/v1/tenant/api_keys",
                admin_token,
                &json!({"name": name, "roles": roles, "api_secret": api_secret}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        Creds {
            id: body["id"].as_str().unwrap().to_string(),
            api_key: body["api_key"].as_str().unwrap().to_string(),
            api_secret,
        }
    }

    /// Creates an enabled shopfloor channel of `source` and returns (its id, its key).
    pub async fn channel(&self, admin_token: &str, source: &str) -> (String, String) {
        let (status, body) = self
            .post(
                "/v1/tenant/channels",
                admin_token,
                &json!({"name": "line 1", "type": "shopfloor", "source": source}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        (
            body["id"].as_str().unwrap().to_string(),
            body["channel_key"].as_str().unwrap().to_string(),
        )
    }
}
