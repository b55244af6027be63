//! The application's state, which every handler shares: the database pool
//! and the turns to use it, the page cache, the site's base URL and
//! limits, and the metrics. Handlers reach it through `web::Data<AppState>`;
//! nothing here knows about routes or responses.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::web;
use chrono::Datelike;
use tokio::sync::{Semaphore, TryAcquireError};

use crate::db::models::{Category, SiteSettings};
use crate::db::{categories, settings, Database, DbConn};
use crate::domain::clock::now;
use crate::error::AppError;
use crate::metrics::Metrics;
use crate::page_cache::http::CacheHost;
use crate::page_cache::PageCache;
use crate::readership::Readership;
use crate::static_files;
use crate::views::{structured, Head, Layout};

pub struct AppState {
    pub db: Database,
    /// Absolute base URL without a trailing slash, e.g. `https://news.example`.
    pub base_url: String,
    /// The folder of uploaded images (`--media-dir`), possibly shared with
    /// other processes.
    pub media_dir: std::path::PathBuf,
    /// The largest image upload accepted, in bytes (`--max-upload-mb`).
    pub max_upload_bytes: usize,
    /// The most pixels a picture may have (`--max-image-megapixels`).
    pub max_image_pixels: u64,
    /// One permit per picture being processed at once (one per core): an
    /// upload waits its turn here, on the async side, before its CPU-heavy
    /// work runs on the blocking pool.
    pub pictures: Arc<Semaphore>,
    /// Proxies whose `X-Forwarded-For` names the client (see
    /// `auth::session::client_ip`).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Public pages kept rendered (see `page_cache`).
    pub pages: Arc<PageCache>,
    /// One permit per pooled connection: requests wait their turn here,
    /// on the async side, instead of as parked threads inside the pool.
    pub db_slots: Arc<Semaphore>,
    /// The settings and categories every page shows, as of a generation
    /// of the content (see `page_cache::Freshness`).
    pub site: Mutex<Option<(u64, Arc<SiteAndCategories>)>>,
    /// How many searches run at once, and for how long (`routes::search` answers with them).
    pub search: Arc<SearchLimits>,
    /// The operator's metrics, when `--metrics-bind` serves them.
    pub metrics: Option<Arc<Metrics>>,
    /// Article views counted, and the most-read ranking (see `readership`).
    pub readership: Arc<Readership>,
    /// Where publish pings go: the feeds name the hubs, and the IndexNow
    /// key is served at `/{key}.txt`.
    pub pings: crate::pings::PingSettings,
}

impl CacheHost for AppState {
    fn pages(&self) -> &Arc<PageCache> {
        &self.pages
    }

    fn with_connection<F>(&self, f: F) -> impl std::future::Future<Output = Result<(), AppError>>
    where
        F: FnOnce(&mut DbConn) + Send + 'static,
    {
        self.run(move |conn| {
            f(conn);
            Ok(())
        })
    }

    fn viewed(&self, article: i32, req: &actix_web::HttpRequest) {
        if crate::readership::is_reader(req.method(), req.headers()) {
            self.readership.count(article);
        }
    }
}

/// The least a request waits for a connection once it has its turn.
const LAST_TRY: Duration = Duration::from_millis(50);

/// What every public page shows of the site, read and prepared once per
/// generation of the content.
pub struct SiteAndCategories {
    pub site: Arc<SiteSettings>,
    /// In navigation order.
    pub categories: Arc<[Category]>,
    /// The publisher's JSON-LD, serialized for its script element.
    pub organization: String,
}

impl AppState {
    /// Runs `f` with a pooled connection on the blocking thread pool, so
    /// no diesel call ever runs on an async worker.
    pub async fn run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.run_then(f, Ok).await
    }

    /// Runs `f` as [`AppState::run`] does, then `then` on what it read, on
    /// the same blocking thread once the connection and its turn are given
    /// back. Pages are rendered this way: the template's work stays off the
    /// async workers without holding a connection, and the rows a page is
    /// made of are freed by the thread that allocated them (what `f` reads
    /// need not be `Send`; only what `then` makes of it crosses threads).
    pub async fn run_then<T, U, F, G>(&self, f: F, then: G) -> Result<U, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        G: FnOnce(T) -> Result<U, AppError> + Send + 'static,
        U: Send + 'static,
    {
        let pool = self.db.pool.clone();
        // One deadline for the turn and the connection together: when the
        // database is away, an answer (503, or a stale page from the
        // cache) comes within `POOL_WAIT`, not after a queue of timeouts.
        let deadline = Instant::now() + crate::db::POOL_WAIT;
        let permit = match self.db_slots.clone().try_acquire_owned() {
            Ok(permit) => Some(permit),
            Err(TryAcquireError::Closed) => None,
            Err(TryAcquireError::NoPermits) => {
                self.count(Metrics::pool_wait);
                let wait = actix_web::rt::time::timeout(
                    crate::db::POOL_WAIT,
                    self.db_slots.clone().acquire_owned(),
                );
                match wait.await {
                    Ok(permit) => permit.ok(),
                    Err(_) => {
                        self.count(Metrics::pool_timeout);
                        return Err(AppError::Unavailable(
                            "no database connection freed up in time".to_owned(),
                        ));
                    }
                }
            }
        };
        // What is left of the wait; an idle connection is handed out at
        // once even when nothing is left.
        let left = deadline.saturating_duration_since(Instant::now());
        let done = web::block(move || {
            let read = pool
                .get_timeout(left.max(LAST_TRY))
                .map_err(AppError::from)
                .and_then(|mut conn| f(&mut conn));
            drop(permit);
            read.and_then(then)
        })
        .await?;
        if let Err(AppError::Pool(_)) = done {
            self.count(Metrics::pool_timeout);
        }
        done
    }

    /// Records `what` in the metrics, if they are kept.
    pub fn count(&self, what: impl FnOnce(&Metrics)) {
        if let Some(metrics) = &self.metrics {
            what(metrics);
        }
    }

    /// The layout of a page: the site settings and navigation, read once
    /// per change of the content rather than on every page.
    pub fn layout(&self, conn: &mut DbConn, head: Head) -> Result<Layout, AppError> {
        let shared = self.site_and_categories(conn)?;
        Ok(Layout::new(
            shared.site.clone(),
            shared.categories.clone(),
            shared.organization.clone(),
            &self.base_url,
            head,
            now().year(),
        ))
    }

    fn site_and_categories(&self, conn: &mut DbConn) -> Result<Arc<SiteAndCategories>, AppError> {
        let generation = self.pages.freshness().generation();
        if let Some((seen, shared)) = self.site_memo().as_ref() {
            if *seen == generation {
                return Ok(shared.clone());
            }
        }
        let (site, categories) = site_and_categories(conn)?;
        let organization = structured::script_json(&structured::organization(
            &site,
            &self.base_url,
            static_files::url("logo.svg"),
        ));
        let shared = Arc::new(SiteAndCategories {
            site: Arc::new(site),
            categories: categories.into(),
            organization,
        });
        *self.site_memo() = Some((generation, shared.clone()));
        Ok(shared)
    }

    fn site_memo(&self) -> std::sync::MutexGuard<'_, Option<(u64, Arc<SiteAndCategories>)>> {
        // Plain data: a panic elsewhere cannot leave it half-written.
        self.site.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub fn site_and_categories(conn: &mut DbConn) -> Result<(SiteSettings, Vec<Category>), AppError> {
    Ok((settings::load(conn)?, categories::all(conn)?))
}

/// Whether the public base URL is https: then browsers are told to use
/// nothing else (HSTS) and cookies are `Secure` and `__Host-`.
pub fn is_https(base_url: &str) -> bool {
    base_url
        .get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
}

/// What one search may cost: how many run at once, and for how long.
pub struct SearchLimits {
    /// One permit per search running; a search that finds none free
    /// waits for one at most [`SearchLimits::QUEUE_WAIT`], then answers
    /// 503.
    pub slots: Semaphore,
    time_limit_ms: AtomicU64,
}

impl SearchLimits {
    /// Searches running at once, by default.
    pub const AT_ONCE: usize = 4;
    /// How long one search's queries may run, by default.
    pub const TIME_LIMIT: Duration = Duration::from_secs(2);
    /// How long a search waits for a turn when as many as allowed are
    /// running: long enough to ride out a burst, short enough that the
    /// reader has an answer within about two seconds.
    pub const QUEUE_WAIT: Duration = Duration::from_millis(750);
    /// `Retry-After` of a refused search, in seconds.
    pub const RETRY_AFTER_SECS: u32 = 2;

    pub fn new(at_once: usize, time_limit: Duration) -> SearchLimits {
        let limits = SearchLimits {
            slots: Semaphore::new(at_once),
            time_limit_ms: AtomicU64::new(0),
        };
        limits.set_time_limit(time_limit);
        limits
    }

    pub fn time_limit(&self) -> Duration {
        Duration::from_millis(self.time_limit_ms.load(Ordering::Relaxed))
    }

    /// Changes the time limit of the searches that start from now on.
    pub fn set_time_limit(&self, limit: Duration) {
        let ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX);
        self.time_limit_ms.store(ms, Ordering::Relaxed);
    }
}

impl Default for SearchLimits {
    fn default() -> Self {
        SearchLimits::new(Self::AT_ONCE, Self::TIME_LIMIT)
    }
}
