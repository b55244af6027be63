//! The staff area under `/admin`: sign-in and sign-out, the dashboard,
//! the audit log (admins) and the plain-text import.
//! Every page but the login form needs a live session (the [`Staff`]
//! extractor); every POST but the login form checks the session's CSRF
//! token; every response carries `Cache-Control: no-store`.

pub mod articles;
pub mod audit;
pub mod categories;
pub mod dashboard;
pub mod editor;
pub mod history;
pub mod import;
pub mod login;
pub mod media;
pub mod settings;
pub mod tags;
pub mod users;

use actix_web::error::InternalError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::DefaultHeaders;
use actix_web::{guard, web, HttpResponse, Route};
use serde::Deserialize;

use crate::auth::session::Staff;
use askama::Template;

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

fn page() -> Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// Any other address under `/admin`: sign in first, then 404.
async fn not_found(_staff: Staff) -> HttpResponse {
    ErrorPage::not_found()
}

/// The `/admin` scope; registered before the `/{category}` routes.
pub fn config(cfg: &mut web::ServiceConfig) {
    let no_store =
        DefaultHeaders::new().add((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    let forms = web::FormConfig::default()
        .limit(16 * 1024)
        .error_handler(|err, _req| {
            tracing::info!(error = %err, "malformed staff form");
            InternalError::from_response(
                err,
                ErrorPage::response(
                    StatusCode::BAD_REQUEST,
                    "Bad request",
                    "The form could not be read. Reload the page and try again.",
                ),
            )
            .into()
        });
    cfg.service(
        web::scope("/admin")
            .wrap(no_store)
            .app_data(forms)
            .route("", page().to(dashboard::show))
            .route("/", page().to(dashboard::show))
            .route("/login", page().to(login::form))
            .route("/login", web::post().to(login::submit))
            .route("/logout", web::post().to(login::logout))
            .route("/audit", page().to(audit::show))
            .route("/categories", page().to(categories::list))
            .route("/categories", web::post().to(categories::create))
            .route("/categories/{id}", page().to(categories::edit))
            .route("/categories/{id}", web::post().to(categories::update))
            .route(
                "/categories/{id}/delete",
                web::post().to(categories::delete),
            )
            .route("/tags", page().to(tags::list))
            .route("/tags/{id}", web::post().to(tags::rename))
            .route("/tags/{id}/delete", web::post().to(tags::delete))
            .route("/users", page().to(users::list))
            .route("/users", web::post().to(users::create))
            .route("/users/{id}", page().to(users::edit))
            .route("/users/{id}", web::post().to(users::update))
            .service(
                web::resource("/settings")
                    .app_data(settings::form_config())
                    .route(page().to(settings::form))
                    .route(web::post().to(settings::save)),
            )
            .route("/media", page().to(media::show))
            .route("/media", web::post().to(media::upload))
            .route("/media/{id}/delete", web::post().to(media::delete))
            .route("/articles", page().to(articles::list))
            .route("/articles/new", page().to(editor::new_form))
            .route("/articles/new", web::post().to(editor::create))
            .route("/articles/{id}", page().to(editor::edit_form))
            .route("/articles/{id}", web::post().to(editor::update))
            .route("/articles/{id}/history", page().to(history::show))
            .route("/articles/{id}/history/diff", page().to(history::diff))
            .route(
                "/articles/{id}/history/{version}/restore",
                web::post().to(history::restore),
            )
            .service(
                web::resource("/import")
                    .app_data(import::form_config())
                    .route(page().to(import::form))
                    .route(web::post().to(import::submit)),
            )
            .default_service(web::to(not_found)),
    );
}
