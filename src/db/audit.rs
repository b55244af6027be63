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
pub const USER_UPDATE: &str = "user_update";
pub const IMPORT: &str = "import";
pub const ARTICLE_CREATE: &str = "article_create";
pub const ARTICLE_UPDATE: &str = "article_update";
pub const ARTICLE_SUBMIT: &str = "article_submit";
pub const ARTICLE_PUBLISH: &str = "article_publish";
pub const ARTICLE_SCHEDULE: &str = "article_schedule";
pub const ARTICLE_UNPUBLISH: &str = "article_unpublish";
pub const ARTICLE_ARCHIVE: &str = "article_archive";
pub const ARTICLE_RESTORE: &str = "article_restore";
pub const ARTICLE_DELETE: &str = "article_delete";
/// An article in review sent back to its writer as a draft.
pub const ARTICLE_RETURN: &str = "article_return";
/// An article in review published (or scheduled) by an editor.
pub const ARTICLE_APPROVE: &str = "article_approve";
/// A staff note on an article in review.
pub const REVIEW_NOTE: &str = "review_note";
/// A correction or update attached to a published article by a save.
pub const ARTICLE_NOTE: &str = "article_note";
pub const MEDIA_UPLOAD: &str = "media_upload";
pub const MEDIA_DELETE: &str = "media_delete";
/// A picture's caption, credit or focal point changed.
pub const MEDIA_UPDATE: &str = "media_update";
pub const CATEGORY_CREATE: &str = "category_create";
pub const CATEGORY_UPDATE: &str = "category_update";
pub const CATEGORY_DELETE: &str = "category_delete";
pub const TAG_UPDATE: &str = "tag_update";
pub const TAG_DELETE: &str = "tag_delete";
pub const SETTINGS_UPDATE: &str = "settings_update";
/// Live coverage of an article started (or started again), or ended.
pub const LIVE_START: &str = "live_start";
pub const LIVE_END: &str = "live_end";
/// An entry of a live page posted, edited or deleted.
pub const LIVE_POST: &str = "live_post";
pub const LIVE_EDIT: &str = "live_edit";
pub const LIVE_DELETE: &str = "live_delete";

/// Every action the application writes, for the audit page's filter.
pub const ACTIONS: [&str; 33] = [
    LOGIN,
    LOGIN_FAILED,
    LOGOUT,
    USER_ADD,
    USER_UPDATE,
    IMPORT,
    ARTICLE_CREATE,
    ARTICLE_UPDATE,
    ARTICLE_SUBMIT,
    ARTICLE_PUBLISH,
    ARTICLE_SCHEDULE,
    ARTICLE_UNPUBLISH,
    ARTICLE_ARCHIVE,
    ARTICLE_RESTORE,
    ARTICLE_DELETE,
    ARTICLE_RETURN,
    ARTICLE_APPROVE,
    REVIEW_NOTE,
    ARTICLE_NOTE,
    MEDIA_UPLOAD,
    MEDIA_DELETE,
    MEDIA_UPDATE,
    CATEGORY_CREATE,
    CATEGORY_UPDATE,
    CATEGORY_DELETE,
    TAG_UPDATE,
    TAG_DELETE,
    SETTINGS_UPDATE,
    LIVE_START,
    LIVE_END,
    LIVE_POST,
    LIVE_EDIT,
    LIVE_DELETE,
];

/// Who made a change, and from where: what every entry records first.
#[derive(Debug, Clone, Copy)]
pub struct By<'a> {
    /// The staff member, or `None` for the command line or a stranger.
    pub user_id: Option<i32>,
    pub ip: &'a str,
}

/// What an entry is about: the kind of row (`article`, `category`, ...)
/// and its id, or nothing.
pub type Target<'a> = Option<(&'a str, i32)>;

impl<'a> NewAuditEntry<'a> {
    /// The entry of `action` by `by` on `target`, at `at`.
    pub fn new(
        by: By<'a>,
        action: &'a str,
        target: Target<'a>,
        detail: &'a str,
        at: NaiveDateTime,
    ) -> NewAuditEntry<'a> {
        NewAuditEntry {
            user_id: by.user_id,
            action,
            target_type: target.map_or("", |(kind, _)| kind),
            target_id: target.map(|(_, id)| id),
            detail,
            ip: by.ip,
            created_at: at,
        }
    }
}

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
        &NewAuditEntry::new(By { user_id, ip }, action, None, detail, now),
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

/// Which entries the audit page lists: an exact action and/or a user.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub user_id: Option<i32>,
}

/// One entry with the name of its user (if any).
pub type NamedEntry = (AuditEntry, Option<String>);

/// Entries matching `filter`, newest first, `limit` from `offset`, each
/// with its user's name.
pub fn page(
    conn: &mut DbConn,
    filter: &AuditFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<NamedEntry>> {
    use super::schema::users;
    let mut query = audit_log::table
        .left_join(users::table)
        .select((AuditEntry::as_select(), users::name.nullable()))
        .order((audit_log::created_at.desc(), audit_log::id.desc()))
        .offset(offset)
        .limit(limit)
        .into_boxed();
    if let Some(action) = &filter.action {
        query = query.filter(audit_log::action.eq(action.clone()));
    }
    if let Some(user_id) = filter.user_id {
        query = query.filter(audit_log::user_id.eq(user_id));
    }
    query.load(conn)
}

/// How many entries match `filter`.
pub fn count(conn: &mut DbConn, filter: &AuditFilter) -> QueryResult<i64> {
    let mut query = audit_log::table.count().into_boxed();
    if let Some(action) = &filter.action {
        query = query.filter(audit_log::action.eq(action.clone()));
    }
    if let Some(user_id) = filter.user_id {
        query = query.filter(audit_log::user_id.eq(user_id));
    }
    query.get_result(conn)
}
