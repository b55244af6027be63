//! Corrections and updates: the dated notes a save attaches to a published
//! article (written by `db::editor`, in the save's transaction). Read per
//! article (newest first), for all the items of a feed in one query, and
//! across the site for `/corrections`.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::articles::visible;
use super::models::Note;
use super::schema::{article_notes, articles, categories};
use super::{on_backend, CountRows, DbConn};
use crate::domain::{article_path, ArticleKind, NoteKind};

/// The notes of an article, newest first.
pub fn of_article(conn: &mut DbConn, article_id: i32) -> QueryResult<Vec<Note>> {
    on_backend!(conn, |conn| article_notes::table
        .filter(article_notes::article_id.eq(article_id))
        .order((article_notes::created_at.desc(), article_notes::id.desc()))
        .select(Note::as_select())
        .load(conn))
}

/// The notes of each of the articles `ids`, newest first: one query.
pub fn of_articles(conn: &mut DbConn, ids: &[i32]) -> QueryResult<HashMap<i32, Vec<Note>>> {
    let mut by_article: HashMap<i32, Vec<Note>> = HashMap::new();
    if ids.is_empty() {
        return Ok(by_article);
    }
    for note in article_notes::table
        .filter(article_notes::article_id.eq_any(ids))
        .order((
            article_notes::article_id.asc(),
            article_notes::created_at.desc(),
            article_notes::id.desc(),
        ))
        .select(Note::as_select())
        .load::<Note>(conn)?
    {
        by_article.entry(note.article_id).or_default().push(note);
    }
    Ok(by_article)
}

/// A correction as `/corrections` lists it: the note and the article it
/// corrects.
#[derive(Debug, Clone)]
pub struct CorrectionEntry {
    pub note: Note,
    pub title: String,
    /// The article's public path.
    pub path: String,
}

type CorrectionRow = (Note, String, String, ArticleKind, Option<String>);

/// One page of the corrections of visible articles, newest first: one
/// joined query, walking the notes' (kind, time) index.
pub fn corrections(
    conn: &mut DbConn,
    now: NaiveDateTime,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<CorrectionEntry>> {
    let rows: Vec<CorrectionRow> = article_notes::table
        .inner_join(articles::table.left_join(categories::table))
        .filter(article_notes::kind.eq(NoteKind::Correction))
        .filter(visible(now))
        .order((article_notes::created_at.desc(), article_notes::id.desc()))
        .select((
            Note::as_select(),
            articles::title,
            articles::slug,
            articles::kind,
            categories::slug.nullable(),
        ))
        .limit(limit)
        .offset(offset)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(note, title, slug, kind, category)| CorrectionEntry {
            note,
            title,
            path: article_path(kind, category.as_deref(), &slug),
        })
        .collect())
}

/// How many corrections of visible articles there are, counted up to
/// `at_most` (as listings count their articles).
pub fn count_corrections(conn: &mut DbConn, now: NaiveDateTime, at_most: i64) -> QueryResult<i64> {
    CountRows(
        article_notes::table
            .inner_join(articles::table)
            .filter(article_notes::kind.eq(NoteKind::Correction))
            .filter(visible(now))
            .select(article_notes::id)
            .limit(at_most),
    )
    .get_result::<i64>(conn)
}
