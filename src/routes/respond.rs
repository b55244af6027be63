//! What handlers answer with: a page rendered to HTML, a permanent
//! redirect, the redirects kept in the database, `?page=N` and a
//! listing's pager.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, ContentType};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;
use serde::Deserialize;

use crate::app::AppState;
use crate::db::{articles, DbConn};
use crate::domain::PageNumber;
use crate::error::AppError;
use crate::http_cache::http_date;
use crate::page_cache::{self, Marks};
use crate::views::Pager;

/// Cards per listing page.
pub const PER_PAGE: i64 = 12;

/// Articles a listing counts at least, twenty pages' worth; past this (and
/// past the page being read) its pager says "many" pages instead of
/// counting to the end. Counting is a walk of the listing's index: at
/// 1,000 it was a quarter of a category page's time on SQLite at 100,000
/// articles, for page numbers nobody reads from the first page.
pub const COUNTED: i64 = 20 * PER_PAGE;

/// The pager of page `page` of a listing at `base`, and how many articles
/// it counted (a lower bound when `pager.more`). The listing is counted up
/// to [`COUNTED`] articles or to the end of the page, whichever is
/// further, so a long listing costs the same to page as a short one.
pub fn listing_pager(
    conn: &mut DbConn,
    listing: articles::Listing,
    now: NaiveDateTime,
    base: &str,
    page: PageNumber,
) -> Result<(Pager, i64), AppError> {
    let enough = COUNTED.max(page.offset(PER_PAGE) + PER_PAGE);
    let counted = articles::count(conn, listing, now, enough + 1)?;
    let more = counted > enough;
    let total = counted.min(enough);
    Ok((
        Pager::counted(base, page.get(), total, more, PER_PAGE),
        total,
    ))
}

/// A page rendered to HTML, with what its response says about it: made on
/// the blocking pool ([`AppState::page`]), answered on the async worker.
#[derive(Debug)]
pub struct Rendered {
    body: String,
    last_modified: Option<NaiveDateTime>,
    marks: Marks,
}

impl Rendered {
    /// Renders a page template.
    pub fn of<T: Template + Page>(page: &T) -> Result<Rendered, AppError> {
        Ok(Rendered {
            body: page.render()?,
            last_modified: page.last_modified(),
            marks: page.marks(),
        })
    }

    /// The 200 HTML response. The caching middleware adds its ETag;
    /// `Last-Modified` comes from the page's content.
    pub fn respond(self) -> HttpResponse {
        let mut response = HttpResponse::Ok();
        response.content_type(ContentType::html());
        if let Some(at) = self.last_modified {
            response.insert_header((header::LAST_MODIFIED, http_date(at)));
        }
        if let Some(article) = self.marks.article {
            response.insert_header((page_cache::ARTICLE_MARK, article.to_string()));
        }
        if self.marks.ranked {
            response.insert_header((page_cache::RANKED_MARK, "1"));
        }
        response.body(self.body)
    }
}

impl AppState {
    /// Reads a page with `read` (see [`AppState::run`]) and renders it on
    /// the blocking pool once the connection is given back
    /// ([`AppState::run_then`]): a 200 HTML response.
    pub async fn page<T, F>(&self, read: F) -> Result<HttpResponse, AppError>
    where
        T: Template + Page,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        let rendered = self.run_then(read, |page| Rendered::of(&page)).await?;
        Ok(rendered.respond())
    }
}

/// What a page says about its own freshness.
pub trait Page {
    /// When the newest content shown on the page last changed.
    fn last_modified(&self) -> Option<NaiveDateTime>;

    /// What the page cache should know: the article shown (its views are
    /// counted) and whether the most-read box is on the page.
    fn marks(&self) -> Marks {
        Marks::default()
    }
}

/// A permanent redirect.
pub fn moved_to(location: &str) -> HttpResponse {
    HttpResponse::MovedPermanently()
        .insert_header((actix_web::http::header::LOCATION, location.to_owned()))
        .finish()
}

/// Any 404 to a GET or HEAD whose path has a row in `redirects` becomes a
/// 301 to where that content lives now: renamed articles, categories and
/// hashtags and their feeds, in one place rather than in each handler.
pub async fn follow_redirects(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let read = matches!(*req.method(), Method::GET | Method::HEAD);
    let path = req.path().to_owned();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let res = next.call(req).await?;
    let state = match state {
        Some(state) if read && res.status() == StatusCode::NOT_FOUND => state,
        _ => return Ok(res.map_into_boxed_body()),
    };
    let moved = state
        .run(move |conn| Ok(crate::db::redirects::find(conn, &path)?))
        .await;
    match moved {
        Ok(Some(r)) => Ok(res.into_response(moved_to(&r.to_path))),
        _ => Ok(res.map_into_boxed_body()),
    }
}

/// `?page=N`; kept as text so a bad value becomes our own 400 page.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    pub page: Option<String>,
}

impl PageQuery {
    pub fn number(&self) -> Result<PageNumber, AppError> {
        PageNumber::parse(self.page.as_deref()).map_err(|e| AppError::BadRequest(e.to_string()))
    }
}

/// A page, or the 301 to its canonical URL.
pub enum Found<T> {
    Page(T),
    MovedTo(String),
}

impl<T: Template + Page> Found<T> {
    /// Renders the page, if it is one.
    pub fn render(self) -> Result<Found<Rendered>, AppError> {
        Ok(match self {
            Found::Page(page) => Found::Page(Rendered::of(&page)?),
            Found::MovedTo(location) => Found::MovedTo(location),
        })
    }
}

impl Found<Rendered> {
    pub fn respond(self) -> HttpResponse {
        match self {
            Found::Page(page) => page.respond(),
            Found::MovedTo(location) => moved_to(&location),
        }
    }
}
