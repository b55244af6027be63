//! The clock. Times are stored and compared as naive UTC.

use chrono::{NaiveDateTime, Utc};

/// The current time as stored in the database: naive UTC.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}
