//! Telling the world on publish: WebSub hubs and IndexNow.
//!
//! Off unless configured (`--websub-hub`, `--indexnow-key`). A thread of
//! its own looks every [`POLL`] for articles whose public face changed
//! since it last looked (`db::pings::changed_since`: published, saved
//! while public, unpublished, a scheduled one come due, or one gone at
//! its expiry), whoever
//! changed them: this server, another one, or the command line. For each
//! batch it
//!
//! - tells every WebSub hub that the feeds carrying them changed (the
//!   site's and each area's, in the three formats): one `hub.mode=publish`
//!   POST per hub, with a `hub.url` per feed;
//! - sends IndexNow the articles' addresses in one JSON POST, with the key
//!   the site serves at `/{key}.txt`.
//!
//! A failed ping (no answer within [`TIMEOUT`], a 5xx or a 429) is tried
//! again after 1, 2, 4... times `retry_base`, [`ATTEMPTS`] times in all,
//! then dropped with a warning. Nothing here runs inside a request: a save
//! never waits for a hub, and a hub that is down costs it nothing.
//!
//! Each server pings what it sees from the moment it starts; servers
//! sharing a database all see every change, so configure the pings on one
//! of them.

use std::collections::VecDeque;
use std::sync::Weak;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use crate::db::{pings, Database};
use crate::domain::feed_urls;

/// How often the thread looks for changes.
pub const POLL: Duration = Duration::from_secs(2);
/// How long a hub may take to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Tries of one ping, the first included.
pub const ATTEMPTS: u32 = 5;
/// The wait before the first retry, doubled each time after.
pub const RETRY_BASE: Duration = Duration::from_secs(2);
/// IndexNow's shared endpoint (it passes the URLs on to every engine).
pub const INDEXNOW_ENDPOINT: &str = "https://api.indexnow.org/indexnow";
/// Articles announced in one batch at most.
const BATCH: i64 = 500;

/// Where to send the pings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PingSettings {
    /// WebSub hubs (absolute URLs), named in every feed as `rel="hub"`.
    pub hubs: Vec<String>,
    /// The IndexNow key; `None` sends no IndexNow pings.
    pub indexnow_key: Option<String>,
    pub indexnow_endpoint: String,
    /// The wait before the first retry.
    pub retry_base: Duration,
}

impl PingSettings {
    pub fn enabled(&self) -> bool {
        !self.hubs.is_empty() || self.indexnow_key.is_some()
    }
}

/// Whether `key` is a key IndexNow accepts: 8 to 128 of `a-z`, `A-Z`,
/// `0-9` and `-`.
pub fn valid_indexnow_key(key: &str) -> bool {
    (8..=128).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// One request to send, and its tries so far.
#[derive(Debug, Clone)]
struct Ping {
    url: String,
    body: Body,
    attempts: u32,
    due: Instant,
}

#[derive(Debug, Clone)]
enum Body {
    Form(Vec<(String, String)>),
    Json(serde_json::Value),
}

/// The requests announcing `changed`.
fn pings_for(settings: &PingSettings, base_url: &str, changed: &[pings::Changed]) -> Vec<Ping> {
    let now = Instant::now();
    let mut out = Vec::new();
    if !settings.hubs.is_empty() {
        let mut topics: Vec<String> = feed_urls(base_url, "").into();
        for c in changed {
            for area in &c.areas {
                for topic in feed_urls(base_url, area) {
                    if !topics.contains(&topic) {
                        topics.push(topic);
                    }
                }
            }
        }
        for hub in &settings.hubs {
            let mut form = vec![("hub.mode".to_owned(), "publish".to_owned())];
            form.extend(topics.iter().map(|t| ("hub.url".to_owned(), t.clone())));
            out.push(Ping {
                url: hub.clone(),
                body: Body::Form(form),
                attempts: 0,
                due: now,
            });
        }
    }
    if let Some(key) = &settings.indexnow_key {
        let host = url::Url::parse(base_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        let urls: Vec<String> = changed
            .iter()
            .map(|c| format!("{base_url}{}", c.path))
            .collect();
        out.push(Ping {
            url: settings.indexnow_endpoint.clone(),
            body: Body::Json(serde_json::json!({
                "host": host,
                "key": key,
                "keyLocation": format!("{base_url}/{key}.txt"),
                "urlList": urls,
            })),
            attempts: 0,
            due: now,
        });
    }
    out
}

/// What came of one try.
enum Sent {
    Done,
    Retry(String),
    GiveUp(String),
}

fn send(agent: &ureq::Agent, ping: &Ping) -> Sent {
    let request = agent.post(&ping.url);
    let result = match &ping.body {
        Body::Form(form) => request.send_form(form.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
        Body::Json(value) => request
            .header("content-type", "application/json; charset=utf-8")
            .send(value.to_string()),
    };
    match result {
        Ok(res) if res.status().is_success() => Sent::Done,
        Ok(res) => {
            let status = res.status().as_u16();
            if status == 429 || status >= 500 {
                Sent::Retry(format!("answered {status}"))
            } else {
                Sent::GiveUp(format!("answered {status}"))
            }
        }
        Err(error) => Sent::Retry(error.to_string()),
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .user_agent(concat!("iconocast/", env!("CARGO_PKG_VERSION")))
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .provider(ureq::tls::TlsProvider::NativeTls)
                .root_certs(ureq::tls::RootCerts::PlatformVerifier)
                .build(),
        )
        .build()
        .into()
}

/// Starts the thread when pings are configured; it ends soon after
/// `alive` is gone (the server's state).
pub fn start<T: Send + Sync + 'static>(
    settings: PingSettings,
    base_url: String,
    db: Database,
    alive: Weak<T>,
) -> std::io::Result<()> {
    if !settings.enabled() {
        return Ok(());
    }
    std::thread::Builder::new()
        .name("publish-pings".to_owned())
        .spawn(move || run(&settings, &base_url, &db, &alive))
        .map(drop)
}

fn run<T>(settings: &PingSettings, base_url: &str, db: &Database, alive: &Weak<T>) {
    let agent = agent();
    let mut mark: NaiveDateTime = crate::domain::clock::now();
    let mut queue: VecDeque<Ping> = VecDeque::new();
    let mut last_look = Instant::now();
    let tick = POLL
        .min(settings.retry_base)
        .min(Duration::from_millis(200));
    loop {
        std::thread::sleep(tick);
        if alive.strong_count() == 0 {
            return;
        }
        if last_look.elapsed() >= POLL {
            last_look = Instant::now();
            let now = crate::domain::clock::now();
            let found = db.get().map_err(|e| e.to_string()).and_then(|mut conn| {
                pings::changed_since(&mut conn, mark, now, BATCH).map_err(|e| e.to_string())
            });
            match found {
                Ok(changed) if !changed.is_empty() => {
                    mark = changed.iter().map(|c| c.at).max().unwrap_or(mark);
                    tracing::info!(
                        articles = changed.len(),
                        "publish pings: announcing changes"
                    );
                    queue.extend(pings_for(settings, base_url, &changed));
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "publish pings: cannot read the changes"),
            }
        }
        let now = Instant::now();
        for _ in 0..queue.len() {
            let Some(mut ping) = queue.pop_front() else {
                break;
            };
            if ping.due > now {
                queue.push_back(ping);
                continue;
            }
            ping.attempts += 1;
            match send(&agent, &ping) {
                Sent::Done => {}
                Sent::Retry(why) if ping.attempts < ATTEMPTS => {
                    let wait = settings.retry_base * 2u32.pow(ping.attempts - 1);
                    tracing::info!(url = %ping.url, %why, attempt = ping.attempts, "publish ping failed; trying again");
                    ping.due = Instant::now() + wait;
                    queue.push_back(ping);
                }
                Sent::Retry(why) | Sent::GiveUp(why) => {
                    tracing::warn!(url = %ping.url, %why, attempts = ping.attempts, "publish ping dropped");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexnow_keys_are_8_to_128_letters_digits_or_dashes() {
        assert!(valid_indexnow_key("abcd1234"));
        assert!(valid_indexnow_key(&"a-".repeat(64)));
        assert!(!valid_indexnow_key("short"));
        assert!(!valid_indexnow_key("has space in it"));
        assert!(!valid_indexnow_key("../../etc/passwd"));
        assert!(!valid_indexnow_key(&"a".repeat(129)));
    }

    #[test]
    fn one_batch_names_every_feed_carrying_the_articles_once() {
        let settings = PingSettings {
            hubs: vec!["http://hub.example/".to_owned()],
            indexnow_key: Some("abcd1234".to_owned()),
            indexnow_endpoint: "http://engine.example/indexnow".to_owned(),
            retry_base: RETRY_BASE,
        };
        let at = chrono::DateTime::UNIX_EPOCH.naive_utc();
        let changed = [
            pings::Changed {
                path: "/sport/a".to_owned(),
                areas: vec!["/sport".to_owned(), "/author/wren".to_owned()],
                at,
            },
            pings::Changed {
                path: "/sport/b".to_owned(),
                areas: vec!["/sport".to_owned(), "/tag/oars".to_owned()],
                at,
            },
        ];
        let pings = pings_for(&settings, "https://news.example", &changed);
        assert_eq!(pings.len(), 2);
        let Body::Form(form) = &pings[0].body else {
            panic!("a form to the hub")
        };
        let topics: Vec<&str> = form
            .iter()
            .filter(|(k, _)| k == "hub.url")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(topics.len(), 12, "{topics:?}");
        assert!(topics.contains(&"https://news.example/feed.xml"));
        assert!(topics.contains(&"https://news.example/sport/atom.xml"));
        assert!(topics.contains(&"https://news.example/tag/oars/feed.json"));
        let Body::Json(json) = &pings[1].body else {
            panic!("JSON to IndexNow")
        };
        assert_eq!(json["host"], "news.example");
        assert_eq!(json["keyLocation"], "https://news.example/abcd1234.txt");
        assert_eq!(
            json["urlList"],
            serde_json::json!([
                "https://news.example/sport/a",
                "https://news.example/sport/b"
            ])
        );
    }
}
