//! `/tag/{tag}`: the articles carrying a hashtag.

use actix_web::{web, HttpResponse};

use super::blog::ListingPage;
use super::respond::{html, listing_pager, PageQuery, PER_PAGE};
use crate::app::AppState;
use crate::db::articles::{self, Listing};
use crate::db::tags;
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
            let tag = tags::find_by_slug(conn, slug.as_str())?.ok_or(AppError::NotFound)?;
            let now = now();
            let base = format!("/tag/{}", tag.slug);
            let (pager, total) = listing_pager(conn, Listing::Tag(tag.id), now, &base, page)?;
            // A tag only some hidden article carries shows nothing public.
            if pager.is_past_end() || total == 0 {
                return Err(AppError::NotFound);
            }
            let cards = articles::list(
                conn,
                Listing::Tag(tag.id),
                now,
                PER_PAGE,
                page.offset(PER_PAGE),
            )?;
            let (title, path) = if page.get() > 1 {
                (
                    format!("#{} — page {}", tag.name, page.get()),
                    format!("{base}?page={}", page.get()),
                )
            } else {
                (format!("#{}", tag.name), base.clone())
            };
            let mut layout = st.layout(
                conn,
                Head {
                    title,
                    description: format!("Articles tagged #{} at the agency.", tag.name),
                    path,
                    current: String::new(),
                    og_type: "website",
                    noindex: false,
                },
            )?;
            let crumbs = vec![
                Crumb::link("Home", "/"),
                Crumb::here(&format!("#{}", tag.name)),
            ];
            layout.add_breadcrumbs(&crumbs);
            layout.add_feed(
                &format!("#{}", tag.name),
                &format!("/tag/{}/feed.xml", tag.slug),
            );
            Ok(ListingPage {
                layout,
                crumbs,
                heading: format!("#{}", tag.name),
                kicker: "Hashtag".to_owned(),
                intro: if pager.more {
                    format!("More than {total} articles tagged #{}.", tag.name)
                } else {
                    format!(
                        "{total} article{} tagged #{}.",
                        if total == 1 { "" } else { "s" },
                        tag.name
                    )
                },
                cards,
                pager,
                empty: String::new(),
            })
        })
        .await?;
    html(&listing)
}
