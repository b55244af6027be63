//! When the database is away: readers get the cached copy of a page,
//! marked stale, or a 503 with `Retry-After` within seconds, and the site
//! comes back by itself with the database.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl};

use crate::helpers::{backend_test, postgres_server_url, spawn_app, Backend, TestApp};

const CATEGORY: &str = "/sport";
const OLD_TITLE: &str = "The quiet science of the warm-up";
const NEW_TITLE: &str = "Warm-ups, revisited";

fn assert_unavailable(app_page: &crate::helpers::Page, path: &str) {
    assert_eq!(app_page.status, 503, "{path} while the database is away");
    let retry = app_page
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u32>().ok());
    assert!(
        retry.is_some_and(|s| s > 0),
        "{path}: a 503 says when to retry"
    );
}

/// GETs `path` until it answers 200, for at most `limit`.
async fn until_ok(app: &TestApp, path: &str, limit: Duration) -> crate::helpers::Page {
    let start = Instant::now();
    loop {
        let page = app.get(path).await;
        if page.status == 200 {
            return page;
        }
        assert!(
            start.elapsed() < limit,
            "{path} still answers {} {:?} after the database came back",
            page.status,
            start.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

backend_test!(
    async fn while_no_connection_is_free_a_cached_page_is_served_stale_and_others_get_503(
        backend: Backend,
    ) {
        let app = spawn_app(&backend).await;
        assert!(app.get(CATEGORY).await.body.contains(OLD_TITLE));
        // The page is cached; then the content changes, so the copy is out
        // of date.
        app.with_conn(|c| {
            diesel::sql_query(format!(
                "UPDATE articles SET title = '{NEW_TITLE}' WHERE slug = 'the-quiet-science-of-the-warm-up'"
            ))
            .execute(c)
            .expect("retitle the article")
        });
        // Every connection of the pool is taken: no page can be rendered.
        let held: Vec<_> = (0..app.db.pool.max_size())
            .map(|_| app.db.pool.get().expect("a pooled connection"))
            .collect();
        let stale = app.get(CATEGORY).await;
        assert_eq!(stale.status, 200, "the cached copy instead of an error");
        assert!(
            stale.body.contains(OLD_TITLE),
            "the copy from before the change"
        );
        let warning = stale.headers.get("warning").and_then(|v| v.to_str().ok());
        assert!(
            warning.is_some_and(|w| w.starts_with("110 ")),
            "marked stale: {warning:?}"
        );
        assert_eq!(
            stale
                .headers
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-cache"),
            "no other cache keeps a stale copy"
        );
        // A page nobody asked for before has no copy.
        assert_unavailable(&app.get("/travel").await, "/travel");
        drop(held);
        let fresh = until_ok(&app, CATEGORY, Duration::from_secs(10)).await;
        assert!(fresh.body.contains(NEW_TITLE), "current again: {backend:?}");
        assert!(!fresh.body.contains(OLD_TITLE));
        assert!(fresh.headers.get("warning").is_none());
    }
);

/// PostgreSQL stops taking connections and drops the server's: cached
/// pages stay up, others get a quick 503, and everything is back once
/// the database is. (SQLite is a file inside the process: it cannot be
/// away in this way; the test above covers the same path on it.)
#[tokio::test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set TEST_DATABASE_URL to run on PostgreSQL"
)]
async fn a_postgresql_outage_keeps_cached_pages_up_and_ends_with_the_database() {
    let admin_url = postgres_server_url();
    let backend = Backend::Postgres(admin_url.clone());
    let app = spawn_app(&backend).await;
    let article = "/sport/the-quiet-science-of-the-warm-up";
    for path in [CATEGORY, article] {
        assert_eq!(app.get(path).await.status, 200);
    }
    let name = app.db.url.display();
    let name = name.rsplit('/').next().expect("a database name").to_owned();
    let mut admin = PgConnection::establish(&admin_url).expect("the admin database");
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {name} ALLOW_CONNECTIONS false; \
                 SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}';"
        ))
        .expect("take the database away");
    for path in [CATEGORY, article] {
        let page = app.get(path).await;
        assert_eq!(page.status, 200, "{path} is served from the cache");
    }
    assert_unavailable(&app.get("/travel").await, "/travel");
    admin
        .batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        .expect("bring the database back");
    until_ok(&app, "/travel", Duration::from_secs(15)).await;
    assert_eq!(app.get(CATEGORY).await.status, 200);
}
