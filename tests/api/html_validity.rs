//! Every page type passes the W3C Nu HTML Checker with no errors. Needs
//! Java and the checker's jar (npm package `vnu-jar`) named by `VNU_JAR`;
//! `.ci/run` installs both and runs this test.

use std::process::Command;

use iconocast::domain::{ArticleStatus, Role};

use crate::helpers::{backend_test, spawn_app_with, Backend};

backend_test!(
    #[ignore = "needs the Nu HTML Checker: VNU_JAR=/path/to/vnu.jar cargo test -- --ignored"]
    async fn one_page_of_each_type_is_valid_html(backend: Backend) {
        let jar = std::env::var("VNU_JAR").expect("VNU_JAR names the Nu HTML Checker's vnu.jar");
        assert!(
            std::path::Path::new(&jar).is_file(),
            "VNU_JAR={jar} is not a file"
        );
        // With the demo's pictures: every page shows them.
        let app = spawn_app_with(&backend, |s| s.demo_pictures = true).await;
        let dir = std::env::temp_dir().join(crate::helpers::unique_name("vnu"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let pages = [
            ("home", "/"),
            ("category", "/sport"),
            ("category-page-2", "/sport?page=1"),
            ("article", "/sport/the-quiet-science-of-the-warm-up"),
            ("blog", "/blog"),
            ("blog-post", "/blog/how-we-verify-a-story"),
            ("tag", "/tag/explainer"),
            ("author", "/author/amara-okafor"),
            ("about", "/about"),
            ("corrections", "/corrections"),
            ("corrections-policy", "/corrections-policy"),
            ("publishing-principles", "/publishing-principles"),
            ("masthead", "/masthead"),
            (
                "article-with-a-correction",
                "/health-technology-science/password-managers-explained",
            ),
            (
                "article-with-an-update",
                "/travel/night-trains-plan-a-sleeper-journey",
            ),
            (
                "article-from-a-wire",
                "/sport/how-video-review-works-in-sport",
            ),
            ("live-page-ended", "/sport/city-half-marathon-live"),
            ("search", "/search?q=sleep"),
            ("search-empty", "/search"),
            ("not-found", "/no-such-page"),
            ("bad-request", "/sport?page=abc"),
        ];
        let mut files = Vec::new();
        for (name, path) in pages {
            let page = app.get(path).await;
            assert!(page.status < 500, "{path}");
            let file = dir.join(format!("{name}.html"));
            std::fs::write(&file, &page.body).expect("write page");
            files.push(file);
        }
        // The staff area, signed in as an admin (who sees every page).
        let password = "correct horse battery staple";
        let admin = app.add_staff("admin@example.com", "Ada Admin", Role::Admin, password);
        let login = app.get("/admin/login").await;
        std::fs::write(dir.join("admin-login.html"), &login.body).expect("write page");
        files.push(dir.join("admin-login.html"));
        let cookie = app.sign_in("admin@example.com", password).await;
        let csrf = app.csrf_token(&cookie).await;
        let article = app.with_conn(|c| {
            use diesel::prelude::*;
            use iconocast::db::schema::articles;
            articles::table
                .filter(articles::slug.eq("the-quiet-science-of-the-warm-up"))
                .select(articles::id)
                .first::<i32>(c)
        });
        let article = article.expect("a demo article");
        let picture = app.with_conn(|c| {
            use diesel::prelude::*;
            use iconocast::db::schema::media;
            media::table.select(media::id).first::<i32>(c)
        });
        let picture = picture.expect("a demo picture");
        let edit = format!("/admin/articles/{article}");
        let staff_pages = [
            ("admin-dashboard", "/admin".to_owned()),
            ("admin-articles", "/admin/articles".to_owned()),
            ("admin-new-article", "/admin/articles/new".to_owned()),
            ("admin-edit-article", edit.clone()),
            ("admin-media", "/admin/media".to_owned()),
            ("admin-media-edit", format!("/admin/media/{picture}")),
            ("admin-import", "/admin/import".to_owned()),
            ("admin-tags", "/admin/tags".to_owned()),
            ("admin-categories", "/admin/categories".to_owned()),
            ("admin-users", "/admin/users".to_owned()),
            ("admin-settings", "/admin/settings".to_owned()),
            ("admin-audit", "/admin/audit".to_owned()),
        ];
        for (name, path) in &staff_pages {
            let page = app.get_as(path, &cookie).await;
            assert_eq!(page.status, 200, "{path}");
            let file = dir.join(format!("{name}.html"));
            std::fs::write(&file, &page.body).expect("write page");
            files.push(file);
        }
        // A preview and a refused save, re-rendered from the edit form;
        // then a save, so the history has two revisions to compare.
        let edit_page = app.get_as(&edit, &cookie).await;
        let mut fields: Vec<(String, String)> = Vec::new();
        for (name, value) in [
            ("title", "input[name=title]"),
            ("slug", "input[name=slug]"),
            ("category_id", "select[name=category_id] option[selected]"),
            ("author_id", "select[name=author_id] option[selected]"),
            ("hashtags", "input[name=hashtags]"),
        ] {
            let v = edit_page.attrs(value, "value").pop().unwrap_or_default();
            fields.push((name.to_owned(), v));
        }
        fields.push((
            "standfirst".into(),
            edit_page.texts_raw("textarea[name=standfirst]").concat(),
        ));
        fields.push(("version".into(), "1".into()));
        fields.push(("csrf_token".into(), csrf.clone()));
        let headings = edit_page.attrs("input[name=section_heading]", "value");
        let bodies = edit_page.texts_raw("textarea[name=section_body]");
        let anchors = edit_page.attrs("input[name=section_anchor]", "value");
        for ((a, h), b) in anchors.iter().zip(&headings).zip(&bodies) {
            fields.push(("section_anchor".into(), a.clone()));
            fields.push(("section_heading".into(), h.clone()));
            fields.push(("section_body".into(), b.clone()));
        }
        for (name, action, status) in [
            ("admin-preview", "preview", 200),
            ("admin-invalid", "schedule", 422),
            ("admin-saved", "save", 303),
        ] {
            let mut form = fields.clone();
            form.push(("action".into(), action.into()));
            let pairs: Vec<(&str, &str)> =
                form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let page = app.post_form(&edit, &pairs, &cookie).await;
            assert_eq!(page.status, status, "{action}: {}", page.body);
            if status == 200 || status == 422 {
                let file = dir.join(format!("{name}.html"));
                std::fs::write(&file, &page.body).expect("write page");
                files.push(file);
            }
        }
        // Live coverage: the staff's page, turned live, with an entry and
        // a refused one; the entry's edit page; the public page while live.
        let live = format!("{edit}/live");
        for (path, fields, status) in [
            (format!("{live}/start"), vec![], 303),
            (
                live.clone(),
                vec![
                    ("headline", "Warm-up under way"),
                    ("body", "The **first** runners are out."),
                ],
                303,
            ),
            (
                live.clone(),
                vec![("body", ""), ("image", "missing.jpg")],
                422,
            ),
        ] {
            let mut form = vec![("csrf_token", csrf.as_str())];
            form.extend(fields);
            let page = app.post_form(&path, &form, &cookie).await;
            assert_eq!(page.status, status, "{path}: {}", page.body);
            if status == 422 {
                let file = dir.join("admin-live-invalid.html");
                std::fs::write(&file, &page.body).expect("write page");
                files.push(file);
            }
        }
        let live_page = app.get_as(&live, &cookie).await;
        let entry_edit = live_page
            .attrs(".live-admin-actions a", "href")
            .first()
            .cloned()
            .expect("an entry to edit");
        for (name, path) in [
            ("admin-live", live.clone()),
            ("admin-live-entry", entry_edit),
            (
                "live-page",
                "/sport/the-quiet-science-of-the-warm-up".to_owned(),
            ),
            ("admin-history", format!("{edit}/history")),
            ("admin-diff", format!("{edit}/history/diff?from=1&to=2")),
        ] {
            let page = app.get_as(&path, &cookie).await;
            assert_eq!(page.status, 200, "{path}");
            let file = dir.join(format!("{name}.html"));
            std::fs::write(&file, &page.body).expect("write page");
            files.push(file);
        }
        // Review with notes: a writer's article waiting, with a note on a
        // section and one on the whole; one of the admin's own returned to
        // them; the editor with the notes beside it, a refused note, and
        // the dashboard with both review boxes filled.
        let writer = app.add_staff(
            "cora@example.org",
            "Cora Contributor",
            Role::Contributor,
            password,
        );
        let waiting = app
            .article("A piece in review")
            .in_category(app.desk())
            .by(writer)
            .with_status(ArticleStatus::Review, None)
            .create();
        let own = app
            .article("A piece of the admin's")
            .in_category(app.desk())
            .by(admin)
            .with_status(ArticleStatus::Review, None)
            .create();
        let notes = format!("/admin/articles/{waiting}/notes");
        let own_notes = format!("/admin/articles/{own}/notes");
        let first_section = app
            .get_as(&format!("/admin/articles/{waiting}"), &cookie)
            .await
            .attrs("#review-notes select[name=section] option", "value")
            .into_iter()
            .find(|v| !v.is_empty())
            .expect("a section to write about");
        for (target, section, body, action, status) in [
            (
                notes.as_str(),
                first_section.as_str(),
                "Say <who> & when.\nThen trim.",
                "note",
                303,
            ),
            (notes.as_str(), "", "Fine otherwise.", "note", 303),
            (own_notes.as_str(), "", "Mine, to redo.", "return", 303),
        ] {
            let page = app
                .post_form(
                    target,
                    &[
                        ("csrf_token", csrf.as_str()),
                        ("section", section),
                        ("body", body),
                        ("action", action),
                    ],
                    &cookie,
                )
                .await;
            assert_eq!(page.status, status, "{target}: {}", page.body);
        }
        let refused = app
            .post_form(
                &notes,
                &[
                    ("csrf_token", csrf.as_str()),
                    ("section", "gone"),
                    ("body", "About nothing."),
                ],
                &cookie,
            )
            .await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        std::fs::write(dir.join("admin-note-refused.html"), &refused.body).expect("write page");
        files.push(dir.join("admin-note-refused.html"));
        for (name, path) in [
            ("admin-dashboard-review", "/admin".to_owned()),
            (
                "admin-editor-with-notes",
                format!("/admin/articles/{waiting}"),
            ),
            (
                "admin-editor-returned",
                format!("/admin/articles/{own}?saved=returned"),
            ),
        ] {
            let page = app.get_as(&path, &cookie).await;
            assert_eq!(page.status, 200, "{path}");
            assert!(page.body.contains("review"), "{path}");
            let file = dir.join(format!("{name}.html"));
            std::fs::write(&file, &page.body).expect("write page");
            files.push(file);
        }
        let out = Command::new("java")
            .arg("-jar")
            .arg(&jar)
            .args(["--errors-only", "--format", "json"])
            .args(&files)
            .output()
            .expect("run java");
        let report: serde_json::Value = serde_json::from_slice(&out.stderr)
            .or_else(|_| serde_json::from_slice(&out.stdout))
            .expect("the checker's JSON report");
        let messages = report["messages"].as_array().cloned().unwrap_or_default();
        let errors: Vec<String> = messages
            .iter()
            .filter(|m| m["type"] == "error" || m["subType"] == "fatal")
            .map(|m| format!("{}:{} {}", m["url"], m["lastLine"], m["message"]))
            .collect();
        assert!(errors.is_empty(), "{backend:?}: {}", errors.join("\n"));
        let _ = std::fs::remove_dir_all(&dir);
    }
);
