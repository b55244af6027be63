//! Noticing that the content changed, wherever the change was made.
//!
//! - This process: every write request (anything but GET and HEAD) ends
//!   with [`after_write`], which reads the change counter and, if it moved,
//!   calls [`refresh`], so the next request sees the change. A post that
//!   changed nothing (a refused form, a preview, a stranger's junk) leaves
//!   the cache alone.
//! - SQLite: triggers raise `content_changes.version` in the writing
//!   transaction (migration 7). A watcher thread reads it every
//!   [`POLL`], so a change made by `iconocast import`, `user add`, `demo`
//!   or another process on the same file is seen within that time.
//! - PostgreSQL: the same triggers send `NOTIFY iconocast_content` on
//!   commit. A watcher thread holds a connection that LISTENs. A
//!   notification sent while it was disconnected is lost, so after every
//!   (re)connection it treats everything as changed.
//! - Time: a scheduled article becomes public, and an article past its
//!   expiry leaves, by the clock alone. Every change records when that
//!   next happens, and entries expire then; an entry rendered before an
//!   expiry is not served as a stale copy after it either.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::Freshness;
use crate::db::{articles, ConnectionManager, DatabaseUrl, DbConn};

/// How often a watcher looks for changes.
pub const POLL: Duration = Duration::from_millis(200);
/// How often the PostgreSQL watcher checks that its connection is alive.
const PING: Duration = Duration::from_secs(2);
/// The wait before reconnecting after the database went away.
const RETRY: Duration = Duration::from_millis(500);

/// Records a change: reads when the visibility rule next changes its
/// answer, then moves every cache on to a new generation. If the database
/// cannot say, entries live one more second at most.
pub fn refresh(conn: &mut DbConn, freshness: &Freshness) {
    let now = crate::domain::clock::now();
    match articles::next_visibility_change(conn, now) {
        Ok(due) => freshness.changed_until_expiry(due.any, due.expiry),
        Err(error) => {
            tracing::warn!(%error, "page cache: cannot read the next scheduled change");
            freshness.changed_unknown();
        }
    }
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = BigInt)]
    version: i64,
}

/// The change counter: the row the SQLite triggers raise, or the
/// sequence the PostgreSQL triggers advance.
fn counter(conn: &mut DbConn) -> QueryResult<i64> {
    let sql = match conn {
        DbConn::Sqlite(_) => "SELECT version FROM content_changes WHERE id = 1",
        DbConn::Pg(_) => "SELECT last_value AS version FROM content_changes_seq",
    };
    diesel::sql_query(sql)
        .get_result::<Version>(conn)
        .map(|v| v.version)
}

/// After a write request of this process: if the change counter moved,
/// the content changed, and the cache moves on at once. If the counter
/// cannot be read, the cache is emptied anyway.
pub fn after_write(conn: &mut DbConn, freshness: &Freshness) {
    match counter(conn) {
        Ok(version) if !freshness.counter_moved(version) => {}
        _ => refresh(conn, freshness),
    }
}

/// Connects the watcher for `url` and starts following, before the
/// server takes its first request; then carries on on its own thread and
/// connection, reconnecting when the database comes back. It ends by
/// itself once the cache it serves is gone.
pub fn start_watcher(url: DatabaseUrl, freshness: &Arc<Freshness>) -> Result<(), String> {
    let manager = ConnectionManager::new(url);
    let mut conn = manager.establish().map_err(|e| e.to_string())?;
    begin(&mut conn, freshness).map_err(|e| e.to_string())?;
    let weak = Arc::downgrade(freshness);
    std::thread::Builder::new()
        .name("page-cache-watcher".to_owned())
        .spawn(move || {
            let mut next = Some(conn);
            loop {
                if let Some(conn) = next.take() {
                    if let Err(error) = follow(conn, &weak) {
                        tracing::warn!(%error, "page cache: lost the database; cached pages stay until it is back");
                    }
                }
                if weak.strong_count() == 0 {
                    return;
                }
                std::thread::sleep(RETRY);
                let Some(fresh) = weak.upgrade() else { return };
                if let Ok(mut conn) = manager.establish() {
                    if begin(&mut conn, &fresh).is_ok() {
                        tracing::info!("page cache: following content changes again");
                        next = Some(conn);
                    }
                }
            }
        })
        .map(drop)
        .map_err(|e| e.to_string())
}

/// Starts listening (PostgreSQL) or reads the counter (SQLite), then
/// counts everything as changed: whatever happened while nobody listened
/// is unknown.
fn begin(conn: &mut DbConn, freshness: &Freshness) -> QueryResult<()> {
    if let DbConn::Pg(pg) = conn {
        pg.batch_execute("LISTEN iconocast_content")?;
    }
    let version = counter(conn)?;
    freshness.counter_moved(version);
    refresh(conn, freshness);
    Ok(())
}

/// Follows the changes over one connection until it fails (an error)
/// or the cache is gone (`Ok`).
fn follow(mut conn: DbConn, freshness: &Weak<Freshness>) -> Result<(), String> {
    let mut last_ping = Instant::now();
    loop {
        std::thread::sleep(POLL);
        let Some(fresh) = freshness.upgrade() else {
            return Ok(());
        };
        let changed = match &mut conn {
            DbConn::Pg(pg) => {
                let mut any = false;
                for note in pg.notifications_iter() {
                    note.map_err(|e| e.to_string())?;
                    any = true;
                }
                if last_ping.elapsed() >= PING {
                    pg.batch_execute("SELECT 1").map_err(|e| e.to_string())?;
                    last_ping = Instant::now();
                }
                any
            }
            DbConn::Sqlite(_) => {
                let version = counter(&mut conn).map_err(|e| e.to_string())?;
                // Unless a post of this process has seen it move first.
                fresh.counter_moved(version)
            }
        };
        let due = fresh.next_due.load(std::sync::atomic::Ordering::SeqCst);
        if changed || chrono::Utc::now().timestamp_millis() >= due {
            refresh(&mut conn, &fresh);
        }
        fresh
            .rounds
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}
