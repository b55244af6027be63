//! Most read: article views counted first-hand.
//!
//! - A view is a GET of an article page answered 200 or 304, from the page
//!   cache or freshly rendered, for a reader: a browser's `User-Agent`
//!   (`Mozilla/...`), not a prefetch, and none of the words crawlers, feed
//!   readers, link previews, monitors and scripts name themselves by
//!   ([`is_reader`]). No cookie is set and no address is kept: the count
//!   is all there is.
//! - Each server counts in memory and adds its counts to `article_views`
//!   every minute, one upsert per article viewed ([`Readership::flush`]),
//!   so servers sharing a database add up, and a restart loses nothing:
//!   the server flushes once more as it stops.
//! - After each flush the server reads the ranking of the last 24 hours.
//!   When it changed, only the pages that show the box are rendered
//!   again ([`Freshness::side_changed`]); everything else stays cached.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use actix_web::http::header::{self, HeaderMap, HeaderName};
use actix_web::http::Method;
use chrono::NaiveDateTime;

use crate::db::articles::{self, Card};
use crate::db::{article_views, ConnectionManager, DatabaseUrl, DbConn};
use crate::page_cache::{Freshness, Stamp};

/// How often a server adds its counts to the database and reads the
/// ranking again: the most the box lags.
pub const FLUSH_EVERY: Duration = Duration::from_secs(60);
/// Articles ranked: the box shows the visible ones among them.
pub const RANKED: i64 = 12;
/// Articles the box shows.
pub const SHOWN: usize = 5;
/// The ranking's window.
pub const WINDOW_HOURS: i64 = 24;

/// Words in a `User-Agent` that mark a program rather than a reader
/// (compared in lower case).
const NOT_READERS: [&str; 22] = [
    "bot",
    "crawl",
    "spider",
    "slurp",
    "fetch",
    "preview",
    "monitor",
    "check",
    "feed",
    "rss",
    "archive",
    "headless",
    "lighthouse",
    "externalhit",
    "python",
    "curl",
    "wget",
    "http-client",
    "httpclient",
    "okhttp",
    "java/",
    "go-http",
];

/// Whether a request for an article page comes from a reader: a GET
/// with a browser's `User-Agent` naming no program, and not a prefetch.
pub fn is_reader(method: &Method, headers: &HeaderMap) -> bool {
    if *method != Method::GET {
        return false;
    }
    // Named once: a name given as text is parsed on each lookup.
    static PREFETCH_HINTS: [HeaderName; 3] = [
        HeaderName::from_static("sec-purpose"),
        HeaderName::from_static("purpose"),
        HeaderName::from_static("x-moz"),
    ];
    let prefetch = PREFETCH_HINTS.iter().any(|name| {
        headers.get(name).is_some_and(|v| {
            v.as_bytes()
                .windows(8)
                .any(|w| w.eq_ignore_ascii_case(b"prefetch"))
        })
    });
    if prefetch {
        return false;
    }
    let Some(agent) = headers.get(header::USER_AGENT).map(|v| v.as_bytes()) else {
        return false;
    };
    if !agent.starts_with(b"Mozilla/") || agent.len() > MAX_AGENT {
        return false;
    }
    // Lower case on the stack: this runs on every hit of an article page.
    let mut lower = [0u8; MAX_AGENT];
    let lower = &mut lower[..agent.len()];
    for (l, a) in lower.iter_mut().zip(agent) {
        *l = a.to_ascii_lowercase();
    }
    let Ok(lower) = std::str::from_utf8(lower) else {
        return false;
    };
    !NOT_READERS.iter().any(|word| lower.contains(word))
}

/// The longest `User-Agent` a reader's browser sends, with room to spare.
const MAX_AGENT: usize = 512;

/// The views counted since the last flush, and the current ranking.
#[derive(Debug, Default)]
pub struct Readership {
    tally: Mutex<HashMap<i32, i32>>,
    ranking: RwLock<Arc<[i32]>>,
    shown: Mutex<Option<Shown>>,
}

/// The box's cards as last read, the same on every page until the content
/// or the ranking changes: an uncached article page would otherwise read
/// and decode a dozen full cards only to show five.
#[derive(Debug)]
struct Shown {
    ranking: Arc<[i32]>,
    stamp: Stamp,
    cards: Arc<[Arc<Card>]>,
}

impl Readership {
    pub fn new() -> Arc<Readership> {
        Arc::new(Readership::default())
    }

    /// Counts one view of `article`.
    pub fn count(&self, article: i32) {
        let mut tally = self.tally.lock().unwrap_or_else(|e| e.into_inner());
        let views = tally.entry(article).or_insert(0);
        *views = views.saturating_add(1);
    }

    /// The ids of the most read articles of the last day, most first, as
    /// last read from the database.
    pub fn ranking(&self) -> Arc<[i32]> {
        self.ranking
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The box's cards: the visible articles among the ranked ones, most
    /// read first, leaving out `except` (the page's own article). One
    /// query when the content or the ranking changed since the last call
    /// (as `freshness` tells), none otherwise. The cards are shared with
    /// every page that shows them until then, not copied per page.
    pub fn cards(
        &self,
        conn: &mut DbConn,
        now: NaiveDateTime,
        except: Option<i32>,
        freshness: &Freshness,
    ) -> diesel::QueryResult<Vec<Arc<Card>>> {
        let ranking = self.ranking();
        if ranking.is_empty() {
            return Ok(Vec::new());
        }
        let kept = self
            .shown()
            .as_ref()
            .filter(|s| Arc::ptr_eq(&s.ranking, &ranking) && freshness.still_current(&s.stamp))
            .map(|s| s.cards.clone());
        let all = match kept {
            Some(cards) => cards,
            None => {
                // The stamp is taken before the read: a change committed
                // during it makes the next call read again.
                let stamp = freshness.stamp();
                let cards: Arc<[Arc<Card>]> = articles::cards_by_ids(conn, &ranking, now)?
                    .into_iter()
                    .map(Arc::new)
                    .collect();
                *self.shown() = Some(Shown {
                    ranking,
                    stamp,
                    cards: cards.clone(),
                });
                cards
            }
        };
        Ok(all
            .iter()
            .filter(|card| Some(card.article.id) != except)
            .take(SHOWN)
            .cloned()
            .collect())
    }

    fn shown(&self) -> std::sync::MutexGuard<'_, Option<Shown>> {
        // Plain data: a panic elsewhere cannot leave it half-written.
        self.shown.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds the views counted so far to the hour of `now`, then reads the
    /// ranking again; true when it changed. When the database cannot take
    /// them, the counts are kept for the next flush.
    pub fn flush(&self, conn: &mut DbConn, now: NaiveDateTime) -> diesel::QueryResult<bool> {
        let counts: Vec<(i32, i32)> = {
            let mut tally = self.tally.lock().unwrap_or_else(|e| e.into_inner());
            tally.drain().collect()
        };
        if !counts.is_empty() {
            if let Err(error) = article_views::add(conn, article_views::hour_of(now), &counts) {
                let mut tally = self.tally.lock().unwrap_or_else(|e| e.into_inner());
                for (article, views) in counts {
                    let kept = tally.entry(article).or_insert(0);
                    *kept = kept.saturating_add(views);
                }
                return Err(error);
            }
        }
        let since = article_views::hour_of(now) - chrono::Duration::hours(WINDOW_HOURS);
        let ids = article_views::most_viewed(conn, since, RANKED)?;
        let mut ranking = self.ranking.write().unwrap_or_else(|e| e.into_inner());
        if ranking[..] == ids[..] {
            return Ok(false);
        }
        *ranking = ids.into();
        Ok(true)
    }

    /// Flushes over `conn`, and when the ranking changed, moves the pages
    /// that show it on. An error is logged (the counts wait for the next
    /// flush) and returned.
    pub fn flush_logged(&self, conn: &mut DbConn, freshness: &Freshness) -> Result<(), String> {
        match self.flush(conn, crate::domain::clock::now()) {
            Ok(true) => {
                freshness.side_changed();
                Ok(())
            }
            Ok(false) => Ok(()),
            Err(error) => {
                tracing::warn!(%error, "most read: cannot save the views counted; keeping them for the next try");
                Err(error.to_string())
            }
        }
    }

    /// Reads the ranking now, then flushes every `every` on a thread of
    /// its own, with a connection of its own (not one of the pool's, so
    /// it never takes a request's turn), which it opens again after an
    /// error. The thread ends soon after the server's state is gone.
    pub fn start(
        self: &Arc<Self>,
        url: DatabaseUrl,
        freshness: &Arc<Freshness>,
        every: Duration,
    ) -> std::io::Result<()> {
        let manager = ConnectionManager::new(url);
        let mut conn = manager.establish().ok();
        if let Some(c) = conn.as_mut() {
            let _ = self.flush_logged(c, freshness);
        }
        let me: Weak<Readership> = Arc::downgrade(self);
        let freshness = Arc::downgrade(freshness);
        let tick = every.min(Duration::from_millis(200));
        std::thread::Builder::new()
            .name("most-read".to_owned())
            .spawn(move || {
                let mut last = Instant::now();
                loop {
                    std::thread::sleep(tick);
                    let (Some(me), Some(fresh)) = (me.upgrade(), freshness.upgrade()) else {
                        return;
                    };
                    if last.elapsed() < every {
                        continue;
                    }
                    last = Instant::now();
                    if conn.is_none() {
                        conn = manager
                            .establish()
                            .map_err(
                                |error| tracing::warn!(%error, "most read: no database connection"),
                            )
                            .ok();
                    }
                    if let Some(c) = conn.as_mut() {
                        if me.flush_logged(c, &fresh).is_err() {
                            conn = None;
                        }
                    }
                }
            })
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

    #[test]
    fn browsers_are_readers_and_programs_are_not() {
        assert!(is_reader(
            &Method::GET,
            &headers(&[("user-agent", FIREFOX)])
        ));
        for program in [
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; bingbot/2.0)",
            "facebookexternalhit/1.1",
            "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0",
            "curl/8.5.0",
            "Feedly/1.0",
            "",
        ] {
            let mut map = HeaderMap::new();
            map.insert(header::USER_AGENT, HeaderValue::from_str(program).unwrap());
            assert!(
                !is_reader(&Method::GET, &map),
                "{program:?} is not a reader"
            );
        }
        assert!(!is_reader(&Method::GET, &HeaderMap::new()), "no User-Agent");
        assert!(!is_reader(
            &Method::HEAD,
            &headers(&[("user-agent", FIREFOX)])
        ));
        assert!(!is_reader(
            &Method::GET,
            &headers(&[("user-agent", FIREFOX), ("sec-purpose", "prefetch")])
        ));
    }

    #[test]
    fn counts_add_up_per_article() {
        let readership = Readership::new();
        readership.count(3);
        readership.count(3);
        readership.count(9);
        let tally = readership.tally.lock().unwrap();
        assert_eq!(tally.get(&3), Some(&2));
        assert_eq!(tally.get(&9), Some(&1));
    }
}
