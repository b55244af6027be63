//! JSON-LD, Open Graph and Twitter card tags, as crawlers read them.

use serde_json::Value;

use crate::helpers::{backend_test, spawn_app, Backend, Page};

/// Every JSON-LD block of a page, parsed.
fn json_ld(page: &Page) -> Vec<Value> {
    page.texts_raw("script[type=\"application/ld+json\"]")
        .iter()
        .map(|text| {
            serde_json::from_str(text).unwrap_or_else(|e| panic!("JSON-LD parses: {e}: {text}"))
        })
        .collect()
}

fn of_type<'a>(blocks: &'a [Value], kind: &str) -> &'a Value {
    blocks
        .iter()
        .find(|b| b["@type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {blocks:?}"))
}

backend_test!(
    async fn articles_carry_news_article_breadcrumbs_and_publisher(backend: Backend) {
        let app = spawn_app(&backend).await;
        app.rowing_story();
        app.article("A note from the desk").blog().create();
        let path = "/rowing/a-rowing-story";
        let page = app.get(path).await;
        let blocks = json_ld(&page);
        let canonical = format!("{}{path}", app.address);
        let article = of_type(&blocks, "NewsArticle");
        assert_eq!(
            article["headline"],
            page.texts("h1")[0].as_str(),
            "{backend:?}"
        );
        assert_eq!(
            article["description"],
            page.attrs("meta[name=description]", "content")[0].as_str()
        );
        for field in ["datePublished", "dateModified"] {
            let date = article[field].as_str().unwrap_or_else(|| panic!("{field}"));
            chrono::DateTime::parse_from_rfc3339(date)
                .unwrap_or_else(|e| panic!("{field} {date}: {e}"));
        }
        assert_eq!(article["author"][0]["@type"], "Person");
        assert_eq!(
            article["author"][0]["url"],
            format!("{}/author/wren-writer", app.address).as_str()
        );
        assert_eq!(article["publisher"]["@type"], "NewsMediaOrganization");
        assert!(article["publisher"]["logo"]["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("http")));
        assert!(article["image"]["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("http")));
        assert_eq!(article["image"]["width"], 1200);
        assert_eq!(article["articleSection"], "Rowing");
        assert!(article["keywords"]
            .as_array()
            .is_some_and(|k| !k.is_empty()));
        assert_eq!(article["mainEntityOfPage"]["@id"], canonical.as_str());
        assert_eq!(article["mainEntityOfPage"]["@type"], "WebPage");
        assert_eq!(article["url"], canonical.as_str());
        assert_eq!(article["isAccessibleForFree"], true);
        assert_eq!(article["@context"], "https://schema.org");
        assert_eq!(
            article["publisher"]["@id"],
            format!("{}/#organization", app.address).as_str()
        );
        assert!(article["author"][0]["name"]
            .as_str()
            .is_some_and(|n| !n.is_empty()));

        let crumbs = of_type(&blocks, "BreadcrumbList");
        let items = crumbs["itemListElement"].as_array().expect("items");
        assert_eq!(items.len(), 3);
        assert_eq!(crumbs["@context"], "https://schema.org");
        let positions: Vec<_> = items.iter().map(|i| i["position"].clone()).collect();
        assert_eq!(positions, [1, 2, 3]);
        assert!(items.iter().all(|i| i["@type"] == "ListItem"));
        assert_eq!(items[1]["name"], "Rowing");
        assert_eq!(items[1]["item"], format!("{}/rowing", app.address).as_str());
        assert_eq!(items[2]["item"], canonical.as_str());
        of_type(&blocks, "NewsMediaOrganization");

        // Open Graph and Twitter: absolute image with its size.
        assert_eq!(
            page.attrs("meta[property=\"og:type\"]", "content"),
            ["article"]
        );
        assert_eq!(
            page.attrs("meta[property=\"og:url\"]", "content"),
            [canonical.as_str()]
        );
        let image = page.attrs("meta[property=\"og:image\"]", "content");
        assert!(image[0].starts_with(&app.address), "{image:?}");
        assert_eq!(
            page.attrs("meta[property=\"og:image:width\"]", "content"),
            ["1200"]
        );
        assert_eq!(
            page.attrs("meta[property=\"og:image:height\"]", "content"),
            ["630"]
        );
        assert_eq!(
            page.attrs("meta[name=\"twitter:card\"]", "content"),
            ["summary_large_image"]
        );
        let shared = app.get(image[0].trim_start_matches(&app.address)).await;
        assert_eq!(
            (shared.status, shared.header("content-type").as_deref()),
            (200, Some("image/png"))
        );

        // A blog post is a BlogPosting.
        let post = app.get("/blog/a-note-from-the-desk").await;
        let blocks = json_ld(&post);
        assert_eq!(of_type(&blocks, "BlogPosting")["articleSection"], "Blog");
    }
);

#[tokio::test]
async fn the_home_page_names_the_site_search() {
    let app = spawn_app(&crate::helpers::Backend::Sqlite).await;
    app.rowing_story();
    let page = app.get("/").await;
    let blocks = json_ld(&page);
    let site = of_type(&blocks, "WebSite");
    assert_eq!(site["potentialAction"]["@type"], "SearchAction");
    let template = site["potentialAction"]["target"]["urlTemplate"]
        .as_str()
        .expect("a URL template");
    assert_eq!(
        template,
        format!("{}/search?q={{search_term_string}}", app.address)
    );
    assert_eq!(
        site["potentialAction"]["query-input"],
        "required name=search_term_string"
    );
    // Every other page type names the publisher and its breadcrumbs.
    for path in [
        "/rowing",
        "/blog",
        "/tag/oarlock",
        "/author/wren-writer",
        "/about",
    ] {
        let blocks = json_ld(&app.get(path).await);
        of_type(&blocks, "NewsMediaOrganization");
        of_type(&blocks, "BreadcrumbList");
    }
}

#[tokio::test]
async fn brotli_is_negotiated_too() {
    let app = spawn_app(&crate::helpers::Backend::Sqlite).await;
    app.rowing_story();
    let res = app
        .client
        .get(format!("{}/rowing", app.address))
        .header("accept-encoding", "br")
        .send()
        .await
        .expect("response");
    assert_eq!(
        res.headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("br")
    );
}
