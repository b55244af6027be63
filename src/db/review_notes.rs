//! Review notes: what staff write to each other about an article in
//! review (written by `newsroom::review`), and the mark an editor leaves
//! on an article returned to its writer. Read per article for the editor,
//! and counted and listed for the dashboard's "Waiting for my review" and
//! "Returned to me", one query each whatever the number of articles.
//! Nothing here is ever read by a public page, feed or search.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{NewReviewNote, ReviewNote};
use super::schema::{articles, review_notes, review_returns, users};
use super::DbConn;
use crate::domain::ArticleStatus;

/// A note with the name of who wrote it (empty if their account is gone).
#[derive(Debug, Clone)]
pub struct NamedNote {
    pub note: ReviewNote,
    pub author: String,
}

/// The notes of an article, oldest first (a conversation reads down):
/// one query.
pub fn of_article(conn: &mut DbConn, article_id: i32) -> QueryResult<Vec<NamedNote>> {
    let rows: Vec<(ReviewNote, Option<String>)> = review_notes::table
        .left_join(users::table)
        .filter(review_notes::article_id.eq(article_id))
        .order((review_notes::created_at.asc(), review_notes::id.asc()))
        .select((ReviewNote::as_select(), users::name.nullable()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(note, author)| NamedNote {
            note,
            author: author.unwrap_or_default(),
        })
        .collect())
}

/// How many notes an article has.
pub fn count_of(conn: &mut DbConn, article_id: i32) -> QueryResult<i64> {
    review_notes::table
        .filter(review_notes::article_id.eq(article_id))
        .count()
        .get_result(conn)
}

/// Writes a note; returns its id.
pub fn insert(conn: &mut DbConn, note: &NewReviewNote) -> QueryResult<i32> {
    diesel::insert_into(review_notes::table)
        .values(note)
        .returning(review_notes::id)
        .get_result(conn)
}

/// Marks article `article_id` as returned to its writer by `by` at `at`
/// (`Some`), or clears the mark (`None`) when it moves on in the workflow.
pub fn set_returned(
    conn: &mut DbConn,
    article_id: i32,
    by: Option<(i32, NaiveDateTime)>,
) -> QueryResult<()> {
    diesel::delete(review_returns::table.filter(review_returns::article_id.eq(article_id)))
        .execute(conn)?;
    if let Some((user_id, at)) = by {
        diesel::insert_into(review_returns::table)
            .values((
                review_returns::article_id.eq(article_id),
                review_returns::returned_at.eq(at),
                review_returns::returned_by.eq(user_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// One article in a dashboard box: its id, its title, someone (its
/// writer for one waiting, who returned it for one returned) and since
/// when (its last change, its return).
#[derive(Debug, Clone)]
pub struct ReviewRow {
    pub id: i32,
    pub title: String,
    pub who: String,
    pub since: NaiveDateTime,
}

type Row = (i32, String, Option<String>, NaiveDateTime);

fn rows(rows: Vec<Row>) -> Vec<ReviewRow> {
    rows.into_iter()
        .map(|(id, title, who, since)| ReviewRow {
            id,
            title,
            who: who.unwrap_or_default(),
            since,
        })
        .collect()
}

/// `$query` narrowed to the articles in review that `$reviewer` did not
/// write: what an editor has to look at (through the partial index of
/// unpublished articles).
macro_rules! waiting {
    ($query:expr, $reviewer:expr) => {
        $query
            .filter(articles::status.eq(ArticleStatus::Review))
            .filter(articles::status.ne(ArticleStatus::Published))
            .filter(articles::author_id.ne($reviewer))
    };
}

/// How many articles wait for `reviewer`'s review: one query.
pub fn count_waiting(conn: &mut DbConn, reviewer: i32) -> QueryResult<i64> {
    waiting!(articles::table, reviewer).count().get_result(conn)
}

/// The `limit` articles waiting longest for `reviewer`'s review, the one
/// left longest first: one query.
pub fn waiting(conn: &mut DbConn, reviewer: i32, limit: i64) -> QueryResult<Vec<ReviewRow>> {
    let found: Vec<Row> = waiting!(articles::table.left_join(users::table), reviewer)
        .order((articles::updated_at.asc(), articles::id.asc()))
        .limit(limit)
        .select((
            articles::id,
            articles::title,
            users::name.nullable(),
            articles::updated_at,
        ))
        .load(conn)?;
    Ok(rows(found))
}

/// `$query` narrowed to `$writer`'s articles returned to them and still
/// drafts.
macro_rules! returned {
    ($query:expr, $writer:expr) => {
        $query
            .filter(articles::author_id.eq($writer))
            .filter(articles::status.eq(ArticleStatus::Draft))
    };
}

/// How many of `writer`'s articles are returned to them: one query.
pub fn count_returned(conn: &mut DbConn, writer: i32) -> QueryResult<i64> {
    returned!(review_returns::table.inner_join(articles::table), writer)
        .count()
        .get_result(conn)
}

/// The `limit` articles most recently returned to `writer`, with who
/// returned each: one query.
pub fn returned_to(conn: &mut DbConn, writer: i32, limit: i64) -> QueryResult<Vec<ReviewRow>> {
    let found: Vec<Row> = returned!(
        review_returns::table
            .inner_join(articles::table)
            .left_join(users::table.on(users::id.nullable().eq(review_returns::returned_by))),
        writer
    )
    .order((review_returns::returned_at.desc(), articles::id.desc()))
    .limit(limit)
    .select((
        articles::id,
        articles::title,
        users::name.nullable(),
        review_returns::returned_at,
    ))
    .load(conn)?;
    Ok(rows(found))
}
