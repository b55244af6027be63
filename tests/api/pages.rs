//! What a reader sees on each page type.

use crate::helpers::{backend_test, hours_ago, spawn_app, Backend};

backend_test!(
    async fn home_shows_lead_story_every_area_the_blog_and_the_pitch(backend: Backend) {
        let app = spawn_app(&backend).await;
        let page = app.get("/").await;
        assert_eq!(page.status, 200, "{backend:?}");
        let areas = page.texts(".area .section-title");
        for name in [
            "Health, Technology & Science",
            "Books & Arts",
            "Entertainment, TV & Shows",
            "Sport",
            "Travel",
            "From the Blog",
        ] {
            assert!(
                areas.iter().any(|a| a == name),
                "{backend:?}: no area {name} in {areas:?}"
            );
        }
        assert_eq!(page.texts(".lead-title").len(), 1, "one lead story");
        assert!(page.texts("#pitch-title")[0].starts_with("Why choose"));
        assert_eq!(
            page.texts("title"),
            ["Iconocast News Agency — News that matters, explained clearly."]
        );
        // The newest visible news article leads.
        let rowing = app.category("Rowing");
        app.article("A brand new lead story")
            .in_category(&rowing)
            .create();
        let page = app.get("/").await;
        assert_eq!(
            page.texts(".lead-title"),
            ["A brand new lead story"],
            "{backend:?}"
        );
        assert_eq!(
            page.attrs(".lead-title a", "href"),
            [format!("/{}/a-brand-new-lead-story", rowing.slug)]
        );
    }
);

backend_test!(
    async fn category_page_lists_its_articles_newest_first(backend: Backend) {
        let app = spawn_app(&backend).await;
        let rowing = app.category("Rowing");
        let other = app.category("Sculling");
        app.article("An older trip")
            .in_category(&rowing)
            .published_hours_ago(3)
            .create();
        app.article("A newer trip").in_category(&rowing).create();
        app.article("Another category's trip")
            .in_category(&other)
            .create();
        let page = app.get("/rowing").await;
        assert_eq!(page.status, 200);
        assert_eq!(page.texts("h1"), ["Rowing"]);
        let titles = page.texts(".card-title");
        assert_eq!(titles, ["A newer trip", "An older trip"], "{backend:?}");
        // Only Rowing's articles: every card's kicker names Rowing.
        assert!(page.texts(".card .kicker").iter().all(|k| k == "Rowing"));
        assert_eq!(
            page.attrs("link[rel=canonical]", "href"),
            [format!("{}/rowing", app.address)]
        );
        assert_eq!(
            page.attrs("nav.site-nav a[aria-current=page]", "href"),
            ["/rowing"]
        );
    }
);

backend_test!(
    async fn article_page_has_breadcrumb_byline_dates_contents_sections_hashtags_and_related(
        backend: Backend,
    ) {
        let app = spawn_app(&backend).await;
        let rowing = app.category("Rowing");
        let sailing = app.category("Sailing");
        app.article("The main story")
            .slug("main-story")
            .in_category(&rowing)
            .tags(&["Rowing", "Explainer"])
            .create();
        // Shares two hashtags: first among related, though in another category.
        app.article("Shares two hashtags")
            .slug("two-shared")
            .in_category(&sailing)
            .tags(&["Rowing", "Explainer"])
            .create();
        let page = app.get("/rowing/main-story").await;
        assert_eq!(page.status, 200, "{backend:?}");
        assert_eq!(
            page.texts(".breadcrumb li"),
            ["Home", "Rowing", "The main story"]
        );
        assert_eq!(page.attrs(".breadcrumb a", "href"), ["/", "/rowing"]);
        assert_eq!(page.texts("h1"), ["The main story"]);
        assert_eq!(
            page.texts(".article .standfirst"),
            ["The standfirst of The main story."]
        );
        assert_eq!(
            page.attrs(".byline a.author", "href"),
            ["/author/wren-writer"]
        );
        assert_eq!(page.texts(".byline a.author"), ["Wren Writer"]);
        let datetime = page.attrs(".byline time", "datetime");
        assert_eq!(datetime.len(), 1);
        assert!(
            datetime[0].ends_with('Z') && datetime[0].contains('T'),
            "{datetime:?}"
        );
        assert!(page.texts(".byline")[0].contains("1 min read"));
        // The table of contents links each section's anchor.
        assert_eq!(
            page.attrs(".toc a", "href"),
            ["#first-things", "#second-thoughts"]
        );
        assert_eq!(
            page.attrs(".article-section", "id"),
            ["first-things", "second-thoughts"]
        );
        assert_eq!(
            page.texts(".article-section h2"),
            ["First things", "Second thoughts"]
        );
        assert!(
            page.body.contains("<strong>first</strong>"),
            "Markdown is rendered"
        );
        assert_eq!(page.texts(".hashtags a"), ["#Rowing", "#Explainer"]);
        assert_eq!(
            page.attrs(".hashtags a", "href"),
            ["/tag/rowing", "/tag/explainer"]
        );
        let related = page.attrs(".related .card-title a", "href");
        assert_eq!(
            related.first().map(String::as_str),
            Some("/sailing/two-shared"),
            "{related:?}"
        );
        assert!(
            !related.contains(&"/rowing/main-story".to_owned()),
            "never related to itself"
        );
        assert!(related.len() <= 4);
        assert_eq!(
            page.texts("title"),
            ["The main story | Iconocast News Agency"]
        );
        assert_eq!(
            page.attrs("meta[name=description]", "content"),
            ["The standfirst of The main story."]
        );
    }
);

backend_test!(
    /// Related articles are ranked among each hashtag's newest
    /// `RELATED_WINDOW` visible articles, so an article page costs the same
    /// on a large archive: an old article sharing both hashtags leads while
    /// it is among them, and gives way once a hundred newer ones share one.
    async fn related_articles_are_ranked_among_each_hashtags_newest_hundred(backend: Backend) {
        use iconocast::db::articles::RELATED_WINDOW;
        use iconocast::domain::ArticleStatus;
        let app = spawn_app(&backend).await;
        let rowing = app.category("Rowing");
        let sailing = app.category("Sailing");
        let tags = ["Oarlock", "Slipway"];
        let shared = |slug: &str, status: ArticleStatus, at| {
            app.article(slug)
                .slug(slug)
                .in_category(&sailing)
                .tags(&tags)
                .with_status(status, Some(at))
                .create()
        };
        app.article("The main story")
            .slug("main-story")
            .in_category(&rowing)
            .tags(&tags)
            .create();
        shared(
            "old-two-shared",
            ArticleStatus::Published,
            hours_ago(24 * 30),
        );
        shared("draft-two-shared", ArticleStatus::Draft, hours_ago(2));
        shared("later-two-shared", ArticleStatus::Scheduled, hours_ago(-2));
        let related = || async {
            app.get("/rowing/main-story")
                .await
                .attrs(".related .card-title a", "href")
        };
        assert_eq!(
            related().await.first().map(String::as_str),
            Some("/sailing/old-two-shared"),
            "{backend:?}"
        );

        let newer = usize::try_from(RELATED_WINDOW).expect("a small window");
        for i in 0..newer {
            let at = hours_ago(24 * 29) + chrono::Duration::minutes(i as i64);
            app.article("Newer")
                .slug(&format!("newer-{i}"))
                .in_category(&sailing)
                .tags(&tags[..1])
                .with_status(ArticleStatus::Published, Some(at))
                .create();
        }
        let shown = related().await;
        assert_eq!(
            shown.first().map(String::as_str),
            Some(format!("/sailing/newer-{}", newer - 1).as_str()),
            "{backend:?}: out of the first hashtag's newest {newer}, the old article shares one"
        );
        assert_eq!(shown.len(), 4, "{backend:?}");
        for hidden in [
            "/sailing/draft-two-shared",
            "/sailing/later-two-shared",
            "/rowing/main-story",
        ] {
            assert!(
                !shown.contains(&hidden.to_owned()),
                "{backend:?}: {hidden} in {shown:?}"
            );
        }
    }
);

backend_test!(
    /// Whatever number of hashtags an article has, up to the limit of 20,
    /// each of them counts for its related articles: one sharing only its
    /// last hashtag is found, and one sharing its first and last comes
    /// before a newer one sharing only the first. (They are in another
    /// category than the article's, from which related articles are
    /// filled up when too few share a hashtag.)
    async fn related_articles_come_from_every_one_of_many_hashtags(backend: Backend) {
        use iconocast::domain::ArticleStatus;
        let app = spawn_app(&backend).await;
        let rowing = app.category("Rowing");
        let sailing = app.category("Sailing");
        for count in [3, 6, 12, 20] {
            let tags: Vec<String> = (1..=count).map(|i| format!("Many{count}x{i}")).collect();
            let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
            let main = format!("main-{count}");
            app.article("Main")
                .slug(&main)
                .in_category(&rowing)
                .tags(&tags)
                .create();
            let related_one = |slug: &str, tags: &[&str], hours: i64| {
                app.article(slug)
                    .slug(slug)
                    .in_category(&sailing)
                    .tags(tags)
                    .with_status(ArticleStatus::Published, Some(hours_ago(hours)))
                    .create();
                format!("/sailing/{slug}")
            };
            let last = related_one(&format!("last-only-{count}"), &tags[count - 1..], 3);
            let both = related_one(
                &format!("first-and-last-{count}"),
                &[tags[0], tags[count - 1]],
                2,
            );
            let newer = related_one(&format!("first-only-{count}"), &tags[..1], 1);
            let related = app
                .get(&format!("/rowing/{main}"))
                .await
                .attrs(".related .card-title a", "href");
            // Then the newest of its own category fill the fourth place.
            assert_eq!(
                related.get(..3),
                Some(&[both, newer, last][..]),
                "{backend:?}, {count} hashtags: {related:?}"
            );
        }
    }
);

backend_test!(
    async fn an_article_under_the_wrong_category_moves_to_its_own_url(backend: Backend) {
        let app = spawn_app(&backend).await;
        app.rowing_story();
        app.category("Sailing");
        app.article("A note from the desk").blog().create();
        let page = app.get("/sailing/a-rowing-story").await;
        assert_eq!(page.status, 301, "{backend:?}");
        assert_eq!(
            page.header("location").as_deref(),
            Some("/rowing/a-rowing-story")
        );
        let page = app.get("/rowing/a-note-from-the-desk").await;
        assert_eq!(page.status, 301);
        assert_eq!(
            page.header("location").as_deref(),
            Some("/blog/a-note-from-the-desk")
        );
    }
);

backend_test!(
    async fn old_slugs_answer_301_to_the_new_url(backend: Backend) {
        let app = spawn_app(&backend).await;
        app.rowing_story();
        app.with_conn(|c| {
            iconocast::db::redirects::create(
                c,
                &iconocast::db::models::NewRedirect {
                    from_path: "/rowing/an-old-name",
                    to_path: "/rowing/a-rowing-story",
                    created_at: hours_ago(0),
                },
            )
        })
        .expect("redirect saved");
        let page = app.get("/rowing/an-old-name").await;
        assert_eq!(page.status, 301, "{backend:?}");
        assert_eq!(
            page.header("location").as_deref(),
            Some("/rowing/a-rowing-story")
        );
    }
);

backend_test!(
    async fn blog_index_and_post_are_author_forward(backend: Backend) {
        let app = spawn_app(&backend).await;
        let tess = app.author("Tess Columnist", "Writes the Blog.");
        app.article("A note from the desk")
            .blog()
            .by(tess.id)
            .tags(&["Newsroom"])
            .create();
        app.rowing_story();
        let index = app.get("/blog").await;
        assert_eq!(index.status, 200);
        assert_eq!(index.texts("h1"), ["Blog"]);
        assert_eq!(
            index.texts(".card-title").first().map(String::as_str),
            Some("A note from the desk")
        );
        assert_eq!(
            index.texts(".card .author").first().map(String::as_str),
            Some("Tess Columnist")
        );
        let page = app.get("/blog/a-note-from-the-desk").await;
        assert_eq!(page.status, 200, "{backend:?}");
        assert_eq!(
            page.texts(".breadcrumb li"),
            ["Home", "Blog", "A note from the desk"]
        );
        assert_eq!(page.texts(".author-box a"), ["Tess Columnist"]);
        // A news slug under /blog is not a blog post.
        let wrong = app.get("/blog/a-rowing-story").await;
        assert_eq!(wrong.status, 301);
    }
);

backend_test!(
    async fn tag_and_author_pages_list_their_articles(backend: Backend) {
        let app = spawn_app(&backend).await;
        let tess = app.author("Tess Columnist", "Brewing correspondent.");
        app.article("Tagged one")
            .in_category(&app.category("Brewing"))
            .by(tess.id)
            .tags(&["Zymurgy"])
            .create();
        let tag = app.get("/tag/zymurgy").await;
        assert_eq!(tag.status, 200, "{backend:?}");
        assert_eq!(tag.texts("h1"), ["#Zymurgy"]);
        assert_eq!(tag.texts(".card-title"), ["Tagged one"]);
        assert_eq!(app.get("/tag/no-such-tag").await.status, 404);

        let author = app.get(&format!("/author/{}", tess.slug)).await;
        assert_eq!(author.status, 200);
        assert_eq!(author.texts("h1"), ["Tess Columnist"]);
        assert!(
            author.texts(".page-intro")[0].contains("correspondent"),
            "the bio shows"
        );
        assert_eq!(
            author.texts(".card-title").first().map(String::as_str),
            Some("Tagged one")
        );
        assert!(author
            .texts(".card .author")
            .iter()
            .all(|a| a == "Tess Columnist"));
        assert_eq!(app.get("/author/nobody").await.status, 404);
    }
);

backend_test!(
    async fn about_page_and_footer_carry_the_agency_block(backend: Backend) {
        let app = spawn_app(&backend).await;
        let about = app.get("/about").await;
        assert_eq!(about.status, 200, "{backend:?}");
        assert_eq!(about.texts("h1"), ["About Iconocast News Agency"]);
        assert!(about
            .texts(".article-body h2")
            .contains(&"Why readers choose us".to_owned()));
        // Every page's footer names the areas with their taglines.
        for path in ["/", "/sport", "/blog", "/about"] {
            let page = app.get(path).await;
            let areas = page.texts(".site-footer .area-list li");
            assert_eq!(areas.len(), 6, "{path}: {areas:?}");
            assert!(
                areas[3].starts_with("Sport") && areas[3].len() > "Sport".len(),
                "{areas:?}"
            );
            assert!(!page.texts(".site-footer #footer-agency + p")[0].is_empty());
        }
    }
);

backend_test!(
    async fn search_finds_words_of_a_section(backend: Backend) {
        let app = spawn_app(&backend).await;
        let mut article = app.article("Findable").in_category(&app.category("Rowing"));
        article.input.sections[1].1 = "Nobody expects the xylophonist.".to_owned();
        article.create();
        let page = app.get("/search?q=Xylophonist").await;
        assert_eq!(page.status, 200, "{backend:?}");
        assert_eq!(page.texts(".card-title"), ["Findable"]);
        let none = app.get("/search?q=%25%25%25_").await;
        assert_eq!(none.status, 200);
        assert!(
            none.texts(".card-title").is_empty(),
            "LIKE wildcards match literally"
        );
        let huge = app.get(&format!("/search?q={}", "a".repeat(1500))).await;
        assert_eq!(huge.status, 200);
        assert!(huge.texts(".notice")[0].contains("first 200 characters"));
    }
);

backend_test!(
    async fn healthz_answers_ok_in_text_and_json(backend: Backend) {
        let app = spawn_app(&backend).await;
        let text = app.get("/healthz").await;
        assert_eq!(
            (text.status, text.body.as_str()),
            (200, "ok\n"),
            "{backend:?}"
        );
        let json = app
            .get_with("/healthz", &[("accept", "application/json")])
            .await;
        let value: serde_json::Value = serde_json::from_str(&json.body).expect("json");
        assert_eq!(value["status"], "ok");
        assert_eq!(value["database"], "ok");
    }
);

backend_test!(
    async fn healthz_answers_503_when_the_database_is_gone(backend: Backend) {
        let app = spawn_app(&backend).await;
        assert_eq!(app.get("/healthz").await.status, 200);
        match &app.db.url {
            // Open SQLite connections survive even a deleted file, so break
            // the schema the check reads instead.
            iconocast::db::DatabaseUrl::Sqlite(_) => {
                use diesel::connection::SimpleConnection;
                app.with_conn(|c| c.batch_execute("DROP TABLE site_settings"))
                    .expect("drop a table");
            }
            // Drop the database under the running server.
            iconocast::db::DatabaseUrl::Postgres(url) => {
                use diesel::connection::SimpleConnection;
                use diesel::Connection;
                let name = url.rsplit('/').next().expect("a database name").to_owned();
                let crate::helpers::Backend::Postgres(admin) = &backend else {
                    unreachable!()
                };
                let mut admin = diesel::PgConnection::establish(admin).expect("admin connection");
                admin
                    .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
                    .expect("drop the database");
            }
        }
        let text = app.get("/healthz").await;
        assert_eq!(text.status, 503, "{backend:?}: {}", text.body);
        assert!(text.body.starts_with("error"), "{}", text.body);
        let json = app.get("/healthz?format=json").await;
        let value: serde_json::Value = serde_json::from_str(&json.body).expect("json");
        assert_eq!(
            (json.status, value["status"].as_str()),
            (503, Some("error"))
        );
    }
);
