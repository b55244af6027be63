//! `/author/{slug}`: a writer's bio and articles.

use actix_web::{web, HttpResponse};

use super::blog::ListingPage;
use super::respond::{html, listing_pager, PageQuery, PER_PAGE};
use crate::app::AppState;
use crate::db::articles::{self, Listing};
use crate::db::users;
use crate::domain::clock::now;
use crate::domain::Slug;
use crate::error::AppError;
use crate::views::{Crumb, Head};

pub async fn show(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let slug = Slug::parse(&path).ok_or(AppError::NotFound)?;
    let page = query.number()?;
    let st = state.clone();
    let listing = state
        .run(move |conn| {
            let author = users::find_author(conn, slug.as_str())?.ok_or(AppError::NotFound)?;
            let now = now();
            let base = format!("/author/{}", author.slug);
            let (pager, _) = listing_pager(conn, Listing::Author(author.id), now, &base, page)?;
            if pager.is_past_end() {
                return Err(AppError::NotFound);
            }
            let cards = articles::list(
                conn,
                Listing::Author(author.id),
                now,
                PER_PAGE,
                page.offset(PER_PAGE),
            )?;
            let (title, path) = if page.get() > 1 {
                (
                    format!("{} — page {}", author.name, page.get()),
                    format!("{base}?page={}", page.get()),
                )
            } else {
                (author.name.clone(), base.clone())
            };
            let description = if author.bio.is_empty() {
                format!("Articles by {}.", author.name)
            } else {
                author.bio.clone()
            };
            let mut layout = st.layout(
                conn,
                Head {
                    title,
                    description,
                    path,
                    current: String::new(),
                    og_type: "profile",
                    noindex: false,
                },
            )?;
            let crumbs = vec![Crumb::link("Home", "/"), Crumb::here(&author.name)];
            layout.add_breadcrumbs(&crumbs);
            Ok(ListingPage {
                layout,
                crumbs,
                heading: author.name.clone(),
                kicker: "Author".to_owned(),
                intro: author.bio.clone(),
                cards,
                pager,
                empty: format!("{} has not published anything yet.", author.name),
            })
        })
        .await?;
    html(&listing)
}
