//! Bad input gets a clear 4xx page, never a 500.

use crate::helpers::{backend_test, spawn_app, Backend};

backend_test!(
    async fn bad_page_numbers_get_a_clear_400_page(backend: Backend) {
        let app = spawn_app(&backend).await;
        app.rowing_story();
        for query in ["abc", "-1", "0", "99999999999999999999", "1.5", "%00"] {
            for base in [
                "/rowing",
                "/blog",
                "/tag/oarlock",
                "/author/wren-writer",
                "/search?q=tea&x=1",
            ] {
                let sep = if base.contains('?') { '&' } else { '?' };
                let page = app.get(&format!("{base}{sep}page={query}")).await;
                assert_eq!(page.status, 400, "{backend:?} {base} page={query}");
                assert_eq!(page.texts("h1"), ["Bad request"]);
                assert!(
                    page.texts(".page-intro")[0].contains("page number"),
                    "{}",
                    page.body
                );
            }
        }
    }
);

backend_test!(
    async fn pages_past_the_end_and_unknown_slugs_are_404(backend: Backend) {
        let app = spawn_app(&backend).await;
        app.rowing_story();
        for path in [
            "/rowing?page=2",
            "/rowing?page=4000000000",
            "/no-such-category",
            "/rowing/no-such-article",
            "/blog/no-such-post",
            "/Rowing",
            "/rowing/Bad--Slug",
            "/a/b/c",
            "/tag/",
        ] {
            let page = app.get(path).await;
            assert_eq!(page.status, 404, "{backend:?} {path}");
            assert_eq!(page.texts("h1"), ["Page not found"], "{path}");
            // A styled page: it uses the site's stylesheet.
            assert!(page.attrs("link[rel=stylesheet]", "href")[0].starts_with("/static/site."));
        }
    }
);

backend_test!(
    async fn hostile_paths_and_queries_never_cause_a_500(backend: Backend) {
        let app = spawn_app(&backend).await;
        app.rowing_story();
        let long = "a".repeat(5000);
        let cases: Vec<(String, &[u16])> = vec![
            ("/static/..%2f..%2fetc%2fpasswd".into(), &[404]),
            ("/static/../../etc/passwd".into(), &[404]),
            ("/static/%2e%2e/Cargo.toml".into(), &[404]),
            (format!("/{long}"), &[404, 414]),
            (format!("/rowing/{long}"), &[404, 414]),
            (format!("/rowing?page={long}"), &[400, 414]),
            ("/rowing?page=%zz".into(), &[400]),
            ("/search?q=%zz".into(), &[200, 400]),
            ("/search?q=%27%20OR%201%3D1%20--".into(), &[200]),
            (
                "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E".into(),
                &[200],
            ),
            ("/tag/%3Cscript%3E".into(), &[404]),
            ("/author/..%2F..".into(), &[404]),
        ];
        for (path, allowed) in cases {
            let page = app.get(&path).await;
            assert!(
                allowed.contains(&page.status),
                "{backend:?} {}: got {}",
                &path[..path.len().min(60)],
                page.status
            );
            assert!(!page.body.contains("<script>alert"), "user text is escaped");
            assert!(
                page.header("x-request-id").is_some(),
                "every response carries a request id"
            );
        }
    }
);

backend_test!(
    async fn a_failure_on_our_side_is_a_styled_500_that_leaks_nothing(backend: Backend) {
        let app = spawn_app(&backend).await;
        app.rowing_story();
        use diesel::connection::SimpleConnection;
        app.with_conn(|c| c.batch_execute("DROP TABLE article_tags"))
            .expect("break the schema");
        let page = app.get("/rowing/a-rowing-story").await;
        assert_eq!(page.status, 500, "{backend:?}");
        assert_eq!(page.texts("h1"), ["Something went wrong"]);
        assert!(
            !page.body.to_lowercase().contains("article_tags"),
            "no internals in the page"
        );
        // Pages that do not need the broken table still work.
        assert_eq!(app.get("/rowing").await.status, 200);
    }
);

#[tokio::test]
async fn responses_carry_security_headers() {
    let app = spawn_app(&crate::helpers::Backend::Sqlite).await;
    let home = app.get("/").await;
    let etag = home.header("etag").expect("an ETag");
    let css = home.attrs("link[rel=stylesheet]", "href");
    let brotli = [("accept-encoding", "br")];
    let answers = [
        ("the home page rendered", 200, home),
        ("the home page from the cache", 200, app.get("/").await),
        (
            "in brotli from the cache",
            200,
            app.get_with("/", &brotli).await,
        ),
        (
            "a 304 from the cache",
            304,
            app.get_with("/", &[("if-none-match", &etag)]).await,
        ),
        ("a 404", 404, app.get("/no-such-page").await),
        ("the stylesheet", 200, app.get_with(&css[0], &brotli).await),
    ];
    for (what, status, page) in answers {
        assert_eq!(page.status, status, "{what}");
        assert_eq!(
            page.header("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{what}"
        );
        let csp = page.header("content-security-policy").expect("a CSP");
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{what}: {csp}"
        );
        assert!(page.header("referrer-policy").is_some(), "{what}");
    }
}
