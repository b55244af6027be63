//! `/media/{file}`: the uploaded images and their variants, public. Only
//! names of the exact shapes the library generates (`{16 hex}.{ext}`,
//! `{16 hex}-{width}w.{ext}`, `{16 hex}-share{x}x{y}.jpg`) are looked up,
//! so no address can reach any other path. Names are content-addressed, so
//! a file never changes under its name and is cached for a year. The
//! content type comes from the name, with `nosniff`.
//!
//! A file is streamed from disk in chunks read on the blocking pool, with
//! its `Content-Length`: a large original never sits whole in memory. One
//! range (`Range: bytes=a-b`, `a-`, `-n`) is answered 206 with
//! `Content-Range`, one past the end 416; several ranges, or an `If-Range`
//! that does not match, get the whole file.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::app::AppState;
use crate::error::{AppError, ErrorPage};
use crate::media;

/// `Cache-Control` of a media file.
pub const CACHE: &str = "public, max-age=31536000, immutable";

/// Bytes read from disk at a time.
const CHUNK: u64 = 64 * 1024;

fn client_has(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|tag| {
                let tag = tag.trim();
                tag == "*" || tag.trim_start_matches("W/") == etag
            })
        })
}

/// What a `Range` header asks of a file `len` bytes long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    /// The whole file: no range, several ranges, or one we do not read.
    Whole,
    /// Bytes `start..=end`.
    Part { start: u64, end: u64 },
    /// A range that starts past the end: 416.
    Unsatisfiable,
}

/// Reads a `Range` header (RFC 9110, 14.2): one `bytes=` range of the
/// forms `a-b`, `a-` and `-n`. Anything malformed is ignored (the whole
/// file), as the RFC allows.
pub fn wanted(range: Option<&str>, len: u64) -> Wanted {
    let Some(spec) = range.and_then(|r| r.trim().strip_prefix("bytes=")) else {
        return Wanted::Whole;
    };
    if spec.contains(',') {
        return Wanted::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Wanted::Whole;
    };
    let number = |s: &str| -> Option<u64> {
        let s = s.trim();
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (first.trim().is_empty(), number(first), number(last)) {
        // `-n`: the last n bytes.
        (true, _, Some(n)) => {
            if n == 0 || len == 0 {
                Wanted::Unsatisfiable
            } else {
                Wanted::Part {
                    start: len.saturating_sub(n),
                    end: len - 1,
                }
            }
        }
        (false, Some(start), end) if last.trim().is_empty() || end.is_some() => {
            if start >= len {
                return Wanted::Unsatisfiable;
            }
            let end = end.map_or(len - 1, |e| e.min(len - 1));
            if end < start {
                Wanted::Whole
            } else {
                Wanted::Part { start, end }
            }
        }
        _ => Wanted::Whole,
    }
}

/// The file's bytes `start..start + len`, read `CHUNK` at a time on the
/// blocking pool as the client takes them.
fn stream(
    file: File,
    start: u64,
    len: u64,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    futures_util::stream::unfold((Some(file), start, len), |(file, at, left)| async move {
        let mut file = file?;
        if left == 0 {
            return None;
        }
        let want = left.min(CHUNK);
        let read = web::block(move || -> std::io::Result<(File, Vec<u8>)> {
            file.seek(SeekFrom::Start(at))?;
            let mut buf = vec![0; usize::try_from(want).unwrap_or(64 * 1024)];
            file.read_exact(&mut buf)?;
            Ok((file, buf))
        })
        .await;
        match read {
            Ok(Ok((file, buf))) => {
                let n = buf.len() as u64;
                Some((Ok(Bytes::from(buf)), (Some(file), at + n, left - n)))
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "a media file could not be read to its end");
                Some((Err(e), (None, at, 0)))
            }
            Err(e) => Some((Err(std::io::Error::other(e.to_string())), (None, at, 0))),
        }
    })
}

/// GET and HEAD /media/{file}.
pub async fn serve(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let name = path.into_inner();
    let kind = media::parse_file_name(&name).ok_or(AppError::NotFound)?;
    let etag = media::etag(&name);
    let target = state.media_dir.join(&name);
    let opened = web::block(move || -> std::io::Result<Option<(File, u64)>> {
        match File::open(&target) {
            Ok(file) => {
                let meta = file.metadata()?;
                Ok(meta.is_file().then_some((file, meta.len())))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    })
    .await?;
    let (file, len) = match opened {
        Ok(Some(found)) => found,
        Ok(None) => return Err(AppError::NotFound),
        Err(e) => {
            tracing::error!(file = %name, error = %e, "cannot read a media file");
            return Ok(ErrorPage::response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "This image could not be read because of an error on our side. It has been logged.",
            ));
        }
    };
    let fresh = client_has(&req, &etag);
    let range = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok());
    // A range applies only to the file the client has, named by its ETag.
    let if_range_ok = req
        .headers()
        .get(header::IF_RANGE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.trim() == etag);
    let wanted = if fresh || !if_range_ok {
        Wanted::Whole
    } else {
        wanted(range, len)
    };
    let mut response = match (fresh, wanted) {
        (true, _) => HttpResponse::NotModified(),
        (false, Wanted::Part { .. }) => HttpResponse::PartialContent(),
        (false, Wanted::Unsatisfiable) => HttpResponse::RangeNotSatisfiable(),
        (false, Wanted::Whole) => HttpResponse::Ok(),
    };
    // Set here as well as by the site-wide headers: a browser must never
    // take an upload for anything but the image its name says it is.
    response
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static(CACHE)))
        .insert_header((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .insert_header((header::ACCEPT_RANGES, HeaderValue::from_static("bytes")))
        .insert_header((header::ETAG, etag));
    if fresh {
        return Ok(response.finish());
    }
    let (start, count) = match wanted {
        Wanted::Unsatisfiable => {
            tracing::info!(file = %name, range = ?range, "range past the end of a media file");
            response.insert_header((header::CONTENT_RANGE, format!("bytes */{len}")));
            return Ok(response.finish());
        }
        Wanted::Part { start, end } => {
            response.insert_header((header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}")));
            (start, end - start + 1)
        }
        Wanted::Whole => (0, len),
    };
    // A stream of known size: a `Content-Length`, no chunking; for HEAD
    // the length alone (the stream is never read).
    let body = actix_web::body::SizedStream::new(count, stream(file, start, count));
    Ok(response.content_type(kind.content_type()).body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_range_is_read_and_anything_else_is_the_whole_file() {
        let part = |start, end| Wanted::Part { start, end };
        assert_eq!(wanted(None, 100), Wanted::Whole);
        assert_eq!(wanted(Some("bytes=0-9"), 100), part(0, 9));
        assert_eq!(wanted(Some("bytes=90-"), 100), part(90, 99));
        assert_eq!(wanted(Some("bytes=90-500"), 100), part(90, 99));
        assert_eq!(wanted(Some("bytes=-10"), 100), part(90, 99));
        assert_eq!(wanted(Some("bytes=-500"), 100), part(0, 99));
        assert_eq!(wanted(Some("bytes=100-"), 100), Wanted::Unsatisfiable);
        assert_eq!(wanted(Some("bytes=-0"), 100), Wanted::Unsatisfiable);
        for ignored in [
            "bytes=0-1,5-6",
            "bytes=9-2",
            "items=0-1",
            "bytes=a-b",
            "bytes=-",
            "bytes=1",
            "bytes=+1-2",
        ] {
            assert_eq!(wanted(Some(ignored), 100), Wanted::Whole, "{ignored}");
        }
    }
}
