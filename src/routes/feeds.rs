//! Syndication feeds, each in RSS 2.0 (`feed.xml`), Atom 1.0 (`atom.xml`)
//! and JSON Feed 1.1 (`feed.json`): the whole site (`/feed.xml`, ...) and
//! each area: `/{category}/...`, `/blog/...`, `/tag/{tag}/...` and
//! `/author/{slug}/...`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;
use serde_json::json;

use crate::app::AppState;
use crate::db::feeds::{self, Area, FeedEntry};
use crate::db::{categories, settings, tags, users, DbConn};
use crate::domain::clock::now;
use crate::domain::Slug;
use crate::error::AppError;
use crate::http_cache::http_date;
use crate::markdown;
use crate::views;

pub const RSS_TYPE: &str = "application/rss+xml; charset=utf-8";
const ATOM_TYPE: &str = "application/atom+xml; charset=utf-8";
const JSON_FEED_TYPE: &str = "application/feed+json";

/// The year in the feed's own tag URI. It names when the identifier was
/// minted, not the content, so it never changes.
const FEED_ID_YEAR: i32 = 2026;

/// What a feed says about itself.
pub struct Channel {
    /// `SITE` for the site-wide feeds, `SITE — AREA` for an area.
    pub title: String,
    pub description: String,
    /// The absolute URL of the HTML page the feed mirrors.
    pub link: String,
    /// The absolute URL of the feed itself.
    pub self_url: String,
    /// A stable tag URI for the feed (Atom `id`).
    pub id: String,
    /// The site name: the feed's author.
    pub author: String,
    /// The site's home page: the feed author's URI.
    pub home: String,
    /// When the newest item (or the site settings) last changed.
    pub updated: NaiveDateTime,
    /// The WebSub hubs told when the feed changes (`rel="hub"`).
    pub hubs: Vec<String>,
}

impl Channel {
    pub fn updated_rfc2822(&self) -> String {
        rfc2822(self.updated)
    }

    pub fn updated_rfc3339(&self) -> String {
        rfc3339(self.updated)
    }
}

/// One article as every feed format shows it. The XML feeds are rendered
/// through `views::xml::render`, which keeps them well-formed whatever the
/// texts hold; JSON Feed escapes every control character.
pub struct Item {
    /// `tag:HOST,YYYY-MM-DD:article-ID`: survives slug and category changes.
    pub id: String,
    pub title: String,
    /// The absolute canonical URL.
    pub url: String,
    /// The standfirst.
    pub summary: String,
    /// The intro and every section, as HTML.
    pub content_html: String,
    pub author_name: String,
    /// The absolute URL of the author's page.
    pub author_url: String,
    pub published: NaiveDateTime,
    pub updated: NaiveDateTime,
    /// The hashtags' names.
    pub tags: Vec<String>,
}

impl Item {
    pub fn published_rfc2822(&self) -> String {
        rfc2822(self.published)
    }

    pub fn published_rfc3339(&self) -> String {
        rfc3339(self.published)
    }

    pub fn updated_rfc3339(&self) -> String {
        rfc3339(self.updated)
    }
}

/// A feed in any format: its channel and items, newest first.
pub struct Feed {
    pub channel: Channel,
    pub items: Vec<Item>,
}

#[derive(Template)]
#[template(path = "feeds/rss.xml")]
pub struct RssFeed<'a> {
    pub feed: &'a Feed,
}

#[derive(Template)]
#[template(path = "feeds/atom.xml")]
pub struct AtomFeed<'a> {
    pub feed: &'a Feed,
}

/// RFC 822 (as RFC 2822) in UTC, for RSS.
fn rfc2822(at: NaiveDateTime) -> String {
    at.and_utc().to_rfc2822()
}

/// RFC 3339 in UTC, for Atom and JSON Feed.
fn rfc3339(at: NaiveDateTime) -> String {
    at.and_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Escapes text for HTML built in Rust (section headings and anchors).
fn escape_html(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
}

/// The article's full text as HTML: its corrections and updates (newest
/// first, dated as on the article page), the intro (Markdown, rendered and
/// sanitized here as on the article page), then each section as a heading
/// with its anchor and its stored, already sanitized HTML.
fn content_html(entry: &FeedEntry) -> String {
    let mut html = String::new();
    for note in &entry.notes {
        html.push_str("<p class=\"note\"><strong>");
        html.push_str(note.kind.label());
        html.push_str("</strong>, ");
        html.push_str(&views::filters::human_datetime(&note.created_at));
        html.push_str(": ");
        escape_html(&note.body, &mut html);
        html.push_str("</p>\n");
    }
    html.push_str(&markdown::to_html(&entry.card.article.intro));
    for section in &entry.sections {
        html.push_str("<h2 id=\"");
        escape_html(&section.anchor, &mut html);
        html.push_str("\">");
        escape_html(&section.heading, &mut html);
        html.push_str("</h2>\n");
        html.push_str(&section.body_html);
        if !section.body_html.ends_with('\n') {
            html.push('\n');
        }
    }
    html
}

/// The host of the base URL, without port: the authority of tag URIs.
pub fn host_of(base_url: &str) -> String {
    url::Url::parse(base_url)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| h.trim_start_matches('[').trim_end_matches(']').to_owned())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

fn item(entry: &FeedEntry, base_url: &str, host: &str) -> Item {
    let a = &entry.card.article;
    let published = a.published_at.unwrap_or(a.created_at);
    let id = format!(
        "tag:{host},{}:article-{}",
        a.created_at.format("%Y-%m-%d"),
        a.id
    );
    Item {
        id,
        title: a.title.clone(),
        url: format!("{base_url}{}", entry.card.path()),
        summary: a.standfirst.clone(),
        content_html: content_html(entry),
        author_name: entry.card.author.name.clone(),
        author_url: format!("{base_url}/author/{}", entry.card.author.slug),
        published,
        // A scheduled article counts from its publish time, as on pages;
        // a save (silent or with a note) moves it on.
        updated: a
            .updated_at
            .max(published)
            .max(entry.notes.first().map_or(published, |n| n.created_at)),
        tags: entry.tags.iter().map(|t| t.name.clone()).collect(),
    }
}

/// An area as named in a URL.
enum AreaPath {
    Everything,
    Blog,
    Category(Slug),
    Tag(Slug),
    Author(Slug),
}

/// A feed's format, named by the last segment of its URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Rss,
    Atom,
    Json,
}

impl Format {
    fn of_path(path: &str) -> Format {
        if path.ends_with("/atom.xml") {
            Format::Atom
        } else if path.ends_with("/feed.json") {
            Format::Json
        } else {
            Format::Rss
        }
    }
}

/// Loads the settings, resolves the area (404 for an unknown one, or a
/// category flagged noindex) and its items, and builds the feed.
fn load(
    conn: &mut DbConn,
    base_url: &str,
    hubs: &[String],
    area: AreaPath,
    self_path: &str,
) -> Result<Feed, AppError> {
    let site = settings::load(conn)?;
    let (area, title, description, page) = match area {
        AreaPath::Everything => (Area::Everything, None, site.tagline.clone(), "/".to_owned()),
        AreaPath::Blog => (
            Area::Blog,
            Some("Blog".to_owned()),
            "Notes from the newsroom: how and why we cover what we do.".to_owned(),
            "/blog".to_owned(),
        ),
        AreaPath::Category(slug) => {
            let category = categories::find_by_slug(conn, slug.as_str())?
                .filter(|c| !c.noindex)
                .ok_or(AppError::NotFound)?;
            let description = if category.description.is_empty() {
                site.tagline.clone()
            } else {
                category.description.clone()
            };
            (
                Area::Category(category.id),
                Some(category.name),
                description,
                format!("/{}", category.slug),
            )
        }
        AreaPath::Tag(slug) => {
            let tag = tags::find_by_slug(conn, slug.as_str())?.ok_or(AppError::NotFound)?;
            (
                Area::Tag(tag.id),
                Some(format!("#{}", tag.name)),
                format!("Articles tagged #{} at the agency.", tag.name),
                format!("/tag/{}", tag.slug),
            )
        }
        AreaPath::Author(slug) => {
            let author = users::find_author(conn, slug.as_str())?.ok_or(AppError::NotFound)?;
            (
                Area::Author(author.id),
                Some(author.name.clone()),
                format!("Articles by {}.", author.name),
                format!("/author/{}", author.slug),
            )
        }
    };
    let entries = feeds::entries(conn, area, now())?;
    // Like the tag page: a hashtag that no public article carries names
    // nothing the public may see.
    if entries.is_empty() && matches!(area, Area::Tag(_)) {
        return Err(AppError::NotFound);
    }
    let host = host_of(base_url);
    let items: Vec<Item> = entries.iter().map(|e| item(e, base_url, &host)).collect();
    let updated = items
        .iter()
        .map(|i| i.updated)
        .chain(std::iter::once(site.updated_at))
        .max()
        .unwrap_or(site.updated_at);
    let title = match title {
        Some(area) => format!("{} — {area}", site.name),
        None => site.name.clone(),
    };
    // `tag:HOST,2026:feed` for the site, `...:feed:sport` for an area.
    let id = match page.trim_matches('/') {
        "" => format!("tag:{host},{FEED_ID_YEAR}:feed"),
        area => format!("tag:{host},{FEED_ID_YEAR}:feed:{}", area.replace('/', ":")),
    };
    Ok(Feed {
        channel: Channel {
            title,
            description,
            link: format!("{base_url}{page}"),
            self_url: format!("{base_url}{self_path}"),
            id,
            author: site.name.clone(),
            home: format!("{base_url}/"),
            updated,
            hubs: hubs.to_vec(),
        },
        items,
    })
}

/// Loads the feed of `area` off the async workers and answers it in the
/// format the request's path names.
async fn serve(
    state: web::Data<AppState>,
    area: AreaPath,
    req: &HttpRequest,
) -> Result<HttpResponse, AppError> {
    let self_path = req.path().to_owned();
    let format = Format::of_path(&self_path);
    let st = state.clone();
    let feed = state
        .run(move |conn| load(conn, &st.base_url, &st.pings.hubs, area, &self_path))
        .await?;
    let updated = feed.channel.updated;
    Ok(match format {
        Format::Rss => respond(
            RSS_TYPE,
            updated,
            views::xml::render(&RssFeed { feed: &feed })?,
        ),
        Format::Atom => respond(
            ATOM_TYPE,
            updated,
            views::xml::render(&AtomFeed { feed: &feed })?,
        ),
        Format::Json => respond(JSON_FEED_TYPE, updated, json_feed(&feed).to_string()),
    })
}

fn respond(content_type: &'static str, updated: NaiveDateTime, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::LAST_MODIFIED, http_date(updated)))
        .body(body)
}

/// `/feed.xml`, `/atom.xml`, `/feed.json`: the whole site.
pub async fn site(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    serve(state, AreaPath::Everything, &req).await
}

/// `/blog/feed.xml`, `/blog/atom.xml`, `/blog/feed.json`.
pub async fn blog(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    serve(state, AreaPath::Blog, &req).await
}

/// `/{category}/feed.xml`, `.../atom.xml`, `.../feed.json`.
pub async fn category(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let slug = Slug::parse(&path).ok_or(AppError::NotFound)?;
    serve(state, AreaPath::Category(slug), &req).await
}

/// `/tag/{tag}/feed.xml`, `.../atom.xml`, `.../feed.json`.
pub async fn tag(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let slug = Slug::parse(&path).ok_or(AppError::NotFound)?;
    serve(state, AreaPath::Tag(slug), &req).await
}

/// `/author/{slug}/feed.xml`, `.../atom.xml`, `.../feed.json`.
pub async fn author(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let slug = Slug::parse(&path).ok_or(AppError::NotFound)?;
    serve(state, AreaPath::Author(slug), &req).await
}

/// A feed as JSON Feed 1.1.
fn json_feed(feed: &Feed) -> serde_json::Value {
    let c = &feed.channel;
    let items: Vec<serde_json::Value> = feed
        .items
        .iter()
        .map(|i| {
            json!({
                "id": i.id,
                "url": i.url,
                "title": i.title,
                "summary": i.summary,
                "content_html": i.content_html,
                "date_published": i.published_rfc3339(),
                "date_modified": i.updated_rfc3339(),
                "authors": [{ "name": i.author_name, "url": i.author_url }],
                "tags": i.tags,
            })
        })
        .collect();
    let mut feed = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": c.title,
        "home_page_url": c.link,
        "feed_url": c.self_url,
        "description": c.description,
        "language": "en",
        "authors": [{ "name": c.author, "url": c.home }],
        "items": items,
    });
    if !c.hubs.is_empty() {
        let hubs: Vec<serde_json::Value> = c
            .hubs
            .iter()
            .map(|url| json!({ "type": "WebSub", "url": url }))
            .collect();
        feed["hubs"] = serde_json::Value::Array(hubs);
    }
    feed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_uri_authority_is_the_host_without_port() {
        assert_eq!(host_of("http://127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(host_of("https://news.example"), "news.example");
        assert_eq!(host_of("http://[::1]:8080"), "::1");
        assert_eq!(host_of("not a url"), "localhost");
    }

    #[test]
    fn rss_and_atom_dates_are_utc() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 27)
            .and_then(|d| d.and_hms_opt(8, 15, 0))
            .expect("a date");
        assert_eq!(rfc2822(at), "Fri, 27 Nov 2026 08:15:00 +0000");
        assert_eq!(rfc3339(at), "2026-11-27T08:15:00Z");
    }
}
