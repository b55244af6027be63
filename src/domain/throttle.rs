//! Login throttling. Failures are counted per *client* (an IPv4 address,
//! or an IPv6 /64: [`client_group`]) within [`WINDOW_MINUTES`]:
//!
//! - for one email from one client: after [`FREE_FAILURES`], further
//!   logins for that email from that client wait;
//! - from one client for any emails (password spraying): after
//!   [`FREE_CLIENT_FAILURES`], every login from that client waits.
//!
//! The wait is 60 s after the latest failure, doubled with each further
//! one, at most an hour. An email's failures from other clients never
//! lock it here, so nobody can keep its owner out by guessing from
//! addresses of their own. The counts come from the `login_attempts`
//! table, so the limits hold across processes and restarts.

use std::net::IpAddr;

use chrono::{Duration, NaiveDateTime};

/// Failures allowed for one email from one client before its logins wait.
pub const FREE_FAILURES: i64 = 5;
/// Failures allowed from one client, whatever the emails, before every
/// login from it waits.
pub const FREE_CLIENT_FAILURES: i64 = 10;
/// How far back failures count.
pub const WINDOW_MINUTES: i64 = 15;
/// The first wait, doubled with every further failure.
pub const BASE_WAIT_SECS: i64 = 60;
/// The longest wait.
pub const MAX_WAIT_SECS: i64 = 3600;

/// Failed logins counted against one limit within the window, and how
/// many of them that limit allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    pub count: i64,
    pub latest: Option<NaiveDateTime>,
    pub free: i64,
}

impl Default for Failures {
    fn default() -> Self {
        Failures {
            count: 0,
            latest: None,
            free: FREE_FAILURES,
        }
    }
}

/// The client a login attempt is counted against: an IPv4 address as it
/// is, an IPv6 address as its /64 (`2001:db8:1:2::/64`), since anyone
/// gets a whole /64 from any provider. An IPv4 address written as IPv6
/// (`::ffff:203.0.113.9`) is that IPv4 address. Anything that is not an
/// address is kept as it is.
pub fn client_group(ip: &str) -> String {
    match ip.parse::<IpAddr>().map(|a| a.to_canonical()) {
        Ok(IpAddr::V6(v6)) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            format!("{}/64", std::net::Ipv6Addr::from(prefix))
        }
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => ip.to_owned(),
    }
}

/// How long `count` failures lock logins out, from the latest failure,
/// where `free` are allowed.
pub fn wait_for(count: i64, free: i64) -> Option<Duration> {
    if count < free {
        return None;
    }
    let doublings = (count - free).min(12) as u32;
    let secs = (BASE_WAIT_SECS * 2_i64.pow(doublings)).min(MAX_WAIT_SECS);
    Some(Duration::seconds(secs))
}

/// Whole seconds (rounded up) before another login may be tried, if any.
pub fn retry_after(groups: &[Failures], now: NaiveDateTime) -> Option<u64> {
    groups
        .iter()
        .filter_map(|f| {
            let until = f.latest? + wait_for(f.count, f.free)?;
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
        assert_eq!(wait_for(4, 5), None);
        assert_eq!(wait_for(5, 5), Some(Duration::seconds(60)));
        assert_eq!(wait_for(6, 5), Some(Duration::seconds(120)));
        assert_eq!(wait_for(10, 5), Some(Duration::seconds(1920)));
        assert_eq!(wait_for(11, 5), Some(Duration::seconds(3600)));
        assert_eq!(wait_for(500, 5), Some(Duration::seconds(3600)));
        assert_eq!(wait_for(9, 10), None);
        assert_eq!(wait_for(10, 10), Some(Duration::seconds(60)));
    }

    #[test]
    fn retry_after_counts_from_the_latest_failure_and_takes_the_longest() {
        let email = Failures {
            count: 5,
            latest: Some(at(0)),
            free: FREE_FAILURES,
        };
        let ip = Failures {
            count: 6,
            latest: Some(at(0)),
            free: FREE_FAILURES,
        };
        let client = Failures {
            count: 6,
            latest: Some(at(0)),
            free: FREE_CLIENT_FAILURES,
        };
        assert_eq!(retry_after(&[email], at(0)), Some(60));
        assert_eq!(retry_after(&[email], at(59)), Some(1));
        assert_eq!(retry_after(&[email], at(60)), None);
        assert_eq!(retry_after(&[email, ip], at(10)), Some(110));
        assert_eq!(retry_after(&[Failures::default()], at(0)), None);
        assert_eq!(retry_after(&[client], at(0)), None);
    }

    #[test]
    fn ipv6_clients_are_their_64_and_ipv4_clients_their_address() {
        assert_eq!(client_group("203.0.113.9"), "203.0.113.9");
        assert_eq!(client_group("::ffff:203.0.113.9"), "203.0.113.9");
        assert_eq!(client_group("2001:db8:1:2::a"), "2001:db8:1:2::/64");
        assert_eq!(
            client_group("2001:db8:1:2:ffff:ffff:ffff:ffff"),
            "2001:db8:1:2::/64"
        );
        assert_eq!(client_group("2001:db8:1:3::a"), "2001:db8:1:3::/64");
        assert_eq!(client_group("::1"), "::/64");
        assert_eq!(client_group(""), "");
    }
}
