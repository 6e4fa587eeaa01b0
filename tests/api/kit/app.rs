//! The application under test: a fresh database per test and the real server on port 0.
//!
//! This is the only file that calls serialhub's library: to start the application, to apply the
//! migrations, to create tenants the way `serialhub tenant create` does, and to seed the demo.
//! Everything else in the suite speaks HTTP, runs the binary, or reads the database in raw SQL.

use std::path::PathBuf;

use diesel::connection::SimpleConnection;
use diesel::Connection;
use reqwest::{Client, Method, RequestBuilder};
use serde_json::{json, Value};
use serialhub::config::Settings;
use serialhub::startup::Application;

/// The two databases every `db_tests!` test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// The administrative URL of the PostgreSQL server tests create their databases on.
const POSTGRES_URL: &str = "SERIALHUB_TEST_POSTGRES_URL";

/// Whether PostgreSQL tests run; panics when they are required (`SERIALHUB_TEST_REQUIRE_POSTGRES=1`)
/// but not configured, so a CI run can never pass by skipping them.
pub fn postgres_enabled() -> bool {
    if postgres_admin_url().is_some() {
        return true;
    }
    if std::env::var("SERIALHUB_TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
        panic!("SERIALHUB_TEST_REQUIRE_POSTGRES=1 but {POSTGRES_URL} is not set");
    }
    eprintln!("skipping PostgreSQL variant: {POSTGRES_URL} is not set");
    false
}

fn postgres_admin_url() -> Option<String> {
    std::env::var(POSTGRES_URL).ok().filter(|v| !v.is_empty())
}

/// A fresh, empty database (no tables yet); removed again when dropped.
pub struct TestDb {
    /// The URL serialhub is given (`sqlite://…` or `postgres://…`).
    pub url: String,
    /// Which backend it is.
    pub backend: Db,
    /// The raw connection of [`super::store`], opened on first use.
    pub(crate) store: super::store::Cache,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    PgDatabase {
        admin_url: String,
        name: String,
    },
    /// Someone else's to remove (a throw-away cluster removes itself).
    Nothing,
}

impl TestDb {
    /// A new database on `db`: a temporary SQLite file, or a new PostgreSQL database.
    pub fn fresh(db: Db) -> TestDb {
        match db {
            Db::Sqlite => {
                let path = std::env::temp_dir()
                    .join(format!("serialhub-test-{}.db", uuid::Uuid::new_v4()));
                TestDb {
                    url: format!("sqlite://{}", path.display()),
                    backend: db,
                    store: Default::default(),
                    cleanup: Cleanup::File(path),
                }
            }
            Db::Postgres => {
                let admin_url = postgres_admin_url().expect("PostgreSQL test URL");
                let name = format!("serialhub_t_{}", uuid::Uuid::new_v4().simple());
                let mut conn = diesel::PgConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("PostgreSQL at {POSTGRES_URL} unreachable: {e}"));
                conn.batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create test database");
                let mut url = url::Url::parse(&admin_url).expect("valid postgres url");
                url.set_path(&name);
                TestDb {
                    url: url.to_string(),
                    backend: db,
                    store: Default::default(),
                    cleanup: Cleanup::PgDatabase { admin_url, name },
                }
            }
        }
    }

    /// A database on a server the test runs itself (see [`super::pg_cluster`]); created here,
    /// left to the cluster to remove.
    pub fn on_cluster(admin_url: &str, url: &str, name: &str) -> TestDb {
        let mut conn = diesel::PgConnection::establish(admin_url).expect("cluster answers");
        conn.batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create database");
        TestDb {
            url: url.to_string(),
            backend: Db::Postgres,
            store: Default::default(),
            cleanup: Cleanup::Nothing,
        }
    }

    /// An existing SQLite file (a backup, say), removed with its WAL files when dropped.
    pub fn sqlite_file(path: PathBuf) -> TestDb {
        TestDb {
            url: format!("sqlite://{}", path.display()),
            backend: Db::Sqlite,
            store: Default::default(),
            cleanup: Cleanup::File(path),
        }
    }

    /// Applies serialhub's migrations, as every command and the server do on start.
    pub fn migrate(&self) {
        serialhub::admin::connect(&self.url).expect("migrations apply");
    }

    /// Drops a PostgreSQL database while a service still uses it (the outage of `/readyz`);
    /// returns the database's name.
    pub fn drop_under_the_service(&self) -> String {
        let Cleanup::PgDatabase { admin_url, name } = &self.cleanup else {
            panic!("only a PostgreSQL database can be dropped under the service");
        };
        let mut admin = diesel::PgConnection::establish(admin_url).expect("admin connection");
        admin
            .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .expect("drop the database");
        name.clone()
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
            Cleanup::Nothing => {}
        }
    }
}

/// A running application on its own database.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    pub client: Client,
    pub db: TestDb,
    pub settings: Settings,
}

/// Settings for tests: port 0, one worker, a small pool, no practical rate limit.
pub fn test_settings(url: &str) -> Settings {
    Settings {
        bind: "127.0.0.1:0".into(),
        database_url: url.into(),
        pool_size: 4,
        workers: Some(1),
        auth_rate_per_minute: 10_000,
        auth_failures_per_key_per_minute: 10_000,
        ..Settings::default()
    }
}

/// The application on a fresh database of `db`, with [`test_settings`].
pub async fn spawn(db: Db) -> TestApp {
    spawn_with(db, |_| {}).await
}

/// The same, with some settings changed first (limits, pool size, token lifetime…).
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

/// A tenant as `serialhub tenant create` makes it: its id and first (all-roles) key.
#[derive(Debug, Clone)]
pub struct CreatedTenant {
    pub tenant_id: String,
    pub api_key: String,
    pub api_secret: String,
}

/// Creates a tenant straight in the database behind `url`, as `serialhub tenant create` does.
pub async fn create_tenant_in(url: &str, name: &str, gcps: &[&str]) -> CreatedTenant {
    try_create_tenant_in(url, name, gcps)
        .await
        .unwrap_or_else(|e| panic!("tenant {name} created: {e}"))
}

/// The same, or the refusal's message (e.g. a company prefix another tenant holds).
pub async fn try_create_tenant_in(
    url: &str,
    name: &str,
    gcps: &[&str],
) -> Result<CreatedTenant, String> {
    let url = url.to_string();
    let name = name.to_string();
    let gcps: Vec<String> = gcps.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let mut conn = serialhub::admin::connect(&url).expect("connect");
        let t = serialhub::admin::create_tenant(&mut conn, &name, &gcps, None)
            .map_err(|e| e.to_string())?;
        Ok(CreatedTenant {
            tenant_id: t.tenant_id,
            api_key: t.api_key,
            api_secret: t.api_secret,
        })
    })
    .await
    .unwrap()
}

/// The operator assigns `gtin` to the tenant, as `serialhub product assign` does: whether an
/// assignment was made, or the refusal's message.
pub async fn assign_product_in(url: &str, tenant_id: &str, gtin: &str) -> Result<bool, String> {
    let (url, tenant_id, gtin) = (url.to_string(), tenant_id.to_string(), gtin.to_string());
    tokio::task::spawn_blocking(move || {
        let mut conn = serialhub::admin::connect(&url).expect("connect");
        let tenant = serialhub::ids::TenantId::from_text(&tenant_id);
        serialhub::admin::assign_product(&mut conn, &tenant, &gtin)
            .map(|a| a.assigned)
            .map_err(|e| e.to_string())
    })
    .await
    .unwrap()
}

/// What `serialhub demo` seeds: the demo's own tenants, product, channel, the production of the
/// CMO's line and the SSCC of its walkthrough.
pub struct DemoSeed {
    /// The SSCC its walkthrough aggregates onto.
    pub sscc: String,
    pub mah: CreatedTenant,
    pub cmo: CreatedTenant,
    /// The CMO's tenant id.
    pub cmo_tenant_id: String,
    /// The SSCCs the CMO's line packed before the demo starts, each with its serials.
    pub packed: Vec<(String, Vec<String>)>,
    /// The serials it commissioned and left on no SSCC.
    pub loose: Vec<String>,
    seeded: serialhub::demo::Demo,
}

impl DemoSeed {
    /// The demo's printed curl walkthrough against a server at `base`.
    pub fn walkthrough(&self, base: &str) -> String {
        serialhub::demo::walkthrough(&self.seeded, base)
    }
}

/// Seeds the demo into `db`, as `serialhub demo` does before it prints.
pub async fn seed_demo(db: &TestDb) -> DemoSeed {
    let url = db.url.clone();
    let seeded = tokio::task::spawn_blocking(move || serialhub::demo::seed(&url))
        .await
        .unwrap()
        .expect("demo seeds");
    let created = |t: &serialhub::admin::CreatedTenant| CreatedTenant {
        tenant_id: t.tenant_id.clone(),
        api_key: t.api_key.clone(),
        api_secret: t.api_secret.clone(),
    };
    let texts = |xs: &[serialhub::domain::gs1::SerialNumber]| -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    };
    DemoSeed {
        sscc: seeded.sscc.clone(),
        mah: created(&seeded.mah),
        cmo: created(&seeded.cmo),
        cmo_tenant_id: seeded.cmo.tenant_id.clone(),
        packed: seeded
            .production
            .packed
            .iter()
            .map(|(sscc, serials)| (sscc.to_string(), texts(serials)))
            .collect(),
        loose: texts(&seeded.production.loose),
        seeded,
    }
}

/// The product code `serialhub demo` registers for its MAH.
pub fn demo_product() -> &'static str {
    serialhub::demo::PRODUCT
}

impl TestApp {
    /// The absolute URL of `path` on this instance.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A request with the token in `x-access-token`.
    pub fn req(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .header("x-access-token", token)
    }

    /// `GET` with a token; (status, JSON body).
    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        send(self.req(Method::GET, path, token)).await
    }

    /// `POST` a JSON body with a token; (status, JSON body).
    pub async fn post(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        send(self.req(Method::POST, path, token).json(body)).await
    }

    /// `PATCH` a JSON body with a token; (status, JSON body).
    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        send(self.req(Method::PATCH, path, token).json(body)).await
    }

    /// `DELETE` with a token; (status, JSON body).
    pub async fn delete(&self, path: &str, token: &str) -> (u16, Value) {
        send(self.req(Method::DELETE, path, token)).await
    }
}

/// Sends and returns (status, JSON body or `Null`).
pub async fn send(rb: RequestBuilder) -> (u16, Value) {
    let (status, text) = send_text(rb).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Sends and returns (status, raw body text), for byte-for-byte comparisons and leak scans.
pub async fn send_text(rb: RequestBuilder) -> (u16, String) {
    let resp = rb.send().await.expect("request sent");
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap_or_default())
}

/// Asserts the error envelope: status, type, `success: false`, a message, a `details` array.
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

/// The `path` of every entry of an error body's `details`, in order.
#[track_caller]
pub fn detail_paths(body: &Value) -> Vec<String> {
    body["details"]
        .as_array()
        .unwrap_or_else(|| panic!("details array: {body}"))
        .iter()
        .map(|d| d["path"].as_str().unwrap_or("").to_string())
        .collect()
}

/// The problem reported at `path`; panics when no detail names it.
#[track_caller]
pub fn problem_at(body: &Value, path: &str) -> String {
    body["details"]
        .as_array()
        .and_then(|ds| ds.iter().find(|d| d["path"] == json!(path)))
        .and_then(|d| d["problem"].as_str())
        .unwrap_or_else(|| panic!("no detail at {path}: {body}"))
        .to_string()
}

/// The `items` of a list response.
pub fn list_items(body: &Value) -> Vec<Value> {
    body["items"].as_array().cloned().unwrap_or_default()
}
