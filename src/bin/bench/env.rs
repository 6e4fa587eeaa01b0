//! The environment of one database run: a fresh database, a seeded tenant with a product and a
//! channel, the baseline's connection pool, and the service as a child process on a free port.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serialhub::db::{self, DbPool};
use serialhub::ids::{ApiKeyId, ChannelId, ProductId, ProductKey, TenantId};

/// A valid GTIN under the bench tenant's company prefix 4012345.
pub const GTIN: &str = "04012345111118";
pub const GCP: &str = "4012345";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

impl Db {
    pub fn name(self) -> &'static str {
        match self {
            Db::Sqlite => "SQLite",
            Db::Postgres => "PostgreSQL",
        }
    }
}

/// Who writes: the tenant, its key, product and channel (shared by baseline and service).
#[derive(Debug, Clone)]
pub struct Tenant {
    pub tenant_id: TenantId,
    pub api_key_id: ApiKeyId,
    pub product_id: ProductKey,
    pub channel_id: ChannelId,
    pub channel_key: String,
}

pub struct Env {
    pub db: Db,
    pub pool: DbPool,
    pub tenant: Tenant,
    pub base: String,
    pub token: String,
    pub http: reqwest::Client,
    pub service_pid: u32,
    child: std::sync::Mutex<Child>,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(PathBuf),
    PgDatabase { admin_url: String, name: String },
}

/// `serialhub` next to the running bench binary (same target directory and profile).
pub fn sibling_service_bin() -> Option<PathBuf> {
    let me = std::env::current_exe().ok()?;
    Some(me.parent()?.join("serialhub"))
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

fn create_pg_database(admin_url: &str) -> Result<(String, String), String> {
    let name = format!(
        "serialhub_bench_{}_{}",
        std::process::id(),
        chrono::Utc::now().timestamp()
    );
    let mut c = diesel::PgConnection::establish(admin_url)
        .map_err(|e| format!("cannot connect to {admin_url}: {e}"))?;
    c.batch_execute(&format!("CREATE DATABASE {name}"))
        .map_err(|e| format!("cannot create database {name}: {e}"))?;
    let (head, _) = admin_url
        .rsplit_once('/')
        .ok_or("--postgres-url needs a database path")?;
    Ok((name.clone(), format!("{head}/{name}")))
}

fn seed(url: &str) -> Result<(Tenant, serialhub::admin::CreatedTenant), String> {
    let mut conn = serialhub::admin::connect(url).map_err(|e| e.to_string())?;
    let created = serialhub::admin::create_tenant(&mut conn, "Bench Pharma", &[GCP.into()], None)
        .map_err(|e| e.to_string())?;
    let api_key_id = serialhub::db::api_keys::find_active_by_public(&mut conn, &created.api_key)
        .map_err(|e| e.to_string())?
        .ok_or("the new api key is missing")?
        .id;
    let now = db::now();
    let product = serialhub::db::products::NewProduct {
        id: ProductId::generate(),
        owner_tenant_id: created.id(),
        product_code: GTIN.into(),
        name: "Benchprofen 400 mg".into(),
        created_at: now,
    };
    serialhub::db::products::insert(&mut conn, &product).map_err(|e| e.to_string())?;
    let product = serialhub::db::products::find_owned(&mut conn, &created.id(), GTIN)
        .map_err(|e| e.to_string())?
        .ok_or("the new product is missing")?;
    let channel = serialhub::db::channels::ChannelRow {
        id: ChannelId::generate(),
        tenant_id: created.id(),
        name: "Bench line".into(),
        kind: "shopfloor".into(),
        source: "manufacturer_v2_api".into(),
        channel_key: serialhub::auth::password::random_token(40),
        enabled: true,
        created_at: now,
    };
    serialhub::db::channels::insert(&mut conn, &channel).map_err(|e| e.to_string())?;
    Ok((
        Tenant {
            tenant_id: created.id(),
            api_key_id,
            product_id: product.key,
            channel_id: channel.id,
            channel_key: channel.channel_key,
        },
        created,
    ))
}

impl Env {
    pub async fn start(db: Db, postgres_url: &str, service_bin: &Path) -> Result<Env, String> {
        let (url, cleanup) = match db {
            Db::Sqlite => {
                let dir = std::env::temp_dir().join(format!(
                    "serialhub-bench-{}-{}",
                    std::process::id(),
                    chrono::Utc::now().timestamp_millis()
                ));
                std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
                let url = format!("sqlite://{}", dir.join("bench.db").display());
                (url, Cleanup::Dir(dir))
            }
            Db::Postgres => {
                let (name, url) = create_pg_database(postgres_url)?;
                (
                    url,
                    Cleanup::PgDatabase {
                        admin_url: postgres_url.to_string(),
                        name,
                    },
                )
            }
        };
        let (tenant, created) = seed(&url)?;
        let pool = db::build_pool(&url, 16).map_err(|e| e.to_string())?;
        let port = free_port()?;
        let log = std::fs::File::create(std::env::temp_dir().join(format!(
            "serialhub-bench-service-{}-{}.log",
            std::process::id(),
            db.name()
        )))
        .map_err(|e| e.to_string())?;
        let child = Command::new(service_bin)
            .args(["serve", "--database-url", &url, "--bind"])
            .arg(format!("127.0.0.1:{port}"))
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or("warn".into()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", service_bin.display()))?;
        let service_pid = child.id();
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .timeout(Duration::from_secs(300))
            .build()
            .map_err(|e| e.to_string())?;
        let env = Env {
            db,
            pool,
            tenant,
            base,
            token: String::new(),
            http,
            service_pid,
            child: std::sync::Mutex::new(child),
            cleanup,
        };
        let token = env.wait_and_authenticate(&created).await;
        match token {
            Ok(token) => Ok(Env { token, ..env }),
            Err(e) => {
                env.stop().await;
                Err(e)
            }
        }
    }

    async fn wait_and_authenticate(
        &self,
        created: &serialhub::admin::CreatedTenant,
    ) -> Result<String, String> {
        let started = Instant::now();
        loop {
            if let Ok(r) = self.http.get(format!("{}/readyz", self.base)).send().await {
                if r.status().is_success() {
                    break;
                }
            }
            if let Ok(Some(status)) = self.child.lock().expect("child").try_wait() {
                return Err(format!("the service exited: {status}"));
            }
            if started.elapsed() > Duration::from_secs(30) {
                return Err("the service did not become ready in 30 s".into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let r = self
            .http
            .post(format!("{}/v1/api_auth", self.base))
            .json(
                &serde_json::json!({"api_key": created.api_key, "api_secret": created.api_secret}),
            )
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let body: serde_json::Value = r.json().await.map_err(|e| e.to_string())?;
        body["token"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("authentication failed: {body}"))
    }

    /// Resident set of the service now and at its peak (VmRSS, VmHWM), in KiB.
    pub fn service_rss_kib(&self) -> (u64, u64) {
        read_rss(self.service_pid)
    }

    pub async fn stop(self) {
        {
            // SIGTERM first: actix shuts down gracefully (and a profiler wrapping the service,
            // e.g. valgrind via --service-bin, gets to write its output); SIGKILL after 20 s.
            let mut child = self.child.lock().expect("child");
            let _ = Command::new("kill")
                .arg(self.service_pid.to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        drop(self.pool);
        match self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::PgDatabase { admin_url, name } => {
                let dropped = diesel::PgConnection::establish(&admin_url)
                    .map_err(|e| e.to_string())
                    .and_then(|mut c| {
                        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .map_err(|e| e.to_string())
                    });
                if let Err(e) = dropped {
                    eprintln!("bench: could not drop database {name}: {e}");
                }
            }
        }
    }
}

pub fn read_rss(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}
