//! The operator's metrics: `/metrics` in the Prometheus text format on the
//! `--metrics-bind` address only, with requests by route pattern and
//! status, latency, the database pool, search timings and the page cache.

use crate::helpers::{
    backend_test, database_url_arg, run_iconocast_env, spawn_app, spawn_app_with, unique_name,
    Backend, ServedBinary, TestApp, TestDatabase,
};

const ARTICLE: &str = "/sport/the-quiet-science-of-the-warm-up";
const ARTICLE_ROUTE: &str = "/{category}/{slug}";

async fn spawn_with_metrics(backend: &Backend) -> TestApp {
    spawn_app_with(backend, |s| s.metrics_bind = Some("127.0.0.1:0".to_owned())).await
}

/// A scrape of `/metrics` on the metrics address.
struct Scrape {
    body: String,
}

impl Scrape {
    async fn of(app: &TestApp) -> Scrape {
        let address = app
            .metrics_address
            .as_ref()
            .expect("the app serves metrics");
        let res = app
            .client
            .get(format!("{address}/metrics"))
            .send()
            .await
            .expect("GET /metrics");
        assert_eq!(res.status(), 200);
        let kind = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(
            kind.starts_with("text/plain; version=0.0.4"),
            "the Prometheus text format: {kind}"
        );
        Scrape {
            body: res.text().await.expect("body"),
        }
    }

    /// The value of the sample `name` whose labels include all of
    /// `labels`, if there is one.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.body
            .lines()
            .filter(|line| !line.starts_with('#'))
            .find_map(|line| {
                let (series, value) = line.rsplit_once(' ')?;
                let (metric, rest) = match series.split_once('{') {
                    Some((metric, rest)) => (metric, rest.strip_suffix('}')?),
                    None => (series, ""),
                };
                let pairs: Vec<(&str, &str)> = rest
                    .split("\",")
                    .filter(|p| !p.is_empty())
                    .filter_map(|p| {
                        let (k, v) = p.split_once("=\"")?;
                        Some((k, v.trim_end_matches('"')))
                    })
                    .collect();
                (metric == name && labels.iter().all(|l| pairs.contains(l)))
                    .then(|| value.parse().ok())
                    .flatten()
            })
    }

    fn get(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.value(name, labels)
            .unwrap_or_else(|| panic!("no {name} {labels:?} in:\n{}", self.body))
    }

    /// Whether the body declares `name` as a metric of `kind`.
    fn declares(&self, name: &str, kind: &str) -> bool {
        self.body.contains(&format!("# TYPE {name} {kind}\n"))
    }
}

backend_test!(
    async fn metrics_count_requests_by_route_latency_pool_search_and_page_cache(backend: Backend) {
        let app = spawn_with_metrics(&backend).await;
        for _ in 0..3 {
            assert_eq!(app.get(ARTICLE).await.status, 200, "{backend:?}");
        }
        assert_eq!(app.get("/search?q=warm").await.status, 200);
        assert_eq!(app.get("/no-such-category").await.status, 404);
        assert_eq!(app.get("/a/path/no/route/has").await.status, 404);
        let too_long = format!("/{}", "a".repeat(1100));
        assert_eq!(app.get(&too_long).await.status, 414);

        let m = Scrape::of(&app).await;
        let requests = "iconocast_http_requests_total";
        assert!(m.declares(requests, "counter"), "{backend:?}");
        // The route pattern, never the path: cached answers count too.
        assert_eq!(
            m.get(requests, &[("route", ARTICLE_ROUTE), ("status", "200")]),
            3.0,
            "{backend:?}"
        );
        assert_eq!(
            m.get(requests, &[("route", "/search"), ("status", "200")]),
            1.0
        );
        assert_eq!(
            m.get(requests, &[("route", "/{category}"), ("status", "404")]),
            1.0
        );
        assert_eq!(
            m.get(requests, &[("route", "unmatched"), ("status", "404")]),
            1.0
        );
        assert_eq!(
            m.get(requests, &[("route", "unmatched"), ("status", "414")]),
            1.0
        );
        assert!(
            !m.body.contains("the-quiet-science"),
            "no raw path is a label"
        );

        let latency = "iconocast_http_request_duration_seconds";
        assert!(m.declares(latency, "histogram"));
        assert_eq!(
            m.get(&format!("{latency}_count"), &[("route", ARTICLE_ROUTE)]),
            3.0
        );
        assert_eq!(
            m.get(
                &format!("{latency}_bucket"),
                &[("route", ARTICLE_ROUTE), ("le", "+Inf")]
            ),
            3.0
        );
        assert!(m.get(&format!("{latency}_sum"), &[("route", ARTICLE_ROUTE)]) > 0.0);

        let max = f64::from(app.db.pool.max_size());
        assert_eq!(m.get("iconocast_db_connections_max", &[]), max);
        let in_use = m.get("iconocast_db_connections_in_use", &[]);
        let idle = m.get("iconocast_db_connections_idle", &[]);
        assert!(
            in_use >= 0.0 && idle >= 1.0 && in_use + idle <= max,
            "{in_use} {idle}"
        );
        assert!(m.declares("iconocast_db_pool_waits_total", "counter"));
        assert_eq!(m.get("iconocast_db_pool_timeouts_total", &[]), 0.0);

        let search = "iconocast_search_duration_seconds";
        assert!(m.declares(search, "histogram"));
        assert_eq!(m.get(&format!("{search}_count"), &[]), 1.0);

        // The first request rendered the article, the next two were hits.
        assert!(m.declares("iconocast_page_cache_hits_total", "counter"));
        assert!(m.get("iconocast_page_cache_hits_total", &[]) >= 2.0);
        assert!(m.get("iconocast_page_cache_misses_total", &[]) >= 1.0);
        assert!(m.get("iconocast_page_cache_entries", &[]) >= 1.0);
        assert!(m.get("iconocast_page_cache_bytes", &[]) > 0.0);
        assert_eq!(m.get("iconocast_page_cache_evictions_total", &[]), 0.0);

        // Scraping is not a request of the site.
        let again = Scrape::of(&app).await;
        assert_eq!(
            again.get(requests, &[("route", ARTICLE_ROUTE), ("status", "200")]),
            3.0
        );
    }
);

backend_test!(
    async fn metrics_are_not_on_the_public_address(backend: Backend) {
        let app = spawn_with_metrics(&backend).await;
        let public = app.get("/metrics").await;
        assert_eq!(public.status, 404, "{backend:?}");
        assert!(!public.body.contains("iconocast_http_requests_total"));
        // Only /metrics on the metrics address.
        let address = app.metrics_address.as_ref().expect("metrics address");
        let other = app
            .client
            .get(format!("{address}{ARTICLE}"))
            .send()
            .await
            .expect("GET");
        assert_eq!(other.status(), 404);

        let without = spawn_app(&backend).await;
        assert!(without.metrics_address.is_none());
        assert_eq!(without.get("/metrics").await.status, 404);
    }
);

backend_test!(
    async fn metrics_count_waits_for_a_connection_and_timeouts(backend: Backend) {
        let app = spawn_with_metrics(&backend).await;
        let max = app.db.pool.max_size();
        // Every connection of the pool is taken.
        let held: Vec<_> = (0..max)
            .map(|_| app.db.pool.get().expect("a pooled connection"))
            .collect();
        let m = Scrape::of(&app).await;
        assert_eq!(
            m.get("iconocast_db_connections_in_use", &[]),
            f64::from(max),
            "{backend:?}"
        );
        assert_eq!(m.get("iconocast_db_connections_idle", &[]), 0.0);
        // One request more than there are connections, each for a page of
        // its own (no two wait for the same render): all 503.
        let paths: Vec<String> = (0..=max).map(|n| format!("/?n={n}")).collect();
        let pages = paths.iter().map(|path| app.get(path));
        for page in futures_util::future::join_all(pages).await {
            assert_eq!(page.status, 503, "{backend:?}");
        }
        drop(held);
        let m = Scrape::of(&app).await;
        assert_eq!(
            m.get("iconocast_db_pool_timeouts_total", &[]),
            f64::from(max + 1),
            "{backend:?}"
        );
        assert!(
            m.get("iconocast_db_pool_waits_total", &[]) >= 1.0,
            "{backend:?}"
        );
        assert_eq!(
            m.get(
                "iconocast_http_requests_total",
                &[("route", "/"), ("status", "503")]
            ),
            f64::from(max + 1)
        );
    }
);

/// Starts the binary on a fresh SQLite file with `env` and reads its log
/// until a line contains `until` (or it exits); then stops it. Returns
/// the lines read, and the line that matched.
fn serve_until(env: &[(&str, &str)], until: &str) -> (Vec<String>, Option<String>) {
    let mut all = vec![("ICONOCAST_METRICS_BIND", None), ("RUST_LOG", Some("info"))];
    all.extend(env.iter().map(|&(name, value)| (name, Some(value))));
    let mut server = ServedBinary::start(&[], &all);
    let mut lines = server.log();
    let mut read = Vec::new();
    let mut found = None;
    for line in lines.by_ref() {
        read.push(line.clone());
        if line.contains(until) {
            found = Some(line);
            break;
        }
    }
    server.kill();
    read.extend(lines);
    (read, found)
}

#[test]
fn the_metrics_address_comes_from_the_environment() {
    let (lines, found) = serve_until(
        &[("ICONOCAST_METRICS_BIND", "127.0.0.1:0")],
        "serving metrics",
    );
    let line = found.unwrap_or_else(|| panic!("the server says where: {lines:?}"));
    let addr = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("addr="))
        .unwrap_or_else(|| panic!("an address in {line:?}"));
    assert!(addr.starts_with("127.0.0.1:"), "{line}");
    // Empty is as good as unset: the site is served, without metrics.
    let (lines, served) = serve_until(&[("ICONOCAST_METRICS_BIND", "")], "serving");
    assert!(served.is_some(), "served: {lines:?}");
    assert!(
        !lines.iter().any(|l| l.contains("serving metrics")),
        "no metrics: {lines:?}"
    );
}

#[test]
fn an_unusable_metrics_address_stops_the_server_with_one_line() {
    let database = TestDatabase::create(&Backend::Sqlite);
    let url = database_url_arg(&database.url);
    let media = std::env::temp_dir().join(unique_name("metrics-media"));
    let media = media.to_string_lossy();
    let (code, _, stderr) = run_iconocast_env(
        &[
            "--database-url",
            &url,
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--media-dir",
            &media,
            "--metrics-bind",
            "nowhere",
        ],
        &[],
    );
    let _ = std::fs::remove_dir_all(&*media);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("cannot listen for metrics on nowhere"),
        "{stderr}"
    );
}
