//! `/static/{file}`: the built-in CSS and images under fingerprinted names,
//! cached for a year. Only names in `static_files` exist, so no path can
//! reach the file system.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};

use crate::encoding::{self, Coding};
use crate::error::AppError;
use crate::static_files;

pub async fn serve(path: web::Path<String>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let asset = static_files::find(&path).ok_or(AppError::NotFound)?;
    Ok(answer(asset, req.headers()))
}

/// Answers a `GET` or `HEAD` of a built-in file ahead of the page cache
/// and the router, with the site's `security` headers: the stylesheet is
/// fetched with every first page view, and finding `/static/{file}` among
/// the routes (a regular expression per pattern tried) was a tenth of its
/// cost, each layer passed on the way another few percent. Any other
/// request, or a name that is not a built-in file, goes on (to [`serve`]
/// and the 404).
pub async fn before_routing(
    security: &'static [(HeaderName, HeaderValue)],
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        if let Some(asset) = req
            .path()
            .strip_prefix("/static/")
            .and_then(static_files::find)
        {
            let mut res = answer(asset, req.headers());
            let headers = res.headers_mut();
            for (name, value) in security {
                headers.append(name.clone(), value.clone());
            }
            return Ok(req.into_response(res));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// The file in the best coding the client accepts (compressed at build
/// time, never per request), or 304 when the client holds that form.
fn answer(asset: &'static static_files::Asset, headers: &HeaderMap) -> HttpResponse {
    let coding = encoding::negotiate(
        headers.get(header::ACCEPT_ENCODING),
        asset.gzip.is_some(),
        asset.brotli.is_some(),
    );
    let (coding, body, etag) = match (coding, asset.brotli, asset.gzip) {
        (Coding::Brotli, Some(br), _) => (coding, br, &asset.tags.brotli),
        (Coding::Gzip, _, Some(gz)) => (coding, gz, &asset.tags.gzip),
        _ => (Coding::Identity, asset.bytes, &asset.tags.identity),
    };
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim().as_bytes() == etag.as_bytes())
        });
    let mut response = if fresh {
        HttpResponse::new(StatusCode::NOT_MODIFIED)
    } else {
        HttpResponse::with_body(StatusCode::OK, Bytes::from_static(body)).map_into_boxed_body()
    };
    let out = response.headers_mut();
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    out.insert(header::ETAG, etag.clone());
    if asset.gzip.is_some() {
        out.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    if !fresh {
        if let Some(value) = coding.header_value() {
            out.insert(header::CONTENT_ENCODING, value);
        }
        out.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        );
    }
    response
}
