//! Feed queries: the newest visible, indexable articles of the site or of one
//! area, each with its sections, hashtags and notes, in four queries
//! whatever the number of items.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::articles::{indexed, list_stories, tagged, Story};
use super::models::{Note, Section, Tag};
use super::schema::{article_tags, sections, tags};
use super::DbConn;
use crate::domain::ArticleKind;

/// Items per feed.
pub const FEED_LENGTH: i64 = 20;

/// Which articles a feed carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// News and blog together.
    Everything,
    Blog,
    Category(i32),
    Tag(i32),
    /// A writer's articles, news and blog.
    Author(i32),
}

/// One feed item: the article with its category and author, its sections
/// in reading order and its hashtags in the order they were written.
#[derive(Debug, Clone)]
pub struct FeedEntry {
    pub card: Story,
    pub sections: Vec<Section>,
    pub tags: Vec<Tag>,
    /// Its corrections and updates, newest first.
    pub notes: Vec<Note>,
}

/// The items of a feed, newest first: one query for the articles, one for
/// all their sections, one for all their hashtags and one for all their
/// notes.
pub fn entries(conn: &mut DbConn, area: Area, now: NaiveDateTime) -> QueryResult<Vec<FeedEntry>> {
    let blog = ArticleKind::Blog;
    // The listing query of `db::articles`, with `indexed()` added.
    let rows = match area {
        Area::Everything => list_stories!(conn, now, FEED_LENGTH, 0, indexed())?,
        Area::Blog => list_stories!(
            conn,
            now,
            FEED_LENGTH,
            0,
            indexed(),
            articles::kind.eq(blog)
        )?,
        Area::Category(id) => list_stories!(
            conn,
            now,
            FEED_LENGTH,
            0,
            indexed(),
            articles::category_id.eq(id)
        )?,
        Area::Tag(id) => list_stories!(conn, now, FEED_LENGTH, 0, indexed(), tagged(id))?,
        Area::Author(id) => list_stories!(
            conn,
            now,
            FEED_LENGTH,
            0,
            indexed(),
            articles::author_id.eq(id)
        )?,
    };
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i32> = rows.iter().map(|c| c.article.id).collect();
    let mut sections_by_article: HashMap<i32, Vec<Section>> = HashMap::new();
    for section in sections::table
        .filter(sections::article_id.eq_any(&ids))
        .order((sections::article_id.asc(), sections::position.asc()))
        .select(Section::as_select())
        .load::<Section>(conn)?
    {
        sections_by_article
            .entry(section.article_id)
            .or_default()
            .push(section);
    }
    let mut tags_by_article: HashMap<i32, Vec<Tag>> = HashMap::new();
    for (article_id, tag) in article_tags::table
        .inner_join(tags::table)
        .filter(article_tags::article_id.eq_any(&ids))
        .order((article_tags::article_id.asc(), article_tags::position.asc()))
        .select((article_tags::article_id, Tag::as_select()))
        .load::<(i32, Tag)>(conn)?
    {
        tags_by_article.entry(article_id).or_default().push(tag);
    }
    let mut notes_by_article = super::notes::of_articles(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|card| {
            let id = card.article.id;
            FeedEntry {
                card,
                sections: sections_by_article.remove(&id).unwrap_or_default(),
                tags: tags_by_article.remove(&id).unwrap_or_default(),
                notes: notes_by_article.remove(&id).unwrap_or_default(),
            }
        })
        .collect())
}
