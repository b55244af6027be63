//! What every staff page shares: its layout, the form that carries only
//! the CSRF token, and the answers a staff handler gives.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use askama::Template;
use serde::Deserialize;

use crate::auth::session::Staff;
use crate::error::{AppError, ErrorPage};

/// What every staff page's layout shows.
pub struct AdminLayout {
    pub site_name: String,
    pub title: String,
    pub css: &'static str,
    pub logo: &'static str,
    pub staff: Option<Staff>,
}

impl AdminLayout {
    pub fn new(site_name: String, title: &str, staff: Option<Staff>) -> AdminLayout {
        AdminLayout {
            site_name,
            title: title.to_owned(),
            css: crate::static_files::url("site.css"),
            logo: crate::static_files::url("logo.svg"),
            staff,
        }
    }
}

/// A form that carries only the CSRF token (sign-out, and later any
/// button-only action). Missing fields are empty, so a form without its
/// token is a 403 rather than a 400.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    pub csrf_token: String,
}

/// A rendered staff page with `status`.
pub fn respond<T: Template>(status: StatusCode, page: &T) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(page.render()?))
}

/// 303 See Other to `location`, the answer to every successful POST.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_owned()))
        .finish()
}

/// The answer to a POST whose CSRF token is missing or wrong.
pub fn forbidden() -> HttpResponse {
    tracing::info!("staff form refused: missing or wrong CSRF token");
    ErrorPage::response(
        StatusCode::FORBIDDEN,
        "Form expired",
        "This form has expired or did not come from this site, so nothing was changed. \
         Go back, reload the page and try again.",
    )
}
