//! Staff queries as the public side needs them.

use diesel::prelude::*;

use super::models::{Author, NewUser};
use super::schema::users;
use super::DbConn;

/// An author page's subject: any active staff member, by slug.
pub fn find_author(conn: &mut DbConn, slug: &str) -> QueryResult<Option<Author>> {
    users::table
        .filter(users::slug.eq(slug))
        .filter(users::active.eq(true))
        .select(Author::as_select())
        .first(conn)
        .optional()
}

pub fn create(conn: &mut DbConn, new: &NewUser) -> QueryResult<i32> {
    diesel::insert_into(users::table)
        .values(new)
        .returning(users::id)
        .get_result(conn)
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}
