//! Template filters: dates for people and machines, reading time.

use chrono::NaiveDateTime;

/// English month names, for dates written without chrono's pattern parser
/// (a listing writes a date per card).
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `27 November 2026`
#[askama::filter_fn]
pub fn date(value: &NaiveDateTime, _env: &dyn askama::Values) -> askama::Result<String> {
    Ok(human_date(value))
}

/// `27 November 2026`: chrono's `%-d %B %Y`, written field by field.
/// Years before 1000 or past 9999 take chrono's path (zero-padded, signed).
pub fn human_date(value: &NaiveDateTime) -> String {
    use chrono::Datelike;
    match MONTHS.get(value.month0() as usize) {
        Some(month) if (1000..=9999).contains(&value.year()) => {
            format!("{} {month} {}", value.day(), value.year())
        }
        _ => value.format("%-d %B %Y").to_string(),
    }
}

/// `27 November 2026, 08:15 UTC`
#[askama::filter_fn]
pub fn datetime(value: &NaiveDateTime, _env: &dyn askama::Values) -> askama::Result<String> {
    Ok(human_datetime(value))
}

/// `27 November 2026, 08:15 UTC`: the `datetime` filter, for text built
/// in Rust (a feed item's notes).
pub fn human_datetime(value: &NaiveDateTime) -> String {
    use chrono::Timelike;
    format!(
        "{}, {:02}:{:02} UTC",
        human_date(value),
        value.hour(),
        value.minute()
    )
}

/// RFC 3339 in UTC, for `<time datetime>` and structured data.
#[askama::filter_fn]
pub fn iso(value: &NaiveDateTime, _env: &dyn askama::Values) -> askama::Result<String> {
    Ok(iso_utc(value))
}

/// `2026-11-27T08:15:00Z`. Written field by field: a sitemap writes
/// 10,000 of them, and parsing the `strftime` pattern each time was a sixth
/// of its cost. Years past 9999 and leap seconds take chrono's own path.
pub fn iso_utc(value: &NaiveDateTime) -> String {
    use chrono::{Datelike, Timelike};
    let year = value.year();
    if !(0..=9999).contains(&year) || value.nanosecond() >= 1_000_000_000 {
        return value.and_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    }
    let mut text = *b"0000-00-00T00:00:00Z";
    for (at, width, n) in [
        (0, 4, year.unsigned_abs()),
        (5, 2, value.month()),
        (8, 2, value.day()),
        (11, 2, value.hour()),
        (14, 2, value.minute()),
        (17, 2, value.second()),
    ] {
        let mut n = n;
        for digit in text[at..at + width].iter_mut().rev() {
            *digit = b'0' + (n % 10) as u8;
            n /= 10;
        }
    }
    text.iter().map(|&b| char::from(b)).collect()
}

/// `4 min read`
#[askama::filter_fn]
pub fn reading_time(minutes: &i32, _env: &dyn askama::Values) -> askama::Result<String> {
    Ok(format!("{} min read", minutes.max(&1)))
}

#[cfg(test)]
mod iso_tests {
    use super::{human_date, human_datetime, iso_utc};
    use chrono::NaiveDate;

    #[test]
    fn human_dates_match_chronos_patterns() {
        let mut day = NaiveDate::from_ymd_opt(999, 12, 25).expect("a valid day");
        // Every month, single- and double-digit days, and years of three,
        // four and five digits.
        for step in [1, 17, 40, 400, 3_000_000] {
            for _ in 0..30 {
                let at = day.and_hms_opt(7, 5, 59).expect("a valid time");
                assert_eq!(human_date(&at), at.format("%-d %B %Y").to_string());
                assert_eq!(
                    human_datetime(&at),
                    at.format("%-d %B %Y, %H:%M UTC").to_string()
                );
                day = day.checked_add_days(chrono::Days::new(step)).unwrap_or(day);
            }
        }
    }

    #[test]
    fn iso_matches_chronos_own_rfc3339_form() {
        for (y, mo, d, h, mi, s, n) in [
            (2026, 11, 27, 8, 15, 0, 0),
            (999, 1, 2, 3, 4, 5, 123_456_789),
            (9999, 12, 31, 23, 59, 59, 999_999_999),
            (10_000, 1, 1, 0, 0, 0, 0),
            (2016, 12, 31, 23, 59, 59, 1_500_000_000),
        ] {
            let at = NaiveDate::from_ymd_opt(y, mo, d)
                .and_then(|day| day.and_hms_nano_opt(h, mi, s, n))
                .expect("a valid time");
            assert_eq!(
                iso_utc(&at),
                at.and_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string()
            );
        }
    }
}
