//! Staff queries: as the public side needs them, and for the staff area
//! (sign-in lookups, and the changes that must sign a user out everywhere).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{Author, NewUser, StaffUser};
use super::schema::users;
use super::{sessions, DbConn};
use crate::domain::{slugify, Email, Role};

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

/// A staff member by (normalised) email, active or not.
pub fn find_by_email(conn: &mut DbConn, email: &Email) -> QueryResult<Option<StaffUser>> {
    users::table
        .filter(users::email.eq(email.as_str()))
        .select(StaffUser::as_select())
        .first(conn)
        .optional()
}

pub fn find_staff(conn: &mut DbConn, id: i32) -> QueryResult<Option<StaffUser>> {
    users::table
        .find(id)
        .select(StaffUser::as_select())
        .first(conn)
        .optional()
}

pub fn email_taken(conn: &mut DbConn, email: &Email) -> QueryResult<bool> {
    let n: i64 = users::table
        .filter(users::email.eq(email.as_str()))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn slug_taken(conn: &mut DbConn, slug: &str) -> QueryResult<bool> {
    let n: i64 = users::table
        .filter(users::slug.eq(slug))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// `base` if free, else `base-2`, `base-3`, ... (`staff` for an empty base).
pub fn unique_slug(conn: &mut DbConn, name: &str) -> QueryResult<String> {
    let mut base = slugify(name);
    if base.is_empty() {
        base = "staff".to_owned();
    }
    base.truncate(100);
    let base = base.trim_end_matches('-').to_owned();
    let mut candidate = base.clone();
    let mut n = 2;
    while slug_taken(conn, &candidate)? {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    Ok(candidate)
}

/// A new active staff member with a password hash; returns the id.
pub struct NewStaff<'a> {
    pub email: &'a Email,
    pub name: &'a str,
    pub role: Role,
    pub slug: &'a str,
    pub password_hash: &'a str,
}

pub fn create_staff(conn: &mut DbConn, new: &NewStaff, now: NaiveDateTime) -> QueryResult<i32> {
    create(
        conn,
        &NewUser {
            slug: new.slug,
            email: new.email.as_str(),
            name: new.name,
            bio: "",
            role: new.role.as_str(),
            password_hash: Some(new.password_hash),
            active: true,
            created_at: now,
        },
    )
}

/// Sets a new password hash and ends every session of the user.
pub fn set_password(conn: &mut DbConn, id: i32, password_hash: &str) -> QueryResult<usize> {
    conn.transaction(|conn| {
        let n = diesel::update(users::table.find(id))
            .set(users::password_hash.eq(Some(password_hash)))
            .execute(conn)?;
        sessions::delete_for_user(conn, id)?;
        Ok(n)
    })
}

/// Changes the role and ends every session of the user.
pub fn set_role(conn: &mut DbConn, id: i32, role: Role) -> QueryResult<usize> {
    conn.transaction(|conn| {
        let n = diesel::update(users::table.find(id))
            .set(users::role.eq(role.as_str()))
            .execute(conn)?;
        sessions::delete_for_user(conn, id)?;
        Ok(n)
    })
}

/// (De)activates the user and ends every session of theirs.
pub fn set_active(conn: &mut DbConn, id: i32, active: bool) -> QueryResult<usize> {
    conn.transaction(|conn| {
        let n = diesel::update(users::table.find(id))
            .set(users::active.eq(active))
            .execute(conn)?;
        sessions::delete_for_user(conn, id)?;
        Ok(n)
    })
}
