//! The media library: uploaded images, who uploaded them, and which
//! articles use them. The files themselves live in the media folder
//! (`crate::media`); a row exists only for a file that was stored.

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::models::Media;
use super::schema::{articles, media, sections, users};
use super::DbConn;

/// A new row in `media`.
#[derive(Debug, Insertable)]
#[diesel(table_name = media)]
pub struct NewMedia<'a> {
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub byte_size: i64,
    pub width: i32,
    pub height: i32,
    pub uploaded_by: Option<i32>,
    pub created_at: NaiveDateTime,
    /// The variants' widths (`320,640,...`).
    pub variants: &'a str,
    /// The focal point the share image was cut around.
    pub focal_x: i32,
    pub focal_y: i32,
    pub caption: &'a str,
    pub credit: &'a str,
    pub own_work: bool,
}

/// What staff say of a picture: caption, credit, whose it is, focal point.
#[derive(Debug, Clone, PartialEq, Eq, AsChangeset)]
#[diesel(table_name = media)]
pub struct Details {
    pub caption: String,
    pub credit: String,
    pub own_work: bool,
    pub focal_x: i32,
    pub focal_y: i32,
}

impl Details {
    pub fn of(item: &Media) -> Details {
        Details {
            caption: item.caption.clone(),
            credit: item.credit.clone(),
            own_work: item.own_work,
            focal_x: item.focal_x,
            focal_y: item.focal_y,
        }
    }
}

/// Saves a picture's details; returns how many rows changed (0 or 1).
pub fn update_details(conn: &mut DbConn, id: i32, details: &Details) -> QueryResult<usize> {
    diesel::update(media::table.find(id))
        .set(details)
        .execute(conn)
}

/// One item of the library: the image, its uploader's name (none if the
/// account is gone) and how many articles use it as their hero image.
pub type Listed = (Media, Option<String>, i64);

/// How many articles use `media.id` as their hero image, as a column of a
/// query over `media`. Written as SQL because diesel has no correlated
/// subqueries; it keeps the library page to one query whatever its length.
fn hero_uses() -> diesel::expression::SqlLiteral<BigInt> {
    sql("(SELECT COUNT(*) FROM articles hero WHERE hero.hero_media_id = media.id)")
}

/// The library, newest first, `limit` from `offset`: one query.
pub fn list(conn: &mut DbConn, offset: i64, limit: i64) -> QueryResult<Vec<Listed>> {
    media::table
        .left_join(users::table)
        .select((Media::as_select(), users::name.nullable(), hero_uses()))
        .order((media::created_at.desc(), media::id.desc()))
        .offset(offset)
        .limit(limit)
        .load(conn)
}

/// How many images the library holds.
pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    media::table.count().get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<Media>> {
    media::table
        .find(id)
        .select(Media::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_name(conn: &mut DbConn, file_name: &str) -> QueryResult<Option<Media>> {
    media::table
        .filter(media::file_name.eq(file_name))
        .select(Media::as_select())
        .first(conn)
        .optional()
}

/// The newest `limit` images: the choices of the article editor's hero
/// image field.
pub fn all_for_picker(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Media>> {
    media::table
        .select(Media::as_select())
        .order((media::created_at.desc(), media::id.desc()))
        .limit(limit)
        .load(conn)
}

/// The articles (id, title) that use `item`: as their hero image, or by
/// its address (`/media/{file_name}`) in their intro or a section's body.
/// Ordered by title.
pub fn users_of(conn: &mut DbConn, item: &Media) -> QueryResult<Vec<(i32, String)>> {
    // File names are hex digits, a dot and letters: no LIKE wildcards.
    let needle = format!("%/media/{}%", item.file_name);
    let in_sections = sections::table
        .filter(sections::body.like(needle.clone()))
        .select(sections::article_id);
    articles::table
        .filter(
            articles::hero_media_id
                .eq(item.id)
                .or(articles::intro.like(needle))
                .or(articles::id.eq_any(in_sections)),
        )
        .select((articles::id, articles::title))
        .order((articles::title.asc(), articles::id.asc()))
        .load(conn)
}

/// Adds a row; returns its id. `file_name` is unique: storing the same
/// bytes twice is a unique violation, which callers turn into a reuse of
/// the existing row.
pub fn insert(conn: &mut DbConn, new: &NewMedia) -> QueryResult<i32> {
    diesel::insert_into(media::table)
        .values(new)
        .returning(media::id)
        .get_result(conn)
}

/// Keeps other transactions from adding or removing rows until this one
/// ends: on PostgreSQL a `SHARE` lock of the table, which waits for those
/// writing it now to finish. SQLite's write transaction (see
/// [`super::write_transaction`]) already keeps every other writer out.
pub fn lock_out_writers(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Pg(c) => diesel::sql_query("LOCK TABLE media IN SHARE MODE")
            .execute(c)
            .map(drop),
        DbConn::Sqlite(_) => Ok(()),
    }
}

/// Removes the row; returns how many were removed (0 or 1).
pub fn delete(conn: &mut DbConn, id: i32) -> QueryResult<usize> {
    diesel::delete(media::table.find(id)).execute(conn)
}
