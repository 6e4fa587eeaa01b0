//! The one test kit. Every test module arranges, acts and asserts through it:
//!
//! - [`app`]: a fresh database per test and the real application on port 0; requests; the
//!   error-envelope assertions. The only file that calls serialhub's library.
//! - [`tenant`]: tenants with tokens, keys with chosen roles, channels.
//! - [`line`]: a tenant's packaging line and its Manufacturer V2 calls; request bodies.
//! - [`partners`]: MAH/CMO partnerships.
//! - [`gs1`]: GTINs, SSCCs and check digits, computed here from GS1.md, never by serialhub.
//! - [`chain`]: the audit hash-chain recipe of docs/audit.md, computed here.
//! - [`store`]: what is stored, read and tampered with in raw SQL: the only module that knows
//!   the schema.
//! - [`race`]: one winner and the losers' exact error.
//! - [`sscc_pool`]: a line's requests to its SSCC pool.
//! - [`raw`]: hand-written HTTP for hostile input.
//! - [`pg_cluster`]: a throw-away PostgreSQL cluster a test may stop and start.
//! - [`process`]: the real binary in a child process: start, memory, signals, exit.
//! - [`browser`]: Debian's Chromium over WebDriver, for the web console: elements found by role
//!   and accessible name, waits on conditions, screenshots.

pub mod app;
pub mod browser;
pub mod chain;
pub mod gs1;
pub mod line;
pub mod partners;
pub mod pg_cluster;
pub mod process;
pub mod race;
pub mod raw;
pub mod sscc_pool;
pub mod store;
pub mod tenant;

pub use app::{
    assert_error, detail_paths, list_items, problem_at, send, send_text, spawn, spawn_with, Db,
    TestApp,
};
pub use gs1::{GTIN, GTIN_B};
pub use line::{child, child_full, children, serials, Line, BATCH, EXPIRY};

/// Runs each named `async fn name(db: Db)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! db_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::kit::Db::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if $crate::kit::app::postgres_enabled() {
                        super::$name($crate::kit::Db::Postgres).await
                    }
                }
            )*
        }
    };
}
