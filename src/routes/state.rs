//! What every handler shares: the database and the site's base URL, and the
//! helpers that run queries off the async workers and answer with HTML.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, ContentType};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use std::sync::{Arc, Mutex};

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Datelike, NaiveDateTime, Utc};
use serde::Deserialize;
use tokio::sync::{Semaphore, TryAcquireError};

use crate::db::models::{Category, SiteSettings};
use crate::db::{articles, categories, settings, Database, DbConn};
use crate::domain::PageNumber;
use crate::error::AppError;
use crate::http_cache::http_date;
use crate::metrics::Metrics;
use crate::views::{Head, Layout, Pager};

pub struct AppState {
    pub db: Database,
    /// Absolute base URL without a trailing slash, e.g. `https://news.example`.
    pub base_url: String,
    /// The folder of uploaded images (`--media-dir`), possibly shared with
    /// other processes.
    pub media_dir: std::path::PathBuf,
    /// The largest image upload accepted, in bytes (`--max-upload-mb`).
    pub max_upload_bytes: usize,
    /// Proxies whose `X-Forwarded-For` names the client (see
    /// `auth::session::client_ip`).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Public pages kept rendered (see `page_cache`).
    pub pages: Arc<crate::page_cache::PageCache>,
    /// One permit per pooled connection: requests wait their turn here,
    /// on the async side, instead of as parked threads inside the pool.
    pub db_slots: Arc<Semaphore>,
    /// The settings and categories every page shows, as of a generation
    /// of the content (see `page_cache::Freshness`).
    pub site: Mutex<Option<(u64, Arc<SiteAndCategories>)>>,
    /// How many searches run at once, and for how long (`routes::search`).
    pub search: Arc<super::search::SearchLimits>,
    /// The operator's metrics, when `--metrics-bind` serves them.
    pub metrics: Option<Arc<Metrics>>,
}

/// The site settings and the categories in navigation order.
pub type SiteAndCategories = (SiteSettings, Vec<Category>);

/// Cards per listing page.
pub const PER_PAGE: i64 = 12;

/// Articles a listing counts at least; past this (and past the page being
/// read) its pager says "many" pages instead of counting to the end.
pub const COUNTED: i64 = 1000;

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

impl AppState {
    /// Runs `f` with a pooled connection on the blocking thread pool, so
    /// no diesel call ever runs on an async worker.
    pub async fn run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.db.pool.clone();
        // A reader waits at most about as long for a turn as for a
        // connection: when the database is away, an answer (503, or a
        // stale page from the cache) comes within seconds, not after a
        // queue of timeouts.
        let _permit = match self.db_slots.try_acquire() {
            Ok(permit) => Some(permit),
            Err(TryAcquireError::Closed) => None,
            Err(TryAcquireError::NoPermits) => {
                self.count(Metrics::pool_wait);
                let wait =
                    actix_web::rt::time::timeout(crate::db::POOL_WAIT, self.db_slots.acquire());
                match wait.await {
                    Ok(permit) => permit.ok(),
                    Err(_) => {
                        self.count(Metrics::pool_timeout);
                        return Err(AppError::Unavailable(
                            "no database connection freed up in time".to_owned(),
                        ));
                    }
                }
            }
        };
        let done = web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?;
        if let Err(AppError::Pool(_)) = done {
            self.count(Metrics::pool_timeout);
        }
        done
    }

    /// Records `what` in the metrics, if they are kept.
    pub fn count(&self, what: impl FnOnce(&Metrics)) {
        if let Some(metrics) = &self.metrics {
            what(metrics);
        }
    }

    /// The layout of a page: the site settings and navigation, read once
    /// per change of the content rather than on every page.
    pub fn layout(&self, conn: &mut DbConn, head: Head) -> Result<Layout, AppError> {
        let both = self.site_and_categories(conn)?;
        Ok(Layout::new(
            both.0.clone(),
            both.1.clone(),
            &self.base_url,
            head,
            now().year(),
        ))
    }

    fn site_and_categories(&self, conn: &mut DbConn) -> Result<Arc<SiteAndCategories>, AppError> {
        let generation = self.pages.freshness().generation();
        if let Some((seen, both)) = self.site_memo().as_ref() {
            if *seen == generation {
                return Ok(both.clone());
            }
        }
        let both = Arc::new(site_and_categories(conn)?);
        *self.site_memo() = Some((generation, both.clone()));
        Ok(both)
    }

    fn site_memo(&self) -> std::sync::MutexGuard<'_, Option<(u64, Arc<SiteAndCategories>)>> {
        // Plain data: a panic elsewhere cannot leave it half-written.
        self.site.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub fn site_and_categories(conn: &mut DbConn) -> Result<(SiteSettings, Vec<Category>), AppError> {
    Ok((settings::load(conn)?, categories::all(conn)?))
}

/// The current time as stored in the database: naive UTC.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// Renders a page template into a 200 HTML response. The caching
/// middleware adds its ETag; `Last-Modified` comes from the page's content.
pub fn html<T: Template + Page>(page: &T) -> Result<HttpResponse, AppError> {
    let mut response = HttpResponse::Ok();
    response.content_type(ContentType::html());
    if let Some(at) = page.last_modified() {
        response.insert_header((header::LAST_MODIFIED, http_date(at)));
    }
    Ok(response.body(page.render()?))
}

/// What a page says about its own freshness.
pub trait Page {
    /// When the newest content shown on the page last changed.
    fn last_modified(&self) -> Option<NaiveDateTime>;
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
    pub fn respond(self) -> Result<HttpResponse, AppError> {
        match self {
            Found::Page(page) => html(&page),
            Found::MovedTo(location) => Ok(moved_to(&location)),
        }
    }
}
