//! The staff area under `/admin`: sign-in and sign-out, the dashboard,
//! the audit log (admins) and the plain-text import.
//! Every page but the login form needs a live session (the [`Staff`]
//! extractor); every POST but the login form checks the session's CSRF
//! token (the [`forms::StaffForm`] extractor); every response carries
//! `Cache-Control: no-store`. Handlers extract, call the use case in
//! `crate::newsroom`, and render.

pub mod articles;
pub mod audit;
pub mod categories;
pub mod dashboard;
pub mod editor;
pub mod forms;
pub mod history;
pub mod import;
pub mod live;
pub mod login;
pub mod media;
pub mod page;
pub mod review;
pub mod settings;
pub mod tags;
pub mod users;

use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::DefaultHeaders;
use actix_web::{guard, web, FromRequest, Handler, HttpResponse, Resource, Responder, Route};

use crate::auth::session::Staff;

use crate::error::ErrorPage;
use crate::routes::paths::{method_not_allowed, FORM_METHODS, PAGE_METHODS, POST_METHODS};

fn page() -> Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// Any other address under `/admin`: sign in first, then 404.
async fn not_found(_staff: Staff) -> HttpResponse {
    ErrorPage::not_found()
}

/// A staff address with no routes yet, answering 405 to the methods its
/// routes do not take: after sign-in, like everything under `/admin`
/// but the sign-in form (strangers learn nothing of the staff area).
/// Named by its whole pattern, the route label of the request metrics.
fn methods(path: &str, allow: &'static str) -> Resource {
    web::resource(path)
        .name(&format!("/admin{path}"))
        .default_service(web::to(move |_staff: Staff| async move {
            method_not_allowed(allow)
        }))
}

/// A staff page at `path`: GET and HEAD.
fn page_at<F, Args>(path: &str, handler: F) -> Resource
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    methods(path, PAGE_METHODS).route(page().to(handler))
}

/// A staff page at `path` whose form posts back to it.
fn form_at<F, A, G, B>(path: &str, show: F, submit: G) -> Resource
where
    F: Handler<A>,
    A: FromRequest + 'static,
    F::Output: Responder + 'static,
    G: Handler<B>,
    B: FromRequest + 'static,
    G::Output: Responder + 'static,
{
    methods(path, FORM_METHODS)
        .route(page().to(show))
        .route(web::post().to(submit))
}

/// A button's action at `path`: POST only.
fn post_at<F, Args>(path: &str, handler: F) -> Resource
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    methods(path, POST_METHODS).route(web::post().to(handler))
}

/// The `/admin` scope; registered before the `/{category}` routes.
pub fn config(cfg: &mut web::ServiceConfig) {
    let no_store =
        DefaultHeaders::new().add((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    // No form of these pages comes near the limit: a body past it did
    // not come from them, and is as unreadable as a malformed one.
    let forms = web::FormConfig::default()
        .limit(forms::MAX_FORM)
        .error_handler(|err, _req| forms::unreadable(err));
    cfg.service(
        web::scope("/admin")
            .wrap(no_store)
            .app_data(forms)
            .service(page_at("", dashboard::show))
            .service(page_at("/", dashboard::show))
            // The sign-in form is public, and so is its 405.
            .service(
                web::resource("/login")
                    .name("/admin/login")
                    .route(page().to(login::form))
                    .route(web::post().to(login::submit))
                    .default_service(web::to(|| async { method_not_allowed(FORM_METHODS) })),
            )
            .service(post_at("/logout", login::logout))
            .service(page_at("/audit", audit::show))
            .service(form_at("/categories", categories::list, categories::create))
            .service(form_at(
                "/categories/{id}",
                categories::edit,
                categories::update,
            ))
            .service(post_at("/categories/{id}/delete", categories::delete))
            .service(page_at("/tags", tags::list))
            .service(post_at("/tags/{id}", tags::rename))
            .service(post_at("/tags/{id}/delete", tags::delete))
            .service(form_at("/users", users::list, users::create))
            .service(form_at("/users/{id}", users::edit, users::update))
            .service(
                form_at("/settings", settings::form, settings::save)
                    .app_data(settings::form_config()),
            )
            .service(form_at("/media", media::show, media::upload))
            .service(form_at("/media/{id}", media::edit, media::describe))
            .service(post_at("/media/{id}/delete", media::delete))
            .service(page_at("/articles", articles::list))
            .service(form_at("/articles/new", editor::new_form, editor::create))
            .service(form_at("/articles/{id}", editor::edit_form, editor::update))
            .service(post_at("/articles/{id}/notes", review::submit))
            .service(page_at("/articles/{id}/history", history::show))
            .service(page_at("/articles/{id}/history/diff", history::diff))
            .service(post_at(
                "/articles/{id}/history/{version}/restore",
                history::restore,
            ))
            .service(
                form_at("/articles/{id}/live", live::show, live::post)
                    .app_data(live::form_config()),
            )
            .service(post_at("/articles/{id}/live/start", live::start))
            .service(post_at("/articles/{id}/live/end", live::end))
            .service(
                form_at("/articles/{id}/live/{entry}", live::edit_form, live::save)
                    .app_data(live::form_config()),
            )
            .service(post_at("/articles/{id}/live/{entry}/delete", live::delete))
            .service(
                form_at("/import", import::form, import::submit).app_data(import::form_config()),
            )
            .default_service(web::to(not_found)),
    );
}
