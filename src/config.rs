//! Run-time settings of the service. Every field has a flag and a `SERIALHUB_*` variable (see cli.rs
//! and docs/configuration.md); tests build `Settings` directly.

use std::time::Duration;

use crate::db::dialect::Timeouts;
use crate::db::PoolOptions;

/// Default database: an embedded SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://serialhub.db";

#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to listen on, e.g. `127.0.0.1:8080`; port 0 picks a free one.
    pub bind: String,
    /// `sqlite://PATH` or `postgres://...`.
    pub database_url: String,
    /// Maximum pooled database connections.
    pub pool_size: u32,
    /// Lifetime of dynamic tokens from `/v1/api_auth`, in seconds.
    pub token_ttl_secs: i64,
    /// Maximum JSON body size in bytes.
    pub body_limit: usize,
    /// Maximum number of items (serials, children, SSCCs) in one request.
    pub max_items: usize,
    /// `/v1/api_auth` attempts allowed per client address per minute.
    pub auth_rate_per_minute: u32,
    /// HTTP worker threads; `None` = one per core.
    pub workers: Option<usize>,
    /// How long a request body may take to arrive (408 `RequestTimeoutError` beyond).
    pub body_timeout: Duration,
    /// How long a request waits for a pooled database connection (503 beyond).
    pub pool_timeout: Duration,
    /// PostgreSQL `lock_timeout` of pooled connections (0 = none).
    pub lock_timeout: Duration,
    /// PostgreSQL `statement_timeout` of pooled connections (0 = none).
    pub statement_timeout: Duration,
    /// SQLite `busy_timeout` of pooled connections: how long to wait for another process's lock.
    pub sqlite_busy_timeout: Duration,
    /// argon2 verifications running at once (each holds ~19 MiB).
    pub login_concurrency: usize,
    /// How long a login waits for a hashing slot before 503 `UnavailableError`.
    pub login_queue_timeout: Duration,
    /// Failed `/v1/api_auth` attempts allowed per API key per minute, from all addresses
    /// together (also the burst); beyond → 429 `RateLimitError`.
    pub auth_failures_per_key_per_minute: u32,
    /// After SIGTERM/SIGINT: how long in-flight requests may take to finish.
    pub shutdown_grace: Duration,
}

/// One hashing slot per core: argon2 is CPU-bound, more at once only adds memory and latency.
pub fn default_login_concurrency() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind: "127.0.0.1:8080".into(),
            database_url: DEFAULT_DATABASE_URL.into(),
            pool_size: 16,
            token_ttl_secs: 86_400,
            body_limit: 16 * 1024 * 1024,
            max_items: 100_000,
            auth_rate_per_minute: 60,
            workers: None,
            body_timeout: Duration::from_secs(30),
            pool_timeout: Duration::from_secs(3),
            lock_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(30),
            sqlite_busy_timeout: Duration::from_secs(5),
            login_concurrency: default_login_concurrency(),
            login_queue_timeout: Duration::from_secs(2),
            auth_failures_per_key_per_minute: 10,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

impl Settings {
    /// The database pool these settings ask for.
    pub fn pool_options(&self) -> PoolOptions {
        PoolOptions {
            max_size: self.pool_size,
            checkout: self.pool_timeout,
            timeouts: Timeouts {
                sqlite_busy: self.sqlite_busy_timeout,
                pg_lock: self.lock_timeout,
                pg_statement: self.statement_timeout,
            },
        }
    }
}
