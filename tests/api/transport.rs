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
