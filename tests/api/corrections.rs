//! Corrections and updates: a dated note attached by the save that carries
//! it, shown newest first at the top of the article, in its JSON-LD and
//! feeds, and (the corrections) on `/corrections`; a silent fix changes
//! `dateModified` and shows no "Updated" line; the trust pages and the
//! publisher's JSON-LD that points to them; the source credit.

use chrono::{DateTime, NaiveDateTime};
use diesel::prelude::*;
use iconocast::db::schema::{article_notes, articles};
use iconocast::domain::{ArticleStatus, NoteKind, Role, SourceKind};
use roxmltree::Document;
use serde_json::Value;

use crate::editor::{self, Form};
use crate::helpers::{backend_test, hours_ago, spawn_app, Backend, Page, Staff, TestApp};

/// Every JSON-LD block of a page, parsed.
fn json_ld(page: &Page) -> Vec<Value> {
    page.texts_raw("script[type=\"application/ld+json\"]")
        .iter()
        .map(|text| {
            serde_json::from_str(text).unwrap_or_else(|e| panic!("JSON-LD parses: {e}: {text}"))
        })
        .collect()
}

fn of_type(blocks: &[Value], kind: &str) -> Value {
    blocks
        .iter()
        .find(|b| b["@type"] == kind)
        .cloned()
        .unwrap_or_else(|| panic!("no {kind} in {blocks:?}"))
}

/// A time as the article page writes it: `2 December 2026, 14:05 UTC`.
fn shown(at: NaiveDateTime) -> String {
    at.format("%-d %B %Y, %H:%M UTC").to_string()
}

/// The notes of article `id` as stored: (kind, text, time), newest first.
fn stored_notes(app: &TestApp, id: i32) -> Vec<(String, String, NaiveDateTime)> {
    app.with_conn(|c| {
        article_notes::table
            .filter(article_notes::article_id.eq(id))
            .order((article_notes::created_at.desc(), article_notes::id.desc()))
            .select((
                article_notes::kind,
                article_notes::body,
                article_notes::created_at,
            ))
            .load(c)
    })
    .expect("notes")
}

fn version_of(app: &TestApp, id: i32) -> i32 {
    editor::article(app, id).3
}

/// An editor, and an article they published through the editor in the
/// desk's category (`/open-water/{slug}`), at version 1; its form.
async fn published<'a>(app: &'a TestApp, title: &str) -> (Staff<'a>, Form, i32) {
    let who = editor::staff(app, "desk.editor@example.org", Role::Editor).await;
    let mut form = Form::new(app, title);
    let id = editor::create(&form, &who, "publish").await;
    form.version = version_of(app, id);
    form.slug = editor::article(app, id).1;
    (who, form, id)
}

/// Saves `form` over article `id` with the button `action`; a 303 expected.
async fn save(who: &Staff<'_>, form: &mut Form, id: i32, action: &str) {
    let page = editor::post(&format!("/admin/articles/{id}"), form, who, action).await;
    assert_eq!(page.status, 303, "{}", page.body);
    form.version += 1;
    form.note_kind.clear();
    form.note_text.clear();
}

backend_test!(
    async fn notes_show_newest_first_at_the_top_with_their_kind_date_and_text(backend: Backend) {
        let app = spawn_app(&backend).await;
        let (who, mut form, id) = published(&app, "Harbour swim moved").await;
        let path = format!("/{}/{}", app.desk().slug, form.slug);
        let page = app.get(&path).await;
        assert!(page.texts(".article-notes li").is_empty(), "{backend:?}");
        assert!(page.texts(".byline .updated").is_empty());

        form.note_kind = "correction".into();
        form.note_text = "An earlier version gave the start\r\n as 10:00. It is 11:00.".into();
        save(&who, &mut form, id, "save").await;
        form.note_kind = "update".into();
        form.note_text = "The swim now starts at noon <because of the tide>.".into();
        save(&who, &mut form, id, "publish").await;

        let notes = stored_notes(&app, id);
        assert_eq!(notes.len(), 2, "{backend:?}");
        let page = app.get(&path).await;
        assert_eq!(page.status, 200);
        assert_eq!(
            page.texts(".article-notes li"),
            [
                format!(
                    "Update, {}: The swim now starts at noon <because of the tide>.",
                    shown(notes[0].2)
                ),
                format!(
                    "Correction, {}: An earlier version gave the start as 10:00. It is 11:00.",
                    shown(notes[1].2)
                ),
            ],
            "{backend:?}: newest first, the text as typed on one line, escaped"
        );
        assert!(!page.body.contains("<because"), "escaped");
        // Near the top: in the article's header, before its sections.
        assert_eq!(page.texts(".article-header .article-notes li").len(), 2);
        assert_eq!(
            page.texts(".byline .updated"),
            [format!("Updated {}", shown(notes[0].2))]
        );
        // Each note is written down by who attached it.
        let audited = app.audited("article_note");
        assert_eq!(audited.len(), 2, "{backend:?}");
        assert_eq!(audited[0].0, Some(who.id));
        assert_eq!(audited[0].1, Some(id));
        assert!(
            audited[0].2.starts_with("correction to version 2"),
            "{audited:?}"
        );
        assert!(
            audited[1].2.starts_with("update to version 3"),
            "{audited:?}"
        );
    }
);

backend_test!(
    async fn json_ld_carries_corrections_and_date_modified(backend: Backend) {
        let app = spawn_app(&backend).await;
        let (who, mut form, id) = published(&app, "Tide tables explained").await;
        form.note_kind = "correction".into();
        form.note_text = "An earlier version mixed up high and low tide.".into();
        save(&who, &mut form, id, "save").await;
        form.note_kind = "update".into();
        form.note_text = "Added the spring tides.".into();
        save(&who, &mut form, id, "save").await;

        let path = format!("/{}/{}", app.desk().slug, form.slug);
        let article = of_type(&json_ld(&app.get(&path).await), "NewsArticle");
        let corrections = article["correction"].as_array().expect("correction");
        assert_eq!(
            corrections.len(),
            1,
            "{backend:?}: updates are not corrections"
        );
        assert_eq!(corrections[0]["@type"], "CorrectionComment");
        assert_eq!(
            corrections[0]["text"],
            "An earlier version mixed up high and low tide."
        );
        let noted = stored_notes(&app, id)[1].2;
        assert_eq!(
            corrections[0]["datePublished"],
            noted
                .and_utc()
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
                .as_str()
        );
        let modified = article["dateModified"].as_str().expect("dateModified");
        let published = article["datePublished"].as_str().expect("datePublished");
        assert!(DateTime::parse_from_rfc3339(modified).is_ok());
        assert!(modified >= published, "{modified} {published}");
        // No source credit for the agency's own.
        assert!(article.get("sourceOrganization").is_none());
    }
);

backend_test!(
    async fn a_silent_fix_changes_date_modified_but_shows_no_updated_line(backend: Backend) {
        let app = spawn_app(&backend).await;
        let desk = app.desk();
        let id = app
            .article("Lifeguards return")
            .in_category(desk)
            .published_hours_ago(3)
            .create();
        let path = format!("/{}/lifeguards-return", desk.slug);
        let before = of_type(&json_ld(&app.get(&path).await), "NewsArticle");
        assert_eq!(
            before["dateModified"], before["datePublished"],
            "{backend:?}: never changed"
        );

        let who = editor::staff(&app, "fixer@example.org", Role::Editor).await;
        let mut form = Form::new(&app, "Lifeguards return");
        form.slug = "lifeguards-return".into();
        form.version = version_of(&app, id);
        form.sections[0].2 = "The water was **nine degrees**, not ten.".into();
        save(&who, &mut form, id, "save").await;

        let page = app.get(&path).await;
        let after = of_type(&json_ld(&page), "NewsArticle");
        let modified = after["dateModified"].as_str().expect("dateModified");
        let published = after["datePublished"].as_str().expect("datePublished");
        assert!(
            modified > published,
            "{backend:?}: {modified} after {published}"
        );
        assert!(page.texts(".byline .updated").is_empty(), "{backend:?}");
        assert!(!page.texts(".byline")[0].contains("Updated"));
        assert!(page.texts(".article-notes").is_empty());
        assert!(after.get("correction").is_none());
        assert!(stored_notes(&app, id).is_empty());
    }
);

backend_test!(
    async fn feeds_carry_the_updated_date_and_the_notes(backend: Backend) {
        let app = spawn_app(&backend).await;
        let (who, mut form, id) = published(&app, "Pier closes for repairs").await;
        form.note_kind = "correction".into();
        form.note_text = "An earlier version said the pier closes in May & June.".into();
        save(&who, &mut form, id, "save").await;
        let noted = stored_notes(&app, id)[0].2;
        let updated_at: NaiveDateTime = app
            .with_conn(|c| {
                articles::table
                    .find(id)
                    .select(articles::updated_at)
                    .first(c)
            })
            .expect("updated_at");
        let expected = updated_at
            .and_utc()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        let url = format!("{}/{}/{}", app.address, app.desk().slug, form.slug);
        let note_text = format!(
            "Correction, {}: An earlier version said the pier closes in May & June.",
            shown(noted)
        );

        // RSS: the note in the content, the date of the change in atom:updated.
        let body = app.get("/feed.xml").await.body;
        let doc = Document::parse(&body).expect("RSS parses");
        let item = doc
            .descendants()
            .filter(|n| n.has_tag_name("item"))
            .find(|n| {
                n.children()
                    .any(|c| c.has_tag_name("link") && c.text() == Some(url.as_str()))
            })
            .unwrap_or_else(|| panic!("{backend:?}: the item in {body}"));
        let content = item
            .children()
            .find(|c| c.has_tag_name(("http://purl.org/rss/1.0/modules/content/", "encoded")))
            .and_then(|c| c.text())
            .expect("content:encoded");
        let text = scraper::Html::parse_fragment(content)
            .root_element()
            .text()
            .collect::<String>();
        assert!(text.contains(&note_text), "{backend:?}: {content}");
        let updated = item
            .children()
            .find(|c| c.has_tag_name(("http://www.w3.org/2005/Atom", "updated")))
            .and_then(|c| c.text())
            .expect("atom:updated");
        assert_eq!(updated, expected);

        // Atom.
        let body = app.get("/atom.xml").await.body;
        let doc = Document::parse(&body).expect("Atom parses");
        let entry = doc
            .descendants()
            .filter(|n| n.has_tag_name("entry"))
            .find(|n| {
                n.children()
                    .any(|c| c.has_tag_name("link") && c.attribute("href") == Some(url.as_str()))
            })
            .expect("the entry");
        let child_text = |name: &str| {
            entry
                .children()
                .find(|c| c.has_tag_name(name))
                .and_then(|c| c.text())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(child_text("updated"), expected, "{backend:?}");
        assert!(child_text("updated") >= child_text("published"));
        assert!(child_text("content")
            .contains("An earlier version said the pier closes in May &amp; June."));

        // JSON Feed.
        let feed: Value = serde_json::from_str(&app.get("/feed.json").await.body).expect("JSON");
        let item = feed["items"]
            .as_array()
            .and_then(|items| items.iter().find(|i| i["url"] == url.as_str()))
            .expect("the item");
        assert_eq!(item["date_modified"], expected.as_str());
        assert!(item["content_html"]
            .as_str()
            .is_some_and(|html| html.contains("<strong>Correction</strong>")));
    }
);

backend_test!(
    async fn the_corrections_page_lists_corrections_of_visible_articles_newest_first(
        backend: Backend,
    ) {
        let app = spawn_app(&backend).await;
        let desk = app.desk();
        let (eight, two) = (hours_ago(8), hours_ago(2));
        let older = app
            .article("Ferry timetable")
            .in_category(desk)
            .published_hours_ago(10)
            .note(
                NoteKind::Correction,
                "The 9:15 ferry leaves at 9:45.",
                eight,
            )
            .create();
        app.article("Beach cleaning day")
            .in_category(desk)
            .published_hours_ago(9)
            .note(NoteKind::Update, "More volunteers joined.", hours_ago(3))
            .note(
                NoteKind::Correction,
                "The day is Sunday, not Saturday.",
                two,
            )
            .create();
        // Hidden, so its correction is not listed either.
        app.article("Withdrawn draft")
            .in_category(desk)
            .with_status(ArticleStatus::Draft, Some(hours_ago(9)))
            .note(
                NoteKind::Correction,
                "Hidden quokkaword correction.",
                hours_ago(1),
            )
            .create();

        let page = app.get("/corrections").await;
        assert_eq!(page.status, 200, "{backend:?}");
        let mine: Vec<String> = page
            .texts(".correction .correction-text")
            .into_iter()
            .filter(|t| !t.contains("earlier version"))
            .collect();
        assert_eq!(
            mine,
            [
                format!(
                    "Correction, {}: The day is Sunday, not Saturday.",
                    shown(two)
                ),
                format!(
                    "Correction, {}: The 9:15 ferry leaves at 9:45.",
                    shown(eight)
                ),
            ],
            "{backend:?}: newest first, corrections only"
        );
        assert!(!page.body.contains("quokkaword"), "{backend:?}");
        assert!(!page.body.contains("More volunteers joined"));
        let links = page.attrs(".correction a", "href");
        let ferry_note: i32 = app
            .with_conn(|c| {
                article_notes::table
                    .filter(article_notes::article_id.eq(older))
                    .select(article_notes::id)
                    .first(c)
            })
            .expect("the note");
        let ferry = format!("/{}/ferry-timetable#note-{ferry_note}", desk.slug);
        assert!(links.contains(&ferry), "{links:?}");
        // The link leads to the note on the article.
        let article = app.get(&format!("/{}/ferry-timetable", desk.slug)).await;
        assert_eq!(article.attrs(&format!("#note-{ferry_note}"), "id").len(), 1);

        // A listing like the others: canonical, paged, bad pages refused.
        assert_eq!(
            page.attrs("link[rel=canonical]", "href"),
            [format!("{}/corrections", app.address)]
        );
        assert_eq!(app.get("/corrections?page=abc").await.status, 400);
        assert_eq!(app.get("/corrections?page=2").await.status, 404);
        // In the pages sitemap.
        let sitemap = app.get("/sitemaps/pages.xml").await.body;
        let doc = Document::parse(&sitemap).expect("sitemap parses");
        let locs: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("loc"))
            .filter_map(|n| n.text())
            .collect();
        assert!(locs.contains(&format!("{}/corrections", app.address).as_str()));
    }
);

backend_test!(
    async fn trust_pages_are_served_and_named_by_the_publishers_json_ld(backend: Backend) {
        let app = spawn_app(&backend).await;
        let pages = [
            (
                "/corrections-policy",
                "Corrections policy",
                "correctionsPolicy",
            ),
            (
                "/publishing-principles",
                "Publishing principles",
                "publishingPrinciples",
            ),
            ("/masthead", "Masthead", "masthead"),
        ];
        // The demo writes all three.
        for (path, title, _) in pages {
            let page = app.get(path).await;
            assert_eq!(page.status, 200, "{backend:?}: {path}");
            assert_eq!(page.texts("h1"), [title]);
            assert!(!page.texts(".article-body p").is_empty(), "{path}");
        }
        let org = of_type(&json_ld(&app.get("/sport").await), "NewsMediaOrganization");
        for (path, _, property) in pages {
            assert_eq!(org[property], format!("{}{path}", app.address).as_str());
        }

        // An admin rewrites one and empties another in the settings form.
        let admin = app
            .staff("owner@example.org", "Olive Owner", Role::Admin)
            .await;
        let page = admin
            .post(
                "/admin/settings",
                &[
                    ("name", "Iconocast News Agency"),
                    ("tagline", "News that matters."),
                    ("pitch", "We check first."),
                    ("about", "About us."),
                    ("time_zone", "Europe/London"),
                    ("corrections_policy", "We fix **every** error & say so."),
                    ("publishing_principles", "Accuracy first."),
                    ("masthead", ""),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        let policy = app.get("/corrections-policy").await;
        assert_eq!(policy.texts(".article-body strong"), ["every"]);
        assert!(policy.texts(".article-body p")[0].contains("error & say so"));
        assert_eq!(app.get("/masthead").await.status, 404, "{backend:?}");
        let org = of_type(&json_ld(&app.get("/").await), "NewsMediaOrganization");
        assert!(org.get("masthead").is_none(), "{org}");
        assert!(org.get("correctionsPolicy").is_some());
        let footer = app.get("/about").await.attrs(".trust-links a", "href");
        assert_eq!(
            footer,
            [
                "/corrections",
                "/corrections-policy",
                "/publishing-principles"
            ]
        );
        assert!(app
            .audited("settings_update")
            .last()
            .is_some_and(|e| e.2.contains("masthead")));

        // Too long: refused, nothing changed.
        let long = "x".repeat(20_001);
        let page = admin
            .post(
                "/admin/settings",
                &[
                    ("name", "Iconocast News Agency"),
                    ("time_zone", "Europe/London"),
                    ("corrections_policy", &long),
                ],
            )
            .await;
        assert_eq!(page.status, 422, "{backend:?}");
        assert_eq!(page.texts("#settings-corrections_policy-error").len(), 1);
        assert_eq!(app.get("/corrections-policy").await.status, 200);
        // No category may take their names.
        for slug in [
            "corrections",
            "corrections-policy",
            "publishing-principles",
            "masthead",
        ] {
            let page = admin
                .post(
                    "/admin/categories",
                    &[
                        ("name", "Clash"),
                        ("slug", slug),
                        ("tagline", ""),
                        ("description", ""),
                    ],
                )
                .await;
            assert_eq!(page.status, 422, "{backend:?}: {slug}");
        }
    }
);

backend_test!(
    async fn the_source_is_credited_in_the_byline_and_the_json_ld(backend: Backend) {
        let app = spawn_app(&backend).await;
        let desk = app.desk();
        app.article("Storm warning for the coast")
            .in_category(desk)
            .source(SourceKind::Wire, "Harbour Wire")
            .create();
        let page = app
            .get(&format!("/{}/storm-warning-for-the-coast", desk.slug))
            .await;
        assert_eq!(
            page.texts(".byline .source"),
            ["Source: Harbour Wire (wire service)"],
            "{backend:?}"
        );
        let article = of_type(&json_ld(&page), "NewsArticle");
        assert_eq!(article["sourceOrganization"]["@type"], "Organization");
        assert_eq!(article["sourceOrganization"]["name"], "Harbour Wire");

        // Set in the editor: a partner, by name.
        let (who, mut form, id) = published(&app, "Lighthouse reopens").await;
        form.source_kind = "partner".into();
        form.source_name = "  The  Coast Gazette ".into();
        save(&who, &mut form, id, "save").await;
        let page = app.get(&format!("/{}/{}", desk.slug, form.slug)).await;
        assert_eq!(
            page.texts(".byline .source"),
            ["Source: The Coast Gazette (partner)"]
        );
        let edit = who.get(&format!("/admin/articles/{id}")).await;
        assert_eq!(
            edit.attrs("#source_kind option[selected]", "value"),
            ["partner"]
        );
        assert_eq!(edit.attrs("#source_name", "value"), ["The Coast Gazette"]);
    }
);

/// What a refused form tries, how it changes the form, with which button,
/// and the field the message is for.
type BadCase = (
    &'static str,
    Box<dyn Fn(&mut Form)>,
    &'static str,
    &'static str,
);

backend_test!(
    async fn bad_notes_sources_and_expiries_are_refused_and_change_nothing(backend: Backend) {
        let app = spawn_app(&backend).await;
        let (who, form, id) = published(&app, "Harbour wall repairs").await;
        let zone: chrono_tz::Tz = "Europe/London".parse().expect("a zone");
        let local =
            move |at: NaiveDateTime| iconocast::newsroom::article_form::local_input(at, zone);
        let in_hours = |h: i64| crate::helpers::now() + chrono::Duration::hours(h);
        let path = format!("/admin/articles/{id}");
        let long = "w".repeat(1001);
        let cases: Vec<BadCase> = vec![
            (
                "an unknown kind",
                Box::new(|f| {
                    f.note_kind = "retraction".into();
                    f.note_text = "Text.".into();
                }),
                "save",
                "note_kind",
            ),
            (
                "a note without a kind",
                Box::new(|f| f.note_text = "Text.".into()),
                "save",
                "note_kind",
            ),
            (
                "a kind without text",
                Box::new(|f| f.note_kind = "correction".into()),
                "save",
                "note_text",
            ),
            (
                "an over-long text",
                Box::new(move |f| {
                    f.note_kind = "correction".into();
                    f.note_text = long.clone();
                }),
                "save",
                "note_text",
            ),
            (
                "a control character",
                Box::new(|f| {
                    f.note_kind = "update".into();
                    f.note_text = "bell \u{7}".into();
                }),
                "save",
                "note_text",
            ),
            (
                "a note taking the article off the site",
                Box::new(|f| {
                    f.note_kind = "correction".into();
                    f.note_text = "Text.".into();
                }),
                "unpublish",
                "note_text",
            ),
            (
                "an unknown source",
                Box::new(|f| f.source_kind = "tabloid".into()),
                "save",
                "source_kind",
            ),
            (
                "a wire service without a name",
                Box::new(|f| f.source_kind = "wire".into()),
                "save",
                "source_name",
            ),
            (
                "an expiry that is not a time",
                Box::new(|f| f.expires_at = "next week".into()),
                "save",
                "expires_at",
            ),
            (
                "an expiry in the past",
                Box::new(move |f| f.expires_at = local(in_hours(-2))),
                "save",
                "expires_at",
            ),
            (
                "an expiry before the publish time",
                Box::new(move |f| {
                    f.publish_at = local(in_hours(48));
                    f.expires_at = local(in_hours(24));
                }),
                "schedule",
                "expires_at",
            ),
        ];
        for (what, change, action, field) in cases {
            let mut bad = form.clone();
            change(&mut bad);
            let page = editor::post(&path, &bad, &who, action).await;
            assert_eq!(page.status, 422, "{backend:?}: {what}: {}", page.body);
            assert_eq!(
                page.attrs(
                    &format!("#editor-errors a[href=\"#field-{field}\"]"),
                    "href"
                )
                .len(),
                1,
                "{backend:?}: {what}: a message for {field}"
            );
            assert_eq!(
                page.attrs(&format!("[name={field}][aria-invalid=true]"), "name")
                    .len(),
                1,
                "{backend:?}: {what}: {field} marked"
            );
            assert_eq!(version_of(&app, id), form.version, "{backend:?}: {what}");
            assert!(stored_notes(&app, id).is_empty(), "{what}");
        }
        let status: String = editor::article(&app, id).0;
        assert_eq!(status, "published");
        let expires: Option<NaiveDateTime> = app
            .with_conn(|c| {
                articles::table
                    .find(id)
                    .select(articles::expires_at)
                    .first(c)
            })
            .expect("expiry");
        assert_eq!(expires, None);

        // A note on an article readers cannot see is refused too.
        let mut draft = Form::new(&app, "Not yet out");
        let draft_id = editor::create(&draft, &who, "save").await;
        draft.version = 1;
        draft.note_kind = "correction".into();
        draft.note_text = "Text.".into();
        let page = editor::post(&format!("/admin/articles/{draft_id}"), &draft, &who, "save").await;
        assert_eq!(page.status, 422, "{backend:?}");
        assert!(page.texts("#note-text-error")[0].contains("not on the site"));
        assert!(stored_notes(&app, draft_id).is_empty());
    }
);

backend_test!(
    async fn the_demo_shows_a_correction_an_update_a_source_and_an_expiry(backend: Backend) {
        let app = spawn_app(&backend).await;
        let corrected = app
            .get("/health-technology-science/password-managers-explained")
            .await;
        assert!(
            corrected.texts(".article-notes li")[0].starts_with("Correction, "),
            "{backend:?}"
        );
        let updated = app.get("/travel/night-trains-plan-a-sleeper-journey").await;
        assert!(updated.texts(".article-notes li")[0].starts_with("Update, "));
        assert_eq!(updated.texts(".byline .updated").len(), 1);
        let wire = app.get("/sport/how-video-review-works-in-sport").await;
        assert_eq!(wire.status, 200, "expires later, so still shown");
        assert_eq!(
            wire.texts(".byline .source"),
            ["Source: Northern Sports Wire (wire service)"]
        );
        let expires: Option<NaiveDateTime> = app
            .with_conn(|c| {
                articles::table
                    .filter(articles::slug.eq("how-video-review-works-in-sport"))
                    .select(articles::expires_at)
                    .first(c)
            })
            .expect("its expiry");
        assert!(expires.is_some_and(|e| e > crate::helpers::now()));
        let list = app.get("/corrections").await;
        assert_eq!(list.texts(".correction").len(), 2, "{backend:?}");
    }
);
