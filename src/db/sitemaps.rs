//! Sitemap queries: the few columns each sitemap lists, read with a fixed
//! handful of typed queries per sitemap, whatever the number of URLs.
//!
//! Articles are paged by id, 10,000 to a page. Where each page starts and
//! its date come from `sitemap_blocks`, a count per block of 128 ids that
//! triggers keep (see [`articles_pages`]); a page is then a range on the
//! primary key (`id >= first ORDER BY id LIMIT 10000`).

use chrono::NaiveDateTime;
use diesel::dsl;
use diesel::prelude::*;

use super::articles::{indexed, visible};
use super::schema::{article_tags, articles, categories, sitemap_blocks, tags, users};
use super::DbConn;
use crate::domain::{ArticleKind, ArticleStatus};

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

/// Article ids per row of `sitemap_blocks`: block `b` sums up the
/// articles with ids `b * 128` to `b * 128 + 127`. The migration that
/// made the table and its triggers uses the same number.
const BLOCK: i32 = 128;

/// One articles sitemap: the id it starts at and the newest change among
/// the articles it lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArticlesPage {
    pub first: i32,
    pub lastmod: NaiveDateTime,
}

/// The later of an article's edit and publication, in SQL.
#[dsl::auto_type]
fn changed() -> _ {
    dsl::case_when(
        articles::published_at.gt(articles::updated_at.nullable()),
        articles::published_at,
    )
    .otherwise(articles::updated_at.nullable())
}

/// [`indexed`] as a typed expression, for the queries here that do not join
/// `categories`: their statements are then prepared once per connection,
/// where the SQL of [`indexed`] makes a statement that is parsed and
/// planned again on every use (a tenth of a millisecond each on
/// PostgreSQL, for each of the blocks the sitemap index reads).
#[dsl::auto_type]
fn indexable() -> _ {
    let noindex_categories: dsl::Select<
        dsl::Filter<categories::table, categories::noindex>,
        dsl::Nullable<categories::id>,
    > = categories::table
        .filter(categories::noindex)
        .select(categories::id.nullable());
    articles::noindex.eq(false).and(
        articles::category_id
            .is_null()
            .or(articles::category_id.ne_all(noindex_categories)),
    )
}

/// The ids of the visible, indexable articles of block `block`, in order.
/// At most [`BLOCK`] rows, read by primary key.
fn block_ids(conn: &mut DbConn, now: NaiveDateTime, block: i32) -> QueryResult<Vec<i32>> {
    let first = block.saturating_mul(BLOCK);
    articles::table
        .filter(articles::id.between(first, first.saturating_add(BLOCK - 1)))
        .filter(visible(now))
        .filter(indexable())
        .select(articles::id)
        .order(articles::id.asc())
        .load(conn)
}

/// The newest change among the visible, indexable articles of block
/// `block` with ids below `split`, and among those from `split` on: the
/// dates of the two sitemaps the block is shared between, computed in SQL
/// so that only two dates are decoded.
fn block_dates(
    conn: &mut DbConn,
    now: NaiveDateTime,
    block: i32,
    split: i32,
) -> QueryResult<(Option<NaiveDateTime>, Option<NaiveDateTime>)> {
    let first = block.saturating_mul(BLOCK);
    articles::table
        .filter(articles::id.between(first, first.saturating_add(BLOCK - 1)))
        .filter(visible(now))
        .filter(indexable())
        .select((
            dsl::max(dsl::case_when(articles::id.lt(split), changed())),
            dsl::max(dsl::case_when(articles::id.ge(split), changed())),
        ))
        .first(conn)
}

/// An articles sitemap as [`walk_pages`] finds it: its first id, the
/// newest change among its articles in the blocks read one by one, and the
/// runs of blocks it holds whole, whose dates `sitemap_blocks` keeps.
struct PageWalk {
    first: i32,
    newest_read: Option<NaiveDateTime>,
    whole: Vec<(i32, i32)>,
}

/// Finds where each articles sitemap starts, in page order, stopping once
/// it has found `pages` of them; with `dates`, the newest change of each
/// (all of them: [`page_start`] asks for none, and a limit). Page `n`
/// starts at the `(n - 1) * 10,000`th visible, indexable article by id.
///
/// Rather than reading every article, this reads the per-block counts of
/// `sitemap_blocks` (one row of two numbers per 128 ids, kept by
/// triggers), and the articles of only the blocks where a page starts or
/// where an article counted there is not visible yet (scheduled for later:
/// those few are found on the publish-time index).
fn walk_pages(
    conn: &mut DbConn,
    now: NaiveDateTime,
    pages: usize,
    dates: bool,
) -> QueryResult<Vec<PageWalk>> {
    let published: &'static str = ArticleStatus::Published.as_str();
    let scheduled: &'static str = ArticleStatus::Scheduled.as_str();
    // Counted in their blocks, but their time has not come.
    let mut pending: Vec<i32> = articles::table
        .filter(
            articles::status
                .eq(published)
                .or(articles::status.eq(scheduled)),
        )
        .filter(articles::published_at.gt(now))
        .select(articles::id)
        .load::<i32>(conn)?
        .into_iter()
        .map(|id| id.div_euclid(BLOCK))
        .collect();
    pending.sort_unstable();
    pending.dedup();
    let blocks: Vec<(i32, i32)> = sitemap_blocks::table
        .filter(sitemap_blocks::listed.gt(0))
        .select((sitemap_blocks::block, sitemap_blocks::listed))
        .order(sitemap_blocks::block.asc())
        .load(conn)?;
    let mut found: Vec<PageWalk> = Vec::new();
    // Articles listed before the current block.
    let mut seen: i64 = 0;
    // Whether the block before this one was counted whole: a run of whole
    // blocks goes on (over blocks that list nothing, whose date is NULL)
    // until a block is read one by one.
    let mut in_run = false;
    for (block, listed) in blocks {
        let listed = i64::from(listed);
        let into_page = seen % ARTICLES_PER_SITEMAP;
        let starts_page = into_page == 0 || into_page + listed > ARTICLES_PER_SITEMAP;
        if !starts_page && pending.binary_search(&block).is_err() {
            // Whole, in the current page (a page starts in a block read
            // one by one, so there is one).
            if let Some(page) = found.last_mut() {
                match page.whole.last_mut() {
                    Some((_, last)) if in_run => *last = block,
                    _ => page.whole.push((block, block)),
                }
            }
            in_run = true;
            seen += listed;
            continue;
        }
        in_run = false;
        if starts_page && found.len() >= pages {
            break;
        }
        // The id where a page starts in this block, if one does.
        let mut split = None;
        for id in block_ids(conn, now, block)? {
            if seen % ARTICLES_PER_SITEMAP == 0 {
                if found.len() >= pages {
                    return Ok(found);
                }
                found.push(PageWalk {
                    first: id,
                    newest_read: None,
                    whole: Vec::new(),
                });
                split = Some(id);
            }
            seen += 1;
        }
        if dates {
            let (before, after) = block_dates(conn, now, block, split.unwrap_or(i32::MAX))?;
            let last = found.len();
            let (earlier, later) = match split {
                Some(_) => (last.checked_sub(2), last.checked_sub(1)),
                None => (last.checked_sub(1), None),
            };
            for (index, at) in [(earlier, before), (later, after)] {
                if let Some(page) = index.and_then(|i| found.get_mut(i)) {
                    page.newest_read = page.newest_read.max(at);
                }
            }
        }
    }
    Ok(found)
}

/// Every articles sitemap, in page order: where each starts and the newest
/// change among the articles it lists; empty when no article is
/// indexable. See [`walk_pages`]; a page's date is the newest among the
/// articles read one by one and the dates of its whole blocks, one
/// `max()` over a range of `sitemap_blocks` per run of them.
pub fn articles_pages(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Vec<ArticlesPage>> {
    let mut pages = Vec::new();
    for page in walk_pages(conn, now, usize::MAX, true)? {
        let mut newest = page.newest_read;
        for (first, last) in &page.whole {
            let run: Option<NaiveDateTime> = sitemap_blocks::table
                .filter(sitemap_blocks::block.between(*first, *last))
                .select(dsl::max(sitemap_blocks::lastmod))
                .first(conn)?;
            newest = newest.max(run);
        }
        if let Some(lastmod) = newest {
            pages.push(ArticlesPage {
                first: page.first,
                lastmod,
            });
        }
    }
    Ok(pages)
}

/// The first id of articles sitemap `page` (1-based); none past the end.
/// Walks the blocks only as far as that page's start.
pub fn page_start(conn: &mut DbConn, now: NaiveDateTime, page: u32) -> QueryResult<Option<i32>> {
    let Some(index) = usize::try_from(page).ok().and_then(|p| p.checked_sub(1)) else {
        return Ok(None);
    };
    let pages = walk_pages(conn, now, index.saturating_add(1), false)?;
    Ok(pages.get(index).map(|p| p.first))
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

/// The newest change among all visible articles: the home page's date.
/// Two index walks that stop at the first visible article: the newest
/// publication and the newest edit (`max()` of both in one query read every
/// visible article).
pub fn newest_visible(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Option<NaiveDateTime>> {
    let published = articles::table
        .filter(visible(now))
        .select(articles::published_at)
        .order(articles::published_at.desc())
        .first::<Option<NaiveDateTime>>(conn)
        .optional()?
        .flatten();
    let updated = articles::table
        .filter(visible(now))
        .select(articles::updated_at)
        .order(articles::updated_at.desc())
        .first::<NaiveDateTime>(conn)
        .optional()?;
    Ok(newest(updated, published))
}

/// The newest change among visible blog posts: the blog's date, read as
/// [`newest_visible`] reads the home page's.
pub fn newest_blog_post(
    conn: &mut DbConn,
    now: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    let blog = ArticleKind::Blog.as_str();
    let published = articles::table
        .filter(visible(now))
        .filter(articles::kind.eq(blog))
        .select(articles::published_at)
        .order(articles::published_at.desc())
        .first::<Option<NaiveDateTime>>(conn)
        .optional()?
        .flatten();
    let updated = articles::table
        .filter(visible(now))
        .filter(articles::kind.eq(blog))
        .select(articles::updated_at)
        .order(articles::updated_at.desc())
        .first::<NaiveDateTime>(conn)
        .optional()?;
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
