//! Login throttling: after [`FREE_FAILURES`] failed logins within
//! [`WINDOW_MINUTES`] for one email or from one IP address, further logins
//! for it wait 60 s × 2^(failures − 5) after the latest failure, at most an
//! hour. The counts come from the `login_attempts` table, so the limit holds
//! across processes and restarts.

use chrono::{Duration, NaiveDateTime};

/// Failures allowed before logins wait.
pub const FREE_FAILURES: i64 = 5;
/// How far back failures count.
pub const WINDOW_MINUTES: i64 = 15;
/// The first wait, doubled with every further failure.
pub const BASE_WAIT_SECS: i64 = 60;
/// The longest wait.
pub const MAX_WAIT_SECS: i64 = 3600;

/// Failed logins for one email or one IP within the window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Failures {
    pub count: i64,
    pub latest: Option<NaiveDateTime>,
}

/// How long `failures` lock logins out, from the latest failure.
pub fn wait_for(count: i64) -> Option<Duration> {
    if count < FREE_FAILURES {
        return None;
    }
    let doublings = (count - FREE_FAILURES).min(12) as u32;
    let secs = (BASE_WAIT_SECS * 2_i64.pow(doublings)).min(MAX_WAIT_SECS);
    Some(Duration::seconds(secs))
}

/// Whole seconds (rounded up) before another login may be tried, if any.
pub fn retry_after(groups: &[Failures], now: NaiveDateTime) -> Option<u64> {
    groups
        .iter()
        .filter_map(|f| {
            let until = f.latest? + wait_for(f.count)?;
            let left = until - now;
            let millis = left.num_milliseconds();
            (millis > 0).then(|| (millis as u64).div_ceil(1000))
        })
        .max()
}

/// The start of the counting window.
pub fn window_start(now: NaiveDateTime) -> NaiveDateTime {
    now - Duration::minutes(WINDOW_MINUTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + secs, 0)
            .expect("a time")
            .naive_utc()
    }

    #[test]
    fn waits_start_at_five_failures_and_double_up_to_an_hour() {
        assert_eq!(wait_for(4), None);
        assert_eq!(wait_for(5), Some(Duration::seconds(60)));
        assert_eq!(wait_for(6), Some(Duration::seconds(120)));
        assert_eq!(wait_for(10), Some(Duration::seconds(1920)));
        assert_eq!(wait_for(11), Some(Duration::seconds(3600)));
        assert_eq!(wait_for(500), Some(Duration::seconds(3600)));
    }

    #[test]
    fn retry_after_counts_from_the_latest_failure_and_takes_the_longest() {
        let email = Failures {
            count: 5,
            latest: Some(at(0)),
        };
        let ip = Failures {
            count: 6,
            latest: Some(at(0)),
        };
        assert_eq!(retry_after(&[email], at(0)), Some(60));
        assert_eq!(retry_after(&[email], at(59)), Some(1));
        assert_eq!(retry_after(&[email], at(60)), None);
        assert_eq!(retry_after(&[email, ip], at(10)), Some(110));
        assert_eq!(retry_after(&[Failures::default()], at(0)), None);
    }
}
