//! Syndication feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1 for the site and
//! for every category, hashtag, author and the blog; well-formed, absolute links, stable ids, escaping, only
//! visible and indexable articles, and the feed links in every head.

use std::collections::HashSet;

use chrono::{DateTime, Duration};
use diesel::prelude::*;
use iconocast::db::articles::{self as db_articles, Listing};
use iconocast::db::schema::{articles, categories};
use iconocast::db::settings;
use iconocast::domain::ArticleStatus;
use roxmltree::{Document, Node};

use crate::helpers::{backend_test, hours_ago, now, spawn_app, Backend, Page, TestApp};

const ATOM: &str = "http://www.w3.org/2005/Atom";
const CONTENT: &str = "http://purl.org/rss/1.0/modules/content/";
const DC: &str = "http://purl.org/dc/elements/1.1/";

/// An RSS item as a reader sees it.
#[derive(Debug, Clone, PartialEq)]
struct RssItem {
    title: String,
    link: String,
    guid: String,
    description: String,
    content: String,
    creator: String,
    pub_date: String,
    categories: Vec<String>,
}

/// A parsed RSS channel.
#[derive(Debug)]
struct Rss {
    title: String,
    link: String,
    description: String,
    language: String,
    self_href: String,
    items: Vec<RssItem>,
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: (&str, &str)) -> Option<Node<'a, 'i>> {
    node.children().find(|n| {
        if name.0.is_empty() {
            n.is_element() && n.tag_name().namespace().is_none() && n.has_tag_name(name.1)
        } else {
            n.has_tag_name(name)
        }
    })
}

fn text_of(node: Node, name: (&str, &str)) -> String {
    child(node, name)
        .map(|n| n.text().unwrap_or_default().to_owned())
        .unwrap_or_else(|| panic!("<{}> missing in <{}>", name.1, node.tag_name().name()))
}

fn parse_rss(body: &str) -> Rss {
    let doc = Document::parse(body).unwrap_or_else(|e| panic!("RSS parses: {e}\n{body}"));
    let rss = doc.root_element();
    assert!(rss.has_tag_name("rss"));
    assert_eq!(rss.attribute("version"), Some("2.0"));
    let channel = child(rss, ("", "channel")).expect("a channel");
    let self_link = child(channel, (ATOM, "link")).expect("atom:link in the channel");
    assert_eq!(self_link.attribute("rel"), Some("self"));
    assert_eq!(self_link.attribute("type"), Some("application/rss+xml"));
    let build = text_of(channel, ("", "lastBuildDate"));
    DateTime::parse_from_rfc2822(&build).unwrap_or_else(|e| panic!("lastBuildDate {build}: {e}"));
    let items = channel
        .children()
        .filter(|n| n.has_tag_name("item"))
        .map(|item| {
            let guid = child(item, ("", "guid")).expect("a guid");
            assert_eq!(guid.attribute("isPermaLink"), Some("false"));
            RssItem {
                title: text_of(item, ("", "title")),
                link: text_of(item, ("", "link")),
                guid: guid.text().unwrap_or_default().to_owned(),
                description: text_of(item, ("", "description")),
                content: text_of(item, (CONTENT, "encoded")),
                creator: text_of(item, (DC, "creator")),
                pub_date: text_of(item, ("", "pubDate")),
                categories: item
                    .children()
                    .filter(|n| n.has_tag_name("category"))
                    .map(|n| n.text().unwrap_or_default().to_owned())
                    .collect(),
            }
        })
        .collect();
    Rss {
        title: text_of(channel, ("", "title")),
        link: text_of(channel, ("", "link")),
        description: text_of(channel, ("", "description")),
        language: text_of(channel, ("", "language")),
        self_href: self_link.attribute("href").unwrap_or_default().to_owned(),
        items,
    }
}

async fn fetch(app: &TestApp, path: &str, content_type: &str) -> Page {
    let page = app.get(path).await;
    assert_eq!(page.status, 200, "{path}");
    assert_eq!(
        page.header("content-type").as_deref(),
        Some(content_type),
        "{path}"
    );
    page
}

async fn rss(app: &TestApp, path: &str) -> Rss {
    let page = fetch(app, path, "application/rss+xml; charset=utf-8").await;
    parse_rss(&page.body)
}

/// Checks what every RSS item must have, whatever the feed.
fn check_items(app: &TestApp, feed: &Rss) {
    let host_prefix = "tag:127.0.0.1,";
    let mut guids = HashSet::new();
    let mut previous = None;
    for item in &feed.items {
        assert!(!item.title.is_empty());
        assert!(
            item.link.starts_with(&format!("{}/", app.address)),
            "absolute link: {}",
            item.link
        );
        assert!(item.guid.starts_with(host_prefix), "{}", item.guid);
        let (date, rest) = item.guid[host_prefix.len()..]
            .split_once(':')
            .unwrap_or_else(|| panic!("tag URI {}", item.guid));
        assert!(
            chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(),
            "{}",
            item.guid
        );
        assert!(
            rest.strip_prefix("article-")
                .is_some_and(|id| id.parse::<i32>().is_ok()),
            "{}",
            item.guid
        );
        assert!(guids.insert(item.guid.clone()), "duplicate {}", item.guid);
        assert!(!item.description.is_empty());
        assert!(!item.content.is_empty());
        assert!(!item.creator.is_empty());
        let published = DateTime::parse_from_rfc2822(&item.pub_date)
            .unwrap_or_else(|e| panic!("pubDate {}: {e}", item.pub_date));
        if let Some(p) = previous {
            assert!(published <= p, "newest first");
        }
        previous = Some(published);
    }
}

fn site_name_and_tagline(app: &TestApp) -> (String, String) {
    let site = app.with_conn(settings::load).expect("settings");
    (site.name, site.tagline)
}

fn feed_length(app: &TestApp, listing: Listing) -> usize {
    let n = app
        .with_conn(|c| db_articles::count(c, listing, now(), 20))
        .expect("count");
    usize::try_from(n).expect("small")
}

backend_test!(
    async fn site_feeds_agree_on_items_ids_and_absolute_links(backend: Backend) {
        let app = spawn_app(&backend).await;
        let a = &app.address;
        let (name, tagline) = site_name_and_tagline(&app);

        // RSS 2.0
        let feed = rss(&app, "/feed.xml").await;
        assert_eq!(feed.title, name);
        assert_eq!(feed.link, format!("{a}/"));
        assert_eq!(feed.description, tagline);
        assert_eq!(feed.language, "en");
        assert_eq!(feed.self_href, format!("{a}/feed.xml"));
        assert_eq!(
            feed.items.len(),
            feed_length(&app, Listing::Everything),
            "{backend:?}"
        );
        check_items(&app, &feed);
        let guids: Vec<String> = feed.items.iter().map(|i| i.guid.clone()).collect();
        let links: Vec<String> = feed.items.iter().map(|i| i.link.clone()).collect();
        let again = rss(&app, "/feed.xml").await;
        assert_eq!(
            again.items.iter().map(|i| &i.guid).collect::<Vec<_>>(),
            guids.iter().collect::<Vec<_>>(),
            "guids are stable"
        );
        // Every item link is the article's canonical page.
        let first = &feed.items[0].link;
        let article = app.get(&first[a.len()..]).await;
        assert_eq!(article.status, 200, "{first}");
        assert_eq!(
            article.attrs("link[rel=canonical]", "href"),
            vec![first.clone()]
        );

        // Atom 1.0
        let page = fetch(&app, "/atom.xml", "application/atom+xml; charset=utf-8").await;
        let doc = Document::parse(&page.body).expect("Atom parses");
        let root = doc.root_element();
        assert!(root.has_tag_name((ATOM, "feed")));
        assert_eq!(text_of(root, (ATOM, "id")), "tag:127.0.0.1,2026:feed");
        assert_eq!(text_of(root, (ATOM, "title")), name);
        assert_eq!(text_of(root, (ATOM, "subtitle")), tagline);
        let updated = text_of(root, (ATOM, "updated"));
        DateTime::parse_from_rfc3339(&updated).expect("feed updated is RFC 3339");
        let link = |node: Node, rel: &str| {
            node.children()
                .find(|n| n.has_tag_name((ATOM, "link")) && n.attribute("rel") == Some(rel))
                .and_then(|n| n.attribute("href"))
                .map(str::to_owned)
        };
        assert_eq!(link(root, "self"), Some(format!("{a}/atom.xml")));
        assert_eq!(link(root, "alternate"), Some(format!("{a}/")));
        let author = child(root, (ATOM, "author")).expect("feed author");
        assert_eq!(text_of(author, (ATOM, "name")), name);
        let entries: Vec<Node> = root
            .children()
            .filter(|n| n.has_tag_name((ATOM, "entry")))
            .collect();
        let ids: Vec<String> = entries.iter().map(|e| text_of(*e, (ATOM, "id"))).collect();
        assert_eq!(ids, guids, "Atom ids are the RSS guids");
        for (entry, rss_link) in entries.iter().zip(&links) {
            assert_eq!(link(*entry, "alternate").as_ref(), Some(rss_link));
            let published = text_of(*entry, (ATOM, "published"));
            let published = DateTime::parse_from_rfc3339(&published).expect("published");
            let updated = text_of(*entry, (ATOM, "updated"));
            let updated = DateTime::parse_from_rfc3339(&updated).expect("updated");
            assert!(updated >= published);
            let author = child(*entry, (ATOM, "author")).expect("entry author");
            assert!(!text_of(author, (ATOM, "name")).is_empty());
            assert!(text_of(author, (ATOM, "uri")).starts_with(&format!("{a}/author/")));
            assert!(!text_of(*entry, (ATOM, "summary")).is_empty());
            let content = child(*entry, (ATOM, "content")).expect("content");
            assert_eq!(content.attribute("type"), Some("html"));
            assert!(content.text().is_some_and(|t| t.contains("<h2 id=")));
        }

        // JSON Feed 1.1
        let page = fetch(&app, "/feed.json", "application/feed+json").await;
        let json: serde_json::Value = serde_json::from_str(&page.body).expect("JSON parses");
        assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
        assert_eq!(json["title"], name.as_str());
        assert_eq!(json["home_page_url"], format!("{a}/"));
        assert_eq!(json["feed_url"], format!("{a}/feed.json"));
        assert_eq!(json["description"], tagline.as_str());
        assert_eq!(json["language"], "en");
        let items = json["items"].as_array().expect("items");
        let json_ids: Vec<&str> = items.iter().filter_map(|i| i["id"].as_str()).collect();
        assert_eq!(json_ids, guids, "JSON Feed ids are the RSS guids");
        for (item, rss_link) in items.iter().zip(&links) {
            assert_eq!(item["url"].as_str(), Some(rss_link.as_str()));
            for key in ["title", "summary", "content_html"] {
                assert!(
                    item[key].as_str().is_some_and(|s| !s.is_empty()),
                    "{key} in {item}"
                );
            }
            for key in ["date_published", "date_modified"] {
                let at = item[key].as_str().expect(key);
                DateTime::parse_from_rfc3339(at).unwrap_or_else(|e| panic!("{key} {at}: {e}"));
            }
            let author = &item["authors"][0];
            assert!(author["name"].as_str().is_some_and(|s| !s.is_empty()));
            assert!(author["url"]
                .as_str()
                .is_some_and(|u| u.starts_with(&format!("{a}/author/"))));
            assert!(item["tags"].is_array());
        }
    }
);

backend_test!(
    async fn items_carry_full_content_and_hashtags_and_keep_their_id_across_a_slug_change(
        backend: Backend,
    ) {
        let app = spawn_app(&backend).await;
        let a = &app.address;
        let id = app
            .article("A feed test")
            .in_category(&app.category("Rowing"))
            .tags(&["FeedTest", "Second"])
            .create();
        let item = rss(&app, "/feed.xml").await.items.remove(0);
        assert_eq!(item.title, "A feed test");
        assert_eq!(item.link, format!("{a}/rowing/a-feed-test"));
        assert!(
            item.guid.ends_with(&format!(":article-{id}")),
            "{}",
            item.guid
        );
        assert_eq!(item.description, "The standfirst of A feed test.");
        assert_eq!(item.creator, "Wren Writer");
        assert_eq!(item.categories, vec!["FeedTest", "Second"]);
        let c = &item.content;
        assert!(c.starts_with("<p>An opening paragraph.</p>"), "{c}");
        assert!(
            c.contains("<h2 id=\"first-things\">First things</h2>"),
            "{c}"
        );
        assert!(c.contains("<strong>first</strong>"), "{c}");
        assert!(
            c.find("First things") < c.find("Second thoughts"),
            "sections in reading order"
        );

        // A new slug moves the link, never the id.
        app.with_conn(|conn| {
            diesel::update(articles::table.find(id))
                .set(articles::slug.eq("feed-test-renamed"))
                .execute(conn)
        })
        .expect("rename");
        let renamed = rss(&app, "/feed.xml").await.items.remove(0);
        assert_eq!(renamed.guid, item.guid, "{backend:?}");
        assert_eq!(renamed.link, format!("{a}/rowing/feed-test-renamed"));
    }
);

backend_test!(
    async fn markup_in_titles_and_bodies_is_escaped_once_and_scripts_never_survive(
        backend: Backend,
    ) {
        let title = r#"Fish & chips <b>"quoted"</b>"#;
        let app = spawn_app(&backend).await;
        let food = app.category("Food");
        let mut article = app
            .article(title)
            .in_category(&food)
            .slug("fish-and-chips")
            .tags(&["Food&Drink"]);
        article.input.sections[0] = (
            "Q&A <i>here</i>".to_owned(),
            "**bold** & <script>x</script>".to_owned(),
        );
        article.create();

        let body = fetch(&app, "/feed.xml", "application/rss+xml; charset=utf-8")
            .await
            .body;
        assert!(!body.contains("<script"), "no raw script tag");
        let item = parse_rss(&body).items.remove(0);
        assert_eq!(item.title, title, "{backend:?}");
        assert_eq!(item.description, format!("The standfirst of {title}."));
        assert_eq!(item.categories, vec!["Food&Drink"]);
        assert!(!item.content.contains("<script"), "{}", item.content);
        assert!(
            item.content.contains("<strong>bold</strong> &amp;"),
            "{}",
            item.content
        );
        assert!(
            item.content
                .contains(">Q&amp;A &lt;i&gt;here&lt;/i&gt;</h2>"),
            "headings are text: {}",
            item.content
        );

        let atom = fetch(&app, "/atom.xml", "application/atom+xml; charset=utf-8")
            .await
            .body;
        assert!(!atom.contains("<script"));
        let doc = Document::parse(&atom).expect("Atom parses");
        let entry = doc
            .root_element()
            .children()
            .find(|n| n.has_tag_name((ATOM, "entry")))
            .expect("an entry");
        assert_eq!(text_of(entry, (ATOM, "title")), title);
        let content = text_of(entry, (ATOM, "content"));
        assert!(!content.contains("<script") && content.contains("<strong>bold</strong>"));

        let json: serde_json::Value =
            serde_json::from_str(&app.get("/feed.json").await.body).expect("JSON parses");
        assert_eq!(json["items"][0]["title"], title);
        let html = json["items"][0]["content_html"].as_str().expect("html");
        assert!(!html.contains("<script") && html.contains("<strong>bold</strong>"));
    }
);

backend_test!(
    async fn hidden_and_noindex_articles_and_noindex_categories_stay_out_of_feeds(
        backend: Backend,
    ) {
        let app = spawn_app(&backend).await;
        let a = &app.address;
        let rowing = app.category("Rowing");
        app.article("Feed draft")
            .in_category(&rowing)
            .tags(&["Hush"])
            .with_status(ArticleStatus::Draft, Some(hours_ago(1)))
            .create();
        app.article("Feed future")
            .in_category(&rowing)
            .tags(&["Hush"])
            .with_status(ArticleStatus::Scheduled, Some(now() + Duration::hours(2)))
            .create();
        let quiet = app
            .article("Feed quiet")
            .in_category(&rowing)
            .tags(&["Hush"])
            .create();
        let sculling = app.category("Sculling");
        app.article("Feed trip")
            .in_category(&sculling)
            .tags(&["Hush"])
            .create();

        let links = |feed: &Rss| -> Vec<String> {
            feed.items
                .iter()
                .map(|i| i.link[a.len()..].to_owned())
                .collect()
        };
        let site = links(&rss(&app, "/feed.xml").await);
        assert!(site.contains(&"/rowing/feed-quiet".to_owned()), "{site:?}");
        assert!(site.contains(&"/sculling/feed-trip".to_owned()), "{site:?}");
        for hidden in ["/rowing/feed-draft", "/rowing/feed-future"] {
            for path in ["/feed.xml", "/rowing/feed.xml", "/tag/hush/feed.xml"] {
                let feed = links(&rss(&app, path).await);
                assert!(!feed.contains(&hidden.to_owned()), "{backend:?} {path}");
            }
        }

        // An article flagged noindex leaves every feed.
        app.with_conn(|c| {
            diesel::update(articles::table.find(quiet))
                .set(articles::noindex.eq(true))
                .execute(c)
        })
        .expect("flag article");
        for path in ["/feed.xml", "/rowing/feed.xml", "/tag/hush/feed.xml"] {
            let feed = links(&rss(&app, path).await);
            assert!(!feed.contains(&"/rowing/feed-quiet".to_owned()), "{path}");
        }
        for path in ["/atom.xml", "/feed.json"] {
            let body = app.get(path).await.body;
            assert!(!body.contains("feed-quiet") && !body.contains("feed-draft"));
        }

        // A category flagged noindex has no feed, and its articles leave the rest.
        app.with_conn(|c| {
            diesel::update(categories::table.find(sculling.id))
                .set(categories::noindex.eq(true))
                .execute(c)
        })
        .expect("flag category");
        assert_eq!(
            app.get("/sculling/feed.xml").await.status,
            404,
            "{backend:?}"
        );
        let site = links(&rss(&app, "/feed.xml").await);
        assert!(
            site.iter().all(|l| !l.starts_with("/sculling/")),
            "{site:?}"
        );
        // The hashtag's only remaining public article is gone too: no feed.
        assert_eq!(app.get("/tag/hush/feed.xml").await.status, 404);
    }
);

backend_test!(
    async fn area_feeds_hold_only_their_area_and_unknown_areas_are_404(backend: Backend) {
        let app = spawn_app(&backend).await;
        let a = &app.address;
        let (name, _) = site_name_and_tagline(&app);
        let rowing = app.category("Rowing");
        let sailing = app.category("Sailing");
        let one = app
            .article("Only one")
            .in_category(&rowing)
            .tags(&["OnlyHere"])
            .create();
        let two = app
            .article("Only two")
            .in_category(&sailing)
            .tags(&["OnlyHere"])
            .create();
        app.article("A note from the desk").blog().create();

        let feed = rss(&app, "/rowing/feed.xml").await;
        assert_eq!(feed.title, format!("{name} — Rowing"));
        assert_eq!(feed.link, format!("{a}/rowing"));
        assert_eq!(feed.self_href, format!("{a}/rowing/feed.xml"));
        assert_eq!(
            feed.items.len(),
            feed_length(&app, Listing::Category(rowing.id))
        );
        assert!(feed
            .items
            .iter()
            .all(|i| i.link.starts_with(&format!("{a}/rowing/"))));
        check_items(&app, &feed);

        let blog = rss(&app, "/blog/feed.xml").await;
        assert_eq!(blog.title, format!("{name} — Blog"));
        assert_eq!(blog.self_href, format!("{a}/blog/feed.xml"));
        assert!(!blog.items.is_empty());
        assert_eq!(blog.items.len(), feed_length(&app, Listing::Blog));
        assert!(blog
            .items
            .iter()
            .all(|i| i.link.starts_with(&format!("{a}/blog/"))));
        check_items(&app, &blog);

        let tag = rss(&app, "/tag/onlyhere/feed.xml").await;
        assert_eq!(tag.title, format!("{name} — #OnlyHere"));
        assert_eq!(tag.self_href, format!("{a}/tag/onlyhere/feed.xml"));
        let guids: Vec<&str> = tag.items.iter().map(|i| i.guid.as_str()).collect();
        let expected = [format!(":article-{one}"), format!(":article-{two}")];
        assert_eq!(tag.items.len(), 2, "{backend:?}");
        assert!(expected
            .iter()
            .all(|e| guids.iter().any(|g| g.ends_with(e))));
        assert!(tag
            .items
            .iter()
            .all(|i| i.categories.contains(&"OnlyHere".to_owned())));

        for path in [
            "/no-such-area/feed.xml",
            "/Rowing/feed.xml",
            "/tag/no-such-tag/feed.xml",
            "/tag/Bad_Tag/feed.xml",
            "/rowing/feed.txt",
            "/author/no-such-writer/feed.xml",
            "/author/no-such-writer/feed.json",
        ] {
            assert_eq!(app.get(path).await.status, 404, "{backend:?} {path}");
        }
    }
);

backend_test!(
    async fn heads_link_feeds_that_answer(backend: Backend) {
        let app = spawn_app(&backend).await;
        app.rowing_story();
        app.article("A note from the desk").blog().create();
        let a = &app.address;
        let home = app.get("/").await;
        let rss_links = home.attrs("link[rel=alternate][type='application/rss+xml']", "href");
        assert!(
            rss_links.contains(&format!("{a}/feed.xml")),
            "{rss_links:?}"
        );
        let rowing = app.get("/rowing").await;
        let rowing_links = rowing.attrs("link[rel=alternate][type='application/rss+xml']", "href");
        assert!(rowing_links.contains(&format!("{a}/feed.xml")));
        assert!(
            rowing_links.contains(&format!("{a}/rowing/feed.xml")),
            "{rowing_links:?}"
        );

        let writer = format!("/author/{}", writer_slug(&app));
        for path in ["/", "/rowing", "/blog", "/tag/oarlock", writer.as_str()] {
            let page = app.get(path).await;
            assert_eq!(page.status, 200, "{path}");
            if path != "/" {
                // The area's own feeds, in the three formats.
                let own: Vec<String> = page
                    .attrs("link[rel=alternate]", "href")
                    .into_iter()
                    .filter(|href| href.starts_with(&format!("{a}{path}/")))
                    .collect();
                assert_eq!(
                    own,
                    ["feed.xml", "atom.xml", "feed.json"].map(|f| format!("{a}{path}/{f}")),
                    "{path}"
                );
            }
            let html = page.html();
            let sel = scraper::Selector::parse("link[rel=alternate]").expect("selector");
            for link in html.select(&sel) {
                let href = link.value().attr("href").expect("href");
                let kind = link.value().attr("type").expect("type");
                let feed_path = href
                    .strip_prefix(a.as_str())
                    .unwrap_or_else(|| panic!("absolute feed link {href}"));
                let feed = app.get(feed_path).await;
                assert_eq!(feed.status, 200, "{backend:?} {path} links {href}");
                assert!(
                    feed.header("content-type")
                        .is_some_and(|t| t.starts_with(kind)),
                    "{href} is {kind}"
                );
            }
        }
    }
);

backend_test!(
    async fn feeds_are_cacheable_and_cost_the_same_queries_for_one_item_or_many(backend: Backend) {
        let app = spawn_app(&backend).await;
        let counted = app.category("Counted");
        app.article("Counted 0")
            .in_category(&counted)
            .tags(&["Counted"])
            .create();
        let count = |path: &'static str| {
            let app = &app;
            async move {
                // One render: empty the page cache and the layout's settings.
                app.with_conn(|_| ());
                let before = app.db.queries.get();
                assert_eq!(app.get(path).await.status, 200, "{path}");
                app.db.queries.get() - before
            }
        };
        let one = [
            count("/counted/feed.xml").await,
            count("/tag/counted/feed.xml").await,
            count("/feed.xml").await,
        ];
        for i in 1..8 {
            let at = hours_ago(1) + Duration::minutes(i);
            app.article(&format!("Counted {i}"))
                .in_category(&counted)
                .tags(&["Counted", "More"])
                .with_status(ArticleStatus::Published, Some(at))
                .create();
        }
        let many = [
            count("/counted/feed.xml").await,
            count("/tag/counted/feed.xml").await,
            count("/feed.xml").await,
        ];
        assert_eq!(one, many, "{backend:?}: queries with 1 item vs 8 items");
        // Settings, category, items, sections, hashtags, corrections and
        // updates, and the pool's check-out ping (PostgreSQL).
        assert!(many[0] <= 7, "a category feed makes {} queries", many[0]);

        for path in ["/feed.xml", "/atom.xml", "/feed.json", "/counted/feed.xml"] {
            let page = app.get(path).await;
            let modified = page.header("last-modified").expect("Last-Modified");
            assert!(modified.ends_with(" GMT"), "{modified}");
            let etag = page.header("etag").expect("ETag");
            let again = app.get_with(path, &[("if-none-match", &etag)]).await;
            assert_eq!(again.status, 304, "{backend:?} {path}");
            let by_date = app
                .get_with(path, &[("if-modified-since", &modified)])
                .await;
            assert_eq!(by_date.status, 304, "{path}");
        }
        // Last-Modified is never older than the newest item.
        let page = app.get("/counted/feed.xml").await;
        let modified = page.header("last-modified").expect("Last-Modified");
        let modified = DateTime::parse_from_rfc2822(&modified).expect("HTTP date");
        let newest = parse_rss(&page.body).items[0].pub_date.clone();
        let newest = DateTime::parse_from_rfc2822(&newest).expect("pubDate");
        assert!(modified >= newest, "{modified} < {newest}");
    }
);

backend_test!(
    async fn control_characters_stored_by_other_means_never_break_feeds_sitemaps_or_json_ld(
        backend: Backend,
    ) {
        use iconocast::db::schema::{site_settings, users};
        // PostgreSQL cannot store NUL at all; SQLite can.
        let (title, clean) = match backend {
            Backend::Sqlite => (
                "Nul\u{0} bell\u{7} escape\u{1b}[1m del\u{7f} title",
                "Nul bell escape[1m del\u{7f} title",
            ),
            Backend::Postgres(_) => (
                "Soh\u{1} bell\u{7} escape\u{1b}[1m del\u{7f} title",
                "Soh bell escape[1m del\u{7f} title",
            ),
        };
        let app = spawn_app(&backend).await;
        let rowing = app.category("Rowing");
        // Written straight into the database, as data from before the
        // forms refused control characters would be.
        let mut article = app
            .article(title)
            .slug("stored-controls")
            .in_category(&rowing)
            .tags(&["Clean", "Odd\u{1}Tag"]);
        article.input.standfirst =
            "A standfirst\u{2} with a non-character \u{FFFF} in it.".to_owned();
        article.input.sections[0].1 =
            "A body with an escape \u{1b} and a form feed \u{c}.".to_owned();
        article.create();
        let writer = app.writer();
        app.with_conn(|c| {
            diesel::update(site_settings::table)
                .set(site_settings::name.eq("The \u{1b}Agency"))
                .execute(c)?;
            diesel::update(users::table.find(writer))
                .set(users::name.eq("Wren\u{7} Writer"))
                .execute(c)
        })
        .expect("stored");

        for path in [
            "/news-sitemap.xml",
            "/feed.xml",
            "/atom.xml",
            "/rowing/feed.xml",
            "/tag/clean/feed.xml",
            "/sitemap.xml",
            "/sitemaps/pages.xml",
            "/sitemaps/tags.xml",
            "/sitemaps/authors.xml",
            "/sitemaps/articles-1.xml",
        ] {
            let page = app.get(path).await;
            assert_eq!(page.status, 200, "{backend:?} {path}");
            if let Err(e) = Document::parse(&page.body) {
                panic!("{backend:?} {path} is not well-formed XML: {e}");
            }
        }
        // What XML cannot carry is left out; the rest of the text stays.
        let news_sitemap = app.get("/news-sitemap.xml").await;
        let doc = Document::parse(&news_sitemap.body).expect("well-formed");
        let titles: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("title"))
            .filter_map(|n| n.text())
            .collect();
        assert!(titles.contains(&clean), "{titles:?}");
        let feed = rss(&app, "/feed.xml").await;
        let item = feed
            .items
            .iter()
            .find(|i| i.link.ends_with("/rowing/stored-controls"))
            .expect("the article is in the feed");
        assert_eq!(item.creator, "Wren Writer");
        assert_eq!(feed.title, "The Agency");

        // JSON escapes them: the JSON Feed and the JSON-LD parse, and give
        // the stored text back.
        let json = app.get("/feed.json").await;
        let value: serde_json::Value = serde_json::from_str(&json.body).expect("valid JSON Feed");
        assert!(value["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|i| i["title"] == title));
        let page = app.get("/rowing/stored-controls").await;
        assert_eq!(page.status, 200, "{backend:?}");
        let blocks = page.texts_raw("script[type='application/ld+json']");
        assert!(!blocks.is_empty());
        let mut headlines = Vec::new();
        for block in &blocks {
            assert!(
                !block.chars().any(|c| c.is_control()),
                "{backend:?}: a raw control character in {block:?}"
            );
            let value: serde_json::Value = serde_json::from_str(block).expect("valid JSON-LD");
            if let Some(h) = value["headline"].as_str() {
                headlines.push(h.to_owned());
            }
        }
        assert_eq!(headlines, vec![title.to_owned()], "{backend:?}");
    }
);

/// The slug of the writer of the test's articles ([`TestApp::writer`]).
fn writer_slug(app: &TestApp) -> String {
    let id = app.writer();
    app.with_conn(|c| {
        iconocast::db::schema::users::table
            .find(id)
            .select(iconocast::db::schema::users::slug)
            .first::<String>(c)
    })
    .expect("the writer's slug")
}

/// The ids of an Atom feed's entries and its self link.
fn atom_ids(body: &str) -> (Vec<String>, String) {
    let doc = Document::parse(body).unwrap_or_else(|e| panic!("Atom parses: {e}\n{body}"));
    let feed = doc.root_element();
    assert!(feed.has_tag_name((ATOM, "feed")));
    let self_href = feed
        .children()
        .find(|n| n.has_tag_name((ATOM, "link")) && n.attribute("rel") == Some("self"))
        .and_then(|n| n.attribute("href"))
        .expect("a self link")
        .to_owned();
    let ids = feed
        .children()
        .filter(|n| n.has_tag_name((ATOM, "entry")))
        .map(|e| text_of(e, (ATOM, "id")))
        .collect();
    (ids, self_href)
}

backend_test!(
    async fn every_area_has_rss_atom_and_json_feeds_with_the_same_items(backend: Backend) {
        let app = spawn_app(&backend).await;
        let a = &app.address;
        let rowing = app.category("Rowing");
        let other = app.author("Otto Other", "Writes elsewhere.");
        let mine = app
            .article("Wren on the river")
            .in_category(&rowing)
            .tags(&["Oarlock"])
            .create();
        let note = app.article("Wren's desk note").blog().create();
        app.article("Otto on the river")
            .in_category(&rowing)
            .by(other.id)
            .create();
        let wren_slug = writer_slug(&app);

        for area in [
            "/rowing".to_owned(),
            "/blog".to_owned(),
            "/tag/oarlock".to_owned(),
            format!("/author/{wren_slug}"),
        ] {
            let rss = rss(&app, &format!("{area}/feed.xml")).await;
            assert_eq!(rss.self_href, format!("{a}{area}/feed.xml"));
            assert_eq!(rss.link, format!("{a}{area}"));
            check_items(&app, &rss);
            let rss_ids: Vec<String> = rss.items.iter().map(|i| i.guid.clone()).collect();
            assert!(!rss_ids.is_empty(), "{backend:?} {area}");

            let atom = fetch(
                &app,
                &format!("{area}/atom.xml"),
                "application/atom+xml; charset=utf-8",
            )
            .await;
            let (atom_ids, atom_self) = atom_ids(&atom.body);
            assert_eq!(atom_self, format!("{a}{area}/atom.xml"));
            assert_eq!(atom_ids, rss_ids, "{area}: Atom has RSS's items");

            let json = fetch(&app, &format!("{area}/feed.json"), "application/feed+json").await;
            let json: serde_json::Value = serde_json::from_str(&json.body).expect("JSON parses");
            assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
            assert_eq!(json["feed_url"], format!("{a}{area}/feed.json"));
            assert_eq!(json["home_page_url"], format!("{a}{area}"));
            let json_ids: Vec<String> = json["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|i| i["id"].as_str().expect("an id").to_owned())
                .collect();
            assert_eq!(json_ids, rss_ids, "{area}: JSON Feed has RSS's items");
        }

        // An author's feed holds their articles, news and blog, and no one else's.
        let author = rss(&app, &format!("/author/{wren_slug}/feed.xml")).await;
        let ids: HashSet<String> = author
            .items
            .iter()
            .filter_map(|i| i.guid.rsplit_once(":article-").map(|(_, id)| id.to_owned()))
            .collect();
        assert!(ids.contains(&mine.to_string()) && ids.contains(&note.to_string()));
        assert!(author.items.iter().all(|i| i.creator == "Wren Writer"));
    }
);

backend_test!(
    async fn browsers_are_told_how_to_search_the_site(backend: Backend) {
        let app = spawn_app(&backend).await;
        let a = &app.address;
        app.rowing_story();
        let home = app.get("/").await;
        let described = home.attrs(
            "link[rel=search][type='application/opensearchdescription+xml']",
            "href",
        );
        assert_eq!(described, [format!("{a}/opensearch.xml")]);

        let page = fetch(
            &app,
            "/opensearch.xml",
            "application/opensearchdescription+xml; charset=utf-8",
        )
        .await;
        let doc = Document::parse(&page.body).expect("the description parses");
        let os = "http://a9.com/-/spec/opensearch/1.1/";
        let root = doc.root_element();
        assert!(root.has_tag_name((os, "OpenSearchDescription")));
        let short = text_of(root, (os, "ShortName"));
        assert!(!short.is_empty() && short.chars().count() <= 16, "{short}");
        let template = root
            .children()
            .find(|n| n.has_tag_name((os, "Url")) && n.attribute("type") == Some("text/html"))
            .and_then(|n| n.attribute("template"))
            .expect("an HTML search URL");
        assert_eq!(template, format!("{a}/search?q={{searchTerms}}"));
        // What the browser asks for finds the article.
        let search = template
            .replace("{searchTerms}", "oarlock")
            .replace(a.as_str(), "");
        let results = app.get(&search).await;
        assert_eq!(results.status, 200);
        assert!(results.body.contains("oarlock") || results.body.contains("Oarlock"));
    }
);
