//! Sitemap queries: the few columns each sitemap lists, read with a fixed
//! handful of typed queries per sitemap, whatever the number of URLs.
//!
//! Articles are paged by id. A page's first id is found with one id-only
//! probe (`ORDER BY id LIMIT 1 OFFSET k`), then the page is a range on the
//! primary key (`id >= first ORDER BY id LIMIT 10000`): the skipped rows are
//! never joined or decoded, and a page never returns more than 10,000 rows.

use chrono::NaiveDateTime;
use diesel::dsl;
use diesel::prelude::*;

use super::articles::{indexed, visible};
use super::schema::{article_tags, articles, categories, tags, users};
use super::DbConn;
use crate::domain::ArticleKind;

/// URLs per articles sitemap (the protocol allows 50,000; smaller files are
/// quicker to build and to fetch).
pub const ARTICLES_PER_SITEMAP: i64 = 10_000;

/// What the articles sitemap needs of an article.
#[derive(Debug, Clone, Queryable)]
pub struct ArticleEntry {
    pub id: i32,
    pub slug: String,
    pub kind: String,
    /// The category's slug; none for blog posts.
    pub category: Option<String>,
    pub updated_at: NaiveDateTime,
    pub published_at: Option<NaiveDateTime>,
}

impl ArticleEntry {
    /// The article's public path; the same rule as
    /// [`super::articles::article_path`], from the columns read here.
    pub fn path(&self) -> String {
        entry_path(&self.kind, self.category.as_deref(), &self.slug)
    }

    /// When the page last changed: its last edit, or its publication if
    /// that came later (a scheduled article appears at its time).
    pub fn lastmod(&self) -> NaiveDateTime {
        newest(Some(self.updated_at), self.published_at).unwrap_or(self.updated_at)
    }
}

/// What the news sitemap needs of an article.
#[derive(Debug, Clone, Queryable)]
pub struct NewsEntry {
    pub id: i32,
    pub slug: String,
    pub kind: String,
    pub category: Option<String>,
    pub title: String,
    pub published_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl NewsEntry {
    pub fn path(&self) -> String {
        entry_path(&self.kind, self.category.as_deref(), &self.slug)
    }

    pub fn lastmod(&self) -> NaiveDateTime {
        self.updated_at.max(self.published_at)
    }
}

fn entry_path(kind: &str, category: Option<&str>, slug: &str) -> String {
    match category {
        Some(c) if kind == ArticleKind::News.as_str() => format!("/{c}/{slug}"),
        _ => format!("/blog/{slug}"),
    }
}

/// A listing page (category, hashtag, author) and the newest change among
/// the articles that put it in the sitemap; none when it has no article.
#[derive(Debug, Clone)]
pub struct ListingEntry {
    pub slug: String,
    pub lastmod: Option<NaiveDateTime>,
}

type SlugAndTimes = (String, Option<NaiveDateTime>, Option<NaiveDateTime>);

fn into_listing(rows: Vec<SlugAndTimes>) -> Vec<ListingEntry> {
    rows.into_iter()
        .map(|(slug, updated, published)| ListingEntry {
            slug,
            lastmod: newest(updated, published),
        })
        .collect()
}

/// The later of two optional times.
pub fn newest(a: Option<NaiveDateTime>, b: Option<NaiveDateTime>) -> Option<NaiveDateTime> {
    a.max(b)
}

/// The first id of articles sitemap `page` (1-based); none past the end.
/// Reads ids only: the rows it skips are never joined or decoded.
pub fn page_start(conn: &mut DbConn, now: NaiveDateTime, page: u32) -> QueryResult<Option<i32>> {
    let skip = i64::from(page.saturating_sub(1)) * ARTICLES_PER_SITEMAP;
    articles::table
        .filter(visible(now))
        .filter(indexed())
        .select(articles::id)
        .order(articles::id.asc())
        .offset(skip)
        .first::<i32>(conn)
        .optional()
}

/// Up to [`ARTICLES_PER_SITEMAP`] visible, indexable articles from id
/// `first` on, by id.
pub fn articles_from(
    conn: &mut DbConn,
    now: NaiveDateTime,
    first: i32,
) -> QueryResult<Vec<ArticleEntry>> {
    articles::table
        .left_join(categories::table)
        .filter(visible(now))
        .filter(indexed())
        .filter(articles::id.ge(first))
        .select((
            articles::id,
            articles::slug,
            articles::kind,
            categories::slug.nullable(),
            articles::updated_at,
            articles::published_at,
        ))
        .order(articles::id.asc())
        .limit(ARTICLES_PER_SITEMAP)
        .load(conn)
}

/// The newest change in each articles sitemap page, in page order; empty
/// when no article is indexable. One query reading one date per article,
/// the later of its edit and its publication (a query per page would, on
/// SQLite without statistics, scan the status index once per page).
pub fn article_pages(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Vec<NaiveDateTime>> {
    let later = dsl::case_when(
        articles::published_at.gt(articles::updated_at.nullable()),
        articles::published_at,
    )
    .otherwise(articles::updated_at.nullable());
    let dates: Vec<Option<NaiveDateTime>> = articles::table
        .filter(visible(now))
        .filter(indexed())
        .select(later)
        .order(articles::id.asc())
        .load(conn)?;
    let per_page = usize::try_from(ARTICLES_PER_SITEMAP).unwrap_or(usize::MAX);
    Ok(dates
        .chunks(per_page)
        .filter_map(|page| page.iter().copied().max().flatten())
        .collect())
}

/// The newest change among all visible articles: the home page's date.
pub fn newest_visible(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Option<NaiveDateTime>> {
    let (updated, published) = articles::table
        .filter(visible(now))
        .select((
            dsl::max(articles::updated_at),
            dsl::max(articles::published_at),
        ))
        .get_result::<(Option<NaiveDateTime>, Option<NaiveDateTime>)>(conn)?;
    Ok(newest(updated, published))
}

/// The newest change among visible blog posts: the blog's date.
pub fn newest_blog_post(
    conn: &mut DbConn,
    now: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    let blog = ArticleKind::Blog.as_str();
    let (updated, published) = articles::table
        .filter(visible(now))
        .filter(articles::kind.eq(blog))
        .select((
            dsl::max(articles::updated_at),
            dsl::max(articles::published_at),
        ))
        .get_result::<(Option<NaiveDateTime>, Option<NaiveDateTime>)>(conn)?;
    Ok(newest(updated, published))
}

/// Categories not flagged noindex, in navigation order, each with the
/// newest change among its visible articles (what its page lists).
pub fn categories(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Vec<ListingEntry>> {
    let rows = categories::table
        .left_join(
            articles::table.on(articles::category_id
                .eq(categories::id.nullable())
                .and(visible(now))),
        )
        .filter(categories::noindex.eq(false))
        .group_by((categories::id, categories::slug, categories::position))
        .select((
            categories::slug,
            dsl::max(articles::updated_at.nullable()),
            dsl::max(articles::published_at.nullable()),
        ))
        .order((categories::position.asc(), categories::id.asc()))
        .load::<SlugAndTimes>(conn)?;
    Ok(into_listing(rows))
}

/// Hashtags carried by at least one visible, indexable article, by slug,
/// each with the newest change among those articles.
pub fn tags(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Vec<ListingEntry>> {
    let rows = tags::table
        .inner_join(article_tags::table.inner_join(articles::table))
        .filter(visible(now))
        .filter(indexed())
        .group_by((tags::id, tags::slug))
        .select((
            tags::slug,
            dsl::max(articles::updated_at),
            dsl::max(articles::published_at),
        ))
        .order(tags::slug.asc())
        .load::<SlugAndTimes>(conn)?;
    Ok(into_listing(rows))
}

/// Active staff with at least one visible, indexable article, by slug,
/// each with the newest change among those articles.
pub fn authors(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Vec<ListingEntry>> {
    let rows = users::table
        .inner_join(articles::table)
        .filter(users::active.eq(true))
        .filter(visible(now))
        .filter(indexed())
        .group_by((users::id, users::slug))
        .select((
            users::slug,
            dsl::max(articles::updated_at),
            dsl::max(articles::published_at),
        ))
        .order(users::slug.asc())
        .load::<SlugAndTimes>(conn)?;
    Ok(into_listing(rows))
}

/// Visible, indexable articles published since `since`, newest first, at
/// most `limit`.
pub fn news(
    conn: &mut DbConn,
    now: NaiveDateTime,
    since: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<NewsEntry>> {
    articles::table
        .left_join(categories::table)
        .filter(visible(now))
        .filter(indexed())
        .filter(articles::published_at.ge(since))
        .select((
            articles::id,
            articles::slug,
            articles::kind,
            categories::slug.nullable(),
            articles::title,
            articles::published_at.assume_not_null(),
            articles::updated_at,
        ))
        .order((articles::published_at.desc(), articles::id.desc()))
        .limit(limit)
        .load(conn)
}

#[cfg(test)]
mod tests {
    use super::entry_path;

    #[test]
    fn news_lives_under_its_category_and_blog_posts_under_blog() {
        assert_eq!(entry_path("news", Some("sport"), "a-b"), "/sport/a-b");
        assert_eq!(entry_path("blog", None, "a-b"), "/blog/a-b");
        assert_eq!(entry_path("blog", Some("sport"), "a-b"), "/blog/a-b");
    }
}
