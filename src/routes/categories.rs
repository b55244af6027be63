//! `/{category}`: a category's articles, newest first, paginated.

use actix_web::{web, HttpResponse};

use super::blog::ListingPage;
use super::respond::{listing_pager, Found, PageQuery, PER_PAGE};
use crate::app::AppState;
use crate::db::articles::{self, Listing};
use crate::db::categories;
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
    let outcome = state
        .run(move |conn| {
            // A renamed category's old path: see `respond::follow_redirects`.
            let category =
                categories::find_by_slug(conn, slug.as_str())?.ok_or(AppError::NotFound)?;
            let now = now();
            let base = format!("/{}", category.slug);
            let (pager, _) = listing_pager(conn, Listing::Category(category.id), now, &base, page)?;
            if pager.is_past_end() {
                return Err(AppError::NotFound);
            }
            let cards = articles::list(
                conn,
                Listing::Category(category.id),
                now,
                PER_PAGE,
                page.offset(PER_PAGE),
            )?;
            let path = if page.get() > 1 {
                format!("{base}?page={}", page.get())
            } else {
                base.clone()
            };
            let title = if page.get() > 1 {
                format!("{} — page {}", category.name, page.get())
            } else {
                category.name.clone()
            };
            let mut layout = st.layout(
                conn,
                Head {
                    title,
                    description: category.description.clone(),
                    path,
                    current: category.slug.clone(),
                    og_type: "website",
                    noindex: category.noindex,
                },
            )?;
            let crumbs = vec![Crumb::link("Home", "/"), Crumb::here(&category.name)];
            layout.add_breadcrumbs(&crumbs);
            if !category.noindex {
                layout.add_feed(&category.name, &format!("/{}/feed.xml", category.slug));
            }
            Ok(Found::Page(ListingPage {
                layout,
                crumbs,
                heading: category.name.clone(),
                kicker: category.tagline.clone(),
                intro: category.description.clone(),
                cards,
                pager,
                empty: "No articles have been published here yet.".to_owned(),
            }))
        })
        .await?;
    outcome.respond()
}
