//! Database access: one connection type for SQLite and PostgreSQL, the pool, migrations and the
//! transaction helpers every write goes through. Query functions live in one file per aggregate.

mod conn;
pub mod dialect;
pub mod error;
mod migrate;
pub mod pool;
pub mod schema;

pub mod api_keys;
pub mod audit;
pub mod audit_lookup;
pub mod channels;
pub mod checkpoint_keys;
pub mod commissioning;
pub mod company_prefixes;
pub mod containers;
pub mod gtin_assignments;
pub mod hierarchy;
pub mod idempotency;
pub mod items;
pub mod partnerships;
pub mod products;
pub mod release;
pub mod reports;
pub mod signing_keys;
pub mod sscc_pool;
pub mod tenants;
pub mod types;

pub use conn::{read_tx, write_tx, DbConn};
pub use error::{DbError, SetupError, TxError};
pub use migrate::run_migrations;
pub use pool::{build_pool, build_pool_with, ping, run, run_queued, Backend, DbPool, PoolOptions};

/// Current UTC time truncated to microseconds, the precision both backends store.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
}
