//! The site's address space as the router sees it: the first path segments
//! that are never a category, and the methods each kind of address takes
//! (its `Allow`).

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;

use crate::error::ErrorPage;

/// First path segments that can never be a category slug (a rule of
/// the slugs, kept with them).
pub use crate::domain::RESERVED;

/// `Allow` of a page.
pub const PAGE_METHODS: &str = "GET, HEAD";
/// `Allow` of a page with a form that posts back to it.
pub const FORM_METHODS: &str = "GET, HEAD, POST";
/// `Allow` of a button's action.
pub const POST_METHODS: &str = "POST";

/// The 405 for a method an address does not answer to, with `Allow`
/// naming those it does. The request log notes it.
pub fn method_not_allowed(allow: &'static str) -> HttpResponse {
    let mut response = ErrorPage::response(
        StatusCode::METHOD_NOT_ALLOWED,
        "Method not allowed",
        "This address does not take that kind of request.",
    );
    response
        .headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static(allow));
    response
}
