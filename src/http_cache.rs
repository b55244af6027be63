//! HTTP caching for pages, feeds and sitemaps: a weak ETag derived from the
//! body, the `Last-Modified` a handler sets from its content, answers of
//! 304 to `If-None-Match` / `If-Modified-Since`, and a default
//! `Cache-Control` that lets caches serve a page briefly and refresh it in
//! the background.

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::HttpResponse;
use chrono::{DateTime, NaiveDateTime, Utc};

/// Cache-Control for public pages, feeds and sitemaps.
pub const PAGE_CACHE: &str = "public, max-age=60, stale-while-revalidate=600";

/// 64-bit FNV-1a of the body: cheap, and any change of content changes it.
fn body_hash(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// `Last-Modified` in HTTP date format.
pub fn http_date(at: NaiveDateTime) -> String {
    at.and_utc().format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(value.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    let weak = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    if_none_match.trim() == "*" || if_none_match.split(',').any(|t| weak(t) == weak(etag))
}

/// Whether the client's copy is current, per RFC 9110: `If-None-Match`
/// decides when present, else `If-Modified-Since` against `Last-Modified`.
fn not_modified(request: &HeaderMap, response: &HeaderMap, etag: &str) -> bool {
    if let Some(inm) = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        return etag_matches(inm, etag);
    }
    let since = request
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_http_date);
    let modified = response
        .get(header::LAST_MODIFIED)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_http_date);
    matches!((since, modified), (Some(s), Some(m)) if m <= s)
}

pub async fn conditional_get(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let cacheable_method = matches!(*req.method(), Method::GET | Method::HEAD);
    let request_headers = req.headers().clone();
    let res = next.call(req).await?;
    let no_store = res
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("no-store"));
    if !cacheable_method
        || no_store
        || res.status() != StatusCode::OK
        || res.headers().contains_key(header::ETAG)
    {
        return Ok(res.map_into_boxed_body());
    }
    let (req, response) = res.into_parts();
    let (mut head, body) = response.into_parts();
    let bytes = body::to_bytes(body)
        .await
        .map_err(|e| actix_web::error::ErrorInternalServerError(e.into().to_string()))?;
    let etag = format!("W/\"{:016x}\"", body_hash(&bytes));
    let headers = head.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(PAGE_CACHE));
    }
    if not_modified(&request_headers, head.headers(), &etag) {
        let mut reply = HttpResponse::NotModified();
        for name in [
            header::ETAG,
            header::LAST_MODIFIED,
            header::CACHE_CONTROL,
            header::VARY,
        ] {
            if let Some(value) = head.headers().get(&name) {
                reply.insert_header((name.clone(), value.clone()));
            }
        }
        return Ok(ServiceResponse::new(req, reply.finish()));
    }
    Ok(ServiceResponse::new(
        req,
        head.set_body(bytes).map_into_boxed_body(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn http_dates_round_trip() {
        let at = NaiveDate::from_ymd_opt(2026, 11, 27)
            .and_then(|d| d.and_hms_opt(8, 15, 0))
            .expect("a date");
        let text = http_date(at);
        assert_eq!(text, "Fri, 27 Nov 2026 08:15:00 GMT");
        assert_eq!(parse_http_date(&text).map(|d| d.naive_utc()), Some(at));
    }

    #[test]
    fn weak_and_strong_etags_compare_by_value() {
        assert!(etag_matches("W/\"abc\"", "W/\"abc\""));
        assert!(etag_matches("\"x\", \"abc\"", "W/\"abc\""));
        assert!(etag_matches("*", "W/\"abc\""));
        assert!(!etag_matches("\"abd\"", "W/\"abc\""));
    }
}
