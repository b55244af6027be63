//! `/search?q=`: full-text search, ranked by relevance then recency, with
//! highlighted snippets. Words, `"phrases"` and `prefix*` are understood;
//! everything else a reader types is taken as plain words.

use std::time::Instant;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::respond::{Page, Rendered, PER_PAGE};
use crate::app::AppState;
use crate::db::search::{self, Hit, SearchError, SearchQuery as Terms};
use crate::domain::clock::now;
use crate::domain::PageNumber;
use crate::error::{AppError, ErrorPage};

pub use crate::app::SearchLimits;
use crate::views::{filters, Crumb, Head, Layout, Pager};

/// A 503 that asks to try again shortly; never cached.
fn unavailable(title: &str, message: &str) -> HttpResponse {
    let mut response = ErrorPage::response(StatusCode::SERVICE_UNAVAILABLE, title, message);
    response.headers_mut().insert(
        header::RETRY_AFTER,
        header::HeaderValue::from(SearchLimits::RETRY_AFTER_SECS),
    );
    response
}

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    pub q: Option<String>,
    pub page: Option<String>,
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub layout: Layout,
    pub crumbs: Vec<Crumb>,
    pub query: String,
    pub total: i64,
    /// Whether more matched than were counted.
    pub more: bool,
    /// Whether more matched than a search reaches (its last band).
    pub beyond_reach: bool,
    /// Matches ranked together: the results come in bands of this many.
    pub band: i64,
    pub hits: Vec<Hit>,
    pub pager: Pager,
    /// A note for the reader about their query (cut, or empty).
    pub notice: String,
}

impl Page for SearchPage {
    fn last_modified(&self) -> Option<chrono::NaiveDateTime> {
        self.layout
            .newest(self.hits.iter().map(|h| h.card.changed_at()))
    }
}

pub async fn show(
    state: web::Data<AppState>,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, AppError> {
    let page = PageNumber::parse(query.page.as_deref())
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let raw = query.q.clone().unwrap_or_default();
    let mut notice = String::new();
    let (text, cut) = Terms::typed(&raw);
    if cut {
        notice = format!(
            "Your search was long, so we used its first {} characters.",
            Terms::MAX_CHARS
        );
    }
    let terms = Terms::parse(&text);
    if terms.is_empty() && !text.is_empty() {
        notice = "Try searching with words or numbers.".to_owned();
    }
    // Checked before any work: a search waiting for its turn costs
    // nothing but its place in the queue.
    let _slot = if terms.is_empty() {
        None
    } else {
        let turn =
            actix_web::rt::time::timeout(SearchLimits::QUEUE_WAIT, state.search.slots.acquire());
        match turn.await {
            Ok(Ok(permit)) => Some(permit),
            _ => {
                tracing::info!("search refused: as many searches as allowed are running");
                return Ok(unavailable(
                    "Search is busy",
                    "Many people are searching right now. Please try again in a moment.",
                ));
            }
        }
    };
    let time_limit = state.search.time_limit();
    let st = state.clone();
    let page_view = state
        .run_then(
            move |conn| {
                let started = Instant::now();
                let found = search::search(
                    conn,
                    &terms,
                    now(),
                    PER_PAGE,
                    page.offset(PER_PAGE),
                    time_limit,
                );
                if !terms.is_empty() {
                    st.count(|m| m.observe_search(started.elapsed()));
                }
                let (hits, counted) = match found {
                    Ok(found) => found,
                    Err(SearchError::TooSlow) => {
                        tracing::warn!(query = %text, "search stopped at its time limit");
                        return Ok(None);
                    }
                    Err(SearchError::Database(e)) => return Err(e.into()),
                };
                let base = format!(
                    "/search?q={}",
                    url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>()
                );
                let search::Counted {
                    at_least: total,
                    more,
                    beyond_reach,
                } = counted;
                let pager = Pager::counted(&base, page.get(), total, more, PER_PAGE);
                if pager.is_past_end() {
                    return Err(AppError::NotFound);
                }
                let title = if text.is_empty() {
                    "Search".to_owned()
                } else {
                    format!("Search: {text}")
                };
                let mut layout = st.layout(
                    conn,
                    Head {
                        title,
                        description: "Search the agency's articles.".to_owned(),
                        path: base,
                        current: String::new(),
                        og_type: "website",
                        noindex: true,
                    },
                )?;
                let crumbs = vec![Crumb::link("Home", "/"), Crumb::here("Search")];
                layout.add_breadcrumbs(&crumbs);
                Ok(Some(SearchPage {
                    layout,
                    crumbs,
                    query: text,
                    total,
                    more,
                    beyond_reach,
                    band: PER_PAGE * search::PAGES_PER_BAND,
                    hits,
                    pager,
                    notice,
                }))
            },
            |page_view| page_view.as_ref().map(Rendered::of).transpose(),
        )
        .await?;
    match page_view {
        Some(page_view) => Ok(page_view.respond()),
        None => Ok(unavailable(
            "Search took too long",
            "That search needed more work than one search may take. Try fewer words, \
             a phrase in quotes, or whole words instead of short beginnings with *.",
        )),
    }
}

/// `/opensearch.xml`: tells browsers how to search the site, so that they
/// offer it from the address bar (named in every page's head).
#[derive(Template)]
#[template(path = "opensearch.xml")]
pub struct OpenSearch {
    /// The site's name, cut to the 16 characters OpenSearch allows.
    pub short_name: String,
    pub site_name: String,
    pub base_url: String,
    pub favicon: &'static str,
}

pub async fn opensearch(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let site = state
        .run(|conn| Ok(crate::db::settings::load(conn)?))
        .await?;
    let description = OpenSearch {
        short_name: site.name.chars().take(16).collect(),
        site_name: site.name,
        base_url: state.base_url.clone(),
        favicon: crate::static_files::url("favicon.svg"),
    };
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            "application/opensearchdescription+xml; charset=utf-8",
        ))
        .body(crate::views::xml::render(&description)?))
}
