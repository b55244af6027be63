//! The database layer: one connection type over SQLite and PostgreSQL, the
//! r2d2 pool that hands it out, the embedded migrations, and one module of
//! query functions per table. Query functions take `&mut DbConn` and return
//! `QueryResult`; handlers run them on the blocking pool (see `app::AppState::run`).

pub mod article_views;
pub mod articles;
pub mod audit;
pub mod categories;
pub mod editor;
pub mod feeds;
pub mod live_entries;
pub mod media;
pub mod models;
pub mod notes;
pub mod pings;
pub mod redirects;
pub mod review_notes;
pub mod schema;
pub mod search;
pub mod search_budget;
pub mod search_index;
pub mod sessions;
pub mod settings;
pub mod sitemaps;
pub mod tags;
pub mod timestamp;
pub mod users;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

/// One connection to either backend; diesel's query DSL works on it as on
/// any connection, and `match` on it reaches backend-specific SQL.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// The backend type diesel generates for [`DbConn`].
pub type Backend = MultiBackend;

/// Runs a read on the connection's own backend rather than through the
/// [`DbConn`] wrapper. diesel's `MultiConnection` turns the whole query
/// into SQL text again each time it runs (for the statement cache's key,
/// its safety check and the binds) and converts every value it reads
/// through a backend-neutral one; on the article page with the page cache
/// off that was a fifth of the server's CPU. `$body` is expanded once per
/// backend, so it must build its query itself, from backend-neutral parts.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Pg($c) => $body,
        }
    };
}
pub(crate) use on_backend;

/// Configures SQLite once per process, before its first connection:
///  - without its count of the memory it allocates, which takes one
///    process-wide mutex on every allocation, that the pool's threads then
///    wait on for each other (futex calls under every uncached page in a
///    profile);
///  - in its multi-thread mode, in which a connection takes no mutex of its
///    own on every call (each column read of each row took and released
///    one: 4% of the home page's instructions). That mode asks that no
///    connection nor its statements be used by two threads at once, which
///    diesel's `SqliteConnection` guarantees: it is `Send` but not `Sync`,
///    and the pool hands each one to one thread at a time.
fn configure_sqlite() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sqlite3_config with SQLITE_CONFIG_MEMSTATUS takes one int,
        // with SQLITE_CONFIG_MULTITHREAD nothing; each is refused
        // (SQLITE_MISUSE, no harm done) once SQLite is initialized, and
        // `Once` keeps them from racing with each other.
        let memstatus = unsafe {
            libsqlite3_sys::sqlite3_config(
                libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS,
                0 as std::ffi::c_int,
            )
        };
        // SAFETY: as above.
        let multithread =
            unsafe { libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MULTITHREAD) };
        if memstatus != libsqlite3_sys::SQLITE_OK || multithread != libsqlite3_sys::SQLITE_OK {
            tracing::debug!(
                memstatus,
                multithread,
                "SQLite was initialized already: its memory statistics and mutexes stay on"
            );
        }
    });
}

/// Runs `f` in a transaction that writes, committing if it returns `Ok`
/// and rolling back if it returns `Err`. Every transaction that writes
/// goes through here rather than `Connection::transaction`.
///
/// On SQLite the outermost one begins with `BEGIN IMMEDIATE`: it takes the
/// write lock first, waiting up to the busy timeout for another writer to
/// finish. diesel's `BEGIN` would start as a reader, and a reader that
/// later writes fails at once ("database is locked", no waiting) whenever
/// another writer committed since its first read. On PostgreSQL it is a
/// plain `BEGIN`. Inside another transaction it is a savepoint of that
/// one, as with `Connection::transaction`; diesel's own bookkeeping of the
/// depth is used throughout, so the two nest either way.
pub fn write_transaction<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    use diesel::result::Error;
    type Manager = <DbConn as Connection>::TransactionManager;

    let outermost = Manager::transaction_manager_status_mut(conn)
        .transaction_depth()?
        .is_none();
    match conn {
        DbConn::Sqlite(inner) if outermost => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?
        }
        _ => Manager::begin_transaction(conn)?,
    }
    match f(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        // As `Connection::transaction`: the caller's error unless the
        // rollback itself failed (a broken manager is reported by the
        // caller's error, which most likely caused it).
        Err(error) => match Manager::rollback_transaction(conn) {
            Ok(()) | Err(Error::BrokenTransactionManager) => Err(error),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConn = r2d2::PooledConnection<ConnectionManager>;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A database URL, checked and split by scheme before anything connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://relative/path.db` or `sqlite:///absolute/path.db`.
    Sqlite(PathBuf),
    /// `postgres://...` or `postgresql://...`, passed to libpq as given.
    Postgres(String),
}

/// Why a database could not be used: the message names the URL with any
/// password hidden, so it can be printed to an operator as it is.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL {0}: use sqlite://PATH or postgres://USER@HOST/DB")]
    BadUrl(String),
    #[error("cannot connect to database {url}")]
    Connect {
        url: String,
        #[source]
        source: diesel::ConnectionError,
    },
    #[error("cannot prepare database {url}")]
    Setup {
        url: String,
        #[source]
        source: diesel::result::Error,
    },
    #[error("cannot create the folder for database {url}")]
    Folder {
        url: String,
        #[source]
        source: std::io::Error,
    },
    #[error("database {url} is not reachable")]
    Pool {
        url: String,
        #[source]
        source: r2d2::Error,
    },
    #[error("migrations failed on {url}: {message}")]
    Migrate { url: String, message: String },
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, DbError> {
        let raw = raw.trim();
        if let Some(rest) = raw.strip_prefix("sqlite://") {
            let path = rest.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(DbError::BadUrl(raw.to_owned()));
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            if url::Url::parse(raw).is_err() {
                return Err(DbError::BadUrl(redact(raw)));
            }
            return Ok(DatabaseUrl::Postgres(raw.to_owned()));
        }
        Err(DbError::BadUrl(redact(raw)))
    }

    /// The URL as it may be shown to a person: the password replaced by `***`.
    pub fn display(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => redact(url),
        }
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, DatabaseUrl::Sqlite(_))
    }
}

/// `SELECT COUNT(*) FROM (query) AS counted`: the rows of a query counted
/// by the database, one number back. Loading them to count them sends
/// every row over the wire and decodes it (1,000 ids for a long listing's
/// capped count, half a millisecond on PostgreSQL); diesel's own `count()`
/// cannot count a query that has a `LIMIT`. The statement stays prepared
/// whenever `Q`'s would.
#[derive(Debug, Clone, Copy, diesel::query_builder::QueryId)]
pub struct CountRows<Q>(pub Q);

impl<Q> diesel::query_builder::Query for CountRows<Q> {
    type SqlType = diesel::sql_types::BigInt;
}

impl<Q, C> diesel::RunQueryDsl<C> for CountRows<Q> {}

impl<Q, DB> diesel::query_builder::QueryFragment<DB> for CountRows<Q>
where
    DB: diesel::backend::Backend,
    Q: diesel::query_builder::QueryFragment<DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> diesel::QueryResult<()> {
        out.push_sql("SELECT COUNT(*) FROM (");
        self.0.walk_ast(out.reborrow())?;
        out.push_sql(") AS counted");
        Ok(())
    }
}

/// Whole numbers as a SQL list (`1,2,3`), for the `IN (...)` of a
/// statement written out by hand. Only for numbers our own queries
/// produced, never for input.
pub(crate) fn sql_int_list(numbers: &[i32]) -> String {
    numbers
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Hides the password of a URL; anything that does not parse is shown only
/// up to its scheme, since it might hold a secret in an unexpected place.
pub fn redact(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some("***"));
            }
            url.to_string()
        }
        Err(_) => match raw.split_once("://") {
            Some((scheme, _)) => format!("{scheme}://…"),
            None if raw.len() <= 40 && !raw.contains('@') => raw.to_owned(),
            None => "(unparsable URL)".to_owned(),
        },
    }
}

/// Counts every statement the pool's connections run. Tests read it to
/// check that a listing costs a constant number of queries.
#[derive(Debug, Clone, Default)]
pub struct QueryCounter(Arc<AtomicU64>);

impl QueryCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

struct CountQueries(Arc<AtomicU64>);

impl Instrumentation for CountQueries {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { .. } = event {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Opens connections by the URL's scheme, so the operator sees the real
/// connection error rather than a generic pool timeout, and sets up every
/// SQLite connection for concurrent use.
#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    queries: QueryCounter,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> Self {
        ConnectionManager {
            url,
            queries: QueryCounter::default(),
        }
    }

    pub fn establish(&self) -> Result<DbConn, DbError> {
        let shown = self.url.display();
        let mut conn = match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let target = path.to_string_lossy();
                configure_sqlite();
                let mut conn =
                    SqliteConnection::establish(&target).map_err(|source| DbError::Connect {
                        url: shown.clone(),
                        source,
                    })?;
                // WAL lets readers proceed while one writer writes; the busy
                // timeout makes a second writer wait instead of failing.
                // Temporary b-trees (a GROUP BY, a sort) stay in memory: as
                // files they cost system calls on every such query.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
                     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                     PRAGMA temp_store = MEMORY;",
                )
                .map_err(|source| DbError::Setup {
                    url: shown.clone(),
                    source,
                })?;
                // The time limit of public search (`search::search`, `search_budget`).
                search_budget::register_functions(&mut conn).map_err(|source| DbError::Setup {
                    url: shown.clone(),
                    source,
                })?;
                DbConn::Sqlite(conn)
            }
            DatabaseUrl::Postgres(url) => DbConn::Pg(PgConnection::establish(url).map_err(
                |source| DbError::Connect {
                    url: shown.clone(),
                    source,
                },
            )?),
        };
        conn.set_instrumentation(CountQueries(self.queries.0.clone()));
        Ok(conn)
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConn;
    type Error = DbError;

    fn connect(&self) -> Result<DbConn, DbError> {
        self.establish()
    }

    /// Run on every checkout. A PostgreSQL connection may have been cut
    /// (a restart): one round trip finds out before a request uses it. A
    /// SQLite connection is a file opened in this process and cannot be
    /// cut, and `SELECT 1` (parsed anew by each `sqlite3_exec`) was 7% of
    /// an uncached page.
    fn is_valid(&self, conn: &mut DbConn) -> Result<(), DbError> {
        match conn {
            DbConn::Sqlite(_) => Ok(()),
            DbConn::Pg(_) => conn
                .batch_execute("SELECT 1")
                .map_err(|source| DbError::Setup {
                    url: self.url.display(),
                    source,
                }),
        }
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

/// How long a request waits for a database connection before it is
/// answered 503: long enough for a burst of writers, short enough that a
/// reader is not left hanging while the database is away.
pub const POOL_WAIT: Duration = Duration::from_secs(2);

/// The pool and what the application needs to know about it.
#[derive(Clone)]
pub struct Database {
    pub pool: Pool,
    pub url: DatabaseUrl,
    pub queries: QueryCounter,
}

impl Database {
    /// Connects once directly (so a bad URL or a refused connection is
    /// reported as it is), then builds the pool.
    pub fn connect(url: DatabaseUrl) -> Result<Database, DbError> {
        ensure_folder(&url)?;
        let manager = ConnectionManager::new(url.clone());
        let queries = manager.queries.clone();
        let first = manager.establish()?;
        drop(first);
        let size = if url.is_sqlite() { 8 } else { 16 };
        let pool = r2d2::Pool::builder()
            .max_size(size)
            .min_idle(Some(1))
            .connection_timeout(POOL_WAIT)
            .build(manager)
            .map_err(|source| DbError::Pool {
                url: url.display(),
                source,
            })?;
        Ok(Database { pool, url, queries })
    }

    /// Refreshes SQLite's planner statistics, with a sampling limit that
    /// keeps it to milliseconds on any size. Without statistics SQLite
    /// picks poor plans for the large tables (seen at 100,000 articles:
    /// search went from half a second to five). PostgreSQL's autovacuum
    /// does the same on its own.
    pub fn analyze_sqlite(&self) -> Result<(), DbError> {
        if !self.url.is_sqlite() {
            return Ok(());
        }
        let mut conn = self.get().map_err(|source| DbError::Pool {
            url: self.url.display(),
            source,
        })?;
        conn.batch_execute("PRAGMA analysis_limit = 400; ANALYZE;")
            .map_err(|source| DbError::Setup {
                url: self.url.display(),
                source,
            })
    }

    pub fn get(&self) -> Result<PooledConn, r2d2::Error> {
        self.pool.get()
    }

    /// Runs every pending migration of this backend.
    pub fn migrate(&self) -> Result<usize, DbError> {
        let mut conn = self.get().map_err(|source| DbError::Pool {
            url: self.url.display(),
            source,
        })?;
        run_migrations(&mut conn).map_err(|message| DbError::Migrate {
            url: self.url.display(),
            message,
        })
    }
}

/// Creates the folder of a SQLite database file if it is missing.
fn ensure_folder(url: &DatabaseUrl) -> Result<(), DbError> {
    if let DatabaseUrl::Sqlite(path) = url {
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|source| DbError::Folder {
                url: url.display(),
                source,
            })?;
        }
    }
    Ok(())
}

/// One migrated connection without a pool, for the one-shot commands
/// (`migrate`, `demo`, `import`): a pool's background threads could still
/// be opening a connection when such a command exits.
pub fn connect_once(url: &DatabaseUrl) -> Result<(DbConn, usize), DbError> {
    ensure_folder(url)?;
    let mut conn = ConnectionManager::new(url.clone()).establish()?;
    let ran = run_migrations(&mut conn).map_err(|message| DbError::Migrate {
        url: url.display(),
        message,
    })?;
    Ok((conn, ran))
}

/// Runs the pending migrations of the connection's backend; returns how many ran.
pub fn run_migrations(conn: &mut DbConn) -> Result<usize, String> {
    let ran = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        DbConn::Pg(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.len()),
    };
    ran.map_err(|e| e.to_string())
}

/// Reverts every migration of the connection's backend, newest first.
pub fn revert_all_migrations(conn: &mut DbConn) -> Result<usize, String> {
    let reverted = match conn {
        DbConn::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        DbConn::Pg(c) => c
            .revert_all_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.len()),
    };
    reverted.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::sql_types::Integer;
    use diesel::RunQueryDsl;

    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = Integer)]
        n: i32,
    }

    /// A fresh SQLite file, removed (with its WAL) when dropped.
    struct TempDb(std::path::PathBuf);

    impl TempDb {
        fn new(name: &str) -> TempDb {
            let path = std::env::temp_dir().join(format!(
                "iconocast-unit-{name}-{}-{}.db",
                std::process::id(),
                chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
            ));
            TempDb(path)
        }

        fn connect(&self) -> DbConn {
            ConnectionManager::new(DatabaseUrl::Sqlite(self.0.clone()))
                .establish()
                .expect("a SQLite connection")
        }
    }

    impl Drop for TempDb {
        fn drop(&mut self) {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = self.0.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
    }

    fn numbers(conn: &mut DbConn) -> Vec<i32> {
        diesel::sql_query("SELECT n FROM t ORDER BY n")
            .load::<Row>(conn)
            .expect("rows")
            .into_iter()
            .map(|r| r.n)
            .collect()
    }

    fn insert(conn: &mut DbConn, n: i32) -> diesel::QueryResult<()> {
        conn.batch_execute(&format!("INSERT INTO t (n) VALUES ({n})"))
    }

    #[test]
    fn a_write_transaction_on_sqlite_is_the_writer_from_its_start() {
        let db = TempDb::new("immediate");
        let mut first = db.connect();
        let mut second = db.connect();
        first
            .batch_execute("CREATE TABLE t (n INTEGER NOT NULL)")
            .expect("table");
        second
            .batch_execute("PRAGMA busy_timeout = 0")
            .expect("no waiting");
        // Read, let another connection try to write, then write: with a
        // transaction that began as a reader the other write would land
        // and this one would fail with "database is locked".
        let outcome = write_transaction::<_, diesel::result::Error, _>(&mut first, |conn| {
            let before = numbers(conn);
            let other = insert(&mut second, 1);
            insert(conn, 2)?;
            Ok((before, other.is_err()))
        });
        assert_eq!(outcome, Ok((Vec::new(), true)));
        assert_eq!(numbers(&mut first), vec![2]);
        insert(&mut second, 3).expect("the lock is released at commit");
        assert_eq!(numbers(&mut first), vec![2, 3]);
    }

    #[test]
    fn write_transactions_nest_as_savepoints_and_roll_back_on_error() {
        let db = TempDb::new("nested");
        let mut conn = db.connect();
        conn.batch_execute("CREATE TABLE t (n INTEGER NOT NULL)")
            .expect("table");
        let outcome = write_transaction::<_, diesel::result::Error, _>(&mut conn, |conn| {
            insert(conn, 1)?;
            let inner = write_transaction::<(), _, _>(conn, |conn| {
                insert(conn, 2)?;
                Err(diesel::result::Error::RollbackTransaction)
            });
            assert!(inner.is_err());
            // diesel's own transactions nest inside it too.
            #[allow(clippy::disallowed_methods)]
            conn.transaction::<_, diesel::result::Error, _>(|conn| insert(conn, 3))?;
            Ok(())
        });
        assert_eq!(outcome, Ok(()));
        assert_eq!(numbers(&mut conn), vec![1, 3]);

        let failed = write_transaction::<(), _, _>(&mut conn, |conn| {
            insert(conn, 4)?;
            Err(diesel::result::Error::NotFound)
        });
        assert_eq!(failed, Err(diesel::result::Error::NotFound));
        assert_eq!(numbers(&mut conn), vec![1, 3]);
        // Nothing is left open: the next one begins afresh.
        write_transaction::<_, diesel::result::Error, _>(&mut conn, |conn| insert(conn, 5))
            .expect("a new transaction");
        assert_eq!(numbers(&mut conn), vec![1, 3, 5]);
    }
}
