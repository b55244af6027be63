//! Old paths that answer 301 to where their content lives now.

use diesel::prelude::*;

use super::models::{NewRedirect, Redirect};
use super::schema::redirects;
use super::DbConn;

pub fn find(conn: &mut DbConn, from_path: &str) -> QueryResult<Option<Redirect>> {
    redirects::table
        .filter(redirects::from_path.eq(from_path))
        .select(Redirect::as_select())
        .first(conn)
        .optional()
}

pub fn create(conn: &mut DbConn, new: &NewRedirect) -> QueryResult<usize> {
    diesel::insert_into(redirects::table)
        .values(new)
        .execute(conn)
}

diesel::define_sql_function! {
    /// The text from the 1-based character `start` on (SQLite and
    /// PostgreSQL both have it).
    fn substr(text: diesel::sql_types::Text, start: diesel::sql_types::Integer) -> diesel::sql_types::Text;
}

/// Content that lived at `from` now lives at `to`: `from` answers 301 to
/// `to`, redirects that pointed at `from` point at `to` (no chains), and
/// a redirect from `to` itself goes (that path is live again).
pub fn move_path(
    conn: &mut DbConn,
    from: &str,
    to: &str,
    now: chrono::NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(redirects::table.filter(redirects::from_path.eq(to))).execute(conn)?;
    diesel::update(redirects::table.filter(redirects::to_path.eq(from)))
        .set(redirects::to_path.eq(to))
        .execute(conn)?;
    diesel::delete(redirects::table.filter(redirects::from_path.eq(from))).execute(conn)?;
    create(
        conn,
        &NewRedirect {
            from_path: from,
            to_path: to,
            created_at: now,
        },
    )?;
    Ok(())
}

/// Redirects to paths under `from_prefix` (e.g. `/old/`) now point under
/// `to_prefix`. Both prefixes are made of slugs and `/`, which `LIKE`
/// treats literally.
pub fn move_prefix(conn: &mut DbConn, from_prefix: &str, to_prefix: &str) -> QueryResult<usize> {
    let rest_from = i32::try_from(from_prefix.chars().count() + 1).unwrap_or(i32::MAX);
    diesel::update(redirects::table.filter(redirects::to_path.like(format!("{from_prefix}%"))))
        .set(
            redirects::to_path.eq(to_prefix
                .to_owned()
                .into_sql::<diesel::sql_types::Text>()
                .concat(substr(redirects::to_path, rest_from))),
        )
        .execute(conn)
}

/// Drops the redirects that lead to `to` (a page that no longer exists).
pub fn delete_to(conn: &mut DbConn, to: &str) -> QueryResult<usize> {
    diesel::delete(redirects::table.filter(redirects::to_path.eq(to))).execute(conn)
}

/// Drops the redirect from `from` (a path that is live again).
pub fn delete_from(conn: &mut DbConn, from: &str) -> QueryResult<usize> {
    diesel::delete(redirects::table.filter(redirects::from_path.eq(from))).execute(conn)
}
