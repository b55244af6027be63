//! Live pages, the public side: the entries an article page shows while
//! (and after) it is live ([`block`], used by `routes::articles`), the
//! polling endpoint the page's script asks every 30 seconds for the
//! entries after the newest it has (`/{category}/{slug}/live?after=ID`,
//! JSON), and the RSS feed of the entries (`/{category}/{slug}/live.xml`).
//! Both go through the page cache like any public page: every write of an
//! entry or of the coverage is a change of content that retires it, so
//! the next poll after a post sees the post.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;
use serde_json::json;

use super::feeds::{self, Channel, Feed, Item, RssFeed};
use super::respond::moved_to;
use crate::app::AppState;
use crate::db::articles::{self, Story};
use crate::db::live_entries::{self, Coverage, Entry};
use crate::db::{settings, DbConn};
use crate::domain::clock::now;
use crate::domain::Slug;
use crate::error::AppError;
use crate::http_cache::http_date;
use crate::views::{self, filters};

/// Entries a poll answers at most: a reader further behind is told there
/// are `more`, and reloads.
pub const POLL_LIMIT: i64 = 50;
/// Entries the feed carries.
pub const FEED_LIMIT: i64 = 50;
/// How long a poll's answer may be kept by a browser or a shared cache:
/// well under the 30 seconds between polls.
const POLL_CACHE: &str = "public, max-age=10";

/// The live part of an article page: its coverage and every entry,
/// newest first (a page holds at most `newsroom::live::MAX_ENTRIES`).
pub struct LiveBlock {
    pub coverage: Coverage,
    pub entries: Vec<Entry>,
    /// Where the page's script polls: `/{category}/{slug}/live`.
    pub poll: String,
    /// The entries' RSS feed: `/{category}/{slug}/live.xml`.
    pub feed: String,
    /// The script's fingerprinted address.
    pub script: &'static str,
}

impl LiveBlock {
    pub fn is_live(&self) -> bool {
        self.coverage.is_live()
    }

    /// The newest entry's id, 0 when there is none: the script's cursor.
    pub fn latest(&self) -> i32 {
        self.entries.first().map_or(0, Entry::id)
    }

    /// The last change of the coverage or of an entry shown.
    pub fn newest_change(&self) -> NaiveDateTime {
        newest_change(&self.coverage, &self.entries)
    }
}

fn newest_change(coverage: &Coverage, entries: &[Entry]) -> NaiveDateTime {
    entries
        .iter()
        .map(|e| e.row.updated_at)
        .chain([coverage.changed_at, coverage.started_at])
        .chain(coverage.ended_at)
        .max()
        .unwrap_or(coverage.changed_at)
}

/// "Coverage ended at 12:40 UTC on 30 November 2026."
fn ended_text(at: NaiveDateTime) -> String {
    format!("Coverage ended at {}.", filters::human_datetime(&at))
}

/// The live part of the page of article `article_id` at `path`, if it was
/// ever turned live: two queries, the coverage and then its entries.
pub fn block(
    conn: &mut DbConn,
    article_id: i32,
    path: &str,
) -> Result<Option<LiveBlock>, AppError> {
    let Some(coverage) = live_entries::coverage(conn, article_id)? else {
        return Ok(None);
    };
    let entries = live_entries::newest(conn, article_id, 0, crate::newsroom::live::MAX_ENTRIES)?;
    Ok(Some(LiveBlock {
        coverage,
        entries,
        poll: format!("{path}/live"),
        feed: format!("{path}/live.xml"),
        script: crate::static_files::url("live.js"),
    }))
}

/// One entry as the page shows it, for the poll's answer: the same
/// markup as the page's own entries.
#[derive(Template)]
#[template(path = "live_entry.html")]
struct EntryHtml<'a> {
    e: &'a Entry,
}

/// What an address under a live article names: the article and its
/// coverage, or (`Err`) the same address under the article's canonical
/// path, where it moved.
type Located = Result<(Story, Coverage), String>;

/// The visible article at `/{category}/{slug}` and its coverage: 404 for
/// an article that is not public or was never live, 410 for one past its
/// expiry, and the address under its canonical path when it moved.
fn live_article(
    conn: &mut DbConn,
    category: &str,
    slug: &str,
    suffix: &str,
    now: NaiveDateTime,
) -> Result<Located, AppError> {
    let (Some(_), Some(slug)) = (Slug::parse(category), Slug::parse(slug)) else {
        return Err(AppError::NotFound);
    };
    let Some((card, _)) = articles::find_visible(conn, slug.as_str(), now)? else {
        if articles::expired(conn, slug.as_str(), now)? {
            return Err(AppError::Gone);
        }
        return Err(AppError::NotFound);
    };
    let canonical = card.path();
    if canonical != format!("/{category}/{}", slug.as_str()) {
        return Ok(Err(format!("{canonical}{suffix}")));
    }
    let coverage = live_entries::coverage(conn, card.article.id)?.ok_or(AppError::NotFound)?;
    Ok(Ok((card, coverage)))
}

/// `?after=ID`: the id of the newest entry the reader has, a whole number
/// (0 or none for all, up to [`POLL_LIMIT`]). Anything else is a 400.
fn after_of(query: &str) -> Result<i32, AppError> {
    let bad = |why: &str| AppError::BadRequest(format!("after {why}: give the id of an entry."));
    let mut after = None;
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if key == "after" {
            if after.is_some() {
                return Err(bad("is given twice"));
            }
            after = Some(value.into_owned());
        }
    }
    match after {
        None => Ok(0),
        Some(raw) => {
            if raw.is_empty() || raw.len() > 10 || !raw.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("must be a whole number"));
            }
            raw.parse::<i32>().map_err(|_| bad("is out of range"))
        }
    }
}

/// `GET /{category}/{slug}/live?after=ID`: the entries posted since the
/// reader's newest, newest first, each as the page's own HTML, and whether
/// coverage still runs. JSON:
/// `{"live": true, "ended_at": null, "ended": null, "latest": 57,
///   "more": false, "entries": [{"id": 57, "html": "<article ..."}]}`.
pub async fn poll(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let (category, slug) = path.into_inner();
    let after = after_of(req.query_string())?;
    let query = req.query_string().to_owned();
    let found = state
        .run(move |conn| {
            let (card, coverage) = match live_article(conn, &category, &slug, "/live", now())? {
                Ok(found) => found,
                Err(moved) if query.is_empty() => return Ok(Err(moved)),
                Err(moved) => return Ok(Err(format!("{moved}?{query}"))),
            };
            let entries = live_entries::newest(conn, card.article.id, after, POLL_LIMIT + 1)?;
            Ok(Ok((coverage, entries)))
        })
        .await?;
    let (coverage, mut entries) = match found {
        Ok(found) => found,
        Err(location) => return Ok(moved_to(&location)),
    };
    let more = entries.len() as i64 > POLL_LIMIT;
    entries.truncate(POLL_LIMIT as usize);
    let mut items = Vec::with_capacity(entries.len());
    for e in &entries {
        items.push(json!({ "id": e.id(), "html": EntryHtml { e }.render()? }));
    }
    let body = json!({
        "live": coverage.is_live(),
        "ended_at": coverage.ended_at.map(|at| filters::iso_utc(&at)),
        "ended": coverage.ended_at.map(ended_text),
        "latest": entries.first().map_or(after, Entry::id).max(after),
        "more": more,
        "entries": items,
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header((header::CACHE_CONTROL, POLL_CACHE))
        .body(body.to_string()))
}

/// The HTML of an entry in a feed: its text, then its image.
fn feed_html(e: &Entry, base_url: &str) -> String {
    let mut html = e.row.body_html.clone();
    if let Some(image) = &e.image {
        let alt: String = image
            .alt
            .chars()
            .map(|c| match c {
                '&' => "&amp;".to_owned(),
                '<' => "&lt;".to_owned(),
                '>' => "&gt;".to_owned(),
                '"' => "&quot;".to_owned(),
                other => other.to_string(),
            })
            .collect();
        html.push_str(&format!(
            "\n<p><img src=\"{base_url}/media/{}\" alt=\"{alt}\" width=\"{}\" height=\"{}\"></p>",
            image.file_name, image.width, image.height
        ));
    }
    html
}

/// `GET /{category}/{slug}/live.xml`: the newest entries of a live page as
/// RSS 2.0, each linking to its anchor on the page.
pub async fn feed(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (category, slug) = path.into_inner();
    let st = state.clone();
    let found = state
        .run(move |conn| {
            let (card, coverage) = match live_article(conn, &category, &slug, "/live.xml", now())? {
                Ok(found) => found,
                Err(moved) => return Ok(Err(moved)),
            };
            let site = settings::load(conn)?;
            let entries = live_entries::newest(conn, card.article.id, 0, FEED_LIMIT)?;
            let base = &st.base_url;
            let host = feeds::host_of(base);
            let page = format!("{base}{}", card.path());
            let items: Vec<Item> = entries
                .iter()
                .map(|e| Item {
                    id: format!(
                        "tag:{host},{}:live-entry-{}",
                        e.row.posted_at.format("%Y-%m-%d"),
                        e.id()
                    ),
                    title: e.title(),
                    url: format!("{page}#entry-{}", e.id()),
                    summary: crate::markdown::excerpt(&crate::markdown::to_text(&e.row.body), 300),
                    content_html: feed_html(e, base),
                    author_name: e.author_name.clone(),
                    author_url: format!("{base}/author/{}", e.author_slug),
                    published: e.row.posted_at,
                    updated: e.row.updated_at,
                    tags: Vec::new(),
                })
                .collect();
            let state_line = match coverage.ended_at {
                None => "Live updates".to_owned(),
                Some(at) => ended_text(at),
            };
            let feed = Feed {
                channel: Channel {
                    title: format!("{} — {} (live)", site.name, card.article.title),
                    description: format!("{state_line} {}", card.article.standfirst),
                    link: page,
                    self_url: format!("{base}{}/live.xml", card.path()),
                    id: format!("tag:{host},2026:live:{}", card.article.id),
                    author: site.name.clone(),
                    home: format!("{base}/"),
                    updated: newest_change(&coverage, &entries),
                    hubs: Vec::new(),
                },
                items,
            };
            Ok(Ok(feed))
        })
        .await?;
    let feed = match found {
        Ok(feed) => feed,
        Err(location) => return Ok(moved_to(&location)),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, feeds::RSS_TYPE))
        .insert_header((header::LAST_MODIFIED, http_date(feed.channel.updated)))
        .body(views::xml::render(&RssFeed { feed: &feed })?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_is_a_bounded_whole_number() {
        assert_eq!(after_of("").ok(), Some(0));
        assert_eq!(after_of("after=0").ok(), Some(0));
        assert_eq!(after_of("after=57&x=1").ok(), Some(57));
        for bad in [
            "after=",
            "after=-1",
            "after=1.5",
            "after=abc",
            "after=99999999999",
            "after=2147483648",
            "after=1&after=2",
            "after=%00",
        ] {
            assert!(
                matches!(after_of(bad), Err(AppError::BadRequest(_))),
                "{bad}"
            );
        }
    }
}
