//! Building the application: database, migrations, demo seed, and the
//! HTTP server with its routes and middleware.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::error::InternalError;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::{from_fn, DefaultHeaders};
use actix_web::{web, App, HttpServer};
use anyhow::Context;

use crate::app::{is_https, AppState};
use crate::db::{Database, DatabaseUrl};
use crate::error::ErrorPage;
use crate::metrics::Metrics;
use crate::page_cache::{self, PageCache};
use crate::readership::Readership;
use crate::routes;

/// What `serve` needs to know.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: DatabaseUrl,
    pub bind: String,
    pub base_url: Option<String>,
    pub demo: bool,
    /// Where uploaded images are stored (created if missing).
    pub media_dir: std::path::PathBuf,
    /// The largest image upload accepted, in bytes.
    pub max_upload_bytes: usize,
    /// The most pixels a picture may have (`--max-image-megapixels`).
    pub max_image_pixels: u64,
    /// Whether the demo content comes with its pictures (drawn at start-up
    /// into the media folder); tests leave them out unless they look at
    /// them.
    pub demo_pictures: bool,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The page cache's memory budget in bytes; 0 turns it off.
    pub page_cache_bytes: usize,
    /// Request threads; 0 lets actix start one per CPU core.
    pub workers: usize,
    /// How long a request body may take to arrive, before the allowance
    /// for its length (see `crate::body_timeout`).
    pub body_timeout: std::time::Duration,
    /// Where to serve `/metrics` for the operator's monitoring, apart
    /// from the public address; `None` keeps no metrics at all.
    pub metrics_bind: Option<String>,
    /// How often the views counted are saved and the most-read ranking
    /// read again (`readership::FLUSH_EVERY`).
    pub views_flush_every: std::time::Duration,
    /// WebSub hubs and IndexNow to tell of published and changed articles
    /// (`pings`); off by default.
    pub pings: crate::pings::PingSettings,
}

/// The body timeout unless `--body-timeout` says otherwise.
pub const DEFAULT_BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

pub struct Application {
    port: u16,
    base_url: String,
    db: Database,
    pages: Arc<PageCache>,
    search: Arc<crate::app::SearchLimits>,
    readership: Arc<Readership>,
    server: Server,
    /// The metrics listener's port and server, with `--metrics-bind`.
    metrics: Option<(u16, Server)>,
}

/// Connects, migrates and (if asked and the database is empty) seeds.
/// Runs on a blocking thread: diesel is synchronous.
pub async fn prepare_database(
    url: DatabaseUrl,
    demo: bool,
    pictures: Option<std::path::PathBuf>,
) -> anyhow::Result<Database> {
    actix_web::rt::task::spawn_blocking(move || -> anyhow::Result<Database> {
        let db = Database::connect(url)?;
        let ran = db.migrate()?;
        if ran > 0 {
            tracing::info!(migrations = ran, "database migrated");
        }
        db.analyze_sqlite()?;
        if demo {
            let mut conn = db.get().context("no database connection")?;
            let now = crate::domain::clock::now();
            if crate::demo::seed_if_empty(&mut conn, now, pictures.as_deref())? {
                tracing::info!("demo content loaded into the empty database");
            }
        }
        Ok(db)
    })
    .await
    .context("database set-up was interrupted")?
}

/// `Strict-Transport-Security` of an https site: a year, this host only
/// (other hosts of the domain may still be served over plain http).
pub const HSTS: &str = "max-age=31536000";

/// HSTS, then the headers every response carries: no sniffing, no
/// framing, and a content security policy that allows only this site's own
/// files (the pages need no script at all; JSON-LD blocks are data, not
/// script).
static SECURITY_HEADERS: [(HeaderName, HeaderValue); 4] = [
    (
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static(HSTS),
    ),
    (
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ),
    (
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    ),
    (
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        ),
    ),
];

/// The security headers of a site: HSTS only on an https one.
pub fn security_headers(https: bool) -> &'static [(HeaderName, HeaderValue)] {
    if https {
        &SECURITY_HEADERS
    } else {
        &SECURITY_HEADERS[1..]
    }
}

/// Adds the security headers to every response made within it (the page
/// cache, which keeps them with a page, and the routes). The built-in
/// files are answered outside it, with the same headers
/// (`routes::static_files::before_routing`).
fn security_layer(headers: &[(HeaderName, HeaderValue)]) -> DefaultHeaders {
    headers
        .iter()
        .fold(DefaultHeaders::new(), |layer, (name, value)| {
            layer.add((name.clone(), value.clone()))
        })
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        crate::media::ensure_dir(&settings.media_dir).with_context(|| {
            format!(
                "cannot create the media folder {}",
                settings.media_dir.display()
            )
        })?;
        let pictures = settings.demo_pictures.then(|| settings.media_dir.clone());
        let db = prepare_database(settings.database_url.clone(), settings.demo, pictures).await?;
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        let addr = listener.local_addr()?;
        let metrics_listener = match &settings.metrics_bind {
            Some(bind) => Some(
                TcpListener::bind(bind)
                    .with_context(|| format!("cannot listen for metrics on {bind}"))?,
            ),
            None => None,
        };
        let base_url = settings
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"))
            .trim_end_matches('/')
            .to_owned();
        let pages = PageCache::new(settings.page_cache_bytes);
        // The watcher runs with the cache off too: the layout's settings
        // and categories are kept per generation of the content.
        {
            let (url, freshness) = (settings.database_url.clone(), pages.freshness().clone());
            actix_web::rt::task::spawn_blocking(move || {
                page_cache::changes::start_watcher(url, &freshness)
            })
            .await
            .context("the page cache's watcher did not start")?
            .map_err(anyhow::Error::msg)
            .context("the page cache cannot follow the database's changes")?;
        }
        let search = Arc::new(crate::app::SearchLimits::default());
        let readership = Readership::new();
        {
            let (readership, url, freshness) = (
                readership.clone(),
                settings.database_url.clone(),
                pages.freshness().clone(),
            );
            let every = settings.views_flush_every;
            actix_web::rt::task::spawn_blocking(move || readership.start(url, &freshness, every))
                .await
                .context("the most-read counter did not start")?
                .context("cannot start the most-read counter")?;
        }
        let metrics = match metrics_listener {
            Some(_) => Some(Arc::new(
                Metrics::new(db.clone(), pages.clone()).context("cannot set up the metrics")?,
            )),
            None => None,
        };
        let state = web::Data::new(AppState {
            db: db.clone(),
            base_url: base_url.clone(),
            media_dir: settings.media_dir.clone(),
            max_upload_bytes: settings.max_upload_bytes,
            max_image_pixels: settings.max_image_pixels,
            pictures: Arc::new(tokio::sync::Semaphore::new(crate::pictures::at_once())),
            trusted_proxies: settings.trusted_proxies.clone(),
            pages: pages.clone(),
            db_slots: Arc::new(tokio::sync::Semaphore::new(db.pool.max_size() as usize)),
            site: std::sync::Mutex::new(None),
            search: search.clone(),
            metrics: metrics.clone(),
            readership: readership.clone(),
            pings: settings.pings.clone(),
        });
        crate::pings::start(
            settings.pings.clone(),
            base_url.clone(),
            db.clone(),
            Arc::downgrade(&pages),
        )
        .context("cannot start the publish pings")?;
        let body_timeout = settings.body_timeout;
        let security = security_headers(is_https(&base_url));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(web::QueryConfig::default().error_handler(|err, req| {
                    tracing::info!(path = %req.path(), error = %err, "malformed query string");
                    InternalError::from_response(
                        err,
                        ErrorPage::response(
                            StatusCode::BAD_REQUEST,
                            "Bad request",
                            "The address has a malformed query string.",
                        ),
                    )
                    .into()
                }))
                .app_data(web::PathConfig::default().error_handler(|err, _req| {
                    InternalError::from_response(err, ErrorPage::not_found()).into()
                }))
                .wrap(from_fn(move |req, next| {
                    crate::body_timeout::limit(body_timeout, req, next)
                }))
                .wrap(from_fn(crate::routes::respond::follow_redirects))
                .wrap(security_layer(security))
                // Outside the security headers: a cached page keeps them
                // with its other headers, so a hit needs no layer below.
                .wrap(from_fn(crate::page_cache::http::serve::<AppState, _>))
                .wrap(from_fn(move |req, next| {
                    routes::static_files::before_routing(security, req, next)
                }))
                .wrap(from_fn(crate::telemetry::log_requests))
                .configure(routes::config)
                .default_service(web::to(|| async { ErrorPage::not_found() }))
        });
        let server = if settings.workers > 0 {
            server.workers(settings.workers)
        } else {
            server
        };
        let server = server.listen(listener)?.run();
        tracing::info!(%addr, %base_url, database = %db.url.display(), "serving");
        let metrics = match (metrics, metrics_listener) {
            (Some(metrics), Some(listener)) => {
                let addr = listener.local_addr()?;
                let server = crate::metrics::server(metrics, listener)?;
                tracing::info!(%addr, "serving metrics at /metrics");
                Some((addr.port(), server))
            }
            _ => None,
        };
        Ok(Application {
            port: addr.port(),
            base_url,
            db,
            pages,
            search,
            readership,
            server,
            metrics,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port `/metrics` is served on, with `--metrics-bind`.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn database(&self) -> Database {
        self.db.clone()
    }

    /// The cache of public pages this server keeps.
    pub fn page_cache(&self) -> Arc<PageCache> {
        self.pages.clone()
    }

    /// The bounds on public search, which tests may lower.
    pub fn search_limits(&self) -> Arc<crate::app::SearchLimits> {
        self.search.clone()
    }

    /// A handle that stops the server (and with it the metrics listener)
    /// from elsewhere, as the integration tests do when a test ends.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until the server is stopped (by a signal); the metrics
    /// listener stops with it. The views counted since the last flush are
    /// saved before it returns.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (db, pages, readership) = (self.db, self.pages, self.readership);
        let stopped = match self.metrics {
            None => self.server.await,
            Some((_, metrics)) => {
                let handle = metrics.handle();
                let server = self.server;
                let main = async move {
                    let stopped = server.await;
                    handle.stop(true).await;
                    stopped
                };
                let (main, metrics) = futures_util::future::join(main, metrics).await;
                main.and(metrics)
            }
        };
        let _ = actix_web::rt::task::spawn_blocking(move || {
            if let Ok(mut conn) = db.get() {
                let _ = readership.flush_logged(&mut conn, pages.freshness());
            }
        })
        .await;
        stopped
    }
}
