//! `AppError`: the one place errors become responses.
//!
//! Policy: a handler returns `Result<_, AppError>`. What a client did wrong
//! (an unknown page, a bad query value) becomes a 4xx page saying so, logged
//! at info level. Anything else is our fault: it is logged with its cause at
//! error level and the reader sees a plain 500 page that leaks nothing.
//! `diesel::NotFound` becomes a 404 here and nowhere else.
//!
//! The staff area's refusals are variants too, so a use case says why it
//! did nothing in the same type as a failed query: a form with errors
//! ([`AppError::Invalid`], 422), a change the stored state does not allow
//! ([`AppError::Conflict`], 409), a body over its limit
//! ([`AppError::PayloadTooLarge`], 413) and a refusal by role or for a
//! missing CSRF token ([`AppError::Forbidden`], 403). A handler whose page
//! shows the refusal in place (the form again, with the user's input)
//! matches the variant and renders that page; any other refusal becomes a
//! plain page here. None of them is logged as an error.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("page not found")]
    NotFound,
    /// A page that was public and was withdrawn for good (an article past
    /// its expiry): 410, so that crawlers drop it at once.
    #[error("page gone")]
    Gone,
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A staff request refused: by role, or without its form's token.
    #[error("forbidden: {0}")]
    Forbidden(Forbidden),
    /// A staff form with errors, by field; nothing was changed.
    #[error("invalid form: {}", .0.summary())]
    Invalid(FieldErrors),
    /// A change the stored state does not allow (a stale version, a
    /// category that still has articles); nothing was changed.
    #[error("conflict: {message}")]
    Conflict {
        /// The page's heading when no form shows the refusal.
        title: &'static str,
        message: String,
    },
    /// A request body over its limit; nothing was read past it.
    #[error("body over {limit} bytes")]
    PayloadTooLarge {
        limit: usize,
        title: &'static str,
        message: String,
    },
    /// The media folder could not be written or changed.
    #[error("media folder error: {0}")]
    Storage(std::io::Error),
    #[error("database error: {0}")]
    Database(diesel::result::Error),
    #[error("no database connection: {0}")]
    Pool(#[from] r2d2::Error),
    /// The database is away or too busy to take the request in time: a
    /// connection was lost under a query, or none freed up soon enough.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("the blocking pool is gone")]
    Blocking(#[from] actix_web::error::BlockingError),
    #[error("template error: {0}")]
    Template(#[from] askama::Error),
}

/// Why a staff request was refused with 403.
#[derive(Debug, thiserror::Error)]
pub enum Forbidden {
    /// A form without its session's CSRF token: expired, or from
    /// another site.
    #[error("missing or wrong CSRF token")]
    FormExpired,
    /// Something the staff member's role does not allow; the message
    /// says what.
    #[error("{0}")]
    Role(String),
}

impl AppError {
    /// A form posted without its session's CSRF token.
    pub fn form_expired() -> AppError {
        AppError::Forbidden(Forbidden::FormExpired)
    }

    /// An invalid form with one message.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> AppError {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        AppError::Invalid(errors)
    }
}

/// Validation messages by form field, shown next to the fields; the
/// first message of a field is kept.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field, message.into()));
        }
    }

    /// The message for `field`, if it has one.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many fields have a message.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Every field with its message, in the order they were found.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0.iter().map(|(f, m)| (*f, m.as_str()))
    }

    /// `Err(Invalid)` with these messages, or `Ok` when there are none.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self))
        }
    }

    /// Every message, for a page that cannot show them by their fields.
    pub fn messages(&self) -> String {
        self.0
            .iter()
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Every message, for the log.
    pub fn summary(&self) -> String {
        self.0
            .iter()
            .map(|(f, m)| format!("{f}: {m}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Seconds a client is asked to wait after a 503.
const RETRY_AFTER_SECS: &str = "5";

/// Whether a query failed because its connection went away (the database
/// restarted or was stopped under it) rather than because of the query.
/// PostgreSQL reports an administrator's shutdown only in the message.
pub fn connection_lost(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
        | Error::DatabaseError(DatabaseErrorKind::UnableToSendCommand, _) => true,
        Error::DatabaseError(_, info) => {
            let message = info.message();
            [
                "terminating connection",
                "server closed the connection",
                "no connection to the server",
                "could not receive data from server",
                "connection to server",
                "the database system is shutting down",
                "the database system is starting up",
            ]
            .iter()
            .any(|m| message.contains(m))
        }
        _ => false,
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => AppError::NotFound,
            other if connection_lost(&other) => AppError::Unavailable(other.to_string()),
            other => AppError::Database(other),
        }
    }
}

/// The styled error page. It needs no database, so it renders even when
/// the database is what failed.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub status: u16,
    pub title: &'a str,
    pub message: &'a str,
    pub css: &'static str,
    pub logo: &'static str,
}

impl ErrorPage<'_> {
    pub fn response(status: StatusCode, title: &str, message: &str) -> HttpResponse {
        let page = ErrorPage {
            status: status.as_u16(),
            title,
            message,
            css: crate::static_files::url("site.css"),
            logo: crate::static_files::url("logo.svg"),
        };
        let body = page
            .render()
            .unwrap_or_else(|_| format!("{status} {title}"));
        HttpResponse::build(status)
            .insert_header((
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ))
            .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
            .body(body)
    }

    pub fn not_found() -> HttpResponse {
        Self::response(
            StatusCode::NOT_FOUND,
            "Page not found",
            "We could not find that page. It may have moved, or the address may be mistyped.",
        )
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Gone => StatusCode::GONE,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Pool(_) | AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::NotFound => ErrorPage::not_found(),
            AppError::Gone => ErrorPage::response(
                StatusCode::GONE,
                "No longer available",
                "This article was available for a limited time and has been withdrawn.",
            ),
            AppError::BadRequest(message) => {
                tracing::info!(reason = %message, "bad request");
                ErrorPage::response(StatusCode::BAD_REQUEST, "Bad request", message)
            }
            AppError::Forbidden(Forbidden::FormExpired) => {
                tracing::info!("staff form refused: missing or wrong CSRF token");
                ErrorPage::response(
                    StatusCode::FORBIDDEN,
                    "Form expired",
                    "This form has expired or did not come from this site, so nothing was changed. \
                     Go back, reload the page and try again.",
                )
            }
            AppError::Forbidden(Forbidden::Role(message)) => {
                tracing::warn!(reason = %message, "staff action refused by role");
                ErrorPage::response(StatusCode::FORBIDDEN, "Not allowed", message)
            }
            AppError::Invalid(errors) => {
                tracing::info!(errors = %errors.summary(), "staff form refused");
                ErrorPage::response(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Not saved",
                    &errors.messages(),
                )
            }
            AppError::Conflict { title, message } => {
                tracing::info!(reason = %message, "staff change refused: conflict");
                ErrorPage::response(StatusCode::CONFLICT, title, message)
            }
            AppError::PayloadTooLarge {
                limit,
                title,
                message,
            } => {
                tracing::info!(limit, "request body over its limit");
                ErrorPage::response(StatusCode::PAYLOAD_TOO_LARGE, title, message)
            }
            AppError::Storage(error) => {
                tracing::error!(error = %error, "media folder error");
                ErrorPage::response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The image could not be stored or removed because of an error on our side, \
                     so nothing was changed. It has been logged.",
                )
            }
            AppError::Pool(_) | AppError::Unavailable(_) => {
                let second = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                if let Some(answered) = UNAVAILABLE_LOG.note(second) {
                    tracing::error!(error = %self, answered_503 = answered, "database unavailable");
                }
                let mut page = ErrorPage::response(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Temporarily unavailable",
                    "The site cannot reach its database right now. Please try again in a moment.",
                );
                page.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from_static(RETRY_AFTER_SECS),
                );
                page
            }
            other => {
                tracing::error!(error = %other, "request failed");
                ErrorPage::response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "This page could not be shown because of an error on our side. It has been logged.",
                )
            }
        }
    }
}

/// At most one log line a second for a kind of error that, while it
/// lasts, every request meets: a database outage answers each request
/// 503, and a line for each would bury the rest of the log. Each line
/// says how many answers it stands for.
#[derive(Debug, Default)]
pub struct OncePerSecond {
    last: std::sync::atomic::AtomicU64,
    since: std::sync::atomic::AtomicU64,
}

impl OncePerSecond {
    pub const fn new() -> OncePerSecond {
        OncePerSecond {
            last: std::sync::atomic::AtomicU64::new(0),
            since: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Counts one occurrence at `second` (Unix time); `Some(n)` when a
    /// line is due, `n` being the occurrences since the last line.
    pub fn note(&self, second: u64) -> Option<u64> {
        use std::sync::atomic::Ordering::Relaxed;
        self.since.fetch_add(1, Relaxed);
        let last = self.last.load(Relaxed);
        if second > last
            && self
                .last
                .compare_exchange(last, second, Relaxed, Relaxed)
                .is_ok()
        {
            Some(self.since.swap(0, Relaxed))
        } else {
            None
        }
    }
}

/// [`OncePerSecond`] for "database unavailable".
static UNAVAILABLE_LOG: OncePerSecond = OncePerSecond::new();

#[cfg(test)]
mod tests {
    use super::OncePerSecond;

    #[test]
    fn an_outage_is_logged_once_a_second_with_its_count() {
        let log = OncePerSecond::new();
        assert_eq!(log.note(100), Some(1));
        for _ in 0..19 {
            assert_eq!(log.note(100), None);
        }
        assert_eq!(log.note(101), Some(20));
        assert_eq!(log.note(101), None);
        assert_eq!(log.note(105), Some(2));
    }
}
