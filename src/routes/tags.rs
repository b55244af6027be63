//! `/tag/{tag}`: the articles carrying a hashtag.

use actix_web::{web, HttpResponse};

use super::listing::{self, Intro, Listed};
use super::respond::PageQuery;
use crate::app::AppState;
use crate::db::articles::Listing;
use crate::db::tags;
use crate::domain::Slug;
use crate::error::AppError;

pub async fn show(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let slug = Slug::parse(&path).ok_or(AppError::NotFound)?;
    let page = query.number()?;
    listing::respond(state, page, move |conn| {
        let tag = tags::find_by_slug(conn, slug.as_str())?.ok_or(AppError::NotFound)?;
        let name = format!("#{}", tag.name);
        Ok(Listed {
            listing: Listing::Tag(tag.id),
            base: format!("/tag/{}", tag.slug),
            description: format!("Articles tagged {name} at the agency."),
            current: String::new(),
            og_type: "website",
            noindex: false,
            feed: Some((name.clone(), format!("/tag/{}", tag.slug))),
            kicker: "Hashtag".to_owned(),
            // A tag only some hidden article carries shows nothing public.
            intro: Intro::Count(format!("tagged {name}")),
            empty: String::new(),
            name,
        })
    })
    .await
}
