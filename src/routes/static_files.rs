//! `/static/{file}`: the built-in CSS and images under fingerprinted names,
//! cached for a year. Only names in `static_files` exist, so no path can
//! reach the file system.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::encoding::Coding;
use crate::error::AppError;
use crate::http_cache::Conditions;
use crate::static_files;

pub async fn serve(path: web::Path<String>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let asset = static_files::find(&path).ok_or(AppError::NotFound)?;
    Ok(answer(asset, req.headers()))
}

/// Answers a `GET` or `HEAD` of a built-in file ahead of the router: the
/// stylesheet is fetched with every first page view, and finding
/// `/static/{file}` among the routes (a regular expression per pattern
/// tried) was a tenth of its cost. Any other request, or a name that is
/// not a built-in file, goes on to the routes ([`serve`] and the 404).
pub async fn before_routing(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        if let Some(asset) = req
            .path()
            .strip_prefix("/static/")
            .and_then(static_files::find)
        {
            let res = answer(asset, req.headers());
            return Ok(req.into_response(res));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// The file in the best coding the client accepts (compressed at build
/// time, never per request), or 304 when the client holds that form.
fn answer(asset: &'static static_files::Asset, headers: &HeaderMap) -> HttpResponse {
    let coding = Conditions::of(headers).coding(asset.gzip.is_some(), asset.brotli.is_some());
    // Each form has its own strong ETag.
    let tagged = |suffix: &str| format!("{}-{suffix}\"", asset.etag.trim_end_matches('"'));
    let (coding, body, etag) = match (coding, asset.brotli, asset.gzip) {
        (Coding::Brotli, Some(br), _) => (coding, br, tagged("br")),
        (Coding::Gzip, _, Some(gz)) => (coding, gz, tagged("gz")),
        _ => (Coding::Identity, asset.bytes, asset.etag.clone()),
    };
    let fresh = headers
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
        return response.finish();
    }
    if let Some(value) = coding.header_value() {
        response.insert_header((header::CONTENT_ENCODING, value));
    }
    response.content_type(asset.content_type).body(body)
}
