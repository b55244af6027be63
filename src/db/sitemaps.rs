//! Sitemap queries: the few columns each sitemap lists, read with a fixed
//! handful of typed queries per sitemap, whatever the number of URLs.
//!
//! Articles are paged by id: articles sitemap `n` lists the visible,
//! indexable articles whose ids lie in the `n`th run of 1,024
//! ([`IDS_PER_SITEMAP`]), a range on the primary key. An article stays in
//! the same sitemap all its life, so a change dates only its own sitemap.
//! Which sitemaps hold an article, and their dates, come from
//! `sitemap_blocks`, a count and date per block of 128 ids that triggers
//! keep (on SQLite summed up per sitemap in `sitemap_pages`, also by
//! triggers), and from the few articles with an expiry, which the blocks
//! leave out (see [`articles_pages`]).

use chrono::NaiveDateTime;
use diesel::dsl;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::articles::{indexed, visible};
use super::schema::{article_tags, articles, categories, tags, users};
use super::{Backend, DbConn};
use crate::domain::{article_path, ArticleKind, ArticleStatus};

/// Article ids per articles sitemap, so at most this many URLs in each
/// (the protocol allows 50,000): a sitemap costs the same to build and to
/// fetch whatever the size of the archive, and 10 million articles still
/// fit in one index. A whole number of [`BLOCK`]s.
pub const IDS_PER_SITEMAP: i32 = 1024;

/// What the articles sitemap needs of an article.
#[derive(Debug, Clone, Queryable)]
pub struct ArticleEntry {
    pub id: i32,
    pub slug: String,
    pub kind: ArticleKind,
    /// The category's slug; none for blog posts.
    pub category: Option<String>,
    pub updated_at: NaiveDateTime,
    pub published_at: Option<NaiveDateTime>,
}

impl ArticleEntry {
    /// The article's public path ([`article_path`]), from the columns read
    /// here.
    pub fn path(&self) -> String {
        article_path(self.kind, self.category.as_deref(), &self.slug)
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
    pub kind: ArticleKind,
    pub category: Option<String>,
    pub title: String,
    pub published_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl NewsEntry {
    pub fn path(&self) -> String {
        article_path(self.kind, self.category.as_deref(), &self.slug)
    }

    pub fn lastmod(&self) -> NaiveDateTime {
        self.updated_at.max(self.published_at)
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

/// One articles sitemap that lists at least one article: its number and
/// the newest change among the articles it lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArticlesPage {
    pub number: u32,
    pub lastmod: NaiveDateTime,
}

/// The number of the articles sitemap that lists the articles of `block`.
fn page_of_block(block: i32) -> u32 {
    u32::try_from(block.div_euclid(BLOCKS_PER_PAGE)).map_or(u32::MAX, |p| p.saturating_add(1))
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

/// A visible, indexable article's id and latest change.
type Dated = (i32, Option<NaiveDateTime>);

/// The visible, indexable articles of block `block`, by id, each with its
/// latest change: at most [`BLOCK`] rows, read by primary key.
fn block_rows(conn: &mut DbConn, now: NaiveDateTime, block: i32) -> QueryResult<Vec<Dated>> {
    let first = block.saturating_mul(BLOCK);
    articles::table
        .filter(articles::id.between(first, first.saturating_add(BLOCK - 1)))
        .filter(visible(now))
        .filter(indexable())
        .select((articles::id, changed()))
        .order(articles::id.asc())
        .load(conn)
}

/// The visible, indexable articles of the given blocks (in order), by id,
/// each with its latest change. On PostgreSQL one statement, a range of
/// the primary key per block: a fresh connection plans each statement it
/// runs, so one per block cost more than reading them. On SQLite one
/// prepared statement per block: for an `OR` of a dozen ranges with bound
/// ends its planner reads the whole table instead.
fn rows_of_blocks(
    conn: &mut DbConn,
    now: NaiveDateTime,
    blocks: &[i32],
) -> QueryResult<Vec<Dated>> {
    if let DbConn::Sqlite(_) = conn {
        let mut rows = Vec::new();
        for block in blocks {
            rows.extend(block_rows(conn, now, *block)?);
        }
        return Ok(rows);
    }
    let mut ranges = blocks.iter().map(|block| {
        let first = block.saturating_mul(BLOCK);
        articles::id.between(first, first.saturating_add(BLOCK - 1))
    });
    let Some(first) = ranges.next() else {
        return Ok(Vec::new());
    };
    let mut any: Box<dyn BoxableExpression<articles::table, Backend, SqlType = Bool>> =
        Box::new(first);
    for range in ranges {
        any = Box::new(any.or(range));
    }
    articles::table
        .filter(any)
        .filter(visible(now))
        .filter(indexable())
        .select((articles::id, changed()))
        .order(articles::id.asc())
        .into_boxed()
        .load(conn)
}

/// An articles sitemap (0-based: `number` is `articles-(number + 1)`), or a
/// block, as the summary tables count it: the newest change among the
/// articles counted.
#[derive(QueryableByName)]
struct Summed {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    number: i32,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    lastmod: Option<NaiveDateTime>,
}

/// Blocks per articles sitemap.
const BLOCKS_PER_PAGE: i32 = IDS_PER_SITEMAP / BLOCK;

/// The articles sitemaps (0-based) that the summary tables count articles
/// in, each with the newest change among them, leaving out the blocks in
/// `skip` (sorted): at most one row per sitemap.
///
/// On SQLite the sums per sitemap are kept by triggers (`sitemap_pages`),
/// so the index reads one row per sitemap it lists; only the sitemaps that
/// hold a block of `skip` are summed up from their other blocks. On
/// PostgreSQL the blocks are summed up per sitemap when read (a hash
/// aggregate in the server).
fn listed_pages(conn: &mut DbConn, skip: &[i32]) -> QueryResult<Vec<Summed>> {
    let mut skipped_pages: Vec<i32> = skip.iter().map(|b| b.div_euclid(BLOCKS_PER_PAGE)).collect();
    skipped_pages.dedup();
    match conn {
        DbConn::Sqlite(c) => {
            let leave_out = if skipped_pages.is_empty() {
                String::new()
            } else {
                format!(" AND page NOT IN ({})", super::sql_int_list(&skipped_pages))
            };
            let mut pages: Vec<Summed> = diesel::sql_query(format!(
                "SELECT page AS number, lastmod FROM sitemap_pages WHERE listed > 0{leave_out}"
            ))
            .load(c)?;
            for page in skipped_pages {
                let first = page.saturating_mul(BLOCKS_PER_PAGE);
                let blocks: Vec<Summed> = diesel::sql_query(
                    "SELECT block AS number, lastmod FROM sitemap_blocks \
                     WHERE block BETWEEN ? AND ? AND listed > 0",
                )
                .bind::<diesel::sql_types::Integer, _>(first)
                .bind::<diesel::sql_types::Integer, _>(first.saturating_add(BLOCKS_PER_PAGE - 1))
                .load(c)?;
                let lastmod = blocks
                    .into_iter()
                    .filter(|b| skip.binary_search(&b.number).is_err())
                    .filter_map(|b| b.lastmod)
                    .max();
                pages.push(Summed {
                    number: page,
                    lastmod,
                });
            }
            Ok(pages)
        }
        DbConn::Pg(c) => {
            let leave_out = if skip.is_empty() {
                String::new()
            } else {
                format!(" AND block NOT IN ({})", super::sql_int_list(skip))
            };
            diesel::sql_query(format!(
                "SELECT block / {BLOCKS_PER_PAGE} AS number, MAX(lastmod) AS lastmod \
                 FROM sitemap_blocks WHERE listed > 0{leave_out} GROUP BY block / {BLOCKS_PER_PAGE}"
            ))
            .load(c)
        }
    }
}

/// The visible, indexable articles with an expiry still to come, by id,
/// each with its latest change: the blocks do not count articles with an
/// expiry (an article leaves the sitemaps at its expiry, which no write
/// marks), so these are read on their own, off the partial index of
/// expiries. Expired ones are never read again.
fn expiring_rows(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Vec<Dated>> {
    articles::table
        .filter(articles::expires_at.gt(now))
        .filter(visible(now))
        .filter(indexable())
        .select((articles::id, changed()))
        .order(articles::id.asc())
        .load(conn)
}

/// The articles sitemaps that list at least one article, in order, each
/// with the newest change among the articles it lists.
///
/// Rather than reading every article, this reads a fixed handful of
/// statements whatever the size of the archive: the per-block counts and
/// dates of `sitemap_blocks` (one row per 128 ids, kept by triggers, of
/// the articles without an expiry; read as sums per sitemap, see
/// [`listed_pages`]), the articles counted there whose time
/// has not come yet (scheduled for later: few, found on the publish-time
/// index), the articles of just the blocks where such an article waits,
/// whose counts and dates cannot be taken as they are, and the visible
/// articles with an expiry still to come (few, on their own index).
pub fn articles_pages(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Vec<ArticlesPage>> {
    // One snapshot (on SQLite) for the counts and the articles they count.
    // It only reads, so diesel's plain BEGIN (a reader on SQLite) is what
    // it needs, not `write_transaction`.
    #[allow(clippy::disallowed_methods)]
    conn.transaction(|conn| {
        // Counted in their blocks, but their time has not come.
        // Only the publish time is filtered in SQL, so that the planner
        // reads the few future rows off the publish-time index; given a
        // status filter too, a freshly analysed database chose a scan of
        // the whole table.
        let mut waiting: Vec<i32> = articles::table
            .filter(articles::published_at.gt(now))
            .filter(indexable())
            // In index order, or SQLite's planner, given the noindex
            // filters, read the whole table (0.1 s at 100,000 articles).
            .order(articles::published_at.asc())
            .select((articles::id, articles::status))
            .load::<(i32, ArticleStatus)>(conn)?
            .into_iter()
            .filter(|(_, status)| status.is_public())
            .map(|(id, _)| id.div_euclid(BLOCK))
            .collect();
        waiting.sort_unstable();
        waiting.dedup();
        let pages_of_blocks = listed_pages(conn, &waiting)?;
        let rows = rows_of_blocks(conn, now, &waiting)?;
        let expiring = expiring_rows(conn, now)?;
        // The newest change per sitemap page, in page order.
        let mut pages: std::collections::BTreeMap<u32, NaiveDateTime> = Default::default();
        let mut add = |block: i32, at: NaiveDateTime| {
            let newest = pages.entry(page_of_block(block)).or_insert(at);
            *newest = (*newest).max(at);
        };
        for page in pages_of_blocks {
            if let Some(at) = page.lastmod {
                // The page's first block stands for the page.
                add(page.number.saturating_mul(BLOCKS_PER_PAGE), at);
            }
        }
        // Every visible article of the waiting blocks (whatever their
        // counts said, or whether they had a row yet), and the articles
        // with an expiry of the other blocks.
        for (id, at) in rows {
            if let Some(at) = at {
                add(id.div_euclid(BLOCK), at);
            }
        }
        for (id, at) in expiring {
            let block = id.div_euclid(BLOCK);
            if let (Some(at), Err(_)) = (at, waiting.binary_search(&block)) {
                add(block, at);
            }
        }
        let pages = pages
            .into_iter()
            .map(|(number, lastmod)| ArticlesPage { number, lastmod })
            .collect();
        Ok(pages)
    })
}

/// The visible, indexable articles of articles sitemap `page` (1-based),
/// by id: at most [`IDS_PER_SITEMAP`], read as one range of the primary
/// key.
pub fn articles_of_page(
    conn: &mut DbConn,
    now: NaiveDateTime,
    page: u32,
) -> QueryResult<Vec<ArticleEntry>> {
    let first = i64::from(page.saturating_sub(1)) * i64::from(IDS_PER_SITEMAP);
    let Ok(first) = i32::try_from(first) else {
        return Ok(Vec::new());
    };
    articles::table
        .left_join(categories::table)
        .filter(visible(now))
        .filter(indexed())
        .filter(articles::id.between(first, first.saturating_add(IDS_PER_SITEMAP - 1)))
        .select((
            articles::id,
            articles::slug,
            articles::kind,
            categories::slug.nullable(),
            articles::updated_at,
            articles::published_at,
        ))
        .order(articles::id.asc())
        .load(conn)
}

/// An article's edit time, with what the visibility rule and the kind
/// filter read: status, publish time, expiry, kind.
type Edited = (
    NaiveDateTime,
    ArticleStatus,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    ArticleKind,
);

/// Rows of the edit-time index read when looking for the newest edit of
/// a visible article.
const EDIT_WALK: i64 = 64;

/// The newest edit among visible articles (of `kind`, if given). Read off
/// the newest end of the edit-time index, stopping at the first visible
/// one: given the visibility rule in SQL, SQLite's planner chose a
/// publish-time index and sorted every visible article by edit time
/// instead (0.2 s at 100,000 articles). Only when the newest edits are all
/// of hidden articles (or of another kind) is the database asked to look
/// further.
fn newest_edit(
    conn: &mut DbConn,
    now: NaiveDateTime,
    kind: Option<ArticleKind>,
) -> QueryResult<Option<NaiveDateTime>> {
    let recent: Vec<Edited> = articles::table
        .select((
            articles::updated_at,
            articles::status,
            articles::published_at,
            articles::expires_at,
            articles::kind,
        ))
        .order(articles::updated_at.desc())
        .limit(EDIT_WALK)
        .load(conn)?;
    let wanted = |k: ArticleKind| kind.is_none_or(|want| want == k);
    if let Some((at, ..)) = recent.iter().find(|(_, status, published, expires, k)| {
        status.is_visible(*published, *expires, now) && wanted(*k)
    }) {
        return Ok(Some(*at));
    }
    if i64::try_from(recent.len()).unwrap_or(i64::MAX) < EDIT_WALK {
        return Ok(None);
    }
    let mut further = articles::table
        .filter(visible(now))
        .select(articles::updated_at)
        .order(articles::updated_at.desc())
        .into_boxed();
    if let Some(kind) = kind {
        further = further.filter(articles::kind.eq(kind));
    }
    further.first::<NaiveDateTime>(conn).optional()
}

/// The newest publication among visible articles (of `kind`, if given):
/// one walk of a publish-time index.
fn newest_publication(
    conn: &mut DbConn,
    now: NaiveDateTime,
    kind: Option<ArticleKind>,
) -> QueryResult<Option<NaiveDateTime>> {
    let mut query = articles::table
        .filter(visible(now))
        .select(articles::published_at)
        .order(articles::published_at.desc())
        .into_boxed();
    if let Some(kind) = kind {
        query = query.filter(articles::kind.eq(kind));
    }
    Ok(query
        .first::<Option<NaiveDateTime>>(conn)
        .optional()?
        .flatten())
}

/// The newest change among all visible articles: the home page's date.
/// Two index walks that stop at the first visible article: the newest
/// publication and the newest edit (`max()` of both in one query read every
/// visible article).
pub fn newest_visible(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Option<NaiveDateTime>> {
    let published = newest_publication(conn, now, None)?;
    Ok(newest(newest_edit(conn, now, None)?, published))
}

/// The newest change among visible blog posts: the blog's date, read as
/// [`newest_visible`] reads the home page's.
pub fn newest_blog_post(
    conn: &mut DbConn,
    now: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    let blog = Some(ArticleKind::Blog);
    let published = newest_publication(conn, now, blog)?;
    Ok(newest(newest_edit(conn, now, blog)?, published))
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
