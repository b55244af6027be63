//! The operator's metrics: requests by route and status, latency, the
//! database pool, search timings and the page cache, in the Prometheus
//! text format on a listener of their own (`--metrics-bind`), never on
//! the public address.
//!
//! Each application has its own [`Registry`] rather than a process-wide
//! recorder: the tests run many servers in one process, and each must
//! count only its own requests. Counting a request allocates nothing once
//! its page has been seen: the route label is the matched resource's name
//! (see `routes::methods`), borrowed from the router or from the request
//! thread's memo of the pages it answered (`with_route`), the status
//! label is `StatusCode::as_str`, and the counters are atomics behind a
//! read lock held for no await. The pool and the page cache are sampled
//! when scraped.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{guard, web, App, HttpRequest, HttpResponse, HttpServer};
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts,
    Registry, TextEncoder,
};

use crate::db::Database;
use crate::page_cache::PageCache;

/// The route label of a request no route matched (an unknown address
/// under `/admin`, a path of three or more unknown segments...).
pub const UNMATCHED: &str = "unmatched";

/// Request latency buckets, in seconds: a cached page answers in well
/// under a millisecond, a rendered one in a few, a slow search or a
/// database wait in seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Search query buckets, in seconds.
const SEARCH_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// One application's metrics.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    search: Histogram,
    pool_waits: IntCounter,
    pool_timeouts: IntCounter,
    /// What is read from the pool and the page cache when scraped; the
    /// lock keeps two scrapes from interleaving their samples.
    sampled: Mutex<Sampled>,
}

/// Values kept elsewhere, copied into the registry at each scrape.
struct Sampled {
    db: Database,
    pages: Arc<PageCache>,
    in_use: IntGauge,
    idle: IntGauge,
    max: IntGauge,
    cache_hits: IntCounter,
    cache_misses: IntCounter,
    cache_evictions: IntCounter,
    cache_entries: IntGauge,
    cache_bytes: IntGauge,
}

fn register<T: prometheus::core::Collector + Clone + 'static>(
    registry: &Registry,
    metric: T,
) -> prometheus::Result<T> {
    registry.register(Box::new(metric.clone()))?;
    Ok(metric)
}

impl Metrics {
    pub fn new(db: Database, pages: Arc<PageCache>) -> prometheus::Result<Metrics> {
        let r = Registry::new();
        let counter = |name: &str, help: &str| register(&r, IntCounter::new(name, help)?);
        let gauge = |name: &str, help: &str| register(&r, IntGauge::new(name, help)?);
        let sampled = Sampled {
            db,
            pages,
            in_use: gauge(
                "iconocast_db_connections_in_use",
                "Pooled database connections taken by a request.",
            )?,
            idle: gauge(
                "iconocast_db_connections_idle",
                "Pooled database connections open and free.",
            )?,
            max: gauge(
                "iconocast_db_connections_max",
                "The most database connections the pool opens.",
            )?,
            cache_hits: counter(
                "iconocast_page_cache_hits_total",
                "Public pages found current in the page cache.",
            )?,
            cache_misses: counter(
                "iconocast_page_cache_misses_total",
                "Public pages not found current in the page cache, so rendered.",
            )?,
            cache_evictions: counter(
                "iconocast_page_cache_evictions_total",
                "Pages dropped from the page cache to stay within its budget.",
            )?,
            cache_entries: gauge(
                "iconocast_page_cache_entries",
                "Pages kept in the page cache.",
            )?,
            cache_bytes: gauge(
                "iconocast_page_cache_bytes",
                "Memory taken by the page cache's pages, in bytes.",
            )?,
        };
        Ok(Metrics {
            requests: register(
                &r,
                IntCounterVec::new(
                    Opts::new(
                        "iconocast_http_requests_total",
                        "Requests answered, by route pattern and status.",
                    ),
                    &["route", "status"],
                )?,
            )?,
            latency: register(
                &r,
                HistogramVec::new(
                    HistogramOpts::new(
                        "iconocast_http_request_duration_seconds",
                        "Time from a request's arrival to its answer, by route pattern.",
                    )
                    .buckets(LATENCY_BUCKETS.to_vec()),
                    &["route"],
                )?,
            )?,
            search: register(
                &r,
                Histogram::with_opts(
                    HistogramOpts::new(
                        "iconocast_search_duration_seconds",
                        "Time the full-text search query took.",
                    )
                    .buckets(SEARCH_BUCKETS.to_vec()),
                )?,
            )?,
            pool_waits: counter(
                "iconocast_db_pool_waits_total",
                "Requests that found every database connection taken and waited for one.",
            )?,
            pool_timeouts: counter(
                "iconocast_db_pool_timeouts_total",
                "Requests answered 503 because no database connection freed up in time.",
            )?,
            sampled: Mutex::new(sampled),
            registry: r,
        })
    }

    /// Counts an answered request under its route pattern and status.
    pub fn observe_request(&self, req: &HttpRequest, status: StatusCode, elapsed: Duration) {
        with_route(req, status, |route| {
            if let Ok(counter) = self
                .requests
                .get_metric_with_label_values(&[route, status.as_str()])
            {
                counter.inc();
            }
            if let Ok(histogram) = self.latency.get_metric_with_label_values(&[route]) {
                histogram.observe(elapsed.as_secs_f64());
            }
        });
    }

    /// How long a search query took.
    pub fn observe_search(&self, elapsed: Duration) {
        self.search.observe(elapsed.as_secs_f64());
    }

    /// A request found every database connection taken and waits.
    pub fn pool_wait(&self) {
        self.pool_waits.inc();
    }

    /// A request got no database connection in time.
    pub fn pool_timeout(&self) {
        self.pool_timeouts.inc();
    }

    /// Every metric, in the Prometheus text format.
    pub fn render(&self) -> prometheus::Result<Vec<u8>> {
        let families = {
            let sampled = self.sampled.lock().unwrap_or_else(|e| e.into_inner());
            sampled.sample();
            self.registry.gather()
        };
        let mut out = Vec::with_capacity(16 * 1024);
        TextEncoder::new().encode(&families, &mut out)?;
        Ok(out)
    }
}

impl Sampled {
    fn sample(&self) {
        let pool = self.db.pool.state();
        self.in_use.set(i64::from(
            pool.connections.saturating_sub(pool.idle_connections),
        ));
        self.idle.set(i64::from(pool.idle_connections));
        self.max.set(i64::from(self.db.pool.max_size()));
        let cache = self.pages.stats();
        set_counter(&self.cache_hits, cache.hits);
        set_counter(&self.cache_misses, cache.misses);
        set_counter(&self.cache_evictions, cache.evictions);
        self.cache_entries
            .set(i64::try_from(cache.entries).unwrap_or(i64::MAX));
        self.cache_bytes
            .set(i64::try_from(cache.bytes).unwrap_or(i64::MAX));
    }
}

/// A counter kept by someone else, copied: the value only ever grows.
fn set_counter(counter: &IntCounter, value: u64) {
    let seen = counter.get();
    if value >= seen {
        counter.inc_by(value - seen);
    } else {
        counter.reset();
        counter.inc_by(value);
    }
}

/// Paths of pages whose route each request thread remembers; past this
/// it forgets them all and starts again.
const REMEMBERED: usize = 4096;
/// Longer paths are not remembered (a slug is at most 120 characters).
const REMEMBERED_PATH_BYTES: usize = 256;

thread_local! {
    /// The routes of the pages this request thread has answered 200, by
    /// path. A page served from the page cache never reached the router,
    /// and finding its route again means trying the patterns one by one
    /// (regular expressions, some 15% of the time of a cached hit); the
    /// render before it did reach the router and left its route here.
    /// Per thread, so without a lock: actix's workers are single-threaded.
    static ROUTES: RefCell<HashMap<Box<str>, Box<str>>> = RefCell::new(HashMap::new());
}

/// Calls `f` with the route pattern `req` matched, e.g.
/// `/{category}/{slug}`, or [`UNMATCHED`].
fn with_route<R>(req: &HttpRequest, status: StatusCode, f: impl FnOnce(&str) -> R) -> R {
    let path = req.path();
    if path.len() > crate::domain::limits::MAX_PATH_BYTES {
        // Answered 414 before any route was tried.
        return f(UNMATCHED);
    }
    ROUTES.with_borrow_mut(|routes| {
        if let Some(route) = routes.get(path) {
            return f(route);
        }
        let route = route_of(req);
        if status == StatusCode::OK && path.len() <= REMEMBERED_PATH_BYTES && route != UNMATCHED {
            if routes.len() >= REMEMBERED {
                routes.clear();
            }
            routes.insert(path.into(), route.as_ref().into());
        }
        f(&route)
    })
}

/// The route pattern a request matched: every resource is named by its
/// pattern (`routes::methods`), so this borrows the name from the router,
/// at once when the request was routed. A resource without a name (none
/// so far) costs a string.
fn route_of(req: &HttpRequest) -> Cow<'_, str> {
    match req.match_name() {
        Some(name) => Cow::Borrowed(name),
        None => req
            .match_pattern()
            .map_or(Cow::Borrowed(UNMATCHED), Cow::Owned),
    }
}

/// `GET /metrics`.
async fn scrape(metrics: web::Data<Metrics>) -> HttpResponse {
    match metrics.render() {
        Ok(body) => HttpResponse::Ok()
            .insert_header((
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            ))
            .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "metrics could not be rendered");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// The metrics listener: `/metrics` and nothing else, on one thread.
pub fn server(metrics: Arc<Metrics>, listener: std::net::TcpListener) -> std::io::Result<Server> {
    let metrics = web::Data::from(metrics);
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(metrics.clone())
            .route(
                "/metrics",
                web::route()
                    .guard(guard::Any(guard::Get()).or(guard::Head()))
                    .to(scrape),
            )
            .default_service(web::to(HttpResponse::NotFound))
    })
    .workers(1)
    .shutdown_timeout(1)
    .listen(listener)?
    .run())
}
