//! Most read: views counted first-hand (readers only, from the page cache
//! too), saved in batches, summed across servers, kept across restarts,
//! shown in a box on the home page and under articles, and in the staff's
//! article list.

use std::time::{Duration, Instant};

use diesel::dsl::sum;
use diesel::prelude::*;
use iconocast::db::schema::article_views;
use iconocast::domain::Role;

use crate::helpers::{backend_test, spawn_app_with, spawn_second_server, Backend, TestApp};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const GOOGLEBOT: &str = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

/// An app that saves its counts and reads the ranking every 100 ms, with
/// no views on record (the demo content comes with a day of readers).
async fn counting_app(backend: &Backend) -> TestApp {
    let app = spawn_app_with(backend, |s| {
        s.views_flush_every = Duration::from_millis(100);
    })
    .await;
    app.with_conn(|c| diesel::delete(article_views::table).execute(c))
        .expect("clear the demo's views");
    app
}

/// The views of `article` on record, all servers and hours together.
fn saved_views(app: &TestApp, article: i32) -> i64 {
    let mut conn = app.db.get().expect("a pooled connection");
    article_views::table
        .filter(article_views::article_id.eq(article))
        .select(sum(article_views::views))
        .first::<Option<i64>>(&mut conn)
        .expect("sum the views")
        .unwrap_or(0)
}

/// Waits (5 s at most) until `path` as a reader sees it passes `check`;
/// returns the body.
async fn until(app: &TestApp, path: &str, what: &str, check: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let page = app.get_with(path, &[("user-agent", GOOGLEBOT)]).await;
        if check(&page.body) {
            return page.body;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{path}: never {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn read(app: &TestApp, path: &str, times: usize, agent: &str) {
    for _ in 0..times {
        let page = app.get_with(path, &[("user-agent", agent)]).await;
        assert_eq!(page.status, 200, "GET {path}");
        assert!(
            page.header("x-iconocast-article").is_none()
                && page.header("x-iconocast-ranked").is_none(),
            "the page cache's marks never leave the server"
        );
    }
}

/// The titles in the "Most read" box of a page, in order.
fn box_titles(body: &str) -> Vec<String> {
    let html = scraper::Html::parse_document(body);
    let links = scraper::Selector::parse(".most-read-list a").expect("selector");
    html.select(&links)
        .map(|a| a.text().collect::<String>())
        .collect()
}

backend_test!(
    async fn readers_views_rank_the_most_read_box_and_programs_do_not_count(backend: Backend) {
        let app = counting_app(&backend).await;
        let desk = app.category("Harbour Desk");
        let first = app
            .article("Ferry timetable changes")
            .in_category(&desk)
            .create();
        let second = app
            .article("Lighthouse keepers retire")
            .in_category(&desk)
            .create();
        let crawled = app
            .article("Tide tables for the week")
            .in_category(&desk)
            .create();
        let path = |title: &str| format!("/{}/{}", desk.slug, iconocast::domain::slugify(title));
        let (first_path, second_path, crawled_path) = (
            path("Ferry timetable changes"),
            path("Lighthouse keepers retire"),
            path("Tide tables for the week"),
        );
        let hits_before = app.pages.stats().hits;

        read(&app, &second_path, 3, FIREFOX).await;
        read(&app, &first_path, 1, FIREFOX).await;
        read(&app, &crawled_path, 5, GOOGLEBOT).await;
        read(&app, &crawled_path, 5, "curl/8.5.0").await;
        let head = app
            .client
            .head(format!("{}{crawled_path}", app.address))
            .header("user-agent", FIREFOX)
            .send()
            .await
            .expect("HEAD");
        assert_eq!(head.status(), 200);
        assert!(
            app.pages.stats().hits > hits_before,
            "repeated reads were answered from the page cache, and still counted"
        );

        let home = until(&app, "/", "shows the two articles readers read", |body| {
            box_titles(body).len() == 2
        })
        .await;
        assert_eq!(
            box_titles(&home),
            ["Lighthouse keepers retire", "Ferry timetable changes"],
            "most read first; crawlers, scripts and HEAD requests are not readers"
        );
        assert_eq!(saved_views(&app, second), 3);
        assert_eq!(saved_views(&app, first), 1);
        assert_eq!(saved_views(&app, crawled), 0);

        // Under an article, the box leaves the article itself out.
        let under = app
            .get_with(&second_path, &[("user-agent", GOOGLEBOT)])
            .await;
        assert_eq!(box_titles(&under.body), ["Ferry timetable changes"]);

        // An article that stops being public leaves the box at once.
        app.with_conn(|c| {
            diesel::update(iconocast::db::schema::articles::table.find(second))
                .set(iconocast::db::schema::articles::status.eq("draft"))
                .execute(c)
        })
        .expect("unpublish");
        let home = app.get_with("/", &[("user-agent", GOOGLEBOT)]).await;
        assert_eq!(box_titles(&home.body), ["Ferry timetable changes"]);
    }
);

backend_test!(
    async fn views_of_servers_sharing_a_database_add_up_and_outlive_a_restart(backend: Backend) {
        let a = counting_app(&backend).await;
        let desk = a.category("Harbour Desk");
        let story = a
            .article("Ferry timetable changes")
            .in_category(&desk)
            .create();
        let path = format!("/{}/ferry-timetable-changes", desk.slug);
        {
            // B saves its counts once a minute, and once more as it stops.
            let b = spawn_second_server(&a).await;
            read(&b, &path, 2, FIREFOX).await;
            assert_eq!(saved_views(&a, story), 0, "B has not flushed yet");
        }
        assert_eq!(
            saved_views(&a, story),
            2,
            "B saved its counts as it stopped"
        );
        read(&a, &path, 3, FIREFOX).await;
        let start = Instant::now();
        while saved_views(&a, story) < 5 {
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "A never saved its views"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(saved_views(&a, story), 5);

        // The staff see the views in the article list.
        let editor = a.staff("ed@example.com", "Ed Itor", Role::Editor).await;
        let list = editor.get("/admin/articles?q=Ferry").await;
        let html = scraper::Html::parse_document(&list.body);
        let row = scraper::Selector::parse(&format!("tr[data-article-id=\"{story}\"] td.number"))
            .expect("selector");
        let cells: Vec<String> = html
            .select(&row)
            .map(|td| td.text().collect::<String>())
            .collect();
        assert_eq!(cells, ["5", "5"], "views in the last day, and in all");
    }
);

backend_test!(
    async fn twenty_readers_at_once_are_twenty_views(backend: Backend) {
        let app = counting_app(&backend).await;
        let desk = app.category("Harbour Desk");
        let story = app
            .article("Ferry timetable changes")
            .in_category(&desk)
            .create();
        let path = format!("/{}/ferry-timetable-changes", desk.slug);
        // One render, readers waiting for it, then cache hits: each counts once.
        let readers = (0..20).map(|_| app.get_with(&path, &[("user-agent", FIREFOX)]));
        for page in futures_util::future::join_all(readers).await {
            assert_eq!(page.status, 200);
        }
        let start = Instant::now();
        while saved_views(&app, story) < 20 {
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "only {} of 20 views saved",
                saved_views(&app, story)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Several flushes later, still twenty: nothing is counted twice.
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(saved_views(&app, story), 20);
    }
);

backend_test!(
    async fn with_the_page_cache_off_the_box_follows_edits_and_expiries_at_once(backend: Backend) {
        // Every page is rendered, and the box's cards, kept between
        // renders, must still be current on each one.
        let app = spawn_app_with(&backend, |s| {
            s.views_flush_every = Duration::from_millis(100);
            s.page_cache_bytes = 0;
        })
        .await;
        app.with_conn(|c| diesel::delete(article_views::table).execute(c))
            .expect("clear the demo's views");
        let desk = app.category("Harbour Desk");
        let leaves_at = crate::helpers::now() + chrono::Duration::seconds(4);
        app.article("Ferry timetable changes")
            .in_category(&desk)
            .expires(leaves_at)
            .create();
        let staying = app
            .article("Lighthouse keepers retire")
            .in_category(&desk)
            .create();
        read(
            &app,
            &format!("/{}/ferry-timetable-changes", desk.slug),
            2,
            FIREFOX,
        )
        .await;
        read(
            &app,
            &format!("/{}/lighthouse-keepers-retire", desk.slug),
            1,
            FIREFOX,
        )
        .await;
        let home = until(&app, "/", "shows the two articles readers read", |body| {
            box_titles(body).len() == 2
        })
        .await;
        assert_eq!(
            box_titles(&home),
            ["Ferry timetable changes", "Lighthouse keepers retire"]
        );

        // A new title is in the box on the next page.
        app.with_conn(|c| {
            diesel::update(iconocast::db::schema::articles::table.find(staying))
                .set(iconocast::db::schema::articles::title.eq("Lighthouse keepers stay on"))
                .execute(c)
        })
        .expect("retitle");
        let home = app.get_with("/", &[("user-agent", GOOGLEBOT)]).await;
        assert_eq!(
            box_titles(&home.body),
            ["Ferry timetable changes", "Lighthouse keepers stay on"]
        );

        // An article leaves the box at its expiry, with nothing written.
        while crate::helpers::now() <= leaves_at {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let home = app.get_with("/", &[("user-agent", GOOGLEBOT)]).await;
        assert_eq!(box_titles(&home.body), ["Lighthouse keepers stay on"]);
    }
);
