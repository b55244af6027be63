//! The time limit of a search on SQLite: `iconocast_search_budget`, a
//! function of ours registered on every connection, which a search calls
//! for every row it reads and which stops the statement once the search's
//! [`Deadline`] has passed.

use std::cell::Cell;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Bool, Integer};
use diesel::sqlite::{Sqlite, SqliteConnection};

thread_local! {
    /// When the search running on this thread must stop, if one is
    /// running, and whether it was stopped. SQLite calls
    /// `iconocast_search_budget` on the thread that runs the statement.
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
    static STOPPED: Cell<bool> = const { Cell::new(false) };
}

/// The deadline of the search on this thread, from `set` until dropped.
pub(crate) struct Deadline;

impl Deadline {
    pub(crate) fn set(limit: Duration) -> Deadline {
        DEADLINE.set(Instant::now().checked_add(limit));
        STOPPED.set(false);
        Deadline
    }

    pub(crate) fn stopped() -> bool {
        STOPPED.get()
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        DEADLINE.set(None);
    }
}

/// What `iconocast_search_budget` answers for a row: true while the
/// search is within its time, else an error, which stops the statement.
#[derive(Debug)]
struct Budget(bool);

impl ToSql<Bool, Sqlite> for Budget {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        if self.0 {
            <bool as ToSql<Bool, Sqlite>>::to_sql(&true, out)
        } else {
            Err("the search's time limit was reached".into())
        }
    }
}

diesel::define_sql_function! {
    /// SQLite only: true while the search on this thread is within its
    /// time limit; past it, an error that stops the statement. Called
    /// with a column of every row a search reads, so that no row is read
    /// after the limit (see [`register_functions`]).
    #[sql_name = "iconocast_search_budget"]
    fn search_budget(row: Integer) -> Bool;
}

/// Registers `iconocast_search_budget` on a new SQLite connection.
/// diesel 2.3 gives no safe access to SQLite's progress handler or to
/// `sqlite3_interrupt`; a function in the search's `WHERE` clause is
/// called for every row the search reads, and its error ends the
/// statement at once, which bounds the search just as well.
pub fn register_functions(conn: &mut SqliteConnection) -> QueryResult<()> {
    search_budget_utils::register_nondeterministic_impl(conn, |_row: i32| {
        let within = DEADLINE.get().is_none_or(|at| Instant::now() < at);
        if !within {
            STOPPED.set(true);
        }
        Budget(within)
    })
}
