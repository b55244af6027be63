//! The media library: uploading images at `/admin/media`, serving them at
//! `/media/{file}`, and deleting them (by role, never while in use).

use diesel::prelude::*;
use iconocast::db::media::{self as db_media, NewMedia};
use iconocast::db::schema::{articles, media, sections};
use iconocast::domain::Role;

use crate::helpers::{
    backend_test, now, spawn_app, spawn_app_with_upload_limit, Backend, Page, Staff, TestApp,
};

/// A 1x1 PNG.
pub const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x60, 0x60, 0x60, 0x60,
    0x00, 0x00, 0x00, 0x05, 0x00, 0x01, 0xA5, 0xF6, 0x45, 0x40, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// A 3x2 GIF89a.
const GIF_3X2: &[u8] = &[
    b'G', b'I', b'F', b'8', b'9', b'a', 0x03, 0x00, 0x02, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xFF, 0xFF, 0xFF, 0x2C, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00, 0x00, 0x02, 0x02, 0x44,
    0x01, 0x00, 0x3B,
];

/// The start of a baseline JPEG, 640x480 (SOI, APP0, SOF0, EOI).
const JPEG_640X480: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0xE0, 0x02, 0x80, 0x03, 0x01, 0x22,
    0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xD9,
];

/// A lossless WebP (VP8L) header, 2x3.
const WEBP_2X3: &[u8] = &[
    b'R', b'I', b'F', b'F', 0x1A, 0x00, 0x00, 0x00, b'W', b'E', b'B', b'P', b'V', b'P', b'8', b'L',
    0x0E, 0x00, 0x00, 0x00, 0x2F, 0x01, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00,
];

/// One part of a multipart form.
pub struct Part<'a> {
    name: &'a str,
    file: Option<(&'a str, &'a str)>,
    data: &'a [u8],
}

pub fn field<'a>(name: &'a str, value: &'a str) -> Part<'a> {
    Part {
        name,
        file: None,
        data: value.as_bytes(),
    }
}

pub fn file<'a>(file_name: &'a str, content_type: &'a str, data: &'a [u8]) -> Part<'a> {
    Part {
        name: "file",
        file: Some((file_name, content_type)),
        data,
    }
}

/// A `multipart/form-data` body as a browser sends it.
fn multipart(parts: &[Part]) -> (String, Vec<u8>) {
    let boundary = "----iconocastTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match part.file {
            Some((file_name, content_type)) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{file_name}\"\r\n\
                     Content-Type: {content_type}\r\n\r\n",
                    part.name
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"\r\n\r\n",
                    part.name
                )
                .as_bytes(),
            ),
        }
        body.extend_from_slice(part.data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub async fn post_multipart(app: &TestApp, parts: &[Part<'_>], cookie: &str) -> Page {
    let (content_type, body) = multipart(parts);
    let mut req = app
        .client
        .post(format!("{}/admin/media", app.address))
        .header("Content-Type", content_type)
        .body(body);
    if !cookie.is_empty() {
        req = req.header("Cookie", cookie);
    }
    let res = req.send().await.expect("POST /admin/media");
    Page::read(res).await
}

/// Uploads `data` as `who`, the way the form does.
pub async fn upload(who: &Staff<'_>, name: &str, ctype: &str, data: &[u8]) -> Page {
    post_multipart(
        who.app(),
        &[field("csrf_token", &who.csrf), file(name, ctype, data)],
        &who.cookie,
    )
    .await
}

/// The id in a `/admin/media?uploaded=ID` redirect.
fn uploaded_id(page: &Page) -> i32 {
    assert_eq!(page.status, 303, "{}", page.body);
    let location = page.header("location").expect("a Location header");
    location
        .strip_prefix("/admin/media?uploaded=")
        .and_then(|rest| rest.split('&').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not an upload redirect: {location}"))
}

/// A raw response: status, headers and the body as bytes.
async fn fetch(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut req = app.client.request(method, format!("{}{path}", app.address));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.bytes().await.expect("body").to_vec();
    (status, headers, body)
}

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn media_rows(app: &TestApp) -> i64 {
    app.with_conn(|c| media::table.count().get_result::<i64>(c))
        .expect("count media")
}

/// The originals in the app's media folder (none before the first
/// upload), their variants left out.
pub fn files_on_disk(app: &TestApp) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(&app.media.path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.contains('-'))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn find_media(app: &TestApp, id: i32) -> Option<iconocast::db::models::Media> {
    app.with_conn(|c| db_media::find(c, id))
        .expect("find media")
}

/// An upload of one kind: bytes, file name and type as sent, the
/// extension stored (the original's family: PNG for transparency, else
/// JPEG), width and height.
type Kind = (Vec<u8>, &'static str, &'static str, &'static str, i32, i32);

/// A real image of `width` x `height` in `format`, a gradient.
pub fn encoded(width: u32, height: u32, format: image::ImageFormat) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([
            (x * 255 / width.max(1)) as u8,
            (y * 255 / height.max(1)) as u8,
            128,
        ])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(picture)
        .write_to(&mut std::io::Cursor::new(&mut out), format)
        .expect("encode");
    out
}

backend_test!(
    async fn images_of_each_kind_are_stored_served_and_audited(backend: Backend) {
        let app = spawn_app(&backend).await;
        let cora = app
            .staff("co@example.org", "Cora Contributor", Role::Contributor)
            .await;
        let user_id = cora.id;

        let form = cora.get("/admin/media").await;
        assert_eq!(form.status, 200, "{backend:?}: {}", form.body);
        assert_eq!(form.header("cache-control").as_deref(), Some("no-store"));
        assert_eq!(
            form.attrs("form[enctype='multipart/form-data']", "action"),
            vec!["/admin/media".to_owned()],
            "{backend:?}"
        );
        assert_eq!(
            form.attrs("form[enctype='multipart/form-data'] input", "name")[..2],
            ["csrf_token".to_owned(), "file".to_owned()],
            "{backend:?}: the token comes before the file"
        );
        assert_eq!(
            form.attrs("input[type=file][name=file][required]", "accept"),
            vec!["image/jpeg,image/png,image/webp,image/gif".to_owned()]
        );
        assert_eq!(form.texts("label[for=media-file]"), vec!["Image file"]);
        assert!(
            form.texts(".media-help")[0].contains("up to 10 MB"),
            "{backend:?}"
        );
        assert_eq!(form.texts("p.empty"), vec!["No images yet."], "{backend:?}");

        let kinds: [Kind; 4] = [
            // A transparent pixel: kept as a PNG.
            (PNG_1X1.to_vec(), "pixel.png", "image/png", "png", 1, 1),
            (
                encoded(640, 480, image::ImageFormat::Jpeg),
                "photo.jpeg",
                "image/jpeg",
                "jpg",
                640,
                480,
            ),
            // Opaque GIFs and WebPs are kept as JPEGs.
            (gif_3x2(), "anim.gif", "image/gif", "jpg", 3, 2),
            // The browser's type and the file name do not matter.
            (
                encoded(2, 3, image::ImageFormat::WebP),
                "picture.bin",
                "application/octet-stream",
                "jpg",
                2,
                3,
            ),
        ];
        for (n, (bytes, name, ctype, ext, width, height)) in kinds.into_iter().enumerate() {
            let page = upload(&cora, name, ctype, &bytes).await;
            let id = uploaded_id(&page);
            let row = find_media(&app, id).expect("the row");
            let expected_type = format!("image/{}", if ext == "jpg" { "jpeg" } else { ext });
            assert_eq!(row.content_type, expected_type, "{backend:?}: {name}");
            assert_eq!(
                (row.width, row.height),
                (width, height),
                "{backend:?}: {name}"
            );
            // What is stored is made again from the pixels.
            let stored = std::fs::read(app.media.path.join(&row.file_name)).expect("the file");
            assert_eq!(row.byte_size, stored.len() as i64, "{backend:?}: {name}");
            assert_eq!(row.uploaded_by, Some(user_id), "{backend:?}: {name}");
            assert_eq!(row.file_name.len(), 16 + 1 + ext.len(), "{}", row.file_name);
            assert!(
                row.file_name.ends_with(&format!(".{ext}")),
                "{}",
                row.file_name
            );
            assert_eq!(media_rows(&app), n as i64 + 1, "{backend:?}");
            assert!(files_on_disk(&app).contains(&row.file_name), "{backend:?}");

            let audits = app.audited("media_upload");
            let last = audits.last().expect("an audit row");
            assert_eq!((last.0, last.1), (Some(user_id), Some(id)), "{backend:?}");
            assert!(last.2.contains(&row.file_name), "{backend:?}: {}", last.2);

            // The library shows it with a notice, newest first.
            let location = page.header("location").expect("location");
            let library = cora.get(&location).await;
            assert_eq!(library.status, 200, "{backend:?}");
            assert!(
                library.texts(".media-notice")[0].contains(&row.file_name),
                "{backend:?}: {:?}",
                library.texts(".media-notice")
            );
            let first = "table.media-table tbody tr:first-child";
            assert_eq!(
                library.attrs(&format!("{first} img"), "src"),
                vec![row.thumb()]
            );
            assert_eq!(library.attrs(&format!("{first} img"), "alt"), vec![""]);
            assert_eq!(
                library.attrs(&format!("{first} img"), "loading"),
                vec!["lazy"]
            );
            assert_eq!(
                library.attrs(&format!("{first} img"), "width"),
                vec![width.to_string()]
            );
            assert_eq!(
                library.attrs(&format!("{first} img"), "height"),
                vec![height.to_string()]
            );
            assert_eq!(
                library.texts(&format!("{first} .media-dimensions")),
                vec![format!("{width} × {height}")]
            );
            assert_eq!(
                library.texts(&format!("{first} .media-type")),
                vec![expected_type.clone()]
            );
            assert_eq!(
                library.texts(&format!("{first} .media-uploader")),
                vec!["Cora Contributor"]
            );
            assert_eq!(
                library.texts(&format!("{first} .media-uses")),
                vec!["0 articles"]
            );

            // Served as stored, cached for good.
            let path = format!("/media/{}", row.file_name);
            let (status, headers, body) = fetch(&app, reqwest::Method::GET, &path, &[]).await;
            assert_eq!(status, 200, "{backend:?}: {path}");
            assert_eq!(body, stored, "{backend:?}: {path}");
            assert_eq!(header(&headers, "content-type"), expected_type);
            assert_eq!(
                header(&headers, "cache-control"),
                "public, max-age=31536000, immutable"
            );
            assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
            let etag = header(&headers, "etag");
            assert_eq!(etag, format!("\"{}\"", &row.file_name[..16]));
            let (status, _, body) = fetch(
                &app,
                reqwest::Method::GET,
                &path,
                &[("If-None-Match", &etag)],
            )
            .await;
            assert_eq!((status, body.len()), (304, 0), "{backend:?}");
            let (status, headers, body) = fetch(&app, reqwest::Method::HEAD, &path, &[]).await;
            assert_eq!((status, body.len()), (200, 0), "{backend:?}");
            assert_eq!(header(&headers, "content-type"), expected_type);
        }

        // The same bytes again: the same row and file, nothing new.
        let page = upload(&cora, "again.png", "image/png", PNG_1X1).await;
        let again = uploaded_id(&page);
        let first = app
            .with_conn(|c| {
                media::table
                    .order(media::id.asc())
                    .select(media::id)
                    .first::<i32>(c)
            })
            .expect("first id");
        assert_eq!(again, first, "{backend:?}");
        assert!(page
            .header("location")
            .unwrap_or_default()
            .ends_with("&existing=1"));
        assert_eq!(media_rows(&app), 4, "{backend:?}");
        assert_eq!(files_on_disk(&app).len(), 4, "{backend:?}");
        assert_eq!(app.audited("media_upload").len(), 4, "{backend:?}");
        let library = cora.get(&page.header("location").unwrap_or_default()).await;
        assert!(
            library.texts(".media-notice")[0].contains("already in the library"),
            "{backend:?}"
        );
    }
);

backend_test!(
    async fn what_is_not_an_accepted_image_is_refused_and_nothing_is_stored(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ed = app.staff("ed@example.org", "Ed Editor", Role::Editor).await;
        let (cookie, token) = (&ed.cookie, &ed.csrf);

        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><script>alert(1)</script></svg>"#;
        let truncated = &PNG_1X1[..18];
        let refused: [(&str, &str, &[u8]); 4] = [
            (
                "photo.jpg",
                "image/jpeg",
                b"This is only text, renamed photo.jpg.\n",
            ),
            ("logo.svg", "image/svg+xml", svg),
            ("cut.png", "image/png", truncated),
            ("page.html", "text/html", b"<!DOCTYPE html><title>x</title>"),
        ];
        for (name, ctype, data) in refused {
            let page = upload(&ed, name, ctype, data).await;
            assert_eq!(page.status, 415, "{backend:?}: {name}: {}", page.body);
            let message = page.texts("#media-error");
            assert_eq!(message.len(), 1, "{backend:?}: {name}");
            assert!(message[0].contains("JPEG, PNG, WebP or GIF"), "{message:?}");
            // The library is shown again, with its form.
            assert_eq!(page.attrs("input[type=file]", "name"), vec!["file"]);
        }

        // No file chosen: the browser sends an empty part with no name.
        let page = upload(&ed, "", "application/octet-stream", b"").await;
        assert_eq!(page.status, 422, "{backend:?}: {}", page.body);
        assert_eq!(
            page.texts("#media-error"),
            vec!["Choose an image file to upload."]
        );
        let page = post_multipart(&app, &[field("csrf_token", token)], cookie).await;
        assert_eq!(page.status, 422, "{backend:?}");

        // Without the session's token, or with the file before it: 403.
        for parts in [
            vec![file("pixel.png", "image/png", PNG_1X1)],
            vec![
                field("csrf_token", "not-the-token"),
                file("pixel.png", "image/png", PNG_1X1),
            ],
            vec![
                file("pixel.png", "image/png", PNG_1X1),
                field("csrf_token", token),
            ],
        ] {
            let page = post_multipart(&app, &parts, cookie).await;
            assert_eq!(page.status, 403, "{backend:?}: {}", page.body);
        }

        // Not a multipart body at all.
        let page = app
            .post_form("/admin/media", &[("csrf_token", token.as_str())], cookie)
            .await;
        assert_eq!(page.status, 400, "{backend:?}: {}", page.body);

        // Signed out: to the login form.
        let page = post_multipart(
            &app,
            &[
                field("csrf_token", token),
                file("pixel.png", "image/png", PNG_1X1),
            ],
            "",
        )
        .await;
        assert_eq!(page.status, 303, "{backend:?}");
        assert!(page
            .header("location")
            .unwrap_or_default()
            .starts_with("/admin/login"));

        assert_eq!(media_rows(&app), 0, "{backend:?}");
        assert_eq!(files_on_disk(&app), Vec::<String>::new(), "{backend:?}");
        assert!(app.audited("media_upload").is_empty(), "{backend:?}");
    }
);

backend_test!(
    async fn uploads_over_the_limit_are_refused_with_413(backend: Backend) {
        let app = spawn_app_with_upload_limit(&backend, 1).await;
        let ann = app
            .staff("au@example.org", "Ann Author", Role::Author)
            .await;
        let form = ann.get("/admin/media").await;
        assert!(
            form.texts(".media-help")[0].contains("up to 1 MB"),
            "{backend:?}"
        );

        let mb = 1024 * 1024;
        // A valid PNG header padded to a size: what counts is the size.
        let padded = |size: usize| {
            let mut bytes = PNG_1X1.to_vec();
            bytes.resize(size, 0);
            bytes
        };
        // Just over (read until the cap), and far over (refused by its
        // declared length, unread).
        for size in [mb + 1, 3 * mb] {
            let page = upload(&ann, "big.png", "image/png", &padded(size)).await;
            assert_eq!(page.status, 413, "{backend:?}: {size}: {}", page.body);
            assert!(
                page.body.contains("up to 1 MB"),
                "{backend:?}: {}",
                page.body
            );
        }
        assert_eq!(media_rows(&app), 0, "{backend:?}");
        assert_eq!(files_on_disk(&app), Vec::<String>::new(), "{backend:?}");

        // At the limit exactly it is taken (and stored made again from
        // its pixels, without the padding).
        let page = upload(&ann, "fits.png", "image/png", &padded(mb)).await;
        let id = uploaded_id(&page);
        assert!(find_media(&app, id).is_some_and(|m| m.byte_size < mb as i64));
    }
);

backend_test!(
    async fn deletion_follows_roles_and_refuses_images_in_use(backend: Backend) {
        let app = spawn_app(&backend).await;
        let admin = app.staff("ad@example.org", "Ada Admin", Role::Admin).await;
        let admin_id = admin.id;
        let contributor = app
            .staff("co@example.org", "Cora Contributor", Role::Contributor)
            .await;

        let theirs = uploaded_id(&upload(&admin, "a.png", "image/png", PNG_1X1).await);
        let own = uploaded_id(&upload(&contributor, "b.gif", "image/gif", &gif_3x2()).await);
        let name = find_media(&app, theirs).expect("row").file_name;

        // A contributor sees no delete button for someone else's image, and
        // the server refuses it anyway.
        let library = contributor.get("/admin/media").await;
        let actions = library.attrs("form.media-delete", "action");
        assert_eq!(
            actions,
            vec![format!("/admin/media/{own}/delete")],
            "{backend:?}"
        );
        let page = contributor
            .post(&format!("/admin/media/{theirs}/delete"), &[])
            .await;
        assert_eq!(page.status, 403, "{backend:?}: {}", page.body);
        assert!(find_media(&app, theirs).is_some(), "{backend:?}");

        // Without the token: 403, nothing deleted.
        let page = app
            .post_form(&format!("/admin/media/{theirs}/delete"), &[], &admin.cookie)
            .await;
        assert_eq!(page.status, 403, "{backend:?}");
        assert!(find_media(&app, theirs).is_some(), "{backend:?}");

        // In use as an article's hero image: 409, naming the article.
        let rowing = app.category("Rowing");
        let title = "A pixel story".to_owned();
        let article_id = app.article(&title).in_category(&rowing).create();
        let path = "/rowing/a-pixel-story";
        app.with_conn(|c| {
            diesel::update(articles::table.find(article_id))
                .set((
                    articles::hero_media_id.eq(Some(theirs)),
                    articles::hero_alt.eq("A single dark pixel"),
                ))
                .execute(c)
        })
        .expect("set the hero image");
        let public = app.get(path).await;
        assert_eq!(public.status, 200, "{backend:?}");
        let hero = format!("img[src='/media/{name}']");
        assert_eq!(
            public.attrs(&hero, "alt"),
            vec!["A single dark pixel"],
            "{backend:?}"
        );
        assert_eq!(public.attrs(&hero, "width"), vec!["1"]);
        assert_eq!(public.attrs(&hero, "height"), vec!["1"]);

        let library = admin.get("/admin/media").await;
        let row = format!("tr[data-media-id='{theirs}'] .media-uses");
        assert_eq!(library.texts(&row), vec!["1 article"], "{backend:?}");

        let delete_path = format!("/admin/media/{theirs}/delete");
        let page = admin.post(&delete_path, &[]).await;
        assert_eq!(page.status, 409, "{backend:?}: {}", page.body);
        assert_eq!(
            page.attrs("#media-conflict a", "href"),
            vec![format!("/admin/articles/{article_id}")]
        );
        assert_eq!(page.texts("#media-conflict a"), vec![title.clone()]);
        assert!(find_media(&app, theirs).is_some(), "{backend:?}");
        assert!(files_on_disk(&app).contains(&name), "{backend:?}");

        // Named in a section's text instead: still in use.
        app.with_conn(|c| {
            diesel::update(articles::table.find(article_id))
                .set(articles::hero_media_id.eq(None::<i32>))
                .execute(c)?;
            let section = sections::table
                .filter(sections::article_id.eq(article_id))
                .select(sections::id)
                .first::<i32>(c)?;
            diesel::update(sections::table.find(section))
                .set(sections::body.eq(format!("A picture: ![a pixel](/media/{name})")))
                .execute(c)
        })
        .expect("mention the image in a section");
        let page = admin.post(&delete_path, &[]).await;
        assert_eq!(page.status, 409, "{backend:?}: {}", page.body);
        assert_eq!(page.texts("#media-conflict a"), vec![title.clone()]);

        // In the intro too.
        app.with_conn(|c| {
            diesel::update(sections::table.filter(sections::article_id.eq(article_id)))
                .set(sections::body.eq("No pictures here."))
                .execute(c)?;
            diesel::update(articles::table.find(article_id))
                .set(articles::intro.eq(format!("See /media/{name} for the picture.")))
                .execute(c)
        })
        .expect("mention the image in the intro");
        let page = admin.post(&delete_path, &[]).await;
        assert_eq!(page.status, 409, "{backend:?}");

        // No longer used: deleted, file and all, and audited.
        app.with_conn(|c| {
            diesel::update(articles::table.find(article_id))
                .set(articles::intro.eq("An intro without pictures."))
                .execute(c)
        })
        .expect("clear the intro");
        let page = admin.post(&delete_path, &[]).await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        assert_eq!(
            page.header("location").as_deref(),
            Some("/admin/media?deleted=1")
        );
        assert!(find_media(&app, theirs).is_none(), "{backend:?}");
        assert!(!files_on_disk(&app).contains(&name), "{backend:?}");
        let (status, _, _) =
            fetch(&app, reqwest::Method::GET, &format!("/media/{name}"), &[]).await;
        assert_eq!(status, 404, "{backend:?}");
        let deleted = app.audited("media_delete");
        assert_eq!(deleted.len(), 1, "{backend:?}");
        assert_eq!((deleted[0].0, deleted[0].1), (Some(admin_id), Some(theirs)));
        assert!(deleted[0].2.contains(&name), "{}", deleted[0].2);
        let library = admin.get("/admin/media?deleted=1").await;
        assert_eq!(
            library.texts(".media-notice"),
            vec!["The image was deleted."]
        );

        // A contributor deletes their own; an unknown id is a 404.
        let page = contributor
            .post(&format!("/admin/media/{own}/delete"), &[])
            .await;
        assert_eq!(page.status, 303, "{backend:?}: {}", page.body);
        assert_eq!(media_rows(&app), 0, "{backend:?}");
        assert_eq!(files_on_disk(&app), Vec::<String>::new(), "{backend:?}");
        for bad in ["999999", "abc"] {
            let page = admin.post(&format!("/admin/media/{bad}/delete"), &[]).await;
            assert_eq!(page.status, 404, "{backend:?}: {bad}");
        }
    }
);

backend_test!(
    async fn only_names_the_library_makes_are_served(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ed = app.staff("ed@example.org", "Ed Editor", Role::Editor).await;
        let id = uploaded_id(&upload(&ed, "a.png", "image/png", PNG_1X1).await);
        let name = find_media(&app, id).expect("row").file_name;
        // Files in the folder under other names are never reachable.
        std::fs::write(app.media.path.join("notes.txt"), "secret").expect("write");
        std::fs::write(app.media.path.join(name.to_uppercase()), "x").expect("write");

        for path in [
            "/media/..%2F..%2Fetc%2Fpasswd".to_owned(),
            "/media/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd".to_owned(),
            "/media/..%5C..%5Cwindows".to_owned(),
            "/media/notes.txt".to_owned(),
            format!("/media/{}", name.to_uppercase()),
            format!("/media/{}.tmp", name),
            format!("/media/.{}", name),
            format!("/media/{}", name.replace(".png", ".svg")),
            "/media/0123456789abcdef.png".to_owned(),
            "/media/".to_owned(),
        ] {
            let page = app.get(&path).await;
            assert_eq!(page.status, 404, "{backend:?}: {path}");
            assert!(page.body.contains("Page not found"), "{backend:?}: {path}");
        }
        let (status, _, body) =
            fetch(&app, reqwest::Method::GET, &format!("/media/{name}"), &[]).await;
        let stored = std::fs::read(app.media.path.join(&name)).expect("the file");
        assert_eq!((status, body), (200, stored), "{backend:?}");
    }
);

backend_test!(
    async fn the_library_is_paged_and_needs_a_session(backend: Backend) {
        let app = spawn_app(&backend).await;
        let page = app.get("/admin/media").await;
        assert_eq!(page.status, 303, "{backend:?}");
        assert_eq!(
            page.header("location").as_deref(),
            Some("/admin/login?next=%2Fadmin%2Fmedia")
        );

        let ann = app
            .staff("au@example.org", "Ann Author", Role::Author)
            .await;
        let user_id = ann.id;
        let add = |n: usize| {
            app.with_conn(|c| {
                for i in 0..n {
                    let name = format!("{:016x}.png", rand_like(i));
                    db_media::insert(
                        c,
                        &NewMedia {
                            file_name: &name,
                            content_type: "image/png",
                            byte_size: 100,
                            width: 10,
                            height: 10,
                            uploaded_by: Some(user_id),
                            created_at: now(),
                            variants: "",
                            focal_x: 50,
                            focal_y: 50,
                            caption: "",
                            credit: "",
                            own_work: true,
                        },
                    )?;
                }
                Ok::<_, diesel::result::Error>(())
            })
            .expect("insert media rows")
        };
        add(1);
        let queries = |path: &'static str| {
            let (app, ann) = (&app, &ann);
            async move {
                // The layout's settings are read again after any change.
                app.with_conn(|_| ());
                let before = app.db.queries.get();
                let page = ann.get(path).await;
                assert_eq!(page.status, 200, "{path}");
                app.db.queries.get() - before
            }
        };
        let one = queries("/admin/media").await;
        app.with_conn(|c| diesel::delete(media::table).execute(c))
            .expect("clear");
        add(51);
        let many = queries("/admin/media").await;
        assert_eq!(one, many, "{backend:?}: queries for 1 image vs 50");

        let first = ann.get("/admin/media").await;
        assert_eq!(
            first.texts("table.media-table tbody tr").len(),
            50,
            "{backend:?}"
        );
        assert_eq!(
            first.attrs("a[rel=next]", "href"),
            vec!["/admin/media?page=2"]
        );
        let second = ann.get("/admin/media?page=2").await;
        assert_eq!(second.status, 200, "{backend:?}");
        assert_eq!(
            second.texts("table.media-table tbody tr").len(),
            1,
            "{backend:?}"
        );
        assert_eq!(
            second.attrs("a[rel=prev]", "href"),
            vec!["/admin/media?page=1"]
        );
        for bad in ["abc", "0", "-1"] {
            let page = ann.get(&format!("/admin/media?page={bad}")).await;
            assert_eq!(page.status, 400, "{backend:?}: page={bad}");
        }
        let page = ann.get("/admin/media?page=3").await;
        assert_eq!(page.status, 404, "{backend:?}");
    }
);

/// Distinct 64-bit values for made-up file names.
fn rand_like(i: usize) -> u64 {
    (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// A PNG chunk: length, type, data and CRC.
fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).expect("chunk size").to_be_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
}

/// A whole, valid black-and-white PNG (1 bit a pixel) of `width` x
/// `height`, all black: a few KB however many pixels it has.
fn png_of_size(width: u32, height: u32) -> Vec<u8> {
    use std::io::Write;
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[1, 0, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    let row = vec![0u8; 1 + (width as usize).div_ceil(8)];
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    for _ in 0..height {
        z.write_all(&row).expect("compress");
    }
    png_chunk(&mut out, b"IDAT", &z.finish().expect("compress"));
    png_chunk(&mut out, b"IEND", b"");
    out
}

/// The 73-byte PNG that declares 65,535 x 65,535 pixels (16 GB of RGBA
/// once decoded) with next to no data.
fn png_bomb_73_bytes() -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&65_535u32.to_be_bytes());
    ihdr.extend_from_slice(&65_535u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9C, 0x63, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    );
    png_chunk(&mut out, b"IEND", b"");
    assert_eq!(out.len(), 73);
    out
}

/// A whole 3x2 GIF, as an image editor writes one (`GIF_3X2` is the
/// smallest file with the shape of one, which a strict decoder refuses).
fn gif_3x2() -> Vec<u8> {
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(3, 2, image::Rgb([200, 30, 30])))
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Gif)
        .expect("encode");
    out
}

/// [`gif_3x2`] with a comment extension (a legal part of a GIF) that holds
/// `text`, before the image.
fn gif_with_comment(text: &[u8]) -> Vec<u8> {
    let gif = gif_3x2();
    // The header, the screen descriptor and its colour table, if any.
    let flags = gif[10];
    let table = if flags & 0x80 == 0 {
        0
    } else {
        3 << ((flags & 0x07) + 1)
    };
    let (head, rest) = gif.split_at(13 + table);
    let mut out = head.to_vec();
    out.extend_from_slice(&[0x21, 0xFE]);
    for block in text.chunks(255) {
        out.push(u8::try_from(block.len()).expect("block size"));
        out.extend_from_slice(block);
    }
    out.push(0);
    out.extend_from_slice(rest);
    out
}

backend_test!(
    async fn image_bombs_and_files_carrying_another_format_are_refused_and_not_stored(
        backend: Backend,
    ) {
        let php = b"<?php system($_GET['c']); ?>";
        let bomb = png_bomb_73_bytes();
        let huge = png_of_size(20_000, 20_000);
        let too_wide = png_of_size(12_001, 10);
        let too_many = png_of_size(8_000, 7_000);
        let gif_php = gif_with_comment(php);
        let mut gif_then_php = GIF_3X2.to_vec();
        gif_then_php.extend_from_slice(php);
        let mut png_script = PNG_1X1[..33].to_vec();
        png_chunk(
            &mut png_script,
            b"tEXt",
            b"Comment\0<script>alert(1)</script>",
        );
        png_script.extend_from_slice(&PNG_1X1[33..]);
        let mut jpeg_zip = JPEG_640X480.to_vec();
        jpeg_zip.extend_from_slice(b"PK\x03\x04\x14\0\0\0\x08\0payload.jar");
        let mut png_html = PNG_1X1.to_vec();
        png_html.extend_from_slice(b"<HTML><body>hello</body></HTML>");
        let mut webp_after = WEBP_2X3.to_vec();
        webp_after.extend_from_slice(b"#!/bin/sh\nrm -rf /\n");

        let app = spawn_app(&backend).await;
        let ed = app.staff("ed@example.org", "Ed Editor", Role::Editor).await;
        let form = ed.get("/admin/media").await;
        assert!(
            form.texts(".media-help")[0].contains("12,000 pixels a side"),
            "{backend:?}: {:?}",
            form.texts(".media-help")
        );

        let refused: [(&str, &[u8], u16, &str); 10] = [
            ("bomb.png", &bomb, 422, "65535 × 65535 pixels"),
            ("huge.png", &huge, 422, "20000 × 20000 pixels"),
            ("wide.png", &too_wide, 422, "12001 × 10 pixels"),
            ("many.png", &too_many, 422, "8000 × 7000 pixels"),
            ("shell.gif", &gif_php, 415, "script or web page"),
            (
                "shell2.gif",
                &gif_then_php,
                415,
                "after the end of the image",
            ),
            ("xss.png", &png_script, 415, "script or web page"),
            ("gifar.jpg", &jpeg_zip, 415, "after the end of the image"),
            ("page.png", &png_html, 415, "after the end of the image"),
            ("run.webp", &webp_after, 415, "after the end of the image"),
        ];
        for (name, data, status, says) in refused {
            let page = upload(&ed, name, "image/png", data).await;
            assert_eq!(page.status, status, "{backend:?}: {name}: {}", page.body);
            let message = page.texts("#media-error");
            assert_eq!(message.len(), 1, "{backend:?}: {name}");
            assert!(message[0].contains(says), "{name}: {message:?}");
            assert!(message[0].contains("nothing was uploaded"), "{message:?}");
        }
        assert_eq!(media_rows(&app), 0, "{backend:?}");
        assert_eq!(files_on_disk(&app), Vec::<String>::new(), "{backend:?}");
        assert!(app.audited("media_upload").is_empty(), "{backend:?}");

        // Within the limits, an image of any shape is taken: 48 megapixels,
        // 12,000 pixels wide, and a GIF with an innocent comment.
        let fits = png_of_size(12_000, 4_000);
        let id = uploaded_id(&upload(&ed, "wide.png", "image/png", &fits).await);
        let row = find_media(&app, id).expect("the row");
        assert_eq!((row.width, row.height), (12_000, 4_000), "{backend:?}");
        let commented = gif_with_comment(b"Photo: Iconocast News Agency");
        uploaded_id(&upload(&ed, "c.gif", "image/gif", &commented).await);
        assert_eq!(media_rows(&app), 2, "{backend:?}");
        let (status, headers, body) = fetch(
            &app,
            reqwest::Method::GET,
            &format!("/media/{}", row.file_name),
            &[],
        )
        .await;
        let stored = std::fs::read(app.media.path.join(&row.file_name)).expect("the file");
        assert_eq!((status, body.len()), (200, stored.len()), "{backend:?}");
        assert_eq!(header(&headers, "content-type"), "image/jpeg");
        assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    }
);
