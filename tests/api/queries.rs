//! A listing costs the same number of queries whatever its length: no
//! query per card. Counted by the pool's own instrumentation.

use crate::helpers::{backend_test, spawn_app, Backend, TestApp};

/// The statements one render of `path` runs: the page cache and the
/// layout's settings are emptied first (as any change of content does), so
/// a page served from memory cannot pass for a cheap one.
async fn queries_for(app: &TestApp, path: &str) -> u64 {
    app.with_conn(|_| ());
    let before = app.db.queries.get();
    let page = app.get(path).await;
    assert_eq!(page.status, 200, "{path}");
    app.db.queries.get() - before
}

backend_test!(
    async fn listings_and_articles_make_a_constant_number_of_queries(backend: Backend) {
        let app = spawn_app(&backend).await;
        let counted = app.category("Counted");
        let article = |title: &str| {
            app.article(title)
                .in_category(&counted)
                .tags(&["Counted"])
                .create()
        };
        article("Counted 0");
        let one = [
            queries_for(&app, "/counted").await,
            queries_for(&app, "/tag/counted").await,
            queries_for(&app, "/").await,
            queries_for(&app, "/counted/counted-0").await,
        ];
        for i in 1..12 {
            article(&format!("Counted {i}"));
        }
        let twelve = [
            queries_for(&app, "/counted").await,
            queries_for(&app, "/tag/counted").await,
            queries_for(&app, "/").await,
            queries_for(&app, "/counted/counted-0").await,
        ];
        assert_eq!(
            one[..3],
            twelve[..3],
            "{backend:?}: listing queries with 1 card vs 12 cards"
        );
        // An article alone in its hashtag fills its related box from its
        // category's listing instead, which on PostgreSQL is one statement
        // more (ids, then cards): with more cards, never more queries.
        assert!(
            twelve[3] <= one[3],
            "{backend:?}: the article page made {} queries with 12 related, {} with none",
            twelve[3],
            one[3]
        );
        // On PostgreSQL a listing page reads its ids and its cards in two
        // statements (`list_page!`).
        assert!(
            twelve[0] <= 7,
            "a category page makes {} queries",
            twelve[0]
        );
    }
);
