//! The page cache: public pages, feeds and sitemaps kept in memory, each
//! rendered once together with its gzip and brotli forms, so that a hit
//! touches neither the database nor the templates.
//!
//! Freshness is exact rather than timed. Every entry remembers the
//! *generation* it was rendered in and the moment the visibility rule
//! would next change its answer (a scheduled article coming due). Any
//! change to the content bumps the generation, which makes every older
//! entry a miss (kept, until the budget pushes it out, as the stale copy
//! served while the database is away); [`changes`] notices changes made by this process, by
//! other processes on the same database, and by the command line.
//!
//! Memory is bounded by a byte budget with least-recently-used eviction,
//! and many readers missing one page at once wait for one render.

pub mod changes;
pub mod http;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use actix_web::http::header::{HeaderName, HeaderValue, VARY};
use actix_web::web::Bytes;
use chrono::NaiveDateTime;
use tokio::sync::watch;

/// The default budget: enough for the hot pages of a busy day (about
/// 30 KB an article with its two compressed forms), small enough that
/// the whole process stays within 64 MB under a spike.
pub const DEFAULT_BUDGET_MB: u32 = 16;

/// Hits after which a kept page's compressed forms are made again at the
/// codings' best compression (brotli quality 11, gzip level 9), off the
/// async workers: a render compresses quickly, as the first reader waits
/// for it; a page read this often is worth the smallest bytes.
pub const POLISH_AFTER: u32 = 8;

/// One rendered response, in every coding it is served in.
#[derive(Debug)]
pub struct Entry {
    /// Headers to send with every coding (content type, cache control,
    /// ETag, Last-Modified, the security headers, and `Vary` when it has
    /// compressed forms).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub identity: Bytes,
    pub gzip: Option<Bytes>,
    pub brotli: Option<Bytes>,
    /// The (weak) ETag, shared by the codings of one document.
    pub etag: String,
    /// The article the page shows, whose views are counted.
    pub article: Option<i32>,
    generation: u64,
    /// The generation of the parts shown apart from the content (the
    /// most-read box) the page was rendered with; `None` when it shows
    /// none.
    side: Option<u64>,
    /// Milliseconds since the epoch after which the entry is stale.
    valid_until: i64,
    /// Milliseconds since the epoch of the next expiry known when it was
    /// rendered: from then on it is not even served as a stale copy, as
    /// it may show an article that has left the site.
    withdraw_at: i64,
    /// Hits since it was stored, counted up to [`POLISH_AFTER`].
    hits: AtomicU32,
    /// Its compressed forms are being made again at best compression, or
    /// were ([`Self::polished`]).
    polishing: AtomicBool,
    /// Its compressed forms are at the codings' best compression.
    polished: bool,
}

impl Entry {
    pub fn new(
        headers: Vec<(HeaderName, HeaderValue)>,
        identity: Bytes,
        gzip: Option<Bytes>,
        brotli: Option<Bytes>,
        etag: String,
        freshness: Stamp,
        marks: Marks,
    ) -> Entry {
        let mut headers = headers;
        if gzip.is_some() || brotli.is_some() {
            headers.push((VARY, HeaderValue::from_static("Accept-Encoding")));
        }
        Entry {
            headers,
            identity,
            gzip,
            brotli,
            etag,
            article: marks.article,
            generation: freshness.generation,
            side: marks.ranked.then_some(freshness.side),
            valid_until: freshness.valid_until,
            withdraw_at: freshness.withdraw_at,
            hits: AtomicU32::new(0),
            polishing: AtomicBool::new(false),
            polished: false,
        }
    }

    /// Counts a hit; `true` once it is read often enough that its
    /// compressed forms should be made again at best compression, and
    /// nobody is doing that yet. The caller then either calls
    /// [`PageCache::polish`] or, when it cannot now, [`Self::not_polished`].
    pub fn hit(&self) -> bool {
        if self.polished || (self.gzip.is_none() && self.brotli.is_none()) {
            return false;
        }
        let hits = self.hits.load(Ordering::Relaxed);
        if hits < POLISH_AFTER {
            self.hits.store(hits + 1, Ordering::Relaxed);
            return false;
        }
        self.polishing
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
    }

    /// The polish claimed by [`Self::hit`] did not happen; a later hit
    /// may claim it again.
    pub fn not_polished(&self) {
        self.polishing.store(false, Ordering::Release);
    }

    /// Whether its compressed forms are at best compression.
    pub fn polished(&self) -> bool {
        self.polished
    }

    /// A copy with the compressed forms made again at best compression
    /// (each kept only where it is the smaller).
    pub fn with_best_compression(&self, gzip: Option<Bytes>, brotli: Option<Bytes>) -> Entry {
        fn smaller(new: Option<Bytes>, old: &Option<Bytes>) -> Option<Bytes> {
            match (new, old) {
                (Some(new), Some(old)) if new.len() >= old.len() => Some(old.clone()),
                (Some(new), _) => Some(new),
                (None, old) => old.clone(),
            }
        }
        Entry {
            headers: self.headers.clone(),
            identity: self.identity.clone(),
            gzip: smaller(gzip, &self.gzip),
            brotli: smaller(brotli, &self.brotli),
            etag: self.etag.clone(),
            article: self.article,
            generation: self.generation,
            side: self.side,
            valid_until: self.valid_until,
            withdraw_at: self.withdraw_at,
            hits: AtomicU32::new(POLISH_AFTER),
            polishing: AtomicBool::new(true),
            polished: true,
        }
    }

    /// Bytes the entry holds, counted against the budget.
    fn size(&self, key: &str) -> usize {
        let headers: usize = self
            .headers
            .iter()
            .map(|(n, v)| n.as_str().len() + v.len() + 32)
            .sum();
        key.len()
            + headers
            + self.identity.len()
            + self.gzip.as_ref().map_or(0, Bytes::len)
            + self.brotli.as_ref().map_or(0, Bytes::len)
            + self.etag.len()
            + 256
    }
}

/// What a render started under: the generation, the side generation and
/// the next moment the public content changes by itself.
#[derive(Debug, Clone, Copy)]
pub struct Stamp {
    generation: u64,
    side: u64,
    valid_until: i64,
    withdraw_at: i64,
}

/// The header a handler names its page's article in, for the count of
/// views; the middleware takes it off before anything is sent.
pub const ARTICLE_MARK: &str = "x-iconocast-article";
/// The header a handler sets on a page that shows the most-read box; the
/// middleware takes it off before anything is sent.
pub const RANKED_MARK: &str = "x-iconocast-ranked";

/// What a handler tells the cache about its page, in the two headers
/// above.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Marks {
    /// The article shown (an article page).
    pub article: Option<i32>,
    /// Whether the page shows the most-read box, which changes apart
    /// from the content.
    pub ranked: bool,
}

impl Marks {
    /// Takes the marks off a handler's response.
    pub fn take(headers: &mut actix_web::http::header::HeaderMap) -> Marks {
        let article = headers
            .remove(ARTICLE_MARK)
            .next()
            .and_then(|v| v.to_str().ok()?.parse().ok());
        let ranked = headers.remove(RANKED_MARK).next().is_some();
        Marks { article, ranked }
    }
}

/// When the content last changed, as far as this process knows. Shared
/// by the cache and the watchers in [`changes`].
#[derive(Debug)]
pub struct Freshness {
    generation: AtomicU64,
    /// Milliseconds since the epoch of the next scheduled change of what
    /// the public sees; `i64::MAX` when none is known.
    next_due: AtomicI64,
    /// Milliseconds since the epoch of the next expiry of an article;
    /// `i64::MAX` when none is known.
    next_expiry: AtomicI64,
    /// The change counter as last read (`content_changes` on SQLite, its
    /// sequence on PostgreSQL), by the watcher or after a form post.
    version: AtomicI64,
    /// Rounds the watcher has completed: each one has seen every change
    /// committed before it began.
    rounds: AtomicU64,
    /// Moves when what pages show apart from the content changes (the
    /// most-read ranking): only entries marked as showing it go stale.
    side: AtomicU64,
}

impl Freshness {
    fn new() -> Freshness {
        Freshness {
            generation: AtomicU64::new(1),
            next_due: AtomicI64::new(i64::MAX),
            next_expiry: AtomicI64::new(i64::MAX),
            version: AtomicI64::new(0),
            rounds: AtomicU64::new(0),
            side: AtomicU64::new(1),
        }
    }

    /// Takes the generation, then the due time: [`Self::changed`] stores
    /// them in the opposite order, so a render that sees a new generation
    /// also sees the due time computed with it.
    pub fn stamp(&self) -> Stamp {
        let generation = self.generation.load(Ordering::SeqCst);
        let side = self.side.load(Ordering::SeqCst);
        let valid_until = self.next_due.load(Ordering::SeqCst);
        let withdraw_at = self.next_expiry.load(Ordering::SeqCst);
        Stamp {
            generation,
            side,
            valid_until,
            withdraw_at,
        }
    }

    /// Records a change of content: `next_due` is when the visibility
    /// rule will next change its answer, read after the change. The next
    /// expiry stays as last known.
    pub fn changed(&self, next_due: Option<NaiveDateTime>) {
        let due = next_due.map_or(i64::MAX, |at| at.and_utc().timestamp_millis());
        self.next_due.store(due, Ordering::SeqCst);
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// [`Self::changed`], knowing also when the next article expires:
    /// pages rendered from now on are not served stale after that.
    pub fn changed_until_expiry(
        &self,
        next_due: Option<NaiveDateTime>,
        next_expiry: Option<NaiveDateTime>,
    ) {
        let expiry = next_expiry.map_or(i64::MAX, |at| at.and_utc().timestamp_millis());
        self.next_expiry.store(expiry, Ordering::SeqCst);
        self.changed(next_due);
    }

    /// Records the change counter just read; true if it moved.
    pub fn counter_moved(&self, version: i64) -> bool {
        self.version.swap(version, Ordering::SeqCst) != version
    }

    /// Records a change when the database cannot say what is due next:
    /// entries then live one second at most, until the watcher knows.
    pub fn changed_unknown(&self) {
        self.changed(Some(
            chrono::Utc::now().naive_utc() + chrono::Duration::seconds(1),
        ));
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Whether what was read under `stamp` is what a read now would give:
    /// nothing changed since and nothing scheduled has come due.
    pub fn still_current(&self, stamp: &Stamp) -> bool {
        stamp.generation == self.generation() && now_millis() < stamp.valid_until
    }

    /// Records a change of what pages show apart from the content (the
    /// most-read ranking): the pages marked as showing it are rendered
    /// again, every other entry stays current.
    pub fn side_changed(&self) {
        self.side.fetch_add(1, Ordering::SeqCst);
    }

    /// How many rounds the change watcher has completed. Two more rounds
    /// than now means every change committed by now has been seen.
    pub fn watcher_rounds(&self) -> u64 {
        self.rounds.load(Ordering::SeqCst)
    }
}

/// Counters for the operator (and the tests).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub hits: u64,
    pub misses: u64,
    pub evictions: u64,
    pub entries: usize,
    pub bytes: usize,
}

struct Store {
    entries: lru::LruCache<String, Arc<Entry>>,
    bytes: usize,
    stats: Stats,
}

/// A render in progress: readers of the same key wait for its result.
/// `Some(None)` means the response was not cacheable.
type Flight = watch::Receiver<Option<Option<Arc<Entry>>>>;

pub struct PageCache {
    budget: usize,
    store: Mutex<Store>,
    in_flight: Mutex<HashMap<String, Flight>>,
    freshness: Arc<Freshness>,
}

/// What a reader gets when looking a key up.
pub enum Lookup {
    Hit(Arc<Entry>),
    /// Nobody is rendering it: the caller renders, then calls
    /// [`Leader::finish`] so that readers who arrived meanwhile get it.
    Lead(Leader),
    /// Someone else is rendering it: wait with [`PageCache::wait`].
    Follow(Flight),
}

/// The right, and the duty, to render a missing page. Dropping it
/// without finishing (the request was cancelled) lets the waiting
/// readers render for themselves.
pub struct Leader {
    cache: Arc<PageCache>,
    key: String,
    stamp: Stamp,
    sender: watch::Sender<Option<Option<Arc<Entry>>>>,
}

impl Leader {
    pub fn stamp(&self) -> Stamp {
        self.stamp
    }

    /// The key being rendered.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Stores the rendered entry (if cacheable) and hands it to waiters.
    pub fn finish(self, entry: Option<Arc<Entry>>) {
        if let Some(entry) = &entry {
            self.cache.insert(&self.key, entry.clone());
        }
        let _ = self.sender.send(Some(entry));
    }
}

impl Drop for Leader {
    fn drop(&mut self) {
        self.cache.flights().remove(&self.key);
    }
}

fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl PageCache {
    /// A cache of at most `budget` bytes; 0 turns it off.
    pub fn new(budget: usize) -> Arc<PageCache> {
        Arc::new(PageCache {
            budget,
            store: Mutex::new(Store {
                entries: lru::LruCache::unbounded(),
                bytes: 0,
                stats: Stats::default(),
            }),
            in_flight: Mutex::new(HashMap::new()),
            freshness: Arc::new(Freshness::new()),
        })
    }

    pub fn enabled(&self) -> bool {
        self.budget > 0
    }

    pub fn freshness(&self) -> &Arc<Freshness> {
        &self.freshness
    }

    /// The freshness a render starting now is stamped with.
    pub fn stamp(&self) -> Stamp {
        self.freshness.stamp()
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock leaves plain data behind; the
        // cache stays usable.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn flights(&self) -> MutexGuard<'_, HashMap<String, Flight>> {
        self.in_flight.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The entry for `key` if it is current: rendered in this generation
    /// and before the next scheduled change. An out-of-date entry stays
    /// where it is, as the stale copy [`Self::stale`] hands out while the
    /// database is away, until a fresh render replaces it or the budget
    /// pushes it out.
    fn get(&self, key: &str) -> Option<Arc<Entry>> {
        let current = self.freshness.generation();
        let side = self.freshness.side.load(Ordering::SeqCst);
        let now = now_millis();
        let mut store = self.store();
        let found = match store.entries.get(key) {
            Some(e)
                if e.generation == current
                    && e.side.is_none_or(|s| s == side)
                    && e.valid_until > now =>
            {
                Some(e.clone())
            }
            _ => None,
        };
        match found {
            Some(entry) => {
                store.stats.hits += 1;
                Some(entry)
            }
            None => {
                store.stats.misses += 1;
                None
            }
        }
    }

    /// Looks `key` up; on a miss, either leads its render or follows one.
    pub fn lookup(self: &Arc<Self>, key: &str) -> Lookup {
        if let Some(entry) = self.get(key) {
            return Lookup::Hit(entry);
        }
        let mut flights = self.flights();
        if let Some(flight) = flights.get(key) {
            return Lookup::Follow(flight.clone());
        }
        let (sender, receiver) = watch::channel(None);
        flights.insert(key.to_owned(), receiver);
        drop(flights);
        Lookup::Lead(Leader {
            cache: self.clone(),
            key: key.to_owned(),
            stamp: self.stamp(),
            sender,
        })
    }

    /// Waits for another reader's render: its entry, or `None` when it
    /// was not cacheable or was abandoned (render it yourself then).
    pub async fn wait(mut flight: Flight) -> Option<Arc<Entry>> {
        match flight.wait_for(Option::is_some).await {
            Ok(result) => result.clone().flatten(),
            Err(_) => None,
        }
    }

    fn insert(&self, key: &str, entry: Arc<Entry>) {
        let size = entry.size(key);
        // One page may take at most an eighth of the budget, so a few
        // huge sitemaps cannot push out every article.
        if size > self.budget / 8 {
            return;
        }
        let mut store = self.store();
        if entry.generation != self.freshness.generation() {
            return;
        }
        if let Some(old) = store.entries.put(key.to_owned(), entry) {
            store.bytes -= old.size(key);
        }
        store.bytes += size;
        while store.bytes > self.budget {
            match store.entries.pop_lru() {
                Some((k, old)) => {
                    store.bytes -= old.size(&k);
                    store.stats.evictions += 1;
                }
                None => break,
            }
        }
    }

    /// Puts `polished` in place of `old` under `key`, unless `old` has
    /// been replaced or evicted meanwhile (then a newer render, or none,
    /// is what belongs there).
    pub fn polish(&self, key: &str, old: &Arc<Entry>, polished: Entry) {
        let mut store = self.store();
        if !store.entries.peek(key).is_some_and(|e| Arc::ptr_eq(e, old)) {
            return;
        }
        let size = polished.size(key);
        if let Some(replaced) = store.entries.put(key.to_owned(), Arc::new(polished)) {
            store.bytes -= replaced.size(key);
        }
        store.bytes += size;
    }

    /// The last entry rendered for `key`, however old: what a reader gets,
    /// marked stale, when the page cannot be rendered because the
    /// database is away. Not one rendered before an article's expiry that
    /// has since passed: it may show what has left the site for good.
    pub fn stale(&self, key: &str) -> Option<Arc<Entry>> {
        if !self.enabled() {
            return None;
        }
        let entry = self.store().entries.peek(key).cloned()?;
        (now_millis() < entry.withdraw_at).then_some(entry)
    }

    /// Drops the entry for `key`: the page now answers something that is
    /// not kept (gone, moved, private), so no stale copy of it may be
    /// served later either.
    pub fn forget(&self, key: &str) {
        let mut store = self.store();
        if let Some(old) = store.entries.pop(key) {
            store.bytes -= old.size(key);
        }
    }

    pub fn stats(&self) -> Stats {
        let store = self.store();
        Stats {
            entries: store.entries.len(),
            bytes: store.bytes,
            ..store.stats
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(cache: &PageCache, body: &str) -> Arc<Entry> {
        entry_with(cache, body, Marks::default())
    }

    fn entry_with(cache: &PageCache, body: &str, marks: Marks) -> Arc<Entry> {
        Arc::new(Entry::new(
            Vec::new(),
            Bytes::copy_from_slice(body.as_bytes()),
            None,
            None,
            "W/\"x\"".to_owned(),
            cache.stamp(),
            marks,
        ))
    }

    fn fill(cache: &Arc<PageCache>, key: &str, body: &str) {
        fill_with(cache, key, body, Marks::default());
    }

    fn fill_with(cache: &Arc<PageCache>, key: &str, body: &str, marks: Marks) {
        match cache.lookup(key) {
            Lookup::Lead(leader) => leader.finish(Some(entry_with(cache, body, marks))),
            _ => panic!("{key} should be a miss with nobody rendering it"),
        }
    }

    #[test]
    fn a_new_ranking_stales_only_the_pages_that_show_it() {
        let cache = PageCache::new(1 << 20);
        let ranked = Marks {
            article: Some(7),
            ranked: true,
        };
        fill_with(&cache, "/sport/a-story", "with the box", ranked);
        fill(&cache, "/sport", "a listing");
        cache.freshness().side_changed();
        assert!(
            matches!(cache.lookup("/sport/a-story"), Lookup::Lead(_)),
            "a page showing the most-read box is rendered again"
        );
        assert!(
            matches!(cache.lookup("/sport"), Lookup::Hit(_)),
            "a page without it stays cached"
        );
        fill_with(&cache, "/sport/a-story", "new box", ranked);
        match cache.lookup("/sport/a-story") {
            Lookup::Hit(e) => assert_eq!(e.article, Some(7)),
            _ => panic!("the page rendered with the new ranking is current"),
        }
    }

    #[test]
    fn no_stale_copy_is_served_past_an_expiry_known_when_it_was_rendered() {
        let cache = PageCache::new(1 << 20);
        let soon = chrono::Utc::now().naive_utc() + chrono::Duration::milliseconds(50);
        cache.freshness().changed_until_expiry(None, Some(soon));
        fill(&cache, "/sport", "with an article that expires");
        assert!(cache.stale("/sport").is_some(), "before the expiry");
        std::thread::sleep(std::time::Duration::from_millis(80));
        assert!(cache.stale("/sport").is_none(), "past it");
        // Rendered after it, with no expiry to come: served stale again.
        cache.freshness().changed_until_expiry(None, None);
        fill(&cache, "/sport", "without it");
        assert!(cache.stale("/sport").is_some());
    }

    fn compressed_entry(cache: &PageCache, body: &str) -> Arc<Entry> {
        Arc::new(Entry::new(
            Vec::new(),
            Bytes::copy_from_slice(body.as_bytes()),
            Some(Bytes::from_static(b"gzip, quickly")),
            Some(Bytes::from_static(b"brotli, quickly")),
            "W/\"x\"".to_owned(),
            cache.stamp(),
            Marks::default(),
        ))
    }

    fn lead(cache: &Arc<PageCache>, key: &str, entry: Arc<Entry>) {
        match cache.lookup(key) {
            Lookup::Lead(leader) => leader.finish(Some(entry)),
            _ => panic!("{key} should be a miss with nobody rendering it"),
        }
    }

    #[test]
    fn a_much_read_entry_is_claimed_for_best_compression_once_at_a_time() {
        let cache = PageCache::new(1 << 20);
        let entry = compressed_entry(&cache, "a page");
        for n in 0..POLISH_AFTER {
            assert!(!entry.hit(), "hit {n} is too early to polish");
        }
        assert!(entry.hit(), "the hit after POLISH_AFTER claims the polish");
        assert!(!entry.hit(), "a claimed polish is not claimed twice");
        entry.not_polished();
        assert!(entry.hit(), "a polish that could not run is claimed again");
        let plain = entry_with(&cache, "a page with no compressed forms", Marks::default());
        for _ in 0..2 * POLISH_AFTER {
            assert!(!plain.hit(), "nothing to polish without compressed forms");
        }
    }

    #[test]
    fn a_polished_entry_takes_the_place_of_its_own_render_only() {
        let cache = PageCache::new(1 << 20);
        let first = compressed_entry(&cache, "a page");
        lead(&cache, "/a", first.clone());
        let smaller = Some(Bytes::from_static(b"br"));
        let bigger = Some(Bytes::from_static(b"gzip, at length, made worse"));
        cache.polish("/a", &first, first.with_best_compression(bigger, smaller));
        let Lookup::Hit(polished) = cache.lookup("/a") else {
            panic!("the polished entry should be a hit");
        };
        assert!(polished.polished() && !polished.hit());
        assert_eq!(polished.brotli.as_deref(), Some(&b"br"[..]));
        assert_eq!(
            polished.gzip.as_deref(),
            Some(&b"gzip, quickly"[..]),
            "a form that came out bigger keeps the old one"
        );
        assert_eq!(polished.identity, first.identity);
        assert_eq!(cache.stats().bytes, polished.size("/a"));

        // A polish finishing after a newer render must not bring the old
        // document back.
        cache.freshness().changed(None);
        let newer = compressed_entry(&cache, "the page, changed");
        lead(&cache, "/a", newer);
        cache.polish("/a", &first, first.with_best_compression(None, None));
        let Lookup::Hit(now) = cache.lookup("/a") else {
            panic!("the newer render should be a hit");
        };
        assert_eq!(&now.identity[..], b"the page, changed");
    }

    #[test]
    fn a_change_of_content_empties_the_cache() {
        let cache = PageCache::new(1 << 20);
        fill(&cache, "/sport", "old");
        assert!(matches!(cache.lookup("/sport"), Lookup::Hit(_)));
        cache.freshness().changed(None);
        assert!(matches!(cache.lookup("/sport"), Lookup::Lead(_)));
    }

    #[test]
    fn an_entry_rendered_before_a_change_is_not_stored() {
        let cache = PageCache::new(1 << 20);
        let Lookup::Lead(leader) = cache.lookup("/") else {
            panic!("a miss")
        };
        let stale = entry(&cache, "rendered from old rows");
        cache.freshness().changed(None);
        leader.finish(Some(stale));
        assert!(matches!(cache.lookup("/"), Lookup::Lead(_)));
    }

    #[test]
    fn entries_expire_when_a_scheduled_article_comes_due() {
        let cache = PageCache::new(1 << 20);
        let due = chrono::Utc::now().naive_utc() + chrono::Duration::milliseconds(50);
        cache.freshness().changed(Some(due));
        fill(&cache, "/health", "before");
        assert!(matches!(cache.lookup("/health"), Lookup::Hit(_)));
        std::thread::sleep(std::time::Duration::from_millis(80));
        assert!(matches!(cache.lookup("/health"), Lookup::Lead(_)));
    }

    #[test]
    fn the_budget_evicts_the_least_recently_used() {
        let body = "x".repeat(1000);
        // Entries of about 1.3 KB: nine fit in 12,000 bytes, and none is
        // over the eighth of the budget that one page may take.
        let cache = PageCache::new(12_000);
        for key in ["/a", "/b", "/c", "/d", "/e", "/f", "/g", "/h", "/i"] {
            fill(&cache, key, &body);
        }
        assert_eq!(cache.stats().evictions, 0);
        assert!(matches!(cache.lookup("/a"), Lookup::Hit(_)));
        for key in ["/j", "/k"] {
            fill(&cache, key, &body);
        }
        let stats = cache.stats();
        assert!(stats.bytes <= 12_000, "{stats:?}");
        assert_eq!(stats.evictions, 2, "{stats:?}");
        assert!(
            matches!(cache.lookup("/a"), Lookup::Hit(_)),
            "recently used"
        );
        assert!(matches!(cache.lookup("/b"), Lookup::Lead(_)), "evicted");
        assert!(matches!(cache.lookup("/c"), Lookup::Lead(_)), "evicted");
        assert!(matches!(cache.lookup("/d"), Lookup::Hit(_)), "kept");
    }

    #[test]
    fn a_page_over_an_eighth_of_the_budget_is_not_kept() {
        let cache = PageCache::new(8_000);
        fill(&cache, "/sitemaps/articles-1.xml", &"x".repeat(2_000));
        assert_eq!(cache.stats().entries, 0);
    }

    #[test]
    fn readers_of_a_page_being_rendered_wait_for_it() {
        let cache = PageCache::new(1 << 20);
        let Lookup::Lead(leader) = cache.lookup("/tag/ai") else {
            panic!("a miss")
        };
        let Lookup::Follow(flight) = cache.lookup("/tag/ai") else {
            panic!("the second reader should wait for the first")
        };
        leader.finish(Some(entry(&cache, "rendered once")));
        let got = futures_util::FutureExt::now_or_never(PageCache::wait(flight))
            .flatten()
            .expect("the waiter gets the leader's entry");
        assert_eq!(&got.identity[..], b"rendered once");
    }

    #[test]
    fn an_abandoned_render_releases_its_waiters() {
        let cache = PageCache::new(1 << 20);
        let Lookup::Lead(leader) = cache.lookup("/about") else {
            panic!("a miss")
        };
        let Lookup::Follow(flight) = cache.lookup("/about") else {
            panic!("a follower")
        };
        drop(leader);
        assert!(
            futures_util::FutureExt::now_or_never(PageCache::wait(flight))
                .expect("ready")
                .is_none()
        );
        assert!(matches!(cache.lookup("/about"), Lookup::Lead(_)));
    }
}
