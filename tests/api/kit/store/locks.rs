//! Locks held from outside the service, on PostgreSQL, to provoke deadlocks with it: a side
//! connection of its own (not the store's cached one) that can hold a container's row lock and
//! the tenant's nesting lock (the advisory lock serialhub takes around nesting changes, see
//! docs/architecture.md, "Where the backends differ"), and what PostgreSQL says about waits and
//! deadlocks.

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};

use crate::kit::app::{Db, TestDb};

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A PostgreSQL connection that holds locks across the service's requests. Every call blocks
/// while PostgreSQL makes it wait: call it from a blocking task.
pub struct LockHolder {
    conn: PgConnection,
}

impl LockHolder {
    /// A connection to the test database (PostgreSQL only) that is never a deadlock's victim.
    ///
    /// PostgreSQL aborts the backend whose deadlock check finds the cycle, and a backend checks
    /// only after waiting `deadlock_timeout` (1 s by default). With this session's timeout at an
    /// hour, the other party (the service's connection) always checks first and is aborted,
    /// however the machine schedules the two backends. (`deadlock_timeout` is a superuser
    /// setting; the tests connect as `postgres`.)
    pub fn open(db: &TestDb) -> LockHolder {
        assert_eq!(db.backend, Db::Postgres, "locks are held on PostgreSQL");
        let mut conn = PgConnection::establish(&db.url).expect("side connection");
        conn.batch_execute("SET deadlock_timeout = '1h'")
            .expect("the side connection never checks for deadlocks first");
        LockHolder { conn }
    }

    /// Begins a transaction and locks the container `sscc`'s row until it ends.
    pub fn lock_container(&mut self, sscc: &str) {
        self.conn.batch_execute("BEGIN").expect("begin");
        diesel::sql_query("SELECT id FROM containers WHERE sscc = $1 FOR UPDATE")
            .bind::<Text, _>(sscc)
            .execute(&mut self.conn)
            .expect("lock the container row");
    }

    /// Begins a transaction and locks the head of `tenant_id`'s audit chain until it ends: every
    /// event of that tenant then waits to be recorded.
    pub fn lock_chain_head(&mut self, tenant_id: &str) {
        self.conn.batch_execute("BEGIN").expect("begin");
        diesel::sql_query("SELECT seq FROM audit_heads WHERE chain_tenant_id = $1 FOR UPDATE")
            .bind::<Text, _>(tenant_id)
            .execute(&mut self.conn)
            .expect("lock the chain head");
    }

    /// Begins a transaction that has a transaction id (as any write would) and holds it open.
    pub fn begin_writing(&mut self) {
        self.conn
            .batch_execute("BEGIN; SELECT pg_current_xact_id()")
            .expect("a transaction with an id");
    }

    /// Begins a transaction and locks the row of pack `gtin`/`serial` until it ends.
    pub fn lock_pack(&mut self, gtin: &str, serial: &str) {
        self.conn.batch_execute("BEGIN").expect("begin");
        diesel::sql_query(
            "SELECT i.id FROM items i JOIN products p ON p.id = i.product_id \
             WHERE p.product_code = $1 AND i.serial_number = $2 FOR UPDATE OF i",
        )
        .bind::<Text, _>(gtin)
        .bind::<Text, _>(serial)
        .execute(&mut self.conn)
        .expect("lock the pack row");
    }

    /// Takes the nesting lock of `tenant_id` for this session (until [`Self::unlock_nesting`]).
    /// Panics if PostgreSQL makes this connection a deadlock's victim.
    pub fn lock_nesting(&mut self, tenant_id: &str) {
        diesel::sql_query("SELECT pg_advisory_lock(hashtext($1))")
            .bind::<Text, _>(tenant_id)
            .execute(&mut self.conn)
            .expect("the side connection is not the deadlock's victim");
    }

    /// Releases the nesting lock taken by [`Self::lock_nesting`].
    pub fn unlock_nesting(&mut self, tenant_id: &str) {
        diesel::sql_query("SELECT pg_advisory_unlock(hashtext($1))")
            .bind::<Text, _>(tenant_id)
            .execute(&mut self.conn)
            .expect("unlock");
    }

    /// Ends the transaction, releasing the row lock.
    pub fn roll_back(&mut self) {
        self.conn.batch_execute("ROLLBACK").expect("roll back");
    }
}

fn count(db: &TestDb, sql: &str) -> i64 {
    let mut conn = PgConnection::establish(&db.url).expect("probe connection");
    diesel::sql_query(sql)
        .get_result::<N>(&mut conn)
        .expect("probe")
        .n
}

/// Sessions of the test database waiting for a row (not for an advisory lock).
pub fn waiting_for_rows(db: &TestDb) -> i64 {
    count(
        db,
        "SELECT count(*) AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE NOT l.granted AND l.locktype <> 'advisory' AND a.datname = current_database()",
    )
}

/// Deadlocks PostgreSQL has counted in the test database (its statistics are flushed by idle
/// sessions, so a new one shows within seconds).
pub fn deadlocks(db: &TestDb) -> i64 {
    count(
        db,
        "SELECT deadlocks AS n FROM pg_stat_database WHERE datname = current_database()",
    )
}

/// A side connection that holds, in an open transaction, the lock a new channel's insert needs:
/// SQLite's write lock (`BEGIN IMMEDIATE`) or, on PostgreSQL, an `EXCLUSIVE` lock on the
/// channels table (reads still pass). Dropping it rolls back.
pub enum WriteBlocker {
    Sqlite(diesel::SqliteConnection),
    Pg(PgConnection),
}

impl WriteBlocker {
    /// Takes the lock; returns once it is held.
    pub fn hold(db: &TestDb) -> WriteBlocker {
        match db.backend {
            Db::Sqlite => {
                let path = db.url.strip_prefix("sqlite://").expect("sqlite:// URL");
                let mut c = diesel::SqliteConnection::establish(path).expect("side connection");
                c.batch_execute("PRAGMA busy_timeout = 10000; BEGIN IMMEDIATE")
                    .expect("take the write lock");
                WriteBlocker::Sqlite(c)
            }
            Db::Postgres => {
                let mut c = PgConnection::establish(&db.url).expect("side connection");
                c.batch_execute("BEGIN; LOCK TABLE channels IN EXCLUSIVE MODE")
                    .expect("lock the channels table");
                WriteBlocker::Pg(c)
            }
        }
    }

    /// Ends the transaction, releasing the lock.
    pub fn release(self) {
        match self {
            WriteBlocker::Sqlite(mut c) => c.batch_execute("ROLLBACK"),
            WriteBlocker::Pg(mut c) => c.batch_execute("ROLLBACK"),
        }
        .expect("roll back");
    }
}
