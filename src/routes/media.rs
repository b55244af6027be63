//! `/media/{file}`: the uploaded images, public. Only names of the exact
//! shape the library generates (`{16 hex}.{jpg|png|webp|gif}`) are looked
//! up, so no address can reach any other path; the file is read on the
//! blocking pool. Names are content-addressed, so a file never changes
//! under its name and is cached for a year. The content type comes from
//! the name (one of four image types), with `nosniff`.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::app::AppState;
use crate::error::{AppError, ErrorPage};
use crate::media;

/// `Cache-Control` of a media file.
pub const CACHE: &str = "public, max-age=31536000, immutable";

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

/// GET and HEAD /media/{file}.
pub async fn serve(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let name = path.into_inner();
    let kind = media::parse_file_name(&name).ok_or(AppError::NotFound)?;
    let etag = media::etag(&name);
    let dir = state.media_dir.clone();
    let fresh = client_has(&req, &etag);
    let lookup = name.clone();
    let found = web::block(move || {
        if fresh {
            Ok(media::exists(&dir, &lookup).then(Vec::new))
        } else {
            media::read(&dir, &lookup)
        }
    })
    .await?;
    let bytes = match found {
        Ok(Some(bytes)) => bytes,
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
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    // Set here as well as by the site-wide headers: a browser must never
    // take an upload for anything but the image its name says it is.
    response
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static(CACHE)))
        .insert_header((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .insert_header((header::ETAG, etag));
    if fresh {
        return Ok(response.finish());
    }
    Ok(response.content_type(kind.content_type()).body(bytes))
}
