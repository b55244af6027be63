//! `AppError`: the one place errors become responses.
//!
//! Policy: a handler returns `Result<_, AppError>`. What a client did wrong
//! (an unknown page, a bad query value) becomes a 4xx page saying so, logged
//! at info level. Anything else is our fault: it is logged with its cause at
//! error level and the reader sees a plain 500 page that leaks nothing.
//! `diesel::NotFound` becomes a 404 here and nowhere else.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("page not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A staff member tried something their role does not allow.
    #[error("forbidden: {0}")]
    Forbidden(String),
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
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Pool(_) | AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::NotFound => ErrorPage::not_found(),
            AppError::BadRequest(message) => {
                tracing::info!(reason = %message, "bad request");
                ErrorPage::response(StatusCode::BAD_REQUEST, "Bad request", message)
            }
            AppError::Forbidden(message) => {
                tracing::warn!(reason = %message, "staff action refused by role");
                ErrorPage::response(StatusCode::FORBIDDEN, "Not allowed", message)
            }
            AppError::Pool(_) | AppError::Unavailable(_) => {
                tracing::error!(error = %self, "database unavailable");
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
