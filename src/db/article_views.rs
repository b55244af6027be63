//! Article views by the hour, for "Most read" and the staff's article
//! list. Rows are added to in batches (`crate::readership`), never one
//! write per view.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDateTime, Timelike};
use diesel::dsl::sum;
use diesel::prelude::*;
use diesel::upsert::excluded;

use super::schema::{article_views, articles};
use super::DbConn;

/// The start of the hour `at` falls in: the bucket its views go to.
pub fn hour_of(at: NaiveDateTime) -> NaiveDateTime {
    at.date().and_hms_opt(at.hour(), 0, 0).unwrap_or(at)
}

/// Adds `counts` (article id, views) to the hour starting at `hour`, in
/// one transaction: an upsert per article, whatever its number of views.
/// Views of an article deleted since are dropped with it.
pub fn add(conn: &mut DbConn, hour: NaiveDateTime, counts: &[(i32, i32)]) -> QueryResult<()> {
    let ids: Vec<i32> = counts.iter().map(|&(id, _)| id).collect();
    super::write_transaction(conn, |conn| {
        let existing: HashSet<i32> = articles::table
            .filter(articles::id.eq_any(&ids))
            .select(articles::id)
            .load::<i32>(conn)?
            .into_iter()
            .collect();
        for &(article, views) in counts.iter().filter(|(id, _)| existing.contains(id)) {
            let upsert = diesel::insert_into(article_views::table)
                .values((
                    article_views::article_id.eq(article),
                    article_views::hour.eq(hour),
                    article_views::views.eq(views),
                ))
                .on_conflict((article_views::article_id, article_views::hour))
                .do_update()
                .set(
                    article_views::views.eq(article_views::views + excluded(article_views::views)),
                );
            match conn {
                DbConn::Pg(c) => upsert.execute(c)?,
                DbConn::Sqlite(c) => upsert.execute(c)?,
            };
        }
        Ok(())
    })
}

/// The ids of the `limit` articles viewed most since `since`, most first
/// (ties: the newer article first). Visibility is the reader's page's
/// business: it shows the visible ones among them.
pub fn most_viewed(conn: &mut DbConn, since: NaiveDateTime, limit: i64) -> QueryResult<Vec<i32>> {
    let total = sum(article_views::views);
    article_views::table
        .filter(article_views::hour.ge(since))
        .group_by(article_views::article_id)
        .select(article_views::article_id)
        .order((total.desc(), article_views::article_id.desc()))
        .limit(limit)
        .load(conn)
}

/// Views of each of `ids` since `since`; an article never viewed is not
/// in the map.
pub fn views_since(
    conn: &mut DbConn,
    ids: &[i32],
    since: NaiveDateTime,
) -> QueryResult<HashMap<i32, i64>> {
    let rows: Vec<(i32, Option<i64>)> = article_views::table
        .filter(article_views::article_id.eq_any(ids))
        .filter(article_views::hour.ge(since))
        .group_by(article_views::article_id)
        .select((article_views::article_id, sum(article_views::views)))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, views)| (id, views.unwrap_or(0)))
        .collect())
}
