//! Static files: fingerprinted names, a year of caching, ETags.

use crate::helpers::{spawn_app, Backend};

#[tokio::test]
async fn stylesheet_is_fingerprinted_and_cached_for_a_year() {
    let app = spawn_app(&Backend::Sqlite).await;
    let home = app.get("/").await;
    let css = home.attrs("link[rel=stylesheet]", "href");
    assert_eq!(css.len(), 1);
    assert!(
        css[0].starts_with("/static/site.") && css[0].ends_with(".css"),
        "{css:?}"
    );
    let res = app.get(&css[0]).await;
    assert_eq!(res.status, 200);
    assert_eq!(
        res.header("content-type").as_deref(),
        Some("text/css; charset=utf-8")
    );
    assert_eq!(
        res.header("cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    let etag = res.header("etag").expect("an etag");
    let again = app.get_with(&css[0], &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    // Plain and stale names do not exist.
    assert_eq!(app.get("/static/site.css").await.status, 404);
    assert_eq!(app.get("/static/site.0000000000.css").await.status, 404);
    // Every image on the page has alt text.
    let html = home.html();
    let imgs = scraper::Selector::parse("img").expect("selector");
    assert!(html.select(&imgs).all(|i| i.value().attr("alt").is_some()));
}

#[tokio::test]
async fn responses_are_compressed_when_the_client_asks() {
    let app = spawn_app(&Backend::Sqlite).await;
    let res = app
        .client
        .get(format!("{}/", app.address))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("response");
    assert_eq!(
        res.headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap_or("")),
        Some("gzip")
    );
}

#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let app = spawn_app(&Backend::Sqlite).await;
    app.rowing_story();
    for path in [
        "/",
        "/rowing",
        "/rowing/a-rowing-story",
        "/healthz",
        "/no-such-page",
    ] {
        let get = app.get(path).await;
        let head = app
            .client
            .head(format!("{}{path}", app.address))
            .send()
            .await
            .expect("HEAD response");
        assert_eq!(head.status().as_u16(), get.status, "{path}");
        assert_eq!(
            head.headers().get("content-type"),
            get.headers.get("content-type"),
            "{path}"
        );
        assert!(
            head.bytes().await.expect("body").is_empty(),
            "{path}: HEAD has no body"
        );
    }
}
