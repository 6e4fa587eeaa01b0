//! Everything SQLite and PostgreSQL do differently, in one place. Query code elsewhere is written
//! once, against `DbConn`, and calls in here where the backends differ:
//!
//! - how a transaction begins ([`begin`]);
//! - the per-connection settings and timeouts ([`SQLITE_PRAGMAS`], [`Timeouts`], [`configure`]);
//! - `INSERT … ON CONFLICT DO NOTHING` ([`insert_or_ignore`]);
//! - row locks ([`for_update`], [`skip_locked`]) and transaction-scoped advisory locks
//!   ([`advisory_lock`]);
//! - the one way a list of keys reaches SQL: bound as ONE parameter ([`Keys`]);
//! - the history index of packs, a different structure on each backend ([`history`]);
//! - how far the event feed may be read ([`feed_horizon`]).
//!
//! The migrations (`migrate.rs`) and the connection manager (`pool.rs`) are the only other
//! places that look at the backend. docs/architecture.md lists every one.

pub mod history;
mod keys;

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::query_dsl::methods::ExecuteDsl;
use diesel::sql_types::Text;
use diesel::{PgConnection, QueryResult, RunQueryDsl, SqliteConnection};

pub use keys::{InKeys, KeyList, Keys};

use super::{Backend, DbConn};

/// The settings every SQLite connection gets when it is opened (pooled or not), besides its
/// `busy_timeout` (how long to wait for another process's lock, [`Timeouts::sqlite_busy`]):
/// write-ahead logging (persistent in the file; setting it again is a no-op) with
/// `synchronous = NORMAL`, which is safe in WAL mode, foreign keys enforced, a 64 MiB page cache,
/// temporary tables in memory.
pub const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; \
     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536; \
     PRAGMA temp_store = MEMORY;";

/// How long a connection waits for the database before the work fails (and the caller is told
/// to retry): SQLite's `busy_timeout` for a lock another process holds; PostgreSQL's
/// `lock_timeout` for a row or table lock and `statement_timeout` for any one statement. Zero
/// means no limit (PostgreSQL only; SQLite always waits at least its busy timeout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub sqlite_busy: Duration,
    pub pg_lock: Duration,
    pub pg_statement: Duration,
}

impl Timeouts {
    /// For the command line (migrations, `audit verify`, backups): wait 10 s for a lock on
    /// SQLite, and let PostgreSQL statements take as long as they need.
    pub const OPERATOR: Timeouts = Timeouts {
        sqlite_busy: Duration::from_secs(10),
        pg_lock: Duration::ZERO,
        pg_statement: Duration::ZERO,
    };
}

/// The backend a connection talks to.
pub fn backend(conn: &DbConn) -> Backend {
    match conn {
        DbConn::Sqlite(_) => Backend::Sqlite,
        DbConn::Pg(_) => Backend::Postgres,
    }
}

/// Applies the per-connection settings of the backend: the pragmas and busy timeout on SQLite,
/// the lock and statement timeouts on PostgreSQL.
pub fn configure(conn: &mut DbConn, timeouts: &Timeouts) -> QueryResult<()> {
    match backend(conn) {
        Backend::Sqlite => conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {}; {SQLITE_PRAGMAS}",
            timeouts.sqlite_busy.as_millis()
        )),
        Backend::Postgres => conn.batch_execute(&format!(
            "SET lock_timeout = {}; SET statement_timeout = {};",
            timeouts.pg_lock.as_millis(),
            timeouts.pg_statement.as_millis()
        )),
    }
}

/// What a transaction is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Begin {
    Write,
    Read,
}

/// Begins a transaction. Writes on SQLite take the write lock up front (`BEGIN IMMEDIATE`), so
/// concurrent writers wait instead of failing when a deferred transaction tries to upgrade; reads
/// on PostgreSQL see one snapshot (`REPEATABLE READ READ ONLY`).
pub fn begin(conn: &mut DbConn, kind: Begin) -> QueryResult<()> {
    match (conn, kind) {
        (DbConn::Sqlite(c), Begin::Write) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
        (DbConn::Sqlite(c), Begin::Read) => AnsiTransactionManager::begin_transaction(c),
        (DbConn::Pg(c), Begin::Write) => AnsiTransactionManager::begin_transaction(c),
        (DbConn::Pg(c), Begin::Read) => AnsiTransactionManager::begin_transaction_sql(
            c,
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        ),
    }
}

/// Executes `insert_into(…).values(…).on_conflict_do_nothing()` and returns the rows inserted
/// (0 when the row already existed). Both backends spell it the same, but it is outside
/// MultiConnection's common subset, so it runs on the backend's own connection.
pub fn insert_or_ignore<Q>(conn: &mut DbConn, insert: Q) -> QueryResult<usize>
where
    Q: ExecuteDsl<SqliteConnection> + ExecuteDsl<PgConnection>,
{
    match conn {
        DbConn::Sqlite(c) => ExecuteDsl::<SqliteConnection>::execute(insert, c),
        DbConn::Pg(c) => ExecuteDsl::<PgConnection>::execute(insert, c),
    }
}

/// The transaction id below which every event is final, for the event feed (docs/audit.md,
/// "Reading the trail incrementally"); call it outside any transaction, before the read.
///
/// PostgreSQL: every transaction id below the current snapshot's `xmax` is finished except the
/// snapshot's running ones (`pg_snapshot_xip`). This waits, up to `wait`, for those of them that
/// run in this database to end (only they can write its events; transaction ids are counted for
/// the whole server, and another database's long transaction must not hold the feed back), and
/// answers `xmax`: every event of a transaction below it is then committed or gone, every event
/// still to become visible has a `txid` at or above it, and a read that begins after this call
/// sees all the committed ones — including the caller's own last write, whatever else ran beside
/// it. If some are still running after `wait` (a long bulk request), the answer is the oldest of
/// them: the feed then stops short of it, and shows the rest on a later read.
///
/// `pg_stat_activity` is read after the snapshot was taken: a transaction of this database in
/// the snapshot is either still listed there with its id, or has finished. (The service's own
/// sessions are always listed with their ids; sessions of other roles may not be, and are not
/// waited for: they do not write serialhub's events.)
///
/// `None` on SQLite, whose one writer at a time takes ids in commit order (every `txid` is 0).
pub fn feed_horizon(conn: &mut DbConn, wait: Duration) -> QueryResult<Option<i64>> {
    // The running ids travel as text ("id,id,…"): the multi-backend connection has no arrays.
    #[derive(diesel::QueryableByName)]
    struct Snapshot {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        xmax: i64,
        #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
        running: Option<String>,
    }
    #[derive(diesel::QueryableByName)]
    struct Running {
        #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
        running: Option<String>,
    }
    if backend(conn) == Backend::Sqlite {
        return Ok(None);
    }
    let snapshot: Snapshot = diesel::sql_query(
        "SELECT (pg_snapshot_xmax(s)::text)::bigint AS xmax, \
         (SELECT string_agg(x::text, ',') FROM pg_snapshot_xip(s) x \
          WHERE xid(x) IN (SELECT backend_xid FROM pg_stat_activity \
                           WHERE datname = current_database() AND backend_xid IS NOT NULL)) \
         AS running \
         FROM pg_current_snapshot() s",
    )
    .get_result(conn)?;
    let deadline = std::time::Instant::now() + wait;
    let mut running = snapshot.running;
    let mut pause = Duration::from_millis(1);
    while let Some(ids) = running {
        if std::time::Instant::now() >= deadline {
            return Ok(ids.split(',').filter_map(|x| x.parse().ok()).min());
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
        running = diesel::sql_query(
            "SELECT string_agg(x, ',') AS running FROM unnest(string_to_array($1, ',')) x \
             WHERE pg_xact_status(x::xid8) = 'in progress'",
        )
        .bind::<Text, _>(ids)
        .get_result::<Running>(conn)?
        .running;
    }
    Ok(Some(snapshot.xmax))
}

/// The end of a `SELECT` whose rows must stay locked until the transaction ends, so that a
/// concurrent writer of the same rows waits: `FOR UPDATE` on PostgreSQL; nothing on SQLite, whose
/// write lock (`BEGIN IMMEDIATE`) already serialises writers.
pub fn for_update(conn: &DbConn) -> &'static str {
    match backend(conn) {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR UPDATE",
    }
}

/// The end of the `SELECT` that picks rows to take from a queue (the returned SSCCs of the pool):
/// `FOR UPDATE SKIP LOCKED` on PostgreSQL, so that concurrent takers each lock different rows
/// instead of waiting for one another and then finding them gone; nothing on SQLite, whose
/// write lock lets one taker in at a time.
pub fn skip_locked(conn: &DbConn) -> &'static str {
    match backend(conn) {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
    }
}

/// Runs `f` with PostgreSQL's planner kept to walking an index in order for the statements that
/// take the first `n` serials of a pool (`ORDER BY serial_number LIMIT n`): right after a bulk
/// generation or assignment the statistics know nothing of the new rows, and the planner then
/// reads all of a holder's million serials and sorts them (6 s measured) instead of reading 100
/// from the `items_pooled` index (30 ms). Sorts and bitmap scans are switched off for `f`'s
/// statements only (`SET LOCAL`, then back on): a cost penalty, so a plan without the index is
/// still possible where no index applies. Nothing on SQLite, whose planner takes the index.
pub fn in_index_order<T>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> QueryResult<T>,
) -> QueryResult<T> {
    if backend(conn) == Backend::Sqlite {
        return f(conn);
    }
    conn.batch_execute("SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off")?;
    let out = f(conn);
    // After a failed statement the transaction is aborted and the reset fails too: report `f`'s.
    let reset = conn.batch_execute("SET LOCAL enable_sort = on; SET LOCAL enable_bitmapscan = on");
    let value = out?;
    reset?;
    Ok(value)
}

/// Work that must not interleave with other transactions doing the same, although no row can be
/// locked for it.
#[derive(Debug, Clone, Copy)]
pub enum Serialised<'a> {
    /// Creating the first signing key when several instances start on one empty database.
    SigningKeyCreation,
    /// Nesting packs in packs or containers in containers for one tenant: two crossing requests
    /// (A into B while B into A) could otherwise build a cycle.
    Nesting { tenant_id: &'a str },
    /// Giving out company prefixes and GTINs (the operator's `tenant create --gcp` and `product
    /// assign`): "no prefix extends another" and "a GTIN has one owner" are checked, not keyed.
    BrandOwnership,
}

/// Takes the lock of `work` until the transaction ends: a transaction-scoped advisory lock on
/// PostgreSQL; nothing on SQLite, whose write lock already serialises every writer.
pub fn advisory_lock(conn: &mut DbConn, work: Serialised<'_>) -> QueryResult<()> {
    if backend(conn) == Backend::Sqlite {
        return Ok(());
    }
    match work {
        Serialised::SigningKeyCreation => {
            diesel::sql_query("SELECT pg_advisory_xact_lock(7316002)").execute(conn)?
        }
        Serialised::BrandOwnership => {
            diesel::sql_query("SELECT pg_advisory_xact_lock(7316003)").execute(conn)?
        }
        Serialised::Nesting { tenant_id } => {
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
                .bind::<Text, _>(tenant_id)
                .execute(conn)?
        }
    };
    Ok(())
}

/// Why a backup was not made.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// PostgreSQL is backed up with its own tools.
    #[error(
        "serialhub backup copies SQLite databases only; back up PostgreSQL with pg_dump, e.g. \
         pg_dump --format=custom --file=serialhub.dump 'postgres://USER@HOST/DB' \
         (restore with pg_restore --dbname=... serialhub.dump); see docs/operations.md"
    )]
    Postgres,
    /// SQLite refused (the target exists, its directory is missing, the disk is full, …).
    #[error("backup failed: {0}")]
    Sqlite(#[source] diesel::result::Error),
}

/// Writes a consistent copy of a live SQLite database to `path` with `VACUUM INTO`: one read
/// transaction, so writers go on meanwhile and the copy is the database as of one moment,
/// compacted, in rollback-journal mode (serialhub switches it back to WAL when it opens it).
pub fn backup_to(conn: &mut DbConn, path: &str) -> Result<(), BackupError> {
    if backend(conn) == Backend::Postgres {
        return Err(BackupError::Postgres);
    }
    diesel::sql_query("VACUUM INTO $1")
        .bind::<Text, _>(path)
        .execute(conn)
        .map(|_| ())
        .map_err(BackupError::Sqlite)
}
