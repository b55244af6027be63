//! Article queries: the visibility rule, listings of cards, one article with
//! its sections, related articles, and the plain parts an article is
//! created from.

use chrono::NaiveDateTime;
use diesel::dsl;
use diesel::prelude::*;

use super::editor::{Draft, SectionDraft};
use super::models::{
    Article, Author, CardArticle, CardAuthor, CardCategory, Category, Media, Section,
};
use super::schema::{article_tags, articles, categories, media, sections, users};
use super::timestamp::Ts;
use super::{on_backend, CountRows, DbConn};
use crate::domain::{ArticleKind, ArticleStatus, DatedNote, SourceKind};

/// The one visibility rule: an article is public iff it is published or
/// scheduled, its publish time has passed and its expiry (if it has one)
/// has not. Every public query uses it; its Rust form, for an article
/// already read, is [`ArticleStatus::is_visible`] (a test checks that the
/// two agree). The hashtag links' copy is [`visible_link`], and the
/// listing's subquery in `list_page!` and the related articles' statement
/// (`RecentLinks`) spell it out on their own tables.
#[dsl::auto_type]
pub fn visible(now: NaiveDateTime) -> _ {
    let published: ArticleStatus = ArticleStatus::Published;
    let scheduled: ArticleStatus = ArticleStatus::Scheduled;
    let now: Ts = Ts(now);
    articles::status
        .eq(published)
        .or(articles::status.eq(scheduled))
        .and(articles::published_at.le(now))
        .and(
            articles::expires_at
                .is_null()
                .or(articles::expires_at.gt(now)),
        )
}

/// When [`visible`] next changes its answer by itself, read together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NextChanges {
    /// The earliest publish time or expiry still to come of a published
    /// or scheduled article: caches of public pages last no longer.
    pub any: Option<NaiveDateTime>,
    /// The earliest expiry still to come: a page rendered before it is
    /// never served after it, not even as the stale copy of an outage.
    pub expiry: Option<NaiveDateTime>,
}

/// The next moments [`visible`] changes its answer by itself: an article
/// coming due, or one expiring. Two index walks (the publish-time index
/// and the partial index of expiries).
pub fn next_visibility_change(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<NextChanges> {
    let published: ArticleStatus = ArticleStatus::Published;
    let scheduled: ArticleStatus = ArticleStatus::Scheduled;
    let due: Option<NaiveDateTime> = articles::table
        .filter(
            articles::status
                .eq(published)
                .or(articles::status.eq(scheduled)),
        )
        .filter(articles::published_at.gt(now))
        .select(dsl::min(articles::published_at))
        .first(conn)?;
    let expiry: Option<NaiveDateTime> = articles::table
        .filter(
            articles::status
                .eq(published)
                .or(articles::status.eq(scheduled)),
        )
        .filter(articles::expires_at.gt(now))
        .select(dsl::min(articles::expires_at))
        .first(conn)?;
    let any = match (due, expiry) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    Ok(NextChanges { any, expiry })
}

/// Whether the article with this slug was public and has expired: its
/// address answers 410 Gone (`ArticleStatus::has_expired`).
pub fn expired(conn: &mut DbConn, slug: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let published: ArticleStatus = ArticleStatus::Published;
    let scheduled: ArticleStatus = ArticleStatus::Scheduled;
    let found: Option<i32> = articles::table
        .filter(articles::slug.eq(slug))
        .filter(
            articles::status
                .eq(published)
                .or(articles::status.eq(scheduled)),
        )
        .filter(articles::published_at.le(now))
        .filter(articles::expires_at.le(now))
        .select(articles::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// What may be indexed, on top of [`visible`]: not an article flagged
/// noindex, nor one in a noindex category. Sitemaps, feeds and search add
/// this filter, so one flag is obeyed everywhere. Written as SQL because the
/// subquery reads `categories`, which listing queries already join.
pub fn indexed() -> diesel::expression::SqlLiteral<diesel::sql_types::Bool> {
    dsl::sql(
        "(NOT articles.noindex AND (articles.category_id IS NULL OR articles.category_id \
         NOT IN (SELECT nc.id FROM categories nc WHERE nc.noindex)))",
    )
}

/// An article read with its category (none for blog posts), its author
/// and its hero image, in one joined query. As a [`Card`] (the default)
/// it holds what a listing shows; as a [`Story`], every column.
#[derive(Debug, Clone)]
pub struct Card<A = CardArticle, C = CardCategory, U = CardAuthor> {
    pub article: A,
    pub category: Option<C>,
    pub author: U,
    pub hero: Option<Media>,
}

/// An article read whole, with its whole category and author: the article
/// page, feeds (which carry the intro) and the editor's preview.
pub type Story = Card<Article, Category, Author>;

impl Card {
    /// The article's public path, e.g. `/sport/slug` or `/blog/slug`.
    pub fn path(&self) -> String {
        let category = self.category.as_ref().map(|c| c.slug.as_str());
        crate::domain::article_path(self.article.kind, category, &self.article.slug)
    }

    /// When the card last changed what it shows: see [`Story::changed_at`].
    pub fn changed_at(&self) -> NaiveDateTime {
        changed_at(self.article.updated_at, self.article.published_at)
    }
}

impl Story {
    /// The article's public path, e.g. `/sport/slug` or `/blog/slug`.
    pub fn path(&self) -> String {
        let category = self.category.as_ref().map(|c| c.slug.as_str());
        crate::domain::article_path(self.article.kind, category, &self.article.slug)
    }

    /// Its last edit, or its publish time if that is later: a scheduled
    /// article coming due makes the pages that show it newer.
    pub fn changed_at(&self) -> NaiveDateTime {
        changed_at(self.article.updated_at, self.article.published_at)
    }
}

fn changed_at(updated_at: NaiveDateTime, published_at: Option<NaiveDateTime>) -> NaiveDateTime {
    updated_at.max(published_at.unwrap_or_default())
}

/// Which articles a listing shows.
#[derive(Debug, Clone, Copy)]
pub enum Listing {
    /// News and blog together, newest first.
    Everything,
    News,
    Blog,
    Category(i32),
    Tag(i32),
    Author(i32),
}

/// A row of the joined query cards are read with: the article, its
/// category, author and hero image. The author comes through a left join
/// (every article has one: `author_id` is a NOT NULL foreign key).
pub(crate) type JoinedRow<A, C, U> = (A, Option<C>, Option<U>, Option<Media>);

/// A [`Card`] as a listing query reads it.
pub(crate) type CardRow = JoinedRow<CardArticle, CardCategory, CardAuthor>;

/// A [`Story`] as a listing query reads it.
pub(crate) type StoryRow = JoinedRow<Article, Category, Author>;

/// Cards (or stories) from the rows of their joined query.
pub(crate) fn into_cards<A, C, U>(rows: Vec<JoinedRow<A, C, U>>) -> Vec<Card<A, C, U>> {
    rows.into_iter()
        .filter_map(|(article, category, author, hero)| {
            Some(Card {
                article,
                category,
                author: author?,
                hero,
            })
        })
        .collect()
}

/// The rows cards are made of: an article with its category, author and
/// picture, as a query still to be filtered (a typed, not boxed, query,
/// which the connection keeps prepared). `card_rows!()` selects a
/// [`CardRow`], `card_rows!(story)` a [`StoryRow`]. Both joins to
/// `categories` and `users` are left joins on purpose: they keep `articles`
/// the outer table, so SQLite walks the publish-time index and stops at a
/// listing's limit. With an inner join to `users` it may start from the
/// handful of users and sort every visible article (1.4 s for a feed at
/// 100,000 articles).
macro_rules! card_rows {
    () => {
        $crate::db::articles::card_rows!(CardArticle, CardCategory, CardAuthor)
    };
    (story) => {
        $crate::db::articles::card_rows!(Article, Category, Author)
    };
    ($article:ident, $category:ident, $author:ident) => {{
        use $crate::db::models::{$article, $author, $category, Media};
        use $crate::db::schema::{articles, categories, media, users};
        articles::table
            .left_join(categories::table)
            .left_join(users::table)
            .left_join(media::table)
            .select((
                $article::as_select(),
                Option::<$category>::as_select(),
                Option::<$author>::as_select(),
                Option::<Media>::as_select(),
            ))
    }};
}
pub(crate) use card_rows;

/// The cards of a listing page, newest first, with any extra filters. The
/// table modules are in scope for the filters, wherever it is called.
macro_rules! list_cards {
    ($conn:expr, $now:expr, $limit:expr, $offset:expr $(, $filter:expr)*) => {
        $crate::db::articles::list_rows!([] CardRow; $conn, $now, $limit, $offset $(, $filter)*)
    };
}

/// [`list_cards!`] for whole [`Story`]s: feeds, which carry the intro.
macro_rules! list_stories {
    ($conn:expr, $now:expr, $limit:expr, $offset:expr $(, $filter:expr)*) => {
        $crate::db::articles::list_rows!([story] StoryRow; $conn, $now, $limit, $offset $(, $filter)*)
    };
}
pub(crate) use list_stories;

/// The listing query of [`list_cards!`] and [`list_stories!`]: `[$shape]`
/// is what `card_rows!` is given, `$row` the row it reads.
macro_rules! list_rows {
    ([$($shape:tt)*] $row:ident; $conn:expr, $now:expr, $limit:expr, $offset:expr $(, $filter:expr)*) => {{
        use $crate::db::schema::articles;
        $crate::db::on_backend!($conn, |c| $crate::db::articles::card_rows!($($shape)*)
            .filter($crate::db::articles::visible($now))
            $(.filter($filter))*
            .order((articles::published_at.desc(), articles::id.desc()))
            .limit($limit)
            .offset($offset)
            .load::<$crate::db::articles::$row>(c))
            .map($crate::db::articles::into_cards)
    }};
}
pub(crate) use list_rows;

/// Counts at most `$limit` articles of a listing: an index range that
/// stops at the limit, where `count(*)` would visit every article of a
/// long listing.
macro_rules! count_cards {
    ($conn:expr, $now:expr, $limit:expr $(, $filter:expr)?) => {
        on_backend!($conn, |c| CountRows(articles::table
            .filter(visible($now))
            $(.filter($filter))?
            .select(articles::id)
            .limit($limit))
            .get_result::<i64>(c))
    };
}

/// The ids of the articles carrying a hashtag, as a subquery.
type TaggedIds = dsl::Select<
    dsl::Filter<article_tags::table, dsl::Eq<article_tags::tag_id, i32>>,
    article_tags::article_id,
>;

/// Articles carrying the hashtag `tag_id`.
pub(crate) fn tagged(tag_id: i32) -> dsl::EqAny<articles::id, TaggedIds> {
    articles::id.eq_any(
        article_tags::table
            .filter(article_tags::tag_id.eq(tag_id))
            .select(article_tags::article_id),
    )
}

/// [`visible`] applied to the copies of the article's status and publish
/// time that each hashtag link keeps (triggers keep them equal to the
/// article's): a hashtag's page and its count are read from the link index
/// alone, newest first, as a category's are from the articles' index.
#[dsl::auto_type]
pub fn visible_link(now: NaiveDateTime) -> _ {
    let published: ArticleStatus = ArticleStatus::Published;
    let scheduled: ArticleStatus = ArticleStatus::Scheduled;
    let now: Ts = Ts(now);
    article_tags::article_status
        .eq(published)
        .or(article_tags::article_status.eq(scheduled))
        .and(article_tags::article_published_at.le(now))
        .and(
            article_tags::article_expires_at
                .is_null()
                .or(article_tags::article_expires_at.gt(now)),
        )
}

/// The cards of one page of a listing: a subquery picks the page's ids
/// from the listing's index (which holds the id and status, so the rows it
/// skips on a deep page are never read), and the outer query joins just
/// those. One statement, so it stays prepared. The subquery reads
/// `articles` under another name and applies the rule of [`visible`] to
/// it; `$column` (of `articles`) equal to `$value` narrows the listing.
///
/// On PostgreSQL the ids are read first and the cards by id
/// ([`cards_by_ids`]): the page's offset is a parameter, so PostgreSQL
/// plans the statement that holds it again on every execution, which for
/// the joined statement took a millisecond, four times its execution; the
/// ids alone plan in a tenth of that, and the statement of
/// [`cards_by_ids`] keeps one plan.
///
/// The first page skips nothing, so on SQLite it is read with the plain
/// listing statement ([`list_cards!`]), which walks the same index and
/// stops at the limit: the subquery's result is kept in a temporary table,
/// and setting that up was most of the cost of a short listing (the home
/// page reads seven, and spent two thirds of its instructions in them).
macro_rules! list_page {
    ($conn:expr, $now:expr, $limit:expr, $offset:expr $(, $column:expr => $value:expr)?) => {{
        let conn: &mut DbConn = $conn;
        if $offset == 0 && matches!(conn, DbConn::Sqlite(_)) {
            list_cards!(conn, $now, $limit, 0 $(, $column.eq($value))?)
        } else {
            list_page!(@ids conn, $now, $limit, $offset $(, $column => $value)?)
        }
    }};
    (@ids $conn:expr, $now:expr, $limit:expr, $offset:expr $(, $column:expr => $value:expr)?) => {{
        let listed = diesel::alias!(articles as listed);
        let published: ArticleStatus = ArticleStatus::Published;
        let scheduled: ArticleStatus = ArticleStatus::Scheduled;
        let page = listed
            .filter(
                listed
                    .field(articles::status)
                    .eq(published)
                    .or(listed.field(articles::status).eq(scheduled))
                    .and(listed.field(articles::published_at).le($now))
                    .and(
                        listed
                            .field(articles::expires_at)
                            .is_null()
                            .or(listed.field(articles::expires_at).gt($now)),
                    ),
            )
            $(.filter(listed.field($column).eq($value)))?
            .select(listed.field(articles::id))
            .order((
                listed.field(articles::published_at).desc(),
                listed.field(articles::id).desc(),
            ))
            .limit($limit)
            .offset($offset);
        list_by_page_ids!($conn, $now, $limit, page)
    }};
}

/// The cards of `$page`, a query of a listing page's ids: by id on
/// PostgreSQL, joined in one statement on SQLite (see [`list_page!`]).
macro_rules! list_by_page_ids {
    ($conn:expr, $now:expr, $limit:expr, $page:expr) => {{
        let conn: &mut DbConn = $conn;
        if let DbConn::Pg(c) = conn {
            let ids: Vec<i32> = $page.load(c)?;
            cards_by_ids(conn, &ids, $now)
        } else {
            list_cards!(conn, $now, $limit, 0, articles::id.eq_any($page))
        }
    }};
}

/// One page of a listing, newest first: see [`list_page!`]. A hashtag's
/// page is picked from the hashtag links, which carry their article's
/// publish time and status for this.
pub fn list(
    conn: &mut DbConn,
    listing: Listing,
    now: NaiveDateTime,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<Card>> {
    let (news, blog) = (ArticleKind::News, ArticleKind::Blog);
    let rows = match listing {
        Listing::Everything => list_page!(conn, now, limit, offset)?,
        Listing::News => list_page!(conn, now, limit, offset, articles::kind => news)?,
        Listing::Blog => list_page!(conn, now, limit, offset, articles::kind => blog)?,
        Listing::Category(id) => list_page!(conn, now, limit, offset, articles::category_id => id)?,
        Listing::Author(id) => list_page!(conn, now, limit, offset, articles::author_id => id)?,
        Listing::Tag(id) => {
            let page = article_tags::table
                .filter(article_tags::tag_id.eq(id))
                .filter(visible_link(now))
                .select(article_tags::article_id)
                .order((
                    article_tags::article_published_at.desc(),
                    article_tags::article_id.desc(),
                ))
                .limit(limit)
                .offset(offset);
            list_by_page_ids!(conn, now, limit, page)?
        }
    };
    Ok(rows)
}

/// How many articles a listing has, counted up to `at_most`: a pager
/// needs to know whether there is a next page, not the exact length of an
/// archive of 100,000 articles.
pub fn count(
    conn: &mut DbConn,
    listing: Listing,
    now: NaiveDateTime,
    at_most: i64,
) -> QueryResult<i64> {
    let (news, blog) = (ArticleKind::News, ArticleKind::Blog);
    match listing {
        Listing::Everything => count_cards!(conn, now, at_most),
        Listing::News => count_cards!(conn, now, at_most, articles::kind.eq(news)),
        Listing::Blog => count_cards!(conn, now, at_most, articles::kind.eq(blog)),
        Listing::Category(id) => count_cards!(conn, now, at_most, articles::category_id.eq(id)),
        Listing::Author(id) => count_cards!(conn, now, at_most, articles::author_id.eq(id)),
        Listing::Tag(id) => on_backend!(conn, |c| CountRows(
            article_tags::table
                .filter(article_tags::tag_id.eq(id))
                .filter(visible_link(now))
                .select(article_tags::article_id)
                .limit(at_most)
        )
        .get_result::<i64>(c)),
    }
}

/// Related articles are at most this many.
pub const MAX_RELATED: usize = 4;

/// Ids bound per card query by [`cards_by_ids`]: a listing page's worth.
const ID_SLOTS: usize = 12;

/// Cards for the given ids (visible ones only), in the order of `ids`:
/// one query per [`ID_SLOTS`] ids. The ids are bound one by one, padded
/// with an id that matches nothing, so the statement is the same every
/// time and stays prepared; an `IN (...)` list of varying length would be
/// parsed and planned anew on each page.
///
/// The rows are read by primary key alone and the visibility rule is
/// applied here ([`ArticleStatus::is_visible`], the rule of [`visible`]):
/// with the rule in the statement, SQLite's planner walked the listing
/// index over every visible article instead (seen with the demo's
/// statistics), and sorting in SQL would copy every column of every row
/// into a temporary b-tree before the order of `ids` is restored below.
pub fn cards_by_ids(conn: &mut DbConn, ids: &[i32], now: NaiveDateTime) -> QueryResult<Vec<Card>> {
    let mut cards = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(ID_SLOTS) {
        let mut slots = [-1; ID_SLOTS];
        for (slot, id) in slots.iter_mut().zip(chunk) {
            *slot = *id;
        }
        let [a, b, c, d, e, f, g, h, i, j, k, l] = slots;
        let rows = on_backend!(conn, |conn| card_rows!()
            .filter(
                articles::id
                    .eq(a)
                    .or(articles::id.eq(b))
                    .or(articles::id.eq(c))
                    .or(articles::id.eq(d))
                    .or(articles::id.eq(e))
                    .or(articles::id.eq(f))
                    .or(articles::id.eq(g))
                    .or(articles::id.eq(h))
                    .or(articles::id.eq(i))
                    .or(articles::id.eq(j))
                    .or(articles::id.eq(k))
                    .or(articles::id.eq(l)),
            )
            .load::<CardRow>(conn))?;
        cards.extend(into_cards(rows).into_iter().filter(|card| {
            let a = &card.article;
            a.status.is_visible(a.published_at, a.expires_at, now)
        }));
    }
    cards.sort_by_key(|card| ids.iter().position(|id| *id == card.article.id));
    Ok(cards)
}

/// A visible article by its slug, with its category, author and hero image
/// (also the card's `hero`).
pub fn find_visible(
    conn: &mut DbConn,
    slug: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(Story, Option<Media>)>> {
    let row = on_backend!(conn, |conn| articles::table
        .left_join(categories::table)
        .inner_join(users::table)
        .left_join(media::table)
        .filter(visible(now))
        .filter(articles::slug.eq(slug))
        .select((
            Article::as_select(),
            Option::<Category>::as_select(),
            Author::as_select(),
            Option::<Media>::as_select(),
        ))
        .first::<(Article, Option<Category>, Author, Option<Media>)>(conn)
        .optional())?;
    Ok(row.map(|(article, category, author, hero)| {
        (
            Story {
                article,
                category,
                author,
                hero: hero.clone(),
            },
            hero,
        )
    }))
}

/// The sections of an article, in reading order.
pub fn sections_of(conn: &mut DbConn, article_id: i32) -> QueryResult<Vec<Section>> {
    on_backend!(conn, |conn| sections::table
        .filter(sections::article_id.eq(article_id))
        .order(sections::position.asc())
        .select(Section::as_select())
        .load(conn))
}

/// Hashtag links read per hashtag when ranking related articles: that
/// hashtag's newest visible articles. An older article sharing hashtags
/// with this one can fall outside them on a busy hashtag; what a reader
/// wants next is recent, and the page then costs the same at any archive
/// size (ranking every link of the article's hashtags read a popular
/// hashtag whole, and SQLite's plan walked every visible article).
pub const RELATED_WINDOW: i64 = 100;

/// The newest [`RELATED_WINDOW`] visible articles of each of the hashtags
/// `tags`, article `this` left out, as (id, publish time) links (an article
/// once per hashtag it shares): one statement, a `UNION ALL` of one
/// newest-first walk of `article_tags_listing_idx` per hashtag (an article
/// has at most 20). The links come in no particular order: [`most_shared`]
/// ranks them. Sorting them in the statement took SQLite half of the
/// statement's work (a sorter set up per page: 63,000 of 127,000
/// instructions for the demo article's 24 links), where decoding their
/// publish times takes some 13,000. diesel's query builder has no `LIMIT`
/// inside a `UNION`, so the statement is written here.
///
/// It has `N` walks, the hashtags padded with [`NO_TAG`] (a walk that
/// finds nothing at once): every value is bound and the statement's shape
/// is its type, so each connection prepares it once per `N` and diesel
/// finds it by type. A statement shaped by the number of hashtags had to
/// be written out and hashed on every page to be found in the cache.
#[derive(Debug, Clone)]
struct RecentLinks<const N: usize> {
    this: i32,
    tags: [i32; N],
    now: Ts,
}

/// A hashtag id no hashtag has (ids start at 1).
const NO_TAG: i32 = -1;

impl<const N: usize> RecentLinks<N> {
    /// The links of the first `N` of `tags` (an article has at most
    /// [`crate::domain::limits::MAX_TAGS`]).
    fn of(this: i32, tags: &[i32], now: NaiveDateTime) -> RecentLinks<N> {
        let mut slots = [NO_TAG; N];
        for (slot, tag) in slots.iter_mut().zip(tags) {
            *slot = *tag;
        }
        RecentLinks {
            this,
            tags: slots,
            now: Ts(now),
        }
    }

    /// The links the statement reads (see [`RecentLinks`]).
    fn load_links(self, conn: &mut DbConn) -> QueryResult<Vec<(i32, Ts)>> {
        on_backend!(conn, |c| self.load(c))
    }
}

impl<const N: usize> diesel::query_builder::QueryId for RecentLinks<N> {
    type QueryId = RecentLinks<N>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<const N: usize> diesel::query_builder::Query for RecentLinks<N> {
    type SqlType = (diesel::sql_types::Integer, diesel::sql_types::Timestamp);
}

impl<const N: usize, C: Connection> RunQueryDsl<C> for RecentLinks<N> {}

impl<const N: usize, DB> diesel::query_builder::QueryFragment<DB> for RecentLinks<N>
where
    DB: diesel::backend::Backend,
    i32: diesel::serialize::ToSql<diesel::sql_types::Integer, DB>,
    Ts: diesel::serialize::ToSql<diesel::sql_types::Timestamp, DB>,
    ArticleStatus: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()> {
        use diesel::sql_types::{Integer, Text, Timestamp};
        let [published, scheduled] = &ArticleStatus::PUBLIC;
        out.push_sql("SELECT article_id, article_published_at FROM (");
        for (i, tag) in self.tags.iter().enumerate() {
            if i > 0 {
                out.push_sql(" UNION ALL ");
            }
            out.push_sql(
                "SELECT * FROM (SELECT article_id, article_published_at FROM article_tags \
                 WHERE tag_id = ",
            );
            out.push_bind_param::<Integer, _>(tag)?;
            out.push_sql(" AND article_id <> ");
            out.push_bind_param::<Integer, _>(&self.this)?;
            out.push_sql(" AND article_status IN (");
            out.push_bind_param::<Text, _>(published)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(scheduled)?;
            out.push_sql(") AND article_published_at <= ");
            out.push_bind_param::<Timestamp, _>(&self.now)?;
            out.push_sql(" AND (article_expires_at IS NULL OR article_expires_at > ");
            out.push_bind_param::<Timestamp, _>(&self.now)?;
            out.push_sql(") ORDER BY article_published_at DESC LIMIT ");
            out.push_sql(itoa::Buffer::new().format(RELATED_WINDOW));
            out.push_sql(") AS w");
            out.push_sql(itoa::Buffer::new().format(i));
        }
        out.push_sql(") AS links");
        Ok(())
    }
}

/// Up to `limit` visible articles related to `card`: among the newest
/// [`RELATED_WINDOW`] of each of its hashtags, those sharing the most
/// hashtags first, then the newest; then the newest of the same category
/// (or the blog). Three queries whatever the size of the archive.
pub fn related(
    conn: &mut DbConn,
    card: &Story,
    tag_ids: &[i32],
    now: NaiveDateTime,
    limit: usize,
) -> QueryResult<Vec<Card>> {
    let this = card.article.id;
    let mut picked: Vec<Card> = Vec::with_capacity(limit);
    let limit = limit.min(MAX_RELATED);
    if !tag_ids.is_empty() {
        // Three shapes of the statement serve any number of hashtags.
        let links = match tag_ids.len() {
            ..=4 => RecentLinks::<4>::of(this, tag_ids, now).load_links(conn),
            5..=8 => RecentLinks::<8>::of(this, tag_ids, now).load_links(conn),
            _ => RecentLinks::<{ crate::domain::limits::MAX_TAGS }>::of(this, tag_ids, now)
                .load_links(conn),
        }?;
        let ids = most_shared(links, limit);
        picked.extend(cards_by_ids(conn, &ids, now)?);
    }
    if picked.len() < limit {
        let listing = match card.article.category_id {
            Some(id) => Listing::Category(id),
            None => Listing::Blog,
        };
        let fill = list(conn, listing, now, (limit + picked.len() + 1) as i64, 0)?;
        for candidate in fill {
            if picked.len() >= limit {
                break;
            }
            let id = candidate.article.id;
            if id != this && picked.iter().all(|c| c.article.id != id) {
                picked.push(candidate);
            }
        }
    }
    Ok(picked)
}

/// The `limit` ids that come up most often among `links` (an article once
/// per hashtag it shares, with its publish time), ties to the newest, then
/// to the highest id.
fn most_shared(mut links: Vec<(i32, Ts)>, limit: usize) -> Vec<i32> {
    links.sort_unstable_by_key(|(id, _)| *id);
    // (shared hashtags, publish time, id) per article.
    let mut shared: Vec<(usize, NaiveDateTime, i32)> = Vec::with_capacity(links.len());
    for (id, Ts(at)) in links {
        match shared.last_mut() {
            Some(last) if last.2 == id => last.0 += 1,
            _ => shared.push((1, at, id)),
        }
    }
    shared.sort_unstable_by(|a, b| b.cmp(a));
    shared.iter().take(limit).map(|s| s.2).collect()
}

/// The key of the PostgreSQL advisory lock [`lock_slugs`] takes.
const SLUG_LOCK: i64 = 0x6963_6f6e_736c_7567; // "iconslug"

/// Keeps other transactions from choosing a new article slug until this
/// one ends. Called inside a [`super::write_transaction`] before looking for a
/// free slug and creating the article with it: two imports of the same
/// title at once would otherwise both find the same slug free, and the
/// second would fail on the unique index. On PostgreSQL a transaction-scoped
/// advisory lock; on SQLite the write transaction already keeps every
/// other writer out.
pub fn lock_slugs(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Pg(c) => diesel::sql_query(format!("SELECT pg_advisory_xact_lock({SLUG_LOCK})"))
            .execute(c)
            .map(drop),
        DbConn::Sqlite(_) => Ok(()),
    }
}

/// An article to create from plain parts, for the demo seed, the import
/// and the tests; [`ArticleInput::draft`] turns it into what
/// `crate::newsroom::articles::create` stores.
#[derive(Debug, Clone)]
pub struct ArticleInput {
    pub kind: ArticleKind,
    pub category_id: Option<i32>,
    pub slug: String,
    pub title: String,
    pub standfirst: String,
    pub intro: String,
    pub author_id: i32,
    pub status: ArticleStatus,
    pub published_at: Option<NaiveDateTime>,
    pub noindex: bool,
    /// (heading, Markdown body) in reading order.
    pub sections: Vec<(String, String)>,
    /// Hashtags as written, without `#`.
    pub tags: Vec<String>,
    /// When it leaves the site, if ever.
    pub expires_at: Option<NaiveDateTime>,
    /// Who it comes from, and their name (empty for our own staff).
    pub source: SourceKind,
    pub source_name: String,
    /// Corrections and updates made since it was published (the demo's).
    pub notes: Vec<DatedNote>,
    /// Its hero image from the media library, and the image's alt text.
    pub hero: Option<(i32, String)>,
}

impl ArticleInput {
    /// The article as the editor would hold it: sections anchored by their
    /// headings.
    pub fn draft(&self) -> Draft {
        Draft {
            kind: self.kind,
            category_id: self.category_id,
            slug: self.slug.clone(),
            title: self.title.clone(),
            standfirst: self.standfirst.clone(),
            intro: self.intro.clone(),
            author_id: self.author_id,
            hero_media_id: self.hero.as_ref().map(|(id, _)| *id),
            hero_alt: self
                .hero
                .as_ref()
                .map(|(_, alt)| alt.clone())
                .unwrap_or_default(),
            noindex: self.noindex,
            tags: self.tags.clone(),
            sections: SectionDraft::from_headings(&self.sections),
            expires_at: self.expires_at,
            source: self.source,
            source_name: self.source_name.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::most_shared;
    use crate::db::timestamp::Ts;

    #[test]
    fn related_ids_rank_by_shared_hashtags_then_newest() {
        let day = |d: u32| {
            Ts(chrono::NaiveDate::from_ymd_opt(2026, 3, d)
                .and_then(|d| d.and_hms_opt(9, 0, 0))
                .expect("a valid date"))
        };
        // In no particular order, as the statement reads them: 9 and 5
        // share two hashtags each, 5 is newer; 7, 3 and 1 share one, newest
        // first; 8 was published at the same time as 3 and has the
        // higher id.
        let links = vec![
            (9, day(5)),
            (1, day(1)),
            (5, day(7)),
            (3, day(4)),
            (7, day(8)),
            (9, day(5)),
            (5, day(7)),
            (8, day(4)),
        ];
        assert_eq!(most_shared(links.clone(), 4), vec![5, 9, 7, 8]);
        assert_eq!(most_shared(links, 10), vec![5, 9, 7, 8, 3, 1]);
        assert!(most_shared(Vec::new(), 4).is_empty());
    }
}
