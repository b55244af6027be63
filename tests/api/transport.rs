//! The HTTP layer itself: request bodies that never arrive, methods a path
//! does not answer to, and what an https site sends (HSTS, `__Host-`
//! cookies) that a plain-http one must not.

use std::time::Duration;

use iconocast::domain::Role;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{backends, spawn_app_with, TestApp};

const PASSWORD: &str = "correct horse battery staple";

/// Sends `head` (the request line and headers, without the blank line)
/// and `partial`, only the start of a body that `Content-Length: 1000`
/// announces, then waits for whatever the server does. Returns what it
/// sent back before closing the connection. The socket's read is bounded
/// only so that a server that never answers fails the test instead of
/// hanging it.
async fn stall_body(app: &TestApp, head: &str, partial: &[u8]) -> String {
    let addr = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connect");
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

#[tokio::test]
async fn a_body_that_stops_arriving_gets_408_and_the_connection_is_closed() {
    for backend in backends() {
        let app = spawn_app_with(&backend, |s| s.body_timeout = Duration::from_secs(1)).await;
        app.add_staff("ed@example.org", "Ed Editor", Role::Editor, PASSWORD);
        let cookie = app.sign_in("ed@example.org", PASSWORD).await;
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
        app.sign_in("ed@example.org", PASSWORD).await;
    }
}

/// Sends `method` to `path` with `cookie` (if any); status, `Allow` and body.
async fn send(app: &TestApp, method: &str, path: &str, cookie: &str) -> (u16, String, String) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
    let mut req = app
        .client
        .request(method.clone(), format!("{}{path}", app.address));
    if !cookie.is_empty() {
        req = req.header("Cookie", cookie);
    }
    let res = req.send().await.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let status = res.status().as_u16();
    let allow = res
        .headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, allow, res.text().await.expect("body"))
}

#[tokio::test]
async fn other_methods_get_405_with_the_methods_a_path_answers_to() {
    for backend in backends() {
        let app = spawn_app_with(&backend, |_| {}).await;
        app.add_staff("ed@example.org", "Ed Editor", Role::Editor, PASSWORD);
        let cookie = app.sign_in("ed@example.org", PASSWORD).await;
        let article = app
            .get("/sport")
            .await
            .attrs("a[href^='/sport/']", "href")
            .into_iter()
            .find(|href| !href.ends_with(".xml"))
            .expect("an article on /sport");

        // Public pages answer GET and HEAD only.
        for (method, path) in [
            ("PUT", "/about"),
            ("DELETE", "/sport"),
            ("PATCH", article.as_str()),
            ("POST", "/"),
            ("POST", "/search?q=x"),
            ("DELETE", "/feed.xml"),
            ("PUT", "/static/site.css"),
            ("OPTIONS", "/tag/sport"),
        ] {
            let (status, allow, body) = send(&app, method, path, "").await;
            assert_eq!(status, 405, "{backend:?}: {method} {path}");
            assert_eq!(allow, "GET, HEAD", "{backend:?}: {method} {path}");
            assert!(body.contains("Method not allowed"), "{method} {path}: {body}");
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
        assert_eq!((status, allow.as_str()), (405, "GET, HEAD, POST"), "{backend:?}");
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
        assert_eq!(send(&app, "GET", &article, "").await.0, 200, "{backend:?}");
    }
}
