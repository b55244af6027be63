//! What the publish pings announce: the articles whose public face changed
//! since a moment (published, corrected, unpublished, come due, or gone at
//! their expiry), with
//! the addresses of the pages and feeds they appear in.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{article_tags, articles, categories, tags, users};
use super::DbConn;
use crate::domain::ArticleKind;

/// An article whose public face changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    /// Its public address (`/sport/a-story`).
    pub path: String,
    /// The areas whose feeds carry it: `/sport` or `/blog`, `/author/x`,
    /// `/tag/y`...
    pub areas: Vec<String>,
    /// The latest of its last edit, its publish time and its expiry (once
    /// passed): the watermark.
    pub at: NaiveDateTime,
}

/// id, kind, slug, category slug, author slug, last edit, publish time,
/// expiry.
type Row = (
    i32,
    ArticleKind,
    String,
    Option<String>,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

/// Articles that ever went public (a publish time not after `now`) and
/// were saved after `since`, or whose publish time (scheduled, come due)
/// or expiry (gone, now answering 410) fell between `since` and `now`:
/// oldest first, `limit` at most. Two queries whatever their number.
pub fn changed_since(
    conn: &mut DbConn,
    since: NaiveDateTime,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Changed>> {
    let rows: Vec<Row> = articles::table
        .left_join(categories::table)
        .inner_join(users::table)
        .filter(articles::published_at.le(now))
        .filter(
            articles::updated_at
                .gt(since)
                .or(articles::published_at.gt(since))
                .or(articles::expires_at
                    .gt(since)
                    .and(articles::expires_at.le(now))),
        )
        .order((articles::updated_at.asc(), articles::id.asc()))
        .limit(limit)
        .select((
            articles::id,
            articles::kind,
            articles::slug,
            categories::slug.nullable(),
            users::slug,
            articles::updated_at,
            articles::published_at,
            articles::expires_at,
        ))
        .load(conn)?;
    let ids: Vec<i32> = rows.iter().map(|r| r.0).collect();
    let mut tags_of: HashMap<i32, Vec<String>> = HashMap::new();
    if !ids.is_empty() {
        for (article, tag) in article_tags::table
            .inner_join(tags::table)
            .filter(article_tags::article_id.eq_any(&ids))
            .select((article_tags::article_id, tags::slug))
            .load::<(i32, String)>(conn)?
        {
            tags_of.entry(article).or_default().push(tag);
        }
    }
    Ok(rows
        .into_iter()
        .map(
            |(id, kind, slug, category, author, updated, published, expires)| {
                let mut areas = vec![match (kind, &category) {
                    (ArticleKind::News, Some(c)) => format!("/{c}"),
                    _ => "/blog".to_owned(),
                }];
                areas.push(format!("/author/{author}"));
                for tag in tags_of.remove(&id).unwrap_or_default() {
                    areas.push(format!("/tag/{tag}"));
                }
                Changed {
                    path: crate::domain::article_path(kind, category.as_deref(), &slug),
                    areas,
                    at: [published, expires.filter(|e| *e <= now)]
                        .into_iter()
                        .flatten()
                        .fold(updated, NaiveDateTime::max),
                }
            },
        )
        .collect())
}
