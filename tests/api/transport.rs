//! The HTTP layer itself: request bodies that never arrive, methods a path
//! does not answer to, and what an https site sends (HSTS, `__Host-`
//! cookies) that a plain-http one must not.

use std::time::Duration;

use iconocast::domain::Role;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{backend_test, spawn_app_with, Backend, TestApp, STAFF_PASSWORD};

/// Sends `head` (the request line and headers, without the blank line)
/// and `partial`, only the start of a body that `Content-Length: 1000`
/// announces, then waits for whatever the server does. Returns what it
/// sent back before closing the connection. The socket's read is bounded
/// only so that a server that never answers fails the test instead of
/// hanging it.
async fn stall_body(app: &TestApp, head: &str, partial: &[u8]) -> String {
    let addr = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!("{head}\r\nHost: {addr}\r\nContent-Length: 1000\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    stream.write_all(partial).await.expect("send");
    stream.flush().await.expect("flush");
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut answer)).await;
    assert!(
        read.is_ok(),
        "{head}: no answer and the connection still open after a minute; got {:?}",
        String::from_utf8_lossy(&answer)
    );
    String::from_utf8_lossy(&answer).into_owned()
}

backend_test!(
    async fn a_body_that_stops_arriving_gets_408_and_the_connection_is_closed(backend: Backend) {
        let app = spawn_app_with(&backend, |s| s.body_timeout = Duration::from_secs(1)).await;
        let ed = app.staff("ed@example.org", "Ed Editor", Role::Editor).await;
        let cookie = &ed.cookie;
        let form = "Content-Type: application/x-www-form-urlencoded";
        let boundary = "----stalled";
        let cases = [
            (
                format!("POST /admin/login HTTP/1.1\r\n{form}"),
                &b"email=ed%40example.org&pass"[..],
            ),
            (
                format!("POST /admin/articles/new HTTP/1.1\r\n{form}\r\nCookie: {cookie}"),
                b"title=Half+a+ti",
            ),
            (
                format!(
                    "POST /admin/media HTTP/1.1\r\n\
                     Content-Type: multipart/form-data; boundary={boundary}\r\nCookie: {cookie}"
                ),
                b"------stalled\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nab",
            ),
        ];
        for (head, partial) in cases {
            let answer = stall_body(&app, &head, partial).await;
            let first = answer.lines().next().unwrap_or_default();
            assert_eq!(first, "HTTP/1.1 408 Request Timeout", "{backend:?}: {head}");
            assert!(
                answer.to_ascii_lowercase().contains("connection: close"),
                "{backend:?}: {answer}"
            );
            assert!(answer.contains("took too long"), "{backend:?}: {answer}");
        }
        // The server is still there for everyone else, and a body that
        // arrives in time is read as always.
        let page = app.get("/admin/login").await;
        assert_eq!(page.status, 200, "{backend:?}");
        app.sign_in("ed@example.org", STAFF_PASSWORD).await;
    }
);

/// Sends `method` to `path` with `cookie` (if any); status, `Allow` and body.
async fn send(app: &TestApp, method: &str, path: &str, cookie: &str) -> (u16, String, String) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
    let mut req = app
        .client
        .request(method.clone(), format!("{}{path}", app.address));
    if !cookie.is_empty() {
        req = req.header("Cookie", cookie);
    }
    let res = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let status = res.status().as_u16();
    let allow = res
        .headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, allow, res.text().await.expect("body"))
}

backend_test!(
    async fn other_methods_get_405_with_the_methods_a_path_answers_to(backend: Backend) {
        let app = spawn_app_with(&backend, |_| {}).await;
        let cookie = app
            .staff("ed@example.org", "Ed Editor", Role::Editor)
            .await
            .cookie;
        app.rowing_story();
        let article = "/rowing/a-rowing-story";

        // Public pages answer GET and HEAD only.
        for (method, path) in [
            ("PUT", "/about"),
            ("DELETE", "/rowing"),
            ("PATCH", article),
            ("POST", "/"),
            ("POST", "/search?q=x"),
            ("DELETE", "/feed.xml"),
            ("PUT", "/static/site.css"),
            ("OPTIONS", "/tag/oarlock"),
        ] {
            let (status, allow, body) = send(&app, method, path, "").await;
            assert_eq!(status, 405, "{backend:?}: {method} {path}");
            assert_eq!(allow, "GET, HEAD", "{backend:?}: {method} {path}");
            assert!(
                body.contains("Method not allowed"),
                "{method} {path}: {body}"
            );
        }
        // Staff forms answer POST too; a button's action POST only.
        for (method, path, allowed) in [
            ("PUT", "/admin/articles/new", "GET, HEAD, POST"),
            ("DELETE", "/admin/media", "GET, HEAD, POST"),
            ("PATCH", "/admin/settings", "GET, HEAD, POST"),
            ("GET", "/admin/logout", "POST"),
            ("DELETE", "/admin", "GET, HEAD"),
        ] {
            let (status, allow, _) = send(&app, method, path, &cookie).await;
            assert_eq!(status, 405, "{backend:?}: {method} {path}");
            assert_eq!(allow, allowed, "{backend:?}: {method} {path}");
        }
        // The sign-in form is public; the rest of the staff area sends
        // strangers to it whatever the method, as before.
        let (status, allow, _) = send(&app, "PUT", "/admin/login", "").await;
        assert_eq!(
            (status, allow.as_str()),
            (405, "GET, HEAD, POST"),
            "{backend:?}"
        );
        let (status, _, _) = send(&app, "PUT", "/admin/articles/new", "").await;
        assert_eq!(status, 303, "{backend:?}");

        // An address no route has stays a 404, signed in or not.
        for (path, cookie) in [
            ("/no/such/page/here", ""),
            ("/admin/no-such-page", cookie.as_str()),
        ] {
            let (status, allow, _) = send(&app, "PUT", path, cookie).await;
            assert_eq!((status, allow.as_str()), (404, ""), "{backend:?}: {path}");
        }
        // And the methods that are allowed still work.
        assert_eq!(send(&app, "HEAD", "/about", "").await.0, 200, "{backend:?}");
        assert_eq!(send(&app, "GET", article, "").await.0, 200, "{backend:?}");
    }
);

/// Whether a `Set-Cookie` value carries `attribute` (case-insensitive).
fn has_attribute(set_cookie: &str, attribute: &str) -> bool {
    set_cookie
        .split(';')
        .skip(1)
        .any(|a| a.trim().eq_ignore_ascii_case(attribute))
}

backend_test!(
    async fn an_https_site_sends_hsts_and_host_only_secure_cookies(backend: Backend) {
        let app = spawn_app_with(&backend, |s| {
            s.base_url = Some("https://news.example.org".to_owned());
        })
        .await;
        let id = app.add_staff("ed@example.org", "Ed Editor", Role::Editor, STAFF_PASSWORD);

        // HSTS on every answer: pages (also when served again from the
        // page cache), the stylesheet, a missing file, errors and the
        // staff area.
        let css = app.get("/").await.attrs("link[rel=stylesheet]", "href");
        for path in [
            "/",
            "/",
            "/about",
            css[0].as_str(),
            "/static/site.css",
            "/no/such/page",
            "/admin/login",
        ] {
            let page = app.get(path).await;
            assert_eq!(
                page.header("strict-transport-security").as_deref(),
                Some("max-age=31536000"),
                "{backend:?}: {path}"
            );
        }

        // The login form's cookie and the session's: __Host-, Secure,
        // Path=/, no Domain, still HttpOnly and SameSite=Lax.
        let form = app.get("/admin/login").await;
        assert!(
            form.set_cookie("iconocast_login_csrf").is_none(),
            "{backend:?}"
        );
        let csrf_set = form
            .set_cookie("__Host-iconocast_login_csrf")
            .expect("the login form's cookie");
        let csrf = form
            .cookie_value("__Host-iconocast_login_csrf")
            .expect("its value");
        let page = app
            .post_form(
                "/admin/login",
                &[
                    ("email", "ed@example.org"),
                    ("password", STAFF_PASSWORD),
                    ("csrf_token", &csrf),
                    ("next", "/admin"),
                ],
                &format!("__Host-iconocast_login_csrf={csrf}"),
            )
            .await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        assert!(
            page.set_cookie("iconocast_session").is_none(),
            "{backend:?}"
        );
        let session_set = page
            .set_cookie("__Host-iconocast_session")
            .expect("the session cookie");
        for set in [&csrf_set, &session_set] {
            for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
                assert!(has_attribute(set, attribute), "{attribute}: {set}");
            }
            assert!(!set.to_ascii_lowercase().contains("domain="), "{set}");
        }
        let token = page
            .cookie_value("__Host-iconocast_session")
            .expect("a token");

        // The session is read from that cookie only.
        let signed_in = app
            .get_as("/admin", &format!("__Host-iconocast_session={token}"))
            .await;
        assert_eq!(signed_in.status, 200, "{backend:?}");
        let plain = app
            .get_as("/admin", &format!("iconocast_session={token}"))
            .await;
        assert_eq!(plain.status, 303, "{backend:?}");

        // Signing out clears it under the same name.
        let ed = app
            .session(id, format!("__Host-iconocast_session={token}"))
            .await;
        let page = ed.sign_out().await;
        assert_eq!(page.status, 303, "{backend:?}");
        let removal = page
            .set_cookie("__Host-iconocast_session")
            .expect("the cookie cleared");
        assert!(has_attribute(&removal, "Secure"), "{removal}");
        assert!(has_attribute(&removal, "Path=/"), "{removal}");
    }
);

backend_test!(
    async fn a_plain_http_site_sends_no_hsts_and_plain_cookies(backend: Backend) {
        let app = spawn_app_with(&backend, |s| {
            s.base_url = Some("http://laptop.local:8080".to_owned());
        })
        .await;
        app.add_staff("ed@example.org", "Ed Editor", Role::Editor, STAFF_PASSWORD);
        for path in ["/", "/no/such/page", "/admin/login"] {
            let page = app.get(path).await;
            assert_eq!(page.header("strict-transport-security"), None, "{path}");
        }
        let form = app.get("/admin/login").await;
        let csrf_set = form
            .set_cookie("iconocast_login_csrf")
            .expect("the login form's cookie");
        assert!(!has_attribute(&csrf_set, "Secure"), "{csrf_set}");
        // The helpers sign in as a browser would on the laptop demo.
        let cookie = app.sign_in("ed@example.org", STAFF_PASSWORD).await;
        assert!(cookie.starts_with("iconocast_session="), "{cookie}");
        assert_eq!(
            app.get_as("/admin", &cookie).await.status,
            200,
            "{backend:?}"
        );
    }
);
