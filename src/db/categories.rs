//! Category queries.

use diesel::prelude::*;

use super::models::{Category, NewCategory};
use super::schema::categories;
use super::DbConn;

/// All categories in their navigation order.
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<Category>> {
    categories::table
        .order((categories::position.asc(), categories::id.asc()))
        .select(Category::as_select())
        .load(conn)
}

pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<Category>> {
    categories::table
        .filter(categories::slug.eq(slug))
        .select(Category::as_select())
        .first(conn)
        .optional()
}

pub fn create(conn: &mut DbConn, new: &NewCategory) -> QueryResult<i32> {
    diesel::insert_into(categories::table)
        .values(new)
        .returning(categories::id)
        .get_result(conn)
}
