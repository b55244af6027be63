//! Hashtag queries.

use diesel::prelude::*;

use super::models::{NewTag, Tag};
use super::schema::{article_tags, tags};
use super::{on_backend, DbConn};
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
            None => create(conn, &slug, name)?,
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Creates a hashtag, or finds it when another writer created the same
/// one between our look-up and our insert (PostgreSQL lets two
/// transactions race there; the unique slug decides, and the loser's
/// savepoint is rolled back instead of its whole save).
fn create(conn: &mut DbConn, slug: &str, name: &str) -> QueryResult<i32> {
    use diesel::result::{DatabaseErrorKind, Error};
    let inserted = super::write_transaction(conn, |c| {
        diesel::insert_into(tags::table)
            .values(&NewTag { slug, name })
            .returning(tags::id)
            .get_result(c)
    });
    match inserted {
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => tags::table
            .filter(tags::slug.eq(slug))
            .select(tags::id)
            .first(conn),
        other => other,
    }
}

/// An article's hashtags in the order they were written.
pub fn of_article(conn: &mut DbConn, article_id: i32) -> QueryResult<Vec<Tag>> {
    // Put in order here: no index holds the position, and an ORDER BY
    // would set up SQLite's sorter for a handful of rows on every page.
    let mut rows: Vec<(i32, Tag)> = on_backend!(conn, |conn| article_tags::table
        .inner_join(tags::table)
        .filter(article_tags::article_id.eq(article_id))
        .select((article_tags::position, Tag::as_select()))
        .load(conn))?;
    rows.sort_by_key(|(position, tag)| (*position, tag.id));
    Ok(rows.into_iter().map(|(_, tag)| tag).collect())
}

pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<Tag>> {
    tags::table
        .filter(tags::slug.eq(slug))
        .select(Tag::as_select())
        .first(conn)
        .optional()
}

/// Hashtags whose slug contains `filter` (all when `None`), by slug, each
/// with how many articles (of any status) carry it: one grouped query.
pub fn page_with_counts(
    conn: &mut DbConn,
    filter: Option<&str>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(Tag, i64)>> {
    // Two queries: the page of hashtags from the slug index, then the
    // counts of just those from the covering (tag_id) index. Grouping the
    // join of every hashtag with every link took 380 ms at 300,000 links.
    let mut query = tags::table
        .order((tags::slug.asc(), tags::id.asc()))
        .select(Tag::as_select())
        .offset(offset)
        .limit(limit)
        .into_boxed();
    if let Some(f) = filter {
        // Slugs are `a-z`, `0-9` and `-`: nothing LIKE treats specially.
        query = query.filter(tags::slug.like(format!("%{f}%")));
    }
    let page: Vec<Tag> = query.load(conn)?;
    let ids: Vec<i32> = page.iter().map(|t| t.id).collect();
    let counts: Vec<(i32, i64)> = if ids.is_empty() {
        Vec::new()
    } else {
        article_tags::table
            .filter(article_tags::tag_id.eq_any(&ids))
            .group_by(article_tags::tag_id)
            .select((article_tags::tag_id, diesel::dsl::count_star()))
            .load(conn)?
    };
    Ok(page
        .into_iter()
        .map(|t| {
            let n = counts
                .iter()
                .find(|(id, _)| *id == t.id)
                .map_or(0, |(_, n)| *n);
            (t, n)
        })
        .collect())
}

/// How many hashtags [`page_with_counts`] pages through.
pub fn count_matching(conn: &mut DbConn, filter: Option<&str>) -> QueryResult<i64> {
    let mut query = tags::table.count().into_boxed();
    if let Some(f) = filter {
        query = query.filter(tags::slug.like(format!("%{f}%")));
    }
    query.get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<Tag>> {
    tags::table
        .find(id)
        .select(Tag::as_select())
        .first(conn)
        .optional()
}

/// The articles (of any status) carrying hashtag `id`.
pub fn article_ids(conn: &mut DbConn, id: i32) -> QueryResult<Vec<i32>> {
    article_tags::table
        .filter(article_tags::tag_id.eq(id))
        .order(article_tags::article_id.asc())
        .select(article_tags::article_id)
        .load(conn)
}

/// Gives hashtag `id` a new slug and name (the slug must be free).
pub fn rename(conn: &mut DbConn, id: i32, slug: &str, name: &str) -> QueryResult<usize> {
    diesel::update(tags::table.find(id))
        .set((tags::slug.eq(slug), tags::name.eq(name)))
        .execute(conn)
}

/// Moves every article of hashtag `from` to hashtag `into` (an article
/// that has both keeps one link, at the position of `into`) and deletes
/// `from`. Returns (links moved, duplicate links dropped).
pub fn merge_into(conn: &mut DbConn, from: i32, into: i32) -> QueryResult<(usize, usize)> {
    let both: Vec<i32> = article_tags::table
        .filter(article_tags::tag_id.eq(into))
        .select(article_tags::article_id)
        .load(conn)?;
    let mut dropped = 0;
    // In chunks, so no statement outgrows a backend's bind-parameter limit.
    for chunk in both.chunks(10_000) {
        dropped += diesel::delete(
            article_tags::table
                .filter(article_tags::tag_id.eq(from))
                .filter(article_tags::article_id.eq_any(chunk)),
        )
        .execute(conn)?;
    }
    let moved = diesel::update(article_tags::table.filter(article_tags::tag_id.eq(from)))
        .set(article_tags::tag_id.eq(into))
        .execute(conn)?;
    diesel::delete(tags::table.find(from)).execute(conn)?;
    Ok((moved, dropped))
}

/// Removes hashtag `id` from every article and deletes it; returns how
/// many articles carried it.
pub fn delete(conn: &mut DbConn, id: i32) -> QueryResult<usize> {
    let links =
        diesel::delete(article_tags::table.filter(article_tags::tag_id.eq(id))).execute(conn)?;
    diesel::delete(tags::table.find(id)).execute(conn)?;
    Ok(links)
}
