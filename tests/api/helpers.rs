//! Starting the real server on a random port with a fresh database, and
//! [`backend_test!`], which runs a test once on SQLite and once on
//! PostgreSQL (the server `TEST_DATABASE_URL` names).

use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{Duration, NaiveDateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use iconocast::db::articles::ArticleInput;
use iconocast::db::models::NewCategory;
use iconocast::db::{categories, users, Database, DatabaseUrl, DbConn};
use iconocast::domain::{ArticleKind, ArticleStatus, DatedNote, Email, NoteKind, Role, SourceKind};
use iconocast::newsroom::articles;
use iconocast::startup::{Application, Settings};
use scraper::{Html, Selector};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A name no other test (in this run or a parallel one) uses.
pub fn unique_name(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = Utc::now().timestamp_subsec_nanos();
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    /// The server URL from `TEST_DATABASE_URL`; each test makes its own
    /// database on it.
    Postgres(String),
}

impl Backend {
    /// The PostgreSQL server `TEST_DATABASE_URL` names.
    pub fn postgres() -> Backend {
        Backend::Postgres(postgres_server_url())
    }
}

/// The PostgreSQL server URL from `TEST_DATABASE_URL`. A test that runs on
/// PostgreSQL fails when the variable is unset, empty or not a
/// postgres:// URL; it is never skipped once asked for (the build marks
/// the PostgreSQL tests ignored when the variable is unset, see
/// `build.rs`).
pub fn postgres_server_url() -> String {
    let url = std::env::var("TEST_DATABASE_URL").unwrap_or_default();
    assert!(
        !url.trim().is_empty(),
        "TEST_DATABASE_URL is not set; the PostgreSQL tests need a server, \
         e.g. postgres://postgres@127.0.0.1:5432/postgres"
    );
    assert!(
        url.starts_with("postgres://") || url.starts_with("postgresql://"),
        "TEST_DATABASE_URL must be a postgres:// URL, got {url}"
    );
    url
}

/// One test per backend from one body: `backend_test!(async fn name(backend:
/// Backend) { ... })` makes the tests `name::sqlite` and `name::postgres`,
/// so a failure on one backend never hides what the other says. The
/// PostgreSQL test is ignored, with the reason, unless the build saw
/// `TEST_DATABASE_URL` (the `postgres_tests` cfg from `build.rs`). A
/// leading `#[ignore = "..."]` (after the doc comment) ignores both, with
/// that reason when PostgreSQL is configured. A plain `fn` makes `#[test]`s.
macro_rules! backend_test {
    (
        $(#[doc = $doc:literal])*
        #[ignore = $reason:literal]
        async fn $name:ident($backend:ident: $backend_type:ty $(,)?) $body:block
    ) => {
        $(#[doc = $doc])*
        async fn $name($backend: $backend_type) $body

        mod $name {
            #[tokio::test]
            #[ignore = $reason]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await;
            }

            #[tokio::test]
            #[cfg_attr(postgres_tests, ignore = $reason)]
            #[cfg_attr(
                not(postgres_tests),
                ignore = "set TEST_DATABASE_URL to run on PostgreSQL"
            )]
            async fn postgres() {
                super::$name($crate::helpers::Backend::postgres()).await;
            }
        }
    };
    (
        $(#[doc = $doc:literal])*
        async fn $name:ident($backend:ident: $backend_type:ty $(,)?) $body:block
    ) => {
        $(#[doc = $doc])*
        async fn $name($backend: $backend_type) $body

        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await;
            }

            #[tokio::test]
            #[cfg_attr(
                not(postgres_tests),
                ignore = "set TEST_DATABASE_URL to run on PostgreSQL"
            )]
            async fn postgres() {
                super::$name($crate::helpers::Backend::postgres()).await;
            }
        }
    };
    (
        $(#[doc = $doc:literal])*
        fn $name:ident($backend:ident: $backend_type:ty $(,)?) $body:block
    ) => {
        $(#[doc = $doc])*
        fn $name($backend: $backend_type) $body

        mod $name {
            #[test]
            fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite);
            }

            #[test]
            #[cfg_attr(
                not(postgres_tests),
                ignore = "set TEST_DATABASE_URL to run on PostgreSQL"
            )]
            fn postgres() {
                super::$name($crate::helpers::Backend::postgres());
            }
        }
    };
}
pub(crate) use backend_test;

/// A fresh, empty database; dropped (PostgreSQL) or deleted (SQLite) when
/// this value is dropped.
pub struct TestDatabase {
    pub url: DatabaseUrl,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    PgDatabase { admin_url: String, name: String },
}

impl TestDatabase {
    pub fn create(backend: &Backend) -> TestDatabase {
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join("iconocast-tests");
                std::fs::create_dir_all(&dir).expect("temp dir");
                let path = dir.join(format!("{}.db", unique_name("t")));
                TestDatabase {
                    url: DatabaseUrl::Sqlite(path.clone()),
                    cleanup: Cleanup::File(path),
                }
            }
            Backend::Postgres(admin_url) => {
                let name = unique_name("iconocast_test");
                let mut admin = PgConnection::establish(admin_url).unwrap_or_else(|e| {
                    panic!("TEST_DATABASE_URL {admin_url} is not reachable: {e}")
                });
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create the test database");
                let mut url = url::Url::parse(admin_url).expect("TEST_DATABASE_URL parses");
                url.set_path(&name);
                TestDatabase {
                    url: DatabaseUrl::Postgres(url.to_string()),
                    cleanup: Cleanup::PgDatabase {
                        admin_url: admin_url.clone(),
                        name,
                    },
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
            Cleanup::PgDatabase { admin_url, name } => {
                if let Ok(mut admin) = PgConnection::establish(admin_url) {
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

pub struct TestApp {
    pub address: String,
    /// Where `/metrics` is served, when the test asked for it
    /// (`metrics_bind`).
    pub metrics_address: Option<String>,
    pub client: reqwest::Client,
    pub db: Database,
    /// The server's page cache.
    pub pages: std::sync::Arc<iconocast::page_cache::PageCache>,
    /// The server's bounds on search, which a test may lower.
    pub search: std::sync::Arc<iconocast::routes::search::SearchLimits>,
    /// This app's own media folder, removed when the app is dropped.
    pub media: TestMediaDir,
    /// The running server; stopped when the app is dropped.
    server: Option<RunningServer>,
    /// The author of the articles [`TestApp::article`] makes.
    writer: std::sync::OnceLock<i32>,
    /// The category the editor's forms file under ([`TestApp::desk`]).
    desk: std::sync::OnceLock<Category>,
    // Last, so the server's database outlives everything that uses it.
    // `None` for a second server on another app's database.
    _database: Option<TestDatabase>,
}

/// A test server on a thread of its own with its own runtime, so that a
/// dropped [`TestApp`] can wait for its server to stop whatever the test's
/// runtime is doing (a test's runtime ends with the test, and a server
/// left running on it kept its threads and connections until the process
/// exited).
struct RunningServer {
    stop: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    fn start(app: Application) -> RunningServer {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let handle = app.handle();
        let thread = std::thread::Builder::new()
            .name("test-server".to_owned())
            .spawn(move || {
                actix_web::rt::System::new().block_on(async move {
                    actix_web::rt::spawn(async move {
                        // A send or a dropped sender: stop either way.
                        let _ = stopped.await;
                        handle.stop(false).await;
                    });
                    app.run_until_stopped().await
                })
            })
            .expect("start the test server's thread");
        RunningServer { stop, thread }
    }
}

impl Drop for TestApp {
    /// Stops the server and waits for it, then gives its workers a moment
    /// to let go of the app's state, so that the page cache's watcher has
    /// nothing left to watch (and ends) before the database is dropped.
    fn drop(&mut self) {
        let Some(server) = self.server.take() else {
            return;
        };
        let _ = server.stop.send(());
        // A server that failed has nothing left to stop; the test says why.
        let _ = server.thread.join();
        let start = std::time::Instant::now();
        while std::sync::Arc::strong_count(&self.pages) > 1
            && start.elapsed() < std::time::Duration::from_secs(5)
        {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}

/// A media folder of its own for one test app; removed on drop.
pub struct TestMediaDir {
    pub path: std::path::PathBuf,
}

impl TestMediaDir {
    fn create() -> TestMediaDir {
        let path = std::env::temp_dir()
            .join("iconocast-tests")
            .join(unique_name("media"));
        TestMediaDir { path }
    }
}

impl Drop for TestMediaDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// The upload limit test apps run with unless a test asks for another.
pub const TEST_MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// The app with the demo content, on one backend.
pub async fn spawn_app(backend: &Backend) -> TestApp {
    spawn(backend, true, TEST_MAX_UPLOAD_BYTES, &[], DEFAULT_CACHE).await
}

/// The app with the demo content and its settings changed by `tune`
/// (a base URL, a body timeout...).
pub async fn spawn_app_with(backend: &Backend, tune: impl FnOnce(&mut Settings)) -> TestApp {
    let database = TestDatabase::create(backend);
    let url = database.url.clone();
    start_with(
        Some(database),
        url,
        true,
        TEST_MAX_UPLOAD_BYTES,
        &[],
        DEFAULT_CACHE,
        tune,
    )
    .await
}

/// The app with the demo content and an image upload limit of `mb` MB.
pub async fn spawn_app_with_upload_limit(backend: &Backend, mb: usize) -> TestApp {
    spawn(backend, true, mb * 1024 * 1024, &[], DEFAULT_CACHE).await
}

/// The app with the demo content behind a trusted proxy at 127.0.0.1 (the
/// test client), so `X-Forwarded-For` names the client.
pub async fn spawn_app_behind_proxy(backend: &Backend) -> TestApp {
    let local = std::net::IpAddr::from([127, 0, 0, 1]);
    spawn(
        backend,
        true,
        TEST_MAX_UPLOAD_BYTES,
        &[local],
        DEFAULT_CACHE,
    )
    .await
}

/// The page cache budget test apps run with: the server's default.
const DEFAULT_CACHE: usize = iconocast::page_cache::DEFAULT_BUDGET_MB as usize * 1024 * 1024;

/// The app with the demo content and the page cache turned off.
pub async fn spawn_app_without_page_cache(backend: &Backend) -> TestApp {
    spawn(backend, true, TEST_MAX_UPLOAD_BYTES, &[], 0).await
}

/// A second server process's worth of app on `app`'s database, as a
/// second instance behind a load balancer would be: its own pool and its
/// own page cache. The database stays `app`'s to drop.
pub async fn spawn_second_server(app: &TestApp) -> TestApp {
    start(
        None,
        app.db.url.clone(),
        false,
        TEST_MAX_UPLOAD_BYTES,
        &[],
        DEFAULT_CACHE,
    )
    .await
}

async fn spawn(
    backend: &Backend,
    demo: bool,
    max_upload_bytes: usize,
    trusted_proxies: &[std::net::IpAddr],
    page_cache_bytes: usize,
) -> TestApp {
    let database = TestDatabase::create(backend);
    let url = database.url.clone();
    start(
        Some(database),
        url,
        demo,
        max_upload_bytes,
        trusted_proxies,
        page_cache_bytes,
    )
    .await
}

async fn start(
    database: Option<TestDatabase>,
    database_url: DatabaseUrl,
    demo: bool,
    max_upload_bytes: usize,
    trusted_proxies: &[std::net::IpAddr],
    page_cache_bytes: usize,
) -> TestApp {
    start_with(
        database,
        database_url,
        demo,
        max_upload_bytes,
        trusted_proxies,
        page_cache_bytes,
        |_| {},
    )
    .await
}

async fn start_with(
    database: Option<TestDatabase>,
    database_url: DatabaseUrl,
    demo: bool,
    max_upload_bytes: usize,
    trusted_proxies: &[std::net::IpAddr],
    page_cache_bytes: usize,
    tune: impl FnOnce(&mut Settings),
) -> TestApp {
    let media = TestMediaDir::create();
    let mut settings = Settings {
        database_url,
        bind: "127.0.0.1:0".to_owned(),
        base_url: None,
        demo,
        media_dir: media.path.clone(),
        max_upload_bytes,
        max_image_pixels: iconocast::media::MAX_PIXELS,
        demo_pictures: false,
        trusted_proxies: trusted_proxies.to_vec(),
        page_cache_bytes,
        workers: 0,
        body_timeout: iconocast::startup::DEFAULT_BODY_TIMEOUT,
        metrics_bind: None,
        views_flush_every: iconocast::readership::FLUSH_EVERY,
        pings: iconocast::pings::PingSettings::default(),
    };
    tune(&mut settings);
    let app = Application::build(settings)
        .await
        .expect("the application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_address = app
        .metrics_port()
        .map(|port| format!("http://127.0.0.1:{port}"));
    let db = app.database();
    let pages = app.page_cache();
    let search = app.search_limits();
    let server = RunningServer::start(app);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    TestApp {
        address,
        metrics_address,
        client,
        db,
        pages,
        search,
        media,
        server: Some(server),
        writer: std::sync::OnceLock::new(),
        desk: std::sync::OnceLock::new(),
        _database: database,
    }
}

/// A fetched page: status, headers and body.
pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    /// Reads a whole response.
    pub async fn read(res: reqwest::Response) -> Page {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.text().await.expect("body");
        Page {
            status,
            headers,
            body,
        }
    }

    pub fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    /// The trimmed texts of every element matching `selector`.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let sel = Selector::parse(selector).expect("valid selector");
        self.html()
            .select(&sel)
            .map(|e| {
                e.text()
                    .collect::<String>()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    /// The exact text content of every element matching `selector`.
    pub fn texts_raw(&self, selector: &str) -> Vec<String> {
        let sel = Selector::parse(selector).expect("valid selector");
        self.html()
            .select(&sel)
            .map(|e| e.text().collect::<String>())
            .collect()
    }

    /// The values of `attr` on every element matching `selector`.
    pub fn attrs(&self, selector: &str, attr: &str) -> Vec<String> {
        let sel = Selector::parse(selector).expect("valid selector");
        self.html()
            .select(&sel)
            .filter_map(|e| e.value().attr(attr).map(str::to_owned))
            .collect()
    }

    /// The whole `Set-Cookie` header that sets cookie `name`, if any.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }

    /// The value cookie `name` is set to, if this response sets it.
    pub fn cookie_value(&self, name: &str) -> Option<String> {
        let header = self.set_cookie(name)?;
        let pair = header.split(';').next()?;
        pair.split_once('=').map(|(_, v)| v.to_owned())
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> Page {
        self.get_with(path, &[]).await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Page {
        let mut req = self.client.get(format!("{}{path}", self.address));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        Page::read(res).await
    }

    /// Waits until the server's change watcher has seen every change
    /// committed so far (on PostgreSQL a notification of one's own write
    /// arrives a moment later, and empties the cache once more).
    pub async fn settle(&self) {
        let target = self.pages.freshness().watcher_rounds() + 2;
        let start = std::time::Instant::now();
        while self.pages.freshness().watcher_rounds() < target {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(10),
                "the page cache's watcher has stopped"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Runs `f` with a connection of the server's own pool. What `f`
    /// writes is treated as a change made through this server, so its
    /// page cache shows it on the next request (changes made elsewhere
    /// are tested on their own, in `page_cache.rs`).
    pub fn with_conn<T>(&self, f: impl FnOnce(&mut DbConn) -> T) -> T {
        let mut conn = self.db.get().expect("a pooled connection");
        let out = f(&mut conn);
        iconocast::page_cache::changes::refresh(&mut conn, self.pages.freshness());
        out
    }

    pub fn category_id(&self, slug: &str) -> i32 {
        self.with_conn(|c| categories::find_by_slug(c, slug))
            .expect("query")
            .unwrap_or_else(|| panic!("no category {slug}"))
            .id
    }

    pub fn new_category(&self, slug: &str, name: &str) -> i32 {
        self.with_conn(|c| {
            categories::create(
                c,
                &NewCategory {
                    slug,
                    name,
                    tagline: "A category made by a test.",
                    description: "Made by a test.",
                    position: 99,
                    noindex: false,
                },
            )
        })
        .expect("create category")
    }

    /// Who, on what and what was said of the audit entries with `action`,
    /// oldest first.
    pub fn audited(&self, action: &str) -> Vec<(Option<i32>, Option<i32>, String)> {
        use diesel::prelude::*;
        use iconocast::db::schema::audit_log;
        self.with_conn(|c| {
            audit_log::table
                .filter(audit_log::action.eq(action))
                .order(audit_log::id.asc())
                .select((audit_log::user_id, audit_log::target_id, audit_log::detail))
                .load(c)
        })
        .expect("audit entries")
    }

    /// The database URL as `--database-url` takes it, for running the
    /// binary against this app's database.
    pub fn database_url(&self) -> String {
        database_url_arg(&self.db.url)
    }

    /// A staff member with a known password, made through the same db
    /// function `iconocast user add` uses; returns the id.
    pub fn add_staff(&self, email: &str, name: &str, role: Role, password: &str) -> i32 {
        let email = Email::parse(email).expect("a valid email");
        let hash = iconocast::auth::password::hash(password).expect("hash");
        self.with_conn(|c| {
            let slug = users::unique_slug(c, name)?;
            users::create_staff(
                c,
                &users::NewStaff {
                    email: &email,
                    name,
                    role,
                    slug: &slug,
                    password_hash: &hash,
                },
                now(),
            )
        })
        .expect("create staff")
    }

    /// POSTs a form, sending `cookies` as the Cookie header (if not empty).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)], cookies: &str) -> Page {
        let mut req = self
            .client
            .post(format!("{}{path}", self.address))
            .form(fields);
        if !cookies.is_empty() {
            req = req.header("Cookie", cookies);
        }
        let res = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        Page::read(res).await
    }

    /// Signs in through the login form with `password`; returns the
    /// `Cookie` header value that carries the session.
    pub async fn sign_in(&self, email: &str, password: &str) -> String {
        let form = self.get("/admin/login").await;
        let csrf = form
            .cookie_value("iconocast_login_csrf")
            .expect("login CSRF cookie");
        let page = self
            .post_form(
                "/admin/login",
                &[
                    ("email", email),
                    ("password", password),
                    ("csrf_token", &csrf),
                    ("next", "/admin"),
                ],
                &format!("iconocast_login_csrf={csrf}"),
            )
            .await;
        assert_eq!(page.status, 303, "sign in as {email}: {}", page.body);
        let token = page.cookie_value("iconocast_session").expect("session");
        format!("iconocast_session={token}")
    }

    /// GETs a staff page with the session cookie from [`TestApp::sign_in`].
    pub async fn get_as(&self, path: &str, cookie: &str) -> Page {
        self.get_with(path, &[("Cookie", cookie)]).await
    }

    /// The session's CSRF token, read from the form of a staff page.
    pub async fn csrf_token(&self, cookie: &str) -> String {
        let page = self.get_as("/admin", cookie).await;
        assert_eq!(page.status, 200, "{}", page.body);
        page.attrs("input[name=csrf_token]", "value")
            .pop()
            .expect("a csrf_token field on /admin")
    }

    /// A staff member of `role` with [`STAFF_PASSWORD`], signed in.
    pub async fn staff(&self, email: &str, name: &str, role: Role) -> Staff<'_> {
        let id = self.add_staff(email, name, role, STAFF_PASSWORD);
        self.signed_in(id, email, STAFF_PASSWORD).await
    }

    /// Staff member `id` signed in with `password`: the session cookie
    /// and the session's CSRF token.
    pub async fn signed_in(&self, id: i32, email: &str, password: &str) -> Staff<'_> {
        let cookie = self.sign_in(email, password).await;
        self.session(id, cookie).await
    }

    /// Staff member `id` in the session `cookie` carries (a `Cookie`
    /// header value, whatever the cookie's name), with its CSRF token.
    pub async fn session(&self, id: i32, cookie: String) -> Staff<'_> {
        let csrf = self.csrf_token(&cookie).await;
        Staff {
            app: self,
            id,
            cookie,
            csrf,
        }
    }

    /// A category of the test's own named `name`, its slug made from the
    /// name as the admin form makes it ("Rowing & Sculling" is
    /// `rowing-sculling`), so a test needs nothing of the demo's.
    pub fn category(&self, name: &str) -> Category {
        let slug = iconocast::domain::slugify(name);
        let id = self.new_category(&slug, name);
        Category { id, slug }
    }

    /// A writer of the test's own (an author, "Wren Writer"), made on
    /// first use; returns the id.
    pub fn writer(&self) -> i32 {
        *self.writer.get_or_init(|| {
            self.add_staff(
                "wren@example.org",
                "Wren Writer",
                Role::Author,
                STAFF_PASSWORD,
            )
        })
    }

    /// A category of the test's own ("Open Water", `/open-water`), made on
    /// first use: where a test files what it writes when the category
    /// itself is not what it is about.
    pub fn desk(&self) -> &Category {
        self.desk.get_or_init(|| self.category("Open Water"))
    }

    /// A story of the test's own, for a test that needs a public page of
    /// each kind: "A rowing story" at `/rowing/a-rowing-story`, in the
    /// category "Rowing" (`/rowing`), tagged #Oarlock (`/tag/oarlock`),
    /// by [`TestApp::writer`] (`/author/wren-writer`). Returns the
    /// category and the article's id.
    pub fn rowing_story(&self) -> (Category, i32) {
        let rowing = self.category("Rowing");
        let id = self
            .article("A rowing story")
            .in_category(&rowing)
            .tags(&["Oarlock"])
            .create();
        (rowing, id)
    }

    /// An author of the test's own named `name`, with `bio` on their
    /// page, not signed in (their email is their slug at example.org).
    pub fn author(&self, name: &str, bio: &str) -> Author {
        use diesel::prelude::*;
        use iconocast::db::schema::users as user_rows;
        let email = format!("{}@example.org", iconocast::domain::slugify(name));
        let id = self.add_staff(&email, name, Role::Author, STAFF_PASSWORD);
        let slug = self
            .with_conn(|c| {
                diesel::update(user_rows::table.find(id))
                    .set(user_rows::bio.eq(bio))
                    .execute(c)?;
                user_rows::table
                    .find(id)
                    .select(user_rows::slug)
                    .first::<String>(c)
            })
            .expect("the author's bio and slug");
        Author { id, slug }
    }

    /// An article to make: published an hour ago by [`TestApp::writer`],
    /// with two sections, in no category until the test names one.
    pub fn article(&self, title: &str) -> NewArticle<'_> {
        NewArticle {
            app: self,
            input: ArticleInput {
                kind: ArticleKind::News,
                category_id: None,
                slug: iconocast::domain::slugify(title),
                title: title.to_owned(),
                standfirst: format!("The standfirst of {title}."),
                intro: "An opening paragraph.".to_owned(),
                author_id: self.writer(),
                status: ArticleStatus::Published,
                published_at: Some(hours_ago(1)),
                noindex: false,
                sections: vec![
                    (
                        "First things".to_owned(),
                        "The **first** section's words.".to_owned(),
                    ),
                    (
                        "Second thoughts".to_owned(),
                        "The second section's words.".to_owned(),
                    ),
                ],
                tags: Vec::new(),
                expires_at: None,
                source: SourceKind::Staff,
                source_name: String::new(),
                notes: Vec::new(),
                hero: None,
            },
        }
    }

    pub fn create_article(&self, input: ArticleInput) -> i32 {
        self.with_conn(|c| articles::create_unattended(c, &input, now()))
            .expect("create article")
    }
}

/// An author a test made with [`TestApp::author`].
pub struct Author {
    pub id: i32,
    pub slug: String,
}

/// A category a test made with [`TestApp::category`].
pub struct Category {
    pub id: i32,
    pub slug: String,
}

/// An article a test builds with [`TestApp::article`] and then makes with
/// [`NewArticle::create`], through the same create as the editor and the import.
pub struct NewArticle<'a> {
    app: &'a TestApp,
    pub input: ArticleInput,
}

impl NewArticle<'_> {
    pub fn in_category(mut self, category: &Category) -> Self {
        self.input.category_id = Some(category.id);
        self
    }

    /// Written by staff member `author_id` (an [`Author`]'s, a signed-in
    /// [`Staff`]'s) instead of [`TestApp::writer`].
    pub fn by(mut self, author_id: i32) -> Self {
        self.input.author_id = author_id;
        self
    }

    /// A blog post: in no category, under `/blog`.
    pub fn blog(mut self) -> Self {
        self.input.kind = ArticleKind::Blog;
        self.input.category_id = None;
        self
    }

    pub fn slug(mut self, slug: &str) -> Self {
        self.input.slug = slug.to_owned();
        self
    }

    pub fn tags(mut self, tags: &[&str]) -> Self {
        self.input.tags = tags.iter().map(|t| (*t).to_owned()).collect();
        self
    }

    /// Published `hours` ago (an hour ago unless a test says otherwise).
    pub fn published_hours_ago(mut self, hours: i64) -> Self {
        self.input.status = ArticleStatus::Published;
        self.input.published_at = Some(hours_ago(hours));
        self
    }

    /// With `status` and publish time `at`, e.g. a draft, or a scheduled
    /// article whose time has not come.
    pub fn with_status(mut self, status: ArticleStatus, at: Option<NaiveDateTime>) -> Self {
        self.input.status = status;
        self.input.published_at = at;
        self
    }

    /// Leaving the site at `at`.
    pub fn expires(mut self, at: NaiveDateTime) -> Self {
        self.input.expires_at = Some(at);
        self
    }

    /// Credited to a wire service or partner named `name`.
    pub fn source(mut self, kind: SourceKind, name: &str) -> Self {
        self.input.source = kind;
        self.input.source_name = name.to_owned();
        self
    }

    /// With a correction or update made at `at`, as the demo's are.
    pub fn note(mut self, kind: NoteKind, body: &str, at: NaiveDateTime) -> Self {
        self.input.notes.push(DatedNote {
            kind,
            body: body.to_owned(),
            at,
        });
        self
    }

    /// Makes the article; returns its id.
    pub fn create(self) -> i32 {
        self.app.create_article(self.input)
    }
}

/// The password of the staff members [`TestApp::staff`] makes.
pub const STAFF_PASSWORD: &str = "correct horse battery staple";

/// A signed-in staff member: who they are, their session cookie and its
/// CSRF token, and the app they use. Their pages and form posts go
/// through the app's HTTP client, as a browser's would.
pub struct Staff<'a> {
    app: &'a TestApp,
    pub id: i32,
    /// The `Cookie` header value that carries the session.
    pub cookie: String,
    pub csrf: String,
}

impl Staff<'_> {
    /// The app this staff member uses.
    pub fn app(&self) -> &TestApp {
        self.app
    }

    /// GETs a page with this session.
    pub async fn get(&self, path: &str) -> Page {
        self.app.get_as(path, &self.cookie).await
    }

    /// POSTs a form with this session and its CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.post_with_token(path, &self.csrf, fields).await
    }

    /// Signs out with the staff area's "Sign out" button.
    pub async fn sign_out(&self) -> Page {
        self.post("/admin/logout", &[]).await
    }

    /// POSTs a form with this session and another CSRF token (someone
    /// else's, or a wrong one).
    pub async fn post_with_token(&self, path: &str, token: &str, fields: &[(&str, &str)]) -> Page {
        let mut all = vec![("csrf_token", token)];
        all.extend_from_slice(fields);
        self.app.post_form(path, &all, &self.cookie).await
    }
}

pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

pub fn hours_ago(h: i64) -> NaiveDateTime {
    now() - Duration::hours(h)
}

/// Runs the `iconocast` binary with `args` (no `DATABASE_URL` from the
/// environment, quiet logs); returns its exit code, stdout and stderr.
pub fn run_iconocast(args: &[&str]) -> (i32, String, String) {
    run_iconocast_env(args, &[])
}

/// As [`run_iconocast`], with extra environment variables (and without
/// `ICONOCAST_PASSWORD` unless given).
pub fn run_iconocast_env(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_iconocast"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("ICONOCAST_PASSWORD")
        .envs(env.iter().copied())
        .env("RUST_LOG", "error")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run the binary");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The `iconocast serve` binary on a SQLite file and a media folder of its
/// own, on a free port of 127.0.0.1, with its log piped to the test;
/// stopped, and its files removed, when dropped.
pub struct ServedBinary {
    child: std::process::Child,
    media: std::path::PathBuf,
    // Dropped after the server has stopped.
    _database: TestDatabase,
}

impl ServedBinary {
    /// Starts `iconocast serve` with `args` after its database, address
    /// and media folder, and `env` (`None` removes a variable);
    /// `DATABASE_URL` is never taken from the test's environment.
    pub fn start(args: &[&str], env: &[(&str, Option<&str>)]) -> ServedBinary {
        use std::process::Stdio;
        let database = TestDatabase::create(&Backend::Sqlite);
        let url = database_url_arg(&database.url);
        let media = std::env::temp_dir().join(unique_name("served-media"));
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_iconocast"));
        command
            .args(["--database-url", &url, "serve", "--bind", "127.0.0.1:0"])
            .arg("--media-dir")
            .arg(&media)
            .args(args)
            .env_remove("DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (name, value) in env {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }
        let child = command.spawn().expect("start the server");
        ServedBinary {
            child,
            media,
            _database: database,
        }
    }

    /// Its log, line by line as it is written; to be taken once.
    pub fn log(&mut self) -> Box<dyn Iterator<Item = String>> {
        use std::io::BufRead;
        let stderr = self.child.stderr.take().expect("its log, taken once");
        Box::new(
            std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok),
        )
    }

    /// Stops it; what it logged until then can still be read.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
    }
}

impl Drop for ServedBinary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.media);
    }
}

/// A database URL as `--database-url` takes it (password included).
pub fn database_url_arg(url: &DatabaseUrl) -> String {
    match url {
        DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
        DatabaseUrl::Postgres(url) => url.clone(),
    }
}
