//! The staff area's foundation: `iconocast user add`, sign-in and sign-out,
//! sessions and their revocation, CSRF, throttling, the audit log, and
//! `Cache-Control: no-store` under `/admin`.

use diesel::prelude::*;
use iconocast::db::schema::{audit_log, sessions, users};
use iconocast::db::{sessions as session_db, users as user_db};
use iconocast::domain::{ArticleStatus, Role};

use crate::helpers::{
    backend_test, now, run_iconocast_env, spawn_app, spawn_app_behind_proxy, Backend, Page,
    TestApp, TestDatabase,
};

const PASSWORD: &str = "correct horse battery staple";
const EMAIL: &str = "ada@example.org";

/// The login form's CSRF token, as the cookie and the hidden field carry it.
struct LoginForm {
    cookie: String,
    token: String,
}

async fn login_form(app: &TestApp) -> LoginForm {
    let page = app.get("/admin/login").await;
    assert_eq!(page.status, 200);
    let cookie = page
        .cookie_value("iconocast_login_csrf")
        .expect("the login form sets its CSRF cookie");
    let token = page
        .attrs("input[name=csrf_token]", "value")
        .pop()
        .expect("the form has a csrf_token field");
    assert_eq!(cookie, token);
    LoginForm { cookie, token }
}

async fn post_login(app: &TestApp, email: &str, password: &str) -> Page {
    let form = login_form(app).await;
    app.post_form(
        "/admin/login",
        &[
            ("email", email),
            ("password", password),
            ("csrf_token", &form.token),
            ("next", "/admin"),
        ],
        &format!("iconocast_login_csrf={}", form.cookie),
    )
    .await
}

fn session_count(app: &TestApp) -> i64 {
    app.with_conn(|c| sessions::table.count().get_result::<i64>(c))
        .expect("count sessions")
}

fn user_count(app: &TestApp) -> i64 {
    app.with_conn(|c| users::table.count().get_result::<i64>(c))
        .expect("count users")
}

fn assert_no_store(page: &Page, what: &str) {
    assert_eq!(
        page.header("cache-control").as_deref(),
        Some("no-store"),
        "{what}"
    );
}

fn add_user(app: &TestApp, args: &[&str], password: &str) -> (i32, String, String) {
    let url = app.database_url();
    let mut all = vec!["--database-url", url.as_str(), "user", "add"];
    all.extend_from_slice(args);
    run_iconocast_env(&all, &[("ICONOCAST_PASSWORD", password)])
}

backend_test!(
    async fn admin_user_add_creates_a_user_who_can_sign_in(backend: Backend) {
        let app = spawn_app(&backend).await;
        let (code, stdout, stderr) = add_user(
            &app,
            &[
                "--email",
                " Ada@Example.org",
                "--name",
                "Ada Lovelace",
                "--role",
                "editor",
            ],
            PASSWORD,
        );
        assert_eq!(code, 0, "{backend:?}: {stderr}");
        assert!(
            stdout.contains("Ada Lovelace <ada@example.org>"),
            "{stdout}"
        );
        let (slug, role, hash): (String, String, Option<String>) = app
            .with_conn(|c| {
                users::table
                    .filter(users::email.eq(EMAIL))
                    .select((users::slug, users::role, users::password_hash))
                    .first(c)
            })
            .expect("the user exists");
        assert_eq!((slug.as_str(), role.as_str()), ("ada-lovelace", "editor"));
        let hash = hash.expect("a password hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains(PASSWORD));

        let cookie = app.sign_in(EMAIL, PASSWORD).await;
        let page = app.get_as("/admin", &cookie).await;
        assert_eq!(page.status, 200, "{backend:?}");
        assert!(page.body.contains("Ada Lovelace"));

        // The same name again gets the next free slug.
        let (code, _, stderr) = add_user(
            &app,
            &[
                "--email",
                "ada2@example.org",
                "--name",
                "Ada Lovelace",
                "--role",
                "author",
            ],
            PASSWORD,
        );
        assert_eq!(code, 0, "{stderr}");
        let slugs: Vec<String> = app
            .with_conn(|c| {
                users::table
                    .filter(users::name.eq("Ada Lovelace"))
                    .order(users::id)
                    .select(users::slug)
                    .load(c)
            })
            .expect("slugs");
        assert_eq!(slugs, ["ada-lovelace", "ada-lovelace-2"]);

        // Audited, with no acting user and the new user named.
        let (who, detail): (Option<i32>, String) = app
            .with_conn(|c| {
                audit_log::table
                    .filter(audit_log::action.eq("user_add"))
                    .order(audit_log::id)
                    .select((audit_log::user_id, audit_log::detail))
                    .first(c)
            })
            .expect("a user_add audit row");
        assert_eq!(who, None);
        assert!(
            detail.contains("Ada Lovelace") && detail.contains(EMAIL),
            "{detail}"
        );
    }
);

backend_test!(
    async fn admin_user_add_refuses_bad_input_with_one_line_and_creates_nobody(backend: Backend) {
        let app = spawn_app(&backend).await;
        let (code, _, stderr) = add_user(
            &app,
            &["--email", EMAIL, "--name", "Ada", "--role", "admin"],
            PASSWORD,
        );
        assert_eq!(code, 0, "{stderr}");
        let before = user_count(&app);
        let cases: [(&[&str], &str, &str); 6] = [
            (
                &["--email", "not-an-email", "--name", "X", "--role", "admin"],
                PASSWORD,
                "not a valid email",
            ),
            (
                &["--email", "x@example.org", "--name", "X", "--role", "owner"],
                PASSWORD,
                "unknown role",
            ),
            (
                &[
                    "--email",
                    "x@example.org",
                    "--name",
                    "X",
                    "--role",
                    "author",
                ],
                "short pass",
                "too short",
            ),
            (
                &[
                    "--email",
                    "ADA@example.org",
                    "--name",
                    "X",
                    "--role",
                    "author",
                ],
                PASSWORD,
                "already exists",
            ),
            (
                &[
                    "--email",
                    "x@example.org",
                    "--name",
                    "X",
                    "--role",
                    "author",
                    "--slug",
                    "Bad Slug",
                ],
                PASSWORD,
                "not a valid slug",
            ),
            (
                &[
                    "--email",
                    "x@example.org",
                    "--name",
                    "Escape\u{1b}[31m Artist",
                    "--role",
                    "author",
                ],
                PASSWORD,
                "control character U+001B",
            ),
        ];
        for (args, password, expected) in cases {
            let (code, stdout, stderr) = add_user(&app, args, password);
            assert_eq!(code, 1, "{backend:?} {args:?}: {stderr}");
            assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
            assert!(stderr.starts_with("iconocast: "), "{stderr}");
            assert!(stderr.contains(expected), "{args:?}: {stderr}");
            assert!(!stderr.contains(password), "{stderr}");
            assert!(stdout.is_empty(), "{stdout}");
        }
        assert_eq!(user_count(&app), before, "{backend:?}: nobody was added");
    }
);

backend_test!(
    /// Two `user add` with one email at the same moment: the second is
    /// refused as the email taken, never an internal error. The first
    /// holds its transaction open after its insert; on PostgreSQL the
    /// second checks the email then (not taken yet, for it), and waits at
    /// its own insert until the first commits: a unique violation.
    fn two_user_adds_with_one_email_at_once_refuse_the_second_as_taken(backend: Backend) {
        use iconocast::db::{connect_once, write_transaction};
        use iconocast::error::AppError;
        use iconocast::newsroom::users::{self as staff, AddedBy, NewUserInput};
        use std::sync::mpsc;
        use std::time::{Duration, Instant};

        let database = TestDatabase::create(&backend);
        let connect = || {
            connect_once(&database.url)
                .expect("a migrated connection")
                .0
        };
        let input = NewUserInput {
            email: EMAIL.to_owned(),
            name: "Ada Lovelace".to_owned(),
            role: "editor".to_owned(),
            password: PASSWORD.to_owned(),
            slug: None,
        };
        let (inserted_tx, inserted) = mpsc::channel();
        let (commit_tx, commit) = mpsc::channel::<()>();
        // Every connection is open before the first add begins.
        let (mut conn, mut other, mut watcher) = (connect(), connect(), connect());
        let first_input = input.clone();
        let first = std::thread::spawn(move || {
            write_transaction(&mut conn, |conn| {
                let added = staff::create(conn, AddedBy::CommandLine, &first_input);
                inserted_tx.send(()).expect("the test waits");
                commit.recv().expect("the test lets it commit");
                added
            })
        });
        inserted.recv().expect("the first add inserted");
        let second =
            std::thread::spawn(move || staff::create(&mut other, AddedBy::CommandLine, &input));
        if matches!(backend, Backend::Postgres(_)) {
            // Until the second waits for the first's lock.
            let deadline = Instant::now() + Duration::from_secs(30);
            while diesel::sql_query(
                "SELECT 1 FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            .execute(&mut watcher)
            .expect("read the locks")
                == 0
            {
                assert!(Instant::now() < deadline, "the second add never waited");
                std::thread::sleep(Duration::from_millis(20));
            }
        } else {
            // The second waits to begin its write (SQLite has one writer).
            std::thread::sleep(Duration::from_millis(300));
        }
        commit_tx.send(()).expect("the first add waits");
        let added = first.join().expect("the first add ran").expect("added");
        assert_eq!(added.email.as_str(), EMAIL);
        match second.join().expect("the second add ran") {
            Err(AppError::Invalid(errors)) => {
                let message = errors.get("email").unwrap_or_default();
                assert!(message.contains("already exists"), "{backend:?}: {message}");
            }
            other => panic!("{backend:?}: the second add came to {other:?}"),
        }
        let count: i64 = users::table
            .filter(users::email.eq(EMAIL))
            .count()
            .get_result(&mut watcher)
            .expect("count");
        assert_eq!(count, 1, "{backend:?}");
    }
);

backend_test!(
    async fn admin_sign_in_redirects_back_and_wrong_passwords_get_401(backend: Backend) {
        let app = spawn_app(&backend).await;
        app.add_staff(EMAIL, "Ada Lovelace", Role::Editor, PASSWORD);
        app.article("A draft nobody may see")
            .in_category(&app.category("Rowing"))
            .with_status(ArticleStatus::Draft, None)
            .create();

        let page = app.get("/admin").await;
        assert_eq!(page.status, 303, "{backend:?}");
        assert_eq!(
            page.header("location").as_deref(),
            Some("/admin/login?next=%2Fadmin")
        );
        let page = app.get("/admin/anything?x=1").await;
        assert_eq!(page.status, 303);
        assert_eq!(
            page.header("location").as_deref(),
            Some("/admin/login?next=%2Fadmin%2Fanything%3Fx%3D1")
        );

        // The form keeps a same-site next and drops any other.
        let page = app.get("/admin/login?next=%2Fadmin").await;
        assert_eq!(page.attrs("input[name=next]", "value"), ["/admin"]);
        for label in ["Email", "Password"] {
            assert!(page.texts("label").contains(&label.to_owned()), "{label}");
        }
        let page = app.get("/admin/login?next=%2F%2Fevil.example").await;
        assert_eq!(page.attrs("input[name=next]", "value"), ["/admin"]);

        // Wrong password and unknown email: the same 401, no session.
        for (email, password) in [(EMAIL, "wrong password!"), ("nobody@example.org", PASSWORD)] {
            let page = post_login(&app, email, password).await;
            assert_eq!(page.status, 401, "{backend:?} {email}");
            assert!(page.body.contains("Email or password is wrong"));
            assert!(page.set_cookie("iconocast_session").is_none());
            assert_no_store(&page, "a failed login");
        }
        assert_eq!(session_count(&app), 0);

        let page = post_login(&app, EMAIL, PASSWORD).await;
        assert_eq!(page.status, 303);
        assert_eq!(page.header("location").as_deref(), Some("/admin"));
        let set = page
            .set_cookie("iconocast_session")
            .expect("a session cookie");
        assert!(set.contains("HttpOnly"), "{set}");
        assert!(set.contains("SameSite=Lax"), "{set}");
        assert!(set.contains("Path=/"), "{set}");
        assert!(!set.contains("Secure"), "plain http: {set}");
        let token = page.cookie_value("iconocast_session").expect("token");
        let stored: Vec<String> = app
            .with_conn(|c| sessions::table.select(sessions::id).load(c))
            .expect("sessions");
        assert_eq!(stored.len(), 1);
        assert_ne!(stored[0], token, "the token itself is never stored");

        let page = app
            .get_as("/admin", &format!("iconocast_session={token}"))
            .await;
        assert_eq!(page.status, 200);
        assert_no_store(&page, "the dashboard");
        assert!(page
            .texts(".admin-user")
            .iter()
            .any(|t| t.contains("Ada Lovelace")));
        assert!(page.body.contains("editor"));
        let rows = page.texts(".admin-table tbody tr");
        assert!(!rows.is_empty() && rows.len() <= 20, "{rows:?}");
        assert!(
            rows.iter()
                .any(|r| r.contains("A draft nobody may see") && r.contains("draft")),
            "{rows:?}"
        );
        // Signed in, an unknown address under /admin is a 404.
        let page = app
            .get_with(
                "/admin/nothing-here",
                &[("Cookie", &format!("iconocast_session={token}"))],
            )
            .await;
        assert_eq!(page.status, 404);
        assert_no_store(&page, "a 404 under /admin");
    }
);

backend_test!(
    async fn admin_forms_without_the_right_csrf_token_are_refused(backend: Backend) {
        let app = spawn_app(&backend).await;
        let id = app.add_staff(EMAIL, "Ada Lovelace", Role::Author, PASSWORD);

        let form = login_form(&app).await;
        let cookie = format!("iconocast_login_csrf={}", form.cookie);
        let attempts: [(&[(&str, &str)], &str); 3] = [
            (&[("email", EMAIL), ("password", PASSWORD)], cookie.as_str()),
            (
                &[
                    ("email", EMAIL),
                    ("password", PASSWORD),
                    ("csrf_token", "0123"),
                ],
                cookie.as_str(),
            ),
            (
                &[
                    ("email", EMAIL),
                    ("password", PASSWORD),
                    ("csrf_token", &form.token),
                ],
                "",
            ),
        ];
        for (fields, cookies) in attempts {
            let page = app.post_form("/admin/login", fields, cookies).await;
            assert_eq!(page.status, 403, "{backend:?} {fields:?} {cookies:?}");
            assert_no_store(&page, "a 403");
            assert!(page.set_cookie("iconocast_session").is_none());
        }
        assert_eq!(session_count(&app), 0);

        let ada = app.signed_in(id, EMAIL, PASSWORD).await;
        let session = &ada.cookie;
        let dashboard = app.get_as("/admin", session).await;
        assert_eq!(
            dashboard.attrs("form.admin-logout input[name=csrf_token]", "value"),
            std::slice::from_ref(&ada.csrf),
            "the logout form carries the session's token"
        );

        for fields in [vec![], vec![("csrf_token", "wrong")]] {
            let page = app.post_form("/admin/logout", &fields, session).await;
            assert_eq!(page.status, 403, "{backend:?} {fields:?}");
            assert_eq!(ada.get("/admin").await.status, 200);
        }
        assert_eq!(session_count(&app), 1);

        let page = ada.sign_out().await;
        assert_eq!(page.status, 303);
        assert_eq!(page.header("location").as_deref(), Some("/admin/login"));
        assert_no_store(&page, "the logout redirect");
        let removal = page.set_cookie("iconocast_session").expect("cleared");
        assert!(removal.contains("Max-Age=0"), "{removal}");
        assert_eq!(session_count(&app), 0);
        assert_eq!(ada.get("/admin").await.status, 303);

        // Logging out without a session just asks to sign in.
        let page = app
            .post_form("/admin/logout", &[("csrf_token", &ada.csrf)], "")
            .await;
        assert_eq!(page.status, 303);
    }
);

backend_test!(
    async fn admin_role_password_and_active_changes_end_sessions_at_once(backend: Backend) {
        let app = spawn_app(&backend).await;
        let id = app.add_staff(EMAIL, "Ada Lovelace", Role::Author, PASSWORD);

        let session = app.sign_in(EMAIL, PASSWORD).await;
        assert_eq!(app.get_as("/admin", &session).await.status, 200);
        app.with_conn(|c| user_db::set_role(c, id, Role::Editor))
            .expect("set role");
        assert_eq!(
            app.get_as("/admin", &session).await.status,
            303,
            "{backend:?}"
        );

        let session = app.sign_in(EMAIL, PASSWORD).await;
        let new_password = "a brand new passphrase";
        let hash = iconocast::auth::password::hash(new_password).expect("hash");
        app.with_conn(|c| user_db::set_password(c, id, &hash))
            .expect("set password");
        assert_eq!(app.get_as("/admin", &session).await.status, 303);
        assert_eq!(post_login(&app, EMAIL, PASSWORD).await.status, 401);

        let session = app.sign_in(EMAIL, new_password).await;
        app.with_conn(|c| user_db::set_active(c, id, false))
            .expect("deactivate");
        assert_eq!(app.get_as("/admin", &session).await.status, 303);
        assert_eq!(post_login(&app, EMAIL, new_password).await.status, 401);
        assert_eq!(session_count(&app), 0);
    }
);

async fn assert_throttled(app: &TestApp, email: &str, password: &str, backend: &Backend) {
    let page = post_login(app, email, password).await;
    assert_eq!(page.status, 429, "{backend:?} {email}");
    let retry: u64 = page
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("a numeric Retry-After");
    assert!((60..=3600).contains(&retry), "{retry}");
    assert!(page.set_cookie("iconocast_session").is_none());
    assert_no_store(&page, "a 429");
}

backend_test!(
    async fn admin_logins_are_throttled_per_email_and_client_and_per_client(backend: Backend) {
        // Per email: five wrong passwords lock out even the right one.
        let app = spawn_app(&backend).await;
        app.add_staff(EMAIL, "Ada Lovelace", Role::Editor, PASSWORD);
        for _ in 0..5 {
            assert_eq!(post_login(&app, EMAIL, "wrong password!").await.status, 401);
        }
        assert_throttled(&app, EMAIL, PASSWORD, &backend).await;
        assert_eq!(session_count(&app), 0);

        // Per client: ten different emails from one address.
        let app = spawn_app(&backend).await;
        app.add_staff(EMAIL, "Ada Lovelace", Role::Editor, PASSWORD);
        for n in 0..10 {
            let email = format!("guess{n}@example.org");
            assert_eq!(post_login(&app, &email, PASSWORD).await.status, 401);
        }
        assert_throttled(&app, EMAIL, PASSWORD, &backend).await;

        // The counts live in the database, so they hold across processes;
        // an email's failures from another client do not lock it here.
        let app = spawn_app(&backend).await;
        app.add_staff(EMAIL, "Ada Lovelace", Role::Editor, PASSWORD);
        app.add_staff("grace@example.org", "Grace Hopper", Role::Author, PASSWORD);
        app.with_conn(|c| -> diesel::QueryResult<()> {
            for _ in 0..5 {
                session_db::claim_attempt(c, EMAIL, "203.0.113.9", now())?;
                session_db::claim_attempt(c, "grace@example.org", "127.0.0.1", now())?;
            }
            Ok(())
        })
        .expect("record attempts");
        assert_throttled(&app, "grace@example.org", PASSWORD, &backend).await;
        assert_eq!(post_login(&app, EMAIL, PASSWORD).await.status, 303);
    }
);

/// A login POST from a client that says, through `X-Forwarded-For`, it is
/// `forwarded_for`.
async fn post_login_via(app: &TestApp, forwarded_for: &str, email: &str, password: &str) -> Page {
    let form = login_form(app).await;
    let res = app
        .client
        .post(format!("{}/admin/login", app.address))
        .header("X-Forwarded-For", forwarded_for)
        .header("Cookie", format!("iconocast_login_csrf={}", form.cookie))
        .form(&[
            ("email", email),
            ("password", password),
            ("csrf_token", &form.token),
            ("next", "/admin"),
        ])
        .send()
        .await
        .expect("POST /admin/login");
    Page::read(res).await
}

fn attempt_ips(app: &TestApp) -> Vec<String> {
    use iconocast::db::schema::login_attempts;
    app.with_conn(|c| {
        login_attempts::table
            .order(login_attempts::id.asc())
            .select(login_attempts::ip)
            .load(c)
    })
    .expect("attempts")
}

backend_test!(
    async fn behind_a_trusted_proxy_each_client_is_throttled_and_audited_by_its_own_address(
        backend: Backend,
    ) {
        // Behind a proxy every request comes from the proxy's address: the
        // forwarded one must count, or ten failures would lock out all.
        let app = spawn_app_behind_proxy(&backend).await;
        app.add_staff(EMAIL, "Ada Lovelace", Role::Editor, PASSWORD);
        for n in 0..10 {
            let email = format!("guess{n}@example.org");
            let page = post_login_via(&app, "203.0.113.9", &email, PASSWORD).await;
            assert_eq!(page.status, 401, "{backend:?}");
        }
        let page = post_login_via(&app, "203.0.113.9", EMAIL, PASSWORD).await;
        assert_eq!(page.status, 429, "{backend:?}: that client is throttled");
        let page = post_login_via(&app, "198.51.100.4", EMAIL, PASSWORD).await;
        assert_eq!(page.status, 303, "{backend:?}: another client is not");
        let ips = attempt_ips(&app);
        assert_eq!(ips.first().map(String::as_str), Some("203.0.113.9"));
        assert_eq!(ips.last().map(String::as_str), Some("198.51.100.4"));

        // Without the setting, the header is anyone's words: ignored.
        let app = spawn_app(&backend).await;
        app.add_staff(EMAIL, "Ada Lovelace", Role::Editor, PASSWORD);
        for n in 0..10 {
            let email = format!("guess{n}@example.org");
            let forged = format!("198.51.100.{n}");
            post_login_via(&app, &forged, &email, PASSWORD).await;
        }
        assert_eq!(attempt_ips(&app), vec!["127.0.0.1"; 10]);
        let page = post_login_via(&app, "198.51.100.77", EMAIL, PASSWORD).await;
        assert_eq!(
            page.status, 429,
            "{backend:?}: a forged header does not escape"
        );
    }
);

backend_test!(
    async fn wrong_passwords_from_one_client_do_not_lock_the_owner_out_from_another(
        backend: Backend,
    ) {
        // Anyone who knows an editor's email can get it wrong five times;
        // that locks their own address out, not the editor's.
        let app = spawn_app_behind_proxy(&backend).await;
        app.add_staff(EMAIL, "Ada Lovelace", Role::Editor, PASSWORD);
        for _ in 0..5 {
            let page = post_login_via(&app, "203.0.113.9", EMAIL, "wrong password!").await;
            assert_eq!(page.status, 401, "{backend:?}");
        }
        let page = post_login_via(&app, "203.0.113.9", EMAIL, PASSWORD).await;
        assert_eq!(page.status, 429, "{backend:?}: the guessing client waits");
        let page = post_login_via(&app, "198.51.100.4", EMAIL, PASSWORD).await;
        assert_eq!(page.status, 303, "{backend:?}: the editor signs in");
        assert!(page.set_cookie("iconocast_session").is_some());
        // The editor's sign-in does not give the guesser new tries.
        let page = post_login_via(&app, "203.0.113.9", EMAIL, PASSWORD).await;
        assert_eq!(page.status, 429, "{backend:?}");
    }
);

backend_test!(
    async fn ipv6_clients_are_counted_by_their_64_and_ipv4_clients_by_their_address(
        backend: Backend,
    ) {
        // One email, guessed from two addresses of one /64: one count.
        let app = spawn_app_behind_proxy(&backend).await;
        app.add_staff(EMAIL, "Ada Lovelace", Role::Editor, PASSWORD);
        for from in ["2001:db8:1:2::a", "2001:db8:1:2::b"]
            .iter()
            .cycle()
            .take(5)
        {
            let page = post_login_via(&app, from, EMAIL, "wrong password!").await;
            assert_eq!(page.status, 401, "{backend:?} {from}");
        }
        let page = post_login_via(&app, "2001:db8:1:2:ffff::1", EMAIL, PASSWORD).await;
        assert_eq!(page.status, 429, "{backend:?}: the same /64");
        let page = post_login_via(&app, "2001:db8:1:3::a", EMAIL, PASSWORD).await;
        assert_eq!(page.status, 303, "{backend:?}: another /64");

        // Many emails from one /64 (password spraying) reach the
        // per-client limit; another /64 and IPv4 neighbours are free.
        let app = spawn_app_behind_proxy(&backend).await;
        app.add_staff(EMAIL, "Ada Lovelace", Role::Editor, PASSWORD);
        for n in 0..10 {
            let from = format!("2001:db8:9:9::{:x}", n + 1);
            let email = format!("guess{n}@example.org");
            let page = post_login_via(&app, &from, &email, PASSWORD).await;
            assert_eq!(page.status, 401, "{backend:?} {from}");
        }
        let page = post_login_via(&app, "2001:db8:9:9::99", EMAIL, PASSWORD).await;
        assert_eq!(page.status, 429, "{backend:?}: the /64 is one client");
        let page = post_login_via(&app, "2001:db8:9:a::1", EMAIL, PASSWORD).await;
        assert_eq!(page.status, 303, "{backend:?}");
        for n in 0..10 {
            let email = format!("guess{n}@example.org");
            post_login_via(&app, "203.0.113.9", &email, PASSWORD).await;
        }
        let page = post_login_via(&app, "203.0.113.9", EMAIL, PASSWORD).await;
        assert_eq!(page.status, 429, "{backend:?}");
        let page = post_login_via(&app, "203.0.113.10", EMAIL, PASSWORD).await;
        assert_eq!(page.status, 303, "{backend:?}: IPv4 counts per address");
        // The audit log keeps the whole address.
        let ips: Vec<String> = app
            .with_conn(|c| {
                audit_log::table
                    .filter(audit_log::action.eq("login_failed"))
                    .order(audit_log::id)
                    .select(audit_log::ip)
                    .load(c)
            })
            .expect("audit rows");
        assert_eq!(ips.first().map(String::as_str), Some("2001:db8:9:9::1"));
    }
);

/// An argon2id hash of `password` that takes a while to check (twenty
/// passes instead of two), long enough to look at the pool meanwhile.
fn slow_hash(password: &str) -> String {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    let params = argon2::Params::new(19_456, 20, 1, None).expect("argon2 parameters");
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    argon
        .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng))
        .expect("hash")
        .to_string()
}

backend_test!(
    async fn a_sign_in_holds_no_database_connection_while_it_checks_the_password(backend: Backend) {
        use iconocast::db::schema::login_attempts;
        let app = spawn_app(&backend).await;
        let id = app.add_staff(EMAIL, "Ada Lovelace", Role::Editor, PASSWORD);
        let hash = slow_hash(PASSWORD);
        app.with_conn(|c| user_db::set_password(c, id, &hash))
            .expect("set the password");
        let form = login_form(&app).await;

        // Every connection of the pool but one is taken here, so the
        // sign-in has that one; it must give it back while it checks.
        let max = app.db.pool.max_size();
        let mut held: Vec<_> = (1..max)
            .map(|_| app.db.get().expect("a pooled connection"))
            .collect();
        let client = app.client.clone();
        let url = format!("{}/admin/login", app.address);
        let login = tokio::spawn(async move {
            client
                .post(url)
                .header("Cookie", format!("iconocast_login_csrf={}", form.cookie))
                .form(&[
                    ("email", EMAIL),
                    ("password", PASSWORD),
                    ("csrf_token", &form.token),
                    ("next", "/admin"),
                ])
                .send()
                .await
                .map(|r| r.status().as_u16())
        });
        let conn = &mut *held[0];
        let mut free_while_checking = false;
        while !login.is_finished() {
            // Claimed, so the sign-in is under way; then a connection is
            // free while the sign-in is not yet audited: it is checking
            // the password without a connection in hand.
            let claimed: i64 = login_attempts::table
                .count()
                .get_result(conn)
                .expect("count attempts");
            if claimed == 1 {
                let state = app.db.pool.state();
                let free = state.idle_connections > 0 || state.connections < max;
                let audited: i64 = audit_log::table
                    .filter(audit_log::action.eq_any(["login", "login_failed"]))
                    .count()
                    .get_result(conn)
                    .expect("count audit rows");
                if free && audited == 0 {
                    free_while_checking = true;
                    break;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        drop(held);
        let status = login.await.expect("the sign-in task").expect("a response");
        assert_eq!(status, 303, "{backend:?}");
        assert!(
            free_while_checking,
            "{backend:?}: the sign-in held its connection while checking the password"
        );
    }
);

backend_test!(
    async fn a_burst_of_parallel_guesses_gets_no_more_tries_than_a_sequence(backend: Backend) {
        let app = spawn_app(&backend).await;
        app.add_staff(EMAIL, "Ada Lovelace", Role::Editor, PASSWORD);
        let guesses = (0..16).map(|n| {
            let app = &app;
            async move {
                let wrong = format!("wrong password {n}");
                post_login(app, EMAIL, &wrong).await.status
            }
        });
        let statuses = futures_util::future::join_all(guesses).await;
        let tried = statuses.iter().filter(|s| **s == 401).count();
        let throttled = statuses.iter().filter(|s| **s == 429).count();
        assert_eq!(tried + throttled, 16, "{backend:?}: {statuses:?}");
        assert!(
            tried <= 5,
            "{backend:?}: {tried} guesses were checked: {statuses:?}"
        );
        // Throttled attempts are not failures of their own.
        use iconocast::db::schema::login_attempts;
        let failures: i64 = app
            .with_conn(|c| login_attempts::table.count().get_result(c))
            .expect("count");
        assert_eq!(failures as usize, tried, "{backend:?}");
    }
);

backend_test!(
    async fn admin_logins_failures_and_logouts_are_audited(backend: Backend) {
        let app = spawn_app(&backend).await;
        let id = app.add_staff(EMAIL, "Ada Lovelace", Role::Editor, PASSWORD);
        let started = now() - chrono::Duration::seconds(5);

        assert_eq!(post_login(&app, EMAIL, "not my password").await.status, 401);
        assert_eq!(
            post_login(&app, "who@example.org", "not my password")
                .await
                .status,
            401
        );
        let ada = app.signed_in(id, EMAIL, PASSWORD).await;
        assert_eq!(ada.sign_out().await.status, 303);

        type Row = (String, Option<i32>, String, String, chrono::NaiveDateTime);
        let rows: Vec<Row> = app
            .with_conn(|c| {
                audit_log::table
                    .order(audit_log::id)
                    .select((
                        audit_log::action,
                        audit_log::user_id,
                        audit_log::detail,
                        audit_log::ip,
                        audit_log::created_at,
                    ))
                    .load(c)
            })
            .expect("audit rows");
        let actions: Vec<(&str, Option<i32>)> = rows.iter().map(|r| (r.0.as_str(), r.1)).collect();
        assert_eq!(
            actions,
            [
                ("login_failed", Some(id)),
                ("login_failed", None),
                ("login", Some(id)),
                ("logout", Some(id)),
            ],
            "{backend:?}"
        );
        assert!(rows[0].2.contains(EMAIL), "{}", rows[0].2);
        assert!(rows[1].2.contains("who@example.org"), "{}", rows[1].2);
        for row in &rows {
            assert!(!row.2.contains("not my password") && !row.2.contains(PASSWORD));
            assert_eq!(row.3, "127.0.0.1");
            assert!(row.4 >= started && row.4 <= now(), "{row:?}");
        }
    }
);

backend_test!(
    async fn admin_responses_are_never_cached(backend: Backend) {
        let app = spawn_app(&backend).await;
        app.add_staff(EMAIL, "Ada Lovelace", Role::Editor, PASSWORD);
        for path in ["/admin", "/admin/", "/admin/login", "/admin/missing"] {
            let page = app.get(path).await;
            assert_no_store(&page, path);
        }
        let page = post_login(&app, EMAIL, PASSWORD).await;
        assert_eq!(page.status, 303, "{backend:?}");
        assert_no_store(&page, "the login redirect");
        // The public pages keep their own caching.
        let home = app.get("/").await;
        assert_ne!(home.header("cache-control").as_deref(), Some("no-store"));
    }
);
