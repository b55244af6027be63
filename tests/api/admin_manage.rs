//! The management pages: categories and site settings and users (admins),
//! hashtags (editors and admins). Who may do what, validation with the
//! input kept, CSRF, redirects after a rename, search reindexing, session
//! revocation and the audit trail.

use diesel::prelude::*;
use iconocast::db::models::{NewRedirect, NewTag};
use iconocast::db::schema::{
    article_tags, audit_log, categories, redirects, site_settings, tags, users,
};
use iconocast::domain::Role;

use crate::helpers::{self, backend_test, spawn_app, Backend, Page, Staff, TestApp};

const PASSWORD: &str = helpers::STAFF_PASSWORD;

async fn admin(app: &TestApp) -> Staff<'_> {
    app.staff("ad@example.org", "Ada Admin", Role::Admin).await
}

fn category_count(app: &TestApp) -> i64 {
    app.with_conn(|c| categories::table.count().get_result(c))
        .expect("count")
}

fn category_row(app: &TestApp, id: i32) -> (String, String, String, i32) {
    app.with_conn(|c| {
        categories::table
            .find(id)
            .select((
                categories::slug,
                categories::name,
                categories::tagline,
                categories::position,
            ))
            .first(c)
    })
    .expect("category")
}

fn redirect_of(app: &TestApp, from: &str) -> Option<String> {
    app.with_conn(|c| {
        redirects::table
            .filter(redirects::from_path.eq(from))
            .select(redirects::to_path)
            .first::<String>(c)
            .optional()
    })
    .expect("redirect")
}

fn tag_id(app: &TestApp, slug: &str) -> Option<i32> {
    app.with_conn(|c| {
        tags::table
            .filter(tags::slug.eq(slug))
            .select(tags::id)
            .first::<i32>(c)
            .optional()
    })
    .expect("tag")
}

fn tag_name(app: &TestApp, id: i32) -> Option<String> {
    app.with_conn(|c| {
        tags::table
            .find(id)
            .select(tags::name)
            .first::<String>(c)
            .optional()
    })
    .expect("tag")
}

/// The hashtag ids on article `id`.
fn tags_of(app: &TestApp, id: i32) -> Vec<i32> {
    app.with_conn(|c| {
        article_tags::table
            .filter(article_tags::article_id.eq(id))
            .order(article_tags::tag_id.asc())
            .select(article_tags::tag_id)
            .load(c)
    })
    .expect("links")
}

fn user_row(app: &TestApp, id: i32) -> (String, String, bool, String) {
    app.with_conn(|c| {
        users::table
            .find(id)
            .select((users::name, users::role, users::active, users::bio))
            .first(c)
    })
    .expect("user")
}

fn user_count(app: &TestApp) -> i64 {
    app.with_conn(|c| users::table.count().get_result(c))
        .expect("count")
}

fn site_name(app: &TestApp) -> String {
    app.with_conn(|c| {
        site_settings::table
            .find(1)
            .select(site_settings::name)
            .first(c)
    })
    .expect("settings")
}

/// The titles of the search results for `q`.
async fn search(app: &TestApp, q: &str) -> Vec<String> {
    let page = app.get(&format!("/search?q={q}")).await;
    assert_eq!(page.status, 200);
    page.texts(".search-result .card-title")
}

/// The fields of the category edit form for `id`, as stored, with `changes`.
fn category_fields(app: &TestApp, id: i32, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let (slug, name, tagline, position) = category_row(app, id);
    let description: String = app
        .with_conn(|c| {
            categories::table
                .find(id)
                .select(categories::description)
                .first(c)
        })
        .expect("description");
    let mut fields = vec![
        ("slug".to_owned(), slug),
        ("name".to_owned(), name),
        ("tagline".to_owned(), tagline),
        ("description".to_owned(), description),
        ("position".to_owned(), position.to_string()),
    ];
    for (k, v) in changes {
        fields.retain(|(f, _)| f != k);
        fields.push(((*k).to_owned(), (*v).to_owned()));
    }
    fields
}

fn as_refs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

backend_test!(
    async fn categories_are_for_admins_only(backend: Backend) {
        let app = spawn_app(&backend).await;
        let (rowing, _) = app.rowing_story();
        let empty = app.new_category("empty-one", "Empty one");
        let editor = app.staff("ed@example.org", "Ed Editor", Role::Editor).await;
        let before = category_count(&app);

        for path in [
            "/admin/categories".to_owned(),
            format!("/admin/categories/{}", rowing.id),
        ] {
            let page = editor.get(&path).await;
            assert_eq!(page.status, 403, "{backend:?}: {path}");
        }
        let page = editor
            .post("/admin/categories", &[("name", "Weather")])
            .await;
        assert_eq!(page.status, 403, "{backend:?}");
        let page = editor
            .post(
                &format!("/admin/categories/{}", rowing.id),
                &[("name", "Hacked"), ("slug", "hacked"), ("position", "0")],
            )
            .await;
        assert_eq!(page.status, 403, "{backend:?}");
        let page = editor
            .post(&format!("/admin/categories/{empty}/delete"), &[])
            .await;
        assert_eq!(page.status, 403, "{backend:?}");
        assert_eq!(category_count(&app), before, "{backend:?}: nothing changed");
        assert_eq!(category_row(&app, rowing.id).0, "rowing");
        assert_eq!(category_row(&app, rowing.id).1, "Rowing");
        assert!(app.audited("category_create").is_empty());

        let anonymous = app.get("/admin/categories").await;
        assert_eq!(anonymous.status, 303, "{backend:?}");

        let admin = admin(&app).await;
        let page = admin.get("/admin/categories").await;
        assert_eq!(page.status, 200, "{backend:?}: {}", page.body);
        assert_eq!(
            page.texts(&format!(
                "tr[data-category-id=\"{}\"] td.category-count",
                rowing.id
            )),
            ["1"],
            "{backend:?}"
        );
        assert_eq!(
            page.texts(&format!(
                "tr[data-category-id=\"{empty}\"] td.category-count"
            )),
            ["0"]
        );
        assert_eq!(page.texts("tr[data-category-id]").len() as i64, before);
        assert_eq!(page.texts("label[for=category-name]"), ["Name"]);
    }
);

backend_test!(
    async fn a_new_category_gets_a_slug_from_its_name_and_shows_at_once(backend: Backend) {
        let app = spawn_app(&backend).await;
        let admin = admin(&app).await;
        let admin_id = admin.id;
        let page = admin
            .post(
                "/admin/categories",
                &[
                    ("name", "Weather & Climate"),
                    ("slug", ""),
                    ("tagline", "What the skies are doing."),
                    ("description", "Forecasts and the science of climate."),
                    ("position", ""),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        assert_eq!(
            page.header("location").as_deref(),
            Some("/admin/categories?done=created")
        );
        let id = app.category_id("weather-climate");
        let (_, name, tagline, position) = category_row(&app, id);
        assert_eq!(name, "Weather & Climate");
        assert_eq!(tagline, "What the skies are doing.");
        assert_eq!(position, 5, "{backend:?}: after the five demo categories");

        let listing = admin.get("/admin/categories?done=created").await;
        assert_eq!(listing.texts(".admin-notice").len(), 1, "{backend:?}");
        assert!(listing.body.contains("/weather-climate"));

        let public = app.get("/weather-climate").await;
        assert_eq!(public.status, 200, "{backend:?}");
        assert!(public.texts("h1").join(" ").contains("Weather & Climate"));
        let home = app.get("/").await;
        assert!(
            home.attrs(".site-nav a", "href")
                .contains(&"/weather-climate".to_owned()),
            "{backend:?}: the navigation has it"
        );

        let entries = app.audited("category_create");
        assert_eq!(entries.len(), 1, "{backend:?}");
        assert_eq!(entries[0].0, Some(admin_id));
        assert_eq!(entries[0].1, Some(id));
        assert!(
            entries[0].2.contains("/weather-climate"),
            "{:?}",
            entries[0]
        );
    }
);

backend_test!(
    async fn reserved_taken_and_malformed_slugs_are_refused_with_the_input_kept(backend: Backend) {
        let app = spawn_app(&backend).await;
        let rowing = app.category("Rowing");
        let sailing = app.category("Sailing");
        let admin = admin(&app).await;
        let before = category_count(&app);
        let cases: [(&str, &str, &str, &str); 7] = [
            (
                "Clash",
                "admin",
                "slug",
                "\"admin\" is taken by the site itself",
            ),
            (
                "Clash",
                "feed.xml",
                "slug",
                "\"feed.xml\" is taken by the site itself",
            ),
            (
                "Clash",
                "search",
                "slug",
                "\"search\" is taken by the site itself",
            ),
            (
                "Search",
                "",
                "slug",
                "\"search\" is taken by the site itself",
            ),
            (
                "Clash",
                "rowing",
                "slug",
                "already uses the slug \"rowing\"",
            ),
            ("Clash", "Bad Slug!", "slug", "not a valid slug"),
            ("", "fine-slug", "name", "Give the category a name"),
        ];
        for (name, slug, field, message) in cases {
            let page = admin
                .post(
                    "/admin/categories",
                    &[
                        ("name", name),
                        ("slug", slug),
                        ("tagline", "A kept <tagline>"),
                        ("description", "A kept description & more"),
                        ("position", "7"),
                        ("noindex", "on"),
                    ],
                )
                .await;
            assert_eq!(page.status, 422, "{backend:?}: {slug}: {}", page.body);
            let error = page.texts(&format!("#category-{field}-error")).join(" ");
            assert!(error.contains(message), "{backend:?}: {slug}: {error}");
            assert_eq!(page.attrs("#category-slug", "value"), [slug]);
            assert_eq!(page.attrs("#category-name", "value"), [name]);
            assert_eq!(
                page.attrs("#category-tagline", "value"),
                ["A kept <tagline>"]
            );
            assert_eq!(
                page.texts_raw("#category-description"),
                ["A kept description & more"]
            );
            assert_eq!(page.attrs("#category-position", "value"), ["7"]);
            assert_eq!(page.attrs("#category-noindex[checked]", "id").len(), 1);
            assert_eq!(
                page.attrs(&format!("#category-{field}"), "aria-invalid"),
                ["true"]
            );
        }
        let page = admin
            .post(
                "/admin/categories",
                &[("name", "Numbers"), ("position", "first")],
            )
            .await;
        assert_eq!(page.status, 422, "{backend:?}");
        assert!(!page.texts("#category-position-error").is_empty());
        assert_eq!(category_count(&app), before, "{backend:?}: nothing added");
        assert!(app.audited("category_create").is_empty());

        // Editing onto another category's slug, or a reserved one.
        for slug in [rowing.slug.as_str(), "tag"] {
            let fields = category_fields(&app, sailing.id, &[("slug", slug)]);
            let page = admin
                .post(
                    &format!("/admin/categories/{}", sailing.id),
                    &as_refs(&fields),
                )
                .await;
            assert_eq!(page.status, 422, "{backend:?}: {slug}");
            assert!(!page.texts("#category-slug-error").is_empty());
            assert_eq!(page.attrs("#category-slug", "value"), [slug]);
        }
        assert_eq!(category_row(&app, sailing.id).0, "sailing", "{backend:?}");
        assert!(app.audited("category_update").is_empty());
    }
);

backend_test!(
    async fn a_new_category_slug_redirects_the_old_addresses(backend: Backend) {
        let app = spawn_app(&backend).await;
        let rowing = app.category("Rowing");
        let rowing_id = rowing.id;
        app.article("Rename test").in_category(&rowing).create();
        // An older slug of that article already redirects to it.
        app.with_conn(|c| {
            diesel::insert_into(redirects::table)
                .values(&NewRedirect {
                    from_path: "/rowing/old-test",
                    to_path: "/rowing/rename-test",
                    created_at: helpers::now(),
                })
                .execute(c)
        })
        .expect("redirect");
        let admin = admin(&app).await;

        let fields = category_fields(
            &app,
            rowing_id,
            &[("slug", "rowing-club"), ("name", "Rowing Club")],
        );
        let page = admin
            .post(&format!("/admin/categories/{rowing_id}"), &as_refs(&fields))
            .await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        assert_eq!(
            page.header("location"),
            Some(format!("/admin/categories/{rowing_id}?done=saved"))
        );
        let edit = admin
            .get(&format!("/admin/categories/{rowing_id}?done=saved"))
            .await;
        assert_eq!(edit.texts(".admin-notice").len(), 1);
        assert_eq!(edit.attrs("#category-slug", "value"), ["rowing-club"]);

        let old = app.get("/rowing").await;
        assert_eq!(old.status, 301, "{backend:?}");
        assert_eq!(old.header("location").as_deref(), Some("/rowing-club"));
        let article = app.get("/rowing/rename-test").await;
        assert_eq!(article.status, 301, "{backend:?}");
        assert_eq!(
            article.header("location").as_deref(),
            Some("/rowing-club/rename-test")
        );
        assert_eq!(app.get("/rowing-club/rename-test").await.status, 200);
        let listing = app.get("/rowing-club").await;
        assert_eq!(listing.status, 200, "{backend:?}");
        assert!(listing.texts("h1").join(" ").contains("Rowing Club"));
        let nav = app.get("/").await.attrs(".site-nav a", "href");
        assert!(
            nav.contains(&"/rowing-club".to_owned()),
            "{backend:?}: {nav:?}"
        );
        assert!(!nav.contains(&"/rowing".to_owned()), "{backend:?}: {nav:?}");
        assert_eq!(
            redirect_of(&app, "/rowing/feed.xml").as_deref(),
            Some("/rowing-club/feed.xml")
        );
        let old_feed = app.get("/rowing/feed.xml").await;
        assert_eq!(old_feed.status, 301, "{backend:?}");
        assert_eq!(
            old_feed.header("location").as_deref(),
            Some("/rowing-club/feed.xml")
        );
        assert_eq!(app.get("/rowing-club/feed.xml").await.status, 200);
        assert_eq!(
            redirect_of(&app, "/rowing/old-test").as_deref(),
            Some("/rowing-club/rename-test"),
            "{backend:?}: no chain through the old category"
        );
        let entries = app.audited("category_update");
        assert_eq!(entries.len(), 1, "{backend:?}");
        assert!(
            entries[0].2.contains("slug rowing → rowing-club") && entries[0].2.contains("name"),
            "{:?}",
            entries[0]
        );

        // And back again: the old redirects turn round, nothing clashes.
        let fields = category_fields(&app, rowing_id, &[("slug", "rowing")]);
        let page = admin
            .post(&format!("/admin/categories/{rowing_id}"), &as_refs(&fields))
            .await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        assert_eq!(app.get("/rowing").await.status, 200, "{backend:?}");
        let back = app.get("/rowing-club").await;
        assert_eq!(back.status, 301, "{backend:?}");
        assert_eq!(back.header("location").as_deref(), Some("/rowing"));
        assert_eq!(redirect_of(&app, "/rowing"), None, "{backend:?}");

        // Saving without a change writes nothing.
        let fields = category_fields(&app, rowing_id, &[]);
        let page = admin
            .post(&format!("/admin/categories/{rowing_id}"), &as_refs(&fields))
            .await;
        assert_eq!(
            page.header("location"),
            Some(format!("/admin/categories/{rowing_id}?done=unchanged"))
        );
        assert_eq!(app.audited("category_update").len(), 2, "{backend:?}");
    }
);

backend_test!(
    async fn a_category_is_deleted_only_when_empty(backend: Backend) {
        let app = spawn_app(&backend).await;
        let (rowing, _) = app.rowing_story();
        let empty = app.new_category("empty-one", "Empty one");
        let admin = admin(&app).await;
        let admin_id = admin.id;

        let page = admin
            .post(&format!("/admin/categories/{}/delete", rowing.id), &[])
            .await;
        assert_eq!(page.status, 409, "{backend:?}");
        let message = page.texts("#delete-refused").join(" ");
        assert!(message.contains("still holds"), "{backend:?}: {message}");
        assert_eq!(category_row(&app, rowing.id).0, "rowing");
        assert_eq!(app.get("/rowing").await.status, 200);

        let page = admin
            .post(&format!("/admin/categories/{empty}/delete"), &[])
            .await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        assert_eq!(
            page.header("location").as_deref(),
            Some("/admin/categories?done=deleted")
        );
        let gone: i64 = app
            .with_conn(|c| categories::table.find(empty).count().get_result(c))
            .expect("count");
        assert_eq!(gone, 0, "{backend:?}");
        assert_eq!(app.get("/empty-one").await.status, 404);
        let entries = app.audited("category_delete");
        assert_eq!(entries.len(), 1, "{backend:?}");
        assert_eq!((entries[0].0, entries[0].1), (Some(admin_id), Some(empty)));
        assert!(entries[0].2.contains("Empty one"), "{:?}", entries[0]);
        let page = admin.get(&format!("/admin/categories/{empty}")).await;
        assert_eq!(page.status, 404, "{backend:?}");
    }
);

backend_test!(
    async fn hashtags_are_for_editors_and_admins(backend: Backend) {
        let app = spawn_app(&backend).await;
        app.rowing_story();
        let oarlock = tag_id(&app, "oarlock").expect("tag");
        for (email, role) in [
            ("au@example.org", Role::Author),
            ("co@example.org", Role::Contributor),
        ] {
            let who = app.staff(email, "Some One", role).await;
            let page = who.get("/admin/tags").await;
            assert_eq!(page.status, 403, "{backend:?}: {role:?}");
            let page = who
                .post(&format!("/admin/tags/{oarlock}"), &[("name", "Rowlock")])
                .await;
            assert_eq!(page.status, 403, "{backend:?}: {role:?}");
            let page = who
                .post(&format!("/admin/tags/{oarlock}/delete"), &[])
                .await;
            assert_eq!(page.status, 403, "{backend:?}: {role:?}");
            let nav = who.get("/admin").await;
            assert!(!nav
                .attrs("header a", "href")
                .contains(&"/admin/tags".to_owned()));
        }
        assert_eq!(tag_name(&app, oarlock).as_deref(), Some("Oarlock"));
        assert_eq!(tag_id(&app, "oarlock"), Some(oarlock), "{backend:?}");
        assert!(app.audited("tag_update").is_empty());
        assert!(app.audited("tag_delete").is_empty());

        let editor = app.staff("ed@example.org", "Ed Editor", Role::Editor).await;
        let page = editor.get("/admin/tags?q=oarlock").await;
        assert_eq!(page.status, 200, "{backend:?}: {}", page.body);
        let carrying: i64 = app
            .with_conn(|c| {
                article_tags::table
                    .filter(article_tags::tag_id.eq(oarlock))
                    .count()
                    .get_result(c)
            })
            .expect("count");
        assert_eq!(carrying, 1);
        assert_eq!(
            page.texts(&format!("tr[data-tag-id=\"{oarlock}\"] td.tag-count")),
            [carrying.to_string()],
            "{backend:?}"
        );
        assert_eq!(
            page.texts(&format!("label[for=tag-{oarlock}-name]")),
            ["New name for #Oarlock"]
        );
    }
);

backend_test!(
    async fn the_hashtag_list_filters_and_pages(backend: Backend) {
        let app = spawn_app(&backend).await;
        app.with_conn(|c| {
            for i in 0..120 {
                let slug = format!("zzmany{i:03}");
                diesel::insert_into(tags::table)
                    .values(&NewTag {
                        slug: &slug,
                        name: &format!("ZzMany{i:03}"),
                    })
                    .execute(c)?;
            }
            QueryResult::Ok(())
        })
        .expect("tags");
        app.article("A football story")
            .in_category(&app.category("Rowing"))
            .tags(&["Football"])
            .create();
        let editor = app.staff("ed@example.org", "Ed Editor", Role::Editor).await;

        let first = editor.get("/admin/tags?q=zzmany").await;
        assert_eq!(first.status, 200, "{backend:?}");
        assert_eq!(first.texts("tr[data-tag-id]").len(), 100, "{backend:?}");
        assert_eq!(
            first.texts(".result-count"),
            ["120 hashtags match “zzmany”."]
        );
        assert_eq!(
            first.attrs("a[rel=next]", "href"),
            ["/admin/tags?q=zzmany&page=2"]
        );
        let second = editor.get("/admin/tags?q=zzmany&page=2").await;
        assert_eq!(second.status, 200);
        let rows = second.texts("tr[data-tag-id] td:first-child a");
        assert_eq!(rows.len(), 20, "{backend:?}");
        assert_eq!(rows[19], "#ZzMany119");

        // `#Name` and any case find the hashtag.
        let page = editor.get("/admin/tags?q=%23FootBall").await;
        let names = page.texts("tr[data-tag-id] td:first-child a");
        assert!(
            names.contains(&"#Football".to_owned()),
            "{backend:?}: {names:?}"
        );
        assert!(names.iter().all(|n| n.to_lowercase().contains("football")));

        let page = editor.get("/admin/tags?q=%21%21%21").await;
        assert_eq!(page.status, 200);
        assert!(page.texts("tr[data-tag-id]").is_empty());
        assert_eq!(page.texts(".empty").len(), 1);

        for bad in ["abc", "0", "-1"] {
            let page = editor.get(&format!("/admin/tags?page={bad}")).await;
            assert_eq!(page.status, 400, "{backend:?}: {bad}");
        }
        let page = editor.get("/admin/tags?q=zzmany&page=3").await;
        assert_eq!(page.status, 404, "{backend:?}");
    }
);

backend_test!(
    async fn renaming_a_hashtag_moves_it_and_reindexes_search(backend: Backend) {
        let app = spawn_app(&backend).await;
        let rowing = app.category("Rowing");
        let article = app
            .article("A crossing story")
            .in_category(&rowing)
            .tags(&["Zebracrossing"])
            .create();
        let old = tag_id(&app, "zebracrossing").expect("tag");
        let editor = app.staff("ed@example.org", "Ed Editor", Role::Editor).await;
        let editor_id = editor.id;
        assert!(search(&app, "quokkaroute").await.is_empty());

        // Refused names change nothing and keep what was typed.
        for typed in ["", "#", "!!!", &"x".repeat(101)] {
            let page = editor
                .post(
                    &format!("/admin/tags/{old}"),
                    &[("name", typed), ("q", "zebra"), ("page", "1")],
                )
                .await;
            assert_eq!(page.status, 422, "{backend:?}: {typed:?}");
            assert_eq!(
                page.texts(&format!("#tag-{old}-error")).len(),
                1,
                "{typed:?}"
            );
            assert_eq!(page.attrs(&format!("#tag-{old}-name"), "value"), [typed]);
            assert_eq!(page.attrs("#tags-q", "value"), ["zebra"]);
        }
        assert_eq!(tag_name(&app, old).as_deref(), Some("Zebracrossing"));

        let page = editor
            .post(
                &format!("/admin/tags/{old}"),
                &[("name", "#Quokkaroute"), ("q", "zebra"), ("page", "1")],
            )
            .await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        assert_eq!(
            page.header("location").as_deref(),
            Some("/admin/tags?q=quokkaroute&done=renamed")
        );
        assert_eq!(tag_id(&app, "quokkaroute"), Some(old), "{backend:?}");
        assert_eq!(tag_name(&app, old).as_deref(), Some("Quokkaroute"));
        assert_eq!(tag_id(&app, "zebracrossing"), None);
        assert_eq!(
            redirect_of(&app, "/tag/zebracrossing").as_deref(),
            Some("/tag/quokkaroute"),
            "{backend:?}"
        );
        for (old, new) in [
            ("/tag/zebracrossing", "/tag/quokkaroute"),
            ("/tag/zebracrossing/feed.xml", "/tag/quokkaroute/feed.xml"),
        ] {
            let moved = app.get(old).await;
            assert_eq!(moved.status, 301, "{backend:?} {old}");
            assert_eq!(moved.header("location").as_deref(), Some(new));
        }
        let listing = app.get("/tag/quokkaroute").await;
        assert_eq!(listing.status, 200, "{backend:?}");
        assert!(listing
            .texts(".card-title")
            .contains(&"A crossing story".to_owned()));
        let story = app.get("/rowing/a-crossing-story").await;
        assert!(story.body.contains("#Quokkaroute"), "{backend:?}");
        assert_eq!(
            search(&app, "quokkaroute").await,
            ["A crossing story"],
            "{backend:?}"
        );
        assert!(
            search(&app, "zebracrossing").await.is_empty(),
            "{backend:?}"
        );
        assert_eq!(tags_of(&app, article), [old]);

        let entries = app.audited("tag_update");
        assert_eq!(entries.len(), 1, "{backend:?}");
        assert_eq!((entries[0].0, entries[0].1), (Some(editor_id), Some(old)));
        assert!(
            entries[0].2.contains("#Zebracrossing") && entries[0].2.contains("#Quokkaroute"),
            "{:?}",
            entries[0]
        );
        let page = editor.get("/admin/tags?q=quokkaroute&done=renamed").await;
        assert_eq!(page.texts(".admin-notice").len(), 1);
    }
);

backend_test!(
    async fn renaming_a_hashtag_onto_another_merges_them(backend: Backend) {
        let app = spawn_app(&backend).await;
        let rowing = app.category("Rowing");
        let tagged = |title: &str, tags: &[&str]| {
            app.article(title).in_category(&rowing).tags(tags).create()
        };
        let both = tagged("Both tags", &["Alphatag", "Betatag"]);
        let alpha_only = tagged("Alpha only", &["Alphatag"]);
        let beta_only = tagged("Beta only", &["Betatag"]);
        let alpha = tag_id(&app, "alphatag").expect("tag");
        let beta = tag_id(&app, "betatag").expect("tag");
        let admin = admin(&app).await;

        let page = admin
            .post(&format!("/admin/tags/{alpha}"), &[("name", "betatag")])
            .await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        assert_eq!(
            page.header("location").as_deref(),
            Some("/admin/tags?q=betatag&done=merged")
        );
        assert_eq!(tag_id(&app, "alphatag"), None, "{backend:?}");
        assert_eq!(tag_name(&app, beta).as_deref(), Some("Betatag"));
        for id in [both, alpha_only, beta_only] {
            assert_eq!(tags_of(&app, id), [beta], "{backend:?}: article {id}");
        }
        assert_eq!(
            redirect_of(&app, "/tag/alphatag").as_deref(),
            Some("/tag/betatag")
        );
        let moved = app.get("/tag/alphatag").await;
        assert_eq!(moved.status, 301, "{backend:?}");
        assert_eq!(moved.header("location").as_deref(), Some("/tag/betatag"));
        let mut found = search(&app, "betatag").await;
        found.sort();
        assert_eq!(
            found,
            ["Alpha only", "Beta only", "Both tags"],
            "{backend:?}"
        );
        assert!(search(&app, "alphatag").await.is_empty(), "{backend:?}");
        let entries = app.audited("tag_update");
        assert_eq!(entries.len(), 1);
        assert!(
            entries[0].2.starts_with("merged #Alphatag into #Betatag"),
            "{:?}",
            entries[0]
        );
        let page = admin.get("/admin/tags?q=betatag&done=merged").await;
        assert!(
            page.texts(".admin-notice").join(" ").contains("merged"),
            "{backend:?}"
        );
        assert_eq!(
            page.texts(&format!("tr[data-tag-id=\"{beta}\"] td.tag-count")),
            ["3"]
        );
    }
);

backend_test!(
    async fn deleting_a_hashtag_removes_it_from_its_articles(backend: Backend) {
        let app = spawn_app(&backend).await;
        let article = app
            .article("Gamma story")
            .in_category(&app.category("Rowing"))
            .tags(&["Gammatag", "Keeptag"])
            .create();
        let gamma = tag_id(&app, "gammatag").expect("tag");
        let keep = tag_id(&app, "keeptag").expect("tag");
        assert_eq!(search(&app, "gammatag").await, ["Gamma story"]);
        let editor = app.staff("ed@example.org", "Ed Editor", Role::Editor).await;
        let editor_id = editor.id;

        let page = editor
            .post(&format!("/admin/tags/{gamma}/delete"), &[("q", "gamma")])
            .await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        assert_eq!(
            page.header("location").as_deref(),
            Some("/admin/tags?q=gamma&done=deleted")
        );
        assert_eq!(tag_id(&app, "gammatag"), None, "{backend:?}");
        assert_eq!(tags_of(&app, article), [keep]);
        assert_eq!(app.get("/tag/gammatag").await.status, 404);
        assert!(search(&app, "gammatag").await.is_empty(), "{backend:?}");
        assert_eq!(search(&app, "keeptag").await, ["Gamma story"]);
        let entries = app.audited("tag_delete");
        assert_eq!(entries.len(), 1, "{backend:?}");
        assert_eq!((entries[0].0, entries[0].1), (Some(editor_id), Some(gamma)));
        assert!(entries[0].2.contains("#Gammatag") && entries[0].2.contains("1 article"));
        let page = editor
            .post(&format!("/admin/tags/{gamma}/delete"), &[])
            .await;
        assert_eq!(page.status, 404, "{backend:?}: already gone");
    }
);

backend_test!(
    async fn users_are_for_admins_only(backend: Backend) {
        let app = spawn_app(&backend).await;
        let editor = app.staff("ed@example.org", "Ed Editor", Role::Editor).await;
        let editor_id = editor.id;
        let before = user_count(&app);
        for path in [
            "/admin/users".to_owned(),
            format!("/admin/users/{editor_id}"),
        ] {
            let page = editor.get(&path).await;
            assert_eq!(page.status, 403, "{backend:?}: {path}");
        }
        let page = editor
            .post(
                "/admin/users",
                &[
                    ("email", "new@example.org"),
                    ("name", "New One"),
                    ("role", "admin"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(page.status, 403, "{backend:?}");
        let page = editor
            .post(
                &format!("/admin/users/{editor_id}"),
                &[("name", "Ed Editor"), ("role", "admin"), ("active", "on")],
            )
            .await;
        assert_eq!(page.status, 403, "{backend:?}");
        assert_eq!(user_count(&app), before, "{backend:?}");
        assert_eq!(
            user_row(&app, editor_id).1,
            "editor",
            "{backend:?}: not promoted"
        );
        assert!(app.audited("user_add").is_empty());
        assert!(app.audited("user_update").is_empty());
        assert_eq!(editor.get("/admin").await.status, 200, "still signed in");
    }
);

backend_test!(
    async fn an_admin_adds_a_user_who_can_then_sign_in(backend: Backend) {
        let app = spawn_app(&backend).await;
        let admin = admin(&app).await;
        let admin_id = admin.id;
        let before = user_count(&app);
        let cases: [(&str, &str, &str, &str, &str, &str); 6] = [
            (
                "ada@",
                "Nia New",
                "author",
                PASSWORD,
                "email",
                "\"ada@\" is not a valid email address.",
            ),
            (
                "nia@example.org",
                "Nia New",
                "author",
                "too short",
                "password",
                "The password is too short: it needs at least 12 characters.",
            ),
            (
                "nia@example.org",
                "Nia New",
                "owner",
                PASSWORD,
                "role",
                "Unknown role \"owner\": use admin, editor, author or contributor.",
            ),
            (
                "nia@example.org",
                "   ",
                "author",
                PASSWORD,
                "name",
                "The name must have 1 to 120 characters.",
            ),
            (
                "AD@example.org",
                "Nia New",
                "author",
                PASSWORD,
                "email",
                "A user with the email ad@example.org already exists.",
            ),
            (
                "nia@example.org",
                &"n".repeat(121),
                "author",
                PASSWORD,
                "name",
                "The name must have 1 to 120 characters.",
            ),
        ];
        for (email, name, role, password, field, message) in cases {
            let page = admin
                .post(
                    "/admin/users",
                    &[
                        ("email", email),
                        ("name", name),
                        ("role", role),
                        ("password", password),
                    ],
                )
                .await;
            assert_eq!(page.status, 422, "{backend:?}: {field}: {}", page.body);
            assert_eq!(
                page.texts(&format!("#user-{field}-error")),
                [message],
                "{backend:?}"
            );
            assert_eq!(page.attrs("#user-email", "value"), [email]);
            assert_eq!(page.attrs("#user-name", "value"), [name]);
            assert!(
                page.attrs("#user-password", "value")
                    .iter()
                    .all(|v| v.is_empty()),
                "{backend:?}: a password is never sent back"
            );
            assert!(!page.body.contains(PASSWORD));
        }
        assert_eq!(user_count(&app), before, "{backend:?}: nobody added");

        let page = admin
            .post(
                "/admin/users",
                &[
                    ("email", " Nia.New@Example.ORG "),
                    ("name", "Nia   New"),
                    ("role", "author"),
                    ("password", "a brand new passphrase"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        assert_eq!(
            page.header("location").as_deref(),
            Some("/admin/users?done=created")
        );
        let (id, slug, name, role, hash): (i32, String, String, String, Option<String>) = app
            .with_conn(|c| {
                users::table
                    .filter(users::email.eq("nia.new@example.org"))
                    .select((
                        users::id,
                        users::slug,
                        users::name,
                        users::role,
                        users::password_hash,
                    ))
                    .first(c)
            })
            .expect("the new user");
        assert_eq!(
            (slug.as_str(), name.as_str(), role.as_str()),
            ("nia-new", "Nia New", "author")
        );
        assert!(hash.is_some_and(|h| h.starts_with("$argon2id$")));
        let list = admin.get("/admin/users?done=created").await;
        assert_eq!(list.texts(".admin-notice").len(), 1);
        assert_eq!(
            list.texts(&format!("tr[data-user-id=\"{id}\"] td.user-role")),
            ["author"]
        );
        let entries = app.audited("user_add");
        assert_eq!(entries.len(), 1, "{backend:?}");
        assert_eq!((entries[0].0, entries[0].1), (Some(admin_id), Some(id)));
        assert!(entries[0].2.contains("nia.new@example.org") && entries[0].2.contains("author"));
        assert!(!entries[0].2.contains("passphrase"));

        let theirs = app
            .sign_in("nia.new@example.org", "a brand new passphrase")
            .await;
        let dash = app.get_as("/admin", &theirs).await;
        assert_eq!(dash.status, 200, "{backend:?}");
        assert!(dash.body.contains("Nia New"));
        let last = admin.get("/admin/users").await;
        assert_ne!(
            last.texts(&format!("tr[data-user-id=\"{id}\"] td:last-child")),
            ["never"],
            "{backend:?}: the sign-in shows"
        );
    }
);

backend_test!(
    async fn a_new_role_password_or_deactivation_signs_the_user_out(backend: Backend) {
        let app = spawn_app(&backend).await;
        let admin = admin(&app).await;
        let ed_staff = app.staff("ed@example.org", "Ed Editor", Role::Editor).await;
        let ed = ed_staff.id;
        let edit = format!("/admin/users/{ed}");
        let form = admin.get(&edit).await;
        assert_eq!(form.status, 200, "{backend:?}");
        assert_eq!(
            form.attrs("#user-role option[selected]", "value"),
            ["editor"]
        );
        assert_eq!(form.attrs("#user-active[checked]", "id").len(), 1);

        // Name and bio only: the session stays.
        let page = admin
            .post(
                &edit,
                &[
                    ("name", "Ed Editor"),
                    ("bio", "Edits the news."),
                    ("role", "editor"),
                    ("active", "on"),
                    ("password", ""),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        assert_eq!(page.header("location"), Some(format!("{edit}?done=saved")));
        assert_eq!(user_row(&app, ed).3, "Edits the news.");
        assert_eq!(ed_staff.get("/admin").await.status, 200, "{backend:?}");
        let author_page = app.get("/author/ed-editor").await;
        assert!(author_page.body.contains("Edits the news."), "{backend:?}");

        // A bad new password: 422, nothing changed, still signed in.
        let page = admin
            .post(
                &edit,
                &[
                    ("name", "Ed Editor"),
                    ("bio", "Edits."),
                    ("role", "author"),
                    ("active", "on"),
                    ("password", "short"),
                ],
            )
            .await;
        assert_eq!(page.status, 422, "{backend:?}");
        assert_eq!(page.texts("#user-password-error").len(), 1);
        assert_eq!(
            page.attrs("#user-role option[selected]", "value"),
            ["author"],
            "input kept"
        );
        assert_eq!(page.texts_raw("#user-bio"), ["Edits."]);
        assert_eq!(user_row(&app, ed).1, "editor");
        assert_eq!(ed_staff.get("/admin").await.status, 200);

        // A new role: signed out at once.
        let page = admin
            .post(
                &edit,
                &[
                    ("name", "Ed Editor"),
                    ("bio", "Edits the news."),
                    ("role", "author"),
                    ("active", "on"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        assert_eq!(
            page.header("location"),
            Some(format!("{edit}?done=signed-out"))
        );
        assert_eq!(user_row(&app, ed).1, "author");
        let old = ed_staff.get("/admin").await;
        assert_eq!(old.status, 303, "{backend:?}: the old cookie is dead");
        assert!(old
            .header("location")
            .is_some_and(|l| l.starts_with("/admin/login")));

        // A new password: signed out again, and the new one works.
        let ed_staff = app.signed_in(ed, "ed@example.org", PASSWORD).await;
        let page = admin
            .post(
                &edit,
                &[
                    ("name", "Ed Editor"),
                    ("bio", "Edits the news."),
                    ("role", "author"),
                    ("active", "on"),
                    ("password", "another long passphrase"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{backend:?}");
        assert_eq!(ed_staff.get("/admin").await.status, 303, "{backend:?}");
        let ed_staff = app
            .signed_in(ed, "ed@example.org", "another long passphrase")
            .await;

        // Deactivated: signed out and unable to sign in.
        let page = admin
            .post(
                &edit,
                &[
                    ("name", "Ed Editor"),
                    ("bio", "Edits the news."),
                    ("role", "author"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{backend:?}");
        assert!(!user_row(&app, ed).2);
        assert_eq!(ed_staff.get("/admin").await.status, 303, "{backend:?}");
        let login = app.get("/admin/login").await;
        let csrf = login.cookie_value("iconocast_login_csrf").expect("cookie");
        let refused = app
            .post_form(
                "/admin/login",
                &[
                    ("email", "ed@example.org"),
                    ("password", "another long passphrase"),
                    ("csrf_token", &csrf),
                ],
                &format!("iconocast_login_csrf={csrf}"),
            )
            .await;
        assert_eq!(refused.status, 401, "{backend:?}");

        let details: Vec<String> = app
            .audited("user_update")
            .into_iter()
            .map(|e| e.2)
            .collect();
        assert_eq!(details.len(), 4, "{backend:?}: {details:?}");
        assert!(
            details[0].contains("bio") && !details[0].contains("signed out"),
            "{details:?}"
        );
        assert!(details[1].contains("role editor → author") && details[1].contains("signed out"));
        assert!(details[2].contains("password changed"));
        assert!(details[3].contains("deactivated"));
        assert!(
            details.iter().all(|d| !d.contains("passphrase")),
            "{details:?}"
        );
    }
);

backend_test!(
    async fn the_last_active_admin_cannot_be_demoted_or_deactivated(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ada_staff = admin(&app).await;
        let ada = ada_staff.id;
        let own = format!("/admin/users/{ada}");
        let page = ada_staff
            .post(
                &own,
                &[("name", "Ada Admin"), ("role", "editor"), ("active", "on")],
            )
            .await;
        assert_eq!(page.status, 422, "{backend:?}: {}", page.body);
        let error = page.texts("#user-role-error").join(" ");
        assert!(
            error.contains("only active administrator"),
            "{backend:?}: {error}"
        );
        let page = ada_staff
            .post(&own, &[("name", "Ada Admin"), ("role", "admin")])
            .await;
        assert_eq!(page.status, 422, "{backend:?}");
        assert!(page
            .texts("#user-active-error")
            .join(" ")
            .contains("only active administrator"));
        let (_, role, active, _) = user_row(&app, ada);
        assert_eq!((role.as_str(), active), ("admin", true), "{backend:?}");
        assert_eq!(ada_staff.get("/admin").await.status, 200, "still signed in");

        // With a second admin, Ada may step down; then Bo is the last one.
        let bo_staff = app.staff("bo@example.org", "Bo Boss", Role::Admin).await;
        let bo = bo_staff.id;
        let page = ada_staff
            .post(
                &own,
                &[("name", "Ada Admin"), ("role", "editor"), ("active", "on")],
            )
            .await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        assert_eq!(user_row(&app, ada).1, "editor");
        assert_eq!(ada_staff.get("/admin").await.status, 303, "{backend:?}");
        let page = bo_staff
            .post(
                &format!("/admin/users/{bo}"),
                &[("name", "Bo Boss"), ("role", "admin")],
            )
            .await;
        assert_eq!(page.status, 422, "{backend:?}");
        assert!(user_row(&app, bo).2, "{backend:?}: Bo stays active");
    }
);

backend_test!(
    async fn site_settings_show_on_the_public_site_at_once(backend: Backend) {
        let app = spawn_app(&backend).await;
        let editor = app.staff("ed@example.org", "Ed Editor", Role::Editor).await;
        assert_eq!(
            editor.get("/admin/settings").await.status,
            403,
            "{backend:?}"
        );
        let page = editor
            .post(
                "/admin/settings",
                &[("name", "Hijacked"), ("time_zone", "UTC")],
            )
            .await;
        assert_eq!(page.status, 403, "{backend:?}");
        assert_eq!(site_name(&app), "Iconocast News Agency");

        let admin = admin(&app).await;
        let admin_id = admin.id;
        let form = admin.get("/admin/settings").await;
        assert_eq!(form.status, 200, "{backend:?}");
        assert_eq!(
            form.attrs("#settings-name", "value"),
            ["Iconocast News Agency"]
        );
        assert_eq!(
            form.attrs("#settings-time-zone", "value"),
            ["Europe/London"]
        );
        assert!(form
            .attrs("#time-zones option", "value")
            .contains(&"America/New_York".to_owned()));

        // Refused: no name, an unknown zone; everything typed comes back.
        let about = "We are **Harbour Wire**.\n\nFounded in 2026 by readers & friends.";
        let page = admin
            .post(
                "/admin/settings",
                &[
                    ("name", " "),
                    ("tagline", "Kept tagline"),
                    ("pitch", "Kept pitch"),
                    ("about", about),
                    ("time_zone", "Mars/Olympus"),
                ],
            )
            .await;
        assert_eq!(page.status, 422, "{backend:?}");
        assert_eq!(
            page.texts("#settings-name-error"),
            ["Give the site a name."]
        );
        assert!(page
            .texts("#settings-time-zone-error")
            .join(" ")
            .contains("\"Mars/Olympus\""));
        assert_eq!(page.texts_raw("#settings-about"), [about]);
        assert_eq!(page.attrs("#settings-tagline", "value"), ["Kept tagline"]);
        assert_eq!(page.attrs("#settings-time-zone", "value"), ["Mars/Olympus"]);
        assert_eq!(site_name(&app), "Iconocast News Agency", "{backend:?}");

        let page = admin
            .post(
                "/admin/settings",
                &[
                    ("name", "Harbour Wire"),
                    ("tagline", "Small news, well told."),
                    ("pitch", "We check before we publish."),
                    ("about", about),
                    ("time_zone", "America/New_York"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        assert_eq!(
            page.header("location").as_deref(),
            Some("/admin/settings?done=saved")
        );
        let (name, zone): (String, String) = app
            .with_conn(|c| {
                site_settings::table
                    .find(1)
                    .select((site_settings::name, site_settings::time_zone))
                    .first(c)
            })
            .expect("settings");
        assert_eq!(
            (name.as_str(), zone.as_str()),
            ("Harbour Wire", "America/New_York")
        );

        let home = app.get("/").await;
        assert_eq!(
            home.texts("title"),
            ["Harbour Wire — Small news, well told."],
            "{backend:?}"
        );
        assert!(home.texts("#pitch-title")[0].contains("Harbour Wire"));
        let about_page = app.get("/about").await;
        assert_eq!(
            about_page.texts("h1"),
            ["About Harbour Wire"],
            "{backend:?}"
        );
        assert!(about_page
            .texts(".article-body strong")
            .contains(&"Harbour Wire".to_owned()));
        assert!(about_page
            .texts(".article-body p")
            .iter()
            .any(|p| p.contains("Founded in 2026 by readers & friends.")));
        assert_eq!(about_page.texts(".standfirst"), ["Small news, well told."]);

        let entries = app.audited("settings_update");
        assert_eq!(entries.len(), 1, "{backend:?}");
        assert_eq!(entries[0].0, Some(admin_id));
        let detail = &entries[0].2;
        for part in [
            "name \"Iconocast News Agency\" → \"Harbour Wire\"",
            "tagline",
            "pitch",
            "about text",
            "time zone Europe/London → America/New_York",
        ] {
            assert!(detail.contains(part), "{backend:?}: {part} in {detail}");
        }
        let saved = admin.get("/admin/settings?done=saved").await;
        assert_eq!(saved.texts(".admin-notice").len(), 1);
        assert!(
            saved.body.contains("Harbour Wire staff area"),
            "the staff area follows"
        );
    }
);

backend_test!(
    async fn every_management_form_needs_its_csrf_token(backend: Backend) {
        let app = spawn_app(&backend).await;
        let (rowing, _) = app.rowing_story();
        let empty = app.new_category("empty-one", "Empty one");
        let oarlock = tag_id(&app, "oarlock").expect("tag");
        let admin = admin(&app).await;
        let ada = admin.id;
        let categories_before = category_count(&app);
        let users_before = user_count(&app);
        let audit_before: i64 = app
            .with_conn(|c| audit_log::table.count().get_result(c))
            .expect("count");
        let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
            ("/admin/categories".to_owned(), vec![("name", "Weather")]),
            (
                format!("/admin/categories/{}", rowing.id),
                vec![
                    ("name", "Rowing Club"),
                    ("slug", "rowing-club"),
                    ("position", "1"),
                ],
            ),
            (format!("/admin/categories/{empty}/delete"), vec![]),
            (format!("/admin/tags/{oarlock}"), vec![("name", "Rowlock")]),
            (format!("/admin/tags/{oarlock}/delete"), vec![]),
            (
                "/admin/users".to_owned(),
                vec![
                    ("email", "x@example.org"),
                    ("name", "X"),
                    ("role", "admin"),
                    ("password", PASSWORD),
                ],
            ),
            (
                format!("/admin/users/{ada}"),
                vec![("name", "Renamed"), ("role", "editor")],
            ),
            (
                "/admin/settings".to_owned(),
                vec![("name", "Hijacked"), ("time_zone", "UTC")],
            ),
        ];
        for (path, fields) in &forms {
            let page = app.post_form(path, fields, &admin.cookie).await;
            assert_eq!(page.status, 403, "{backend:?}: {path} without a token");
            let mut wrong = fields.clone();
            wrong.push(("csrf_token", "not-the-token"));
            let page = app.post_form(path, &wrong, &admin.cookie).await;
            assert_eq!(page.status, 403, "{backend:?}: {path} with a wrong token");
            assert!(page.body.contains("nothing was changed"));
        }
        assert_eq!(category_count(&app), categories_before, "{backend:?}");
        assert_eq!(category_row(&app, rowing.id).0, "rowing");
        assert_eq!(tag_name(&app, oarlock).as_deref(), Some("Oarlock"));
        assert_eq!(user_count(&app), users_before);
        assert_eq!(user_row(&app, ada).0, "Ada Admin");
        assert_eq!(user_row(&app, ada).1, "admin");
        assert_eq!(site_name(&app), "Iconocast News Agency");
        let audit_after: i64 = app
            .with_conn(|c| audit_log::table.count().get_result(c))
            .expect("count");
        assert_eq!(audit_after, audit_before, "{backend:?}: nothing audited");
        assert_eq!(admin.get("/admin").await.status, 200, "still signed in");
    }
);

backend_test!(
    async fn control_characters_are_refused_on_every_management_form(backend: Backend) {
        let app = spawn_app(&backend).await;
        let admin = admin(&app).await;
        let editor_id = app.add_staff("ed@example.org", "Ed Editor", Role::Editor, PASSWORD);
        let rowing = app.category("Rowing");
        let article = app
            .article("A story")
            .in_category(&rowing)
            .tags(&["Harbour"])
            .create();
        let harbour = tag_id(&app, "harbour").expect("tag");
        let categories_before = category_count(&app);
        let users_before = user_count(&app);
        let refused = |page: &Page, selector: &str, code: &str| {
            assert_eq!(page.status, 422, "{backend:?} {selector}: {}", page.body);
            let error = page.texts(selector).concat();
            assert!(error.contains("control character"), "{selector}: {error}");
            assert!(error.contains(code), "{selector}: {error}");
        };

        // Site settings: the name (every page title, feed and sitemap) and
        // the pitch; the typed text comes back.
        let page = admin
            .post(
                "/admin/settings",
                &[
                    ("name", "The \u{1b}[1mAgency"),
                    ("tagline", "Kept tagline"),
                    ("time_zone", "UTC"),
                ],
            )
            .await;
        refused(&page, "#settings-name-error", "U+001B");
        assert_eq!(page.attrs("#settings-tagline", "value"), ["Kept tagline"]);
        let page = admin
            .post(
                "/admin/settings",
                &[
                    ("name", "Harbour Wire"),
                    ("pitch", "Two lines\nwith a nul\u{0}."),
                    ("time_zone", "UTC"),
                ],
            )
            .await;
        refused(&page, "#settings-pitch-error", "U+0000");
        assert_eq!(site_name(&app), "Iconocast News Agency", "{backend:?}");

        // Categories: a new one and an edit.
        let page = admin
            .post(
                "/admin/categories",
                &[("name", "Bell\u{7} news"), ("slug", "bell-news")],
            )
            .await;
        refused(&page, "#category-name-error", "U+0007");
        let page = admin
            .post(
                &format!("/admin/categories/{}", rowing.id),
                &[
                    ("name", "Rowing"),
                    ("slug", "rowing"),
                    ("description", "Tabs\tand\nlines are fine, \u{1b} is not."),
                ],
            )
            .await;
        refused(&page, "#category-description-error", "U+001B");
        assert_eq!(category_count(&app), categories_before, "{backend:?}");
        assert_eq!(category_row(&app, rowing.id).1, "Rowing");

        // A hashtag's new name.
        let page = admin
            .post(
                &format!("/admin/tags/{harbour}"),
                &[("name", "Har\u{0}bour"), ("q", ""), ("page", "1")],
            )
            .await;
        refused(&page, &format!("#tag-{harbour}-error"), "U+0000");
        assert_eq!(tag_name(&app, harbour).as_deref(), Some("Harbour"));
        assert_eq!(tags_of(&app, article), vec![harbour]);

        // Users: the name is every byline.
        let page = admin
            .post(
                "/admin/users",
                &[
                    ("email", "nia@example.org"),
                    ("name", "Nia\u{1b} New"),
                    ("role", "author"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        refused(&page, "#user-name-error", "U+001B");
        assert_eq!(user_count(&app), users_before, "{backend:?}");
        let page = admin
            .post(
                &format!("/admin/users/{editor_id}"),
                &[
                    ("name", "Ed Editor"),
                    ("bio", "Writes\tabout\nharbours.\u{7}"),
                    ("role", "editor"),
                    ("active", "on"),
                ],
            )
            .await;
        refused(&page, "#user-bio-error", "U+0007");
        assert_eq!(user_row(&app, editor_id).3, "", "{backend:?}");
        // Tabs and line breaks are welcome where text has lines.
        let page = admin
            .post(
                &format!("/admin/users/{editor_id}"),
                &[
                    ("name", "Ed Editor"),
                    ("bio", "Writes\tabout\nharbours."),
                    ("role", "editor"),
                    ("active", "on"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        assert_eq!(user_row(&app, editor_id).3, "Writes\tabout\nharbours.");
    }
);
