//! `/blog`: the blog's posts, newest first, paginated. Also home of
//! `ListingPage`, the template every paginated listing shares.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::respond::{html, listing_pager, Page, PageQuery, PER_PAGE};
use crate::app::AppState;
use crate::db::articles::{self, Card, Listing};
use crate::domain::clock::now;
use crate::error::AppError;
use crate::views::{filters, Crumb, Head, Layout, Pager};

/// A paginated list of cards: category, blog, tag and author pages.
#[derive(Template)]
#[template(path = "listing.html")]
pub struct ListingPage {
    pub layout: Layout,
    pub crumbs: Vec<Crumb>,
    pub heading: String,
    /// A short line above the heading.
    pub kicker: String,
    /// A paragraph under the heading.
    pub intro: String,
    pub cards: Vec<Card>,
    pub pager: Pager,
    /// What to say when there are no cards.
    pub empty: String,
}

impl Page for ListingPage {
    fn last_modified(&self) -> Option<chrono::NaiveDateTime> {
        self.layout.newest(&self.cards)
    }
}

pub async fn index(
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let page = query.number()?;
    let st = state.clone();
    let listing = state
        .run(move |conn| {
            let now = now();
            let (pager, _) = listing_pager(conn, Listing::Blog, now, "/blog", page)?;
            if pager.is_past_end() {
                return Err(AppError::NotFound);
            }
            let cards = articles::list(conn, Listing::Blog, now, PER_PAGE, page.offset(PER_PAGE))?;
            let (title, path) = if page.get() > 1 {
                (format!("Blog — page {}", page.get()), format!("/blog?page={}", page.get()))
            } else {
                ("Blog".to_owned(), "/blog".to_owned())
            };
            let mut layout = st.layout(
                conn,
                Head {
                    title,
                    description: "Notes from the newsroom: how and why we cover what we do.".to_owned(),
                    path,
                    current: "blog".to_owned(),
                    og_type: "website",
                    noindex: false,
                },
            )?;
            let crumbs = vec![Crumb::link("Home", "/"), Crumb::here("Blog")];
            layout.add_breadcrumbs(&crumbs);
            layout.add_feed("Blog", "/blog/feed.xml");
            Ok(ListingPage {
                layout,
                crumbs,
                heading: "Blog".to_owned(),
                kicker: "From the newsroom".to_owned(),
                intro: "Our writers and editors on how the agency works: how we verify, what we choose to cover, and what we are reading.".to_owned(),
                cards,
                pager,
                empty: "No posts yet.".to_owned(),
            })
        })
        .await?;
    html(&listing)
}
