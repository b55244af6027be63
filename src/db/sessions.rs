//! Staff sessions and login attempts. A session row is keyed by the digest
//! of the browser's token; the token itself is never stored.

use chrono::{Duration, NaiveDateTime};
use diesel::dsl::{count_star, max};
use diesel::prelude::*;

use super::models::{Session, StaffUser};
use super::schema::{login_attempts, sessions, users};
use super::DbConn;
use crate::domain::throttle::{Failures, FREE_CLIENT_FAILURES, FREE_FAILURES};

/// A session ends after this long without a request...
pub const IDLE_HOURS: i64 = 12;
/// ...and this long after sign-in, whatever happens.
pub const ABSOLUTE_DAYS: i64 = 7;
/// `last_seen_at` is written at most this often.
pub const TOUCH_SECONDS: i64 = 60;

pub fn create(conn: &mut DbConn, session: &Session) -> QueryResult<usize> {
    diesel::insert_into(sessions::table)
        .values(session)
        .execute(conn)
}

/// The live session with this digest and its active user. An expired
/// session is deleted; a live one has `last_seen_at` refreshed when it is
/// more than a minute old.
pub fn find_live(
    conn: &mut DbConn,
    digest: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(Session, StaffUser)>> {
    let found = sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(digest))
        .select((Session::as_select(), StaffUser::as_select()))
        .first::<(Session, StaffUser)>(conn)
        .optional()?;
    let Some((mut session, user)) = found else {
        return Ok(None);
    };
    let idle_end = session.last_seen_at + Duration::hours(IDLE_HOURS);
    if !user.active || now >= session.expires_at || now >= idle_end {
        delete(conn, digest)?;
        return Ok(None);
    }
    if now - session.last_seen_at >= Duration::seconds(TOUCH_SECONDS) {
        diesel::update(sessions::table.find(digest))
            .set(sessions::last_seen_at.eq(now))
            .execute(conn)?;
        session.last_seen_at = now;
    }
    Ok(Some((session, user)))
}

pub fn delete(conn: &mut DbConn, digest: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.find(digest)).execute(conn)
}

/// Signs a staff member out everywhere.
pub fn delete_for_user(conn: &mut DbConn, user_id: i32) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)
}

/// Removes sessions past either limit; returns how many.
pub fn delete_expired(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .le(now)
                .or(sessions::last_seen_at.le(now - Duration::hours(IDLE_HOURS))),
        ),
    )
    .execute(conn)
}

pub fn count_for_user(conn: &mut DbConn, user_id: i32) -> QueryResult<i64> {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .count()
        .get_result(conn)
}

/// Notes a login attempt as a failure before it is checked, and returns
/// its id. `email` is what was typed, normalised and cut to a sane
/// length; `client` is the client it counts against (the `ip` column:
/// `domain::throttle::client_group`, an IPv4 address or an IPv6 /64).
/// Claiming first makes the throttle hold under a burst of parallel
/// attempts: each one counts every attempt claimed before it.
pub fn claim_attempt(
    conn: &mut DbConn,
    email: &str,
    client: &str,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::email.eq(email),
            login_attempts::ip.eq(client),
            login_attempts::succeeded.eq(false),
            login_attempts::attempted_at.eq(now),
        ))
        .returning(login_attempts::id)
        .get_result(conn)
}

/// Marks a claimed attempt as the successful sign-in it turned out to be.
pub fn attempt_succeeded(conn: &mut DbConn, id: i32) -> QueryResult<usize> {
    diesel::update(login_attempts::table.find(id))
        .set(login_attempts::succeeded.eq(true))
        .execute(conn)
}

/// Forgets a claimed attempt that was throttled: waiting it out is not
/// another failure.
pub fn forget_attempt(conn: &mut DbConn, id: i32) -> QueryResult<usize> {
    diesel::delete(login_attempts::table.find(id)).execute(conn)
}

/// Failed logins for `email` from `client` since `since`, or since that
/// client's last successful login as that email if that is later: signing
/// in clears the count. Failures for the email from other clients are not
/// counted, so they cannot lock its owner out. The attempt `except` (the
/// one being checked) is not counted.
pub fn email_failures(
    conn: &mut DbConn,
    email: &str,
    client: &str,
    since: NaiveDateTime,
    except: i32,
) -> QueryResult<Failures> {
    let last_success: Option<NaiveDateTime> = login_attempts::table
        .filter(login_attempts::email.eq(email))
        .filter(login_attempts::ip.eq(client))
        .filter(login_attempts::succeeded.eq(true))
        .select(max(login_attempts::attempted_at))
        .first(conn)?;
    let since = last_success.map_or(since, |s| s.max(since));
    let (count, latest) = login_attempts::table
        .filter(login_attempts::email.eq(email))
        .filter(login_attempts::ip.eq(client))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::attempted_at.gt(since))
        .filter(login_attempts::id.ne(except))
        .select((count_star(), max(login_attempts::attempted_at)))
        .first::<(i64, Option<NaiveDateTime>)>(conn)?;
    Ok(Failures {
        count,
        latest,
        free: FREE_FAILURES,
    })
}

/// Failed logins from `client` for any email since `since`, whoever
/// succeeded meanwhile, not counting the attempt `except`.
pub fn client_failures(
    conn: &mut DbConn,
    client: &str,
    since: NaiveDateTime,
    except: i32,
) -> QueryResult<Failures> {
    let (count, latest) = login_attempts::table
        .filter(login_attempts::ip.eq(client))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::attempted_at.gt(since))
        .filter(login_attempts::id.ne(except))
        .select((count_star(), max(login_attempts::attempted_at)))
        .first::<(i64, Option<NaiveDateTime>)>(conn)?;
    Ok(Failures {
        count,
        latest,
        free: FREE_CLIENT_FAILURES,
    })
}

/// Forgets login attempts older than `cutoff`; returns how many.
pub fn delete_attempts_before(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(login_attempts::table.filter(login_attempts::attempted_at.lt(cutoff)))
        .execute(conn)
}
