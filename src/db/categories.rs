//! Category queries.

use diesel::prelude::*;

use super::models::{Category, NewCategory};
use super::schema::categories;
use super::{on_backend, DbConn};

/// All categories in their navigation order.
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<Category>> {
    categories::table
        .order((categories::position.asc(), categories::id.asc()))
        .select(Category::as_select())
        .load(conn)
}

pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<Category>> {
    on_backend!(conn, |conn| categories::table
        .filter(categories::slug.eq(slug))
        .select(Category::as_select())
        .first(conn)
        .optional())
}

pub fn create(conn: &mut DbConn, new: &NewCategory) -> QueryResult<i32> {
    diesel::insert_into(categories::table)
        .values(new)
        .returning(categories::id)
        .get_result(conn)
}

/// Every category in navigation order with how many articles (of any
/// status) it holds, in one grouped query.
pub fn all_with_counts(conn: &mut DbConn) -> QueryResult<Vec<(Category, i64)>> {
    use super::schema::articles;
    use diesel::dsl::count;
    categories::table
        .left_join(articles::table)
        .group_by(categories::id)
        .order((categories::position.asc(), categories::id.asc()))
        .select((Category::as_select(), count(articles::id.nullable())))
        .load(conn)
}

pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<Category>> {
    categories::table
        .find(id)
        .select(Category::as_select())
        .first(conn)
        .optional()
}

/// Whether a category other than `except` has `slug`.
pub fn slug_taken(conn: &mut DbConn, slug: &str, except: Option<i32>) -> QueryResult<bool> {
    let n: i64 = categories::table
        .filter(categories::slug.eq(slug))
        .filter(categories::id.ne(except.unwrap_or(0)))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The position after the last category.
pub fn next_position(conn: &mut DbConn) -> QueryResult<i32> {
    let last: Option<i32> = categories::table
        .select(diesel::dsl::max(categories::position))
        .first(conn)?;
    Ok(last.map_or(0, |p| p.saturating_add(1)))
}

/// Rewrites every field of category `id`.
pub fn update(conn: &mut DbConn, id: i32, new: &NewCategory) -> QueryResult<usize> {
    diesel::update(categories::table.find(id))
        .set((
            categories::slug.eq(new.slug),
            categories::name.eq(new.name),
            categories::tagline.eq(new.tagline),
            categories::description.eq(new.description),
            categories::position.eq(new.position),
            categories::noindex.eq(new.noindex),
        ))
        .execute(conn)
}

/// How many articles (of any status) are in category `id`.
pub fn article_count(conn: &mut DbConn, id: i32) -> QueryResult<i64> {
    use super::schema::articles;
    articles::table
        .filter(articles::category_id.eq(id))
        .count()
        .get_result(conn)
}

/// Deletes category `id`; the caller checks it is empty first.
pub fn delete(conn: &mut DbConn, id: i32) -> QueryResult<usize> {
    diesel::delete(categories::table.find(id)).execute(conn)
}
