//! The URL map. Each public area has its module; `config` wires them in the
//! order that keeps fixed names (`/blog`, `/tag`, ...) ahead of the
//! catch-all `/{category}` routes.

pub mod about;
pub mod admin;
pub mod articles;
pub mod authors;
pub mod blog;
pub mod categories;
pub mod feeds;
pub mod health;
pub mod home;
pub mod media;
pub mod search;
pub mod sitemaps;
pub mod state;
pub mod static_files;
pub mod tags;

use actix_web::{guard, web, Route};

/// First path segments that can never be a category slug.
pub const RESERVED: [&str; 17] = [
    "admin",
    "static",
    "blog",
    "tag",
    "author",
    "search",
    "about",
    "healthz",
    "feed.xml",
    "atom.xml",
    "feed.json",
    "sitemap.xml",
    "news-sitemap.xml",
    "robots.txt",
    "sitemaps",
    "media",
    "favicon.ico",
];

/// A public page answers GET and HEAD (actix sends no body for HEAD).
fn page() -> Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/", page().to(home::show))
        .configure(admin::config)
        .route("/healthz", page().to(health::check))
        .route("/static/{file}", page().to(static_files::serve))
        .route("/media/{file}", page().to(media::serve))
        .route("/about", page().to(about::show))
        .route("/search", page().to(search::show))
        .route("/feed.xml", page().to(feeds::rss))
        .route("/atom.xml", page().to(feeds::atom))
        .route("/feed.json", page().to(feeds::json_feed))
        .route("/blog", page().to(blog::index))
        .route("/blog/feed.xml", page().to(feeds::blog_rss))
        .route("/blog/{slug}", page().to(articles::show_blog_post))
        .route("/tag/{tag}/feed.xml", page().to(feeds::tag_rss))
        .route("/tag/{tag}", page().to(tags::show))
        .route("/author/{slug}", page().to(authors::show))
        .route("/robots.txt", page().to(sitemaps::robots))
        .route("/sitemap.xml", page().to(sitemaps::index))
        .route("/news-sitemap.xml", page().to(sitemaps::news))
        .route("/sitemaps/pages.xml", page().to(sitemaps::pages))
        .route("/sitemaps/categories.xml", page().to(sitemaps::categories))
        .route("/sitemaps/tags.xml", page().to(sitemaps::tags))
        .route("/sitemaps/authors.xml", page().to(sitemaps::authors))
        .route("/sitemaps/articles-{n}.xml", page().to(sitemaps::articles))
        .route("/{category}/feed.xml", page().to(feeds::category_rss))
        .route("/{category}", page().to(categories::show))
        .route("/{category}/{slug}", page().to(articles::show_news));
}
