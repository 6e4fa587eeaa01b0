#![allow(dead_code)] // Not every test module uses every helper.
//! Test harness: every test starts the real application on port 0 with its own fresh database —
//! a temporary SQLite file, or a fresh PostgreSQL database when `SERIALHUB_TEST_POSTGRES_URL` is
//! set. With `SERIALHUB_TEST_REQUIRE_POSTGRES=1` (as in CI) a missing PostgreSQL fails the tests
//! instead of skipping them.

use std::path::PathBuf;

use diesel::connection::SimpleConnection;
use diesel::Connection;
use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::{json, Value};
use serialhub::admin::{self, CreatedTenant};
use serialhub::config::Settings;
use serialhub::db::DbConn;
use serialhub::startup::Application;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn name(db: Db)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! db_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Db::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if $crate::helpers::postgres_enabled() {
                        super::$name($crate::helpers::Db::Postgres).await
                    }
                }
            )*
        }
    };
}

/// Whether PostgreSQL tests run; panics when they are required but not configured.
pub fn postgres_enabled() -> bool {
    if std::env::var("SERIALHUB_TEST_POSTGRES_URL").is_ok_and(|v| !v.is_empty()) {
        return true;
    }
    if std::env::var("SERIALHUB_TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
        panic!("SERIALHUB_TEST_REQUIRE_POSTGRES=1 but SERIALHUB_TEST_POSTGRES_URL is not set");
    }
    eprintln!("skipping PostgreSQL variant: SERIALHUB_TEST_POSTGRES_URL is not set");
    false
}

/// A fresh, empty database; removed again when dropped.
pub struct TestDb {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    PgDatabase { admin_url: String, name: String },
}

impl TestDb {
    pub fn fresh(db: Db) -> TestDb {
        match db {
            Db::Sqlite => {
                let path = std::env::temp_dir()
                    .join(format!("serialhub-test-{}.db", uuid::Uuid::new_v4()));
                TestDb {
                    url: format!("sqlite://{}", path.display()),
                    cleanup: Cleanup::File(path),
                }
            }
            Db::Postgres => {
                let admin_url = std::env::var("SERIALHUB_TEST_POSTGRES_URL").expect("postgres url");
                let name = format!("serialhub_t_{}", uuid::Uuid::new_v4().simple());
                let mut conn = diesel::PgConnection::establish(&admin_url).unwrap_or_else(|e| {
                    panic!("PostgreSQL at SERIALHUB_TEST_POSTGRES_URL unreachable: {e}")
                });
                conn.batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create test database");
                let mut url = url::Url::parse(&admin_url).expect("valid postgres url");
                url.set_path(&name);
                TestDb {
                    url: url.to_string(),
                    cleanup: Cleanup::PgDatabase { admin_url, name },
                }
            }
        }
    }

    /// A direct connection (migrations applied), for arranging and for asserting what was stored.
    pub fn conn(&self) -> DbConn {
        admin::connect(&self.url).expect("test database connection")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::PgDatabase { admin_url, name } => {
                if let Ok(mut conn) = diesel::PgConnection::establish(admin_url) {
                    let _ =
                        conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub db: TestDb,
    pub settings: Settings,
}

/// Settings for tests: port 0, one worker, a small pool.
pub fn test_settings(url: &str) -> Settings {
    Settings {
        bind: "127.0.0.1:0".into(),
        database_url: url.into(),
        pool_size: 4,
        workers: Some(1),
        auth_rate_per_minute: 10_000,
        ..Settings::default()
    }
}

pub async fn spawn(db: Db) -> TestApp {
    spawn_with(db, |_| {}).await
}

pub async fn spawn_with(db: Db, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let test_db = TestDb::fresh(db);
    let mut settings = test_settings(&test_db.url);
    tweak(&mut settings);
    spawn_on(test_db, settings).await
}

/// Starts the application on an existing database (e.g. a second instance or a restart).
pub async fn spawn_on(db: TestDb, settings: Settings) -> TestApp {
    let address = start(settings.clone()).await;
    TestApp {
        address,
        client: Client::new(),
        db,
        settings,
    }
}

/// Starts one application instance and returns its base address. The caller keeps the database
/// alive (see [`spawn_on`] for an instance that owns it).
pub async fn start(settings: Settings) -> String {
    let app = Application::build(settings)
        .await
        .expect("application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    address
}

/// A tenant with its first (all-roles) key and a dynamic token for it.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: String,
    pub api_key: String,
    pub api_secret: String,
    pub token: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Creates a tenant directly in the database, as `serialhub tenant create` does.
    pub async fn create_tenant(&self, name: &str, gcps: &[&str]) -> CreatedTenant {
        let url = self.db.url.clone();
        let name = name.to_string();
        let gcps: Vec<String> = gcps.iter().map(|s| s.to_string()).collect();
        tokio::task::spawn_blocking(move || {
            let mut conn = admin::connect(&url).expect("connect");
            admin::create_tenant(&mut conn, &name, &gcps, None).expect("tenant created")
        })
        .await
        .unwrap()
    }

    pub async fn auth(&self, api_key: &str, api_secret: &str) -> Response {
        self.client
            .post(self.url("/v1/api_auth"))
            .json(&json!({"api_key": api_key, "api_secret": api_secret}))
            .send()
            .await
            .unwrap()
    }

    pub async fn token_for(&self, api_key: &str, api_secret: &str) -> String {
        let resp = self.auth(api_key, api_secret).await;
        assert_eq!(resp.status(), 200, "api_auth should succeed");
        resp.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn tenant(&self, name: &str) -> Tenant {
        self.tenant_with_gcp(name, &["4012345"]).await
    }

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

    /// A request with the token in `x-access-token`.
    pub fn req(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .header("x-access-token", token)
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        send(self.req(Method::GET, path, token)).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        send(self.req(Method::POST, path, token).json(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        send(self.req(Method::PATCH, path, token).json(body)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> (u16, Value) {
        send(self.req(Method::DELETE, path, token)).await
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

    /// Channels stored for a tenant, counted straight in the database.
    pub fn channel_count(&self, tenant_id: &str) -> i64 {
        use diesel::prelude::*;
        use serialhub::db::schema::channels;
        channels::table
            .filter(channels::tenant_id.eq(tenant_id))
            .count()
            .get_result(&mut self.db.conn())
            .expect("count channels")
    }

    /// API keys stored for a tenant (revoked ones included), counted straight in the database.
    pub fn api_key_count(&self, tenant_id: &str) -> i64 {
        use diesel::prelude::*;
        use serialhub::db::schema::api_keys;
        api_keys::table
            .filter(api_keys::tenant_id.eq(tenant_id))
            .count()
            .get_result(&mut self.db.conn())
            .expect("count api keys")
    }

    /// Creates an enabled channel and returns (its id, its key).
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

/// Sends and returns (status, raw body text), for byte-for-byte comparisons and leak scans.
pub async fn send_text(rb: RequestBuilder) -> (u16, String) {
    let resp = rb.send().await.expect("request sent");
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap_or_default())
}

/// The `path` of every entry of an error body's `details`.
pub fn detail_paths(body: &Value) -> Vec<String> {
    body["details"]
        .as_array()
        .map(|ds| {
            ds.iter()
                .filter_map(|d| d["path"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Sends and returns (status, JSON body or Null).
pub async fn send(rb: RequestBuilder) -> (u16, Value) {
    let resp = rb.send().await.expect("request sent");
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Asserts the error envelope: status, type, `success: false`, a message.
#[track_caller]
pub fn assert_error(status: u16, body: &Value, want_status: u16, want_type: &str) {
    assert_eq!(status, want_status, "unexpected status; body: {body}");
    assert_eq!(body["success"], json!(false), "{body}");
    assert_eq!(body["error"], json!(want_type), "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(body["details"].is_array(), "{body}");
}
