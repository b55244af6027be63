//! `/static/{file}`: the built-in CSS and images under fingerprinted names,
//! cached for a year. Only names in `static_files` exist, so no path can
//! reach the file system.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::AppError;
use crate::static_files;

pub async fn serve(path: web::Path<String>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let asset = static_files::find(&path).ok_or(AppError::NotFound)?;
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == asset.etag));
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
        .insert_header((header::ETAG, asset.etag.clone()));
    if fresh {
        return Ok(response.finish());
    }
    Ok(response.content_type(asset.content_type).body(asset.bytes))
}
