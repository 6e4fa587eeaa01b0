//! Run-time settings of the service. Every field has a flag and a `SERIALHUB_*` variable (see cli.rs
//! and docs/configuration.md); tests build `Settings` directly.

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
        }
    }
}
