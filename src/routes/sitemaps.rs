//! What crawlers read: `/robots.txt`, the sitemap index `/sitemap.xml`, its
//! child sitemaps under `/sitemaps/`, and the Google News sitemap
//! `/news-sitemap.xml`. Only visible, indexable content is listed.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Duration, NaiveDateTime};

use crate::app::AppState;
use crate::db::sitemaps::{self, ArticlesPage, ListingEntry};
use crate::db::{notes, settings, DbConn};
use crate::domain::clock::now;
use crate::error::AppError;
use crate::http_cache::http_date;
use crate::views::{self, filters};

/// How far back the news sitemap reaches (Google News reads two days).
const NEWS_WINDOW_HOURS: i64 = 48;
/// The most URLs Google News accepts in one news sitemap.
const NEWS_LIMIT: i64 = 1_000;

const XML: &str = "application/xml; charset=utf-8";

/// One `<sitemap>` of the index or one `<url>` of a child sitemap.
pub struct Loc {
    pub loc: String,
    pub lastmod: NaiveDateTime,
}

#[derive(Template)]
#[template(path = "sitemaps/index.xml")]
pub struct SitemapIndex {
    pub sitemaps: Vec<Loc>,
}

#[derive(Template)]
#[template(path = "sitemaps/urlset.xml")]
pub struct UrlSet {
    pub urls: Vec<Loc>,
}

pub struct NewsUrl {
    pub loc: String,
    pub title: String,
    pub published: NaiveDateTime,
}

#[derive(Template)]
#[template(path = "sitemaps/news.xml")]
pub struct NewsSitemap {
    /// The publication's name, from the site settings.
    pub publication: String,
    pub urls: Vec<NewsUrl>,
}

/// An XML response; `Last-Modified` is the newest content it lists.
fn xml(body: String, modified: Option<NaiveDateTime>) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(XML)));
    if let Some(at) = modified {
        response.insert_header((header::LAST_MODIFIED, http_date(at)));
    }
    response.body(body)
}

fn newest_of(locs: &[Loc]) -> Option<NaiveDateTime> {
    locs.iter().map(|l| l.lastmod).max()
}

fn urlset(urls: Vec<Loc>) -> Result<HttpResponse, AppError> {
    let modified = newest_of(&urls);
    Ok(xml(views::xml::render(&UrlSet { urls })?, modified))
}

/// When the site settings last changed: the date of a page that lists no
/// article (the about page, an empty category), since its layout and text
/// come from the settings.
fn site_updated(conn: &mut DbConn) -> Result<NaiveDateTime, AppError> {
    Ok(settings::load(conn)?.updated_at)
}

/// `articles-{n}` names page `n` (1, 2, ...) written as a plain number;
/// anything else (`0`, `01`, `+1`, `x`) names nothing.
fn page_number(raw: &str) -> Option<u32> {
    let n: u32 = raw.parse().ok()?;
    (n >= 1 && n.to_string() == raw).then_some(n)
}

/// `/robots.txt`. `/admin` is disallowed as itself (`$` ends the match)
/// and as a folder, so a category such as `/administration` stays open.
pub async fn robots(state: web::Data<AppState>) -> HttpResponse {
    let base = &state.base_url;
    let body = format!(
        "User-agent: *\nAllow: /\nDisallow: /admin$\nDisallow: /admin/\n\n\
         Sitemap: {base}/sitemap.xml\nSitemap: {base}/news-sitemap.xml\n"
    );
    HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        ))
        .body(body)
}

/// `/{key}.txt`: the IndexNow key, which proves to search engines that
/// the pings naming this site come from it. Any other `.txt` is a 404.
pub async fn indexnow_key(
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    match &state.pings.indexnow_key {
        Some(ours) if *ours == *key => Ok(HttpResponse::Ok()
            .insert_header((
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ))
            .body(ours.clone())),
        _ => Err(AppError::NotFound),
    }
}

/// `/sitemap.xml`: every child sitemap with its date. The articles pages
/// carry exactly the newest change they list. The four small sitemaps share
/// the newest change on the whole site (the settings or any visible
/// article): exact for the pages sitemap, and at worst a little late for
/// the others (when the newest article is a blog post, noindex or
/// untagged), which costs a crawler one needless fetch of a small file
/// instead of a full scan per sitemap on every request of the index.
pub async fn index(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let base = state.base_url.clone();
    let sitemaps = state
        .run(move |conn| {
            let now = now();
            let site = site_updated(conn)?;
            let newest = sitemaps::newest_visible(conn, now)?.map_or(site, |n| n.max(site));
            let mut articles = sitemaps::articles_pages(conn, now)?;
            if articles.is_empty() {
                // Page 1 always exists; empty, it dates from the settings.
                articles.push(ArticlesPage {
                    number: 1,
                    lastmod: site,
                });
            }
            let at = |path: &str, lastmod: NaiveDateTime| Loc {
                loc: format!("{base}/sitemaps/{path}"),
                lastmod,
            };
            let mut all: Vec<Loc> = ["pages", "categories", "tags", "authors"]
                .iter()
                .map(|name| at(&format!("{name}.xml"), newest))
                .collect();
            all.extend(
                articles
                    .into_iter()
                    .map(|page| at(&format!("articles-{}.xml", page.number), page.lastmod)),
            );
            Ok(all)
        })
        .await?;
    let modified = newest_of(&sitemaps);
    Ok(xml(
        views::xml::render(&SitemapIndex { sitemaps })?,
        modified,
    ))
}

/// `/sitemaps/pages.xml`: the home page, the blog, the about page,
/// `/corrections` and the trust pages that are written.
pub async fn pages(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let base = state.base_url.clone();
    let urls = state
        .run(move |conn| {
            let now = now();
            let settings = settings::load(conn)?;
            let site = settings.updated_at;
            let home = sitemaps::newest_visible(conn, now)?;
            let blog = sitemaps::newest_blog_post(conn, now)?;
            let correction = notes::corrections(conn, now, 1, 0)?
                .first()
                .map(|e| e.note.created_at);
            let mut urls = vec![
                Loc {
                    loc: format!("{base}/"),
                    lastmod: home.unwrap_or(site),
                },
                Loc {
                    loc: format!("{base}/blog"),
                    lastmod: blog.unwrap_or(site),
                },
                Loc {
                    loc: format!("{base}/about"),
                    lastmod: site,
                },
                Loc {
                    loc: format!("{base}/corrections"),
                    lastmod: correction.map_or(site, |c| c.max(site)),
                },
            ];
            urls.extend(settings.trust_pages().into_iter().map(|page| Loc {
                loc: format!("{base}{}", page.path()),
                lastmod: site,
            }));
            Ok(urls)
        })
        .await?;
    urlset(urls)
}

/// Listing pages at `{base}{prefix}{slug}`; one without articles dates
/// from the site settings.
async fn listings(
    state: web::Data<AppState>,
    prefix: &'static str,
    query: fn(&mut DbConn, NaiveDateTime) -> diesel::QueryResult<Vec<ListingEntry>>,
) -> Result<HttpResponse, AppError> {
    let base = state.base_url.clone();
    let urls = state
        .run(move |conn| {
            let site = site_updated(conn)?;
            Ok(query(conn, now())?
                .into_iter()
                .map(|entry| Loc {
                    loc: format!("{base}{prefix}{}", entry.slug),
                    lastmod: entry.lastmod.unwrap_or(site),
                })
                .collect())
        })
        .await?;
    urlset(urls)
}

/// `/sitemaps/categories.xml`: every category not flagged noindex.
pub async fn categories(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    listings(state, "/", sitemaps::categories).await
}

/// `/sitemaps/tags.xml`: hashtags with at least one visible, indexable article.
pub async fn tags(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    listings(state, "/tag/", sitemaps::tags).await
}

/// `/sitemaps/authors.xml`: writers with at least one visible, indexable article.
pub async fn authors(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    listings(state, "/author/", sitemaps::authors).await
}

/// `/sitemaps/articles-{n}.xml`: the visible, indexable articles whose ids
/// lie in the `n`th run of 1,024 ([`sitemaps::IDS_PER_SITEMAP`]), by id.
/// Page 1 always exists (empty on an empty site); any other page that
/// lists nothing is a 404, as the index does not name it.
pub async fn articles(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let page = page_number(&path).ok_or(AppError::NotFound)?;
    let base = state.base_url.clone();
    let urls = state
        .run(move |conn| {
            let now = now();
            let rows = sitemaps::articles_of_page(conn, now, page)?;
            if rows.is_empty() && page != 1 {
                return Err(AppError::NotFound);
            }
            Ok(rows
                .iter()
                .map(|a| Loc {
                    loc: format!("{base}{}", a.path()),
                    lastmod: a.lastmod(),
                })
                .collect())
        })
        .await?;
    urlset(urls)
}

/// `/news-sitemap.xml`: visible, indexable articles of the last 48 hours,
/// newest first, in the Google News sitemap format.
pub async fn news(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let base = state.base_url.clone();
    let (publication, entries) = state
        .run(move |conn| {
            let now = now();
            let site = settings::load(conn)?;
            let since = now - Duration::hours(NEWS_WINDOW_HOURS);
            let entries = sitemaps::news(conn, now, since, NEWS_LIMIT)?;
            Ok((site.name, entries))
        })
        .await?;
    let modified = entries.iter().map(|e| e.lastmod()).max();
    let urls = entries
        .into_iter()
        .map(|e| NewsUrl {
            loc: format!("{base}{}", e.path()),
            published: e.published_at,
            title: e.title,
        })
        .collect();
    let body = views::xml::render(&NewsSitemap { publication, urls })?;
    Ok(xml(body, modified))
}

#[cfg(test)]
mod tests {
    use super::page_number;

    #[test]
    fn only_plain_positive_numbers_name_a_page() {
        assert_eq!(page_number("1"), Some(1));
        assert_eq!(page_number("12"), Some(12));
        for bad in ["0", "01", "+1", "-1", "x", "", "1.5", "99999999999"] {
            assert_eq!(page_number(bad), None, "{bad}");
        }
    }
}
