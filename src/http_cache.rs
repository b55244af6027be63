//! The vocabulary of HTTP caching shared by the page cache and the
//! handlers: a weak ETag derived from the body, `Last-Modified` from the
//! content, when a client's copy is current (304), and the default
//! `Cache-Control` that lets caches serve a page briefly and refresh it in
//! the background.

use actix_web::http::header::{self, HeaderMap, HeaderValue};
use chrono::{DateTime, Datelike, NaiveDateTime, Utc};

use crate::encoding::{self, Coding};

/// Cache-Control for public pages, feeds and sitemaps.
pub const PAGE_CACHE: &str = "public, max-age=60, stale-while-revalidate=600";

/// A 64-bit hash of the body, eight bytes at a time (FNV-1a's mixing over
/// words): cheap next to rendering, and any change of content changes it.
/// Four words are mixed side by side in four lanes, folded together at
/// the end: one lane waits on each multiplication before the next, and
/// took four times as long over a page.
fn body_hash(bytes: &[u8]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    fn mix(hash: u64, word: &[u8]) -> u64 {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let hash = (hash ^ u64::from_le_bytes(w)).wrapping_mul(PRIME);
        hash ^ (hash >> 29)
    }
    let seed: u64 = 0xcbf2_9ce4_8422_2325 ^ bytes.len() as u64;
    let mut lanes = [
        seed,
        seed.rotate_left(16),
        seed.rotate_left(32),
        seed.rotate_left(48),
    ];
    let mut blocks = bytes.chunks_exact(32);
    for block in &mut blocks {
        for (lane, word) in lanes.iter_mut().zip(block.chunks_exact(8)) {
            *lane = mix(*lane, word);
        }
    }
    let mut hash = lanes
        .iter()
        .fold(seed, |hash, lane| mix(hash, &lane.to_le_bytes()));
    let mut words = blocks.remainder().chunks_exact(8);
    for word in &mut words {
        hash = mix(hash, word);
    }
    for b in words.remainder() {
        hash = (hash ^ u64::from(*b)).wrapping_mul(PRIME);
    }
    hash
}

/// The weak ETag of a body. Weak, because the gzip and brotli forms of
/// one document share it.
pub fn etag_of(bytes: &[u8]) -> String {
    format!("W/\"{:016x}\"", body_hash(bytes))
}

/// `Last-Modified` in HTTP date format.
pub fn http_date(at: NaiveDateTime) -> String {
    // httpdate writes the fixed form without a pattern to parse per call,
    // for the years 1970 to 9999; chrono writes any other.
    match u64::try_from(at.and_utc().timestamp()) {
        Ok(secs) if at.year() <= 9999 => {
            httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
        }
        _ => at.and_utc().format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
    }
}

fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(value.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    let weak = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    if_none_match.trim() == "*" || if_none_match.split(',').any(|t| weak(t) == weak(etag))
}

/// What a request says about the copy its client holds, and the codings
/// it accepts: the few headers a response depends on, taken before the
/// request is handed on.
#[derive(Debug, Default, Clone)]
pub struct Conditions {
    if_none_match: Option<HeaderValue>,
    if_modified_since: Option<HeaderValue>,
    accept_encoding: Option<HeaderValue>,
}

impl Conditions {
    pub fn of(headers: &HeaderMap) -> Conditions {
        Conditions {
            if_none_match: headers.get(header::IF_NONE_MATCH).cloned(),
            if_modified_since: headers.get(header::IF_MODIFIED_SINCE).cloned(),
            accept_encoding: headers.get(header::ACCEPT_ENCODING).cloned(),
        }
    }

    /// Whether the client's copy is current, per RFC 9110: `If-None-Match`
    /// decides when present, else `If-Modified-Since` against `Last-Modified`.
    pub fn not_modified(&self, etag: &str, last_modified: Option<&HeaderValue>) -> bool {
        if let Some(inm) = self.if_none_match.as_ref().and_then(|v| v.to_str().ok()) {
            return etag_matches(inm, etag);
        }
        // Most requests carry no condition: no date is parsed for them.
        let Some(since) = self
            .if_modified_since
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .and_then(parse_http_date)
        else {
            return false;
        };
        last_modified
            .and_then(|v| v.to_str().ok())
            .and_then(parse_http_date)
            .is_some_and(|modified| modified <= since)
    }

    /// The coding to answer in, among those on offer.
    pub fn coding(&self, gzip: bool, brotli: bool) -> Coding {
        encoding::negotiate(self.accept_encoding.as_ref(), gzip, brotli)
    }

    /// The coding for a body compressed for this client alone
    /// ([`encoding::for_one_client`]).
    pub fn coding_for_one(&self) -> Coding {
        encoding::for_one_client(self.accept_encoding.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn http_dates_round_trip() {
        let at = NaiveDate::from_ymd_opt(2026, 11, 27)
            .and_then(|d| d.and_hms_opt(8, 15, 0))
            .expect("a date");
        let text = http_date(at);
        assert_eq!(text, "Fri, 27 Nov 2026 08:15:00 GMT");
        assert_eq!(parse_http_date(&text).map(|d| d.naive_utc()), Some(at));
        // Written as chrono writes them, on both sides of httpdate's range.
        for (y, m, d) in [
            (1969, 12, 31),
            (1970, 1, 1),
            (2000, 2, 29),
            (9999, 12, 31),
            (10000, 1, 1),
        ] {
            let at = NaiveDate::from_ymd_opt(y, m, d)
                .and_then(|d| d.and_hms_opt(23, 59, 58))
                .expect("a date");
            let chrono = at.and_utc().format("%a, %d %b %Y %H:%M:%S GMT").to_string();
            assert_eq!(http_date(at), chrono);
        }
    }

    #[test]
    fn any_change_of_the_body_changes_the_etag() {
        let page = "<p>The harbour reopened this morning.</p>".repeat(40);
        // Whole blocks of 32 bytes; then words and bytes left over.
        for body in [page.clone(), format!("{page}<p>Ferries.</p>")] {
            let tags: std::collections::HashSet<String> = (0..body.len())
                .map(|i| {
                    let mut changed = body.clone().into_bytes();
                    changed[i] ^= 1;
                    etag_of(&changed)
                })
                .collect();
            assert_eq!(tags.len(), body.len(), "every one-bit change is seen");
            assert!(!tags.contains(&etag_of(body.as_bytes())));
        }
        // Two words swapped within a block, and two blocks swapped.
        let swapped = format!("{}{}", &page[8..16], &page[..8]) + &page[16..];
        assert_ne!(etag_of(page.as_bytes()), etag_of(swapped.as_bytes()));
        let blocks = format!("{}{}{}", &page[32..64], &page[..32], &page[64..]);
        assert_ne!(etag_of(page.as_bytes()), etag_of(blocks.as_bytes()));
        assert_ne!(etag_of(b"ab"), etag_of(b"ab\0"));
    }

    #[test]
    fn weak_and_strong_etags_compare_by_value() {
        assert!(etag_matches("W/\"abc\"", "W/\"abc\""));
        assert!(etag_matches("\"x\", \"abc\"", "W/\"abc\""));
        assert!(etag_matches("*", "W/\"abc\""));
        assert!(!etag_matches("\"abd\"", "W/\"abc\""));
    }
}
