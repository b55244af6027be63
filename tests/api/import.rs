//! `iconocast import`: plain-text articles from files, as drafts unless
//! `--publish`, all of them or none.

use std::path::PathBuf;

use diesel::prelude::*;
use iconocast::db::models::Article;
use iconocast::db::schema::{articles, audit_log, categories, revisions, users};
use iconocast::db::{articles as article_queries, tags};
use iconocast::domain::Role;

use crate::helpers::{
    backend_test, database_url_arg, now, run_iconocast, spawn_app, unique_name, Backend, TestApp,
};

/// A copy of `shared/fixtures/seed-article.txt`, kept in the repository.
const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/seed-article.txt"
);
const TITLE: &str =
    "What should I do if my partner isn’t making the effort to connect emotionally?";
const SLUG: &str = "what-should-i-do-if-my-partner-isn-t-making-the-effort-to-connect-emotionally";
const HEADINGS: [&str; 7] = [
    "Understanding Emotional Connection in Relationships",
    "Open Communication",
    "Identify Underlying Issues",
    "Show Patience and Understanding",
    "Encourage Vulnerability",
    "Set Boundaries and Expectations",
    "Seek Support for Yourself",
];
const TAGS: [&str; 5] = [
    "EmotionalConnection",
    "HealthyRelationships",
    "Communication",
    "Iconocast",
    "StayInformed",
];
const BOILERPLATE: [&str; 3] = [
    "Why Choose Iconocast",
    "Imagining a Brighter Future",
    "Source For Sport News",
];

/// A folder of input files for one test, removed afterwards.
struct Inputs(PathBuf);

impl Inputs {
    fn new() -> Inputs {
        let dir = std::env::temp_dir()
            .join("iconocast-tests")
            .join(unique_name("import"));
        std::fs::create_dir_all(&dir).expect("input folder");
        Inputs(dir)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).expect("write an input file");
        path.display().to_string()
    }
}

impl Drop for Inputs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `iconocast --database-url <the app's> import ARGS...`.
fn import(app: &TestApp, args: &[&str]) -> (i32, String, String) {
    let url = database_url_arg(&app.db.url);
    let mut all = vec!["--database-url", url.as_str(), "import"];
    all.extend_from_slice(args);
    run_iconocast(&all)
}

/// What an imported article became in the database.
struct Stored {
    article: Article,
    category: String,
    author: String,
    headings: Vec<String>,
    bodies: Vec<String>,
    tags: Vec<String>,
    visible: bool,
}

fn stored(app: &TestApp, slug: &str) -> Option<Stored> {
    app.with_conn(|conn| {
        let article = articles::table
            .filter(articles::slug.eq(slug))
            .select(Article::as_select())
            .first(conn)
            .optional()
            .expect("query")?;
        let category = categories::table
            .filter(categories::id.nullable().eq(article.category_id))
            .select(categories::slug)
            .first::<String>(conn)
            .expect("a category");
        let author = users::table
            .find(article.author_id)
            .select(users::slug)
            .first::<String>(conn)
            .expect("an author");
        let sections = article_queries::sections_of(conn, article.id).expect("sections");
        let tags = tags::of_article(conn, article.id).expect("tags");
        let visible: i64 = articles::table
            .filter(articles::id.eq(article.id))
            .filter(article_queries::visible(now()))
            .count()
            .get_result(conn)
            .expect("visibility");
        Some(Stored {
            category,
            author,
            headings: sections.iter().map(|s| s.heading.clone()).collect(),
            bodies: sections.iter().map(|s| s.body.clone()).collect(),
            tags: tags.into_iter().map(|t| t.name).collect(),
            visible: visible == 1,
            article,
        })
    })
}

fn article_count(app: &TestApp) -> i64 {
    app.with_conn(|conn| articles::table.count().get_result(conn))
        .expect("count")
}

backend_test!(
    async fn an_imported_article_is_a_hidden_draft_with_its_sections_and_hashtags(
        backend: Backend,
    ) {
        let app = spawn_app(&backend).await;
        let (code, stdout, stderr) = import(&app, &[FIXTURE]);
        assert_eq!(code, 0, "{backend:?}: {stderr}");
        assert_eq!(
            stdout.trim_end(),
            format!("draft /health-technology-science/{SLUG}  {TITLE}"),
            "{backend:?}: the first category by default"
        );
        assert!(
            !stderr.contains("imported"),
            "no progress for one file: {stderr}"
        );

        let a = stored(&app, SLUG).expect("the article was stored");
        assert_eq!(a.article.title, TITLE);
        assert_eq!(a.article.status.as_str(), "draft");
        assert_eq!(a.article.kind.as_str(), "news");
        assert_eq!(a.article.published_at, None);
        assert!(!a.visible, "{backend:?}: a draft is not public");
        assert_eq!(a.category, "health-technology-science");
        assert_eq!(a.author, "amara-okafor", "the first admin or editor");
        assert_eq!(a.headings, HEADINGS, "{backend:?}");
        assert_eq!(a.tags, TAGS, "{backend:?}");
        assert!(
            a.article
                .standfirst
                .starts_with("Emotional connection forms the cornerstone")
                && a.article.standfirst.chars().count() < 200,
            "{}",
            a.article.standfirst
        );
        let everything = format!("{}\n{}", a.article.intro, a.bodies.join("\n"));
        for text in BOILERPLATE {
            assert!(!everything.contains(text), "{backend:?}: {text:?} imported");
        }
        assert!(
            a.bodies[6].contains("If your partner isn’t making the effort"),
            "the closing paragraph stays in the last section"
        );

        let page = app.get(&format!("/health-technology-science/{SLUG}")).await;
        assert_eq!(page.status, 404, "{backend:?}: a draft is not on the site");
    }
);

backend_test!(
    async fn an_imported_article_has_its_first_revision_and_can_be_restored(backend: Backend) {
        let app = spawn_app(&backend).await;
        let (code, _, stderr) = import(&app, &[FIXTURE]);
        assert_eq!(code, 0, "{backend:?}: {stderr}");
        let id = stored(&app, SLUG)
            .expect("the article was stored")
            .article
            .id;
        let revised: Vec<Option<i32>> = app
            .with_conn(|c| {
                revisions::table
                    .filter(revisions::article_id.eq(id))
                    .select(revisions::user_id)
                    .load(c)
            })
            .expect("revisions");
        assert_eq!(revised, vec![None], "{backend:?}: no staff member ran it");
        let audited: i64 = app
            .with_conn(|c| {
                audit_log::table
                    .filter(audit_log::target_type.eq("article"))
                    .filter(audit_log::target_id.eq(id))
                    .count()
                    .get_result(c)
            })
            .expect("audit");
        assert_eq!(audited, 0, "{backend:?}: no one to audit");

        let ed = app.staff("ed@example.org", "Ed Editor", Role::Editor).await;
        let path = format!("/admin/articles/{id}");
        let history = ed.get(&format!("{path}/history")).await;
        assert_eq!(history.status, 200, "{backend:?}: {}", history.body);
        assert_eq!(
            history.attrs("tr[data-version]", "data-version"),
            vec!["1"],
            "{backend:?}: the import is the first version"
        );
        let restored = ed
            .post(&format!("{path}/history/1/restore"), &[("current", "1")])
            .await;
        assert_eq!(restored.status, 303, "{backend:?}: {}", restored.body);
        let history = ed.get(&format!("{path}/history")).await;
        assert_eq!(
            history.attrs("tr[data-version]", "data-version"),
            vec!["2", "1"],
            "{backend:?}"
        );
    }
);

backend_test!(
    async fn with_publish_and_a_category_it_is_published_there(backend: Backend) {
        let app = spawn_app(&backend).await;
        let rowing = app.category("Rowing");
        let tess = app.author("Tess Columnist", "Writes about rowing.");
        let (code, stdout, stderr) = import(
            &app,
            &[
                "--publish",
                "--category",
                &rowing.slug,
                "--author",
                &tess.slug,
                FIXTURE,
            ],
        );
        assert_eq!(code, 0, "{backend:?}: {stderr}");
        assert_eq!(
            stdout.trim_end(),
            format!("published /rowing/{SLUG}  {TITLE}")
        );
        let a = stored(&app, SLUG).expect("the article was stored");
        assert_eq!(a.article.status.as_str(), "published");
        assert!(a.article.published_at.is_some_and(|at| at <= now()));
        assert!(a.visible, "{backend:?}");
        assert_eq!(
            (a.category.as_str(), a.author.as_str()),
            ("rowing", "tess-columnist")
        );

        let page = app.get(&format!("/rowing/{SLUG}")).await;
        assert_eq!(page.status, 200, "{backend:?}");
        let h2s = page.texts("article h2, main h2");
        for heading in HEADINGS {
            assert!(
                h2s.iter().any(|h| h == heading),
                "{backend:?}: {heading} not in {h2s:?}"
            );
        }
        let hashtags = page.texts(".hashtags a");
        let expected: Vec<String> = TAGS.iter().map(|t| format!("#{t}")).collect();
        assert_eq!(hashtags, expected, "{backend:?}");
        for text in BOILERPLATE {
            assert!(
                !page.body.contains(text),
                "{backend:?}: {text:?} on the page"
            );
        }
    }
);

backend_test!(
    async fn one_malformed_file_means_nothing_is_imported(backend: Backend) {
        let inputs = Inputs::new();
        let only_title = inputs.write("only-title.txt", b"Just a title\n");
        let long_title = inputs.write(
            "long-title.txt",
            format!("\n{}\nHeading\nText.\n", "t".repeat(201)).as_bytes(),
        );
        let binary = inputs.write("binary.txt", b"Title\nHeading\nbad \xff byte\n");
        let missing = inputs.0.join("missing.txt").display().to_string();
        let app = spawn_app(&backend).await;
        let before = article_count(&app);
        let (code, stdout, stderr) = import(
            &app,
            &[
                FIXTURE,
                &only_title,
                FIXTURE,
                &long_title,
                &binary,
                &missing,
            ],
        );
        assert_eq!(code, 1, "{backend:?}: {stderr}");
        assert_eq!(stdout, "", "nothing is reported as imported");
        let lines: Vec<&str> = stderr.lines().collect();
        assert!(
            lines.iter().all(|l| l.starts_with("iconocast: ")),
            "{stderr}"
        );
        for expected in [
            format!("iconocast: {only_title}:1: no section"),
            format!("iconocast: {long_title}:2: the title is 201 characters long"),
            format!("iconocast: {binary}:3: the text is not valid UTF-8"),
            format!("iconocast: {missing}: cannot read the file"),
        ] {
            assert!(
                lines.iter().any(|l| l.starts_with(&expected)),
                "{expected:?} in {stderr}"
            );
        }
        assert!(!stderr.contains("imported 1/"), "{stderr}");
        assert!(stderr.contains("nothing was imported"), "{stderr}");
        assert!(
            stored(&app, SLUG).is_none(),
            "{backend:?}: the good file neither"
        );
        assert_eq!(article_count(&app), before, "{backend:?}");
    }
);

backend_test!(
    async fn files_past_the_editors_limits_are_refused_and_nothing_is_imported(backend: Backend) {
        let inputs = Inputs::new();
        let mut text = String::from("A headline\nA section\nSome words.\n");
        for line in 0..30 {
            let tags: Vec<String> = (0..200).map(|i| format!("#t{line}x{i}")).collect();
            text.push_str(&tags.join(" "));
            text.push('\n');
        }
        let tags = inputs.write("tags.txt", text.as_bytes());
        let mut text = String::from("A headline\n");
        for i in 1..=61 {
            text.push_str(&format!("Part {i}\nSome words.\n"));
        }
        let sections = inputs.write("sections.txt", text.as_bytes());
        let huge = inputs.write(
            "huge.txt",
            format!(
                "A headline\nA section\n{}",
                "Words and words.\n".repeat(130_000)
            )
            .as_bytes(),
        );
        let app = spawn_app(&backend).await;
        let before = article_count(&app);
        let (code, stdout, stderr) = import(&app, &[FIXTURE, &tags, &sections, &huge]);
        assert_eq!(code, 1, "{backend:?}: {stderr}");
        assert_eq!(stdout, "");
        for expected in [
            format!("iconocast: {tags}:4: a hashtag more than an article may have: at most 20"),
            format!(
                "iconocast: {sections}:122: a section more than an article may have: at most 60"
            ),
            format!("iconocast: {huge}:1: the text is over 2 MB"),
        ] {
            assert!(
                stderr.lines().any(|l| l.starts_with(&expected)),
                "{expected:?} in {stderr}"
            );
        }
        assert!(stderr.contains("nothing was imported"), "{stderr}");
        assert_eq!(article_count(&app), before, "{backend:?}");
    }
);

backend_test!(
    async fn several_files_show_progress_and_get_unique_slugs(backend: Backend) {
        let inputs = Inputs::new();
        let second = inputs.write(
            "second.txt",
            "A second story\r\n\r\nWhat happened\r\nSomething did, and it mattered.\r\n#Extra\r\n"
                .as_bytes(),
        );
        let app = spawn_app(&backend).await;
        let before = article_count(&app);
        let (code, stdout, stderr) = import(&app, &[FIXTURE, &second, FIXTURE]);
        assert_eq!(code, 0, "{backend:?}: {stderr}");
        for expected in [
            format!("imported 1/3: {TITLE}"),
            "imported 2/3: A second story".to_owned(),
            format!("imported 3/3: {TITLE}"),
        ] {
            assert!(
                stderr.lines().any(|l| l == expected),
                "{expected:?} in {stderr}"
            );
        }
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(
            lines,
            [
                format!("draft /health-technology-science/{SLUG}  {TITLE}"),
                "draft /health-technology-science/a-second-story  A second story".to_owned(),
                format!("draft /health-technology-science/{SLUG}-2  {TITLE}"),
            ],
            "{backend:?}"
        );
        assert_eq!(article_count(&app), before + 3);
        let again = stored(&app, &format!("{SLUG}-2")).expect("the second copy");
        assert_eq!(again.headings, HEADINGS);
        let second = stored(&app, "a-second-story").expect("the second story");
        assert_eq!(second.headings, ["What happened"]);
        assert_eq!(second.tags, ["Extra"]);
    }
);

backend_test!(
    async fn an_unknown_category_or_author_is_refused_and_nothing_is_imported(backend: Backend) {
        let app = spawn_app(&backend).await;
        let before = article_count(&app);
        for (args, message) in [
            (
                ["--category", "nowhere"],
                "iconocast: unknown category \"nowhere\"",
            ),
            (
                ["--author", "nobody"],
                "iconocast: unknown author \"nobody\"",
            ),
        ] {
            let mut all = args.to_vec();
            all.push(FIXTURE);
            let (code, stdout, stderr) = import(&app, &all);
            assert_eq!(code, 1, "{backend:?}: {stderr}");
            assert_eq!(stdout, "");
            assert_eq!(stderr.lines().count(), 1, "{stderr}");
            assert!(stderr.starts_with(message), "{stderr}");
        }
        assert_eq!(article_count(&app), before, "{backend:?}");
    }
);
