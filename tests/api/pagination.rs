//! `?page=N` on listings: twelve cards a page, prev/next links, each page
//! canonical to itself.

use chrono::Duration;

use crate::helpers::{backends, news, now, spawn_app};

#[tokio::test]
async fn a_listing_pages_by_twelve_with_prev_and_next_links() {
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let id = app.new_category("paging", "Paging");
        for i in 0..13 {
            let mut input = news(
                &app,
                id,
                &format!("item-{i:02}"),
                &format!("Item {i:02}"),
                &[],
            );
            input.published_at = Some(now() - Duration::minutes(10 + i));
            app.create_article(input);
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
}
