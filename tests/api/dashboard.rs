//! The dashboard at `/admin` lists the articles the staff member may open,
//! by the same rule as `/admin/articles`: authors and contributors their
//! own, editors and admins everyone's.

use diesel::prelude::*;
use iconocast::db::schema::articles;
use iconocast::domain::{ArticleStatus, Role};

use crate::helpers::{backend_test, spawn_app, Backend, Page, TestApp};

/// An article by `author_id` with `status` (not public unless published).
fn article_by(
    app: &TestApp,
    author_id: i32,
    slug: &str,
    title: &str,
    status: ArticleStatus,
) -> i32 {
    let at = (status == ArticleStatus::Published).then(|| crate::helpers::hours_ago(1));
    app.article(title)
        .in_category(app.desk())
        .slug(slug)
        .by(author_id)
        .with_status(status, at)
        .create()
}

/// The dashboard's count for each status label, in the page's order.
fn counts(page: &Page) -> Vec<(String, i64)> {
    let labels = page.texts(".status-counts .status");
    let numbers = page.texts(".status-counts .count");
    assert_eq!(labels.len(), numbers.len(), "{}", page.body);
    labels
        .into_iter()
        .zip(numbers)
        .map(|(label, n)| (label, n.parse().expect("a count")))
        .collect()
}

fn listed_ids(page: &Page) -> Vec<i32> {
    let mut ids: Vec<i32> = page
        .attrs("tr[data-article-id]", "data-article-id")
        .iter()
        .map(|id| id.parse().expect("an id"))
        .collect();
    ids.sort();
    ids
}

fn expected(
    draft: i64,
    review: i64,
    scheduled: i64,
    published: i64,
    archived: i64,
) -> Vec<(String, i64)> {
    [
        ("Draft", draft),
        ("In review", review),
        ("Scheduled", scheduled),
        ("Published", published),
        ("Archived", archived),
    ]
    .into_iter()
    .map(|(l, n)| (l.to_owned(), n))
    .collect()
}

backend_test!(
    async fn contributors_and_authors_see_only_their_own_articles_on_the_dashboard(
        backend: Backend,
    ) {
        let app = spawn_app(&backend).await;
        let co = app
            .staff("co@example.org", "Cora Contributor", Role::Contributor)
            .await;
        let other = app
            .staff("ot@example.org", "Otto Other", Role::Contributor)
            .await;
        let au = app
            .staff("au@example.org", "Ann Author", Role::Author)
            .await;
        let ed = app.staff("ed@example.org", "Ed Editor", Role::Editor).await;

        let secret = "An unfinished draft by another writer";
        let theirs = article_by(&app, other.id, "not-yours", secret, ArticleStatus::Draft);
        let mine = [
            article_by(
                &app,
                co.id,
                "cora-one",
                "Cora's first draft",
                ArticleStatus::Draft,
            ),
            article_by(
                &app,
                co.id,
                "cora-two",
                "Cora's piece in review",
                ArticleStatus::Review,
            ),
        ];
        let authors = [
            article_by(
                &app,
                au.id,
                "ann-out",
                "Ann's published piece",
                ArticleStatus::Published,
            ),
            article_by(
                &app,
                au.id,
                "ann-draft",
                "Ann's draft",
                ArticleStatus::Draft,
            ),
        ];

        let page = co.get("/admin").await;
        assert_eq!(page.status, 200, "{backend:?}: {}", page.body);
        assert!(
            !page.body.contains(secret),
            "{backend:?}: another's draft shown"
        );
        assert!(!page.body.contains("Otto Other"), "{backend:?}");
        assert_eq!(listed_ids(&page), mine.to_vec(), "{backend:?}");
        assert_eq!(counts(&page), expected(1, 1, 0, 0, 0), "{backend:?}");
        // The same as the article list shows them.
        let list = co.get("/admin/articles").await;
        assert_eq!(list.status, 200, "{backend:?}");
        assert!(!list.body.contains(secret), "{backend:?}");

        let page = au.get("/admin").await;
        assert_eq!(page.status, 200, "{backend:?}");
        assert!(!page.body.contains(secret), "{backend:?}");
        assert_eq!(listed_ids(&page), authors.to_vec(), "{backend:?}");
        assert_eq!(counts(&page), expected(1, 0, 0, 1, 0), "{backend:?}");

        // An editor sees everyone's: the other writer's draft, and counts
        // that add up to every article there is.
        let page = ed.get("/admin").await;
        assert_eq!(page.status, 200, "{backend:?}");
        assert!(page.body.contains(secret), "{backend:?}");
        assert!(listed_ids(&page).contains(&theirs), "{backend:?}");
        let total: i64 = app
            .with_conn(|c| articles::table.count().get_result(c))
            .expect("count");
        let shown: i64 = counts(&page).iter().map(|(_, n)| n).sum();
        assert_eq!(shown, total, "{backend:?}");
        let drafts: i64 = app
            .with_conn(|c| {
                articles::table
                    .filter(articles::status.eq("draft"))
                    .count()
                    .get_result(c)
            })
            .expect("count");
        assert_eq!(
            counts(&page)[0],
            ("Draft".to_owned(), drafts),
            "{backend:?}"
        );
    }
);
