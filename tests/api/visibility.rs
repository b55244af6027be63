//! The one visibility rule: published or scheduled, with a publish time in
//! the past and no expiry passed. Everything else is hidden from every page
//! and listing.

use chrono::Duration;

use crate::helpers::{backend_test, hours_ago, now, spawn_app, Backend};
use iconocast::domain::ArticleStatus;

backend_test!(
    async fn hidden_articles_appear_on_no_page_or_listing(backend: Backend) {
        let app = spawn_app(&backend).await;
        let rowing = app.category("Rowing");
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
            let mut article = app
                .article(&format!("Hidden {slug}"))
                .in_category(&rowing)
                .slug(slug)
                .tags(&["Secretive"])
                .with_status(*status, *at);
            article.input.sections[0].1 = "Unguessable quokkaword text.".to_owned();
            article.create();
        }
        // A scheduled article whose time has come is public: no cron needed.
        let mut due = app
            .article("Scheduled and due")
            .in_category(&rowing)
            .tags(&["Secretive"])
            .with_status(ArticleStatus::Scheduled, Some(hours_ago(1)));
        due.input.sections[0].1 = "Unguessable quokkaword text.".to_owned();
        due.create();

        for (slug, ..) in &hidden {
            let page = app.get(&format!("/rowing/{slug}")).await;
            assert_eq!(
                page.status, 404,
                "{backend:?}: /rowing/{slug} must be hidden"
            );
        }
        assert_eq!(
            app.get("/rowing/scheduled-and-due").await.status,
            200,
            "{backend:?}"
        );
        for listing in [
            "/",
            "/rowing",
            "/tag/secretive",
            "/author/wren-writer",
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
        let rowing = app.category("Rowing");
        let older = app
            .article("Older one")
            .in_category(&rowing)
            .tags(&["Follows"])
            .published_hours_ago(5)
            .create();
        app.article("Newer one")
            .in_category(&rowing)
            .tags(&["Follows"])
            .published_hours_ago(3)
            .create();
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

backend_test!(
    async fn the_rust_and_sql_forms_of_the_visibility_rule_agree(backend: Backend) {
        use diesel::prelude::*;
        use iconocast::db::articles::visible;
        use iconocast::db::schema::articles;

        let app = spawn_app(&backend).await;
        let rowing = app.category("Rowing");
        let at = now();
        let times = [
            ("none", None),
            ("past", Some(at - Duration::hours(3))),
            ("now", Some(at)),
            ("future", Some(at + Duration::hours(3))),
        ];
        let mut cases = Vec::new();
        for status in ArticleStatus::ALL {
            for (when, published_at) in times {
                for (until, expires_at) in times {
                    let slug = format!("rule-{status}-{when}-until-{until}");
                    let mut article = app
                        .article(&slug)
                        .slug(&slug)
                        .in_category(&rowing)
                        .with_status(status, published_at);
                    if let Some(e) = expires_at {
                        article = article.expires(e);
                    }
                    let id = article.create();
                    cases.push((id, status, published_at, expires_at));
                }
            }
        }
        let shown: Vec<i32> = app
            .with_conn(|c| {
                articles::table
                    .filter(articles::slug.like("rule-%"))
                    .filter(visible(at))
                    .select(articles::id)
                    .load(c)
            })
            .expect("visible ids");
        for (id, status, published_at, expires_at) in cases {
            assert_eq!(
                shown.contains(&id),
                status.is_visible(published_at, expires_at, at),
                "{backend:?}: {status} published at {published_at:?}, expiring {expires_at:?}"
            );
        }
        assert_eq!(
            shown.len(),
            8,
            "{backend:?}: published or scheduled, past or now, expiring never or later"
        );
    }
);

backend_test!(
    async fn a_stored_name_no_type_knows_is_an_error_not_a_value(backend: Backend) {
        use diesel::dsl::select;
        use diesel::prelude::*;
        use diesel::sql_types::Text;
        use iconocast::domain::{ArticleKind, Role};

        let app = spawn_app(&backend).await;
        app.with_conn(|c| {
            let read = |c: &mut iconocast::db::DbConn, raw: &str| {
                select(raw.to_owned().into_sql::<Text>()).get_result::<ArticleStatus>(c)
            };
            assert_eq!(read(c, "scheduled").ok(), Some(ArticleStatus::Scheduled));
            let error = read(c, "live").expect_err("an unknown status");
            assert!(
                matches!(error, diesel::result::Error::DeserializationError(_)),
                "{backend:?}: {error:?}"
            );
            // The cause names what was stored.
            let cause = format!("{error:?}");
            assert!(cause.contains("unknown article status"), "{cause}");
            assert!(cause.contains("live"), "{cause}");
            assert!(select("video".into_sql::<Text>())
                .get_result::<ArticleKind>(c)
                .is_err());
            assert!(select("owner".into_sql::<Text>())
                .get_result::<Role>(c)
                .is_err());
            assert_eq!(
                select("blog".into_sql::<Text>())
                    .get_result::<ArticleKind>(c)
                    .ok(),
                Some(ArticleKind::Blog)
            );
        });
    }
);
