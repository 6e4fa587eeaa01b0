//! The command line: `serve`, `migrate`, `tenant create`, `product assign`, `audit verify`, `demo`.

use clap::{Args, Parser, Subcommand};

use std::time::Duration;

use crate::config::{default_login_concurrency, Settings, DEFAULT_DATABASE_URL};

#[derive(Debug, Parser)]
#[command(
    name = "serialhub",
    version,
    about = "Open serialization hub for pharmaceutical manufacturing"
)]
pub struct Cli {
    /// Log as JSON lines instead of human-readable text.
    #[arg(long, global = true, env = "SERIALHUB_LOG_JSON")]
    pub log_json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (applies pending migrations first).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate(DbArgs),
    /// Manage tenants.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage products (operator).
    #[command(subcommand)]
    Product(ProductCommand),
    /// Audit trail tools.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write a consistent copy of the running SQLite database to a new file (PostgreSQL: use
    /// pg_dump).
    Backup(BackupArgs),
    /// Seed a MAH, a CMO, an active partnership, a product and channels, print the credentials
    /// and a curl walkthrough, then serve.
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Address and port to listen on.
    #[arg(long, env = "SERIALHUB_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Database for the demo (a separate embedded file by default).
    #[arg(
        long,
        env = "SERIALHUB_DEMO_DATABASE_URL",
        default_value = "sqlite://serialhub-demo.db"
    )]
    pub database_url: String,
    /// Seed and print, but do not start the service.
    #[arg(long)]
    pub no_serve: bool,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The file to write; must not exist yet.
    #[arg(long)]
    pub to: String,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Args)]
pub struct DbArgs {
    /// Database URL: sqlite://PATH (relative), sqlite:///ABS/PATH, or postgres://USER@HOST/DB.
    #[arg(long, env = "SERIALHUB_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "SERIALHUB_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    #[command(flatten)]
    pub db: DbArgs,
    /// Maximum pooled database connections.
    #[arg(long, env = "SERIALHUB_POOL_SIZE", default_value_t = 16)]
    pub pool_size: u32,
    /// Lifetime of dynamic tokens in seconds.
    #[arg(long, env = "SERIALHUB_TOKEN_TTL_SECS", default_value_t = 86_400)]
    pub token_ttl_secs: i64,
    /// Maximum request body in bytes (larger bodies get 413 PayloadTooLargeError).
    #[arg(long, env = "SERIALHUB_BODY_LIMIT", default_value_t = 16 * 1024 * 1024)]
    pub body_limit: usize,
    /// Maximum items (serials, children, SSCCs) per request.
    #[arg(long, env = "SERIALHUB_MAX_ITEMS", default_value_t = 100_000)]
    pub max_items: usize,
    /// /v1/api_auth attempts per client address per minute (429 RateLimitError beyond).
    #[arg(long, env = "SERIALHUB_AUTH_RATE_PER_MINUTE", default_value_t = 60)]
    pub auth_rate_per_minute: u32,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "SERIALHUB_WORKERS")]
    pub workers: Option<usize>,
    /// Seconds a request body may take to arrive (408 RequestTimeoutError beyond).
    #[arg(long, env = "SERIALHUB_BODY_TIMEOUT_SECS", default_value_t = 30)]
    pub body_timeout_secs: u64,
    /// Milliseconds a request waits for a database connection (503 UnavailableError beyond).
    #[arg(long, env = "SERIALHUB_POOL_TIMEOUT_MS", default_value_t = 3000)]
    pub pool_timeout_ms: u64,
    /// PostgreSQL lock_timeout of pooled connections in milliseconds (0: none).
    #[arg(long, env = "SERIALHUB_LOCK_TIMEOUT_MS", default_value_t = 5000)]
    pub lock_timeout_ms: u64,
    /// PostgreSQL statement_timeout of pooled connections in milliseconds (0: none).
    #[arg(long, env = "SERIALHUB_STATEMENT_TIMEOUT_MS", default_value_t = 30_000)]
    pub statement_timeout_ms: u64,
    /// SQLite busy_timeout of pooled connections in milliseconds.
    #[arg(long, env = "SERIALHUB_SQLITE_BUSY_TIMEOUT_MS", default_value_t = 5000)]
    pub sqlite_busy_timeout_ms: u64,
    /// argon2 verifications at once (default: one per core).
    #[arg(long, env = "SERIALHUB_LOGIN_CONCURRENCY")]
    pub login_concurrency: Option<usize>,
    /// Milliseconds a login waits for a hashing slot (503 UnavailableError beyond).
    #[arg(long, env = "SERIALHUB_LOGIN_QUEUE_TIMEOUT_MS", default_value_t = 2000)]
    pub login_queue_timeout_ms: u64,
    /// Failed /v1/api_auth attempts per API key per minute, all addresses together (429 beyond).
    #[arg(
        long,
        env = "SERIALHUB_AUTH_FAILURES_PER_KEY_PER_MINUTE",
        default_value_t = 10
    )]
    pub auth_failures_per_key_per_minute: u32,
    /// Seconds in-flight requests may take to finish after SIGTERM or SIGINT.
    #[arg(long, env = "SERIALHUB_SHUTDOWN_GRACE_SECS", default_value_t = 30)]
    pub shutdown_grace_secs: u64,
}

impl ServeArgs {
    pub fn into_settings(self) -> Settings {
        Settings {
            bind: self.bind,
            database_url: self.db.database_url,
            pool_size: self.pool_size,
            token_ttl_secs: self.token_ttl_secs,
            body_limit: self.body_limit,
            max_items: self.max_items,
            auth_rate_per_minute: self.auth_rate_per_minute,
            workers: self.workers,
            body_timeout: Duration::from_secs(self.body_timeout_secs),
            pool_timeout: Duration::from_millis(self.pool_timeout_ms),
            lock_timeout: Duration::from_millis(self.lock_timeout_ms),
            statement_timeout: Duration::from_millis(self.statement_timeout_ms),
            sqlite_busy_timeout: Duration::from_millis(self.sqlite_busy_timeout_ms),
            login_concurrency: self
                .login_concurrency
                .unwrap_or_else(default_login_concurrency)
                .max(1),
            login_queue_timeout: Duration::from_millis(self.login_queue_timeout_ms),
            auth_failures_per_key_per_minute: self.auth_failures_per_key_per_minute,
            shutdown_grace: Duration::from_secs(self.shutdown_grace_secs),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant and its first API key (all four roles); prints
    /// {"tenant_id", "api_key", "api_secret"} as one JSON object.
    Create(TenantCreateArgs),
}

#[derive(Debug, Args)]
pub struct TenantCreateArgs {
    /// Company name.
    #[arg(long)]
    pub name: String,
    /// GS1 Company Prefix (6-12 digits); repeat for several.
    #[arg(long = "gcp")]
    pub gcp: Vec<String>,
    /// Global Location Number (13 digits).
    #[arg(long)]
    pub gln: Option<String>,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Subcommand)]
pub enum ProductCommand {
    /// Give a GTIN outside the tenant's company prefixes (e.g. under a shared national prefix) to
    /// that tenant, which may then register it; refused if another tenant owns it. Prints
    /// {"tenant_id", "product_code", "assigned"}.
    Assign(ProductAssignArgs),
}

#[derive(Debug, Args)]
pub struct ProductAssignArgs {
    /// The tenant receiving the GTIN.
    #[arg(long)]
    pub tenant: String,
    /// The GTIN (8, 12, 13 or 14 digits; stored as GTIN-14).
    #[arg(long)]
    pub gtin: String,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify the hash chains offline, straight from the database; exits 0 only if every chain
    /// is intact, else names the first broken seq of each broken chain.
    Verify(AuditVerifyArgs),
}

#[derive(Debug, Args)]
pub struct AuditVerifyArgs {
    /// Verify only this tenant's chain (default: every tenant's, each against its head).
    #[arg(long)]
    pub tenant: Option<String>,
    /// A checkpoint kept from GET /v1/audit/checkpoint (its JSON, in a file): also prove that the
    /// chain still extends the signed head. Repeat for several.
    #[arg(long = "checkpoint", value_name = "FILE")]
    pub checkpoints: Vec<std::path::PathBuf>,
    #[command(flatten)]
    pub db: DbArgs,
}
