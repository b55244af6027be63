//! `/search?q=`: full-text search, ranked by relevance then recency, with
//! highlighted snippets. Words, `"phrases"` and `prefix*` are understood;
//! everything else a reader types is taken as plain words.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::state::{html, now, AppState, Page, PER_PAGE};
use crate::db::search::{self, Hit, SearchQuery as Terms};
use crate::domain::PageNumber;
use crate::error::AppError;
use crate::views::{filters, Crumb, Head, Layout, Pager};

/// Longest query we look at; longer input is cut, not refused.
const MAX_QUERY_CHARS: usize = 200;

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
    pub hits: Vec<Hit>,
    pub pager: Pager,
    /// A note for the reader about their query (cut, or empty).
    pub notice: String,
}

impl Page for SearchPage {
    fn last_modified(&self) -> Option<chrono::NaiveDateTime> {
        self.layout.newest(self.hits.iter().map(|h| &h.card))
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
    let mut text: String = raw
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_QUERY_CHARS)
        .collect();
    if raw.chars().count() > MAX_QUERY_CHARS {
        notice =
            format!("Your search was long, so we used its first {MAX_QUERY_CHARS} characters.");
    }
    text = text.trim().to_owned();
    let terms = Terms::parse(&text);
    if terms.is_empty() && !text.is_empty() {
        notice = "Try searching with words or numbers.".to_owned();
    }
    let st = state.clone();
    let page_view = state
        .run(move |conn| {
            let (hits, total) =
                search::search(conn, &terms, now(), PER_PAGE, page.offset(PER_PAGE))?;
            let base = format!(
                "/search?q={}",
                url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>()
            );
            let more = total > search::MAX_COUNTED;
            let total = total.min(search::MAX_COUNTED);
            let pager = Pager::new(&base, page.get(), total, PER_PAGE);
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
            Ok(SearchPage {
                layout,
                crumbs,
                query: text,
                total,
                more,
                hits,
                pager,
                notice,
            })
        })
        .await?;
    html(&page_view)
}
