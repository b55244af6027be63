//! Noticing that the content changed, wherever the change was made.
//!
//! - This process: every write request (anything but GET and HEAD) ends
//!   with [`refresh`], so the next request sees the change.
//! - SQLite: triggers raise `content_changes.version` in the writing
//!   transaction (migration 7). A watcher thread reads it every
//!   [`POLL`], so a change made by `iconocast import`, `user add`, `demo`
//!   or another process on the same file is seen within that time.
//! - PostgreSQL: the same triggers send `NOTIFY iconocast_content` on
//!   commit. A watcher thread holds a connection that LISTENs. A
//!   notification sent while it was disconnected is lost, so after every
//!   (re)connection it treats everything as changed.
//! - Time: a scheduled article becomes public by the clock alone. Every
//!   change records when that next happens, and entries expire then.

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
    let now = crate::routes::state::now();
    match articles::next_visibility_change(conn, now) {
        Ok(due) => freshness.changed(due),
        Err(error) => {
            tracing::warn!(%error, "page cache: cannot read the next scheduled change");
            freshness.changed(Some(now + chrono::Duration::seconds(1)));
        }
    }
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = BigInt)]
    version: i64,
}

fn sqlite_version(conn: &mut DbConn) -> QueryResult<i64> {
    diesel::sql_query("SELECT version FROM content_changes WHERE id = 1")
        .get_result::<Version>(conn)
        .map(|v| v.version)
}

/// Starts the watcher for `url` on its own thread and connection. It ends
/// by itself once the cache it serves is gone.
pub fn spawn_watcher(url: DatabaseUrl, freshness: &Arc<Freshness>) {
    let weak = Arc::downgrade(freshness);
    let spawned = std::thread::Builder::new()
        .name("page-cache-watcher".to_owned())
        .spawn(move || watch(&ConnectionManager::new(url), &weak));
    if let Err(error) = spawned {
        tracing::error!(%error, "page cache: cannot start the change watcher");
    }
}

/// What a watcher does between connections: `Ok(())` when the cache is
/// gone, an error when the connection failed.
fn watch(manager: &ConnectionManager, freshness: &Weak<Freshness>) {
    let mut failing = false;
    loop {
        let result = manager
            .establish()
            .map_err(|e| e.to_string())
            .and_then(|conn| follow(conn, freshness));
        match result {
            Ok(()) => return,
            Err(error) => {
                if !failing {
                    tracing::warn!(%error, "page cache: lost the database; cached pages stay until it is back");
                    failing = true;
                }
            }
        }
        if freshness.strong_count() == 0 {
            return;
        }
        std::thread::sleep(RETRY);
    }
}

/// Follows the changes over one connection until it fails.
fn follow(mut conn: DbConn, freshness: &Weak<Freshness>) -> Result<(), String> {
    let is_pg = matches!(conn, DbConn::Pg(_));
    if is_pg {
        conn.batch_execute("LISTEN iconocast_content")
            .map_err(|e| e.to_string())?;
    }
    let mut last_version = if is_pg {
        0
    } else {
        sqlite_version(&mut conn).map_err(|e| e.to_string())?
    };
    // Whatever happened while nobody listened counts as a change.
    match freshness.upgrade() {
        Some(f) => refresh(&mut conn, &f),
        None => return Ok(()),
    }
    tracing::info!("page cache: following content changes");
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
                let version = sqlite_version(&mut conn).map_err(|e| e.to_string())?;
                let changed = version != last_version;
                last_version = version;
                changed
            }
        };
        let due = fresh.next_due.load(std::sync::atomic::Ordering::SeqCst);
        if changed || chrono::Utc::now().timestamp_millis() >= due {
            refresh(&mut conn, &fresh);
        }
    }
}
