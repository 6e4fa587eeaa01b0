//! The command line: `serve`, `migrate`, `tenant create`, `product assign`, `audit verify`, `demo`.

use clap::{Args, Parser, Subcommand};

use crate::config::{Settings, DEFAULT_DATABASE_URL};

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
