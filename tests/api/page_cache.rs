//! The page cache: a hit runs no query, every coding of a page is the same
//! document, and no reader ever gets a page older than the content, whether
//! the change was made through this server, another server on the same
//! database, the command line, or the clock (a scheduled article).
//! HTTP/1.0 clients get whole bodies, never chunked framing.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use iconocast::db::schema::categories;
use iconocast::domain::{ArticleStatus, Role};

use crate::editor::{self, Form};
use crate::helpers::{
    backend_test, database_url_arg, now, run_iconocast, spawn_app, spawn_app_without_page_cache,
    spawn_second_server, Backend, TestApp,
};

const ARTICLE: &str = "/sport/the-quiet-science-of-the-warm-up";

/// How soon a change made elsewhere must reach every server.
const WITHIN: Duration = Duration::from_secs(1);

/// Statements the server's pool ran while `f` ran.
async fn queries_during<F: std::future::Future>(app: &TestApp, f: F) -> u64 {
    let before = app.db.queries.get();
    f.await;
    app.db.queries.get() - before
}

/// GETs `path` until `done` holds for its body or `WITHIN` has passed;
/// returns the time it took, or panics with the last body.
async fn until(app: &TestApp, path: &str, what: &str, done: impl Fn(&str) -> bool) -> Duration {
    let start = Instant::now();
    loop {
        let page = app.get(path).await;
        if done(&page.body) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < WITHIN,
            "{path}: still not {what} after {:?}",
            start.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn gunzip(bytes: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut out)
        .expect("a gzip body");
    out
}

fn unbrotli(bytes: &[u8]) -> String {
    let mut out = Vec::new();
    brotli::BrotliDecompress(&mut &bytes[..], &mut out).expect("a brotli body");
    String::from_utf8(out).expect("UTF-8")
}

/// One GET with `Accept-Encoding: coding`, as raw bytes and headers.
async fn fetch_raw(
    app: &TestApp,
    path: &str,
    coding: &str,
) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let res = app
        .client
        .get(format!("{}{path}", app.address))
        .header("accept-encoding", coding)
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), 200, "{path} ({coding})");
    let headers = res.headers().clone();
    (headers, res.bytes().await.expect("body").to_vec())
}

backend_test!(
    async fn a_hit_runs_no_query_and_every_coding_is_the_same_document(backend: Backend) {
        let app = spawn_app(&backend).await;
        for path in [
            ARTICLE,
            "/",
            "/sport?page=1",
            "/feed.xml",
            "/sitemap.xml",
            "/robots.txt",
            "/search?q=sport",
        ] {
            let (_, identity) = fetch_raw(&app, path, "identity").await;
            let identity = String::from_utf8(identity).expect("UTF-8");
            let again = queries_during(&app, async {
                let (headers, gz) = fetch_raw(&app, path, "gzip").await;
                let (br_headers, br) = fetch_raw(&app, path, "gzip, deflate, br").await;
                let (_, plain) = fetch_raw(&app, path, "identity").await;
                assert_eq!(String::from_utf8(plain).expect("UTF-8"), identity, "{path}");
                if identity.len() >= 512 {
                    let vary = |h: &reqwest::header::HeaderMap| {
                        h.get("vary")
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned)
                    };
                    assert_eq!(vary(&headers).as_deref(), Some("Accept-Encoding"), "{path}");
                    assert_eq!(
                        headers.get("content-encoding").map(|v| v.as_bytes()),
                        Some(&b"gzip"[..]),
                        "{path}"
                    );
                    assert_eq!(
                        br_headers.get("content-encoding").map(|v| v.as_bytes()),
                        Some(&b"br"[..]),
                        "{path}"
                    );
                    assert_eq!(gunzip(&gz), identity, "{backend:?} {path}: gzip");
                    assert_eq!(unbrotli(&br), identity, "{backend:?} {path}: brotli");
                }
            })
            .await;
            assert_eq!(again, 0, "{backend:?} {path}: a cached page runs no query");
        }

        // A HEAD has the GET's headers, from the same entry.
        let get = app
            .client
            .get(format!("{}{ARTICLE}", app.address))
            .header("accept-encoding", "br")
            .send()
            .await
            .expect("GET");
        let head = app
            .client
            .head(format!("{}{ARTICLE}", app.address))
            .header("accept-encoding", "br")
            .send()
            .await
            .expect("HEAD");
        assert_eq!(head.status(), 200);
        for name in [
            "content-length",
            "content-type",
            "content-encoding",
            "etag",
            "last-modified",
            "cache-control",
            "vary",
        ] {
            assert_eq!(
                head.headers().get(name),
                get.headers().get(name),
                "HEAD {name}"
            );
        }
        assert!(head.bytes().await.expect("HEAD body").is_empty());

        // A conditional request is answered from the entry too.
        let etag = get
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .expect("etag")
            .to_owned();
        let queries = queries_during(&app, async {
            let page = app.get_with(ARTICLE, &[("if-none-match", &etag)]).await;
            assert_eq!(page.status, 304);
        })
        .await;
        assert_eq!(queries, 0, "{backend:?}");
    }
);

backend_test!(
    async fn a_much_read_page_is_sent_in_fewer_bytes_and_stays_the_same_document(backend: Backend) {
        let app = spawn_app(&backend).await;
        let (_, identity) = fetch_raw(&app, ARTICLE, "identity").await;
        let identity = String::from_utf8(identity).expect("UTF-8");
        let (first_headers, first_br) = fetch_raw(&app, ARTICLE, "br").await;
        let (_, first_gz) = fetch_raw(&app, ARTICLE, "gzip").await;
        let etag = first_headers.get("etag").cloned().expect("an ETag");
        // Read it often: its compressed forms are made again at best
        // compression in the background.
        for _ in 0..=iconocast::page_cache::POLISH_AFTER {
            fetch_raw(&app, ARTICLE, "br").await;
        }
        let start = Instant::now();
        let (headers, br) = loop {
            let (headers, br) = fetch_raw(&app, ARTICLE, "br").await;
            if br.len() < first_br.len() {
                break (headers, br);
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the brotli body is still {} bytes",
                br.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(unbrotli(&br), identity, "the same document, in fewer bytes");
        assert_eq!(headers.get("etag"), Some(&etag), "the same ETag");
        let (_, gz) = fetch_raw(&app, ARTICLE, "gzip").await;
        assert!(gz.len() <= first_gz.len());
        assert_eq!(gunzip(&gz), identity);
    }
);

#[tokio::test]
async fn with_the_cache_off_every_request_renders_and_is_still_compressed() {
    let app = spawn_app_without_page_cache(&crate::helpers::Backend::Sqlite).await;
    app.get(ARTICLE).await;
    let again = queries_during(&app, async {
        let (headers, br) = fetch_raw(&app, ARTICLE, "br").await;
        assert_eq!(
            headers.get("content-encoding").map(|v| v.as_bytes()),
            Some(&b"br"[..])
        );
        assert!(headers.get("content-length").is_some());
        assert!(unbrotli(&br).contains("The quiet science of the warm-up"));
        // Compressed for this reader alone, a page goes in gzip, the
        // cheaper of the two, whenever the reader takes it.
        let (headers, gz) = fetch_raw(&app, ARTICLE, "gzip, deflate, br").await;
        assert_eq!(
            headers.get("content-encoding").map(|v| v.as_bytes()),
            Some(&b"gzip"[..])
        );
        assert!(headers.get("content-length").is_some());
        assert!(gunzip(&gz).contains("The quiet science of the warm-up"));
    })
    .await;
    assert!(again > 0, "no cache: the page is rendered again");
}

backend_test!(
    async fn twenty_readers_missing_one_page_cause_one_render(backend: Backend) {
        let app = spawn_app(&backend).await;
        // What one render of the page costs.
        let one = queries_during(&app, app.get("/tag/explainer")).await;
        assert!(one > 0);
        // A change empties the cache; then twenty readers arrive at once.
        app.with_conn(|c| {
            diesel::update(categories::table.filter(categories::slug.eq("sport")))
                .set(categories::tagline.eq("Results, analysis and the people behind them."))
                .execute(c)
        })
        .expect("update");
        app.settle().await;
        let burst = queries_during(&app, async {
            let pages =
                futures_util::future::join_all((0..20).map(|_| app.get("/tag/explainer"))).await;
            for page in &pages {
                assert_eq!(page.status, 200);
            }
        })
        .await;
        assert_eq!(burst, one, "{backend:?}: twenty readers, one render");
    }
);

backend_test!(
    async fn a_change_through_this_server_shows_on_its_next_request(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ed = editor::staff(&app, "ed@example.com", Role::Editor).await;
        let desk = format!("/{}", app.desk().slug);
        let desk_feed = format!("{desk}/feed.xml");
        for path in [
            desk.as_str(),
            desk_feed.as_str(),
            "/feed.xml",
            "/sitemaps/articles-1.xml",
            "/search?q=swimming",
        ] {
            assert!(
                !app.get(path).await.body.contains("Winter swimming club"),
                "{path}"
            );
        }
        let form = Form::new(&app, "Winter swimming club opens");
        let id = editor::create(&form, &ed, "publish").await;
        let (_, slug, _, _) = editor::article(&app, id);
        for path in [
            desk.as_str(),
            desk_feed.as_str(),
            "/feed.xml",
            "/sitemaps/articles-1.xml",
        ] {
            let page = app.get(path).await;
            assert!(
                page.body.contains(&slug),
                "{backend:?} {path} lists the new article"
            );
        }
        assert!(app
            .get("/search?q=swimming")
            .await
            .body
            .contains("Winter swimming club"));
    }
);

backend_test!(
    async fn two_servers_on_one_database_see_each_others_changes_within_a_second(backend: Backend) {
        let a = spawn_app(&backend).await;
        let b = spawn_second_server(&a).await;
        let ed = editor::staff(&a, "ed@example.com", Role::Editor).await;
        let desk = format!("/{}", a.desk().slug);
        let desk_feed = format!("{desk}/feed.xml");
        let watched = [
            desk.as_str(),
            desk_feed.as_str(),
            "/sitemaps/articles-1.xml",
        ];
        // Signing the editor in wrote to the database; once B has heard of
        // that, its cache stays warm.
        let start = Instant::now();
        loop {
            let mut cold = 0;
            for path in watched {
                b.get(path).await;
            }
            for path in watched {
                cold += queries_during(&b, b.get(path)).await;
            }
            if cold == 0 {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "{backend:?}: B's cache never warms"
            );
        }

        let mut form = Form::new(&a, "Harbour relay returns");
        let id = editor::create(&form, &ed, "publish").await;
        let (_, slug, _, _) = editor::article(&a, id);
        for path in watched {
            until(&b, path, "listing the article published on A", |body| {
                body.contains(&slug)
            })
            .await;
        }

        form.version = 1;
        let page = editor::post(&format!("/admin/articles/{id}"), &form, &ed, "unpublish").await;
        assert_eq!(page.status, 303, "{}", page.body);
        for path in watched {
            until(&b, path, "rid of the article unpublished on A", |body| {
                !body.contains(&slug)
            })
            .await;
        }
        assert_eq!(b.get(&format!("{desk}/{slug}")).await.status, 404);
    }
);

backend_test!(
    async fn an_import_from_the_command_line_reaches_a_running_servers_warm_cache(
        backend: Backend,
    ) {
        let app = spawn_app(&backend).await;
        let dir = std::env::temp_dir().join(crate::helpers::unique_name("cache-import"));
        std::fs::create_dir_all(&dir).expect("folder");
        let file = dir.join("story.txt");
        std::fs::write(
            &file,
            "Lifeboat crews train for the winter storms\n\nOn the water\nThe crews went out at dawn.\n\n#Lifeboats #Sport\n",
        )
        .expect("write");
        app.get("/sport").await;
        assert_eq!(queries_during(&app, app.get("/sport")).await, 0, "warm");

        let url = database_url_arg(&app.db.url);
        let file = file.display().to_string();
        let (code, _, stderr) = run_iconocast(&[
            "--database-url",
            &url,
            "import",
            "--category",
            "sport",
            "--publish",
            &file,
        ]);
        assert_eq!(code, 0, "{stderr}");
        until(&app, "/sport", "listing the imported article", |body| {
            body.contains("Lifeboat crews train for the winter storms")
        })
        .await;
        let _ = std::fs::remove_dir_all(&dir);
    }
);

backend_test!(
    async fn a_scheduled_article_appears_on_a_warm_listing_when_its_time_comes(backend: Backend) {
        let app = spawn_app(&backend).await;
        let rowing = app.category("Rowing");
        let due = now() + chrono::Duration::seconds(3);
        app.article("Kick-off moved to noon")
            .in_category(&rowing)
            .with_status(ArticleStatus::Scheduled, Some(due))
            .create();
        app.settle().await;
        let page = app.get("/rowing").await;
        assert!(!page.body.contains("Kick-off moved to noon"), "not yet");
        assert_eq!(queries_during(&app, app.get("/rowing")).await, 0, "warm");
        // No write happens from here on: only the clock changes the page.
        while now() < due {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let page = app.get("/rowing").await;
        assert!(
            page.body.contains("Kick-off moved to noon"),
            "{backend:?}: due, so listed"
        );
    }
);

backend_test!(
    async fn staff_pages_and_cookies_never_enter_the_cache(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ed = editor::staff(&app, "ed@example.com", Role::Editor).await;
        // Staff pages, signed in: never stored, never served to a reader.
        for path in ["/admin", "/admin/articles"] {
            let page = ed.get(path).await;
            assert_eq!(page.status, 200);
            assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));
            let reader = app.get(path).await;
            assert_eq!(reader.status, 303, "{path}: a reader is sent to sign in");
            assert!(!reader.body.contains("Sign out"));
        }
        // The login page sets a cookie: each reader gets their own.
        let first = app
            .get("/admin/login")
            .await
            .cookie_value("iconocast_login_csrf");
        let second = app
            .get("/admin/login")
            .await
            .cookie_value("iconocast_login_csrf");
        assert!(first.is_some() && first != second);
        // A public page asked for with a session is the reader's page,
        // with no cookie in it.
        let staff_view = ed.get(ARTICLE).await;
        let reader_view = app.get(ARTICLE).await;
        assert_eq!(staff_view.body, reader_view.body);
        assert!(staff_view.header("set-cookie").is_none());
        // Errors are not stored: each one is looked up again.
        assert_eq!(app.get("/sport/no-such-story").await.status, 404);
        let again = queries_during(&app, async {
            assert_eq!(app.get("/sport/no-such-story").await.status, 404);
        })
        .await;
        assert!(again > 0, "{backend:?}: a 404 is not served from the cache");
    }
);

/// One HTTP/1.0 exchange over a raw socket: the response head and body.
fn http10(address: &str, request: &str) -> (String, Vec<u8>) {
    let host = address.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream.write_all(request.as_bytes()).expect("send");
    let mut raw = Vec::new();
    // HTTP/1.0 without keep-alive: the server closes when it is done.
    stream.read_to_end(&mut raw).expect("read to the end");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    (head, raw[split + 4..].to_vec())
}

#[tokio::test]
async fn http_1_0_clients_get_whole_bodies_never_chunked() {
    let app = spawn_app(&crate::helpers::Backend::Sqlite).await;
    let css = app
        .get("/")
        .await
        .attrs("link[rel=stylesheet]", "href")
        .pop()
        .expect("a stylesheet");
    let paths = [
        "/".to_owned(),
        ARTICLE.to_owned(),
        "/feed.xml".to_owned(),
        "/sitemap.xml".to_owned(),
        css,
        "/admin/login".to_owned(),
        "/no-such-page".to_owned(),
    ];
    for path in paths {
        for accept in [
            "",
            "Accept-Encoding: gzip\r\n",
            "Accept-Encoding: gzip, br\r\n",
        ] {
            let address = app.address.clone();
            let request = format!("GET {path} HTTP/1.0\r\n{accept}\r\n");
            let (head, body) = tokio::task::spawn_blocking(move || http10(&address, &request))
                .await
                .expect("the exchange");
            assert!(head.starts_with("http/1."), "{path}: {head}");
            assert!(
                !head.contains("transfer-encoding"),
                "{path} {accept:?}: {head}"
            );
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map(|v| v.trim().parse::<usize>().expect("a number"));
            if let Some(length) = length {
                assert_eq!(length, body.len(), "{path} {accept:?}: the whole body");
            }
            assert!(!body.is_empty(), "{path} {accept:?}");
            if head.contains("content-encoding: gzip") {
                assert!(!gunzip(&body).is_empty());
            }
        }
    }
}

backend_test!(
    async fn posts_that_change_nothing_leave_the_cache_warm(backend: Backend) {
        let app = spawn_app(&backend).await;
        app.settle().await;
        app.get("/sport").await;
        assert_eq!(queries_during(&app, app.get("/sport")).await, 0, "warm");
        // A stranger's junk, a refused sign-in, a post to a public page:
        // none changes the content, so none may empty the cache (else
        // anyone could keep every reader on the slow path).
        let junk = app
            .post_form("/admin/articles/new", &[("title", "x")], "")
            .await;
        assert!(junk.status >= 300, "{}", junk.status);
        let login = app
            .post_form(
                "/admin/login",
                &[("email", "nobody@example.com"), ("password", "wrong")],
                "",
            )
            .await;
        assert!(login.status >= 400, "{}", login.status);
        let public = app.post_form("/sport", &[("q", "x")], "").await;
        assert!(public.status >= 400, "{}", public.status);
        assert_eq!(
            queries_during(&app, app.get("/sport")).await,
            0,
            "{backend:?}: still warm"
        );
    }
);
