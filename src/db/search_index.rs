//! Writing the full-text index: one row per article, rewritten from the
//! article's current content in the transaction that changed it.

use diesel::prelude::*;
use diesel::sql_types::Integer;

use super::DbConn;

/// The row of the SQLite index for the articles matching `{filter}`.
const SQLITE_ROWS: &str = "\
SELECT a.id, a.title, a.standfirst,
       a.intro || ' ' || COALESCE((SELECT group_concat(s.heading || ' ' || s.body, ' ')
                                   FROM sections s WHERE s.article_id = a.id), ''),
       COALESCE((SELECT group_concat(t.name, ' ')
                 FROM article_tags at JOIN tags t ON t.id = at.tag_id
                 WHERE at.article_id = a.id), '')
FROM articles a";

/// The row of the PostgreSQL index for the articles matching `{filter}`.
const POSTGRES_ROWS: &str = "\
SELECT a.id,
       setweight(to_tsvector('english', a.title), 'A')
         || setweight(to_tsvector('english', COALESCE(tg.names, '')), 'A')
         || setweight(to_tsvector('english', a.standfirst), 'B')
         || setweight(to_tsvector('english', a.intro || ' ' || COALESCE(sc.body, '')), 'C'),
       a.intro || ' ' || COALESCE(sc.body, '')
FROM articles a
LEFT JOIN LATERAL (SELECT string_agg(s.heading || ' ' || s.body, ' ' ORDER BY s.position) AS body
                   FROM sections s WHERE s.article_id = a.id) sc ON TRUE
LEFT JOIN LATERAL (SELECT string_agg(t.name, ' ') AS names
                   FROM article_tags at JOIN tags t ON t.id = at.tag_id
                   WHERE at.article_id = a.id) tg ON TRUE";

/// Rewrites one article's index row from its current content. Call it in
/// the same transaction as every save of an article, its sections or its
/// hashtags.
pub fn reindex(conn: &mut DbConn, article_id: i32) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => {
            diesel::sql_query("DELETE FROM article_search WHERE rowid = ?")
                .bind::<Integer, _>(article_id)
                .execute(c)?;
            diesel::sql_query(format!(
                "INSERT INTO article_search (rowid, title, standfirst, body, tags) {SQLITE_ROWS} WHERE a.id = ?"
            ))
            .bind::<Integer, _>(article_id)
            .execute(c)?;
        }
        DbConn::Pg(c) => {
            diesel::sql_query(format!(
                "INSERT INTO article_search (article_id, document, body) {POSTGRES_ROWS} WHERE a.id = $1 \
                 ON CONFLICT (article_id) DO UPDATE SET document = EXCLUDED.document, body = EXCLUDED.body"
            ))
            .bind::<Integer, _>(article_id)
            .execute(c)?;
        }
    }
    Ok(())
}

/// Rebuilds the whole index in one statement per backend (after a bulk load).
///
/// On SQLite the new index is then merged into one b-tree segment
/// (FTS5's `optimize`): a bulk insert leaves it in several, and every
/// search reads each segment for each of its terms, which made a search of
/// the 100,000 articles of `demo --articles` a third slower than one of
/// 1,000. Later saves add small segments that FTS5 merges on its own.
pub fn rebuild_all(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => {
            diesel::sql_query("DELETE FROM article_search").execute(c)?;
            diesel::sql_query(format!(
                "INSERT INTO article_search (rowid, title, standfirst, body, tags) {SQLITE_ROWS}"
            ))
            .execute(c)?;
            diesel::sql_query("INSERT INTO article_search (article_search) VALUES ('optimize')")
                .execute(c)?;
        }
        DbConn::Pg(c) => {
            diesel::sql_query("TRUNCATE article_search").execute(c)?;
            diesel::sql_query(format!(
                "INSERT INTO article_search (article_id, document, body) {POSTGRES_ROWS}"
            ))
            .execute(c)?;
        }
    }
    Ok(())
}
