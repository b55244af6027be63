//! What every staff form post starts with, written once: the signed-in
//! staff member, the form read within its size limit, and the check of
//! the session's CSRF token ([`StaffForm`]); the id in the path
//! ([`parse_id`]) and the notice after a redirect ([`DoneQuery`]).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::{InternalError, UrlencodedError};
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::auth::csrf;
use crate::auth::session::Staff;
use crate::domain::actor::Actor;
use crate::error::{AppError, ErrorPage};

/// A staff form post: the signed-in [`Staff`] member and the form `T`,
/// read as `application/x-www-form-urlencoded` within the scope's
/// `FormConfig` limit (413 or 400 pages past it), whose `csrf_token` field
/// matched the session's. A missing or wrong token is refused with the
/// 403 "Form expired" page before the handler runs, so nothing is changed.
///
/// The order is the one a visitor meets: no session is a 303 to the sign-in
/// form before the body is read, an unreadable body a 400, then the token.
pub struct StaffForm<T> {
    pub staff: Staff,
    pub form: T,
}

impl<T> StaffForm<T> {
    /// The staff member as the one acting.
    pub fn actor(&self) -> Actor {
        self.staff.actor()
    }
}

/// The body as posted: the token beside the form's own fields. Every
/// field may be missing, so a form without its token is a 403 rather than
/// a 400.
#[derive(Deserialize)]
struct Tokened<T> {
    #[serde(default)]
    csrf_token: String,
    #[serde(flatten)]
    form: T,
}

impl<T: DeserializeOwned + 'static> FromRequest for StaffForm<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<StaffForm<T>, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let staff = Staff::from_request(req, payload);
        let body = web::Form::<Tokened<T>>::from_request(req, payload);
        Box::pin(async move {
            let staff = staff.await?;
            let posted = body.await?.into_inner();
            if !csrf::session_token_ok(&staff, &posted.csrf_token) {
                return Err(AppError::form_expired().into());
            }
            Ok(StaffForm {
                staff,
                form: posted.form,
            })
        })
    }
}

/// The largest staff form but those with their own limit.
pub const MAX_FORM: usize = 16 * 1024;

/// The form config of staff forms up to `limit` bytes: a body past it
/// answers 413 with `title` and `message`, an unreadable one 400.
pub fn form_config(limit: usize, title: &'static str, message: &'static str) -> web::FormConfig {
    web::FormConfig::default()
        .limit(limit)
        .error_handler(move |err, _req| match err {
            UrlencodedError::Overflow { .. } => AppError::PayloadTooLarge {
                limit,
                title,
                message: message.to_owned(),
            }
            .into(),
            other => unreadable(other),
        })
}

/// The 400 page for a staff form that could not be read.
pub fn unreadable(err: UrlencodedError) -> actix_web::Error {
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
}

/// A form that carries nothing but its token: a button's action.
#[derive(Debug, Default, Deserialize)]
pub struct Button {}

/// `?done=...` after a successful POST: which notice the page shows.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DoneQuery {
    pub done: String,
}

/// A whole-number id from the path; anything else names no page.
pub fn parse_id(raw: &str) -> Result<i32, AppError> {
    raw.parse::<i32>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(AppError::NotFound)
}

/// `Ok` for an admin, else the 403 page saying their role does not allow
/// `what`.
pub fn admin_only(staff: &Staff, what: &str) -> Result<(), AppError> {
    staff.actor().admin_only(what)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    struct Sample {
        name: String,
        page: Option<String>,
    }

    async fn read<T: DeserializeOwned + 'static>(body: &'static str) -> Tokened<T> {
        let (req, mut payload) = TestRequest::post()
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(body)
            .to_http_parts();
        web::Form::<Tokened<T>>::from_request(&req, &mut payload)
            .await
            .expect("a readable form")
            .into_inner()
    }

    #[actix_web::test]
    async fn the_token_is_read_beside_the_forms_own_fields() {
        let posted = read::<Sample>("name=A+b%26c&csrf_token=t0k&page=2&other=x").await;
        assert_eq!(posted.csrf_token, "t0k");
        assert_eq!(posted.form.name, "A b&c");
        assert_eq!(posted.form.page.as_deref(), Some("2"));
    }

    #[actix_web::test]
    async fn a_form_without_its_token_or_fields_still_reads_so_it_can_be_refused() {
        let posted = read::<Sample>("").await;
        assert_eq!(posted.csrf_token, "");
        assert_eq!(posted.form.name, "");
        assert_eq!(posted.form.page, None);
        let button = read::<Button>("csrf_token=t0k").await;
        assert_eq!(button.csrf_token, "t0k");
    }

    #[test]
    fn ids_are_positive_whole_numbers() {
        assert_eq!(parse_id("12").ok(), Some(12));
        for bad in ["0", "-3", "1.5", "x", "", "99999999999"] {
            assert!(matches!(parse_id(bad), Err(AppError::NotFound)), "{bad}");
        }
    }
}
