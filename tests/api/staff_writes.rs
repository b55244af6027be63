//! Staff writes under load and under failure: parallel edits, uploads and
//! imports all land (SQLite's one writer at a time waits rather than
//! failing), and a write that fails leaves nothing behind: no change is
//! stored without its audit entry.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use futures_util::future::join_all;
use iconocast::db::schema::{
    articles, audit_log, categories, media, revisions, site_settings, tags, users,
};
use iconocast::domain::Role;

use crate::editor::{self, article, Form};
use crate::helpers::{backend_test, spawn_app, Backend, Page, Staff, TestApp};
use crate::media::{files_on_disk, upload, PNG_1X1};

const PASSWORD: &str = crate::helpers::STAFF_PASSWORD;

/// Requests sent at once, and how many times. Before writing transactions
/// began as writers, about one SQLite request in seven failed with
/// "database is locked"; 200 requests make a pass by luck unlikely.
const PARALLEL: usize = 20;
const ROUNDS: usize = 10;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/seed-article.txt"
);

async fn admin(app: &TestApp) -> Staff<'_> {
    app.staff("ad@example.org", "Ada Admin", Role::Admin).await
}

/// A PNG whose bytes (and so whose stored name) differ for each `n`: a
/// text chunk before the end chunk changes the file, not the image.
fn distinct_png(n: usize) -> Vec<u8> {
    let text = format!("tEXtComment\0upload {n}");
    let mut crc = flate2::Crc::new();
    crc.update(text.as_bytes());
    let end = PNG_1X1.len() - 12; // the IEND chunk
    let mut bytes = PNG_1X1[..end].to_vec();
    bytes.extend_from_slice(&((text.len() - 4) as u32).to_be_bytes());
    bytes.extend_from_slice(text.as_bytes());
    bytes.extend_from_slice(&crc.sum().to_be_bytes());
    bytes.extend_from_slice(&PNG_1X1[end..]);
    bytes
}

fn media_names(app: &TestApp) -> Vec<String> {
    let mut names: Vec<String> = app
        .with_conn(|c| media::table.select(media::file_name).load(c))
        .expect("media rows");
    names.sort();
    names
}

fn count_audit(app: &TestApp, action: &str) -> i64 {
    app.with_conn(|c| {
        audit_log::table
            .filter(audit_log::action.eq(action))
            .count()
            .get_result(c)
    })
    .expect("count audit entries")
}

fn count_articles(app: &TestApp) -> i64 {
    app.with_conn(|c| articles::table.count().get_result(c))
        .expect("count articles")
}

/// The answers that were not the redirect of a done change: status and
/// page title.
fn failures(pages: &[Page]) -> Vec<String> {
    pages
        .iter()
        .filter(|p| p.status != 303)
        .map(|p| format!("{} {:?}", p.status, p.texts("title")))
        .collect()
}

/// Fails the test, naming them, if any of the `PARALLEL * ROUNDS`
/// requests was not done.
fn assert_none_failed(failed: &[String], backend: &Backend) {
    assert!(
        failed.is_empty(),
        "{backend:?}: {} of {} requests failed: {failed:?}",
        failed.len(),
        PARALLEL * ROUNDS
    );
}

backend_test!(
    async fn parallel_category_edits_all_succeed(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ada = admin(&app).await;
        let rowing = app.category("Rowing");
        let (id, slug, name, description) = (rowing.id, "rowing", "Rowing", "Made by a test.");
        let before = count_audit(&app, "category_update");
        let mut failed = Vec::new();
        let mut last = Vec::new();
        for round in 0..ROUNDS {
            let taglines: Vec<String> = (0..PARALLEL)
                .map(|i| format!("Edit {i} of round {round}."))
                .collect();
            let pages = join_all(taglines.iter().map(|tagline| {
                let fields = [
                    ("slug", slug),
                    ("name", name),
                    ("tagline", tagline.as_str()),
                    ("description", description),
                    ("position", "0"),
                ];
                let path = format!("/admin/categories/{id}");
                let ada = &ada;
                async move { ada.post(&path, &fields).await }
            }))
            .await;
            failed.extend(failures(&pages));
            last = taglines;
        }
        assert_none_failed(&failed, &backend);
        let stored: String = app
            .with_conn(|c| {
                categories::table
                    .find(id)
                    .select(categories::tagline)
                    .first(c)
            })
            .expect("tagline");
        assert!(last.contains(&stored), "{backend:?}: {stored}");
        // Each edit changed the tagline from the one before: one entry each.
        assert_eq!(
            count_audit(&app, "category_update") - before,
            (PARALLEL * ROUNDS) as i64,
            "{backend:?}"
        );
    }
);

backend_test!(
    async fn parallel_uploads_all_succeed_and_each_has_its_row(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ada = admin(&app).await;
        let mut failed = Vec::new();
        for round in 0..ROUNDS {
            let images: Vec<Vec<u8>> = (0..PARALLEL)
                .map(|i| distinct_png(round * PARALLEL + i))
                .collect();
            let pages = join_all(
                images
                    .iter()
                    .map(|data| upload(&ada, "a.png", "image/png", data)),
            )
            .await;
            failed.extend(failures(&pages));
        }
        assert_none_failed(&failed, &backend);
        let rows = media_names(&app);
        assert_eq!(rows.len(), PARALLEL * ROUNDS, "{backend:?}");
        assert_eq!(files_on_disk(&app), rows, "{backend:?}: a file per row");
        assert_eq!(
            count_audit(&app, "media_upload"),
            (PARALLEL * ROUNDS) as i64,
            "{backend:?}"
        );
    }
);

backend_test!(
    async fn parallel_imports_all_succeed(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ada = admin(&app).await;
        let text = std::fs::read_to_string(FIXTURE).expect("fixture");
        let rowing = app.category("Rowing");
        let before = count_articles(&app);
        let mut failed = Vec::new();
        for _ in 0..ROUNDS {
            // The same text each time: every import must find a slug of
            // its own even while the others choose theirs.
            let pages = join_all((0..PARALLEL).map(|_| {
                let fields = [("category", rowing.slug.as_str()), ("text", text.as_str())];
                let ada = &ada;
                async move { ada.post("/admin/import", &fields).await }
            }))
            .await;
            failed.extend(failures(&pages));
        }
        assert_none_failed(&failed, &backend);
        assert_eq!(
            count_articles(&app) - before,
            (PARALLEL * ROUNDS) as i64,
            "{backend:?}"
        );
        assert_eq!(
            count_audit(&app, "import"),
            (PARALLEL * ROUNDS) as i64,
            "{backend:?}"
        );
    }
);

/// Makes every insert into the audit log fail from now on, as a full disk
/// or a lost connection between two statements would.
fn refuse_audit_entries(app: &TestApp) {
    let sql = if app.db.url.is_sqlite() {
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log \
         BEGIN SELECT RAISE(ABORT, 'the audit log refuses entries'); END;"
    } else {
        "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN RAISE EXCEPTION 'the audit log refuses entries'; END $$; \
         CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log \
         FOR EACH ROW EXECUTE FUNCTION refuse_audit();"
    };
    app.with_conn(|c| c.batch_execute(sql))
        .expect("install the trigger");
}

backend_test!(
    async fn an_upload_that_cannot_be_recorded_leaves_no_file_behind(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ada = admin(&app).await;
        let page = upload(&ada, "a.png", "image/png", &distinct_png(1)).await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        let stored = files_on_disk(&app);
        assert_eq!(stored.len(), 1, "{backend:?}");

        refuse_audit_entries(&app);
        let page = upload(&ada, "a.png", "image/png", &distinct_png(2)).await;
        assert_eq!(page.status, 500, "{backend:?}: {}", page.body);
        assert_eq!(media_names(&app), stored, "{backend:?}: no row");
        assert_eq!(
            files_on_disk(&app),
            stored,
            "{backend:?}: the file of the upload without a row stayed"
        );
        // The bytes of the image already stored: nothing to record, and
        // its file stays.
        let page = upload(&ada, "a.png", "image/png", &distinct_png(1)).await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        assert_eq!(files_on_disk(&app), stored, "{backend:?}");
    }
);

fn count_revisions(app: &TestApp, id: i32) -> i64 {
    app.with_conn(|c| {
        revisions::table
            .filter(revisions::article_id.eq(id))
            .count()
            .get_result(c)
    })
    .expect("count revisions")
}

backend_test!(
    async fn an_article_is_never_saved_without_its_audit_entry(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ed = editor::staff(&app, "ed@example.org", Role::Admin).await;
        let mut form = Form::new(&app, "Version one");
        let id = editor::create(&form, &ed, "save").await;
        let path = format!("/admin/articles/{id}");
        form.version = 1;
        form.title = "Version two".to_owned();
        assert_eq!(editor::post(&path, &form, &ed, "save").await.status, 303);
        let (_, slug, _, _) = article(&app, id);
        let articles_before = count_articles(&app);

        refuse_audit_entries(&app);

        // A save: refused whole, the stored article is version two still.
        form.version = 2;
        form.title = "Version three".to_owned();
        let page = editor::post(&path, &form, &ed, "save").await;
        assert_eq!(page.status, 500, "{backend:?}: {}", page.body);
        let (status, _, title, version) = article(&app, id);
        assert_eq!(
            (status.as_str(), title.as_str(), version),
            ("draft", "Version two", 2),
            "{backend:?}: the save was stored without its audit entry"
        );
        assert_eq!(count_revisions(&app, id), 2, "{backend:?}");

        // Publishing: the article stays a draft, off the site.
        let page = editor::post(&path, &form, &ed, "publish").await;
        assert_eq!(page.status, 500, "{backend:?}");
        assert_eq!(article(&app, id).0, "draft", "{backend:?}");
        assert_eq!(
            app.get(&format!("/{}/{slug}", app.desk().slug))
                .await
                .status,
            404
        );

        // A restore of version one: nothing restored.
        let page = ed
            .post(&format!("{path}/history/1/restore"), &[("current", "2")])
            .await;
        assert_eq!(page.status, 500, "{backend:?}: {}", page.body);
        assert_eq!(article(&app, id).2, "Version two", "{backend:?}");
        assert_eq!(article(&app, id).3, 2, "{backend:?}");
        assert_eq!(count_revisions(&app, id), 2, "{backend:?}");

        // A new article: not created.
        let page = editor::post(
            "/admin/articles/new",
            &Form::new(&app, "Never stored"),
            &ed,
            "save",
        )
        .await;
        assert_eq!(page.status, 500, "{backend:?}");
        assert_eq!(count_articles(&app), articles_before, "{backend:?}");
    }
);

backend_test!(
    async fn no_staff_change_is_stored_without_its_audit_entry(backend: Backend) {
        let app = spawn_app(&backend).await;
        let contributor = app.add_staff("co@example.org", "Cora", Role::Contributor, PASSWORD);
        let ada = admin(&app).await;
        let text = std::fs::read_to_string(FIXTURE).expect("fixture");
        let (rowing, _) = app.rowing_story();
        let (category_id, slug, name) = (rowing.id, "rowing", "Rowing");
        let tagline = "A category made by a test.";
        let tag_name = "Oarlock";
        let tag_id: i32 = app
            .with_conn(|c| {
                tags::table
                    .filter(tags::slug.eq("oarlock"))
                    .select(tags::id)
                    .first(c)
            })
            .expect("a hashtag");
        let site_name = |app: &TestApp| -> Vec<String> {
            app.with_conn(|c| site_settings::table.select(site_settings::name).load(c))
                .expect("settings")
        };
        let user_name = |app: &TestApp| -> String {
            app.with_conn(|c| users::table.find(contributor).select(users::name).first(c))
                .expect("user")
        };
        let (articles_before, names_before) = (count_articles(&app), site_name(&app));

        refuse_audit_entries(&app);

        let page = ada
            .post(
                "/admin/import",
                &[("category", slug), ("text", text.as_str())],
            )
            .await;
        assert_eq!(page.status, 500, "{backend:?}: import");
        assert_eq!(count_articles(&app), articles_before, "{backend:?}");

        let page = ada
            .post(
                &format!("/admin/categories/{category_id}"),
                &[
                    ("slug", slug),
                    ("name", name),
                    ("tagline", "A tagline never stored."),
                ],
            )
            .await;
        assert_eq!(page.status, 500, "{backend:?}: category");
        let stored: String = app
            .with_conn(|c| {
                categories::table
                    .find(category_id)
                    .select(categories::tagline)
                    .first(c)
            })
            .expect("tagline");
        assert_eq!(stored, tagline, "{backend:?}");

        let page = ada
            .post(
                "/admin/settings",
                &[
                    ("name", "A Name Never Stored"),
                    ("tagline", "Tagline"),
                    ("time_zone", "UTC"),
                ],
            )
            .await;
        assert_eq!(page.status, 500, "{backend:?}: settings");
        assert_eq!(site_name(&app), names_before, "{backend:?}");

        let page = ada
            .post(
                &format!("/admin/tags/{tag_id}"),
                &[("name", "NeverRenamed")],
            )
            .await;
        assert_eq!(page.status, 500, "{backend:?}: hashtag");
        let stored: String = app
            .with_conn(|c| tags::table.find(tag_id).select(tags::name).first(c))
            .expect("tag");
        assert_eq!(stored, tag_name, "{backend:?}");

        let page = ada
            .post(
                &format!("/admin/users/{contributor}"),
                &[
                    ("name", "Never Renamed"),
                    ("role", "contributor"),
                    ("active", "on"),
                ],
            )
            .await;
        assert_eq!(page.status, 500, "{backend:?}: user");
        assert_eq!(user_name(&app), "Cora", "{backend:?}");
    }
);

backend_test!(
    async fn parallel_articles_with_the_same_new_hashtag_all_save(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ed = editor::staff(&app, "ed@example.org", Role::Editor).await;
        for round in 0..3 {
            let saves = (0..PARALLEL).map(|n| {
                let mut form = Form::new(&app, &format!("Harbour swim {round}-{n}"));
                form.hashtags = format!("#BrandNewTag{round} #Harbour");
                let ed = &ed;
                async move { editor::post("/admin/articles/new", &form, ed, "save").await }
            });
            for page in join_all(saves).await {
                assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
            }
        }
        let made: i64 = app.with_conn(|c| {
            tags::table
                .filter(tags::slug.like("brandnewtag%"))
                .count()
                .get_result(c)
                .expect("count the hashtags")
        });
        assert_eq!(
            made, 3,
            "one hashtag per name, however many saved it at once"
        );
    }
);

backend_test!(
    /// Editors creating articles with the same typed slug at the same
    /// moment: one is saved with it, every other gets the form back (or a
    /// conflict page) saying the slug is taken, and none an error page.
    async fn parallel_new_articles_with_the_same_slug_save_one_and_refuse_the_rest(
        backend: Backend,
    ) {
        let app = spawn_app(&backend).await;
        let ed = editor::staff(&app, "ed@example.org", Role::Editor).await;
        for round in 0..3 {
            let slug = format!("harbour-race-{round}");
            let saves = (0..PARALLEL).map(|n| {
                let mut form = Form::new(&app, &format!("Harbour race {round}-{n}"));
                form.slug = slug.clone();
                let ed = &ed;
                async move { editor::post("/admin/articles/new", &form, ed, "save").await }
            });
            let pages = join_all(saves).await;
            let saved = pages.iter().filter(|p| p.status == 303).count();
            assert_eq!(saved, 1, "{backend:?}: round {round}");
            for page in pages.iter().filter(|p| p.status != 303) {
                assert!(
                    matches!(page.status, 409 | 422),
                    "{backend:?}: {} {}",
                    page.status,
                    page.body
                );
                assert!(page.body.contains("slug"), "{backend:?}: {}", page.body);
            }
            let with_slug: i64 = app.with_conn(|c| {
                articles::table
                    .filter(articles::slug.eq(&slug))
                    .count()
                    .get_result(c)
                    .expect("count")
            });
            assert_eq!(with_slug, 1, "{backend:?}");
        }
    }
);
