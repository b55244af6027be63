//! Publish pings: WebSub hubs and IndexNow hear of published articles,
//! from a thread of their own, with retries; a hub that is down or hangs
//! costs a save nothing; nothing is sent unless configured.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use iconocast::domain::Role;
use iconocast::pings::PingSettings;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::editor::{self, Form};
use crate::helpers::{backend_test, now, spawn_app, spawn_app_with, Backend};

const KEY: &str = "iconocast-test-key";

/// A request the stand-in hub received: its path and body.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    content_type: String,
    body: String,
}

/// What the stand-in answers.
#[derive(Debug, Clone, Copy)]
enum Behaviour {
    /// `failures` answers of 503, then 204s.
    FailFirst(usize),
    /// Reads the request and never answers.
    Hang,
}

/// A small HTTP server on loopback that records what it is sent: the
/// stand-in for a WebSub hub or the IndexNow endpoint.
struct StandIn {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl StandIn {
    async fn start(behaviour: Behaviour) -> StandIn {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hub", listener.local_addr().expect("addr"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        tokio::spawn(async move {
            let mut answered = 0;
            while let Ok((mut socket, _)) = listener.accept().await {
                let Some(request) = read_request(&mut socket).await else {
                    continue;
                };
                log.lock().expect("log").push(request);
                let status = match behaviour {
                    Behaviour::Hang => {
                        // Keep the connection open, answer nothing.
                        tokio::spawn(async move {
                            tokio::time::sleep(Duration::from_secs(60)).await;
                            drop(socket);
                        });
                        continue;
                    }
                    Behaviour::FailFirst(n) if answered < n => "503 Service Unavailable",
                    Behaviour::FailFirst(_) => "204 No Content",
                };
                answered += 1;
                let reply =
                    format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                let _ = socket.write_all(reply.as_bytes()).await;
            }
        });
        StandIn { url, received }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().expect("log").clone()
    }

    /// Waits (15 s at most) until `n` requests have come.
    async fn until(&self, n: usize, what: &str) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "{what}: {} request(s) after 15 s: {got:?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Reads one request: the head, then `Content-Length` bytes of body.
async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Received> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        let n = socket.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_string();
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
            })
            .unwrap_or_default()
    };
    let length: usize = header("content-length").parse().unwrap_or(0);
    while data.len() < head_end + length {
        let n = socket.read(&mut buf).await.ok()?;
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
    }
    let path = head.split(' ').nth(1).unwrap_or_default().to_owned();
    Some(Received {
        path,
        content_type: header("content-type"),
        body: String::from_utf8_lossy(&data[head_end..]).to_string(),
    })
}

/// The `hub.url` values of a hub's form, decoded.
fn topics(form: &str) -> Vec<String> {
    url::form_urlencoded::parse(form.as_bytes())
        .filter(|(k, _)| k == "hub.url")
        .map(|(_, v)| v.into_owned())
        .collect()
}

backend_test!(
    async fn a_publish_reaches_the_hubs_and_indexnow_and_a_failing_hub_is_tried_again(
        backend: Backend,
    ) {
        let hub = StandIn::start(Behaviour::FailFirst(1)).await;
        let engine = StandIn::start(Behaviour::FailFirst(0)).await;
        let settings = PingSettings {
            hubs: vec![hub.url.clone()],
            indexnow_key: Some(KEY.to_owned()),
            indexnow_endpoint: engine.url.clone(),
            retry_base: Duration::from_millis(100),
        };
        let app = spawn_app_with(&backend, move |s| s.pings = settings).await;
        let a = &app.address;

        // The key file, and only it.
        let key = app.get(&format!("/{KEY}.txt")).await;
        assert_eq!((key.status, key.body.as_str()), (200, KEY));
        assert_eq!(app.get("/not-our-key.txt").await.status, 404);
        // Feeds name the hub.
        let rss = app.get("/feed.xml").await.body;
        assert!(
            rss.contains(&format!("<atom:link href=\"{}\" rel=\"hub\"/>", hub.url)),
            "{rss}"
        );
        let json: serde_json::Value =
            serde_json::from_str(&app.get("/feed.json").await.body).expect("JSON");
        assert_eq!(json["hubs"][0]["url"], hub.url.as_str());
        assert!(hub.received().is_empty(), "nothing changed yet");

        let desk = app.category("Harbour Desk");
        app.article("Ferry timetable changes")
            .in_category(&desk)
            .tags(&["Ferries"])
            .published_hours_ago(0)
            .create();
        let article = format!("{a}/{}/ferry-timetable-changes", desk.slug);

        // The hub answered 503 once: the ping came again.
        let got = hub.until(2, "the hub").await;
        assert_eq!(got[0].path, "/hub");
        assert_eq!(got[0].body, got[1].body, "the same ping, tried again");
        assert_eq!(got[1].content_type, "application/x-www-form-urlencoded");
        assert!(got[1].body.contains("hub.mode=publish"));
        let topics = topics(&got[1].body);
        for feed in [
            format!("{a}/feed.xml"),
            format!("{a}/atom.xml"),
            format!("{a}/feed.json"),
            format!("{a}/{}/feed.xml", desk.slug),
            format!("{a}/tag/ferries/atom.xml"),
        ] {
            assert!(topics.contains(&feed), "{feed} in {topics:?}");
        }

        let got = engine.until(1, "IndexNow").await;
        assert!(got[0].content_type.starts_with("application/json"));
        let sent: serde_json::Value = serde_json::from_str(&got[0].body).expect("JSON");
        assert_eq!(sent["key"], KEY);
        assert_eq!(sent["host"], "127.0.0.1");
        assert_eq!(sent["keyLocation"], format!("{a}/{KEY}.txt"));
        assert_eq!(sent["urlList"], serde_json::json!([article]));
    }
);

backend_test!(
    async fn a_hub_that_never_answers_costs_a_save_nothing_and_nothing_is_sent_unconfigured(
        backend: Backend,
    ) {
        let hub = StandIn::start(Behaviour::Hang).await;
        let settings = PingSettings {
            hubs: vec![hub.url.clone()],
            indexnow_key: None,
            indexnow_endpoint: String::new(),
            retry_base: Duration::from_millis(100),
        };
        let app = spawn_app_with(&backend, move |s| s.pings = settings).await;
        let ed = editor::staff(&app, "ed@example.com", Role::Editor).await;
        let first = Form::new(&app, "Harbour relay returns");
        editor::create(&first, &ed, "publish").await;
        hub.until(1, "the hanging hub").await;
        // The hub holds the ping open; the next save goes through anyway.
        let second = Form::new(&app, "Lighthouse keepers retire");
        editor::create(&second, &ed, "publish").await;
        let desk = format!("/{}", app.desk().slug);
        let listing = app.get(&desk).await.body;
        assert!(
            listing.contains("Harbour relay returns")
                && listing.contains("Lighthouse keepers retire")
        );

        // Unconfigured: no hub in the feeds, no key file.
        let plain = spawn_app(&backend).await;
        assert!(!plain.get("/feed.xml").await.body.contains("rel=\"hub\""));
        assert_eq!(plain.get(&format!("/{KEY}.txt")).await.status, 404);
    }
);

backend_test!(
    async fn an_article_leaving_at_its_expiry_is_announced_with_no_save(backend: Backend) {
        let engine = StandIn::start(Behaviour::FailFirst(0)).await;
        let settings = PingSettings {
            hubs: Vec::new(),
            indexnow_key: Some(KEY.to_owned()),
            indexnow_endpoint: engine.url.clone(),
            retry_base: Duration::from_millis(100),
        };
        let app = spawn_app_with(&backend, move |s| s.pings = settings).await;
        let desk = app.category("Wire Desk");
        let expires = now() + chrono::Duration::seconds(4);
        app.article("Licensed match report")
            .in_category(&desk)
            .published_hours_ago(0)
            .expires(expires)
            .create();
        let article = format!("{}/{}/licensed-match-report", app.address, desk.slug);
        let url_list = |got: &Received| -> serde_json::Value {
            serde_json::from_str::<serde_json::Value>(&got.body).expect("JSON")["urlList"].clone()
        };

        let got = engine.until(1, "IndexNow, on publish").await;
        assert_eq!(url_list(&got[0]), serde_json::json!([article]));
        // Nobody saves it again: its expiry alone is the change.
        let got = engine.until(2, "IndexNow, at the expiry").await;
        assert!(now() >= expires, "announced before its expiry");
        assert_eq!(url_list(&got[1]), serde_json::json!([article]));
        let gone = app
            .get(&format!("/{}/licensed-match-report", desk.slug))
            .await;
        assert_eq!(gone.status, 410);
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(engine.received().len(), 2, "announced once at its expiry");
    }
);
