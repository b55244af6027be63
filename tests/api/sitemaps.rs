//! The crawler surface: robots.txt, the sitemap index and its children, and
//! the Google News sitemap. Every XML answer is parsed, every listed URL is
//! fetched, and hidden or noindex content must be absent.

use chrono::NaiveDateTime;
use chrono::{DateTime, FixedOffset};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use iconocast::db::schema::{articles, categories};
use iconocast::db::settings;
use iconocast::db::sitemaps::IDS_PER_SITEMAP;
use iconocast::domain::{ArticleKind, ArticleStatus};

use crate::helpers::{backend_test, hours_ago, now, spawn_app, Backend, Page, TestApp};

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";

/// One `<url>` or `<sitemap>`: its `loc` and its parsed `lastmod`.
#[derive(Debug, Clone)]
struct Entry {
    loc: String,
    lastmod: DateTime<FixedOffset>,
}

/// The text of the only child element named `name` (sitemap namespace).
fn child_text(node: roxmltree::Node, ns: &str, name: &str) -> String {
    let found: Vec<_> = node
        .children()
        .filter(|c| c.is_element() && c.tag_name().namespace() == Some(ns))
        .filter(|c| c.tag_name().name() == name)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one <{name}> in <{}>",
        node.tag_name().name()
    );
    found[0].text().unwrap_or_default().trim().to_owned()
}

/// Parses a sitemap index (`root` = `sitemapindex`, items `sitemap`) or a
/// urlset (`urlset`, `url`), checking the namespace and that every item has
/// an absolute `loc` and an RFC 3339 `lastmod`.
fn entries(app: &TestApp, page: &Page, root: &str, item: &str) -> Vec<Entry> {
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        page.header("content-type").as_deref(),
        Some("application/xml; charset=utf-8")
    );
    assert!(page
        .body
        .starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    let doc = roxmltree::Document::parse(&page.body).expect("well-formed XML");
    let top = doc.root_element();
    assert_eq!(top.tag_name().name(), root);
    assert_eq!(top.tag_name().namespace(), Some(SITEMAP_NS));
    top.children()
        .filter(|c| c.is_element())
        .map(|node| {
            assert_eq!(node.tag_name().name(), item);
            assert_eq!(node.tag_name().namespace(), Some(SITEMAP_NS));
            let loc = child_text(node, SITEMAP_NS, "loc");
            assert!(
                loc.starts_with(&format!("{}/", app.address)),
                "{loc} is absolute"
            );
            let lastmod = child_text(node, SITEMAP_NS, "lastmod");
            let lastmod = DateTime::parse_from_rfc3339(&lastmod)
                .unwrap_or_else(|e| panic!("lastmod {lastmod} of {loc}: {e}"));
            Entry { loc, lastmod }
        })
        .collect()
}

/// The path of an absolute URL of the app.
fn path_of<'a>(app: &TestApp, loc: &'a str) -> &'a str {
    loc.strip_prefix(&app.address).expect("a URL of the app")
}

async fn urlset(app: &TestApp, path: &str) -> Vec<Entry> {
    let page = app.get(path).await;
    assert!(page.header("last-modified").is_some(), "{path}");
    entries(app, &page, "urlset", "url")
}

async fn urlset_paths(app: &TestApp, path: &str) -> Vec<String> {
    urlset(app, path)
        .await
        .iter()
        .map(|e| path_of(app, &e.loc).to_owned())
        .collect()
}

async fn index(app: &TestApp) -> Vec<Entry> {
    let page = app.get("/sitemap.xml").await;
    assert!(page.header("last-modified").is_some());
    entries(app, &page, "sitemapindex", "sitemap")
}

/// One `<url>` of the news sitemap.
#[derive(Debug)]
struct NewsItem {
    path: String,
    name: String,
    language: String,
    published: DateTime<FixedOffset>,
    title: String,
}

async fn news_items(app: &TestApp) -> Vec<NewsItem> {
    let page = app.get("/news-sitemap.xml").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type").as_deref(),
        Some("application/xml; charset=utf-8")
    );
    let doc = roxmltree::Document::parse(&page.body).expect("well-formed XML");
    let top = doc.root_element();
    assert_eq!(top.tag_name().name(), "urlset");
    assert_eq!(top.tag_name().namespace(), Some(SITEMAP_NS));
    assert_eq!(top.lookup_namespace_uri(Some("news")), Some(NEWS_NS));
    top.children()
        .filter(|c| c.is_element())
        .map(|url| {
            assert_eq!(url.tag_name().name(), "url");
            let loc = child_text(url, SITEMAP_NS, "loc");
            let news = url
                .children()
                .find(|c| c.has_tag_name((NEWS_NS, "news")))
                .expect("<news:news>");
            let publication = news
                .children()
                .find(|c| c.has_tag_name((NEWS_NS, "publication")))
                .expect("<news:publication>");
            let published = child_text(news, NEWS_NS, "publication_date");
            NewsItem {
                path: path_of(app, &loc).to_owned(),
                name: child_text(publication, NEWS_NS, "name"),
                language: child_text(publication, NEWS_NS, "language"),
                published: DateTime::parse_from_rfc3339(&published)
                    .unwrap_or_else(|e| panic!("publication_date {published}: {e}")),
                title: child_text(news, NEWS_NS, "title"),
            }
        })
        .collect()
}

fn robots_meta(page: &Page) -> Vec<String> {
    page.attrs("meta[name=robots]", "content")
}

/// Inserts `count` published news articles in `category_id`, with slugs
/// `bulk-1`, `bulk-2`, ..., with one statement (no sections, hashtags or
/// search rows: sitemaps need none).
fn bulk_articles(app: &TestApp, category_id: i32, count: u32) {
    bulk_articles_named(app, category_id, "bulk", count);
}

/// [`bulk_articles`] with slugs `{prefix}-1`, `{prefix}-2`, ...
fn bulk_articles_named(app: &TestApp, category_id: i32, prefix: &str, count: u32) {
    let author = app.writer();
    let at = hours_ago(2).format("%Y-%m-%d %H:%M:%S");
    let sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) \
         INSERT INTO articles (kind, category_id, slug, title, author_id, status, \
         published_at, created_at, updated_at) \
         SELECT 'news', {category_id}, '{prefix}-' || i, 'Bulk article ' || i, {author}, \
         'published', '{at}', '{at}', '{at}' FROM n"
    );
    app.with_conn(|c| c.batch_execute(&sql))
        .expect("bulk insert");
}

backend_test!(
    async fn robots_txt_allows_the_site_keeps_out_of_admin_and_names_both_sitemaps(
        backend: Backend,
    ) {
        let app = spawn_app(&backend).await;
        let page = app.get("/robots.txt").await;
        assert_eq!(page.status, 200, "{backend:?}");
        assert_eq!(
            page.header("content-type").as_deref(),
            Some("text/plain; charset=utf-8")
        );
        let lines: Vec<&str> = page.body.lines().collect();
        let index = format!("Sitemap: {}/sitemap.xml", app.address);
        let news = format!("Sitemap: {}/news-sitemap.xml", app.address);
        for expected in [
            "User-agent: *",
            "Allow: /",
            "Disallow: /admin$",
            "Disallow: /admin/",
            &index,
            &news,
        ] {
            assert!(lines.contains(&expected), "{expected:?} in {lines:?}");
        }
        // Only the staff area is disallowed, not every path that starts
        // with "admin" (a category could be /administration).
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("Disallow:")).count(),
            2,
            "only /admin is disallowed"
        );
    }
);

backend_test!(
    async fn the_index_lists_every_child_and_every_listed_url_answers_200(backend: Backend) {
        let app = spawn_app(&backend).await;
        let children = index(&app).await;
        let paths: Vec<&str> = children.iter().map(|e| path_of(&app, &e.loc)).collect();
        assert_eq!(
            paths,
            [
                "/sitemaps/pages.xml",
                "/sitemaps/categories.xml",
                "/sitemaps/tags.xml",
                "/sitemaps/authors.xml",
                "/sitemaps/articles-1.xml",
            ],
            "{backend:?}"
        );
        for child in &children {
            let path = path_of(&app, &child.loc);
            let urls = urlset(&app, path).await;
            assert!(!urls.is_empty(), "{backend:?}: {path} lists something");
            // The index dates the pages and articles sitemaps by the newest
            // URL they list, and the others no earlier than that.
            let newest = urls.iter().map(|u| u.lastmod).max().expect("a date");
            if path == "/sitemaps/pages.xml" || path.starts_with("/sitemaps/articles-") {
                assert_eq!(newest, child.lastmod, "{backend:?}: {path}");
            } else {
                assert!(newest <= child.lastmod, "{backend:?}: {path}");
            }
            for url in &urls {
                let target = path_of(&app, &url.loc);
                let page = app.get(target).await;
                assert_eq!(page.status, 200, "{backend:?}: {target} from {path}");
                assert!(
                    robots_meta(&page).is_empty(),
                    "{backend:?}: {target} is listed but noindex"
                );
            }
        }

        // The demo writes the three trust pages.
        assert_eq!(
            urlset_paths(&app, "/sitemaps/pages.xml").await,
            [
                "/",
                "/blog",
                "/about",
                "/corrections",
                "/corrections-policy",
                "/publishing-principles",
                "/masthead"
            ]
        );
        assert_eq!(
            urlset_paths(&app, "/sitemaps/categories.xml").await,
            [
                "/health-technology-science",
                "/books-arts",
                "/entertainment-tv",
                "/sport",
                "/travel"
            ]
        );
        let tags = urlset_paths(&app, "/sitemaps/tags.xml").await;
        assert!(tags.iter().all(|t| t.starts_with("/tag/")), "{tags:?}");
        let authors = urlset_paths(&app, "/sitemaps/authors.xml").await;
        assert!(authors.contains(&"/author/amara-okafor".to_owned()));
        let articles = urlset_paths(&app, "/sitemaps/articles-1.xml").await;
        assert!(articles.contains(&"/sport/the-quiet-science-of-the-warm-up".to_owned()));
        assert!(articles.iter().any(|a| a.starts_with("/blog/")));

        // Conditional GET works on sitemaps as on pages.
        let page = app.get("/sitemap.xml").await;
        let etag = page.header("etag").expect("etag");
        let again = app
            .get_with("/sitemap.xml", &[("if-none-match", &etag)])
            .await;
        assert_eq!(again.status, 304);
    }
);

/// An article's kind, status, publish time, edit time and expiry.
type Dated = (
    ArticleKind,
    ArticleStatus,
    Option<NaiveDateTime>,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

backend_test!(
    /// The home page and the blog are dated by the newest change among the
    /// visible articles they cover, found on the edit-time index: that
    /// holds when the newest edits are all of drafts, too many to look past
    /// in one step.
    async fn the_home_and_blog_dates_skip_edits_of_hidden_articles(backend: Backend) {
        let app = spawn_app(&backend).await;
        let expected = |blog_only: bool| {
            let rows: Vec<Dated> = app
                .with_conn(|c| {
                    articles::table
                        .select((
                            articles::kind,
                            articles::status,
                            articles::published_at,
                            articles::updated_at,
                            articles::expires_at,
                        ))
                        .load(c)
                })
                .expect("articles");
            rows.into_iter()
                .filter(|(kind, status, published, _, expires)| {
                    status.is_visible(*published, *expires, now())
                        && (!blog_only || *kind == ArticleKind::Blog)
                })
                .map(|(_, _, published, updated, _)| published.map_or(updated, |p| p.max(updated)))
                .max()
                .expect("a visible article")
                .format("%Y-%m-%dT%H:%M:%S")
                .to_string()
        };
        let dated = || async {
            urlset(&app, "/sitemaps/pages.xml")
                .await
                .into_iter()
                .map(|e| {
                    let date = e
                        .lastmod
                        .naive_utc()
                        .format("%Y-%m-%dT%H:%M:%S")
                        .to_string();
                    (path_of(&app, &e.loc).to_owned(), date)
                })
                .collect::<Vec<_>>()
        };
        let check = || async {
            let dates = dated().await;
            assert_eq!(dates[0], ("/".to_owned(), expected(false)), "{backend:?}");
            assert_eq!(
                dates[1],
                ("/blog".to_owned(), expected(true)),
                "{backend:?}"
            );
        };
        check().await;
        // A visible blog post edited now, then a hundred drafts edited later.
        let edited = now().format("%Y-%m-%d %H:%M:%S");
        app.with_conn(|c| {
            c.batch_execute(&format!(
                "UPDATE articles SET updated_at = '{edited}' WHERE id = \
                 (SELECT min(id) FROM articles WHERE kind = 'blog' AND status = 'published')"
            ))
        })
        .expect("edit a blog post");
        check().await;
        let later = (now() + chrono::Duration::minutes(10)).format("%Y-%m-%d %H:%M:%S");
        let rowing = app.category("Rowing");
        bulk_articles_named(&app, rowing.id, "draft", 100);
        app.with_conn(|c| {
            c.batch_execute(&format!(
                "UPDATE articles SET status = 'draft', updated_at = '{later}' \
                 WHERE slug LIKE 'draft-%'"
            ))
        })
        .expect("drafts edited later");
        check().await;
    }
);

backend_test!(
    async fn hidden_articles_and_what_only_they_carry_are_absent(backend: Backend) {
        let app = spawn_app(&backend).await;
        let rowing = app.category("Rowing");
        let article = |slug: &str, tags: &[&str], status, at| {
            app.article(slug)
                .slug(slug)
                .in_category(&rowing)
                .tags(tags)
                .with_status(status, Some(at))
                .create()
        };
        let hidden_tag = ["OnlyHidden"];
        article(
            "a-sitemap-draft",
            &hidden_tag,
            ArticleStatus::Draft,
            hours_ago(1),
        );
        let later = now() + chrono::Duration::hours(3);
        article(
            "a-sitemap-future",
            &hidden_tag,
            ArticleStatus::Scheduled,
            later,
        );
        article(
            "a-sitemap-shown",
            &["Shown"],
            ArticleStatus::Published,
            hours_ago(1),
        );

        let articles = urlset_paths(&app, "/sitemaps/articles-1.xml").await;
        assert!(articles.contains(&"/rowing/a-sitemap-shown".to_owned()));
        for hidden in [
            "/rowing/a-sitemap-draft",
            "/rowing/a-sitemap-future",
            // Demo content: a draft and two articles scheduled for later.
            "/sport/why-rest-days-make-you-fitter",
            "/health-technology-science/protecting-your-hearing-everyday-noise",
            "/blog/why-we-slow-down-on-breaking-news",
        ] {
            assert!(
                !articles.contains(&hidden.to_owned()),
                "{backend:?}: {hidden} is hidden"
            );
            assert_eq!(app.get(hidden).await.status, 404, "{hidden}");
        }
        let news_paths: Vec<String> = news_items(&app).await.into_iter().map(|i| i.path).collect();
        assert!(news_paths.contains(&"/rowing/a-sitemap-shown".to_owned()));
        assert!(!news_paths
            .iter()
            .any(|p| p.starts_with("/rowing/a-sitemap-d")));
        assert!(!news_paths
            .iter()
            .any(|p| p.starts_with("/rowing/a-sitemap-f")));

        let tags = urlset_paths(&app, "/sitemaps/tags.xml").await;
        assert!(tags.contains(&"/tag/shown".to_owned()), "{tags:?}");
        assert!(
            !tags.contains(&"/tag/onlyhidden".to_owned()),
            "{backend:?}: a hashtag only hidden articles carry"
        );
    }
);

backend_test!(
    async fn an_article_flagged_noindex_leaves_the_sitemaps_and_says_noindex(backend: Backend) {
        let app = spawn_app(&backend).await;
        let rowing = app.category("Rowing");
        let id = app
            .article("Quiet one")
            .in_category(&rowing)
            .tags(&["QuietTag"])
            .create();
        let path = format!("/{}/quiet-one", rowing.slug);
        assert!(urlset_paths(&app, "/sitemaps/articles-1.xml")
            .await
            .contains(&path));
        assert!(news_items(&app).await.iter().any(|i| i.path == path));
        assert!(urlset_paths(&app, "/sitemaps/tags.xml")
            .await
            .contains(&"/tag/quiettag".to_owned()));
        assert!(robots_meta(&app.get(&path).await).is_empty());

        app.with_conn(|c| {
            diesel::update(articles::table.find(id))
                .set(articles::noindex.eq(true))
                .execute(c)
        })
        .expect("flag noindex");

        let articles = urlset_paths(&app, "/sitemaps/articles-1.xml").await;
        assert!(!articles.contains(&path), "{backend:?}");
        assert!(!articles.is_empty());
        assert!(
            !news_items(&app).await.iter().any(|i| i.path == path),
            "{backend:?}"
        );
        assert!(
            !urlset_paths(&app, "/sitemaps/tags.xml")
                .await
                .contains(&"/tag/quiettag".to_owned()),
            "{backend:?}: the hashtag only a noindex article carries"
        );
        let page = app.get(&path).await;
        assert_eq!(page.status, 200, "a noindex article is still public");
        assert_eq!(robots_meta(&page), ["noindex"], "{backend:?}");
    }
);

backend_test!(
    async fn a_category_flagged_noindex_leaves_the_sitemaps_with_its_articles(backend: Backend) {
        let app = spawn_app(&backend).await;
        let sailing = app.category("Sailing");
        app.rowing_story();
        app.article("A trip today")
            .slug("trip-today")
            .in_category(&sailing)
            .create();
        app.article("A trip yesterday")
            .in_category(&sailing)
            .published_hours_ago(24)
            .create();
        let before = urlset_paths(&app, "/sitemaps/articles-1.xml").await;
        let in_travel = before.iter().filter(|p| p.starts_with("/sailing/")).count();
        assert_eq!(in_travel, 2, "{backend:?}: its articles are listed");
        assert!(news_items(&app)
            .await
            .iter()
            .any(|i| i.path == "/sailing/trip-today"));

        app.with_conn(|c| {
            diesel::update(categories::table.find(sailing.id))
                .set(categories::noindex.eq(true))
                .execute(c)
        })
        .expect("flag noindex");

        let cats = urlset_paths(&app, "/sitemaps/categories.xml").await;
        assert!(
            !cats.contains(&"/sailing".to_owned()),
            "{backend:?}: {cats:?}"
        );
        assert!(cats.contains(&"/rowing".to_owned()));
        let after = urlset_paths(&app, "/sitemaps/articles-1.xml").await;
        assert!(
            !after.iter().any(|p| p.starts_with("/sailing/")),
            "{backend:?}"
        );
        assert_eq!(after.len(), before.len() - in_travel);
        assert!(!news_items(&app)
            .await
            .iter()
            .any(|i| i.path.starts_with("/sailing/")));
        for path in ["/sailing", "/sailing/trip-today"] {
            let page = app.get(path).await;
            assert_eq!(page.status, 200, "{path}");
            assert_eq!(robots_meta(&page), ["noindex"], "{backend:?}: {path}");
        }
    }
);

backend_test!(
    async fn the_news_sitemap_lists_the_last_two_days_newest_first(backend: Backend) {
        let app = spawn_app(&backend).await;
        let rowing = app.category("Rowing");
        let title = "Wire & \"quotes\" <fresh>";
        app.article(title)
            .slug("fresh-wire")
            .in_category(&rowing)
            .create();
        app.article("Old wire")
            .in_category(&rowing)
            .published_hours_ago(72)
            .create();
        let site = app.with_conn(settings::load).expect("settings").name;

        let items = news_items(&app).await;
        let fresh = items
            .iter()
            .find(|i| i.path == "/rowing/fresh-wire")
            .unwrap_or_else(|| panic!("{backend:?}: fresh article listed in {items:?}"));
        assert_eq!(fresh.title, title, "escaped and read back");
        assert_eq!(fresh.name, site);
        assert_eq!(fresh.language, "en");
        let age = now().and_utc() - fresh.published.to_utc();
        assert!(age.num_minutes() >= 59 && age.num_minutes() <= 61, "{age}");
        assert!(
            !items.iter().any(|i| i.path == "/rowing/old-wire"),
            "{backend:?}: three days old"
        );
        for item in &items {
            let age = now().and_utc() - item.published.to_utc();
            assert!(age <= chrono::Duration::hours(48), "{item:?}");
            assert!(age >= chrono::Duration::zero(), "{item:?}");
            assert_eq!(app.get(&item.path).await.status, 200, "{}", item.path);
        }
        assert!(
            items.windows(2).all(|w| w[0].published >= w[1].published),
            "newest first"
        );
        assert!(app
            .get("/news-sitemap.xml")
            .await
            .header("last-modified")
            .is_some());
    }
);

/// The articles sitemaps the index names, as paths.
async fn articles_children(app: &TestApp) -> Vec<String> {
    index(app)
        .await
        .iter()
        .map(|e| path_of(app, &e.loc).to_owned())
        .filter(|p| p.starts_with("/sitemaps/articles-"))
        .collect()
}

/// The highest article id so far.
fn max_article_id(app: &TestApp) -> i32 {
    app.with_conn(|c| {
        articles::table
            .select(diesel::dsl::max(articles::id))
            .first::<Option<i32>>(c)
    })
    .expect("max id")
    .unwrap_or(0)
}

backend_test!(
    async fn articles_sitemaps_page_by_runs_of_ids_and_unknown_pages_are_404(backend: Backend) {
        let app = spawn_app(&backend).await;
        let articles = articles_children(&app).await;
        assert_eq!(articles, ["/sitemaps/articles-1.xml"], "{backend:?}");
        for missing in [
            "/sitemaps/articles-2.xml",
            "/sitemaps/articles-0.xml",
            "/sitemaps/articles-x.xml",
            "/sitemaps/articles-01.xml",
            "/sitemaps/articles--1.xml",
            "/sitemaps/articles-99999999999.xml",
            "/sitemaps/articles-4294967295.xml",
            "/sitemaps/nothing.xml",
            "/sitemaps",
        ] {
            assert_eq!(app.get(missing).await.status, 404, "{backend:?}: {missing}");
        }

        // Past id 1,023 a second page appears, holding exactly the articles
        // from id 1,024 on; together the pages list each article once.
        let before = urlset_paths(&app, "/sitemaps/articles-1.xml").await;
        let rowing = app.category("Rowing");
        let start = max_article_id(&app);
        let added = u32::try_from(IDS_PER_SITEMAP + 1 - start).expect("a few demo articles");
        bulk_articles(&app, rowing.id, added);
        assert_eq!(max_article_id(&app), IDS_PER_SITEMAP + 1);
        // A hidden article does not count towards a page.
        app.article("Bulk draft")
            .in_category(&rowing)
            .with_status(ArticleStatus::Draft, Some(hours_ago(1)))
            .create();

        let children = articles_children(&app).await;
        assert_eq!(
            children,
            ["/sitemaps/articles-1.xml", "/sitemaps/articles-2.xml"],
            "{backend:?}"
        );
        let first = urlset_paths(&app, "/sitemaps/articles-1.xml").await;
        let second = urlset_paths(&app, "/sitemaps/articles-2.xml").await;
        // Ids 1,024 and 1,025 are the last two bulk articles.
        let bulk = |n: u32| format!("/rowing/bulk-{n}");
        assert_eq!(second, [bulk(added - 1), bulk(added)], "{backend:?}");
        assert_eq!(
            first.len(),
            before.len() + added as usize - 2,
            "{backend:?}"
        );
        assert!(first.contains(&bulk(added - 2)), "{backend:?}: id 1,023");
        let mut all: Vec<&String> = first.iter().chain(&second).collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), before.len() + added as usize);
        assert!(!all.iter().any(|p| p.ends_with("bulk-draft")));
        assert_eq!(app.get("/sitemaps/articles-3.xml").await.status, 404);

        // A run of ids with nothing to list has no sitemap, and the index
        // skips it; the pages after it keep their numbers.
        bulk_articles_named(
            &app,
            rowing.id,
            "run",
            u32::try_from(IDS_PER_SITEMAP).expect("small"),
        );
        app.with_conn(|c| {
            c.batch_execute(&format!(
                "UPDATE articles SET noindex = TRUE WHERE id BETWEEN {} AND {}",
                IDS_PER_SITEMAP,
                2 * IDS_PER_SITEMAP - 1
            ))
        })
        .expect("noindex a run");
        let children = articles_children(&app).await;
        assert_eq!(
            children,
            ["/sitemaps/articles-1.xml", "/sitemaps/articles-3.xml"],
            "{backend:?}"
        );
        assert_eq!(app.get("/sitemaps/articles-2.xml").await.status, 404);
        let past_the_run = max_article_id(&app) - 2 * IDS_PER_SITEMAP + 1;
        assert_eq!(
            urlset_paths(&app, "/sitemaps/articles-3.xml").await.len(),
            usize::try_from(past_the_run).expect("a few"),
            "{backend:?}"
        );
    }
);

/// The articles sitemaps as the index lists them: for each, the number of
/// URLs it holds, after checking that the index dates it by the newest
/// change it lists, that each lists only ids of its own run of
/// `IDS_PER_SITEMAP`, and that together they list each URL once.
async fn articles_sitemaps(app: &TestApp) -> Vec<usize> {
    let children: Vec<Entry> = index(app)
        .await
        .into_iter()
        .filter(|e| path_of(app, &e.loc).starts_with("/sitemaps/articles-"))
        .collect();
    let ids: std::collections::HashMap<String, i32> = app
        .with_conn(|c| {
            articles::table
                .select((articles::slug, articles::id))
                .load::<(String, i32)>(c)
        })
        .expect("article ids")
        .into_iter()
        .collect();
    let mut sizes = Vec::new();
    let mut all = Vec::new();
    let mut last = 0;
    for child in &children {
        let path = path_of(app, &child.loc);
        let number: i32 = path
            .trim_start_matches("/sitemaps/articles-")
            .trim_end_matches(".xml")
            .parse()
            .expect("a numbered sitemap");
        assert!(number > last, "{path} after articles-{last}");
        last = number;
        let urls = urlset(app, path).await;
        let newest = urls.iter().map(|u| u.lastmod).max().expect("a URL");
        assert_eq!(newest, child.lastmod, "{path} is dated by its newest URL");
        for url in &urls {
            let slug = url.loc.rsplit('/').next().expect("a slug");
            let id = ids[slug];
            assert_eq!((id / IDS_PER_SITEMAP) + 1, number, "{} in {path}", url.loc);
        }
        sizes.push(urls.len());
        all.extend(urls.into_iter().map(|u| u.loc));
    }
    let listed = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), listed, "each article is listed once");
    let past_end = format!("/sitemaps/articles-{}.xml", last + 1);
    assert_eq!(app.get(&past_end).await.status, 404, "{past_end}");
    sizes
}

backend_test!(
    /// The sitemap index counts and dates the articles sitemaps from per-block
    /// counts that triggers keep: they must follow every way an article enters,
    /// leaves or changes in the sitemaps, made by any writer.
    async fn articles_sitemaps_follow_every_change_of_their_articles(backend: Backend) {
        let app = spawn_app(&backend).await;
        let sailing = app.category("Sailing");
        for title in ["A trip today", "A trip yesterday"] {
            app.article(title).in_category(&sailing).create();
        }
        let before = urlset_paths(&app, "/sitemaps/articles-1.xml").await.len();
        let rowing = app.category("Rowing");
        let added =
            u32::try_from(IDS_PER_SITEMAP - max_article_id(&app)).expect("a few demo articles");
        bulk_articles(&app, rowing.id, added);
        // The last bulk article has id 1,024, the first of page 2.
        let full = before + added as usize - 1;
        assert_eq!(articles_sitemaps(&app).await, [full, 1], "{backend:?}");
        let set = |sql: &str| {
            app.with_conn(|c| c.batch_execute(sql))
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        };

        // An edit moves the date of its own page only.
        let dates = || async {
            index(&app)
                .await
                .into_iter()
                .filter(|e| path_of(&app, &e.loc).starts_with("/sitemaps/articles-"))
                .map(|e| e.lastmod)
                .collect::<Vec<_>>()
        };
        let old = dates().await;
        let edited = (now() + chrono::Duration::minutes(5)).format("%Y-%m-%d %H:%M:%S");
        set(&format!(
            "UPDATE articles SET updated_at = '{edited}' WHERE slug = 'bulk-500'"
        ));
        let new = dates().await;
        assert_eq!(
            new[0].naive_utc().format("%Y-%m-%d %H:%M:%S").to_string(),
            edited.to_string(),
            "{backend:?}"
        );
        assert_eq!(new[1], old[1], "{backend:?}");
        assert_eq!(articles_sitemaps(&app).await, [full, 1]);

        // Hidden in any way, an article of the first page leaves it, and
        // no other article changes page; shown again, it comes back.
        for (hide, show) in [
            (
                "UPDATE articles SET status = 'draft' WHERE slug = 'bulk-10'",
                "UPDATE articles SET status = 'published' WHERE slug = 'bulk-10'",
            ),
            (
                &*format!(
                    "UPDATE articles SET status = 'scheduled', published_at = '{}' \
                     WHERE slug = 'bulk-10'",
                    (now() + chrono::Duration::hours(2)).format("%Y-%m-%d %H:%M:%S")
                ),
                &*format!(
                    "UPDATE articles SET published_at = '{}' WHERE slug = 'bulk-10'",
                    hours_ago(3).format("%Y-%m-%d %H:%M:%S")
                ),
            ),
            (
                "UPDATE articles SET noindex = TRUE WHERE slug = 'bulk-10'",
                "UPDATE articles SET noindex = FALSE WHERE slug = 'bulk-10'",
            ),
        ] {
            set(hide);
            assert_eq!(
                articles_sitemaps(&app).await,
                [full - 1, 1],
                "{backend:?}: {hide}"
            );
            set(show);
            assert_eq!(
                articles_sitemaps(&app).await,
                [full, 1],
                "{backend:?}: {show}"
            );
        }

        // A category flagged noindex takes its articles out of every page.
        let in_sailing = urlset_paths(&app, "/sitemaps/articles-1.xml")
            .await
            .iter()
            .filter(|p| p.starts_with("/sailing/"))
            .count();
        assert_eq!(in_sailing, 2, "{backend:?}: its articles are listed");
        set(&format!(
            "UPDATE categories SET noindex = TRUE WHERE id = {}",
            sailing.id
        ));
        assert_eq!(
            articles_sitemaps(&app).await,
            [full - in_sailing, 1],
            "{backend:?}"
        );
        set(&format!(
            "UPDATE categories SET noindex = FALSE WHERE id = {}",
            sailing.id
        ));
        assert_eq!(articles_sitemaps(&app).await, [full, 1], "{backend:?}");

        // A deleted article leaves its page.
        set("DELETE FROM articles WHERE slug = 'bulk-20'");
        assert_eq!(articles_sitemaps(&app).await, [full - 1, 1], "{backend:?}");
    }
);
