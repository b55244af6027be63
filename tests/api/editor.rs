//! The article editor: create, preview, section buttons, validation, the
//! workflow, each role's limits, stale saves, revisions with diff and
//! restore, and the 301 a renamed slug leaves behind.

use diesel::prelude::*;
use iconocast::db::schema::{articles, audit_log, redirects, revisions, sections};
use iconocast::domain::{ArticleStatus, Role};

use crate::helpers::{backend_test, spawn_app, Backend, Page, Staff, TestApp};

/// The editor's form as a test fills it in.
#[derive(Clone)]
pub struct Form {
    pub version: i32,
    pub title: String,
    pub slug: String,
    pub kind: String,
    pub category_id: String,
    pub author_id: String,
    pub standfirst: String,
    pub intro: String,
    pub hashtags: String,
    pub hero_media_id: String,
    pub hero_alt: String,
    pub publish_at: String,
    /// In the site's time zone; empty for never.
    pub expires_at: String,
    pub source_kind: String,
    pub source_name: String,
    /// A correction or update to attach: `correction`, `update` or empty.
    pub note_kind: String,
    pub note_text: String,
    /// (anchor, heading, body)
    pub sections: Vec<(String, String, String)>,
}

impl Form {
    pub fn new(app: &TestApp, title: &str) -> Form {
        Form {
            version: 0,
            title: title.to_owned(),
            slug: String::new(),
            kind: "news".to_owned(),
            category_id: app.desk().id.to_string(),
            author_id: String::new(),
            standfirst: format!("What {title} is about, in one sentence."),
            intro: "An opening paragraph.".to_owned(),
            hashtags: "#WinterSwimming #Harbour".to_owned(),
            hero_media_id: String::new(),
            hero_alt: String::new(),
            publish_at: String::new(),
            expires_at: String::new(),
            source_kind: "staff".to_owned(),
            source_name: String::new(),
            note_kind: String::new(),
            note_text: String::new(),
            sections: vec![
                (
                    String::new(),
                    "Into the cold".to_owned(),
                    "The water was **nine degrees**.".to_owned(),
                ),
                (
                    String::new(),
                    "Out again".to_owned(),
                    "Towels, tea and a sauna.".to_owned(),
                ),
            ],
        }
    }

    fn fields(&self, action: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = [
            ("version", self.version.to_string()),
            ("action", action.to_owned()),
            ("title", self.title.clone()),
            ("slug", self.slug.clone()),
            ("kind", self.kind.clone()),
            ("category_id", self.category_id.clone()),
            ("author_id", self.author_id.clone()),
            ("standfirst", self.standfirst.clone()),
            ("intro", self.intro.clone()),
            ("hashtags", self.hashtags.clone()),
            ("hero_media_id", self.hero_media_id.clone()),
            ("hero_alt", self.hero_alt.clone()),
            ("publish_at", self.publish_at.clone()),
            ("expires_at", self.expires_at.clone()),
            ("source_kind", self.source_kind.clone()),
            ("source_name", self.source_name.clone()),
            ("note_kind", self.note_kind.clone()),
            ("note_text", self.note_text.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        for (anchor, heading, body) in &self.sections {
            out.push(("section_anchor".into(), anchor.clone()));
            out.push(("section_heading".into(), heading.clone()));
            out.push(("section_body".into(), body.clone()));
        }
        out
    }
}

/// A staff member of `role` with the test password, signed in.
pub async fn staff<'a>(app: &'a TestApp, email: &str, role: Role) -> Staff<'a> {
    app.staff(email, email, role).await
}

/// Submits the editor's form to `path` with the button `action`.
pub async fn post(path: &str, form: &Form, who: &Staff<'_>, action: &str) -> Page {
    let fields = form.fields(action);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    who.post(path, &pairs).await
}

/// Creates an article through the editor; returns its id.
pub async fn create(form: &Form, who: &Staff<'_>, action: &str) -> i32 {
    let page = post("/admin/articles/new", form, who, action).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let location = page.header("location").expect("a Location");
    location
        .trim_start_matches("/admin/articles/")
        .split('?')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("an editor URL: {location}"))
}

/// The article's row: (status, slug, title, version).
pub fn article(app: &TestApp, id: i32) -> (String, String, String, i32) {
    app.with_conn(|c| {
        articles::table
            .find(id)
            .select((
                articles::status,
                articles::slug,
                articles::title,
                articles::version,
            ))
            .first(c)
    })
    .expect("the article")
}

fn count_articles(app: &TestApp) -> i64 {
    app.with_conn(|c| articles::table.count().get_result(c))
        .expect("count")
}

fn audit_actions(app: &TestApp, id: i32) -> Vec<String> {
    app.with_conn(|c| {
        audit_log::table
            .filter(audit_log::target_type.eq("article"))
            .filter(audit_log::target_id.eq(id))
            .order(audit_log::id.asc())
            .select(audit_log::action)
            .load(c)
    })
    .expect("audit")
}

backend_test!(
    async fn an_editor_writes_and_publishes_an_article_that_shows_at_once(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ed = staff(&app, "ed@example.com", Role::Editor).await;

        let new = ed.get("/admin/articles/new").await;
        assert_eq!(new.status, 200, "{backend:?}");
        assert_eq!(
            new.texts("form#article-editor fieldset.section-editor legend")
                .len(),
            1
        );
        for field in [
            "title",
            "standfirst",
            "intro",
            "hashtags",
            "hero_alt",
            "publish_at",
        ] {
            let id = new.attrs(&format!("[name={field}]"), "id");
            assert_eq!(id.len(), 1, "{field}");
            assert_eq!(
                new.attrs(&format!("label[for={}]", id[0]), "for").len(),
                1,
                "{field} has a label"
            );
        }

        let form = Form::new(&app, "Harbour swimmers brave the winter sea");
        let id = create(&form, &ed, "publish").await;
        let (status, slug, _, version) = article(&app, id);
        assert_eq!(status, "published", "{backend:?}");
        assert_eq!(slug, "harbour-swimmers-brave-the-winter-sea");
        assert_eq!(version, 1);

        let edit = ed
            .get(&format!("/admin/articles/{id}?saved=published"))
            .await;
        assert!(
            edit.texts(".notice").concat().contains("Published"),
            "{}",
            edit.body
        );
        assert_eq!(
            edit.attrs("a.view-live", "href"),
            vec![format!("/open-water/{slug}")]
        );

        let public = app.get(&format!("/open-water/{slug}")).await;
        assert_eq!(public.status, 200, "{backend:?}");
        assert_eq!(
            public.texts("h1"),
            vec!["Harbour swimmers brave the winter sea"]
        );
        assert_eq!(
            public.texts(".article-section h2"),
            vec!["Into the cold", "Out again"]
        );
        assert_eq!(
            public.attrs(".article-section", "id"),
            vec!["into-the-cold", "out-again"]
        );
        assert_eq!(
            public.texts(".article-section strong"),
            vec!["nine degrees"]
        );
        assert_eq!(
            public.texts(".hashtags a"),
            vec!["#WinterSwimming", "#Harbour"]
        );
        let category = app.get("/open-water").await;
        assert!(category
            .texts("a")
            .iter()
            .any(|t| t == "Harbour swimmers brave the winter sea"));
        let search = app.get("/search?q=sauna").await;
        assert!(
            search
                .body
                .contains("Harbour swimmers brave the winter sea"),
            "{backend:?}"
        );

        assert_eq!(audit_actions(&app, id), vec!["article_publish"]);
        let revs: i64 = app
            .with_conn(|c| {
                revisions::table
                    .filter(revisions::article_id.eq(id))
                    .count()
                    .get_result(c)
            })
            .expect("revisions");
        assert_eq!(revs, 1);
    }
);

backend_test!(
    async fn section_buttons_and_preview_change_nothing_stored_and_keep_the_typing(
        backend: Backend,
    ) {
        let app = spawn_app(&backend).await;
        let ed = staff(&app, "ed@example.com", Role::Editor).await;
        let before = count_articles(&app);
        let mut form = Form::new(&app, "Typed but not saved");
        form.sections[0].2 = "Words & **bold** <script>alert(1)</script> kept".to_owned();

        let added = post("/admin/articles/new", &form, &ed, "add_section").await;
        assert_eq!(added.status, 200, "{backend:?}");
        assert_eq!(
            added.attrs("input[name=section_heading]", "value"),
            vec!["Into the cold", "Out again", ""]
        );
        assert_eq!(
            added.texts_raw("textarea[name=section_body]")[0],
            "Words & **bold** <script>alert(1)</script> kept"
        );
        assert_eq!(
            added.attrs("input[name=title]", "value"),
            vec!["Typed but not saved"]
        );

        let moved = post("/admin/articles/new", &form, &ed, "move_down:0").await;
        assert_eq!(
            moved.attrs("input[name=section_heading]", "value"),
            vec!["Out again", "Into the cold"]
        );
        let removed = post("/admin/articles/new", &form, &ed, "remove_section:0").await;
        assert_eq!(
            removed.attrs("input[name=section_heading]", "value"),
            vec!["Out again"]
        );

        let preview = post("/admin/articles/new", &form, &ed, "preview").await;
        assert_eq!(preview.status, 200);
        assert_eq!(preview.texts("#preview h1"), vec!["Typed but not saved"]);
        assert_eq!(
            preview.texts("#preview .article-section h2"),
            vec!["Into the cold", "Out again"]
        );
        // The body is Markdown, sanitised exactly as on the public page.
        assert_eq!(
            preview.texts("#preview .article-section strong"),
            vec!["bold"]
        );
        assert!(
            preview
                .html()
                .select(&scraper::Selector::parse("#preview script").expect("selector"))
                .next()
                .is_none(),
            "{}",
            preview.body
        );
        assert_eq!(
            preview.attrs("input[name=title]", "value"),
            vec!["Typed but not saved"]
        );

        assert_eq!(count_articles(&app), before, "{backend:?}: nothing saved");
    }
);

backend_test!(
    async fn a_bad_form_is_refused_with_messages_and_keeps_every_field(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ed = staff(&app, "ed@example.com", Role::Editor).await;
        let before = count_articles(&app);
        let mut form = Form::new(&app, "");
        form.slug = "Not A Slug".to_owned();
        form.category_id = "99999".to_owned();
        form.sections[1].1 = String::new();
        form.intro = "kept intro".to_owned();
        let page = post("/admin/articles/new", &form, &ed, "save").await;
        assert_eq!(page.status, 422, "{backend:?}");
        let errors = page.texts(".field-error").join(" ");
        assert!(errors.contains("title"), "{errors}");
        assert!(errors.contains("category"), "{errors}");
        assert!(errors.contains("heading"), "{errors}");
        assert_eq!(page.attrs("input[name=slug]", "value"), vec!["Not A Slug"]);
        assert_eq!(page.texts_raw("textarea[name=intro]"), vec!["kept intro"]);
        assert_eq!(
            page.texts_raw("textarea[name=section_body]")[1],
            "Towels, tea and a sauna."
        );

        // A hero image needs its alt text.
        let media_id = app
            .with_conn(|c| {
                diesel::insert_into(iconocast::db::schema::media::table)
                    .values((
                        iconocast::db::schema::media::file_name.eq("0123456789abcdef.png"),
                        iconocast::db::schema::media::content_type.eq("image/png"),
                        iconocast::db::schema::media::byte_size.eq(68i64),
                        iconocast::db::schema::media::width.eq(1),
                        iconocast::db::schema::media::height.eq(1),
                        iconocast::db::schema::media::created_at.eq(crate::helpers::now()),
                    ))
                    .returning(iconocast::db::schema::media::id)
                    .get_result::<i32>(c)
            })
            .expect("media row");
        let mut form = Form::new(&app, "With a picture");
        form.hero_media_id = media_id.to_string();
        let page = post("/admin/articles/new", &form, &ed, "save").await;
        assert_eq!(page.status, 422);
        assert!(page
            .texts("#field-hero_alt .field-error")
            .concat()
            .contains("alt text"));
        // Scheduling in the past is refused.
        let mut form = Form::new(&app, "Too late");
        form.publish_at = "2020-01-01T09:00".to_owned();
        let page = post("/admin/articles/new", &form, &ed, "schedule").await;
        assert_eq!(page.status, 422);
        assert!(page
            .texts("#field-publish_at .field-error")
            .concat()
            .contains("future"));
        // A slug another article has.
        let mut form = Form::new(&app, "Copycat");
        let taken: String = app
            .with_conn(|c| articles::table.select(articles::slug).first(c))
            .expect("a slug");
        form.slug = taken;
        let page = post("/admin/articles/new", &form, &ed, "save").await;
        assert_eq!(page.status, 422);
        assert!(page
            .texts("#field-slug .field-error")
            .concat()
            .contains("Another article"));

        assert_eq!(count_articles(&app), before, "{backend:?}: nothing saved");
    }
);

backend_test!(
    async fn each_role_may_do_only_its_part_of_the_workflow(backend: Backend) {
        let app = spawn_app(&backend).await;
        let contributor = staff(&app, "c@example.com", Role::Contributor).await;
        let author = staff(&app, "a@example.com", Role::Author).await;
        let other_author = staff(&app, "b@example.com", Role::Author).await;
        let editor = staff(&app, "e@example.com", Role::Editor).await;

        // A contributor writes a draft and submits it, but cannot publish.
        let mut form = Form::new(&app, "A contributor's piece");
        let before = count_articles(&app);
        let refused = post("/admin/articles/new", &form, &contributor, "publish").await;
        assert_eq!(refused.status, 403, "{backend:?}");
        assert_eq!(count_articles(&app), before);
        let id = create(&form, &contributor, "save").await;
        assert_eq!(article(&app, id).0, "draft");
        form.version = 1;
        let path = format!("/admin/articles/{id}");
        let page = post(&path, &form, &contributor, "publish").await;
        assert_eq!(page.status, 403);
        assert_eq!(article(&app, id).0, "draft");
        let page = post(&path, &form, &contributor, "submit").await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert_eq!(article(&app, id).0, "review");
        form.version = 2;

        // Authors cannot open or save someone else's work.
        assert_eq!(author.get(&path).await.status, 403);
        assert_eq!(post(&path, &form, &author, "publish").await.status, 403);
        // Listing shows authors only their own articles.
        let list = author.get("/admin/articles").await;
        assert!(
            !list.body.contains("A contributor&#39;s piece")
                && !list.body.contains("A contributor's piece")
        );

        // An editor publishes it.
        let page = post(&path, &form, &editor, "publish").await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert_eq!(article(&app, id).0, "published");
        form.version = 3;
        // Once it is out, the contributor may not change it any more.
        form.title = "Changed by the contributor".to_owned();
        assert_eq!(post(&path, &form, &contributor, "save").await.status, 403);
        assert_ne!(article(&app, id).2, "Changed by the contributor");

        // An author publishes their own, not another author's.
        let own = create(&Form::new(&app, "An author's own"), &author, "publish").await;
        assert_eq!(article(&app, own).0, "published");
        let mut theirs = Form::new(&app, "Another author's draft");
        let theirs_id = create(&theirs, &other_author, "save").await;
        theirs.version = 1;
        let page = post(
            &format!("/admin/articles/{theirs_id}"),
            &theirs,
            &author,
            "publish",
        )
        .await;
        assert_eq!(page.status, 403);
        assert_eq!(article(&app, theirs_id).0, "draft");
        // Only editors and admins credit someone else.
        let mut ghost = Form::new(&app, "Ghost written");
        ghost.author_id = other_author.id.to_string();
        let id = create(&ghost, &author, "save").await;
        let author_of: i32 = app
            .with_conn(|c| {
                articles::table
                    .find(id)
                    .select(articles::author_id)
                    .first(c)
            })
            .expect("author");
        assert_eq!(author_of, author.id, "the field is ignored for authors");
        let id = create(&ghost, &editor, "save").await;
        let author_of: i32 = app
            .with_conn(|c| {
                articles::table
                    .find(id)
                    .select(articles::author_id)
                    .first(c)
            })
            .expect("author");
        assert_eq!(author_of, other_author.id);

        // Without the CSRF token: 403, nothing made.
        let before = count_articles(&app);
        let mut no_token = author;
        no_token.csrf = String::new();
        let page = post(
            "/admin/articles/new",
            &Form::new(&app, "No token"),
            &no_token,
            "save",
        )
        .await;
        assert_eq!(page.status, 403);
        assert_eq!(count_articles(&app), before);
    }
);

backend_test!(
    async fn publishing_scheduling_unpublishing_and_archiving_change_what_readers_see(
        backend: Backend,
    ) {
        let app = spawn_app(&backend).await;
        let ed = staff(&app, "ed@example.com", Role::Editor).await;
        let mut form = Form::new(&app, "Timed for later");
        // The demo site runs on Europe/London time.
        let in_two_days = chrono::Utc::now().with_timezone(&chrono_tz::Europe::London)
            + chrono::Duration::days(2);
        form.publish_at = in_two_days.format("%Y-%m-%dT%H:%M").to_string();
        let id = create(&form, &ed, "schedule").await;
        let (status, slug, _, _) = article(&app, id);
        assert_eq!(status, "scheduled", "{backend:?}");
        let stored: chrono::NaiveDateTime = app
            .with_conn(|c| {
                articles::table
                    .find(id)
                    .select(articles::published_at.assume_not_null())
                    .first(c)
            })
            .expect("publish time");
        let expected = in_two_days.naive_utc();
        assert!(
            (stored - expected).num_seconds().abs() < 60,
            "{stored} vs {expected}: stored as UTC"
        );
        assert_eq!(
            app.get(&format!("/open-water/{slug}")).await.status,
            404,
            "not out yet"
        );

        form.version = 1;
        let path = format!("/admin/articles/{id}");
        assert_eq!(post(&path, &form, &ed, "publish").await.status, 303);
        assert_eq!(app.get(&format!("/open-water/{slug}")).await.status, 200);
        form.version = 2;
        assert_eq!(post(&path, &form, &ed, "unpublish").await.status, 303);
        assert_eq!(article(&app, id).0, "draft");
        assert_eq!(app.get(&format!("/open-water/{slug}")).await.status, 404);
        form.version = 3;
        assert_eq!(post(&path, &form, &ed, "archive").await.status, 303);
        assert_eq!(article(&app, id).0, "archived");
        assert_eq!(app.get(&format!("/open-water/{slug}")).await.status, 404);
        assert_eq!(
            audit_actions(&app, id),
            vec![
                "article_schedule",
                "article_publish",
                "article_unpublish",
                "article_archive"
            ]
        );
    }
);

backend_test!(
    async fn a_stale_save_is_refused_and_shows_both_versions(backend: Backend) {
        let app = spawn_app(&backend).await;
        let first = staff(&app, "one@example.com", Role::Editor).await;
        let second = staff(&app, "two@example.com", Role::Editor).await;
        let form = Form::new(&app, "The original headline");
        let id = create(&form, &first, "save").await;
        let path = format!("/admin/articles/{id}");
        // Both open version 1.
        let mut mine = form.clone();
        mine.version = 1;
        mine.title = "The first editor's headline".to_owned();
        let mut theirs = form.clone();
        theirs.version = 1;
        theirs.title = "The second editor's headline".to_owned();
        assert_eq!(post(&path, &mine, &first, "save").await.status, 303);
        let page = post(&path, &theirs, &second, "save").await;
        assert_eq!(page.status, 409, "{backend:?}");
        let conflict = page.texts(".conflict").concat();
        assert!(
            conflict.contains("The first editor's headline"),
            "{conflict}"
        );
        assert!(
            conflict.contains("The second editor's headline"),
            "{conflict}"
        );
        assert_eq!(
            page.texts(".diff-removed").concat(),
            "−Title: The first editor's headline"
        );
        // Their text is still in the form; the stored article is untouched.
        assert_eq!(
            page.attrs("input[name=title]", "value"),
            vec!["The second editor's headline"]
        );
        assert_eq!(article(&app, id).2, "The first editor's headline");
        assert_eq!(article(&app, id).3, 2);
        // The form now carries version 2: saving again is a deliberate choice.
        assert_eq!(page.attrs("input[name=version]", "value"), vec!["2"]);
    }
);

backend_test!(
    async fn every_save_is_a_revision_that_can_be_compared_and_restored(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ed = staff(&app, "ed@example.com", Role::Editor).await;
        let mut form = Form::new(&app, "Version one");
        let id = create(&form, &ed, "save").await;
        let path = format!("/admin/articles/{id}");
        form.version = 1;
        form.title = "Version two".to_owned();
        assert_eq!(post(&path, &form, &ed, "save").await.status, 303);
        form.version = 2;
        form.title = "Version three".to_owned();
        form.sections[0].2 = "New words in the water.".to_owned();
        assert_eq!(post(&path, &form, &ed, "save").await.status, 303);

        let history = ed.get(&format!("{path}/history")).await;
        assert_eq!(history.status, 200, "{backend:?}");
        assert_eq!(
            history.attrs("tr[data-version]", "data-version"),
            vec!["3", "2", "1"]
        );

        let diff = ed.get(&format!("{path}/history/diff?from=1&to=3")).await;
        assert_eq!(diff.status, 200);
        let removed = diff.texts(".diff-removed").join("\n");
        let added = diff.texts(".diff-added").join("\n");
        assert!(removed.contains("Title: Version one"), "{removed}");
        assert!(
            removed.contains("The water was **nine degrees**."),
            "{removed}"
        );
        assert!(added.contains("Title: Version three"), "{added}");
        assert!(added.contains("New words in the water."), "{added}");
        assert_eq!(
            ed.get(&format!("{path}/history/diff?from=1&to=x"))
                .await
                .status,
            400
        );
        assert_eq!(
            ed.get(&format!("{path}/history/diff?from=1&to=99"))
                .await
                .status,
            404
        );

        // Restoring version 1 saves it again, as version 4.
        let restore = format!("{path}/history/1/restore");
        let stale = app
            .post_form(
                &restore,
                &[("csrf_token", &ed.csrf), ("current", "2")],
                &ed.cookie,
            )
            .await;
        assert_eq!(stale.status, 409, "a restore from a stale history page");
        let no_token = app
            .post_form(&restore, &[("current", "3")], &ed.cookie)
            .await;
        assert_eq!(no_token.status, 403);
        assert_eq!(article(&app, id).3, 3);
        let page = app
            .post_form(
                &restore,
                &[("csrf_token", &ed.csrf), ("current", "3")],
                &ed.cookie,
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let (_, _, title, version) = article(&app, id);
        assert_eq!((title.as_str(), version), ("Version one", 4));
        let body: String = app
            .with_conn(|c| {
                sections::table
                    .filter(sections::article_id.eq(id))
                    .order(sections::position.asc())
                    .select(sections::body)
                    .first(c)
            })
            .expect("section");
        assert_eq!(body, "The water was **nine degrees**.");
        let history = ed.get(&format!("{path}/history")).await;
        assert_eq!(
            history.attrs("tr[data-version]", "data-version"),
            vec!["4", "3", "2", "1"]
        );
        assert!(audit_actions(&app, id).contains(&"article_restore".to_owned()));
    }
);

backend_test!(
    async fn renaming_a_published_slug_leaves_a_301_and_anchors_stay(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ed = staff(&app, "ed@example.com", Role::Editor).await;
        let mut form = Form::new(&app, "Harbour swim");
        let id = create(&form, &ed, "publish").await;
        let path = format!("/admin/articles/{id}");
        let edit = ed.get(&path).await;
        let anchors = edit.attrs("input[name=section_anchor]", "value");
        assert_eq!(anchors, vec!["into-the-cold", "out-again"]);

        // A new heading keeps the old anchor, so links to it still work.
        form.version = 1;
        form.slug = "harbour-swim-2026".to_owned();
        form.sections = vec![
            (
                anchors[0].clone(),
                "A colder start".to_owned(),
                "Brr.".to_owned(),
            ),
            (
                anchors[1].clone(),
                "Out again".to_owned(),
                "Tea.".to_owned(),
            ),
        ];
        assert_eq!(post(&path, &form, &ed, "save").await.status, 303);
        let old = app.get("/open-water/harbour-swim").await;
        assert_eq!(old.status, 301, "{backend:?}");
        assert_eq!(
            old.header("location").as_deref(),
            Some("/open-water/harbour-swim-2026")
        );
        let page = app.get("/open-water/harbour-swim-2026").await;
        assert_eq!(
            page.attrs(".article-section", "id"),
            vec!["into-the-cold", "out-again"]
        );
        assert_eq!(page.texts(".article-section h2")[0], "A colder start");

        // Renaming again: the first old address follows to the newest.
        form.version = 2;
        form.slug = "harbour-swim-final".to_owned();
        assert_eq!(post(&path, &form, &ed, "save").await.status, 303);
        for old in ["/open-water/harbour-swim", "/open-water/harbour-swim-2026"] {
            let page = app.get(old).await;
            assert_eq!(page.status, 301, "{old}");
            assert_eq!(
                page.header("location").as_deref(),
                Some("/open-water/harbour-swim-final")
            );
        }
        let redirects: i64 = app
            .with_conn(|c| redirects::table.count().get_result(c))
            .expect("redirects");
        assert_eq!(redirects, 2);
    }
);

backend_test!(
    async fn a_slug_an_old_address_still_uses_is_taken_except_by_its_own_article(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ed = staff(&app, "ed@example.com", Role::Editor).await;
        let mut form = Form::new(&app, "Harbour swim");
        let id = create(&form, &ed, "publish").await;
        let path = format!("/admin/articles/{id}");
        form.version = 1;
        form.slug = "harbour-swim-2026".to_owned();
        assert_eq!(post(&path, &form, &ed, "save").await.status, 303);

        // No article has the old slug, but /open-water/harbour-swim still
        // redirects to the renamed article: a new article may not take it.
        let mut copy = Form::new(&app, "Another harbour swim");
        copy.slug = "harbour-swim".to_owned();
        let before = count_articles(&app);
        let page = post("/admin/articles/new", &copy, &ed, "save").await;
        assert_eq!(page.status, 422, "{backend:?}");
        assert!(page
            .texts("#field-slug .field-error")
            .concat()
            .contains("Another article"));
        assert_eq!(count_articles(&app), before, "{backend:?}: nothing saved");
        let old = app.get("/open-water/harbour-swim").await;
        assert_eq!(
            old.header("location").as_deref(),
            Some("/open-water/harbour-swim-2026")
        );

        // The renamed article may take its own old slug back.
        form.version = 2;
        form.slug = "harbour-swim".to_owned();
        assert_eq!(
            post(&path, &form, &ed, "save").await.status,
            303,
            "{backend:?}"
        );
        assert_eq!(app.get("/open-water/harbour-swim").await.status, 200);
    }
);

backend_test!(
    async fn the_article_list_filters_by_status_category_author_and_words(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ed = staff(&app, "ed@example.com", Role::Editor).await;
        let rowing = app.category("Rowing");
        let nell = app.author("Nell Byline", "Writes about rowing.");
        app.article("Zebra crossing 100% safe")
            .slug("zebra-crossing")
            .in_category(app.desk())
            .create();
        app.article("Rowing at dawn")
            .in_category(&rowing)
            .by(nell.id)
            .create();
        app.article("A draft about oars")
            .in_category(&rowing)
            .with_status(ArticleStatus::Draft, None)
            .create();
        let list = ed.get("/admin/articles?q=ZEBRA").await;
        assert_eq!(list.status, 200, "{backend:?}");
        assert_eq!(list.texts("tbody td a"), vec!["Zebra crossing 100% safe"]);
        // LIKE wildcards in the words are taken literally.
        let list = ed.get("/admin/articles?q=100%25").await;
        assert_eq!(list.texts("tbody td a"), vec!["Zebra crossing 100% safe"]);
        let list = ed.get("/admin/articles?q=%25").await;
        assert_eq!(list.texts("tbody td a"), vec!["Zebra crossing 100% safe"]);

        let drafts = ed.get("/admin/articles?status=draft").await;
        let statuses = drafts.texts("tbody .status");
        assert!(
            !statuses.is_empty() && statuses.iter().all(|s| s == "draft"),
            "{statuses:?}"
        );
        let listed = ed
            .get(&format!("/admin/articles?category={}", rowing.id))
            .await;
        assert!(listed
            .texts("tbody tr td:nth-child(3)")
            .iter()
            .all(|c| c == "Rowing"));
        let listed = ed.get(&format!("/admin/articles?author={}", nell.id)).await;
        let authors = listed.texts("tbody tr td:nth-child(4)");
        assert!(
            !authors.is_empty() && authors.iter().all(|a| a == "Nell Byline"),
            "{authors:?}"
        );

        for bad in ["status=gone", "category=x", "page=0"] {
            let page = ed.get(&format!("/admin/articles?{bad}")).await;
            assert_eq!(page.status, 400, "{bad}");
        }
        // Logged out: to the login page.
        let page = app.get("/admin/articles").await;
        assert_eq!(page.status, 303);
    }
);

backend_test!(
    async fn oversized_and_malformed_editor_posts_are_refused(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ed = staff(&app, "ed@example.com", Role::Editor).await;
        let before = count_articles(&app);
        let mut form = Form::new(&app, "Huge");
        form.sections[0].2 = "x".repeat(3 * 1024 * 1024);
        let page = post("/admin/articles/new", &form, &ed, "save").await;
        assert_eq!(page.status, 413, "{backend:?}");
        let page = post(
            "/admin/articles/new",
            &Form::new(&app, "Odd"),
            &ed,
            "drop_tables",
        )
        .await;
        assert_eq!(page.status, 400);
        let mut stale = Form::new(&app, "No version");
        stale.version = 1;
        let id = create(&Form::new(&app, "Versioned"), &ed, "save").await;
        let fields: Vec<(String, String)> = stale
            .fields("save")
            .into_iter()
            .filter(|(k, _)| k != "version")
            .collect();
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let page = ed.post(&format!("/admin/articles/{id}"), &pairs).await;
        assert_eq!(page.status, 400);
        assert_eq!(ed.get("/admin/articles/999999").await.status, 404);
        assert_eq!(ed.get("/admin/articles/abc").await.status, 404);
        assert_eq!(count_articles(&app), before + 1);
    }
);

backend_test!(
    async fn an_article_stored_without_a_revision_keeps_its_first_state_as_one(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ed = staff(&app, "ed@example.com", Role::Editor).await;
        let id = app
            .article("An older story")
            .slug("older-story")
            .in_category(app.desk())
            .create();
        let path = format!("/admin/articles/{id}");
        let history = ed.get(&format!("{path}/history")).await;
        assert_eq!(
            history.attrs("tr[data-version]", "data-version"),
            vec!["1"],
            "{backend:?}: every new article has its first revision"
        );
        // As older versions stored demo and imported articles, and as the
        // synthetic scale data still is: without a revision.
        app.with_conn(|c| {
            diesel::delete(revisions::table.filter(revisions::article_id.eq(id))).execute(c)
        })
        .expect("delete revisions");
        let history = ed.get(&format!("{path}/history")).await;
        assert_eq!(history.status, 200, "{backend:?}");
        assert!(history.attrs("tr[data-version]", "data-version").is_empty());
        assert!(
            history.attrs("select[name=from]", "name").is_empty(),
            "nothing to compare"
        );

        let edit = ed.get(&path).await;
        let mut form = Form::new(&app, "An older story, revised");
        form.version = 1;
        form.slug = "older-story".to_owned();
        form.sections = edit
            .attrs("input[name=section_anchor]", "value")
            .into_iter()
            .zip(edit.attrs("input[name=section_heading]", "value"))
            .zip(edit.texts_raw("textarea[name=section_body]"))
            .map(|((a, h), b)| (a, h, b))
            .collect();
        assert_eq!(post(&path, &form, &ed, "save").await.status, 303);
        let history = ed.get(&format!("{path}/history")).await;
        assert_eq!(
            history.attrs("tr[data-version]", "data-version"),
            vec!["2", "1"]
        );
        let diff = ed.get(&format!("{path}/history/diff?from=1&to=2")).await;
        assert_eq!(diff.texts(".diff-removed")[0], "−Title: An older story");
        assert!(diff
            .texts(".diff-added")
            .contains(&"+Title: An older story, revised".to_owned()));
    }
);

backend_test!(
    async fn control_characters_are_refused_by_their_field_and_nothing_is_saved(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ed = staff(&app, "ed@example.com", Role::Editor).await;
        let before = count_articles(&app);
        for (title, code) in [
            ("A nul\u{0} in the title", "U+0000"),
            ("Bell\u{7} and escape \u{1b}[31m", "U+0007"),
        ] {
            let mut form = Form::new(&app, title);
            form.intro = "Kept intro\twith a tab\nand a second line.".to_owned();
            let page = post("/admin/articles/new", &form, &ed, "publish").await;
            assert_eq!(page.status, 422, "{backend:?}: {title:?}");
            let error = page.texts("#field-title .field-error").concat();
            assert!(error.contains("control character"), "{error}");
            assert!(error.contains(code), "{error}");
            assert!(page.texts("#editor-errors li").concat().contains(code));
            // Everything typed is kept.
            assert_eq!(page.texts_raw("textarea[name=intro]"), vec![form.intro]);
            assert_eq!(
                page.texts_raw("textarea[name=section_body]")[1],
                "Towels, tea and a sauna."
            );
        }
        // Every other field says so by itself.
        let mut form = Form::new(&app, "A clean title");
        form.standfirst = "A standfirst with an escape \u{1b}.".to_owned();
        form.intro = "An intro \u{1b}[0m".to_owned();
        form.hashtags = "#Fine #Bad\u{0}Tag".to_owned();
        form.sections[1].1 = "A heading with a bell \u{7}".to_owned();
        let page = post("/admin/articles/new", &form, &ed, "save").await;
        assert_eq!(page.status, 422, "{backend:?}");
        for field in ["standfirst", "intro", "hashtags", "sections"] {
            let error = page.texts(&format!("#field-{field} .field-error")).concat();
            assert!(error.contains("control character"), "{field}: {error}");
        }
        let mut form = Form::new(&app, "A clean title");
        form.sections[0].2 = "A body with a form feed \u{c} in it.".to_owned();
        let page = post("/admin/articles/new", &form, &ed, "save").await;
        assert_eq!(page.status, 422, "{backend:?}");
        let error = page.texts("#field-sections .field-error").concat();
        assert!(error.contains("text of section 1"), "{error}");
        assert_eq!(count_articles(&app), before, "{backend:?}: nothing saved");

        // A stored article is not changed by a refused save.
        let mut form = Form::new(&app, "Saved cleanly");
        let id = create(&form, &ed, "publish").await;
        form.version = 1;
        form.title = "Now with an escape \u{1b}".to_owned();
        let page = post(&format!("/admin/articles/{id}"), &form, &ed, "save").await;
        assert_eq!(page.status, 422, "{backend:?}");
        assert_eq!(
            article(&app, id),
            (
                "published".into(),
                "saved-cleanly".into(),
                "Saved cleanly".into(),
                1
            )
        );
    }
);

backend_test!(
    async fn thousands_of_sections_or_hashtags_are_refused_and_hold_up_no_reader(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ed = staff(&app, "ed@example.com", Role::Editor).await;
        let before = count_articles(&app);
        let mut form = Form::new(&app, "Repeated headings");
        form.sections = vec![
            (
                String::new(),
                "The same heading".to_owned(),
                "The same words.".to_owned()
            );
            5_000
        ];
        // As many at once as the pool has connections, while a reader
        // reads: every post is refused, and the reader is served.
        let posts = (0..8).map(|_| post("/admin/articles/new", &form, &ed, "save"));
        let (pages, reader) = tokio::join!(
            futures_util::future::join_all(posts),
            app.get("/open-water")
        );
        assert_eq!(reader.status, 200, "{backend:?}");
        for page in pages {
            assert_eq!(page.status, 422, "{backend:?}");
            assert!(page.body.contains("5000 sections"), "{}", page.body);
            assert!(page.body.contains("at most 60"), "{}", page.body);
        }

        // Just over the limit, the form comes back with every section kept.
        form.sections = (1..=61)
            .map(|i| (String::new(), format!("Part {i}"), "Words.".to_owned()))
            .collect();
        let page = post("/admin/articles/new", &form, &ed, "save").await;
        assert_eq!(page.status, 422, "{backend:?}");
        let error = page.texts("#field-sections .field-error").concat();
        assert!(error.contains("at most 60"), "{error}");
        assert_eq!(page.attrs("input[name=section_heading]", "value").len(), 61);

        let mut form = Form::new(&app, "Tagged to death");
        form.hashtags = (0..10_000)
            .map(|i| format!("#tag{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        let page = post("/admin/articles/new", &form, &ed, "save").await;
        assert_eq!(page.status, 422, "{backend:?}");
        let error = page.texts("#field-hashtags .field-error").concat();
        assert!(error.contains("at most 20"), "{error}");
        assert_eq!(count_articles(&app), before, "{backend:?}: nothing saved");

        // One hashtag 10,000 times over is one hashtag.
        form.hashtags = "#Harbour #harbour ".repeat(5_000);
        let id = create(&form, &ed, "save").await;
        let page = ed.get(&format!("/admin/articles/{id}")).await;
        assert_eq!(
            page.attrs("input[name=hashtags]", "value"),
            vec!["#Harbour"]
        );
    }
);

backend_test!(
    async fn versions_too_large_to_compare_say_so_instead_of_a_diff(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ed = staff(&app, "ed@example.com", Role::Editor).await;
        let lines = |word: &str| {
            (0..12_000)
                .map(|i| format!("{word} {i}"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let mut form = Form::new(&app, "A very long list");
        form.intro = lines("First");
        let id = create(&form, &ed, "save").await;
        let path = format!("/admin/articles/{id}");
        form.version = 1;
        form.intro = lines("Second");
        assert_eq!(post(&path, &form, &ed, "save").await.status, 303);

        let diff = ed.get(&format!("{path}/history/diff?from=1&to=2")).await;
        assert_eq!(diff.status, 200, "{backend:?}");
        assert!(
            diff.body.contains("too large to compare line by line"),
            "{backend:?}"
        );
        assert!(diff.texts(".diff-added, .diff-removed").is_empty());

        // A stale save of it: refused as ever, with the same note.
        form.intro = lines("Third");
        let page = post(&path, &form, &ed, "save").await;
        assert_eq!(page.status, 409, "{backend:?}");
        let conflict = page.texts(".conflict").concat();
        assert!(
            conflict.contains("too large to compare line by line"),
            "{conflict}"
        );
        assert!(page.texts(".diff-added, .diff-removed").is_empty());
        assert_eq!(article(&app, id).3, 2);
    }
);
