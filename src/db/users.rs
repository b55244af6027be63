//! Staff queries: as the public side needs them, and for the staff area
//! (sign-in lookups, and the changes that must sign a user out everywhere).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{Author, NewUser, StaffUser};
use super::schema::users;
use super::{sessions, write_transaction, DbConn};
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
            role: new.role,
            password_hash: Some(new.password_hash),
            active: true,
            created_at: now,
        },
    )
}

/// Who added a staff member, for the audit log.
pub struct AddedBy<'a> {
    /// The admin who did, or `None` for the command line.
    pub user_id: Option<i32>,
    pub ip: &'a str,
}

/// Creates a staff member and writes `user_add` to the audit log, in one
/// transaction: what `iconocast user add` and `/admin/users` both do.
pub fn add_staff(
    conn: &mut DbConn,
    new: &NewStaff,
    by: &AddedBy,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    write_transaction(conn, |conn| {
        let id = create_staff(conn, new, now)?;
        let via = if by.user_id.is_none() {
            " from the command line"
        } else {
            ""
        };
        let detail = format!(
            "added {} <{}> as {} ({}){via}",
            new.name, new.email, new.role, new.slug
        );
        super::audit::record(
            conn,
            &crate::db::models::NewAuditEntry::new(
                super::audit::By {
                    user_id: by.user_id,
                    ip: by.ip,
                },
                super::audit::USER_ADD,
                Some(("user", id)),
                &detail,
                now,
            ),
        )?;
        Ok(id)
    })
}

/// Sets a new password hash and ends every session of the user.
pub fn set_password(conn: &mut DbConn, id: i32, password_hash: &str) -> QueryResult<usize> {
    write_transaction(conn, |conn| {
        let n = diesel::update(users::table.find(id))
            .set(users::password_hash.eq(Some(password_hash)))
            .execute(conn)?;
        sessions::delete_for_user(conn, id)?;
        Ok(n)
    })
}

/// Changes the role and ends every session of the user.
pub fn set_role(conn: &mut DbConn, id: i32, role: Role) -> QueryResult<usize> {
    write_transaction(conn, |conn| {
        let n = diesel::update(users::table.find(id))
            .set(users::role.eq(role))
            .execute(conn)?;
        sessions::delete_for_user(conn, id)?;
        Ok(n)
    })
}

/// (De)activates the user and ends every session of theirs.
pub fn set_active(conn: &mut DbConn, id: i32, active: bool) -> QueryResult<usize> {
    write_transaction(conn, |conn| {
        let n = diesel::update(users::table.find(id))
            .set(users::active.eq(active))
            .execute(conn)?;
        sessions::delete_for_user(conn, id)?;
        Ok(n)
    })
}

/// Every user, active or not, with or without a password, by name.
pub fn all_staff(conn: &mut DbConn) -> QueryResult<Vec<StaffUser>> {
    users::table
        .order((users::name.asc(), users::id.asc()))
        .select(StaffUser::as_select())
        .load(conn)
}

/// A user and their bio.
pub fn find_with_bio(conn: &mut DbConn, id: i32) -> QueryResult<Option<(StaffUser, String)>> {
    users::table
        .find(id)
        .select((StaffUser::as_select(), users::bio))
        .first(conn)
        .optional()
}

/// Each user's latest successful sign-in, from the audit log, in one
/// grouped query.
pub fn last_sign_ins(conn: &mut DbConn) -> QueryResult<Vec<(i32, NaiveDateTime)>> {
    use super::schema::audit_log;
    let rows: Vec<(Option<i32>, Option<NaiveDateTime>)> = audit_log::table
        .filter(audit_log::action.eq(super::audit::LOGIN))
        .filter(audit_log::user_id.is_not_null())
        .group_by(audit_log::user_id)
        .select((audit_log::user_id, diesel::dsl::max(audit_log::created_at)))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, at)| Some((id?, at?)))
        .collect())
}

/// Sets the name and bio (what the author page shows); sessions stay.
pub fn set_profile(conn: &mut DbConn, id: i32, name: &str, bio: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((users::name.eq(name), users::bio.eq(bio)))
        .execute(conn)
}

/// The ids of the active admins who can sign in (they have a password).
/// On PostgreSQL their rows stay locked until the transaction ends, so
/// two admins demoting each other at once cannot both succeed; SQLite
/// runs one writing transaction at a time anyway.
pub fn lock_active_admins(conn: &mut DbConn) -> QueryResult<Vec<i32>> {
    let query = users::table
        .filter(users::role.eq(Role::Admin))
        .filter(users::active.eq(true))
        .filter(users::password_hash.is_not_null())
        .order(users::id.asc())
        .select(users::id);
    match conn {
        DbConn::Pg(c) => query.for_update().load(c),
        DbConn::Sqlite(c) => query.load(c),
    }
}
