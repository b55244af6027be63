//! The URL map. Each public area has its module; `config` wires them in the
//! order that keeps fixed names (`/blog`, `/tag`, ...) ahead of the
//! catch-all `/{category}` routes. Every address is one resource that
//! answers 405, with `Allow`, to the methods it does not take.

pub mod about;
pub mod admin;
pub mod articles;
pub mod authors;
pub mod blog;
pub mod categories;
pub mod corrections;
pub mod feeds;
pub mod health;
pub mod home;
pub mod listing;
pub mod live;
pub mod media;
pub mod paths;
pub mod respond;
pub mod search;
pub mod sitemaps;
pub mod static_files;
pub mod tags;
pub mod trust;

use actix_web::{guard, web, FromRequest, Handler, Resource, Responder, Route};

use paths::{method_not_allowed, PAGE_METHODS};

/// A public page answers GET and HEAD (actix sends no body for HEAD).
fn page() -> Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// The address `path` with no routes yet, answering 405 to any method its
/// routes do not take. Each path is one resource, so that a method no
/// route takes ends here rather than falling through to the catch-all
/// routes and the 404. It is named by its pattern, the route label of the
/// request metrics (`crate::metrics`).
fn methods(path: &str, allow: &'static str) -> Resource {
    web::resource(path)
        .name(path)
        .default_service(web::to(move || async move { method_not_allowed(allow) }))
}

/// A public page at `path`: GET and HEAD.
fn page_at<F, Args>(path: &str, handler: F) -> Resource
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    methods(path, PAGE_METHODS).route(page().to(handler))
}

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.service(page_at("/", home::show))
        .configure(admin::config)
        .service(page_at("/healthz", health::check))
        .service(page_at("/static/{file}", static_files::serve))
        .service(page_at("/media/{file}", media::serve))
        .service(page_at("/about", about::show))
        .service(page_at("/corrections", corrections::show))
        .service(page_at("/corrections-policy", trust::corrections_policy))
        .service(page_at(
            "/publishing-principles",
            trust::publishing_principles,
        ))
        .service(page_at("/masthead", trust::masthead))
        .service(page_at("/search", search::show))
        .service(page_at("/opensearch.xml", search::opensearch))
        .service(page_at("/feed.xml", feeds::site))
        .service(page_at("/atom.xml", feeds::site))
        .service(page_at("/feed.json", feeds::site))
        .service(page_at("/blog", blog::index))
        .service(page_at("/blog/feed.xml", feeds::blog))
        .service(page_at("/blog/atom.xml", feeds::blog))
        .service(page_at("/blog/feed.json", feeds::blog))
        .service(page_at("/blog/{slug}", articles::show_blog_post))
        .service(page_at("/tag/{tag}/feed.xml", feeds::tag))
        .service(page_at("/tag/{tag}/atom.xml", feeds::tag))
        .service(page_at("/tag/{tag}/feed.json", feeds::tag))
        .service(page_at("/tag/{tag}", tags::show))
        .service(page_at("/author/{slug}/feed.xml", feeds::author))
        .service(page_at("/author/{slug}/atom.xml", feeds::author))
        .service(page_at("/author/{slug}/feed.json", feeds::author))
        .service(page_at("/author/{slug}", authors::show))
        .service(page_at("/robots.txt", sitemaps::robots))
        .service(page_at("/{key}.txt", sitemaps::indexnow_key))
        .service(page_at("/sitemap.xml", sitemaps::index))
        .service(page_at("/news-sitemap.xml", sitemaps::news))
        .service(page_at("/sitemaps/pages.xml", sitemaps::pages))
        .service(page_at("/sitemaps/categories.xml", sitemaps::categories))
        .service(page_at("/sitemaps/tags.xml", sitemaps::tags))
        .service(page_at("/sitemaps/authors.xml", sitemaps::authors))
        .service(page_at("/sitemaps/articles-{n}.xml", sitemaps::articles))
        .service(page_at("/{category}/feed.xml", feeds::category))
        .service(page_at("/{category}/atom.xml", feeds::category))
        .service(page_at("/{category}/feed.json", feeds::category))
        .service(page_at("/{category}", categories::show))
        .service(page_at("/{category}/{slug}", articles::show_news))
        .service(page_at("/{category}/{slug}/live", live::poll))
        .service(page_at("/{category}/{slug}/live.xml", live::feed));
}
