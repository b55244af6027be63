//! Full-text search: ranking, phrases, prefixes, highlighting, escaping of
//! operators, the noindex rule and pagination, on each backend.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use iconocast::db::schema::articles;
use iconocast::routes::search::SearchLimits;

use crate::helpers::{backend_test, spawn_app, Backend, Page};

backend_test!(
    async fn search_ranks_title_matches_first_and_highlights_the_match(backend: Backend) {
        let app = spawn_app(&backend).await;
        let coast = app.category("Coast");
        let mut body_only = app.article("A walk on the coast").in_category(&coast);
        body_only.input.sections[1].1 = "We met a wombat near the harbour.".to_owned();
        body_only.create();
        app.article("Wombat country explained")
            .in_category(&coast)
            .create();
        let page = app.get("/search?q=wombat").await;
        assert_eq!(page.status, 200, "{backend:?}");
        assert_eq!(
            page.texts(".search-result .card-title"),
            ["Wombat country explained", "A walk on the coast"],
            "{backend:?}"
        );
        let marks = page.texts(".search-result .snippet mark");
        assert!(
            marks.iter().any(|m| m.eq_ignore_ascii_case("wombat")),
            "{backend:?}: {marks:?}"
        );
        assert_eq!(page.texts(".result-count"), ["2 articles match “wombat”."]);
    }
);

backend_test!(
    async fn phrases_and_prefixes_narrow_and_widen_a_search(backend: Backend) {
        let app = spawn_app(&backend).await;
        let coast = app.category("Coast");
        let mut together = app.article("Together").in_category(&coast);
        together.input.sections[0].1 = "Nothing beats slow harbourside mornings.".to_owned();
        together.create();
        let mut apart = app.article("Apart").in_category(&coast);
        apart.input.sections[0].1 = "The harbourside was never slow in the morning.".to_owned();
        apart.create();
        let phrase = app.get("/search?q=%22slow+harbourside%22").await;
        assert_eq!(
            phrase.texts(".search-result .card-title"),
            ["Together"],
            "{backend:?}"
        );
        let words = app.get("/search?q=slow+harbourside").await;
        assert_eq!(
            words.texts(".search-result .card-title").len(),
            2,
            "{backend:?}"
        );
        let prefix = app.get("/search?q=harbours*").await;
        assert_eq!(
            prefix.texts(".search-result .card-title").len(),
            2,
            "{backend:?}"
        );
        let no_prefix = app.get("/search?q=harbours").await;
        assert!(
            no_prefix.texts(".search-result .card-title").is_empty(),
            "{backend:?}: a plain word is not a prefix"
        );
    }
);

backend_test!(
    async fn operators_and_odd_input_are_taken_as_words_never_as_errors(backend: Backend) {
        let app = spawn_app(&backend).await;
        for q in [
            "tea%20OR",
            "NOT",
            "%22unbalanced",
            "col%3Aumn",
            "*",
            "(",
            "NEAR(a%20b)",
            "a%20AND%20(b",
            "%5E%2B-~",
            "%27%3B%20DROP%20TABLE%20articles%3B--",
            "%E2%80%9Csmart%20quotes%E2%80%9D",
            "%F0%9F%98%80",
            "sleep%20-tracker",
            "a*b*c*",
        ] {
            let page = app.get(&format!("/search?q={q}")).await;
            assert_eq!(page.status, 200, "{backend:?} q={q}");
        }
        assert_eq!(
            app.get("/").await.status,
            200,
            "the articles table is still there"
        );
        let empty = app.get("/search?q=").await;
        assert_eq!(empty.status, 200);
        assert!(empty.texts(".empty")[0].starts_with("Type a few words"));
    }
);

backend_test!(
    async fn noindex_articles_are_not_found_and_results_paginate(backend: Backend) {
        let app = spawn_app(&backend).await;
        let roads = app.category("Roads");
        for i in 0..13 {
            app.article(&format!("Zebra crossing {i}"))
                .in_category(&roads)
                .published_hours_ago(i + 1)
                .create();
        }
        let hidden = app.article("Zebra hidden").in_category(&roads).create();
        app.with_conn(|c| {
            diesel::update(articles::table.find(hidden))
                .set(articles::noindex.eq(true))
                .execute(c)
        })
        .expect("flag noindex");
        let first = app.get("/search?q=zebra").await;
        assert_eq!(first.texts(".search-result").len(), 12, "{backend:?}");
        assert_eq!(
            first.attrs("a[rel=next]", "href"),
            ["/search?q=zebra&page=2"]
        );
        let second = app.get("/search?q=zebra&page=2").await;
        assert_eq!(second.texts(".search-result").len(), 1);
        assert!(!first.body.contains("Zebra hidden") && !second.body.contains("Zebra hidden"));
        assert_eq!(app.get("/search?q=zebra&page=3").await.status, 404);
    }
);

/// Inserts `count` published articles numbered 1 to `count` in id order
/// (`i` in the SQL expressions `title` and `intro`), slugs `{prefix}-{i}`,
/// in a new category `{prefix}s`, with one statement, then rebuilds the
/// search index.
fn bulk_indexed(app: &crate::helpers::TestApp, prefix: &str, count: u32, title: &str, intro: &str) {
    let category = app.new_category(&format!("{prefix}s"), &format!("{prefix}s"));
    let author = app.writer();
    let at = crate::helpers::hours_ago(2).format("%Y-%m-%d %H:%M:%S");
    let sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) \
         INSERT INTO articles (kind, category_id, slug, title, intro, author_id, status, \
         published_at, created_at, updated_at) \
         SELECT 'news', {category}, '{prefix}-' || i, {title}, {intro}, \
         {author}, 'published', '{at}', '{at}', '{at}' FROM n ORDER BY i"
    );
    app.with_conn(|c| {
        c.batch_execute(&sql)?;
        iconocast::db::search_index::rebuild_all(c)
    })
    .expect("bulk insert and index");
}

fn assert_refused(page: &Page, title: &str, backend: &Backend) {
    assert_eq!(page.status, 503, "{backend:?}: {}", page.body);
    assert_eq!(
        page.header("retry-after").as_deref(),
        Some("2"),
        "{backend:?}"
    );
    assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(page.texts("h1"), [title], "{backend:?}");
}

backend_test!(
    async fn over_the_cap_a_search_answers_503_with_retry_after(backend: Backend) {
        let app = spawn_app(&backend).await;
        app.article("Wombat country explained")
            .in_category(&app.category("Wildlife"))
            .create();
        // As many searches as allowed are running.
        let running = app
            .search
            .slots
            .try_acquire_many(SearchLimits::AT_ONCE as u32 - 1)
            .expect("all search slots but one");
        let last = app
            .search
            .slots
            .try_acquire()
            .expect("the last search slot");
        let page = app.get("/search?q=wombat").await;
        assert_refused(&page, "Search is busy", &backend);
        // A search that finds every slot taken waits for one: a slot
        // freed well within the wait lets it through.
        let waiting = tokio::spawn({
            let (client, url) = (
                app.client.clone(),
                format!("{}/search?q=wombat", app.address),
            );
            async move { client.get(url).send().await.map(|r| r.status().as_u16()) }
        });
        tokio::time::sleep(SearchLimits::QUEUE_WAIT / 4).await;
        drop(last);
        let status = waiting.await.expect("the search task").expect("an answer");
        assert_eq!(status, 200, "{backend:?}: a search waits for a freed slot");
        let last = app
            .search
            .slots
            .try_acquire()
            .expect("the slot, free again");
        // The empty form searches nothing and needs no slot.
        assert_eq!(app.get("/search").await.status, 200, "{backend:?}");
        drop((running, last));
        let page = app.get("/search?q=wombat").await;
        assert_eq!(page.status, 200, "{backend:?}: the refusal was not kept");
        assert_eq!(
            page.texts(".search-result .card-title"),
            ["Wombat country explained"]
        );
    }
);

backend_test!(
    async fn a_search_stopped_at_its_time_limit_answers_a_clear_503(backend: Backend) {
        let app = spawn_app(&backend).await;
        app.article("Wombat country explained")
            .in_category(&app.category("Wildlife"))
            .create();
        // On SQLite a limit of nothing stops the search at the first row
        // it reads. On PostgreSQL another connection holds the index, so
        // the search waits until its statement timeout.
        let mut holder = match backend {
            Backend::Sqlite => {
                app.search.set_time_limit(Duration::ZERO);
                None
            }
            Backend::Postgres(_) => {
                app.search.set_time_limit(Duration::from_millis(200));
                let mut conn = app.db.get().expect("a connection");
                conn.batch_execute("BEGIN; LOCK TABLE article_search IN ACCESS EXCLUSIVE MODE")
                    .expect("lock the search index");
                Some(conn)
            }
        };
        let search = app.get("/search?q=wombat");
        let page = tokio::time::timeout(Duration::from_secs(30), search)
            .await
            .expect("the search answers without waiting for the index");
        assert_refused(&page, "Search took too long", &backend);
        assert!(
            page.body.contains("Try fewer words"),
            "{backend:?}: {}",
            page.body
        );
        if let Some(conn) = holder.as_mut() {
            conn.batch_execute("ROLLBACK").expect("let go of the index");
        }
        drop(holder);
        app.search.set_time_limit(SearchLimits::TIME_LIMIT);
        let page = app.get("/search?q=wombat").await;
        assert_eq!(page.status, 200, "{backend:?}: the refusal was not kept");
        assert_eq!(
            page.texts(".search-result .card-title"),
            ["Wombat country explained"]
        );
    }
);

backend_test!(
    /// Matches are ranked a band of 120 (ten pages) at a time, newest band
    /// first: a title match ranks first within its band, a reader pages on
    /// into older bands, and the count says how far it has looked.
    async fn results_come_in_bands_of_the_newest_matches_each_ranked_best_first(backend: Backend) {
        let app = spawn_app(&backend).await;
        // 122 matches, added in id order: the oldest two make the second
        // band; the title match of the oldest ranks first there, and the
        // title match of number 60 first in the newest band.
        bulk_indexed(
            &app,
            "island",
            122,
            "CASE i WHEN 1 THEN 'Quokka at dawn' WHEN 60 THEN 'Quokka census' \
             ELSE 'Island note ' || i END",
            "CASE i WHEN 1 THEN 'Notes from the ferry.' WHEN 60 THEN 'Counted on foot.' \
             ELSE 'A quokka was seen on the island.' END",
        );

        let first = app.get("/search?q=quokka").await;
        assert_eq!(first.status, 200, "{backend:?}");
        let titles = first.texts(".search-result .card-title");
        assert_eq!(titles.len(), 12);
        assert_eq!(titles[0], "Quokka census", "{backend:?}");
        assert_eq!(titles[1], "Island note 122", "{backend:?}: then the newest");
        assert_eq!(
            first.texts(".result-count"),
            [
                "More than 120 articles match “quokka”. They come newest first in groups of 120, \
              the best matches of each group first."
            ]
        );
        assert_eq!(first.texts(".page-count"), ["Page 1 of many"]);

        let tenth = app.get("/search?q=quokka&page=10").await;
        assert_eq!(tenth.texts(".search-result").len(), 12, "{backend:?}");
        assert_eq!(
            tenth.attrs("a[rel=next]", "href"),
            ["/search?q=quokka&page=11"]
        );
        // The second band: the two oldest, the title match first; counted
        // to the end now.
        let eleventh = app.get("/search?q=quokka&page=11").await;
        assert_eq!(eleventh.status, 200, "{backend:?}");
        assert_eq!(
            eleventh.texts(".search-result .card-title"),
            ["Quokka at dawn", "Island note 2"],
            "{backend:?}"
        );
        assert_eq!(
            eleventh.texts(".result-count"),
            ["122 articles match “quokka”."]
        );
        assert!(eleventh.attrs("a[rel=next]", "href").is_empty());
        assert_eq!(app.get("/search?q=quokka&page=12").await.status, 404);

        // Every match is on exactly one page.
        let mut seen = Vec::new();
        for page in 1..=11 {
            let page = app.get(&format!("/search?q=quokka&page={page}")).await;
            seen.extend(page.texts(".search-result .card-title"));
        }
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 122, "{backend:?}");
    }
);

backend_test!(
    /// A search reaches ten bands, the newest 1,200 matches (100 pages):
    /// deeper pages are a 404 that reads nothing, and the last page says
    /// that more match than a search reaches.
    async fn a_search_reaches_the_newest_ten_bands_and_no_deeper(backend: Backend) {
        let app = spawn_app(&backend).await;
        bulk_indexed(
            &app,
            "plain",
            1201,
            "'Plain note ' || i",
            "'A wallaby crossed the road.'",
        );

        let last = app.get("/search?q=wallaby&page=100").await;
        assert_eq!(last.status, 200, "{backend:?}");
        // The hundredth page holds the oldest twelve of the newest 1,200:
        // numbers 13 down to 2.
        assert_eq!(
            last.texts(".search-result .card-title")
                .first()
                .map(String::as_str),
            Some("Plain note 13"),
            "{backend:?}"
        );
        assert_eq!(last.texts(".search-result").len(), 12);
        assert_eq!(
            last.texts(".result-count"),
            [
                "More than 1200 articles match “wallaby”. They come newest first in groups of \
              120, the best matches of each group first. A search reaches the newest 1200: \
              add a word to find older ones."
            ]
        );
        assert!(last.attrs("a[rel=next]", "href").is_empty(), "{backend:?}");
        assert_eq!(app.get("/search?q=wallaby&page=101").await.status, 404);
        assert_eq!(app.get("/search?q=wallaby&page=5000").await.status, 404);
    }
);
