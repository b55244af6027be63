//! What every staff page shares: its layout and the answers a staff
//! handler gives. What every staff form shares is in `forms.rs`.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use askama::Template;

use crate::auth::session::Staff;
use crate::error::AppError;

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
