//! The paginated listings: a category, a hashtag, an author and the blog.
//! Each handler finds its subject and says what differs ([`Listed`]);
//! [`respond`] does the rest the same way for all four: count, pager, 404
//! past the end, the page of cards, title, layout, breadcrumbs and feed.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::respond::{listing_pager, Page, PER_PAGE};
use crate::app::AppState;
use crate::db::articles::{self, Card, Listing};
use crate::db::DbConn;
use crate::domain::clock::now;
use crate::domain::PageNumber;
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
        self.layout
            .newest(self.cards.iter().map(|c| c.changed_at()))
    }
}

/// The paragraph under a listing's heading.
pub enum Intro {
    /// Words that do not depend on the listing's length.
    Text(String),
    /// How many articles there are, then these words: "12 articles
    /// tagged #rust." A listing with this intro and no visible article is
    /// a 404.
    Count(String),
}

/// What one listing shows, besides its cards.
pub struct Listed {
    pub listing: Listing,
    /// Its path, e.g. `/tag/rust`; page N is `{base}?page=N`.
    pub base: String,
    /// The heading, the last breadcrumb and the title (with "— page N"
    /// after the first page).
    pub name: String,
    pub description: String,
    /// The navigation entry marked as current.
    pub current: String,
    pub og_type: &'static str,
    pub noindex: bool,
    /// The listing's own feeds: their title and the area's path (its
    /// RSS, Atom and JSON Feed are named in the head).
    pub feed: Option<(String, String)>,
    pub kicker: String,
    pub intro: Intro,
    /// What the page says when it has no cards.
    pub empty: String,
}

/// Page `page` of the listing that `find` finds (or answers 404 for).
pub async fn respond(
    state: web::Data<AppState>,
    page: PageNumber,
    find: impl FnOnce(&mut DbConn) -> Result<Listed, AppError> + Send + 'static,
) -> Result<HttpResponse, AppError> {
    let st = state.clone();
    state
        .page(move |conn| {
            let listed = find(conn)?;
            render(conn, &st, listed, page)
        })
        .await
}

fn render(
    conn: &mut DbConn,
    state: &AppState,
    listed: Listed,
    page: PageNumber,
) -> Result<ListingPage, AppError> {
    let now = now();
    let base = listed.base;
    let (pager, total) = listing_pager(conn, listed.listing, now, &base, page)?;
    let nothing_public = matches!(listed.intro, Intro::Count(_)) && total == 0;
    if pager.is_past_end() || nothing_public {
        return Err(AppError::NotFound);
    }
    let cards = articles::list(conn, listed.listing, now, PER_PAGE, page.offset(PER_PAGE))?;
    let (title, path) = if page.get() > 1 {
        (
            format!("{} — page {}", listed.name, page.get()),
            format!("{base}?page={}", page.get()),
        )
    } else {
        (listed.name.clone(), base)
    };
    let mut layout = state.layout(
        conn,
        Head {
            title,
            description: listed.description,
            path,
            current: listed.current,
            og_type: listed.og_type,
            noindex: listed.noindex,
        },
    )?;
    let crumbs = vec![Crumb::link("Home", "/"), Crumb::here(&listed.name)];
    layout.add_breadcrumbs(&crumbs);
    if let Some((title, path)) = &listed.feed {
        layout.add_feed(title, path);
    }
    let intro = match listed.intro {
        Intro::Text(text) => text,
        Intro::Count(what) if pager.more => format!("More than {total} articles {what}."),
        Intro::Count(what) => format!(
            "{total} article{} {what}.",
            if total == 1 { "" } else { "s" }
        ),
    };
    Ok(ListingPage {
        layout,
        crumbs,
        heading: listed.name,
        kicker: listed.kicker,
        intro,
        cards,
        pager,
        empty: listed.empty,
    })
}
