//! The middleware in front of every route: serves public pages from the
//! [`PageCache`](super::PageCache), renders a missing page once for all
//! the readers asking for it, answers conditional requests with 304, and
//! sends every text response in the best coding the client accepts, whole
//! and with a `Content-Length` (so HTTP/1.0 clients never see chunked
//! framing).

use std::future::Future;
use std::sync::Arc;

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};

use super::{Entry, Lookup, Marks, PageCache, Stamp};
use crate::db::DbConn;
use crate::encoding::{self, Coding, Effort};
use crate::error::AppError;
use crate::http_cache::{self, Conditions};

/// Paths whose answers are never the same for every reader, or are
/// served from their own store: the staff area, the health check, and
/// the static and media files (which carry their own ETags).
fn private_path(path: &str) -> bool {
    path == "/admin"
        || path.starts_with("/admin/")
        || path == "/healthz"
        || path.starts_with("/static/")
        || path.starts_with("/media/")
}

/// Headers of a handler's response that an entry keeps. `Date` is the
/// server's to add, length and coding are the entry's own, and a
/// response that sets a cookie is never stored at all.
fn kept(name: &HeaderName) -> bool {
    !matches!(
        *name,
        header::DATE
            | header::CONTENT_LENGTH
            | header::CONTENT_ENCODING
            | header::TRANSFER_ENCODING
            | header::CONNECTION
            | header::VARY
    ) && name.as_str() != "x-request-id"
}

/// Whether a page may be shared by every reader: no cookie, and either
/// the default `Cache-Control` (added to pages that set none) or one that
/// is public.
fn shareable(headers: &HeaderMap) -> bool {
    let public = match headers.get(header::CACHE_CONTROL) {
        None => true,
        Some(v) => v
            .to_str()
            .is_ok_and(|v| v.starts_with("public") && !v.contains("immutable")),
    };
    public && !headers.contains_key(header::SET_COOKIE)
}

/// What the middleware needs of the application's state, which it finds
/// in the request's app data: the cache, and a turn on the database to
/// read its change counter after a write.
pub trait CacheHost: Send + Sync + 'static {
    fn pages(&self) -> &Arc<PageCache>;

    /// Runs `f` with a pooled connection on the blocking pool, taking its
    /// turn like any request (so the wait counts in the pool's metrics);
    /// an error when no connection came in time.
    fn with_connection<F>(&self, f: F) -> impl Future<Output = Result<(), AppError>>
    where
        F: FnOnce(&mut DbConn) + Send + 'static;

    /// A page of `article` was answered (200 or 304) to `req`: count the
    /// view if a reader asked.
    fn viewed(&self, article: i32, req: &HttpRequest);
}

/// The entry in the coding the client prefers (or 304), with the view of
/// its article counted.
fn answer<H: CacheHost>(
    state: &H,
    req: &HttpRequest,
    entry: &Entry,
    conditions: &Conditions,
) -> HttpResponse {
    if let Some(article) = entry.article {
        state.viewed(article, req);
    }
    respond(entry, conditions)
}

pub async fn serve<H: CacheHost, B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<H>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return write_request(&state, req, next).await;
    }
    let conditions = Conditions::of(req.headers());
    let cache = state.pages().clone();
    let mut leader = None;
    if cache.enabled() && !private_path(req.path()) {
        let key = match req.query_string() {
            "" => std::borrow::Cow::Borrowed(req.path()),
            q => std::borrow::Cow::Owned(format!("{}?{q}", req.path())),
        };
        match cache.lookup(&key) {
            Lookup::Hit(entry) => {
                if entry.hit() {
                    polish(cache.clone(), key.as_ref(), &entry);
                }
                let res = answer(state.get_ref(), req.request(), &entry, &conditions);
                return Ok(req.into_response(res));
            }
            Lookup::Follow(flight) => {
                if let Some(entry) = PageCache::wait(flight).await {
                    let res = answer(state.get_ref(), req.request(), &entry, &conditions);
                    return Ok(req.into_response(res));
                }
            }
            Lookup::Lead(lead) => leader = Some(lead),
        }
    }
    let stamp = leader.as_ref().map_or_else(|| cache.stamp(), |l| l.stamp());
    let res = next.call(req).await?;
    let (req, mut res) = res.into_parts();
    let marks = Marks::take(res.headers_mut());
    let page = res.status() == StatusCode::OK
        && !res.headers().contains_key(header::ETAG)
        && !res.headers().contains_key(header::CONTENT_ENCODING)
        && !no_store(res.headers());
    if !page {
        if let Some(leader) = leader {
            if res.status() == StatusCode::SERVICE_UNAVAILABLE {
                // The database is away: the last copy, marked stale, is
                // better than no page.
                if let Some(entry) = cache.stale(leader.key()) {
                    tracing::warn!(path = %req.path(), "database unavailable: serving a stale copy");
                    leader.finish(None);
                    return Ok(ServiceResponse::new(
                        req,
                        respond_stale(&entry, &conditions),
                    ));
                }
            } else if !res.status().is_server_error() {
                cache.forget(leader.key());
            }
            leader.finish(None);
        }
        let res = compress_whole(res, &conditions).await?;
        return Ok(ServiceResponse::new(req, res));
    }
    let share = leader.is_some() && shareable(res.headers());
    let (head, body) = res.into_parts();
    let bytes = whole_body(body).await?;
    // Both codings when the entry is kept; only the one asked for when not.
    let codings = if share {
        vec![Coding::Gzip, Coding::Brotli]
    } else {
        vec![conditions.coding_for_one()]
    };
    let entry = Arc::new(build_entry(head.headers(), bytes, &codings, stamp, marks).await?);
    if let Some(leader) = leader {
        leader.finish(share.then(|| entry.clone()));
    }
    let res = answer(state.get_ref(), &req, &entry, &conditions);
    Ok(ServiceResponse::new(req, res))
}

/// A write (POST and the like): once it is done, the content may have
/// changed. If it did, every cached page of this process is out of date.
async fn write_request<H: CacheHost>(
    state: &web::Data<H>,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let conditions = Conditions::of(req.headers());
    let res = next.call(req).await?;
    let pages = state.pages().clone();
    let checked = state
        .with_connection(move |conn| super::changes::after_write(conn, pages.freshness()))
        .await;
    if checked.is_err() {
        state.pages().freshness().changed_unknown();
    }
    let (req, res) = res.into_parts();
    let res = compress_whole(res, &conditions).await?;
    Ok(ServiceResponse::new(req, res))
}

fn no_store(headers: &HeaderMap) -> bool {
    headers
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("no-store"))
}

/// A page's entry: its ETag, a default `Cache-Control`, and its body in
/// each of `codings`, compressed off the async workers.
async fn build_entry(
    headers: &HeaderMap,
    identity: Bytes,
    codings: &[Coding],
    stamp: Stamp,
    marks: Marks,
) -> Result<Entry, actix_web::Error> {
    let etag = http_cache::etag_of(&identity);
    let mut kept_headers: Vec<(HeaderName, HeaderValue)> = headers
        .iter()
        .filter(|(n, _)| kept(n))
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    if !headers.contains_key(header::CACHE_CONTROL) {
        kept_headers.push((
            header::CACHE_CONTROL,
            HeaderValue::from_static(http_cache::PAGE_CACHE),
        ));
    }
    if let Ok(value) = HeaderValue::from_str(&etag) {
        kept_headers.push((header::ETAG, value));
    }
    let (gzip, brotli) = if encoding::compressible(headers.get(header::CONTENT_TYPE))
        && identity.len() >= encoding::MIN_COMPRESS_BYTES
        && codings.iter().any(|c| *c != Coding::Identity)
    {
        let body = identity.clone();
        let want_gzip = codings.contains(&Coding::Gzip);
        let want_brotli = codings.contains(&Coding::Brotli);
        let effort = if codings.len() > 1 {
            Effort::Page
        } else {
            Effort::Response
        };
        let _slot = encoding::SLOTS.acquire().await.ok();
        web::block(move || {
            let gz = want_gzip
                .then(|| encoding::encode(&body, Coding::Gzip, effort))
                .flatten();
            let br = want_brotli
                .then(|| encoding::encode(&body, Coding::Brotli, effort))
                .flatten();
            (gz.map(Bytes::from), br.map(Bytes::from))
        })
        .await?
    } else {
        (None, None)
    };
    Ok(Entry::new(
        kept_headers,
        identity,
        gzip,
        brotli,
        etag,
        stamp,
        marks,
    ))
}

/// Makes a much-read entry's compressed forms again at best compression,
/// in the background and off the async workers, and puts the result in
/// its place: the same document in fewer bytes. Only when a compression
/// slot is free, so that renders never wait for it; otherwise a later hit
/// tries again.
fn polish(cache: Arc<PageCache>, key: &str, entry: &Arc<Entry>) {
    let Ok(slot) = encoding::SLOTS.try_acquire() else {
        entry.not_polished();
        return;
    };
    let key = key.to_owned();
    let entry = entry.clone();
    actix_web::rt::spawn(async move {
        let body = entry.identity.clone();
        let (want_gzip, want_brotli) = (entry.gzip.is_some(), entry.brotli.is_some());
        let made = web::block(move || {
            let gz = want_gzip
                .then(|| encoding::encode(&body, Coding::Gzip, Effort::Max))
                .flatten();
            let br = want_brotli
                .then(|| encoding::encode(&body, Coding::Brotli, Effort::Max))
                .flatten();
            (gz.map(Bytes::from), br.map(Bytes::from))
        })
        .await;
        drop(slot);
        match made {
            Ok((gzip, brotli)) => {
                cache.polish(&key, &entry, entry.with_best_compression(gzip, brotli));
            }
            Err(_) => entry.not_polished(),
        }
    });
}

/// The entry in the coding the client prefers, or 304 when its copy is
/// current.
fn respond(entry: &Entry, conditions: &Conditions) -> HttpResponse {
    let last_modified = entry
        .headers
        .iter()
        .find(|(n, _)| n == header::LAST_MODIFIED)
        .map(|(_, v)| v);
    if conditions.not_modified(&entry.etag, last_modified) {
        let mut reply = HttpResponse::new(StatusCode::NOT_MODIFIED);
        let headers = reply.headers_mut();
        for (name, value) in &entry.headers {
            if matches!(
                *name,
                header::ETAG
                    | header::LAST_MODIFIED
                    | header::CACHE_CONTROL
                    | header::VARY
                    | header::X_CONTENT_TYPE_OPTIONS
                    | header::REFERRER_POLICY
                    | header::CONTENT_SECURITY_POLICY
                    | header::STRICT_TRANSPORT_SECURITY
            ) {
                headers.append(name.clone(), value.clone());
            }
        }
        return reply;
    }
    let coding = conditions.coding(entry.gzip.is_some(), entry.brotli.is_some());
    let body = match coding {
        Coding::Gzip => entry.gzip.clone(),
        Coding::Brotli => entry.brotli.clone(),
        Coding::Identity => None,
    }
    .unwrap_or_else(|| entry.identity.clone());
    let mut reply = HttpResponse::with_body(StatusCode::OK, body);
    let headers = reply.headers_mut();
    for (name, value) in &entry.headers {
        headers.append(name.clone(), value.clone());
    }
    if let Some(value) = coding.header_value() {
        headers.insert(header::CONTENT_ENCODING, value);
    }
    reply.map_into_boxed_body()
}

/// A copy from before the last change, sent while the page cannot be
/// rendered: marked stale (RFC 9111's `Warning: 110` and a
/// `Cache-Status`), and not to be kept by any other cache.
fn respond_stale(entry: &Entry, conditions: &Conditions) -> HttpResponse {
    let mut res = respond(entry, conditions);
    let headers = res.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::WARNING,
        HeaderValue::from_static("110 iconocast \"Response is Stale\""),
    );
    headers.insert(
        HeaderName::from_static("cache-status"),
        HeaderValue::from_static("iconocast; hit; detail=\"stale, database unavailable\""),
    );
    res
}

/// A response's body in one piece. A rendered page already is one (askama's
/// `String`, handed over as `Bytes`): it is taken as it is, where
/// `body::to_bytes` would copy it into a new buffer (and grow that buffer
/// again for a page over 32 KB).
async fn whole_body<B: MessageBody>(body: B) -> Result<Bytes, actix_web::Error>
where
    B::Error: Into<Box<dyn std::error::Error>>,
{
    match body.try_into_bytes() {
        Ok(bytes) => Ok(bytes),
        Err(body) => body::to_bytes(body)
            .await
            .map_err(|e| actix_web::error::ErrorInternalServerError(e.into().to_string())),
    }
}

/// A response that is not a shared page (a staff page, an error page, a
/// redirect): compressed whole in the coding the client prefers when it
/// is text worth compressing, else left as it is.
async fn compress_whole(
    res: HttpResponse<impl MessageBody + 'static>,
    conditions: &Conditions,
) -> Result<HttpResponse<BoxBody>, actix_web::Error> {
    let coding = conditions.coding_for_one();
    let worth = coding != Coding::Identity
        && !res.headers().contains_key(header::CONTENT_ENCODING)
        && encoding::compressible(res.headers().get(header::CONTENT_TYPE))
        && matches!(res.body().size(), body::BodySize::Sized(n) if n >= encoding::MIN_COMPRESS_BYTES as u64);
    if !worth {
        return Ok(res.map_into_boxed_body());
    }
    let (mut head, body) = res.into_parts();
    let bytes = whole_body(body).await?;
    let _slot = encoding::SLOTS.acquire().await.ok();
    let encoded = web::block({
        let bytes = bytes.clone();
        move || encoding::encode(&bytes, coding, Effort::Response)
    })
    .await?;
    let headers = head.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    Ok(match encoded {
        Some(out) => {
            if let Some(value) = coding.header_value() {
                headers.insert(header::CONTENT_ENCODING, value);
            }
            head.set_body(Bytes::from(out)).map_into_boxed_body()
        }
        None => head.set_body(bytes).map_into_boxed_body(),
    })
}
