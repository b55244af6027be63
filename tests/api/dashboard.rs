//! The dashboard at `/admin` lists the articles the staff member may open,
//! by the same rule as `/admin/articles`: authors and contributors their
//! own, editors and admins everyone's.

use diesel::prelude::*;
use iconocast::db::schema::articles;
use iconocast::domain::{ArticleStatus, Role};

use crate::helpers::{backend_test, news, spawn_app, Backend, Page, TestApp};

const PASSWORD: &str = "correct horse battery staple";

/// An article by `author_id` with `status` (not public unless published).
fn article_by(
    app: &TestApp,
    author_id: i32,
    slug: &str,
    title: &str,
    status: ArticleStatus,
) -> i32 {
    let mut input = news(app, app.category_id("sport"), slug, title, &[]);
    input.author_id = author_id;
    input.status = status;
    if status != ArticleStatus::Published {
        input.published_at = None;
    }
    app.create_article(input)
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
        let co = app.add_staff(
            "co@example.org",
            "Cora Contributor",
            Role::Contributor,
            PASSWORD,
        );
        let other = app.add_staff("ot@example.org", "Otto Other", Role::Contributor, PASSWORD);
        let au = app.add_staff("au@example.org", "Ann Author", Role::Author, PASSWORD);
        app.add_staff("ed@example.org", "Ed Editor", Role::Editor, PASSWORD);

        let secret = "An unfinished draft by another writer";
        let theirs = article_by(&app, other, "not-yours", secret, ArticleStatus::Draft);
        let mine = [
            article_by(
                &app,
                co,
                "cora-one",
                "Cora's first draft",
                ArticleStatus::Draft,
            ),
            article_by(
                &app,
                co,
                "cora-two",
                "Cora's piece in review",
                ArticleStatus::Review,
            ),
        ];
        let authors = [
            article_by(
                &app,
                au,
                "ann-out",
                "Ann's published piece",
                ArticleStatus::Published,
            ),
            article_by(&app, au, "ann-draft", "Ann's draft", ArticleStatus::Draft),
        ];

        let cookie = app.sign_in("co@example.org", PASSWORD).await;
        let page = app.get_as("/admin", &cookie).await;
        assert_eq!(page.status, 200, "{backend:?}: {}", page.body);
        assert!(
            !page.body.contains(secret),
            "{backend:?}: another's draft shown"
        );
        assert!(!page.body.contains("Otto Other"), "{backend:?}");
        assert_eq!(listed_ids(&page), mine.to_vec(), "{backend:?}");
        assert_eq!(counts(&page), expected(1, 1, 0, 0, 0), "{backend:?}");
        // The same as the article list shows them.
        let list = app.get_as("/admin/articles", &cookie).await;
        assert_eq!(list.status, 200, "{backend:?}");
        assert!(!list.body.contains(secret), "{backend:?}");

        let cookie = app.sign_in("au@example.org", PASSWORD).await;
        let page = app.get_as("/admin", &cookie).await;
        assert_eq!(page.status, 200, "{backend:?}");
        assert!(!page.body.contains(secret), "{backend:?}");
        assert_eq!(listed_ids(&page), authors.to_vec(), "{backend:?}");
        assert_eq!(counts(&page), expected(1, 0, 0, 1, 0), "{backend:?}");

        // An editor sees everyone's: the other writer's draft, and counts
        // that add up to every article there is.
        let cookie = app.sign_in("ed@example.org", PASSWORD).await;
        let page = app.get_as("/admin", &cookie).await;
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
