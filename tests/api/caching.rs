//! HTTP caching: ETag and Last-Modified on pages, 304 answers to
//! conditional requests, and Cache-Control fitting each kind of response.

use crate::helpers::{backend_test, spawn_app, Backend};

backend_test!(
    async fn pages_answer_304_to_a_matching_etag_or_date_and_200_after_a_change(backend: Backend) {
        let app = spawn_app(&backend).await;
        let (rowing, _) = app.rowing_story();
        app.article("A note from the desk").blog().create();
        for path in [
            "/",
            "/rowing",
            "/rowing/a-rowing-story",
            "/blog",
            "/about",
            "/tag/oarlock",
            "/author/wren-writer",
        ] {
            let page = app.get(path).await;
            assert_eq!(page.status, 200, "{path}");
            let etag = page
                .header("etag")
                .unwrap_or_else(|| panic!("{path} has an ETag"));
            let modified = page
                .header("last-modified")
                .unwrap_or_else(|| panic!("{path} has Last-Modified"));
            assert!(modified.ends_with(" GMT"), "{modified}");
            let cache = page.header("cache-control").expect("cache-control");
            assert!(
                cache.contains("max-age=60") && cache.contains("stale-while-revalidate"),
                "{cache}"
            );

            let again = app.get_with(path, &[("if-none-match", &etag)]).await;
            assert_eq!(again.status, 304, "{backend:?} {path}");
            assert!(again.body.is_empty());
            assert_eq!(again.header("etag").as_deref(), Some(etag.as_str()));
            let by_date = app
                .get_with(path, &[("if-modified-since", &modified)])
                .await;
            assert_eq!(by_date.status, 304, "{path}");
            let stale = app.get_with(path, &[("if-none-match", "W/\"0000\"")]).await;
            assert_eq!(stale.status, 200, "{path}");
        }
        // A new article changes the category page: the old ETag no longer matches.
        let before = app.get("/rowing").await.header("etag").expect("etag");
        app.article("Fresh news").in_category(&rowing).create();
        let after = app.get_with("/rowing", &[("if-none-match", &before)]).await;
        assert_eq!(after.status, 200, "{backend:?}");
        assert!(after.body.contains("Fresh news"));
    }
);

#[tokio::test]
async fn errors_and_health_are_not_cached_as_pages() {
    let app = spawn_app(&crate::helpers::Backend::Sqlite).await;
    let missing = app.get("/no-such-page").await;
    assert_eq!(missing.status, 404);
    assert!(missing.header("etag").is_none());
    assert_eq!(missing.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(
        app.get("/healthz").await.header("cache-control").as_deref(),
        Some("no-store")
    );
}
