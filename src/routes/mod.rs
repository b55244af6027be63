//! The URL map. Each public area has its module; `config` wires them in the
//! order that keeps fixed names (`/blog`, `/tag`, ...) ahead of the
//! catch-all `/{category}` routes.

pub mod about;
pub mod articles;
pub mod authors;
pub mod blog;
pub mod categories;
pub mod health;
pub mod home;
pub mod search;
pub mod state;
pub mod static_files;
pub mod tags;

use actix_web::web;

/// First path segments that can never be a category slug.
pub const RESERVED: [&str; 16] = [
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
    "media",
    "favicon.ico",
];

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home::show))
        .route("/healthz", web::get().to(health::check))
        .route("/static/{file}", web::get().to(static_files::serve))
        .route("/about", web::get().to(about::show))
        .route("/search", web::get().to(search::show))
        .route("/blog", web::get().to(blog::index))
        .route("/blog/{slug}", web::get().to(articles::show_blog_post))
        .route("/tag/{tag}", web::get().to(tags::show))
        .route("/author/{slug}", web::get().to(authors::show))
        .route("/{category}", web::get().to(categories::show))
        .route("/{category}/{slug}", web::get().to(articles::show_news));
}
