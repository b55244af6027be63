//! The binary's command line: clear one-line errors and exit codes.

use crate::helpers::{
    backend_test, run_iconocast as iconocast, Backend, ServedBinary, TestDatabase,
};

#[test]
fn an_unreachable_database_is_one_line_naming_the_url_without_its_password() {
    let (code, _, stderr) = iconocast(&[
        "--database-url",
        "postgres://editor:hunter2@127.0.0.1:1/news",
        "migrate",
    ]);
    assert_ne!(code, 0);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("postgres://editor:***@127.0.0.1:1/news"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"));
    assert!(!stderr.contains("panicked"));
}

#[test]
fn a_malformed_database_url_is_refused_clearly() {
    for url in ["mysql://root:pw@localhost/db", "not a url", "sqlite://"] {
        let (code, _, stderr) = iconocast(&["--database-url", url, "migrate"]);
        assert_ne!(code, 0, "{url}");
        assert!(
            stderr.starts_with("iconocast: unsupported database URL"),
            "{url}: {stderr}"
        );
        assert!(!stderr.contains("pw@"), "{stderr}");
    }
}

backend_test!(
    fn migrate_applies_the_migrations_and_exits(backend: Backend) {
        let database = TestDatabase::create(&backend);
        let url = match &database.url {
            iconocast::db::DatabaseUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
            iconocast::db::DatabaseUrl::Postgres(u) => u.clone(),
        };
        let (code, stdout, stderr) = iconocast(&["--database-url", &url, "migrate"]);
        assert_eq!(code, 0, "{backend:?}: {stderr}");
        let applied: usize = stdout
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(
            applied >= 1 && stdout.contains("migration(s) applied"),
            "{stdout}"
        );
        let (code, stdout, _) = iconocast(&["--database-url", &url, "migrate"]);
        assert_eq!((code, stdout.trim()), (0, "0 migration(s) applied"));
    }
);

backend_test!(
    fn demo_adds_synthetic_articles_that_are_searchable(backend: Backend) {
        use diesel::prelude::*;
        use iconocast::db::schema::{articles, sections};
        let database = TestDatabase::create(&backend);
        let url = match &database.url {
            iconocast::db::DatabaseUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
            iconocast::db::DatabaseUrl::Postgres(u) => u.clone(),
        };
        let media = std::env::temp_dir().join(crate::helpers::unique_name("demo-media"));
        let media_arg = media.display().to_string();
        let (code, stdout, stderr) = iconocast(&[
            "--database-url",
            &url,
            "demo",
            "--articles",
            "25",
            "--media-dir",
            &media_arg,
        ]);
        assert_eq!(code, 0, "{backend:?}: {stderr}");
        assert!(
            stdout.starts_with("25 synthetic articles added"),
            "{stdout}"
        );
        assert!(
            stderr.contains("25 / 25 articles"),
            "progress is shown: {stderr}"
        );
        let db = iconocast::db::Database::connect(database.url.clone()).expect("connect");
        let mut conn = db.get().expect("connection");
        let generated: i64 = articles::table
            .filter(articles::slug.like("gen-%"))
            .count()
            .get_result(&mut *conn)
            .expect("count");
        assert_eq!(generated, 25, "{backend:?}");
        // Each has one of the demo's pictures, whose files are in the folder.
        let heroes: Vec<Option<i32>> = articles::table
            .filter(articles::slug.like("gen-%"))
            .select(articles::hero_media_id)
            .load(&mut *conn)
            .expect("heroes");
        assert!(
            heroes.iter().all(Option::is_some),
            "{backend:?}: {heroes:?}"
        );
        let files = std::fs::read_dir(&media).map(|d| d.count()).unwrap_or(0);
        assert!(files >= 12 * 5, "{backend:?}: {files} files");
        let _ = std::fs::remove_dir_all(&media);
        let generated_sections: i64 = sections::table
            .inner_join(articles::table)
            .filter(articles::slug.like("gen-%"))
            .count()
            .get_result(&mut *conn)
            .expect("count sections");
        assert_eq!(generated_sections, 75);
        // The search index was rebuilt: a generated title is found as a phrase.
        let (slug, title): (String, String) = articles::table
            .filter(articles::slug.like("gen-%"))
            .select((articles::slug, articles::title))
            .first(&mut *conn)
            .expect("a generated article");
        let (hits, _) = iconocast::db::search::search(
            &mut conn,
            &iconocast::db::search::SearchQuery::parse(&format!("\"{title}\"")),
            chrono::Utc::now().naive_utc(),
            50,
            0,
            std::time::Duration::from_secs(60),
        )
        .expect("search");
        assert!(
            hits.iter().any(|h| h.card.article.slug == slug),
            "{backend:?}: {title}"
        );
        let (code, _, stderr) = iconocast(&["--database-url", &url, "demo", "--articles", "0"]);
        assert_ne!(code, 0, "zero articles is refused: {stderr}");
        drop(conn);
        drop(db);
    }
);

#[test]
fn logs_written_to_a_file_or_pipe_carry_no_colour_codes() {
    let mut server = ServedBinary::start(&[], &[("RUST_LOG", Some("info"))]);
    let mut lines = Vec::new();
    for line in server.log() {
        let serving = line.contains("serving");
        lines.push(line);
        if serving || lines.len() > 200 {
            break;
        }
    }
    assert!(
        lines.iter().any(|l| l.contains("serving")),
        "the server logs that it serves: {lines:?}"
    );
    for line in &lines {
        assert!(
            !line.contains('\u{1b}'),
            "no terminal escape codes: {line:?}"
        );
    }
}

/// Sends `request` on a new connection to `port` and reads the answer
/// until the server closes the connection.
fn raw_request(port: u16, request: &[u8]) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .expect("a read timeout");
    stream.write_all(request).expect("send");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn malformed_requests_are_not_logged_as_errors() {
    // The default filter: no RUST_LOG.
    let mut server = ServedBinary::start(&["--no-demo"], &[("RUST_LOG", None)]);
    let mut lines = server.log();
    let port: u16 = lines
        .by_ref()
        .take(200)
        .find_map(|line| {
            let addr = line.split_whitespace().find(|w| w.starts_with("addr="))?;
            addr.rsplit(':').next()?.parse().ok()
        })
        .expect("the server logs the address it serves on");

    let junk: [&[u8]; 3] = [
        b"GET / HTTP/1.1\r\nHost: x\r\nNot a header line\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\nContent-Length: 13\r\n\r\n",
    ];
    for request in junk {
        let answer = raw_request(port, request);
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer:?}");
    }
    // A real request after them: its log line comes after theirs.
    let answer = raw_request(
        port,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    let mut seen = Vec::new();
    for line in lines.by_ref().take(200) {
        let done = line.contains("/healthz");
        seen.push(line);
        if done {
            break;
        }
    }
    assert!(
        seen.iter().any(|l| l.contains("/healthz")),
        "the real request is logged: {seen:?}"
    );
    let errors: Vec<&String> = seen.iter().filter(|l| l.contains("ERROR")).collect();
    assert!(
        errors.is_empty(),
        "a client's malformed request is not a server error: {errors:?}"
    );
}
