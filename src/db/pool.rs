use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::r2d2::{ManageConnection, Pool, PooledConnection, R2D2Connection};
use diesel::Connection;
use diesel::RunQueryDsl;

use super::dialect::{self, Timeouts};
use super::error::{DbError, SetupError};
use super::DbConn;
use crate::metrics::{goods, Histogram};

pub type Pooled = PooledConnection<Manager>;

/// The connection pool, and on SQLite the queue its writers wait in.
///
/// SQLite has one writer at a time. Left to itself, a writer that finds the lock taken sleeps in
/// SQLite's busy handler in growing steps (up to 100 ms) and polls again, so under 16 concurrent
/// lines most of the tail latency was sleeping while the lock stood free. Writers of this process
/// therefore queue in FIFO order in front of `BEGIN IMMEDIATE` (see [`run_queued`]) and each starts
/// the moment its predecessor is done. Other processes on the same file (the CLI) still meet the
/// busy handler. PostgreSQL has row locks and needs no queue.
#[derive(Clone)]
pub struct DbPool {
    pool: Pool<Manager>,
    writers: Option<Arc<tokio::sync::Mutex<()>>>,
    stats: Arc<PoolStats>,
}

/// What the pool saw, for `/metrics`.
#[derive(Debug, Default)]
pub struct PoolStats {
    /// Connections handed out.
    pub checkouts: AtomicU64,
    /// Checkouts that found no idle connection and had to wait (or open one).
    pub waits: AtomicU64,
    /// Checkouts that gave up after the checkout timeout.
    pub timeouts: AtomicU64,
    /// How long each checkout took.
    pub checkout_seconds: Histogram,
    /// SQLite writers waiting in the queue now.
    pub writers_queued: AtomicI64,
    /// How long each SQLite writer waited for its turn.
    pub writer_wait_seconds: Histogram,
    /// Packs committed by work on this pool.
    pub goods: goods::Counters,
}

impl DbPool {
    /// What the pool saw so far.
    pub fn stats(&self) -> &PoolStats {
        &self.stats
    }

    /// Whether writers of this pool queue (SQLite).
    pub fn has_writer_queue(&self) -> bool {
        self.writers.is_some()
    }

    /// Most connections the pool opens.
    pub fn max_size(&self) -> u32 {
        self.pool.max_size()
    }
}

impl std::ops::Deref for DbPool {
    type Target = Pool<Manager>;

    fn deref(&self) -> &Pool<Manager> {
        &self.pool
    }
}

impl std::fmt::Debug for DbPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbPool")
            .field("state", &self.pool.state())
            .field("write_queue", &self.writers.is_some())
            .finish()
    }
}

/// Which database a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Picks the backend from the URL scheme; anything else is refused, never silently defaulted.
    pub fn from_url(url: &str) -> Result<(Backend, String), SetupError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(SetupError::MissingSqlitePath);
            }
            Ok((Backend::Sqlite, path.to_string()))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok((Backend::Postgres, url.to_string()))
        } else {
            let scheme = url.split("://").next().unwrap_or(url);
            Err(SetupError::UnsupportedScheme(scheme.to_string()))
        }
    }
}

/// Opens connections of the backend the URL chose. (diesel's generic `ConnectionManager` would try
/// every backend in turn, opening a PostgreSQL URL as a SQLite file first and hiding libpq's error.)
#[derive(Debug, Clone)]
pub struct Manager {
    backend: Backend,
    conn_str: String,
    timeouts: Timeouts,
}

impl Manager {
    /// The manager for a database URL (`sqlite://PATH` or `postgres://...`), with the command
    /// line's timeouts ([`Timeouts::OPERATOR`]).
    pub fn new(url: &str) -> Result<Manager, SetupError> {
        Manager::with_timeouts(url, Timeouts::OPERATOR)
    }

    /// The manager for a database URL whose connections get these timeouts.
    pub fn with_timeouts(url: &str, timeouts: Timeouts) -> Result<Manager, SetupError> {
        let (backend, conn_str) = Backend::from_url(url)?;
        Ok(Manager {
            backend,
            conn_str,
            timeouts,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// One connection, outside any pool, configured like every pooled one.
    pub fn establish(&self) -> Result<DbConn, SetupError> {
        self.open().map_err(|e| match e {
            diesel::r2d2::Error::ConnectionError(e) => SetupError::Connect(e),
            diesel::r2d2::Error::QueryError(e) => SetupError::Configure(e),
        })
    }

    fn open(&self) -> Result<DbConn, diesel::r2d2::Error> {
        let mut conn = match self.backend {
            Backend::Sqlite => {
                diesel::SqliteConnection::establish(&self.conn_str).map(DbConn::Sqlite)
            }
            Backend::Postgres => diesel::PgConnection::establish(&self.conn_str).map(DbConn::Pg),
        }
        .map_err(diesel::r2d2::Error::ConnectionError)?;
        dialect::configure(&mut conn, &self.timeouts).map_err(diesel::r2d2::Error::QueryError)?;
        Ok(conn)
    }
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        self.open()
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        ping(conn).map_err(diesel::r2d2::Error::QueryError)
    }

    /// A connection dropped mid-panic, with a broken transaction, or whose server went away
    /// during the work just done on this thread is discarded, not reused.
    fn has_broken(&self, conn: &mut DbConn) -> bool {
        let lost = super::error::take_lost();
        std::thread::panicking() || lost || conn.is_broken()
    }
}

/// How a pool is sized and how long its connections wait.
#[derive(Debug, Clone, Copy)]
pub struct PoolOptions {
    /// Most connections open at once.
    pub max_size: u32,
    /// How long a request waits for a free connection (or a first one to a server that does
    /// not answer) before it is told to retry.
    pub checkout: Duration,
    /// Each connection's lock and statement timeouts.
    pub timeouts: Timeouts,
}

impl PoolOptions {
    /// `max_size` connections with the service's default waits: 3 s for a connection, 5 s for a
    /// lock, 30 s for a statement.
    pub fn new(max_size: u32) -> PoolOptions {
        PoolOptions {
            max_size,
            checkout: Duration::from_secs(3),
            timeouts: Timeouts {
                sqlite_busy: Duration::from_secs(5),
                pg_lock: Duration::from_secs(5),
                pg_statement: Duration::from_secs(30),
            },
        }
    }
}

/// Builds the pool for a database URL (`sqlite://path` or `postgres://...`) with the default
/// waits of [`PoolOptions::new`].
pub fn build_pool(url: &str, max_size: u32) -> Result<DbPool, SetupError> {
    build_pool_with(url, &PoolOptions::new(max_size))
}

/// Builds the pool for a database URL with these options.
pub fn build_pool_with(url: &str, options: &PoolOptions) -> Result<DbPool, SetupError> {
    let manager = Manager::with_timeouts(url, options.timeouts)?;
    let backend = manager.backend();
    let pool = Pool::builder()
        .max_size(options.max_size)
        .connection_timeout(options.checkout)
        .min_idle(Some(1))
        .test_on_check_out(false)
        .build(manager)
        .map_err(SetupError::Pool)?;
    let writers = (backend == Backend::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(())));
    Ok(DbPool {
        pool,
        writers,
        stats: Arc::default(),
    })
}

/// Runs blocking database work on the runtime's blocking thread pool, inside the caller's
/// tracing span, with a pooled connection.
///
/// Every diesel call of a request goes through here, so async workers never block on I/O. The
/// work's own error type only has to accept the pool's failures (`DbError`).
pub async fn run<T, E, F>(pool: &DbPool, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    let pool = pool.clone();
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        let mut conn = checkout(&pool)?;
        let result = f(&mut conn);
        drop(conn);
        pool.stats.goods.add(goods::take_committed());
        result
    })
    .await
    .map_err(DbError::Blocking)?
}

/// A pooled connection, counted: whether it had to wait, how long it took, whether it timed out.
fn checkout(pool: &DbPool) -> Result<Pooled, DbError> {
    let stats = &pool.stats;
    let started = Instant::now();
    let conn = match pool.pool.try_get() {
        Some(conn) => conn,
        None => {
            stats.waits.fetch_add(1, Ordering::Relaxed);
            pool.pool.get().map_err(|e| {
                stats.timeouts.fetch_add(1, Ordering::Relaxed);
                DbError::Unavailable(e)
            })?
        }
    };
    stats.checkouts.fetch_add(1, Ordering::Relaxed);
    stats
        .checkout_seconds
        .observe(started.elapsed().as_secs_f64());
    Ok(conn)
}

/// [`run`] for work that writes: on SQLite it first waits its turn in the pool's FIFO writer
/// queue (without holding a connection or a blocking thread), and keeps the turn until the work
/// is done even if the request is abandoned meanwhile.
pub async fn run_queued<T, E, F>(pool: &DbPool, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    let turn = match &pool.writers {
        Some(queue) => {
            let stats = &pool.stats;
            let _waiting = Waiting::on(&stats.writers_queued);
            let started = Instant::now();
            let turn = queue.clone().lock_owned().await;
            stats
                .writer_wait_seconds
                .observe(started.elapsed().as_secs_f64());
            Some(turn)
        }
        None => None,
    };
    run(pool, move |conn| {
        let result = f(conn);
        drop(turn);
        result
    })
    .await
}

/// One more in a gauge while alive, also when the waiting request is abandoned.
struct Waiting<'a>(&'a AtomicI64);

impl<'a> Waiting<'a> {
    fn on(gauge: &'a AtomicI64) -> Waiting<'a> {
        gauge.fetch_add(1, Ordering::Relaxed);
        Waiting(gauge)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Cheap liveness query used by `/readyz`.
pub fn ping(conn: &mut DbConn) -> diesel::QueryResult<()> {
    diesel::sql_query("SELECT 1").execute(conn).map(|_| ())
}
