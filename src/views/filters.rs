//! Template filters: dates for people and machines, reading time.

use chrono::NaiveDateTime;

/// `27 November 2026`
#[askama::filter_fn]
pub fn date(value: &NaiveDateTime, _env: &dyn askama::Values) -> askama::Result<String> {
    Ok(value.format("%-d %B %Y").to_string())
}

/// `27 November 2026, 08:15 UTC`
#[askama::filter_fn]
pub fn datetime(value: &NaiveDateTime, _env: &dyn askama::Values) -> askama::Result<String> {
    Ok(value.format("%-d %B %Y, %H:%M UTC").to_string())
}

/// RFC 3339 in UTC, for `<time datetime>` and structured data.
#[askama::filter_fn]
pub fn iso(value: &NaiveDateTime, _env: &dyn askama::Values) -> askama::Result<String> {
    Ok(value.and_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// `4 min read`
#[askama::filter_fn]
pub fn reading_time(minutes: &i32, _env: &dyn askama::Values) -> askama::Result<String> {
    Ok(format!("{} min read", minutes.max(&1)))
}
