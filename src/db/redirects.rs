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
