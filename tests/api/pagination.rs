//! `?page=N` on listings: twelve cards a page, prev/next links, each page
//! canonical to itself.

use chrono::Duration;

use crate::helpers::{backend_test, now, spawn_app, Backend};
use iconocast::domain::ArticleStatus;

backend_test!(
    async fn a_listing_pages_by_twelve_with_prev_and_next_links(backend: Backend) {
        let app = spawn_app(&backend).await;
        let paging = app.category("Paging");
        for i in 0..13 {
            app.article(&format!("Item {i:02}"))
                .in_category(&paging)
                .with_status(
                    ArticleStatus::Published,
                    Some(now() - Duration::minutes(10 + i)),
                )
                .create();
        }
        let first = app.get("/paging").await;
        assert_eq!(first.status, 200, "{backend:?}");
        let titles = first.texts(".card-title");
        assert_eq!(titles.len(), 12);
        assert_eq!(titles[0], "Item 00", "newest first");
        assert!(first.attrs("a[rel=prev]", "href").is_empty());
        assert_eq!(first.attrs("a[rel=next]", "href"), ["/paging?page=2"]);
        assert_eq!(first.texts(".page-count"), ["Page 1 of 2"]);

        let second = app.get("/paging?page=2").await;
        assert_eq!(second.status, 200);
        assert_eq!(second.texts(".card-title"), ["Item 12"]);
        assert_eq!(second.attrs("a[rel=prev]", "href"), ["/paging"]);
        assert!(second.attrs("a[rel=next]", "href").is_empty());
        assert_eq!(
            second.attrs("link[rel=canonical]", "href"),
            [format!("{}/paging?page=2", app.address)]
        );
        assert_ne!(
            first.texts("title"),
            second.texts("title"),
            "titles are unique per page"
        );

        assert_eq!(app.get("/paging?page=3").await.status, 404);
        // An empty category still has its first page.
        app.new_category("empty-one", "Empty one");
        let empty = app.get("/empty-one").await;
        assert_eq!(empty.status, 200);
        assert!(empty.texts(".empty")[0].contains("No articles"));
        assert!(empty.texts(".pagination").is_empty());
        assert_eq!(app.get("/empty-one?page=2").await.status, 404);
    }
);

/// Inserts `count` published articles in category `category_id`, the
/// each tagged `tag_id`, with two statements.
fn bulk_tagged(app: &crate::helpers::TestApp, category_id: i32, tag_id: i32, count: u32) {
    use diesel::connection::SimpleConnection;
    let author = app.writer();
    let at = crate::helpers::hours_ago(2).format("%Y-%m-%d %H:%M:%S");
    let sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) \
         INSERT INTO articles (kind, category_id, slug, title, author_id, status, \
         published_at, created_at, updated_at) \
         SELECT 'news', {category_id}, 'many-' || i, 'Many ' || i, {author}, \
         'published', '{at}', '{at}', '{at}' FROM n; \
         INSERT INTO article_tags (article_id, tag_id, position) \
         SELECT id, {tag_id}, 0 FROM articles WHERE slug LIKE 'many-%';"
    );
    app.with_conn(|c| c.batch_execute(&sql))
        .expect("bulk insert");
}

backend_test!(
    /// A long listing is counted only as far as its pager needs: past
    /// `COUNTED` (240) articles it has "many" pages, every page still answers
    /// with the same cards, and the last one still ends the listing.
    async fn a_long_listing_has_many_pages_and_still_ends(backend: Backend) {
        let app = spawn_app(&backend).await;
        let id = app.new_category("long-run", "Long run");
        let tag_id = app.with_conn(|c| {
            iconocast::db::tags::ensure(c, &["LongRun".to_owned()]).expect("tag")[0]
        });
        bulk_tagged(&app, id, tag_id, 293);

        let first = app.get("/long-run").await;
        assert_eq!(first.status, 200, "{backend:?}");
        assert_eq!(first.texts(".page-count"), ["Page 1 of many"]);
        assert_eq!(first.attrs("a[rel=next]", "href"), ["/long-run?page=2"]);
        assert_eq!(first.texts(".card-title").len(), 12);
        let tag = app.get("/tag/longrun").await;
        assert_eq!(tag.status, 200, "{backend:?}");
        assert_eq!(
            tag.texts(".page-intro"),
            ["More than 240 articles tagged #LongRun."],
            "{backend:?}"
        );
        assert_eq!(tag.texts(".page-count"), ["Page 1 of many"]);

        // Deep pages are counted to their end: 293 articles make 25
        // pages, the last with five cards and no next link.
        let page_20 = app.get("/long-run?page=20").await;
        assert_eq!(page_20.status, 200);
        assert_eq!(page_20.texts(".page-count"), ["Page 20 of many"]);
        let last = app.get("/long-run?page=25").await;
        assert_eq!(last.status, 200, "{backend:?}");
        assert_eq!(last.texts(".card-title").len(), 5);
        assert_eq!(last.texts(".page-count"), ["Page 25 of 25"]);
        assert!(last.attrs("a[rel=next]", "href").is_empty());
        assert_eq!(app.get("/long-run?page=26").await.status, 404);
        assert_eq!(app.get("/tag/longrun?page=26").await.status, 404);
    }
);
