//! Live coverage: an article's coverage (`live_coverage`, one row once it
//! has been turned live) and its entries (`live_entries`). An entry is an
//! inserted row, never a change of the article, so that staff posting at
//! the same moment never conflict; the rules of who may write what are
//! `newsroom::live`'s.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Integer;

use super::schema::{articles, categories, live_coverage, live_entries, media, users};
use super::{on_backend, DbConn};
use crate::domain::{article_path, ArticleKind, ArticleStatus};

/// An article's live coverage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = live_coverage)]
pub struct Coverage {
    pub article_id: i32,
    pub started_at: NaiveDateTime,
    /// When it ended; `None` while it is live.
    pub ended_at: Option<NaiveDateTime>,
    /// Its last start, end or deleted entry.
    pub changed_at: NaiveDateTime,
}

impl Coverage {
    /// Whether the page is live now (started and not ended).
    pub fn is_live(&self) -> bool {
        self.ended_at.is_none()
    }
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = live_entries)]
pub struct EntryRow {
    pub id: i32,
    pub article_id: i32,
    pub author_id: i32,
    pub headline: String,
    pub body: String,
    pub body_html: String,
    pub image_media_id: Option<i32>,
    pub image_alt: String,
    pub posted_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A new entry.
#[derive(Debug, Insertable)]
#[diesel(table_name = live_entries)]
pub struct NewEntry<'a> {
    pub article_id: i32,
    pub author_id: i32,
    pub headline: &'a str,
    pub body: &'a str,
    pub body_html: &'a str,
    pub image_media_id: Option<i32>,
    pub image_alt: &'a str,
    pub posted_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What an edit writes over an entry.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = live_entries, treat_none_as_null = true)]
pub struct EntryChange<'a> {
    pub headline: &'a str,
    pub body: &'a str,
    pub body_html: &'a str,
    pub image_media_id: Option<i32>,
    pub image_alt: &'a str,
    pub updated_at: NaiveDateTime,
}

/// An entry's image: a file of the media library and its alt text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryImage {
    pub file_name: String,
    pub width: i32,
    pub height: i32,
    pub alt: String,
}

/// An entry as pages show it: with its author and its image (none if the
/// file has been deleted since).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub row: EntryRow,
    pub author_name: String,
    pub author_slug: String,
    pub image: Option<EntryImage>,
}

impl Entry {
    pub fn id(&self) -> i32 {
        self.row.id
    }

    /// Whether it was changed after it was posted.
    pub fn edited(&self) -> bool {
        self.row.updated_at > self.row.posted_at
    }

    /// Its headline, or the start of its text when it has none: a title
    /// for feeds and structured data.
    pub fn title(&self) -> String {
        if self.row.headline.is_empty() {
            crate::markdown::excerpt(&crate::markdown::to_text(&self.row.body), 100)
        } else {
            self.row.headline.clone()
        }
    }

    /// The time readers see first: `14:05 UTC`.
    pub fn time_label(&self) -> String {
        self.row.posted_at.format("%H:%M UTC").to_string()
    }
}

/// An article as the staff's live page names it.
#[derive(Debug, Clone)]
pub struct LiveArticle {
    pub id: i32,
    pub title: String,
    pub author_id: i32,
    pub status: ArticleStatus,
    /// Its public address.
    pub path: String,
}

/// Article `id` for the staff's live page: one joined query.
pub fn article(conn: &mut DbConn, id: i32) -> QueryResult<Option<LiveArticle>> {
    let row: Option<(
        String,
        i32,
        ArticleStatus,
        ArticleKind,
        String,
        Option<String>,
    )> = articles::table
        .left_join(categories::table)
        .filter(articles::id.eq(id))
        .select((
            articles::title,
            articles::author_id,
            articles::status,
            articles::kind,
            articles::slug,
            categories::slug.nullable(),
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(
        |(title, author_id, status, kind, slug, category)| LiveArticle {
            id,
            title,
            author_id,
            status,
            path: article_path(kind, category.as_deref(), &slug),
        },
    ))
}

type EntryJoined = (EntryRow, String, String, Option<(String, i32, i32)>);

/// The entries of article `article_id` with an id above `after` (0 for
/// all), newest first, at most `limit`: one joined query over the
/// (article, id) index.
pub fn newest(
    conn: &mut DbConn,
    article_id: i32,
    after: i32,
    limit: i64,
) -> QueryResult<Vec<Entry>> {
    let rows: Vec<EntryJoined> = live_entries::table
        .inner_join(users::table.on(users::id.eq(live_entries::author_id)))
        .left_join(media::table.on(media::id.nullable().eq(live_entries::image_media_id)))
        .filter(live_entries::article_id.eq(article_id))
        .filter(live_entries::id.gt(after))
        .order(live_entries::id.desc())
        .limit(limit)
        .select((
            EntryRow::as_select(),
            users::name,
            users::slug,
            (media::file_name, media::width, media::height).nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(row, author_name, author_slug, image)| {
            let image = image.map(|(file_name, width, height)| EntryImage {
                file_name,
                width,
                height,
                alt: row.image_alt.clone(),
            });
            Entry {
                row,
                author_name,
                author_slug,
                image,
            }
        })
        .collect())
}

/// The coverage of article `article_id`, if it was ever turned live.
pub fn coverage(conn: &mut DbConn, article_id: i32) -> QueryResult<Option<Coverage>> {
    on_backend!(conn, |conn| live_coverage::table
        .find(article_id)
        .select(Coverage::as_select())
        .first(conn)
        .optional())
}

/// Starts (or starts again) the coverage of `article_id` at `at`: the
/// first start is kept as the coverage's start.
pub fn start(conn: &mut DbConn, article_id: i32, at: NaiveDateTime) -> QueryResult<()> {
    let updated = diesel::update(live_coverage::table.find(article_id))
        .set((
            live_coverage::ended_at.eq(None::<NaiveDateTime>),
            live_coverage::changed_at.eq(at),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(live_coverage::table)
            .values(&Coverage {
                article_id,
                started_at: at,
                ended_at: None,
                changed_at: at,
            })
            .execute(conn)?;
    }
    Ok(())
}

/// Ends the coverage of `article_id` at `at`.
pub fn end(conn: &mut DbConn, article_id: i32, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(live_coverage::table.find(article_id))
        .set((
            live_coverage::ended_at.eq(Some(at)),
            live_coverage::changed_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

/// Records a change of the coverage that no entry dates (a deletion).
pub fn touch(conn: &mut DbConn, article_id: i32, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(live_coverage::table.find(article_id))
        .set(live_coverage::changed_at.eq(at))
        .execute(conn)
        .map(drop)
}

/// The key of the PostgreSQL advisory locks [`lock`] takes ("LIVE").
const LIVE_LOCK: i32 = 0x4c49_5645;

/// Makes the live writes on one article take turns until this transaction
/// ends, so that entries commit in the order of their ids (a reader's
/// cursor never skips an entry committed late) and no entry is posted
/// after the coverage ended under it. On PostgreSQL an advisory lock of
/// the article's coverage, which neither reads nor locks the article's
/// row; on SQLite the write transaction already keeps other writers out.
pub fn lock(conn: &mut DbConn, article_id: i32) -> QueryResult<()> {
    match conn {
        DbConn::Pg(c) => diesel::sql_query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind::<Integer, _>(LIVE_LOCK)
            .bind::<Integer, _>(article_id)
            .execute(c)
            .map(drop),
        DbConn::Sqlite(_) => Ok(()),
    }
}

/// Stores a new entry; returns its id.
pub fn insert(conn: &mut DbConn, new: &NewEntry) -> QueryResult<i32> {
    diesel::insert_into(live_entries::table)
        .values(new)
        .returning(live_entries::id)
        .get_result(conn)
}

/// Entry `id` as stored.
pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<EntryRow>> {
    live_entries::table
        .find(id)
        .select(EntryRow::as_select())
        .first(conn)
        .optional()
}

/// Writes `change` over entry `id`.
pub fn update(conn: &mut DbConn, id: i32, change: &EntryChange) -> QueryResult<usize> {
    diesel::update(live_entries::table.find(id))
        .set(change)
        .execute(conn)
}

/// Removes entry `id`; returns how many were removed (0 or 1).
pub fn delete(conn: &mut DbConn, id: i32) -> QueryResult<usize> {
    diesel::delete(live_entries::table.find(id)).execute(conn)
}

/// How many entries article `article_id` has.
pub fn count(conn: &mut DbConn, article_id: i32) -> QueryResult<i64> {
    live_entries::table
        .filter(live_entries::article_id.eq(article_id))
        .count()
        .get_result(conn)
}
