//! Hashtag queries.

use diesel::prelude::*;

use super::models::{NewTag, Tag};
use super::schema::{article_tags, tags};
use super::DbConn;
use crate::domain::tag_slug;

/// The ids of the named hashtags, creating those that do not exist yet.
/// Names that make no slug, and repeats, are skipped.
pub fn ensure(conn: &mut DbConn, names: &[String]) -> QueryResult<Vec<i32>> {
    let mut ids = Vec::with_capacity(names.len());
    for name in names {
        let name = name.trim().trim_start_matches('#');
        let Some(slug) = tag_slug(name) else { continue };
        let existing = tags::table
            .filter(tags::slug.eq(&slug))
            .select(tags::id)
            .first::<i32>(conn)
            .optional()?;
        let id = match existing {
            Some(id) => id,
            None => diesel::insert_into(tags::table)
                .values(&NewTag { slug: &slug, name })
                .returning(tags::id)
                .get_result(conn)?,
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// An article's hashtags in the order they were written.
pub fn of_article(conn: &mut DbConn, article_id: i32) -> QueryResult<Vec<Tag>> {
    article_tags::table
        .inner_join(tags::table)
        .filter(article_tags::article_id.eq(article_id))
        .order(article_tags::position.asc())
        .select(Tag::as_select())
        .load(conn)
}

pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<Tag>> {
    tags::table
        .filter(tags::slug.eq(slug))
        .select(Tag::as_select())
        .first(conn)
        .optional()
}
