//! An article's expiry: at that moment it leaves every page, listing, feed,
//! sitemap and search, with no write and no cron job, also when those
//! pages are in a warm page cache; its own address then answers 410 Gone.
//! Staff see and set the expiry in the article list and the editor.

use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use iconocast::db::schema::articles;
use iconocast::domain::Role;

use crate::editor::{self, Form};
use crate::helpers::{backend_test, hours_ago, now, spawn_app, Backend, TestApp};

/// Makes the next article's id `next`, so that it is alone in its
/// articles sitemap.
fn next_article_id(app: &TestApp, next: i32) {
    let sql = match &app.db.url {
        iconocast::db::DatabaseUrl::Sqlite(_) => {
            format!(
                "UPDATE sqlite_sequence SET seq = {} WHERE name = 'articles'",
                next - 1
            )
        }
        iconocast::db::DatabaseUrl::Postgres(_) => {
            format!("SELECT setval('articles_id_seq', {})", next - 1)
        }
    };
    app.with_conn(|c| c.batch_execute(&sql))
        .expect("move the article ids on");
}

fn local(at: NaiveDateTime) -> String {
    let zone: chrono_tz::Tz = "Europe/London".parse().expect("a zone");
    iconocast::newsroom::article_form::local_input(at, zone)
}

fn expiry_of(app: &TestApp, id: i32) -> Option<NaiveDateTime> {
    app.with_conn(|c| {
        articles::table
            .find(id)
            .select(articles::expires_at)
            .first(c)
    })
    .expect("the expiry")
}

backend_test!(
    async fn an_article_leaves_every_page_at_its_expiry_even_from_a_warm_cache(backend: Backend) {
        let app = spawn_app(&backend).await;
        let rowing = app.category("Rowing");
        // The hashtag keeps another article, so its page stays.
        app.article("Regatta results")
            .in_category(&rowing)
            .tags(&["Licensed"])
            .published_hours_ago(2)
            .create();
        // Alone in articles sitemap 5 (ids 4,096 to 5,119).
        next_article_id(&app, 5000);
        let until = now() + Duration::seconds(8);
        let mut article = app
            .article("Licensed regatta photos")
            .in_category(&rowing)
            .tags(&["Licensed"])
            .expires(until);
        article.input.sections[0].1 = "Unguessable zebrafinch words.".to_owned();
        let id = article.create();
        assert_eq!(id, 5000, "{backend:?}");
        app.settle().await;

        let path = "/rowing/licensed-regatta-photos";
        let url = format!("{}{path}", app.address);
        let listed: Vec<(&str, &str)> = vec![
            ("/", path),
            ("/rowing", path),
            ("/tag/licensed", path),
            ("/author/wren-writer", path),
            ("/search?q=zebrafinch", path),
            ("/feed.xml", &url),
            ("/atom.xml", &url),
            ("/feed.json", &url),
            ("/rowing/feed.xml", &url),
            ("/tag/licensed/feed.xml", &url),
            ("/sitemaps/articles-5.xml", &url),
            ("/sitemap.xml", "/sitemaps/articles-5.xml"),
            ("/news-sitemap.xml", &url),
        ];
        let page = app.get(path).await;
        assert_eq!(page.status, 200, "{backend:?}");
        for (listing, needle) in &listed {
            let page = app.get(listing).await;
            assert_eq!(page.status, 200, "{backend:?}: {listing}");
            assert!(
                page.body.contains(needle),
                "{backend:?}: {listing} lists it"
            );
        }
        // Warm: served from memory, no query at all.
        let before = app.db.queries.get();
        assert_eq!(app.get(path).await.status, 200);
        for (listing, _) in &listed {
            app.get(listing).await;
        }
        assert_eq!(app.db.queries.get() - before, 0, "{backend:?}: warm");
        assert!(
            now() < until,
            "{backend:?}: the pages took too long to read before the expiry"
        );

        // No write happens from here on: only the clock changes the pages.
        while now() < until {
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
        let page = app.get(path).await;
        assert_eq!(page.status, 410, "{backend:?}: gone for good");
        assert_eq!(page.texts("h1"), ["No longer available"]);
        for (listing, needle) in &listed {
            let page = app.get(listing).await;
            if *listing == "/sitemaps/articles-5.xml" {
                // Its only article gone, the sitemap is gone too.
                assert_eq!(page.status, 404, "{backend:?}");
                continue;
            }
            assert_eq!(page.status, 200, "{backend:?}: {listing}");
            assert!(
                !page.body.contains(needle),
                "{backend:?}: {listing} still lists it"
            );
        }
        assert_eq!(app.get("/sitemaps/articles-5.xml").await.status, 404);
    }
);

backend_test!(
    async fn staff_see_the_expiry_and_set_it_in_the_editor(backend: Backend) {
        let app = spawn_app(&backend).await;
        let desk = app.desk();
        let gone = app
            .article("Expired wire copy")
            .in_category(desk)
            .published_hours_ago(5)
            .expires(hours_ago(1))
            .create();
        let later = now() + Duration::days(3);
        let lasting = app
            .article("Licensed for three days")
            .in_category(desk)
            .expires(later)
            .create();
        let who = editor::staff(&app, "expiry.editor@example.org", Role::Editor).await;

        let list = who.get("/admin/articles").await;
        assert_eq!(list.status, 200, "{backend:?}");
        let row = |id: i32| {
            list.texts(&format!("tr[data-article-id=\"{id}\"] td.expiry"))
                .pop()
                .unwrap_or_default()
        };
        assert!(row(gone).ends_with("expired"), "{backend:?}: {}", row(gone));
        assert_eq!(
            row(lasting),
            later.format("%-d %B %Y, %H:%M UTC").to_string()
        );
        assert_eq!(
            app.get(&format!("/{}/expired-wire-copy", desk.slug))
                .await
                .status,
            410
        );

        // The editor shows it in the site's time zone, and says when the
        // article has expired.
        let edit = who.get(&format!("/admin/articles/{gone}")).await;
        assert_eq!(
            edit.attrs("#expires_at", "value"),
            [local(expiry_of(&app, gone).expect("an expiry"))]
        );
        assert_eq!(edit.texts(".status-expired"), ["Expired: off the site"]);
        assert!(edit.attrs("a.view-live", "href").is_empty());

        // Saving an expired article keeps its expiry exactly as it is.
        let kept = expiry_of(&app, gone);
        let mut form = Form::new(&app, "Expired wire copy");
        form.slug = "expired-wire-copy".into();
        form.version = editor::article(&app, gone).3;
        form.expires_at = local(kept.expect("an expiry"));
        let page = editor::post(&format!("/admin/articles/{gone}"), &form, &who, "save").await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        assert_eq!(expiry_of(&app, gone), kept);

        // A new expiry, in the future: set, and still on the site until then.
        let mut form = Form::new(&app, "Tidal pools guide");
        let id = editor::create(&form, &who, "publish").await;
        form.version = 1;
        form.slug = editor::article(&app, id).1;
        let at = now() + Duration::days(2);
        form.expires_at = local(at);
        let page = editor::post(&format!("/admin/articles/{id}"), &form, &who, "save").await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        let stored = expiry_of(&app, id).expect("an expiry");
        assert_eq!(local(stored), local(at));
        assert_eq!(
            app.get(&format!("/{}/{}", desk.slug, form.slug))
                .await
                .status,
            200
        );
        // Restoring the first version, which had no expiry, keeps it.
        let page = who
            .post(
                &format!("/admin/articles/{id}/history/1/restore"),
                &[("current", "2")],
            )
            .await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        assert_eq!(expiry_of(&app, id), Some(stored), "{backend:?}");
        // Emptied: never expires.
        form.version = 3;
        form.expires_at.clear();
        let page = editor::post(&format!("/admin/articles/{id}"), &form, &who, "save").await;
        assert_eq!(page.status, 303, "{backend:?}");
        assert_eq!(expiry_of(&app, id), None);
    }
);
