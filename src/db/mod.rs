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
pub mod commissioning;
pub mod containers;
pub mod hierarchy;
pub mod idempotency;
pub mod items;
pub mod partnerships;
pub mod products;
pub mod release;
pub mod reports;
pub mod signing_keys;
pub mod tenants;

pub use conn::{read_tx, write_tx, DbConn};
pub use error::{DbError, SetupError, TxError};
pub use migrate::run_migrations;
pub use pool::{build_pool, ping, run, run_queued, Backend, DbPool};

/// Current UTC time truncated to microseconds, the precision both backends store.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// An SQL list of row ids, written into the statement text: ids are our own integers from the
/// database (never client input), and a pallet of 10 000 cases would otherwise hit bind limits.
/// Empty becomes `-1`, which matches no row (ids are positive) and keeps `NOT IN` meaningful.
pub fn id_list(ids: &[i64]) -> String {
    if ids.is_empty() {
        return "-1".into();
    }
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}
