//! The one visibility rule: published or scheduled, with a publish time in
//! the past. Everything else is hidden from every page and listing.

use chrono::Duration;

use crate::helpers::{backend_test, hours_ago, news, now, spawn_app, Backend};
use iconocast::domain::ArticleStatus;

backend_test!(
    async fn hidden_articles_appear_on_no_page_or_listing(backend: Backend) {
        let app = spawn_app(&backend).await;
        let sport = app.category_id("sport");
        let hidden = [
            ("a-draft", ArticleStatus::Draft, Some(hours_ago(2))),
            ("in-review", ArticleStatus::Review, Some(hours_ago(2))),
            ("archived-one", ArticleStatus::Archived, Some(hours_ago(2))),
            (
                "scheduled-later",
                ArticleStatus::Scheduled,
                Some(now() + Duration::hours(2)),
            ),
            (
                "published-in-future",
                ArticleStatus::Published,
                Some(now() + Duration::days(1)),
            ),
            ("published-without-time", ArticleStatus::Published, None),
        ];
        for (slug, status, at) in &hidden {
            let mut input = news(&app, sport, slug, &format!("Hidden {slug}"), &["Secretive"]);
            input.status = *status;
            input.published_at = *at;
            input.sections[0].1 = "Unguessable quokkaword text.".to_owned();
            app.create_article(input);
        }
        // A scheduled article whose time has come is public: no cron needed.
        let mut due = news(
            &app,
            sport,
            "scheduled-due",
            "Scheduled and due",
            &["Secretive"],
        );
        due.status = ArticleStatus::Scheduled;
        due.published_at = Some(hours_ago(1));
        due.sections[0].1 = "Unguessable quokkaword text.".to_owned();
        app.create_article(due);

        for (slug, ..) in &hidden {
            let page = app.get(&format!("/sport/{slug}")).await;
            assert_eq!(
                page.status, 404,
                "{backend:?}: /sport/{slug} must be hidden"
            );
        }
        assert_eq!(
            app.get("/sport/scheduled-due").await.status,
            200,
            "{backend:?}"
        );
        for listing in [
            "/",
            "/sport",
            "/tag/secretive",
            "/author/amara-okafor",
            "/search?q=quokkaword",
        ] {
            let page = app.get(listing).await;
            assert_eq!(page.status, 200, "{listing}");
            let hrefs = page.attrs("a", "href");
            for (slug, ..) in &hidden {
                assert!(
                    !hrefs.iter().any(|h| h.ends_with(&format!("/{slug}"))),
                    "{backend:?}: {listing} links hidden {slug}"
                );
            }
            assert!(
                page.body.contains("Scheduled and due") || listing == "/",
                "{backend:?}: {listing} should list the due article"
            );
        }
    }
);

backend_test!(
    async fn the_demo_keeps_its_scheduled_articles_hidden_until_their_time(backend: Backend) {
        let app = spawn_app(&backend).await;
        let page = app
            .get("/health-technology-science/protecting-your-hearing-everyday-noise")
            .await;
        assert_eq!(page.status, 404, "{backend:?}");
        let blog = app.get("/blog/why-we-slow-down-on-breaking-news").await;
        assert_eq!(blog.status, 404);
        let index = app.get("/blog").await;
        assert!(!index.body.contains("why-we-slow-down-on-breaking-news"));
        // The demo's drafts are hidden too.
        assert_eq!(
            app.get("/sport/why-rest-days-make-you-fitter").await.status,
            404
        );
    }
);

backend_test!(
    /// A hashtag's page is read from the hashtag links, which keep a copy of
    /// their article's status and publish time: the copies follow every change
    /// of the article, however it is made, and the page and its count with
    /// them.
    async fn a_hashtag_page_follows_its_articles_status_and_publish_time(backend: Backend) {
        use diesel::prelude::*;
        use iconocast::db::schema::articles;

        let app = spawn_app(&backend).await;
        let sport = app.category_id("sport");
        let mut older = news(&app, sport, "tag-older", "Older one", &["Follows"]);
        older.published_at = Some(hours_ago(5));
        let older = app.create_article(older);
        let mut newer = news(&app, sport, "tag-newer", "Newer one", &["Follows"]);
        newer.published_at = Some(hours_ago(3));
        app.create_article(newer);
        let titles = |page: &crate::helpers::Page| page.texts(".card-title");

        let page = app.get("/tag/follows").await;
        assert_eq!(titles(&page), ["Newer one", "Older one"], "{backend:?}");
        assert_eq!(page.texts(".page-intro"), ["2 articles tagged #Follows."]);

        // A new publish time moves it to the top.
        app.with_conn(|c| {
            diesel::update(articles::table.find(older))
                .set(articles::published_at.eq(hours_ago(1)))
                .execute(c)
        })
        .expect("republish");
        let page = app.get("/tag/follows").await;
        assert_eq!(titles(&page), ["Older one", "Newer one"], "{backend:?}");

        // Back to draft: gone from the page and from its count.
        app.with_conn(|c| {
            diesel::update(articles::table.find(older))
                .set(articles::status.eq(ArticleStatus::Draft.as_str()))
                .execute(c)
        })
        .expect("unpublish");
        let page = app.get("/tag/follows").await;
        assert_eq!(titles(&page), ["Newer one"], "{backend:?}");
        assert_eq!(page.texts(".page-intro"), ["1 article tagged #Follows."]);

        // Scheduled for later: still hidden; once its time has passed, shown.
        app.with_conn(|c| {
            diesel::update(articles::table.find(older))
                .set((
                    articles::status.eq(ArticleStatus::Scheduled.as_str()),
                    articles::published_at.eq(now() + Duration::hours(2)),
                ))
                .execute(c)
        })
        .expect("schedule");
        assert_eq!(
            titles(&app.get("/tag/follows").await),
            ["Newer one"],
            "{backend:?}"
        );
        app.with_conn(|c| {
            diesel::update(articles::table.find(older))
                .set(articles::published_at.eq(hours_ago(4)))
                .execute(c)
        })
        .expect("due");
        let page = app.get("/tag/follows").await;
        assert_eq!(titles(&page), ["Newer one", "Older one"], "{backend:?}");
        assert_eq!(page.texts(".page-intro"), ["2 articles tagged #Follows."]);
    }
);
