//! `/static/{file}`: the built-in CSS and images under fingerprinted names,
//! cached for a year. Only names in `static_files` exist, so no path can
//! reach the file system.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::encoding::Coding;
use crate::error::AppError;
use crate::http_cache::Conditions;
use crate::static_files;

pub async fn serve(path: web::Path<String>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let asset = static_files::find(&path).ok_or(AppError::NotFound)?;
    // The forms compressed at build time; never compressed per request.
    let coding = Conditions::of(req.headers()).coding(asset.gzip.is_some(), asset.brotli.is_some());
    // Each form has its own strong ETag.
    let tagged = |suffix: &str| format!("{}-{suffix}\"", asset.etag.trim_end_matches('"'));
    let (coding, body, etag) = match (coding, asset.brotli, asset.gzip) {
        (Coding::Brotli, Some(br), _) => (coding, br, tagged("br")),
        (Coding::Gzip, _, Some(gz)) => (coding, gz, tagged("gz")),
        _ => (Coding::Identity, asset.bytes, asset.etag.clone()),
    };
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        ))
        .insert_header((header::ETAG, etag));
    if asset.gzip.is_some() {
        response.insert_header((header::VARY, HeaderValue::from_static("Accept-Encoding")));
    }
    if fresh {
        return Ok(response.finish());
    }
    if let Some(value) = coding.header_value() {
        response.insert_header((header::CONTENT_ENCODING, value));
    }
    Ok(response.content_type(asset.content_type).body(body))
}
