//! Live coverage: staff turn an article into a live page and post short
//! entries without saving the article; readers see them newest first, each
//! at its own anchor, with a LIVE marker while it lasts and the time it
//! ended afterwards; the JSON-LD is a `LiveBlogPosting`; the page's script
//! polls a cached JSON endpoint; the entries have an RSS feed; twenty
//! posts at once all land; edits and deletions are audited; bad input and
//! strangers change nothing.

use chrono::DateTime;
use diesel::prelude::*;
use iconocast::db::live_entries;
use iconocast::db::media::{self as db_media, NewMedia};
use iconocast::db::schema::{audit_log, live_entries as entry_rows};
use iconocast::domain::Role;
use roxmltree::Document;
use serde_json::Value;

use crate::helpers::{backend_test, now, spawn_app, Backend, Page, Staff, TestApp};

/// Every JSON-LD block of a page, parsed.
fn json_ld(page: &Page) -> Vec<Value> {
    page.texts_raw("script[type=\"application/ld+json\"]")
        .iter()
        .map(|text| {
            serde_json::from_str(text).unwrap_or_else(|e| panic!("JSON-LD parses: {e}: {text}"))
        })
        .collect()
}

fn of_type(blocks: &[Value], kind: &str) -> Option<Value> {
    blocks.iter().find(|b| b["@type"] == kind).cloned()
}

/// A published article of the test's own in the desk's category; its id
/// and public path.
fn story(app: &TestApp, title: &str) -> (i32, String) {
    let id = app.article(title).in_category(app.desk()).create();
    let slug = iconocast::domain::slugify(title);
    (id, format!("/{}/{slug}", app.desk().slug))
}

/// An editor, signed in.
async fn editor(app: &TestApp) -> Staff<'_> {
    app.staff("live.editor@example.org", "Lena Live", Role::Editor)
        .await
}

async fn start(who: &Staff<'_>, id: i32) {
    let page = who
        .post(&format!("/admin/articles/{id}/live/start"), &[])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
}

async fn end(who: &Staff<'_>, id: i32) {
    let page = who
        .post(&format!("/admin/articles/{id}/live/end"), &[])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
}

/// Posts an entry; returns its id, read from the redirect's anchor.
async fn post(who: &Staff<'_>, id: i32, headline: &str, body: &str) -> i32 {
    let page = who
        .post(
            &format!("/admin/articles/{id}/live"),
            &[("headline", headline), ("body", body)],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let location = page.header("location").expect("a Location");
    location
        .rsplit_once("#entry-")
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or_else(|| panic!("an entry's anchor in {location}"))
}

fn entry_count(app: &TestApp, article: i32) -> i64 {
    app.with_conn(|c| live_entries::count(c, article))
        .expect("count")
}

/// The ids of the entries on a page, top to bottom.
fn shown_ids(page: &Page) -> Vec<i32> {
    page.attrs("#live-entries article.live-entry", "id")
        .iter()
        .map(|id| {
            id.strip_prefix("entry-")
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("an entry anchor: {id}"))
        })
        .collect()
}

/// The poll's answer, parsed.
async fn poll(app: &TestApp, path: &str, after: i32) -> (Page, Value) {
    let page = app.get(&format!("{path}/live?after={after}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let json = serde_json::from_str(&page.body)
        .unwrap_or_else(|e| panic!("the poll answers JSON: {e}: {}", page.body));
    (page, json)
}

fn ids_of(json: &Value) -> Vec<i64> {
    json["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["id"].as_i64().expect("an id"))
        .collect()
}

backend_test!(
    async fn staff_post_entries_and_readers_see_them_newest_first_each_at_its_anchor(
        backend: Backend,
    ) {
        let app = spawn_app(&backend).await;
        let (id, path) = story(&app, "Harbour regatta");
        let page = app.get(&path).await;
        assert!(page.texts(".live-status").is_empty(), "{backend:?}");
        assert!(page.attrs("script[src]", "src").is_empty(), "no script");
        assert_eq!(app.get(&format!("{path}/live")).await.status, 404);
        assert_eq!(app.get(&format!("{path}/live.xml")).await.status, 404);

        let who = editor(&app).await;
        start(&who, id).await;
        let first = post(
            &who,
            id,
            "Boats on the water",
            "The first **twelve** boats are out.",
        )
        .await;
        let second = post(
            &who,
            id,
            "",
            "Wind rising <script>alert(1)</script> to 15 knots.",
        )
        .await;
        let third = post(&who, id, "Race one won", "By the blue boat, by a length.").await;
        assert!(first < second && second < third);

        let page = app.get(&path).await;
        assert_eq!(page.status, 200, "{backend:?}");
        assert_eq!(page.texts(".live-status .live-badge"), ["Live"]);
        assert_eq!(
            shown_ids(&page),
            [third, second, first],
            "{backend:?}: newest first"
        );
        for entry in [first, second, third] {
            let anchor = format!("#entry-{entry}");
            assert_eq!(
                page.attrs(&format!("{anchor} a.live-entry-link"), "href"),
                [anchor.as_str()],
                "each entry links to its own anchor"
            );
        }
        assert_eq!(
            page.texts(".live-entry-headline"),
            ["Race one won", "Boats on the water"]
        );
        assert_eq!(
            page.texts(&format!("#entry-{first} .live-entry-body strong")),
            ["twelve"],
            "Markdown rendered"
        );
        assert!(!page.body.contains("alert(1)"), "sanitized like articles");
        assert!(page
            .texts(&format!("#entry-{first} .live-entry-meta"))
            .concat()
            .contains("Lena Live"));
        // The script that fetches new entries comes from our own origin,
        // as the content security policy wants; no inline script.
        let scripts = page.attrs("script[src]", "src");
        assert_eq!(scripts.len(), 1, "{scripts:?}");
        assert!(scripts[0].starts_with("/static/live.") && scripts[0].ends_with(".js"));
        assert!(page
            .texts_raw("script:not([src])")
            .iter()
            .all(|s| serde_json::from_str::<Value>(s).is_ok()));
        let js = app.get(&scripts[0]).await;
        assert_eq!(js.status, 200);
        assert!(js.body.contains("fetch("), "{}", js.body);
        let csp = page.header("content-security-policy").expect("a CSP");
        assert!(csp.contains("script-src 'self'"), "{csp}");
        // The article itself was not saved: same version, no revision.
        assert_eq!(crate::editor::article(&app, id).3, 1, "{backend:?}");
        assert_eq!(app.audited("live_start").len(), 1);
        let posted = app.audited("live_post");
        assert_eq!(posted.len(), 3, "{backend:?}");
        assert_eq!(posted[0].0, Some(who.id));
        assert_eq!(posted[0].1, Some(first));
    }
);

backend_test!(
    async fn the_json_ld_is_a_live_blog_posting_and_the_end_is_said_on_the_page(backend: Backend) {
        let app = spawn_app(&backend).await;
        let (id, path) = story(&app, "Council budget vote");
        let who = editor(&app).await;
        start(&who, id).await;
        let a = post(&who, id, "Debate opens", "Councillors take their seats.").await;
        let b = post(&who, id, "", "The first amendment is *withdrawn*.").await;

        let page = app.get(&path).await;
        let live = of_type(&json_ld(&page), "LiveBlogPosting")
            .unwrap_or_else(|| panic!("{backend:?}: no LiveBlogPosting"));
        assert!(of_type(&json_ld(&page), "NewsArticle").is_none());
        let started = live["coverageStartTime"]
            .as_str()
            .expect("coverageStartTime");
        assert!(DateTime::parse_from_rfc3339(started).is_ok(), "{started}");
        assert!(live.get("coverageEndTime").is_none(), "still live");
        let updates = live["liveBlogUpdate"].as_array().expect("liveBlogUpdate");
        assert_eq!(updates.len(), 2, "{backend:?}");
        assert_eq!(updates[0]["@type"], "BlogPosting");
        let canonical = format!("{}{path}", app.address);
        assert_eq!(updates[0]["url"], format!("{canonical}#entry-{b}"));
        assert_eq!(updates[0]["headline"], "The first amendment is withdrawn.");
        assert_eq!(
            updates[0]["articleBody"],
            "The first amendment is withdrawn."
        );
        assert_eq!(updates[1]["url"], format!("{canonical}#entry-{a}"));
        assert_eq!(updates[1]["headline"], "Debate opens");
        for u in updates {
            let at = u["datePublished"].as_str().expect("datePublished");
            assert!(DateTime::parse_from_rfc3339(at).is_ok(), "{at}");
            assert!(at >= started);
        }

        end(&who, id).await;
        let page = app.get(&path).await;
        let status = page.texts(".live-status").concat();
        assert!(
            status.starts_with("Coverage ended at "),
            "{backend:?}: {status}"
        );
        assert!(page.texts(".live-badge").is_empty(), "no LIVE marker");
        assert!(
            page.attrs("script[src]", "src").is_empty(),
            "no script once over"
        );
        let live = of_type(&json_ld(&page), "LiveBlogPosting").expect("still a live blog");
        let ended = live["coverageEndTime"].as_str().expect("coverageEndTime");
        assert!(DateTime::parse_from_rfc3339(ended).is_ok() && ended >= started);
        assert_eq!(shown_ids(&page), [b, a], "the entries stay");
        // A reader whose page is open learns it from the next poll.
        let (_, json) = poll(&app, &path, b).await;
        assert_eq!(json["live"], false, "{backend:?}");
        assert!(json["ended"]
            .as_str()
            .is_some_and(|t| t.starts_with("Coverage ended at ")));
        // Posting is refused once over; starting again resumes.
        let refused = who
            .post(
                &format!("/admin/articles/{id}/live"),
                &[("body", "Too late.")],
            )
            .await;
        assert_eq!(refused.status, 409, "{backend:?}");
        assert!(refused.texts("#live-refused").concat().contains("ended"));
        assert_eq!(entry_count(&app, id), 2);
        start(&who, id).await;
        post(&who, id, "", "Back on: a recount is called.").await;
        assert_eq!(app.get(&path).await.texts(".live-badge"), ["Live"]);
        assert_eq!(app.audited("live_end").len(), 1);
        assert_eq!(app.audited("live_start").len(), 2);
    }
);

backend_test!(
    async fn the_poll_answers_newer_entries_as_json_from_the_page_cache(backend: Backend) {
        let app = spawn_app(&backend).await;
        let (id, path) = story(&app, "Night bus strike");
        let who = editor(&app).await;
        start(&who, id).await;
        let first = post(&who, id, "Depots quiet", "No buses left the depots.").await;
        let second = post(
            &who,
            id,
            "Talks resume",
            "Both sides are back at the table.",
        )
        .await;

        let (page, json) = poll(&app, &path, 0).await;
        assert_eq!(json["live"], true, "{backend:?}");
        assert_eq!(ids_of(&json), [i64::from(second), i64::from(first)]);
        assert_eq!(json["latest"], second);
        assert_eq!(json["more"], false);
        let html = json["entries"][0]["html"].as_str().expect("html");
        assert!(html.contains(&format!("id=\"entry-{second}\"")), "{html}");
        assert!(html.contains("Talks resume"));
        assert!(page
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json")));
        assert_eq!(
            page.header("cache-control").as_deref(),
            Some("public, max-age=10")
        );

        // A reader up to date: nothing new, and the next reader's ask is
        // answered from memory, with no query.
        app.settle().await;
        let (_, json) = poll(&app, &path, second).await;
        assert_eq!(ids_of(&json), Vec::<i64>::new());
        let before = app.db.queries.get();
        let (cached, _) = poll(&app, &path, second).await;
        assert_eq!(
            app.db.queries.get() - before,
            0,
            "{backend:?}: served from the cache"
        );
        let etag = cached.header("etag").expect("an ETag");
        let revalidated = app
            .get_with(
                &format!("{path}/live?after={second}"),
                &[("If-None-Match", etag.as_str())],
            )
            .await;
        assert_eq!(revalidated.status, 304);

        // A post retires it at once: the next poll has the new entry.
        let third = post(&who, id, "", "Agreement reached at 04:10.").await;
        let (_, json) = poll(&app, &path, second).await;
        assert_eq!(ids_of(&json), [i64::from(third)], "{backend:?}");
        assert_eq!(json["latest"], third);
        // So does an edit, for a reader who reloads.
        let edited = who
            .post(
                &format!("/admin/articles/{id}/live/{third}"),
                &[
                    ("headline", "Deal done"),
                    ("body", "Agreement reached at 04:10."),
                ],
            )
            .await;
        assert_eq!(edited.status, 303, "{}", edited.body);
        let (_, json) = poll(&app, &path, second).await;
        assert!(json["entries"][0]["html"]
            .as_str()
            .is_some_and(|h| h.contains("Deal done")));

        for bad in ["abc", "-1", "1.5", "", "99999999999", "1%00", "1&after=2"] {
            let page = app.get(&format!("{path}/live?after={bad}")).await;
            assert_eq!(page.status, 400, "{backend:?}: after={bad}");
        }
        let (story_id, never) = story(&app, "Not a live page");
        assert!(story_id > 0);
        assert_eq!(app.get(&format!("{never}/live")).await.status, 404);
        assert_eq!(
            app.get(&format!("/{}/no-such-story/live", app.desk().slug))
                .await
                .status,
            404
        );
        assert_eq!(
            app.get(&format!(
                "/sport/{}/live",
                path.rsplit('/').next().unwrap_or_default()
            ))
            .await
            .status,
            301
        );
    }
);

backend_test!(
    async fn each_live_page_has_an_rss_feed_of_its_entries(backend: Backend) {
        let app = spawn_app(&backend).await;
        let (id, path) = story(&app, "Flood warning");
        let who = editor(&app).await;
        start(&who, id).await;
        let a = post(
            &who,
            id,
            "River at 3.1 m",
            "The gauge at the weir reads **3.1 m** & rising.",
        )
        .await;
        let b = post(
            &who,
            id,
            "",
            "Sandbags are being handed out at the town hall.",
        )
        .await;

        let page = app.get(&path).await;
        let feed_url = format!("{}{path}/live.xml", app.address);
        assert!(
            page.attrs("link[rel=alternate][type=\"application/rss+xml\"]", "href")
                .contains(&feed_url),
            "{backend:?}: the page names the feed"
        );
        let feed = app.get(&format!("{path}/live.xml")).await;
        assert_eq!(feed.status, 200);
        assert!(feed
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/rss+xml")));
        let doc = Document::parse(&feed.body)
            .unwrap_or_else(|e| panic!("{backend:?}: the feed parses: {e}\n{}", feed.body));
        let items: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("item"))
            .collect();
        assert_eq!(items.len(), 2, "{backend:?}");
        let child = |item: &roxmltree::Node, name: &str| {
            item.children()
                .find(|c| c.tag_name().name() == name)
                .and_then(|c| c.text())
                .unwrap_or_default()
                .to_owned()
        };
        let page_url = format!("{}{path}", app.address);
        assert_eq!(child(&items[0], "link"), format!("{page_url}#entry-{b}"));
        assert_eq!(
            child(&items[0], "title"),
            "Sandbags are being handed out at the town hall."
        );
        assert_eq!(child(&items[1], "link"), format!("{page_url}#entry-{a}"));
        assert_eq!(child(&items[1], "title"), "River at 3.1 m");
        assert!(child(&items[1], "encoded").contains("<strong>3.1 m</strong> &amp; rising"));
        assert!(child(&items[1], "guid").ends_with(&format!(":live-entry-{a}")));
        assert!(!child(&items[0], "pubDate").is_empty());
    }
);

backend_test!(
    async fn twenty_posts_at_the_same_moment_all_land_in_order(backend: Backend) {
        let app = spawn_app(&backend).await;
        let (id, path) = story(&app, "Election night");
        let who = editor(&app).await;
        let other = app
            .staff("live.author@example.org", "Ari Author", Role::Author)
            .await;
        start(&who, id).await;
        let bodies: Vec<String> = (0..20).map(|i| format!("Result {i} declared.")).collect();
        let forms: Vec<[(&str, &str); 1]> = bodies.iter().map(|b| [("body", b.as_str())]).collect();
        let url = format!("/admin/articles/{id}/live");
        let posts = forms.iter().enumerate().map(|(i, form)| {
            let by = if i % 2 == 0 { &who } else { &other };
            by.post(&url, form)
        });
        let pages = futures_util::future::join_all(posts).await;
        for page in &pages {
            assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        }
        assert_eq!(entry_count(&app, id), 20, "{backend:?}: none lost");
        let stored: Vec<(i32, String)> = app
            .with_conn(|c| {
                entry_rows::table
                    .filter(entry_rows::article_id.eq(id))
                    .order(entry_rows::id.asc())
                    .select((entry_rows::id, entry_rows::body))
                    .load(c)
            })
            .expect("entries");
        let mut texts: Vec<&str> = stored.iter().map(|(_, b)| b.as_str()).collect();
        texts.sort_unstable();
        let mut expected: Vec<&str> = bodies.iter().map(String::as_str).collect();
        expected.sort_unstable();
        assert_eq!(texts, expected, "each post once");
        let page = app.get(&path).await;
        let mut newest_first: Vec<i32> = stored.iter().map(|(i, _)| *i).collect();
        newest_first.reverse();
        assert_eq!(shown_ids(&page), newest_first, "{backend:?}");
        let (_, json) = poll(&app, &path, 0).await;
        assert_eq!(ids_of(&json).len(), 20);
        assert_eq!(app.audited("live_post").len(), 20);
    }
);

backend_test!(
    async fn editing_and_deleting_an_entry_is_audited_and_shows_at_once(backend: Backend) {
        let app = spawn_app(&backend).await;
        let (id, path) = story(&app, "Marathon day");
        let who = editor(&app).await;
        start(&who, id).await;
        let keep = post(&who, id, "Start", "The runners are away.").await;
        let entry = post(&who, id, "Leader at 10 km", "Timed at 29:40.").await;
        app.get(&path).await;

        let edit_form = who.get(&format!("/admin/articles/{id}/live/{entry}")).await;
        assert_eq!(edit_form.status, 200);
        assert_eq!(
            edit_form.attrs("input[name=headline]", "value"),
            ["Leader at 10 km"]
        );
        let saved = who
            .post(
                &format!("/admin/articles/{id}/live/{entry}"),
                &[
                    ("headline", "Leader at 10 km"),
                    ("body", "Timed at 29:14, not 29:40."),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let page = app.get(&path).await;
        let text = page.texts(&format!("#entry-{entry}")).concat();
        assert!(text.contains("29:14, not 29:40"), "{backend:?}: {text}");
        assert!(
            page.texts(&format!("#entry-{entry} .live-entry-updated"))
                .concat()
                .starts_with("Updated "),
            "an edited entry says so"
        );
        let edits = app.audited("live_edit");
        assert_eq!(edits.len(), 1, "{backend:?}");
        assert_eq!(edits[0].0, Some(who.id));
        assert_eq!(edits[0].1, Some(entry));
        assert!(edits[0].2.contains("Timed at 29:40"), "{edits:?}");
        assert!(edits[0].2.contains("29:14"), "{edits:?}");
        // Saving it unchanged writes nothing.
        let same = who
            .post(
                &format!("/admin/articles/{id}/live/{entry}"),
                &[
                    ("headline", "Leader at 10 km"),
                    ("body", "Timed at 29:14, not 29:40."),
                ],
            )
            .await;
        assert_eq!(same.status, 303);
        assert_eq!(app.audited("live_edit").len(), 1);

        let before = app.get(&path).await;
        let deleted = who
            .post(&format!("/admin/articles/{id}/live/{entry}/delete"), &[])
            .await;
        assert_eq!(deleted.status, 303, "{}", deleted.body);
        let page = app.get(&path).await;
        assert_eq!(shown_ids(&page), [keep], "{backend:?}: gone at once");
        assert_ne!(page.header("etag"), before.header("etag"));
        let deletions = app.audited("live_delete");
        assert_eq!(deletions.len(), 1);
        assert_eq!(deletions[0].1, Some(entry));
        assert!(deletions[0].2.contains("Leader at 10 km"), "{deletions:?}");
        assert_eq!(
            who.get(&format!("/admin/articles/{id}/live/{entry}"))
                .await
                .status,
            404
        );
    }
);

backend_test!(
    async fn bad_entries_and_those_without_the_right_change_nothing(backend: Backend) {
        let app = spawn_app(&backend).await;
        let (id, path) = story(&app, "Storm watch");
        let (other_id, _) = story(&app, "Another story");
        let who = editor(&app).await;
        let contributor = app
            .staff(
                "live.contributor@example.org",
                "Cy Contributor",
                Role::Contributor,
            )
            .await;
        let author = app
            .staff("live.author@example.org", "Ari Author", Role::Author)
            .await;
        let url = format!("/admin/articles/{id}/live");

        // Not live yet: refused, with the reason.
        let page = who.post(&url, &[("body", "Too early.")]).await;
        assert_eq!(page.status, 409, "{backend:?}: {}", page.body);
        start(&who, id).await;
        let mine = post(&who, id, "", "Gusts of 80 km/h at the coast.").await;
        let audit_rows = || {
            app.with_conn(|c| audit_log::table.count().get_result::<i64>(c))
                .expect("count")
        };
        let audited = audit_rows();

        let long_headline = "h".repeat(201);
        let long_body = "b".repeat(4001);
        for (fields, field) in [
            (vec![("body", "   ")], "body"),
            (
                vec![("headline", long_headline.as_str()), ("body", "x")],
                "headline",
            ),
            (vec![("body", long_body.as_str())], "body"),
            (vec![("headline", "Bell\u{7}"), ("body", "x")], "headline"),
            (
                vec![
                    ("body", "x"),
                    ("image", "no-such-file.jpg"),
                    ("image_alt", "A map"),
                ],
                "image",
            ),
            (vec![("body", "x"), ("image_alt", "A map")], "image_alt"),
        ] {
            let page = who.post(&url, &fields).await;
            assert_eq!(page.status, 422, "{backend:?}: {fields:?}: {}", page.body);
            assert_eq!(
                page.attrs(&format!("[name={field}][aria-invalid=true]"), "name"),
                [field],
                "{fields:?}"
            );
        }
        // Without the form's token, or signed out.
        let page = who
            .post_with_token(&url, "forged", &[("body", "Forged.")])
            .await;
        assert_eq!(page.status, 403);
        let page = app.post_form(&url, &[("body", "Stranger.")], "").await;
        assert_eq!(page.status, 303);
        assert!(page
            .header("location")
            .is_some_and(|l| l.starts_with("/admin/login")));
        // A contributor may not post; an author may not change an
        // editor's entry; no one reaches an entry through another article.
        let page = contributor
            .post(&url, &[("body", "From a contributor.")])
            .await;
        assert_eq!(page.status, 403, "{backend:?}");
        assert_eq!(contributor.get(&url).await.status, 403);
        let page = author
            .post(&format!("{url}/{mine}"), &[("body", "Rewritten.")])
            .await;
        assert_eq!(page.status, 403);
        let page = author.post(&format!("{url}/{mine}/delete"), &[]).await;
        assert_eq!(page.status, 403);
        let page = author.post(&format!("{url}/end"), &[]).await;
        assert_eq!(page.status, 403, "an author ends only their own");
        let page = who
            .post(
                &format!("/admin/articles/{other_id}/live/{mine}/delete"),
                &[],
            )
            .await;
        assert_eq!(page.status, 404);
        for bad in ["0", "-1", "x", "99999999999"] {
            let page = who.post(&format!("{url}/{bad}/delete"), &[]).await;
            assert_eq!(page.status, 404, "{bad}");
        }
        assert_eq!(app.get(&url).await.status, 303, "sign in first");

        assert_eq!(entry_count(&app, id), 1, "{backend:?}: nothing was added");
        assert_eq!(audit_rows(), audited, "nothing was audited");
        let page = app.get(&path).await;
        assert_eq!(shown_ids(&page), [mine]);
        assert!(page
            .texts(&format!("#entry-{mine}"))
            .concat()
            .contains("Gusts of 80 km/h"));
    }
);

backend_test!(
    async fn an_entry_may_show_an_image_of_the_media_library(backend: Backend) {
        let app = spawn_app(&backend).await;
        let (id, path) = story(&app, "Bridge reopens");
        let who = editor(&app).await;
        let name = "0123456789abcdef.jpg";
        app.with_conn(|c| {
            db_media::insert(
                c,
                &NewMedia {
                    file_name: name,
                    content_type: "image/jpeg",
                    byte_size: 1000,
                    width: 800,
                    height: 600,
                    uploaded_by: Some(who.id),
                    created_at: now(),
                    variants: "",
                    focal_x: 50,
                    focal_y: 50,
                    caption: "",
                    credit: "",
                    own_work: true,
                },
            )
        })
        .expect("a media row");
        start(&who, id).await;
        let page = who
            .post(
                &format!("/admin/articles/{id}/live"),
                &[
                    ("body", "The first cars cross."),
                    ("image", &format!("/media/{name}")),
                    ("image_alt", "Cars on the reopened bridge at dawn"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        let page = app.get(&path).await;
        assert_eq!(
            page.attrs(".live-entry-image img", "src"),
            [format!("/media/{name}")]
        );
        assert_eq!(
            page.attrs(".live-entry-image img", "alt"),
            ["Cars on the reopened bridge at dawn"]
        );
        let live = of_type(&json_ld(&page), "LiveBlogPosting").expect("live");
        assert_eq!(live["liveBlogUpdate"][0]["image"]["width"], 800);
    }
);

backend_test!(
    async fn the_demo_has_an_ended_live_page_with_a_dozen_entries(backend: Backend) {
        let app = spawn_app(&backend).await;
        let path = "/sport/city-half-marathon-live";
        let page = app.get(path).await;
        assert_eq!(page.status, 200, "{backend:?}");
        assert!(page
            .texts(".live-status")
            .concat()
            .starts_with("Coverage ended at "));
        let ids = shown_ids(&page);
        assert_eq!(ids.len(), 12, "{backend:?}");
        assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first");
        let live = of_type(&json_ld(&page), "LiveBlogPosting").expect("a live blog");
        assert!(live["coverageEndTime"].is_string());
        assert_eq!(live["liveBlogUpdate"].as_array().map(Vec::len), Some(12));
        let feed = app.get(&format!("{path}/live.xml")).await;
        let doc = Document::parse(&feed.body).expect("the feed parses");
        assert_eq!(
            doc.descendants().filter(|n| n.has_tag_name("item")).count(),
            12
        );
    }
);
