//! The environment of one database run: a fresh database for the service (a tenant created as
//! `serialhub tenant create` does; its product and channel registered over the API), the service
//! as a child process on a free port, the same-rows baseline's pool on that database, and the
//! minimal baseline's own database beside it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serialhub::db::{self, DbPool};

use crate::minimal::{self, Minimal};

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

pub struct Env {
    pub db: Db,
    /// The service's database: the same-rows baseline writes into it, sizes are read from it.
    pub pool: DbPool,
    pub minimal: Minimal,
    pub tenant: crate::baseline::Tenant,
    pub base: String,
    pub token: String,
    pub channel_key: String,
    pub http: reqwest::Client,
    pub service_pid: u32,
    /// The service's database URL and binary: `start_instance` runs another service on them.
    url: String,
    service_bin: PathBuf,
    child: std::sync::Mutex<Child>,
    cleanup: Vec<Cleanup>,
}

/// Another `serialhub serve` on the environment's database (the `instances` cell): the same
/// tenant, token and channel key work on it, since every one of them lives in the database.
pub struct Instance {
    pub base: String,
    pid: u32,
    child: Child,
}

impl Instance {
    pub fn stop(mut self) {
        terminate(&mut self.child, self.pid);
    }
}

enum Cleanup {
    Dir(PathBuf),
    PgDatabase { admin_url: String, name: String },
}

impl Cleanup {
    fn run(self) {
        match self {
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

/// `serialhub` next to the running bench binary (same target directory and profile).
pub fn sibling_service_bin() -> Option<PathBuf> {
    let me = std::env::current_exe().ok()?;
    Some(me.parent()?.join("serialhub"))
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

/// A new PostgreSQL database `bench_<what>_<pid>_<time>` on the server of `admin_url`; returns
/// its name and URL. Every database the harness creates is named `bench_…` and dropped by `stop`.
fn create_pg_database(admin_url: &str, what: &str) -> Result<(String, String), String> {
    let name = format!(
        "bench_{what}_{}_{}",
        std::process::id(),
        chrono::Utc::now().timestamp_millis()
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

/// Creates the two databases; returns (service URL, minimal URL), registering their cleanup.
fn create_databases(
    db: Db,
    postgres_url: &str,
    cleanup: &mut Vec<Cleanup>,
) -> Result<(String, String), String> {
    match db {
        Db::Sqlite => {
            let dir = std::env::temp_dir().join(format!(
                "serialhub-bench-{}-{}",
                std::process::id(),
                chrono::Utc::now().timestamp_millis()
            ));
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            cleanup.push(Cleanup::Dir(dir.clone()));
            let url = format!("sqlite://{}", dir.join("bench.db").display());
            Ok((url, minimal::sqlite_url(&dir)))
        }
        Db::Postgres => {
            let mut urls = Vec::new();
            for what in ["svc", "min"] {
                let (name, url) = create_pg_database(postgres_url, what)?;
                cleanup.push(Cleanup::PgDatabase {
                    admin_url: postgres_url.to_string(),
                    name,
                });
                urls.push(url);
            }
            Ok((urls.remove(0), urls.remove(0)))
        }
    }
}

impl Env {
    pub async fn start(db: Db, postgres_url: &str, service_bin: &Path) -> Result<Env, String> {
        let mut cleanup = Vec::new();
        match Env::start_inner(db, postgres_url, service_bin, &mut cleanup).await {
            Ok(env) => Ok(env),
            Err(e) => {
                cleanup.into_iter().for_each(Cleanup::run);
                Err(e)
            }
        }
    }

    async fn start_inner(
        db: Db,
        postgres_url: &str,
        service_bin: &Path,
        cleanup: &mut Vec<Cleanup>,
    ) -> Result<Env, String> {
        let (url, minimal_url) = create_databases(db, postgres_url, cleanup)?;
        let created = {
            let mut conn = serialhub::admin::connect(&url).map_err(|e| e.to_string())?;
            serialhub::admin::create_tenant(&mut conn, "Bench Pharma", &[GCP.into()], None)
                .map_err(|e| e.to_string())?
        };
        let pool = db::build_pool(&url, 16).map_err(|e| e.to_string())?;
        let minimal = Minimal::create(db, &minimal_url)?;
        let (mut child, base) = spawn_service(service_bin, &url, db, "1")?;
        let service_pid = child.id();
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .timeout(Duration::from_secs(900))
            .build()
            .map_err(|e| e.to_string())?;
        let set_up = async {
            wait_ready(&http, &base, &mut child).await?;
            let token = authenticate(&http, &base, &created).await?;
            let channel_key = register(&http, &base, &token).await?;
            Ok::<_, String>((token, channel_key))
        }
        .await;
        let (token, channel_key) = match set_up {
            Ok(v) => v,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
        };
        let tenant = crate::baseline::Tenant::lookup(&pool, &created, &channel_key)?;
        Ok(Env {
            db,
            pool,
            minimal,
            tenant,
            base,
            token,
            channel_key,
            http,
            service_pid,
            url,
            service_bin: service_bin.to_path_buf(),
            child: std::sync::Mutex::new(child),
            cleanup: std::mem::take(cleanup),
        })
    }

    /// Starts instance number `n` (2, 3, …) of the service on this environment's database and
    /// waits until it is ready.
    pub async fn start_instance(&self, n: usize) -> Result<Instance, String> {
        let (mut child, base) =
            spawn_service(&self.service_bin, &self.url, self.db, &n.to_string())?;
        let pid = child.id();
        if let Err(e) = wait_ready(&self.http, &base, &mut child).await {
            terminate(&mut child, pid);
            return Err(format!("instance {n}: {e}"));
        }
        Ok(Instance { base, pid, child })
    }

    /// Resident set of the service now and at its peak (VmRSS, VmHWM), in KiB.
    pub fn service_rss_kib(&self) -> (u64, u64) {
        read_rss(self.service_pid)
    }

    pub async fn stop(self) {
        {
            let mut child = self.child.lock().expect("child");
            terminate(&mut child, self.service_pid);
        }
        drop(self.pool);
        drop(self.minimal);
        self.cleanup.into_iter().for_each(Cleanup::run);
    }
}

/// `serialhub serve` on `url` and a free port, its log in the temporary directory; the child and
/// its base URL.
fn spawn_service(
    service_bin: &Path,
    url: &str,
    db: Db,
    instance: &str,
) -> Result<(Child, String), String> {
    let port = free_port()?;
    let log = std::fs::File::create(std::env::temp_dir().join(format!(
        "serialhub-bench-service-{}-{}-{instance}.log",
        std::process::id(),
        db.name()
    )))
    .map_err(|e| e.to_string())?;
    let child = Command::new(service_bin)
        .args(["serve", "--database-url", url, "--bind"])
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
    Ok((child, format!("http://127.0.0.1:{port}")))
}

/// SIGTERM first: actix shuts down gracefully (and a profiler wrapping the service, e.g.
/// valgrind via --service-bin, gets to write its output); SIGKILL after 20 s.
fn terminate(child: &mut Child, pid: u32) {
    let _ = Command::new("kill").arg(pid.to_string()).status();
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

async fn wait_ready(http: &reqwest::Client, base: &str, child: &mut Child) -> Result<(), String> {
    let started = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("{base}/readyz")).send().await {
            if r.status().is_success() {
                return Ok(());
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("the service exited: {status}"));
        }
        if started.elapsed() > Duration::from_secs(60) {
            return Err("the service did not become ready in 60 s".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn post_json(
    http: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: serde_json::Value,
) -> Result<serde_json::Value, String> {
    let mut req = http.post(&url).json(&body);
    if let Some(t) = token {
        req = req.header("x-access-token", t);
    }
    let r = req.send().await.map_err(|e| format!("POST {url}: {e}"))?;
    let status = r.status();
    let body: serde_json::Value = r.json().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("POST {url}: {status}: {body}"));
    }
    Ok(body)
}

async fn authenticate(
    http: &reqwest::Client,
    base: &str,
    created: &serialhub::admin::CreatedTenant,
) -> Result<String, String> {
    let body = post_json(
        http,
        format!("{base}/v1/api_auth"),
        None,
        serde_json::json!({"api_key": created.api_key, "api_secret": created.api_secret}),
    )
    .await?;
    body["token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("authentication failed: {body}"))
}

/// The product and the shop-floor channel, through the API as an operator would; returns the
/// channel key.
async fn register(http: &reqwest::Client, base: &str, token: &str) -> Result<String, String> {
    post_json(
        http,
        format!("{base}/v1/tenant/products"),
        Some(token),
        serde_json::json!({"product_code": GTIN, "product_code_schema": "GTIN",
                           "name": "Benchprofen 400 mg"}),
    )
    .await?;
    let channel = post_json(
        http,
        format!("{base}/v1/tenant/channels"),
        Some(token),
        serde_json::json!({"name": "Bench line", "type": "shopfloor",
                           "source": "manufacturer_v2_api"}),
    )
    .await?;
    channel["channel_key"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("the new channel has no key: {channel}"))
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
