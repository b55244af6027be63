//! The audit entry every use case writes in its own transaction.

use chrono::NaiveDateTime;

use crate::db::audit::{self, By};
use crate::db::models::NewAuditEntry;
use crate::db::DbConn;
use crate::domain::actor::Actor;
use crate::error::AppError;

/// Writes the entry of `action` by `actor` on `target` (a kind of row and
/// its id), saying `detail`, at `at`.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    target: (&str, i32),
    detail: &str,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    let by = By {
        user_id: Some(actor.user_id),
        ip: &actor.ip,
    };
    audit::record(
        conn,
        &NewAuditEntry::new(by, action, Some(target), detail, at),
    )?;
    Ok(())
}

/// The text between quotes for an audit detail: at most 80 characters.
pub fn quoted(text: &str) -> String {
    let short: String = text.chars().take(80).collect();
    if short.len() < text.len() {
        format!("\"{short}…\"")
    } else {
        format!("\"{short}\"")
    }
}

/// `s` when `n` is not one.
pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
