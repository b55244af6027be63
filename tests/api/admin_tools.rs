//! The staff tools: the audit log page (admins only) and the plain-text
//! import at `/admin/import`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use iconocast::db::schema::{article_tags, articles, audit_log, categories, revisions, sections};
use iconocast::domain::Role;

use crate::helpers::{backend_test, spawn_app, Backend, Page, Staff, TestApp};

const PASSWORD: &str = crate::helpers::STAFF_PASSWORD;
const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/seed-article.txt"
);

/// The import form as `who` sees it.
async fn import_form(who: &Staff<'_>) -> Page {
    let page = who.get("/admin/import").await;
    assert_eq!(page.status, 200, "{}", page.body);
    page
}

fn article_count(app: &TestApp) -> i64 {
    app.with_conn(|c| articles::table.count().get_result::<i64>(c))
        .expect("count articles")
}

backend_test!(
    async fn audit_log_is_for_admins_filterable_and_paged(backend: Backend) {
        let app = spawn_app(&backend).await;
        let editor = app.staff("ed@example.org", "Ed Editor", Role::Editor).await;
        let admin_id = app.add_staff("ad@example.org", "Ada Admin", Role::Admin, PASSWORD);

        let page = editor.get("/admin/audit").await;
        assert_eq!(page.status, 403, "{backend:?}");
        let dash = editor.get("/admin").await;
        assert!(!dash.body.contains("/admin/audit"), "{backend:?}");

        // A failed sign-in too, so the filter has something to drop.
        app.post_form("/admin/login", &[("email", "x@example.org")], "")
            .await;
        let admin = app.signed_in(admin_id, "ad@example.org", PASSWORD).await;
        let dash = admin.get("/admin").await;
        assert!(
            dash.attrs("header a", "href")
                .contains(&"/admin/audit".to_owned()),
            "{backend:?}: the header links the audit log"
        );

        let page = admin.get("/admin/audit").await;
        assert_eq!(page.status, 200, "{backend:?}: {}", page.body);
        assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));
        let rows = page.texts("table.audit-table tbody tr");
        assert!(
            rows.iter()
                .any(|r| r.contains("Ada Admin") && r.contains("login")),
            "{backend:?}: {rows:?}"
        );
        // Newest first: the admin's sign-in is the newest entry.
        assert!(rows[0].contains("Ada Admin"), "{backend:?}: {rows:?}");

        let login_rows: i64 = app
            .with_conn(|c| {
                audit_log::table
                    .filter(audit_log::action.eq("login"))
                    .count()
                    .get_result(c)
            })
            .expect("count");
        let page = admin.get("/admin/audit?action=login").await;
        assert_eq!(page.status, 200, "{backend:?}");
        let actions = page.texts("table.audit-table td.audit-action");
        assert_eq!(actions.len() as i64, login_rows, "{backend:?}");
        assert!(actions.iter().all(|a| a == "login"), "{actions:?}");
        assert!(
            !page.texts("option[selected]").is_empty()
                && page.attrs("option[selected]", "value")[0] == "login",
            "{backend:?}: the select keeps the filter"
        );

        let page = admin.get(&format!("/admin/audit?user={admin_id}")).await;
        let rows = page.texts("table.audit-table tbody tr");
        assert!(!rows.is_empty(), "{backend:?}");
        assert!(rows.iter().all(|r| r.contains("Ada Admin")), "{rows:?}");

        for bad in ["abc", "0", "-1"] {
            let page = admin.get(&format!("/admin/audit?page={bad}")).await;
            assert_eq!(page.status, 400, "{backend:?}: page={bad}");
        }
        let page = admin.get("/admin/audit?action=nonsense").await;
        assert_eq!(page.status, 400, "{backend:?}");
        let page = admin.get("/admin/audit?page=9").await;
        assert_eq!(page.status, 404, "{backend:?}");

        let anonymous = app.get("/admin/audit").await;
        assert_eq!(anonymous.status, 303, "{backend:?}");
    }
);

backend_test!(
    async fn pasted_text_becomes_a_draft_by_the_signed_in_user(backend: Backend) {
        let app = spawn_app(&backend).await;
        app.category("Rowing");
        let ann = app
            .staff("au@example.org", "Ann Author", Role::Author)
            .await;
        let user_id = ann.id;
        let form = import_form(&ann).await;
        assert_eq!(
            form.texts("label[for=import-text]"),
            vec!["Article text".to_owned()]
        );
        let text = std::fs::read_to_string(FIXTURE).expect("fixture");
        let before = article_count(&app);

        let page = ann
            .post("/admin/import", &[("category", "rowing"), ("text", &text)])
            .await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        assert_eq!(page.header("location").as_deref(), Some("/admin"));
        assert_eq!(article_count(&app), before + 1, "{backend:?}");

        let (id, slug, title, status, author, category) = app
            .with_conn(|c| {
                articles::table
                    .inner_join(categories::table)
                    .filter(articles::author_id.eq(user_id))
                    .select((
                        articles::id,
                        articles::slug,
                        articles::title,
                        articles::status,
                        articles::author_id,
                        categories::slug,
                    ))
                    .first::<(i32, String, String, String, i32, String)>(c)
            })
            .expect("the imported article");
        assert_eq!(status, "draft", "{backend:?}");
        assert_eq!(author, user_id);
        assert_eq!(category, "rowing");
        let section_count: i64 = app
            .with_conn(|c| {
                sections::table
                    .filter(sections::article_id.eq(id))
                    .count()
                    .get_result(c)
            })
            .expect("count");
        let tag_count: i64 = app
            .with_conn(|c| {
                article_tags::table
                    .filter(article_tags::article_id.eq(id))
                    .count()
                    .get_result(c)
            })
            .expect("count");
        assert_eq!((section_count, tag_count), (7, 5), "{backend:?}");
        let audited: i64 = app
            .with_conn(|c| {
                audit_log::table
                    .filter(audit_log::action.eq("import"))
                    .filter(audit_log::user_id.eq(user_id))
                    .filter(audit_log::target_id.eq(id))
                    .count()
                    .get_result(c)
            })
            .expect("count");
        assert_eq!(audited, 1, "{backend:?}");

        let dash = ann.get("/admin").await;
        assert!(
            dash.attrs("tr[data-article-id]", "data-article-id")
                .contains(&id.to_string()),
            "{backend:?}: the draft is on the dashboard"
        );
        assert!(dash.body.contains(&title), "{backend:?}");
        let public = app.get(&format!("/rowing/{slug}")).await;
        assert_eq!(public.status, 404, "{backend:?}: a draft is not public");
        let search = app.get("/search?q=EmotionalConnection").await;
        assert!(!search.body.contains(&slug), "{backend:?}");

        // The same text again gets a slug of its own.
        let page = ann
            .post("/admin/import", &[("category", "rowing"), ("text", &text)])
            .await;
        assert_eq!(page.status, 303, "{backend:?}");
        let slugs: Vec<String> = app
            .with_conn(|c| {
                articles::table
                    .filter(articles::author_id.eq(user_id))
                    .select(articles::slug)
                    .load(c)
            })
            .expect("slugs");
        assert_eq!(slugs.len(), 2);
        assert_ne!(slugs[0], slugs[1], "{backend:?}");
    }
);

backend_test!(
    async fn a_bad_paste_keeps_the_text_and_names_the_line(backend: Backend) {
        let app = spawn_app(&backend).await;
        app.category("Rowing");
        let editor = app.staff("ed@example.org", "Ed Editor", Role::Editor).await;
        import_form(&editor).await;
        let before = article_count(&app);
        let typed = "Only a title <here> & nothing else";

        let page = editor
            .post("/admin/import", &[("category", "rowing"), ("text", typed)])
            .await;
        assert_eq!(page.status, 422, "{backend:?}: {}", page.body);
        let error = page.texts("#import-error").join(" ");
        assert!(error.contains("pasted text:"), "{backend:?}: {error}");
        assert!(error.contains("no section"), "{backend:?}: {error}");
        assert_eq!(
            page.texts_raw("textarea[name=text]"),
            vec![typed.to_owned()]
        );
        assert_eq!(
            page.attrs("select[name=category] option[selected]", "value"),
            vec!["rowing".to_owned()]
        );
        assert_eq!(article_count(&app), before, "{backend:?}");

        // Without the CSRF token, or with a wrong one: 403, nothing made.
        let text = std::fs::read_to_string(FIXTURE).expect("fixture");
        for fields in [
            vec![("category", "rowing"), ("text", text.as_str())],
            vec![
                ("csrf_token", "wrong"),
                ("category", "rowing"),
                ("text", text.as_str()),
            ],
        ] {
            let page = app
                .post_form("/admin/import", &fields, &editor.cookie)
                .await;
            assert_eq!(page.status, 403, "{backend:?}");
        }
        assert_eq!(article_count(&app), before, "{backend:?}");

        // Over 512 KB: 413 with a page saying so.
        let big = "a".repeat(600 * 1024);
        let page = editor
            .post("/admin/import", &[("category", "rowing"), ("text", &big)])
            .await;
        assert_eq!(page.status, 413, "{backend:?}");
        assert!(page.body.contains("512 KB"), "{backend:?}");
        assert_eq!(article_count(&app), before, "{backend:?}");
    }
);

backend_test!(
    async fn a_paste_past_the_editors_limits_is_refused_and_nothing_is_stored(backend: Backend) {
        let app = spawn_app(&backend).await;
        app.category("Rowing");
        let editor = app.staff("ed@example.org", "Ed Editor", Role::Editor).await;
        import_form(&editor).await;
        let before = article_count(&app);
        let tag_count = || {
            app.with_conn(|c| article_tags::table.count().get_result::<i64>(c))
                .expect("count")
        };
        let tags_before = tag_count();

        // 30 lines of 200 different hashtags: refused at the first of them.
        let mut many = String::from("A headline\nA section\nSome words.\n");
        for line in 0..30 {
            let tags: Vec<String> = (0..200).map(|i| format!("#t{line}x{i}")).collect();
            many.push_str(&tags.join(" "));
            many.push('\n');
        }
        // 61 sections: refused at the 61st heading, line 122.
        let mut sections = String::from("A headline\n");
        for i in 1..=61 {
            sections.push_str(&format!("Part {i}\nSome words.\n"));
        }
        let escape = "A headline\nA section\nAn escape \u{1b}[31m in the text.\n";
        for (text, expected) in [
            (
                many.as_str(),
                "pasted text:4: a hashtag more than an article may have: at most 20",
            ),
            (
                sections.as_str(),
                "pasted text:122: a section more than an article may have: at most 60",
            ),
            (
                escape,
                "pasted text:3: the line contains the control character U+001B",
            ),
        ] {
            let page = editor
                .post("/admin/import", &[("category", "rowing"), ("text", text)])
                .await;
            assert_eq!(page.status, 422, "{backend:?}: {expected}");
            let error = page.texts("#import-error").join(" ");
            assert!(error.contains(expected), "{backend:?}: {error}");
            assert_eq!(page.texts_raw("textarea[name=text]"), vec![text.to_owned()]);
        }
        assert_eq!(article_count(&app), before, "{backend:?}");
        assert_eq!(tag_count(), tags_before, "{backend:?}");
    }
);

backend_test!(
    async fn an_imported_draft_has_its_first_revision_and_can_be_restored(backend: Backend) {
        let app = spawn_app(&backend).await;
        app.category("Rowing");
        let ann = app
            .staff("au@example.org", "Ann Author", Role::Author)
            .await;
        let user_id = ann.id;
        let text = std::fs::read_to_string(FIXTURE).expect("fixture");
        let page = ann
            .post("/admin/import", &[("category", "rowing"), ("text", &text)])
            .await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        let (id, created_at) = app
            .with_conn(|c| {
                articles::table
                    .filter(articles::author_id.eq(user_id))
                    .select((articles::id, articles::created_at))
                    .first::<(i32, NaiveDateTime)>(c)
            })
            .expect("the imported article");

        let path = format!("/admin/articles/{id}");
        let history = ann.get(&format!("{path}/history")).await;
        assert_eq!(history.status, 200, "{backend:?}: {}", history.body);
        assert_eq!(
            history.attrs("tr[data-version]", "data-version"),
            vec!["1"],
            "{backend:?}: the import is the first version"
        );
        // The article, its first revision and the import's audit entry are
        // one write: all three carry the same time.
        let revised: Vec<(Option<i32>, NaiveDateTime)> = app
            .with_conn(|c| {
                revisions::table
                    .filter(revisions::article_id.eq(id))
                    .select((revisions::user_id, revisions::created_at))
                    .load(c)
            })
            .expect("revisions");
        assert_eq!(revised, vec![(Some(user_id), created_at)], "{backend:?}");
        let audited: Vec<NaiveDateTime> = app
            .with_conn(|c| {
                audit_log::table
                    .filter(audit_log::action.eq("import"))
                    .filter(audit_log::target_type.eq("article"))
                    .filter(audit_log::target_id.eq(id))
                    .select(audit_log::created_at)
                    .load(c)
            })
            .expect("audit");
        assert_eq!(audited, vec![created_at], "{backend:?}");

        let restored = ann
            .post(&format!("{path}/history/1/restore"), &[("current", "1")])
            .await;
        assert_eq!(restored.status, 303, "{backend:?}: {}", restored.body);
        let history = ann.get(&format!("{path}/history")).await;
        assert_eq!(
            history.attrs("tr[data-version]", "data-version"),
            vec!["2", "1"],
            "{backend:?}"
        );
    }
);
