//! Review with notes: staff leave notes on an article in review, about
//! the whole of it or one section; an editor returns it to its writer
//! with them, or approves it (publishes); each step is audited; the
//! dashboard shows "Waiting for my review" and "Returned to me" with
//! counts; notes are for staff only and are never lost.

use diesel::prelude::*;
use iconocast::db::review_notes;
use iconocast::db::schema::{audit_log, review_notes as notes_table};
use iconocast::domain::{ArticleStatus, Role};

use crate::editor::{self, Form};
use crate::helpers::{backend_test, spawn_app, Backend, Page, Staff, TestApp};

/// The stored notes of article `id`: (section anchor, text), oldest first.
fn stored_notes(app: &TestApp, id: i32) -> Vec<(Option<String>, String)> {
    app.with_conn(|c| {
        notes_table::table
            .filter(notes_table::article_id.eq(id))
            .order(notes_table::id.asc())
            .select((notes_table::section_anchor, notes_table::body))
            .load(c)
    })
    .expect("review notes")
}

/// The audit actions on article `id`, oldest first, with their details.
fn audit_of(app: &TestApp, id: i32) -> Vec<(String, String)> {
    app.with_conn(|c| {
        audit_log::table
            .filter(audit_log::target_type.eq("article"))
            .filter(audit_log::target_id.eq(id))
            .order(audit_log::id.asc())
            .select((audit_log::action, audit_log::detail))
            .load(c)
    })
    .expect("audit")
}

fn status_of(app: &TestApp, id: i32) -> String {
    editor::article(app, id).0
}

/// The statements one render of the dashboard runs for `who` (the least
/// of three, so that nothing else the server does at that moment counts),
/// and the page.
async fn dashboard_queries(who: &Staff<'_>) -> (u64, Page) {
    let app = who.app();
    let mut least = u64::MAX;
    let mut page = None;
    for _ in 0..3 {
        let before = app.db.queries.get();
        let shown = who.get("/admin").await;
        least = least.min(app.db.queries.get() - before);
        assert_eq!(shown.status, 200, "{}", shown.body);
        page = Some(shown);
    }
    (least, page.expect("a dashboard"))
}

/// Posts the notes form of article `id`.
async fn note(who: &Staff<'_>, id: i32, section: &str, body: &str, action: &str) -> Page {
    who.post(
        &format!("/admin/articles/{id}/notes"),
        &[("section", section), ("body", body), ("action", action)],
    )
    .await
}

/// A contributor's article, written and submitted through the editor:
/// the writer, its form (at the version stored) and its id.
async fn submitted<'a>(app: &'a TestApp, title: &str) -> (Staff<'a>, Form, i32) {
    let writer = app
        .staff("cora@example.org", "Cora Contributor", Role::Contributor)
        .await;
    let mut form = Form::new(app, title);
    let id = editor::create(&form, &writer, "save").await;
    form.version = 1;
    let page = editor::post(&format!("/admin/articles/{id}"), &form, &writer, "submit").await;
    assert_eq!(page.status, 303, "{}", page.body);
    form.version = 2;
    form.slug = editor::article(app, id).1;
    assert_eq!(status_of(app, id), "review");
    (writer, form, id)
}

backend_test!(
    async fn an_editor_returns_an_article_with_notes_and_its_writer_sees_them_by_section(
        backend: Backend,
    ) {
        let app = spawn_app(&backend).await;
        let (writer, mut form, id) = submitted(&app, "Night ferries return").await;
        let ed = app
            .staff("eddie@example.org", "Eddie Editor", Role::Editor)
            .await;
        let path = format!("/admin/articles/{id}");

        // The editor's dashboard: it waits for their review.
        let dash = ed.get("/admin").await;
        assert_eq!(
            dash.texts("#waiting-for-review h2"),
            ["Waiting for my review (1)"],
            "{backend:?}"
        );
        assert_eq!(
            dash.attrs("#waiting-for-review li[data-article-id]", "data-article-id"),
            [id.to_string()]
        );
        assert!(dash
            .texts("#waiting-for-review li")
            .iter()
            .any(|t| t.contains("Night ferries return") && t.contains("Cora Contributor")));
        // The writer reviews no one's: no such box, and nothing returned.
        let mine = writer.get("/admin").await;
        assert!(mine.texts("#waiting-for-review").is_empty());
        assert_eq!(mine.texts("#returned-to-me h2"), ["Returned to me (0)"]);

        // Beside the editor: no notes yet, the sections to choose from,
        // and the editor's two ways out of review.
        let page = ed.get(&path).await;
        assert_eq!(page.status, 200);
        assert_eq!(page.texts("#review-notes h2"), ["Review notes (0)"]);
        assert_eq!(
            page.attrs("#review-notes select[name=section] option", "value"),
            ["", "into-the-cold", "out-again"]
        );
        assert!(page
            .texts("#review-notes button")
            .contains(&"Return to writer".to_owned()));
        assert_eq!(
            page.texts("#article-editor button[value=publish]"),
            ["Approve and publish"]
        );

        // A note on a section, then a return with a note on the whole.
        let added = note(
            &ed,
            id,
            "into-the-cold",
            "Who measured nine degrees?\r\nSay when, too.",
            "note",
        )
        .await;
        assert_eq!(added.status, 303, "{}", added.body);
        assert_eq!(
            added.header("location").as_deref(),
            Some(format!("{path}?saved=noted#review-notes").as_str())
        );
        assert_eq!(status_of(&app, id), "review", "a note changes no status");
        let returned = note(&ed, id, "", "Shorter intro, please.", "return").await;
        assert_eq!(returned.status, 303, "{}", returned.body);
        assert_eq!(
            returned.header("location").as_deref(),
            Some(format!("{path}?saved=returned").as_str())
        );
        assert_eq!(status_of(&app, id), "draft", "{backend:?}");
        assert_eq!(
            stored_notes(&app, id),
            [
                (
                    Some("into-the-cold".to_owned()),
                    "Who measured nine degrees?\nSay when, too.".to_owned()
                ),
                (None, "Shorter intro, please.".to_owned()),
            ]
        );
        // Each step audited, by the editor, on the article.
        let audited: Vec<String> = audit_of(&app, id).into_iter().map(|(a, _)| a).collect();
        assert_eq!(
            audited,
            [
                "article_create",
                "article_submit",
                "review_note",
                "review_note",
                "article_return"
            ],
            "{backend:?}"
        );
        let by: Vec<Option<i32>> = app
            .with_conn(|c| {
                audit_log::table
                    .filter(audit_log::action.eq_any(["review_note", "article_return"]))
                    .select(audit_log::user_id)
                    .load(c)
            })
            .expect("audit");
        assert_eq!(by, [Some(ed.id); 3]);
        assert!(audit_of(&app, id)[2]
            .1
            .starts_with("on section \"Into the cold\": \"Who measured"));

        // The writer: returned to them, with the notes by section.
        let mine = writer.get("/admin").await;
        assert_eq!(mine.texts("#returned-to-me h2"), ["Returned to me (1)"]);
        assert_eq!(
            mine.attrs("#returned-to-me li[data-article-id]", "data-article-id"),
            [id.to_string()]
        );
        assert!(mine.texts("#returned-to-me li")[0].contains("by Eddie Editor"));
        let page = writer.get(&format!("{path}?saved=returned")).await;
        assert_eq!(page.status, 200);
        assert_eq!(page.texts("#review-notes h2"), ["Review notes (2)"]);
        assert_eq!(
            page.texts(".review-note-section"),
            ["On section: Into the cold", "On the whole article"]
        );
        assert_eq!(
            page.texts_raw(".review-note-body"),
            [
                "Who measured nine degrees?\nSay when, too.",
                "Shorter intro, please."
            ]
        );
        assert!(page
            .texts(".review-note-meta")
            .iter()
            .all(|m| m.starts_with("Eddie Editor, ")));
        // The section's link leads to that section in the editor.
        assert_eq!(
            page.attrs(".review-note-section a", "href"),
            ["#edit-section-into-the-cold"]
        );
        assert_eq!(
            page.attrs(
                "fieldset#edit-section-into-the-cold input[name=section_heading]",
                "value"
            ),
            ["Into the cold"]
        );
        assert!(page
            .texts(".notice")
            .iter()
            .any(|n| n.starts_with("Returned to its writer")));
        // Writers return nothing, and the editor has nothing left waiting.
        assert!(!page
            .texts("#review-notes button")
            .contains(&"Return to writer".to_owned()));
        let dash = ed.get("/admin").await;
        assert_eq!(
            dash.texts("#waiting-for-review h2"),
            ["Waiting for my review (0)"]
        );

        // The writer answers with a note and submits again: no longer
        // returned, and waiting for review once more.
        assert_eq!(
            note(&writer, id, "out-again", "Done: both fixed.", "note")
                .await
                .status,
            303
        );
        form.version = 3;
        let page = editor::post(&path, &form, &writer, "submit").await;
        assert_eq!(page.status, 303, "{}", page.body);
        let mine = writer.get("/admin").await;
        assert_eq!(mine.texts("#returned-to-me h2"), ["Returned to me (0)"]);
        let dash = ed.get("/admin").await;
        assert_eq!(
            dash.texts("#waiting-for-review h2"),
            ["Waiting for my review (1)"]
        );
        assert_eq!(stored_notes(&app, id).len(), 3);
    }
);

backend_test!(
    async fn approving_publishes_the_article_and_is_audited_as_an_approval(backend: Backend) {
        let app = spawn_app(&backend).await;
        let (_writer, form, id) = submitted(&app, "Harbour lights festival").await;
        let ed = app
            .staff("eddie@example.org", "Eddie Editor", Role::Editor)
            .await;
        let path = format!("/admin/articles/{id}");
        assert_eq!(
            note(&ed, id, "", "Fine as it is.", "note").await.status,
            303
        );
        let page = editor::post(&path, &form, &ed, "publish").await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert_eq!(
            page.header("location").as_deref(),
            Some(format!("{path}?saved=approved").as_str())
        );
        assert_eq!(status_of(&app, id), "published", "{backend:?}");
        let audited = audit_of(&app, id);
        let last = audited.last().expect("an entry");
        assert_eq!(last.0, "article_approve");
        assert!(
            last.1
                .starts_with("approved and published \"Harbour lights festival\""),
            "{last:?}"
        );
        let shown = ed.get(&format!("{path}?saved=approved")).await;
        assert!(shown
            .texts(".notice")
            .iter()
            .any(|n| n.starts_with("Approved and published")));
        let public = app
            .get(&format!("/{}/{}", app.desk().slug, form.slug))
            .await;
        assert_eq!(public.status, 200);
        // Approved, it is no longer waiting, and was never returned.
        let dash = ed.get("/admin").await;
        assert_eq!(
            dash.texts("#waiting-for-review h2"),
            ["Waiting for my review (0)"]
        );
        // The note stays, for the record.
        assert_eq!(stored_notes(&app, id).len(), 1);
    }
);

backend_test!(
    async fn only_those_who_may_publish_return_and_only_with_a_note_from_review(backend: Backend) {
        let app = spawn_app(&backend).await;
        let (writer, _form, id) = submitted(&app, "Tram timetable changes").await;
        let other = app
            .staff("otto@example.org", "Otto Other", Role::Author)
            .await;
        let ed = app
            .staff("eddie@example.org", "Eddie Editor", Role::Editor)
            .await;
        let audited = audit_of(&app, id).len();

        // The writer may note, not return (403); a stranger may do neither.
        let refused = note(&writer, id, "", "Please publish me.", "return").await;
        assert_eq!(refused.status, 403, "{backend:?}");
        assert_eq!(note(&other, id, "", "Nosy.", "note").await.status, 403);
        assert_eq!(note(&other, id, "", "Nosy.", "return").await.status, 403);
        assert_eq!(
            other.get(&format!("/admin/articles/{id}")).await.status,
            403
        );
        // No such article, or no article at all.
        assert_eq!(note(&ed, 999_999, "", "Hello?", "note").await.status, 404);
        let odd = ed
            .post("/admin/articles/abc/notes", &[("body", "Hello?")])
            .await;
        assert_eq!(odd.status, 404);
        // Without the CSRF token, or with a button no form has.
        let no_token = ed
            .post_with_token(
                &format!("/admin/articles/{id}/notes"),
                "",
                &[("body", "Forged."), ("action", "return")],
            )
            .await;
        assert_eq!(no_token.status, 403);
        assert_eq!(note(&ed, id, "", "Hm.", "delete").await.status, 400);
        // Notes are posted, never fetched.
        assert_eq!(
            ed.get(&format!("/admin/articles/{id}/notes")).await.status,
            405
        );
        assert_eq!(status_of(&app, id), "review");
        assert!(stored_notes(&app, id).is_empty());
        assert_eq!(audit_of(&app, id).len(), audited, "nothing audited");

        // An editor returns only with a note: none stored and none typed
        // is a 422 that changes nothing.
        let page = note(&ed, id, "", "   ", "return").await;
        assert_eq!(page.status, 422, "{backend:?}: {}", page.body);
        assert!(page
            .texts("#note-body-error")
            .iter()
            .any(|e| e.contains("at least one note")));
        assert_eq!(status_of(&app, id), "review");
        // With a note stored earlier, the return needs no new one.
        assert_eq!(
            note(&ed, id, "", "Check the dates.", "note").await.status,
            303
        );
        assert_eq!(note(&ed, id, "", "", "return").await.status, 303);
        assert_eq!(status_of(&app, id), "draft");
        assert_eq!(stored_notes(&app, id).len(), 1);
        // A draft is not in review: returning it again is a conflict.
        let again = note(&ed, id, "", "Again!", "return").await;
        assert_eq!(again.status, 409, "{backend:?}");
        assert_eq!(stored_notes(&app, id).len(), 1, "nothing kept of it");
        assert_eq!(status_of(&app, id), "draft");
    }
);

backend_test!(
    async fn a_refused_note_comes_back_as_typed_and_nothing_is_kept(backend: Backend) {
        let app = spawn_app(&backend).await;
        let (_writer, _form, id) = submitted(&app, "Lighthouse keepers").await;
        let ed = app
            .staff("eddie@example.org", "Eddie Editor", Role::Editor)
            .await;
        let long = "Long note. ".repeat(100);
        let control = "A pasted \u{1b}[0m escape";
        for (section, body, field) in [
            ("out-again", long.as_str(), "#note-body-error"),
            ("", control, "#note-body-error"),
            (
                "no-such-section",
                "About a section it lacks.",
                "#note-section-error",
            ),
            ("", " \n ", "#note-body-error"),
        ] {
            let page = note(&ed, id, section, body, "note").await;
            assert_eq!(page.status, 422, "{backend:?} {body:?}: {}", page.body);
            assert_eq!(page.texts(field).len(), 1, "{body:?}");
            // What was typed is still there, the section still chosen.
            assert_eq!(
                page.texts_raw("#review-notes textarea[name=body]"),
                [body.to_owned()],
                "{body:?}"
            );
            if section == "out-again" {
                assert_eq!(
                    page.attrs("#review-notes option[selected]", "value"),
                    ["out-again"]
                );
            }
            // And the editor shows the article as saved.
            assert_eq!(
                page.attrs("#article-editor input[name=title]", "value"),
                ["Lighthouse keepers"]
            );
        }
        assert!(stored_notes(&app, id).is_empty(), "{backend:?}");
        assert_eq!(app.audited("review_note").len(), 0);
    }
);

backend_test!(
    async fn notes_are_for_staff_only_and_outlive_saves_and_restores(backend: Backend) {
        let app = spawn_app(&backend).await;
        let (writer, mut form, id) = submitted(&app, "Seal pups counted").await;
        let ed = app
            .staff("eddie@example.org", "Eddie Editor", Role::Editor)
            .await;
        let path = format!("/admin/articles/{id}");
        let secret = "Staff-only remark 7f3a about the seal count";
        assert_eq!(
            note(&ed, id, "into-the-cold", secret, "note").await.status,
            303
        );
        let page = editor::post(&path, &form, &ed, "publish").await;
        assert_eq!(page.status, 303, "{}", page.body);
        form.version = 3;

        // Readers see the article, never the note: not on its page (nor
        // in its JSON-LD, which is in the page), its lists, its feeds or
        // the search.
        let public = format!("/{}/{}", app.desk().slug, form.slug);
        let desk = format!("/{}", app.desk().slug);
        for address in [
            public.as_str(),
            desk.as_str(),
            "/",
            "/feed.xml",
            "/atom.xml",
            "/feed.json",
            &format!("{desk}/feed.xml"),
            "/search?q=seal",
            // A word of the note alone (the page repeats the query).
            "/search?q=remark",
            "/sitemap.xml",
        ] {
            let page = app.get(address).await;
            assert!(page.status < 400, "{address}: {}", page.status);
            assert!(
                !page.body.contains("7f3a") && !page.body.contains("Staff-only remark"),
                "{backend:?}: {address} shows the review note"
            );
        }
        assert!(app.get(&public).await.body.contains("Seal pups counted"));

        // A save and a restore of the first version keep every note.
        form.title = "Seal pups counted again".into();
        let page = editor::post(&path, &form, &ed, "save").await;
        assert_eq!(page.status, 303, "{}", page.body);
        let restored = app
            .post_form(
                &format!("{path}/history/1/restore"),
                &[("csrf_token", &ed.csrf), ("current", "4")],
                &ed.cookie,
            )
            .await;
        assert_eq!(restored.status, 303, "{}", restored.body);
        assert_eq!(editor::article(&app, id).2, "Seal pups counted");
        assert_eq!(
            stored_notes(&app, id),
            [(Some("into-the-cold".to_owned()), secret.to_owned())],
            "{backend:?}"
        );
        let page = writer.get(&path).await;
        assert_eq!(page.texts_raw(".review-note-body"), [secret.to_owned()]);
    }
);

backend_test!(
    async fn the_review_boxes_count_in_one_query_each_whatever_their_length(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ed = app
            .staff("eddie@example.org", "Eddie Editor", Role::Editor)
            .await;
        let writer = app.writer();
        // In review by someone else, and drafts of the editor's returned
        // to them.
        let mut n = 0;
        let mut add = |count: usize| {
            for _ in 0..count {
                n += 1;
                app.article(&format!("Waiting {n}"))
                    .in_category(app.desk())
                    .by(writer)
                    .with_status(ArticleStatus::Review, None)
                    .create();
                let mine = app
                    .article(&format!("Returned {n}"))
                    .in_category(app.desk())
                    .by(ed.id)
                    .with_status(ArticleStatus::Draft, None)
                    .create();
                app.with_conn(|c| {
                    review_notes::set_returned(c, mine, Some((writer, crate::helpers::now())))
                })
                .expect("returned");
            }
        };
        add(1);
        let (with_one, one) = dashboard_queries(&ed).await;
        add(14);
        let (with_many, many) = dashboard_queries(&ed).await;
        assert_eq!(
            one.texts("#waiting-for-review h2"),
            ["Waiting for my review (1)"]
        );
        assert_eq!(
            many.texts("#waiting-for-review h2"),
            ["Waiting for my review (15)"],
            "{backend:?}"
        );
        assert_eq!(many.texts("#returned-to-me h2"), ["Returned to me (15)"]);
        // The boxes list the first ten, and say where the rest are.
        assert_eq!(many.texts("#waiting-for-review li").len(), 10);
        assert_eq!(many.texts("#returned-to-me li").len(), 10);
        assert_eq!(
            many.attrs(
                "#waiting-for-review a[href='/admin/articles?status=review']",
                "href"
            )
            .len(),
            1
        );
        assert_eq!(with_one, with_many, "{backend:?}: 1 vs 15 in each box");
    }
);
