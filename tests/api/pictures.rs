//! Pictures: an upload is decoded within the pixel limit, turned upright,
//! stripped of its metadata and made into variants; pages show them in
//! `<picture>` with `srcset` and sizes; the share image follows the focal
//! point; deleting an image removes every file made from it; `/media/`
//! answers range requests; the demo has a picture on every article.

use std::io::Cursor;

use diesel::prelude::*;
use iconocast::db::models::Media;
use iconocast::db::schema::{articles, media};
use iconocast::domain::Role;

use crate::helpers::{backend_test, spawn_app, spawn_app_with, Backend, Page, TestApp};
use crate::media::{field, file, files_on_disk, post_multipart, upload};

/// A JPEG `width` × `height`: the left half red, the right half blue.
fn two_tone_jpeg(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, _| {
        if x < width / 2 {
            image::Rgb([220, 20, 20])
        } else {
            image::Rgb([20, 20, 220])
        }
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(picture)
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut out, 90,
        ))
        .expect("encode");
    out
}

/// A PNG `width` × `height` in three bands across: red, green, blue.
fn three_band_png(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, _| match x * 3 / width {
        0 => image::Rgb([230, 0, 0]),
        1 => image::Rgb([0, 200, 0]),
        _ => image::Rgb([0, 0, 230]),
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(picture)
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("encode");
    out
}

/// An APP1 segment with an EXIF block: the orientation, and a GPS
/// directory with a latitude a camera would record.
fn exif_segment(orientation: u16) -> Vec<u8> {
    let entry = |tiff: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: u32| {
        tiff.extend_from_slice(&tag.to_le_bytes());
        tiff.extend_from_slice(&kind.to_le_bytes());
        tiff.extend_from_slice(&count.to_le_bytes());
        tiff.extend_from_slice(&value.to_le_bytes());
    };
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    // IFD0: the orientation, and where the GPS directory is (8 + 30).
    tiff.extend_from_slice(&2u16.to_le_bytes());
    entry(&mut tiff, 0x0112, 3, 1, u32::from(orientation));
    entry(&mut tiff, 0x8825, 4, 1, 38);
    tiff.extend_from_slice(&0u32.to_le_bytes());
    // The GPS directory: latitude reference "N" and the latitude itself
    // (three rationals at 8 + 38 + 2 + 24 + 4 = 76).
    tiff.extend_from_slice(&2u16.to_le_bytes());
    entry(&mut tiff, 0x0001, 2, 2, u32::from_le_bytes(*b"N\0\0\0"));
    entry(&mut tiff, 0x0002, 5, 3, 76);
    tiff.extend_from_slice(&0u32.to_le_bytes());
    for (n, d) in [(51u32, 1u32), (30, 1), (2637, 100)] {
        tiff.extend_from_slice(&n.to_le_bytes());
        tiff.extend_from_slice(&d.to_le_bytes());
    }
    let mut segment = vec![0xFF, 0xE1];
    let len = u16::try_from(2 + 6 + tiff.len()).expect("short");
    segment.extend_from_slice(&len.to_be_bytes());
    segment.extend_from_slice(b"Exif\0\0");
    segment.extend_from_slice(&tiff);
    segment
}

/// `jpeg` with `segment` spliced in right after its SOI.
fn with_segment(jpeg: &[u8], segment: &[u8]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(segment);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// Every file in the app's media folder made from `original` (its stem).
fn files_of(app: &TestApp, original: &str) -> Vec<String> {
    let stem = &original[..16];
    let mut names: Vec<String> = std::fs::read_dir(&app.media.path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(stem))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn row(app: &TestApp, id: i32) -> Media {
    app.with_conn(|c| media::table.find(id).select(Media::as_select()).first(c))
        .expect("the media row")
}

fn rows(app: &TestApp) -> i64 {
    app.with_conn(|c| media::table.count().get_result::<i64>(c))
        .expect("count")
}

/// The id in a `/admin/media?uploaded=ID` redirect.
fn uploaded(page: &Page) -> i32 {
    assert_eq!(page.status, 303, "{}", page.body);
    page.header("location")
        .and_then(|l| {
            l.strip_prefix("/admin/media?uploaded=")
                .and_then(|rest| rest.split('&').next())
                .and_then(|id| id.parse().ok())
        })
        .expect("an upload redirect")
}

async fn bytes_of(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut req = app.client.get(format!("{}{path}", app.address));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.expect("GET");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.bytes().await.expect("body").to_vec())
}

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// A published article with image `id` as its hero; its path.
fn article_with_hero(app: &TestApp, title: &str, id: i32) -> String {
    let desk = app.desk();
    let mut article = app.article(title).in_category(desk);
    article.input.hero = Some((id, format!("The picture of {title}")));
    let slug = article.input.slug.clone();
    article.create();
    format!("/{}/{slug}", desk.slug)
}

/// The widths a `srcset` names.
fn srcset_widths(srcset: &str) -> Vec<u32> {
    srcset
        .split(',')
        .filter_map(|c| c.trim().rsplit_once(' '))
        .filter_map(|(_, w)| w.strip_suffix('w')?.parse().ok())
        .collect()
}

backend_test!(
    async fn an_upload_is_made_upright_into_variants_that_carry_no_metadata(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ada = app
            .staff("ada@example.org", "Ada Editor", Role::Editor)
            .await;
        // Stored on its side, 1400 × 700, left red and right blue; the
        // camera says "turn 90° clockwise" and where it was.
        let photo = with_segment(&two_tone_jpeg(1400, 700), &exif_segment(6));
        assert!(photo.windows(4).any(|w| w == b"Exif"));
        let id = uploaded(&upload(&ada, "photo.jpg", "image/jpeg", &photo).await);
        let item = row(&app, id);
        // Upright: 700 wide, 1400 high.
        assert_eq!((item.width, item.height), (700, 1400), "{backend:?}");
        assert_eq!(item.content_type, "image/jpeg");
        assert_eq!(item.variants, "320,640,700", "{backend:?}");
        let files = files_of(&app, &item.file_name);
        let stem = &item.file_name[..16];
        assert_eq!(
            files,
            vec![
                format!("{stem}-320w.jpg"),
                format!("{stem}-320w.webp"),
                format!("{stem}-640w.jpg"),
                format!("{stem}-640w.webp"),
                format!("{stem}-700w.webp"),
                format!("{stem}-share50x50.jpg"),
                item.file_name.clone(),
            ],
            "{backend:?}"
        );
        for name in &files {
            let (status, _, bytes) = bytes_of(&app, &format!("/media/{name}"), &[]).await;
            assert_eq!(status, 200, "{name}");
            // No EXIF, no TIFF block, no GPS: nothing but pixels.
            for needle in [&b"Exif"[..], b"EXIF", b"II*\0", b"MM\0*"] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle),
                    "{backend:?}: {name} carries {needle:?}"
                );
            }
            let mut decoder = image::ImageReader::new(Cursor::new(&bytes))
                .with_guessed_format()
                .expect("format")
                .into_decoder()
                .expect("decoder");
            use image::ImageDecoder;
            assert_eq!(decoder.exif_metadata().expect("read"), None, "{name}");
            let picture = image::DynamicImage::from_decoder(decoder).expect("decode");
            if name.contains("share") {
                continue;
            }
            let (w, h) = (picture.width(), picture.height());
            assert!(h > w, "{name} is upright: {w} x {h}");
            // Red on top, blue below.
            let rgb = picture.to_rgb8();
            let top = rgb.get_pixel(w / 2, h / 4).0;
            let bottom = rgb.get_pixel(w / 2, h * 3 / 4).0;
            assert!(top[0] > 150 && top[2] < 100, "{name}: top {top:?}");
            assert!(
                bottom[2] > 150 && bottom[0] < 100,
                "{name}: bottom {bottom:?}"
            );
        }

        // On a page: srcset widths never more than the picture's own.
        let path = article_with_hero(&app, "An upright picture", id);
        let page = app.get(&path).await;
        assert_eq!(page.status, 200, "{backend:?}");
        for srcset in page.attrs(".hero source", "srcset") {
            let widths = srcset_widths(&srcset);
            assert_eq!(widths, vec![320, 640, 700], "{backend:?}: {srcset}");
        }
        assert_eq!(
            page.attrs(".hero source", "type"),
            vec!["image/webp", "image/jpeg"]
        );
        assert_eq!(page.attrs(".hero img", "width"), vec!["700"]);
        assert_eq!(page.attrs(".hero img", "height"), vec!["1400"]);
        assert_eq!(page.attrs(".hero img", "fetchpriority"), vec!["high"]);
        assert!(page.attrs(".hero img", "loading").is_empty());
        assert_eq!(
            page.attrs(".hero img", "alt"),
            vec!["The picture of An upright picture"]
        );
        // The card on the category page: a lazy thumbnail, sized.
        let listing = app.get(&format!("/{}", app.desk().slug)).await;
        assert_eq!(listing.attrs(".card-thumb img", "loading"), vec!["lazy"]);
        assert_eq!(listing.attrs(".card-thumb img", "width"), vec!["700"]);
        for srcset in listing.attrs(".card-thumb source", "srcset") {
            assert!(srcset_widths(&srcset).iter().all(|w| *w <= 700), "{srcset}");
        }
    }
);

backend_test!(
    async fn pixel_bombs_polyglots_and_missing_credits_are_refused_and_nothing_is_stored(
        backend: Backend,
    ) {
        // A lower limit than the default: 1 megapixel.
        let app = spawn_app_with(&backend, |s| s.max_image_pixels = 1_000_000).await;
        let ada = app
            .staff("ada@example.org", "Ada Editor", Role::Editor)
            .await;

        // A whole, real PNG of 1,200 × 1,000: over the configured limit.
        let large = three_band_png(1200, 1000);
        let page = upload(&ada, "large.png", "image/png", &large).await;
        assert_eq!(page.status, 422, "{backend:?}: {}", page.body);
        assert!(
            page.texts("#media-error")[0].contains("1200 × 1000"),
            "{:?}",
            page.texts("#media-error")
        );
        assert!(page.texts("#media-error")[0].contains("1 megapixels"));

        // The 73-byte PNG declaring 65,535 × 65,535.
        let mut bomb = b"\x89PNG\r\n\x1a\n".to_vec();
        let chunk = |out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]| {
            let mut crc = flate2::Crc::new();
            crc.update(kind);
            crc.update(data);
            out.extend_from_slice(&u32::try_from(data.len()).expect("short").to_be_bytes());
            out.extend_from_slice(kind);
            out.extend_from_slice(data);
            out.extend_from_slice(&crc.sum().to_be_bytes());
        };
        let mut ihdr = 65_535u32.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&65_535u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        chunk(&mut bomb, b"IHDR", &ihdr);
        chunk(
            &mut bomb,
            b"IDAT",
            &[0x78, 0x9C, 0x63, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        );
        chunk(&mut bomb, b"IEND", b"");
        assert_eq!(bomb.len(), 73);
        let page = upload(&ada, "bomb.png", "image/png", &bomb).await;
        assert_eq!(page.status, 422, "{backend:?}");
        assert!(page.texts("#media-error")[0].contains("65535 × 65535"));

        // A JPEG that is also a PHP script, in a comment segment.
        let php = b"\xFF\xFE\x00\x1E<?php system($_GET['c']); ?>";
        let polyglot = with_segment(&two_tone_jpeg(64, 32), php);
        let page = upload(&ada, "x.php.jpg", "image/jpeg", &polyglot).await;
        assert_eq!(page.status, 415, "{backend:?}");
        // A GIF header with a PHP script after it.
        let mut gif_php = b"GIF89a\x01\x00\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;".to_vec();
        gif_php.extend_from_slice(b"<?php echo 1; ?>");
        let page = upload(&ada, "x.gif", "image/gif", &gif_php).await;
        assert_eq!(page.status, 415, "{backend:?}");
        // Someone else's picture needs a credit.
        let png = three_band_png(90, 30);
        let page = post_multipart(
            &app,
            &[
                field("csrf_token", &ada.csrf),
                file("p.png", "image/png", &png),
                field("source", "other"),
                field("credit", "  "),
            ],
            &ada.cookie,
        )
        .await;
        assert_eq!(page.status, 422, "{backend:?}");
        assert!(page.texts("#media-error")[0].contains("Credit"));

        assert_eq!(rows(&app), 0, "{backend:?}");
        assert!(files_on_disk(&app).is_empty(), "{backend:?}");
        assert!(
            std::fs::read_dir(&app.media.path)
                .map(|d| d.count())
                .unwrap_or(0)
                == 0,
            "{backend:?}: nothing at all in the media folder"
        );
    }
);

/// The average colour of the middle of the picture at `path`.
async fn middle_colour(app: &TestApp, path: &str) -> [u8; 3] {
    let (status, _, bytes) = bytes_of(app, path, &[]).await;
    assert_eq!(status, 200, "{path}");
    let picture = image::load_from_memory(&bytes).expect("decode").to_rgb8();
    picture
        .get_pixel(picture.width() / 2, picture.height() / 2)
        .0
}

backend_test!(
    async fn the_focal_point_moves_the_share_crop(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ada = app
            .staff("ada@example.org", "Ada Editor", Role::Editor)
            .await;
        // 2400 × 600: red, green and blue bands, far wider than a share image.
        let id =
            uploaded(&upload(&ada, "bands.png", "image/png", &three_band_png(2400, 600)).await);
        let item = row(&app, id);
        let path = article_with_hero(&app, "Three bands", id);

        let og = |page: &Page| -> (String, String, String) {
            let meta = |p: &str| {
                page.attrs(&format!("meta[property='{p}']"), "content")
                    .pop()
                    .unwrap_or_default()
            };
            (
                meta("og:image"),
                meta("og:image:width"),
                meta("og:image:height"),
            )
        };
        let page = app.get(&path).await;
        let (url, width, height) = og(&page);
        let share_path = url.strip_prefix(&app.address).expect("absolute").to_owned();
        assert_eq!(
            share_path,
            format!("/media/{}-share50x50.jpg", &item.file_name[..16])
        );
        // Cut from the 1920-wide variant: 1920 × 480 → 914 × 480.
        assert_eq!(
            (width.as_str(), height.as_str()),
            ("914", "480"),
            "{backend:?}"
        );
        let middle = middle_colour(&app, &share_path).await;
        assert!(
            middle[1] > 150 && middle[0] < 80,
            "{backend:?}: green {middle:?}"
        );
        // The JSON-LD names the same image, its size and its credit.
        let ld: Vec<serde_json::Value> = page
            .texts_raw("script[type='application/ld+json']")
            .iter()
            .filter_map(|t| serde_json::from_str(t).ok())
            .collect();
        let article = ld
            .iter()
            .find(|v| v["@type"] == "NewsArticle")
            .expect("NewsArticle");
        assert_eq!(article["image"]["url"], url.as_str());
        assert_eq!(article["image"]["width"], 914);
        assert_eq!(article["image"]["height"], 480);
        assert_eq!(article["image"]["creditText"], "Iconocast News Agency");

        // Left: the crop moves to the red band. The form works without
        // script: two number inputs.
        let edit = ada.get(&format!("/admin/media/{id}")).await;
        assert_eq!(edit.status, 200, "{backend:?}: {}", edit.body);
        assert_eq!(
            edit.attrs("input[type=number][name=focal_x]", "value"),
            vec!["50"]
        );
        let saved = ada
            .post(
                &format!("/admin/media/{id}"),
                &[
                    ("caption", "Three bands of colour."),
                    ("source", "other"),
                    ("credit", "Jo Photographer / Wire"),
                    ("focal_x", "0"),
                    ("focal_y", "50"),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{backend:?}: {}", saved.body);
        let page = app.get(&path).await;
        let (url, ..) = og(&page);
        assert!(url.ends_with("-share0x50.jpg"), "{url}");
        let middle = middle_colour(&app, url.strip_prefix(&app.address).unwrap_or_default()).await;
        assert!(
            middle[0] > 150 && middle[1] < 80,
            "{backend:?}: red {middle:?}"
        );
        // Right: blue.
        let saved = ada
            .post(
                &format!("/admin/media/{id}"),
                &[
                    ("caption", "Three bands of colour."),
                    ("source", "other"),
                    ("credit", "Jo Photographer / Wire"),
                    ("focal_x", "100"),
                    ("focal_y", "50"),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{backend:?}");
        let page = app.get(&path).await;
        let (url, ..) = og(&page);
        let middle = middle_colour(&app, url.strip_prefix(&app.address).unwrap_or_default()).await;
        assert!(
            middle[2] > 150 && middle[0] < 80,
            "{backend:?}: blue {middle:?}"
        );
        // Caption and credit under the picture, and in the JSON-LD.
        assert_eq!(
            page.texts(".hero figcaption"),
            vec!["Three bands of colour. Credit: Jo Photographer / Wire"]
        );
        assert!(
            page.body
                .contains("\"creditText\":\"Jo Photographer / Wire\""),
            "{backend:?}"
        );
        assert_eq!(app.audited("media_update").len(), 2, "{backend:?}");

        // Bad input changes nothing: a focal point out of range, someone
        // else's picture without a credit, a stranger's form.
        for fields in [
            vec![("focal_x", "101"), ("focal_y", "50")],
            vec![("focal_x", "abc"), ("focal_y", "50")],
            vec![("source", "other"), ("credit", ""), ("focal_x", "10")],
            vec![("source", "mine"), ("focal_x", "10")],
        ] {
            let refused = ada.post(&format!("/admin/media/{id}"), &fields).await;
            assert_eq!(refused.status, 422, "{backend:?}: {fields:?}");
        }
        let cora = app
            .staff("cora@example.org", "Cora Contributor", Role::Contributor)
            .await;
        let refused = cora
            .post(&format!("/admin/media/{id}"), &[("focal_x", "10")])
            .await;
        assert_eq!(refused.status, 403, "{backend:?}");
        assert_eq!(cora.get(&format!("/admin/media/{id}")).await.status, 403);
        let forged = ada
            .post_with_token(
                &format!("/admin/media/{id}"),
                "forged",
                &[("focal_x", "10")],
            )
            .await;
        assert_eq!(forged.status, 403, "{backend:?}");
        assert_eq!(row(&app, id).focal_x, 100, "{backend:?}");
    }
);

backend_test!(
    async fn deleting_an_image_removes_every_file_made_from_it(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ada = app
            .staff("ada@example.org", "Ada Editor", Role::Editor)
            .await;
        let keep =
            uploaded(&upload(&ada, "keep.png", "image/png", &three_band_png(300, 100)).await);
        let id =
            uploaded(&upload(&ada, "photo.jpg", "image/jpeg", &two_tone_jpeg(2000, 1000)).await);
        let item = row(&app, id);
        assert_eq!(item.variants, "320,640,960,1280,1920");
        // A second share image, for another focal point.
        let saved = ada
            .post(
                &format!("/admin/media/{id}"),
                &[("focal_x", "10"), ("focal_y", "20")],
            )
            .await;
        assert_eq!(saved.status, 303, "{backend:?}: {}", saved.body);
        let files = files_of(&app, &item.file_name);
        // The original, 5 WebP and 5 JPEG variants, 2 share images.
        assert_eq!(files.len(), 1 + 5 + 5 + 2, "{backend:?}: {files:?}");
        let kept = files_of(&app, &row(&app, keep).file_name);

        let gone = ada.post(&format!("/admin/media/{id}/delete"), &[]).await;
        assert_eq!(gone.status, 303, "{backend:?}: {}", gone.body);
        assert!(files_of(&app, &item.file_name).is_empty(), "{backend:?}");
        assert_eq!(files_of(&app, &row(&app, keep).file_name), kept);
        let (status, ..) = bytes_of(&app, &format!("/media/{}", files[0]), &[]).await;
        assert_eq!(status, 404);
    }
);

backend_test!(
    async fn media_files_are_streamed_with_their_length_and_answer_ranges(backend: Backend) {
        let app = spawn_app(&backend).await;
        let ada = app
            .staff("ada@example.org", "Ada Editor", Role::Editor)
            .await;
        let id = uploaded(&upload(&ada, "photo.jpg", "image/jpeg", &two_tone_jpeg(900, 600)).await);
        let item = row(&app, id);
        let path = format!("/media/{}", item.file_name);
        let whole = std::fs::read(app.media.path.join(&item.file_name)).expect("the file");
        let len = whole.len();

        let (status, headers, body) = bytes_of(&app, &path, &[]).await;
        assert_eq!(status, 200);
        assert_eq!(body, whole);
        assert_eq!(header(&headers, "content-length"), len.to_string());
        assert_eq!(header(&headers, "accept-ranges"), "bytes");
        assert_eq!(
            header(&headers, "cache-control"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(header(&headers, "content-type"), "image/jpeg");
        let etag = header(&headers, "etag");

        let (status, headers, body) = bytes_of(&app, &path, &[("Range", "bytes=0-9")]).await;
        assert_eq!(status, 206, "{backend:?}");
        assert_eq!(body, &whole[..10]);
        assert_eq!(
            header(&headers, "content-range"),
            format!("bytes 0-9/{len}")
        );
        assert_eq!(header(&headers, "content-length"), "10");
        assert_eq!(
            header(&headers, "cache-control"),
            "public, max-age=31536000, immutable"
        );

        let (status, headers, body) = bytes_of(&app, &path, &[("Range", "bytes=-100")]).await;
        assert_eq!(status, 206);
        assert_eq!(body, &whole[len - 100..]);
        assert_eq!(
            header(&headers, "content-range"),
            format!("bytes {}-{}/{len}", len - 100, len - 1)
        );

        let from = format!("bytes={}-", len - 5);
        let (status, _, body) = bytes_of(&app, &path, &[("Range", &from)]).await;
        assert_eq!((status, body.as_slice()), (206, &whole[len - 5..]));

        let past = format!("bytes={len}-");
        let (status, headers, body) = bytes_of(&app, &path, &[("Range", &past)]).await;
        assert_eq!(status, 416, "{backend:?}");
        assert!(body.is_empty());
        assert_eq!(header(&headers, "content-range"), format!("bytes */{len}"));

        // Several ranges, a malformed one, or an If-Range for another
        // version: the whole file.
        for extra in [
            vec![("Range", "bytes=0-1,5-6")],
            vec![("Range", "bytes=x-y")],
            vec![("Range", "bytes=0-9"), ("If-Range", "\"0000000000000000\"")],
        ] {
            let (status, _, body) = bytes_of(&app, &path, &extra).await;
            assert_eq!((status, body.len()), (200, len), "{extra:?}");
        }
        let (status, _, body) =
            bytes_of(&app, &path, &[("Range", "bytes=0-9"), ("If-Range", &etag)]).await;
        assert_eq!((status, body.len()), (206, 10));
        // Not modified wins over a range.
        let (status, _, body) = bytes_of(
            &app,
            &path,
            &[("Range", "bytes=0-9"), ("If-None-Match", &etag)],
        )
        .await;
        assert_eq!((status, body.len()), (304, 0));
        // HEAD: the length, no body.
        let res = app
            .client
            .head(format!("{}{path}", app.address))
            .send()
            .await
            .expect("HEAD");
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(header(res.headers(), "content-length"), len.to_string());
    }
);

backend_test!(
    async fn every_demo_article_has_a_picture_and_every_listing_shows_thumbnails(backend: Backend) {
        let started = std::time::Instant::now();
        let app = spawn_app_with(&backend, |s| s.demo_pictures = true).await;
        eprintln!("demo with pictures started in {:?}", started.elapsed());
        let missing: Vec<String> = app
            .with_conn(|c| {
                articles::table
                    .filter(articles::hero_media_id.is_null())
                    .select(articles::slug)
                    .load::<String>(c)
            })
            .expect("query");
        assert!(
            missing.is_empty(),
            "{backend:?}: without a picture: {missing:?}"
        );
        let alts: Vec<String> = app
            .with_conn(|c| articles::table.select(articles::hero_alt).load::<String>(c))
            .expect("query");
        assert!(
            alts.iter().all(|a| a.starts_with("Illustration: ")),
            "{alts:?}"
        );

        let home = app.get("/").await;
        assert_eq!(home.status, 200);
        assert_eq!(home.attrs(".lead-thumb img", "fetchpriority"), vec!["high"]);
        let lazy = home.attrs(".card-thumb img", "loading");
        assert!(
            lazy.len() >= 10 && lazy.iter().all(|l| l == "lazy"),
            "{lazy:?}"
        );
        assert_eq!(
            home.attrs("img[fetchpriority]", "src").len(),
            1,
            "one lead picture"
        );

        let article = app.get("/sport/the-quiet-science-of-the-warm-up").await;
        assert_eq!(
            article.texts(".hero figcaption .credit"),
            vec!["Credit: Iconocast art desk"]
        );
        for src in article
            .attrs(".hero source[type='image/webp']", "srcset")
            .iter()
            .flat_map(|s| {
                s.split(", ")
                    .map(|c| c.split(' ').next().unwrap_or_default().to_owned())
                    .collect::<Vec<_>>()
            })
            .chain(
                article
                    .attrs("meta[property='og:image']", "content")
                    .into_iter()
                    .map(|u| u.replace(&app.address, "")),
            )
        {
            let (status, headers, _) = bytes_of(&app, &src, &[]).await;
            assert_eq!(status, 200, "{src}");
            assert!(
                header(&headers, "content-type").starts_with("image/"),
                "{src}"
            );
        }
        for path in [
            "/sport",
            "/blog",
            "/tag/explainer",
            "/author/amara-okafor",
            "/search?q=sleep",
        ] {
            let page = app.get(path).await;
            assert_eq!(page.status, 200, "{path}");
            assert!(
                !page.attrs(".card-thumb img", "src").is_empty(),
                "{backend:?}: {path} has thumbnails"
            );
        }
        // Related articles under an article are cards with thumbnails too.
        assert!(!article.attrs(".related .card-thumb img", "src").is_empty());
        // Every demo article links one of the same dozen pictures.
        assert_eq!(rows(&app), 12, "{backend:?}");
    }
);

backend_test!(
    async fn an_imported_article_names_its_hero_image_on_an_image_line(backend: Backend) {
        let app = spawn_app(&backend).await;
        let dir = std::env::temp_dir().join(crate::helpers::unique_name("import-pictures"));
        std::fs::create_dir_all(dir.join("pictures")).expect("dir");
        std::fs::write(dir.join("pictures/harbour.jpg"), two_tone_jpeg(800, 400)).expect("image");
        let fixture = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/seed-article.txt"
        ))
        .expect("fixture");
        let with_image = dir.join("with-image.txt");
        std::fs::write(
            &with_image,
            format!("Image: pictures/harbour.jpg | Boats in the harbour at dawn\n{fixture}"),
        )
        .expect("text");
        let url = crate::helpers::database_url_arg(&app.db.url);
        let media_dir = app.media.path.display().to_string();
        let run = |file: &std::path::Path| {
            crate::helpers::run_iconocast(&[
                "--database-url",
                &url,
                "import",
                "--media-dir",
                &media_dir,
                &file.display().to_string(),
            ])
        };

        // Without alt text, or naming a file that is not there: an error
        // at that line, and nothing imported.
        let before = app
            .with_conn(|c| articles::table.count().get_result::<i64>(c))
            .expect("count");
        for (name, line) in [
            ("no-alt.txt", "Image: pictures/harbour.jpg\n"),
            ("missing.txt", "Image: pictures/nowhere.jpg | Nothing\n"),
            ("not-image.txt", "Image: with-image.txt | A text file\n"),
        ] {
            let file = dir.join(name);
            std::fs::write(&file, format!("{line}{fixture}")).expect("text");
            let (code, _, stderr) = run(&file);
            assert_eq!(code, 1, "{backend:?}: {name}: {stderr}");
            assert!(stderr.contains(&format!("{name}:1:")), "{stderr}");
        }
        assert_eq!(rows(&app), 0, "{backend:?}");

        let (code, stdout, stderr) = run(&with_image);
        assert_eq!(code, 0, "{backend:?}: {stderr}");
        assert!(stdout.starts_with("draft "), "{stdout}");
        let (hero, alt): (Option<i32>, String) = app
            .with_conn(|c| {
                articles::table
                    .order(articles::id.desc())
                    .select((articles::hero_media_id, articles::hero_alt))
                    .first(c)
            })
            .expect("the article");
        assert_eq!(alt, "Boats in the harbour at dawn");
        let item = row(&app, hero.expect("a hero image"));
        assert_eq!((item.width, item.height), (800, 400), "{backend:?}");
        assert_eq!(item.variants, "320,640,800");
        assert_eq!(files_of(&app, &item.file_name).len(), 1 + 3 + 2 + 1);
        assert_eq!(
            app.with_conn(|c| articles::table.count().get_result::<i64>(c))
                .expect("count"),
            before + 1
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
);
