//! The audit log: who did what to what, when, and from where. Rows are
//! only ever added.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{AuditEntry, NewAuditEntry};
use super::schema::audit_log;
use super::DbConn;

/// Actions as stored in `audit_log.action`.
pub const LOGIN: &str = "login";
pub const LOGIN_FAILED: &str = "login_failed";
pub const LOGOUT: &str = "logout";
pub const USER_ADD: &str = "user_add";

pub fn record(conn: &mut DbConn, entry: &NewAuditEntry) -> QueryResult<usize> {
    diesel::insert_into(audit_log::table)
        .values(entry)
        .execute(conn)
}

/// A shorthand for the common case: an action by a user (or nobody), with
/// a free-text detail, at `now`.
pub fn note(
    conn: &mut DbConn,
    user_id: Option<i32>,
    action: &str,
    detail: &str,
    ip: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    record(
        conn,
        &NewAuditEntry {
            user_id,
            action,
            target_type: "",
            target_id: None,
            detail,
            ip,
            created_at: now,
        },
    )
}

/// The newest entries first.
pub fn recent(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<AuditEntry>> {
    audit_log::table
        .order((audit_log::created_at.desc(), audit_log::id.desc()))
        .limit(limit)
        .select(AuditEntry::as_select())
        .load(conn)
}
