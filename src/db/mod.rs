//! The database layer: one connection type over SQLite and PostgreSQL, the
//! r2d2 pool that hands it out, the embedded migrations, and one module of
//! query functions per table. Query functions take `&mut DbConn` and return
//! `QueryResult`; handlers run them on the blocking pool (see `routes::state`).

pub mod articles;
pub mod audit;
pub mod categories;
pub mod editor;
pub mod feeds;
pub mod media;
pub mod models;
pub mod redirects;
pub mod schema;
pub mod search;
pub mod sessions;
pub mod settings;
pub mod sitemaps;
pub mod tags;
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
                let mut conn =
                    SqliteConnection::establish(&target).map_err(|source| DbError::Connect {
                        url: shown.clone(),
                        source,
                    })?;
                // WAL lets readers proceed while one writer writes; the busy
                // timeout makes a second writer wait instead of failing.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
                     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                )
                .map_err(|source| DbError::Setup {
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

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), DbError> {
        conn.batch_execute("SELECT 1")
            .map_err(|source| DbError::Setup {
                url: self.url.display(),
                source,
            })
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

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
            .connection_timeout(Duration::from_secs(10))
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
